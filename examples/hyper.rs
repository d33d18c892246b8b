//! webhook-kit in a bare hyper 1 server, with the tower `VerifyLayer`
//! (feature `tower`).
//!
//! ```sh
//! cargo run --example hyper --features tower   # 127.0.0.1:3000 (PORT to change)
//! ```
//!
//! Then point a provider at `http://<host>:3000/webhooks/<provider>`, where
//! `<provider>` is `funnel`, `fourvenues`, `falu`, `clickfunnels` or `standard`.

pub(crate) mod common;

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::Arc;

use common::{App, Config, PREFIX, method_not_allowed, text};
use http::{Method, Request, Response, StatusCode};
use http_body_util::{Either, Full};
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tower::util::BoxCloneSyncService;
use tower::{Layer, ServiceExt, service_fn};
use webhook_kit::tower::{VerifyBody, VerifyLayer};
use webhook_kit::{Provider, Rejection};

type Body = VerifyBody<Full<Bytes>>;
type Webhook = BoxCloneSyncService<Request<Incoming>, Response<Body>, Infallible>;
/// The routes, by provider name.
pub(crate) type Webhooks = Arc<HashMap<&'static str, Webhook>>;

/// One provider's route: `VerifyLayer` reads the body (within the
/// receiver's limit), verifies and parses it, and answers failures itself;
/// the inner service runs only for verified requests and finds the event
/// (with its `Delivery` and the provider's `Ack`) in the request extensions.
fn webhook<P>(name: &'static str, receiver: P, app: &App) -> Webhook
where
    P: Provider + Send + Sync + 'static,
    P::Event: Clone + Send + Sync + 'static,
{
    let app = app.clone();
    let handle = service_fn(move |request: Request<Full<Bytes>>| {
        let app = app.clone();
        async move {
            let Some(event) = request.extensions().get::<P::Event>() else {
                unreachable!("VerifyLayer puts the event in every request it passes on");
            };
            // Exactly once: the provider's acknowledgement, or "retry later".
            let reply = app.handle(name, event).map(Bytes::from);
            Ok::<_, Infallible>(reply.map(Full::new))
        }
    });
    BoxCloneSyncService::new(VerifyLayer::new(receiver).layer(handle))
}

/// Routes `POST /webhooks/{provider}` to its provider's service; 405 for
/// other methods, 404 elsewhere; one log line for each rejection.
async fn route(
    app: App,
    webhooks: Webhooks,
    request: Request<Incoming>,
) -> Result<Response<Body>, Infallible> {
    let path = request.uri().path();
    let Some((name, webhook)) = path
        .strip_prefix(PREFIX)
        .and_then(|name| webhooks.get_key_value(name))
    else {
        let reply = text(
            StatusCode::NOT_FOUND,
            format!("no webhook receiver at {path}"),
        );
        return Ok(reply.map(|text| Either::Left(Full::from(text))));
    };
    if request.method() != Method::POST {
        return Ok(method_not_allowed(request.method()).map(|text| Either::Left(Full::from(text))));
    }
    let reply = webhook.clone().oneshot(request).await?;
    if let Some(rejection) = reply.extensions().get::<Rejection>() {
        app.rejected(name, rejection);
    }
    Ok(reply)
}

/// Every provider's route, by name.
///
/// # Errors
///
/// As [`Config::receivers`].
pub(crate) fn webhooks(config: &Config, app: &App) -> Result<Webhooks, webhook_kit::Error> {
    Ok(Arc::new(HashMap::from([
        ("funnel", webhook("funnel", config.funnel()?, app)),
        (
            "fourvenues",
            webhook("fourvenues", config.fourvenues()?, app),
        ),
        ("falu", webhook("falu", config.falu()?, app)),
        (
            "clickfunnels",
            webhook("clickfunnels", config.clickfunnels()?, app),
        ),
        ("standard", webhook("standard", config.standard()?, app)),
    ])))
}

/// Serves `webhooks` on `listener` until the process ends.
pub(crate) async fn serve(
    listener: TcpListener,
    app: App,
    webhooks: Webhooks,
) -> std::io::Result<()> {
    loop {
        let (stream, _) = listener.accept().await?;
        let (app, webhooks) = (app.clone(), Arc::clone(&webhooks));
        let service = service_fn(move |request| route(app.clone(), Arc::clone(&webhooks), request));
        tokio::spawn(async move {
            // A client that hangs up mid-request is its own problem.
            let _ = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), TowerToHyperService::new(service))
                .await;
        });
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let config = Config::from_env();
    let app = App::new(&config)?;
    let webhooks = webhooks(&config, &app)?;
    let listener = TcpListener::bind(("127.0.0.1", config.port)).await?;
    println!(
        "hyper: receiving webhooks on http://{}/webhooks/{{provider}}",
        listener.local_addr()?
    );
    serve(listener, app, webhooks).await?;
    Ok(())
}
