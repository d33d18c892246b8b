//! webhook-kit in a bare hyper 1 server (feature `tower`): each sender's
//! route is its handler behind a `VerifyLayer`, which verifies before the
//! handler runs; `ExactlyOnce` over an in-memory store processes each event
//! once; rejections are logged.
//!
//! ```sh
//! cargo run --example hyper --features tower   # 127.0.0.1:3000 (PORT to change)
//! ```
//!
//! Routes: `/webhooks/github`, `/webhooks/stripe` and `/webhooks/standard`
//! (any Standard Webhooks or Svix sender), with their secrets in
//! `GITHUB_SECRET`, `STRIPE_SECRET` and `STANDARD_WEBHOOKS_SECRET`.

use std::collections::HashMap;
use std::convert::Infallible;
use std::env;
use std::sync::Arc;

use http::{Method, Request, Response, StatusCode};
use http_body_util::{Either, Full};
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tower::util::BoxCloneSyncService;
use tower::{Layer, ServiceExt, service_fn};
use webhook_kit::dedup::{ExactlyOnce, MemoryStore};
use webhook_kit::github::GitHub;
use webhook_kit::standard::StandardWebhooks;
use webhook_kit::stripe::Stripe;
use webhook_kit::tower::{VerifyBody, VerifyLayer};
use webhook_kit::{Provider, Rejection, WebhookEvent};

type Body = VerifyBody<Full<Bytes>>;
type Webhook = BoxCloneSyncService<Request<Incoming>, Response<Body>, Infallible>;

/// One sender's route. `VerifyLayer` reads the body (within the receiver's
/// limit), verifies and parses it, and answers a failure itself (401, 400
/// or 413, with the `Rejection` in the response extensions); the inner
/// service runs only for verified requests and finds the event in the
/// request extensions.
fn webhook<P>(name: &'static str, receiver: P, seen: Arc<MemoryStore>) -> Webhook
where
    P: Provider + Send + Sync + 'static,
    P::Event: Clone + Send + Sync + 'static,
{
    let receiver = Arc::new(receiver);
    let handle = {
        let receiver = Arc::clone(&receiver);
        service_fn(move |request: Request<Full<Bytes>>| {
            let (receiver, seen) = (Arc::clone(&receiver), Arc::clone(&seen));
            async move {
                let Some(event) = request.extensions().get::<P::Event>() else {
                    unreachable!("VerifyLayer puts the event in every request it passes on");
                };
                let (id, event_type) = (event.id(), event.event_type());
                // A redelivery is acknowledged without running the closure again.
                let handled = ExactlyOnce::new(&*receiver, &*seen, name).run(&id, || {
                    // Your work goes here; an `Err` answers 503 and the sender retries.
                    println!("{name} {event_type} {id}: processed");
                    Ok::<(), Infallible>(())
                });
                Ok::<_, Infallible>(handled.into_response().map(Full::from))
            }
        })
    };
    let verified = VerifyLayer::from_arc(receiver).layer(handle);
    BoxCloneSyncService::new(verified)
}

/// `POST /webhooks/{provider}` to that sender's route, 405 for another
/// method, 404 elsewhere; a rejection is logged.
async fn route(
    webhooks: Arc<HashMap<&'static str, Webhook>>,
    request: Request<Incoming>,
) -> Result<Response<Body>, Infallible> {
    let path = request.uri().path();
    let Some((&name, webhook)) = path
        .strip_prefix("/webhooks/")
        .and_then(|name| webhooks.get_key_value(name))
    else {
        return Ok(plain(StatusCode::NOT_FOUND, "no webhook receiver here"));
    };
    if request.method() != Method::POST {
        return Ok(plain(StatusCode::METHOD_NOT_ALLOWED, "webhooks are POSTed"));
    }
    let reply = webhook.clone().oneshot(request).await?;
    if let Some(rejection) = reply.extensions().get::<Rejection>() {
        // The message says what was wrong and never holds a secret.
        eprintln!("{name}: rejected {}: {rejection}", rejection.status());
    }
    Ok(reply)
}

fn plain(status: StatusCode, text: &'static str) -> Response<Body> {
    let mut reply = Response::new(Either::Left(Full::from(text)));
    *reply.status_mut() = status;
    reply
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
    let webhooks = Arc::new(HashMap::from([
        ("github", webhook("github", github, Arc::clone(&seen))),
        ("stripe", webhook("stripe", stripe, Arc::clone(&seen))),
        ("standard", webhook("standard", standard, seen)),
    ]));

    let port = env::var("PORT").unwrap_or_else(|_| "3000".into());
    let listener = TcpListener::bind(format!("127.0.0.1:{port}")).await?;
    println!(
        "listening on http://{}/webhooks/{{provider}}",
        listener.local_addr()?
    );
    loop {
        let (stream, _) = listener.accept().await?;
        let webhooks = Arc::clone(&webhooks);
        let service = service_fn(move |request| route(Arc::clone(&webhooks), request));
        tokio::spawn(async move {
            // A client that hangs up mid-request is its own problem.
            let _ = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), TowerToHyperService::new(service))
                .await;
        });
    }
}
