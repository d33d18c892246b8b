//! webhook-kit in an actix-web 4 server (feature `actix`): one
//! `/webhooks/{provider}` route over a `Receivers`, with the `RoutedWebhook`
//! extractor; `ExactlyOnce` over an in-memory store processes each event
//! once; rejections are logged.
//!
//! ```sh
//! cargo run --example actix --features actix   # 127.0.0.1:3000 (PORT to change)
//! ```
//!
//! `{provider}` is `github`, `stripe` or `standard` (any Standard Webhooks
//! or Svix sender), with their secrets in `GITHUB_SECRET`, `STRIPE_SECRET`
//! and `STANDARD_WEBHOOKS_SECRET`.

use std::convert::Infallible;
use std::env;

use actix_web::web::{self, Data};
use actix_web::{HttpServer, Responder};
use webhook_kit::actix::RoutedWebhook;
use webhook_kit::dedup::MemoryStore;
use webhook_kit::github::GitHub;
use webhook_kit::standard::StandardWebhooks;
use webhook_kit::stripe::Stripe;
use webhook_kit::{Receivers, Rejection, WebhookEvent};

/// The extractor has picked the receiver named by `{provider}` (404 for an
/// unknown one) and read the body within its limit (actix's own
/// `PayloadConfig` does not apply), verified and parsed it; taking its
/// `Result` lets the handler log a rejection before answering it.
async fn webhook(
    provider: web::Path<String>,
    seen: Data<MemoryStore>,
    hook: Result<RoutedWebhook, Rejection>,
) -> Result<impl Responder, Rejection> {
    let hook = hook.inspect_err(|rejection| {
        // The message says what was wrong and never holds a secret.
        eprintln!("{provider}: rejected {}: {rejection}", rejection.status());
    })?;
    let (id, event_type) = (hook.event.id(), hook.event.event_type());
    // A redelivery is acknowledged without running the closure again.
    let handled = hook.exactly_once(&**seen).run(&id, || {
        // Your work goes here; an `Err` answers 503 and the sender retries.
        println!("{provider} {event_type} {id}: processed");
        Ok::<(), Infallible>(())
    });
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

#[actix_web::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let receivers = Receivers::new()
        .with_receiver(
            "github",
            GitHub::new(secret("GITHUB_SECRET", "demo-github-secret"))?,
        )
        .with_receiver(
            "stripe",
            Stripe::new(secret("STRIPE_SECRET", "whsec_demo-stripe-secret"))?,
        )
        .with_receiver(
            "standard",
            StandardWebhooks::new(secret(
                "STANDARD_WEBHOOKS_SECRET",
                "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            ))?,
        );
    let receivers = Data::new(receivers);
    // Event ids seen, to drop redeliveries (this process only).
    let seen = Data::new(MemoryStore::new(100_000));

    let port: u16 = env::var("PORT").map_or(Ok(3000), |port| port.parse())?;
    let server = HttpServer::new(move || {
        actix_web::App::new()
            .app_data(receivers.clone())
            .app_data(seen.clone())
            // A resource answers 405 to other methods.
            .service(web::resource("/webhooks/{provider}").route(web::post().to(webhook)))
    })
    .workers(2)
    .bind(("127.0.0.1", port))?;
    for addr in server.addrs() {
        println!("listening on http://{addr}/webhooks/{{provider}}");
    }
    server.run().await?;
    Ok(())
}
