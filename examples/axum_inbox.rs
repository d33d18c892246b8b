//! Exactly-once effects in an axum handler: the `Webhook` extractor
//! verifies the delivery, and `Inbox::run` records the event in the same
//! SQLite transaction as the handler's own write (features `axum` and
//! `sqlite`; with `postgres`, swap the pool for a `PgPool`).
//!
//! ```sh
//! cargo run --example axum_inbox --features axum,sqlite
//! ```
//!
//! `DATABASE_URL` (default `sqlite://webhooks.db`), `STANDARD_WEBHOOKS_SECRET`
//! (default: a public demo secret), `PORT` (default 3000). Then point a
//! Standard Webhooks sender at `http://<host>:3000/webhooks/standard`.

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{FromRef, State};
use axum::routing::post;
use sqlx::SqlitePool;
use sqlx::sqlite::SqliteConnectOptions;
use webhook_kit::axum::Webhook;
use webhook_kit::dedup::Handled;
use webhook_kit::dedup::inbox::{self, Inbox};
use webhook_kit::standard::StandardWebhooks;
use webhook_kit::{Rejection, WebhookEvent};

/// The receiver and the database the handler writes to; deriving `FromRef`
/// lets the extractor take the receiver and the handler the pool.
#[derive(Clone, FromRef)]
struct App {
    receiver: Arc<StandardWebhooks>,
    pool: SqlitePool,
}

/// The event's effect (here, a row of `received`) and its inbox record are
/// committed together: a crash before the commit leaves neither, and the
/// sender's retry is processed; every later copy is acknowledged
/// unprocessed. A refused request is logged and answered by the rejection.
async fn webhook(
    State(pool): State<SqlitePool>,
    hook: Result<Webhook<StandardWebhooks>, Rejection>,
) -> Result<Handled<sqlx::Error, sqlx::Error>, Rejection> {
    let hook = hook.inspect_err(|rejection| {
        // The message says what was wrong and never holds a secret.
        eprintln!("standard: rejected {}: {rejection}", rejection.status());
    })?;
    let (id, event_type) = (hook.event.id(), hook.event.event_type());
    let handled = Inbox::new(hook.receiver(), "standard")
        .run(&pool, &id, |mut tx| async move {
            sqlx::query("INSERT INTO received (event_type) VALUES (?1)")
                .bind(event_type)
                .execute(&mut *tx)
                .await?;
            Ok::<_, sqlx::Error>(tx)
        })
        .await;
    if let Handled::Processed { .. } = handled {
        println!("standard {event_type} {id}: processed");
    }
    // 200 processed or duplicate, 429 + Retry-After while another delivery
    // holds the event, 503 when the database failed.
    Ok(handled)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = std::env::var("DATABASE_URL").unwrap_or_else(|_| "sqlite://webhooks.db".into());
    let secret = std::env::var("STANDARD_WEBHOOKS_SECRET")
        .unwrap_or_else(|_| "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".into());
    let port: u16 = std::env::var("PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(3000);

    let options = SqliteConnectOptions::from_str(&url)?.create_if_missing(true);
    let pool = SqlitePool::connect_with(options).await?;
    // The inbox's table, and the example's own.
    inbox::migrate(&pool).await?;
    sqlx::query("CREATE TABLE IF NOT EXISTS received (event_type TEXT NOT NULL)")
        .execute(&pool)
        .await?;

    // Records last as long as the sender may redeliver; drop the expired
    // ones now and then.
    let purging = pool.clone();
    tokio::spawn(async move {
        let mut hourly = tokio::time::interval(Duration::from_secs(3600));
        loop {
            hourly.tick().await;
            if let Err(error) = inbox::purge(&purging).await {
                eprintln!("inbox purge failed: {error}");
            }
        }
    });

    let app = App {
        receiver: Arc::new(StandardWebhooks::new(&secret)?),
        pool,
    };
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    println!(
        "axum + inbox: receiving on http://{}/webhooks/standard",
        listener.local_addr()?
    );
    let router = axum::Router::new()
        .route("/webhooks/standard", post(webhook))
        .with_state(app);
    axum::serve(listener, router).await?;
    Ok(())
}
