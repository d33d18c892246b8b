//! The headline recipe: an axum 0.8 server that receives several senders on
//! one route, processes each event exactly once across every server that
//! shares the Redis, and logs what it refuses (features `axum` and
//! `redis-async`).
//!
//! ```sh
//! redis-server &   # or point REDIS_URL at yours
//! cargo run --example axum_redis --features axum,redis-async
//! ```
//!
//! Listens on 127.0.0.1:3000 (`PORT` to change) and uses `REDIS_URL`
//! (default `redis://127.0.0.1:6379`). Point each sender at
//! `/webhooks/{provider}`: `github`, `stripe`, `standard` (any Standard
//! Webhooks or Svix sender) or `clickfunnels`. The secrets come from
//! `GITHUB_SECRET`, `STRIPE_SECRET`, `STANDARD_WEBHOOKS_SECRET` (with
//! `STANDARD_WEBHOOKS_PREVIOUS_SECRET` while a rotation is under way) and
//! `CLICKFUNNELS_SECRET`; unset, each is a public demo value.

use std::env;
use std::sync::Arc;

use axum::extract::{FromRef, Path, State};
use axum::response::IntoResponse;
use axum::routing::post;
use webhook_kit::axum::RoutedWebhook;
use webhook_kit::clickfunnels::ClickFunnels;
use webhook_kit::dedup::{AsyncRedisStore, Handled};
use webhook_kit::github::GitHub;
use webhook_kit::standard::StandardWebhooks;
use webhook_kit::stripe::Stripe;
use webhook_kit::{Receivers, Rejection, WebhookEvent};

/// What every request needs: the receivers by route name and the store of
/// event ids, shared by all the servers that use the same Redis. Deriving
/// `FromRef` lets the extractor take `Arc<Receivers>` from it and the handler
/// `State<AsyncRedisStore>`.
#[derive(Clone, FromRef)]
struct App {
    receivers: Arc<Receivers>,
    store: AsyncRedisStore,
}

/// `POST /webhooks/{provider}`. The extractor has picked the receiver by
/// name (404 for an unknown one), read the body within its limit (413),
/// verified it (401) and parsed it (400); taking its `Result` lets the
/// handler log a rejection before answering it.
async fn webhook(
    State(store): State<AsyncRedisStore>,
    Path(provider): Path<String>,
    hook: Result<RoutedWebhook, Rejection>,
) -> Result<impl IntoResponse, Rejection> {
    let hook = hook.inspect_err(|rejection| {
        // The message says what was wrong and never holds a secret.
        eprintln!("{provider}: rejected {}: {rejection}", rejection.status());
    })?;
    let (id, event_type) = (hook.event.id(), hook.event.event_type());
    // Claim the id in Redis, process, record: a redelivery, here or on
    // another server, is acknowledged without being processed again; one
    // that arrives while this one runs is asked to retry (429).
    let handled = hook
        .exactly_once(&store)
        .run_async(&id, || async {
            // Your work goes here (store it, enqueue it); an `Err` answers
            // 503, releases the claim, and the sender's retry processes it.
            println!("{provider} {event_type} {id}: processed");
            Ok::<(), std::io::Error>(())
        })
        .await;
    if let Handled::StoreUnavailable(error) | Handled::Unrecorded { error, .. } = &handled {
        eprintln!("{provider} {id}: redis: {error}");
    }
    // The sender's acknowledgement, 429 + Retry-After, or 503.
    Ok(handled)
}

/// A secret from the environment; unset, a public demo value, said on
/// stderr: anyone can sign with it, so never run like that in production.
fn secret(variable: &str, demo: &str) -> String {
    env::var(variable).unwrap_or_else(|_| {
        eprintln!("{variable} unset: using a public demo secret");
        demo.to_owned()
    })
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Standard Webhooks: during a rotation the sender signs with the new
    // and the old secret; accept both until it ends.
    let standard = StandardWebhooks::new(secret(
        "STANDARD_WEBHOOKS_SECRET",
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
    ))?
    .with_secret(secret(
        "STANDARD_WEBHOOKS_PREVIOUS_SECRET",
        "whsec_ZGVtby1wcmV2aW91cy1zdGFuZGFyZC1r",
    ))?;
    let receivers = Receivers::new()
        .with_receiver(
            "github",
            GitHub::new(secret("GITHUB_SECRET", "demo-github-secret"))?,
        )
        .with_receiver(
            "stripe",
            Stripe::new(secret("STRIPE_SECRET", "whsec_demo-stripe-secret"))?,
        )
        .with_receiver("standard", standard)
        .with_receiver(
            "clickfunnels",
            ClickFunnels::new(secret("CLICKFUNNELS_SECRET", "demo-clickfunnels-secret"))?,
        );

    let redis_url = env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into());
    let store = AsyncRedisStore::connect(&redis_url).await?;
    let app = App {
        receivers: Arc::new(receivers),
        store,
    };

    let router = axum::Router::new()
        .route("/webhooks/{provider}", post(webhook))
        .with_state(app);
    let port = env::var("PORT").unwrap_or_else(|_| "3000".into());
    let listener = tokio::net::TcpListener::bind(format!("127.0.0.1:{port}")).await?;
    println!(
        "listening on http://{}/webhooks/{{provider}}",
        listener.local_addr()?
    );
    axum::serve(listener, router).await?;
    Ok(())
}
