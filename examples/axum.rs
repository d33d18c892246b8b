//! webhook-kit in an axum 0.8 server (feature `axum`): one route per
//! sender, each with the typed `Webhook<P>` extractor; `ExactlyOnce` over an
//! in-memory store processes each event once; rejections are logged.
//!
//! ```sh
//! cargo run --example axum --features axum   # 127.0.0.1:3000 (PORT to change)
//! ```
//!
//! Point GitHub at `/webhooks/github`, Stripe at `/webhooks/stripe` and a
//! Standard Webhooks (Svix) sender at `/webhooks/standard`, with their
//! secrets in `GITHUB_SECRET`, `STRIPE_SECRET` and
//! `STANDARD_WEBHOOKS_SECRET`. With several servers, share the store:
//! `examples/axum_redis.rs`.

use std::convert::Infallible;
use std::env;
use std::sync::Arc;

use axum::routing::post;
use webhook_kit::axum::Webhook;
use webhook_kit::dedup::MemoryStore;
use webhook_kit::github::GitHub;
use webhook_kit::standard::StandardWebhooks;
use webhook_kit::stripe::Stripe;
use webhook_kit::{Provider, Rejection, WebhookEvent};

/// `POST /webhooks/{name}` for one sender. The extractor takes the receiver
/// from the route's state, reads the body (within the receiver's limit),
/// verifies and parses it; taking its `Result` lets the handler log a
/// rejection before answering it (401, 400 or 413).
fn route<P>(name: &'static str, receiver: P, seen: Arc<MemoryStore>) -> axum::Router
where
    P: Provider + Send + Sync + 'static,
    P::Event: Send + 'static,
{
    let handler = move |hook: Result<Webhook<P>, Rejection>| async move {
        let hook = hook.inspect_err(|rejection| {
            // The message says what was wrong and never holds a secret.
            eprintln!("{name}: rejected {}: {rejection}", rejection.status());
        })?;
        let (id, event_type) = (hook.event.id(), hook.event.event_type());
        // A redelivery is acknowledged without running the closure again.
        let handled = hook.exactly_once(&*seen).run(&id, || {
            // Your work goes here; an `Err` answers 503 and the sender retries.
            println!("{name} {event_type} {id}: processed");
            Ok::<(), Infallible>(())
        });
        // The sender's acknowledgement, 429 + Retry-After, or 503.
        Ok::<_, Rejection>(handled)
    };
    axum::Router::new()
        .route(&format!("/webhooks/{name}"), post(handler))
        .with_state(Arc::new(receiver))
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
    let github = GitHub::new(secret("GITHUB_SECRET", "demo-github-secret"))?;
    let stripe = Stripe::new(secret("STRIPE_SECRET", "whsec_demo-stripe-secret"))?;
    let standard = StandardWebhooks::new(secret(
        "STANDARD_WEBHOOKS_SECRET",
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
    ))?;
    // Event ids seen, to drop redeliveries (this process only).
    let seen = Arc::new(MemoryStore::new(100_000));

    let app = axum::Router::new()
        .merge(route("github", github, Arc::clone(&seen)))
        .merge(route("stripe", stripe, Arc::clone(&seen)))
        .merge(route("standard", standard, seen));

    let port = env::var("PORT").unwrap_or_else(|_| "3000".into());
    let listener = tokio::net::TcpListener::bind(format!("127.0.0.1:{port}")).await?;
    println!(
        "listening on http://{}/webhooks/{{provider}}",
        listener.local_addr()?
    );
    axum::serve(listener, app).await?;
    Ok(())
}
