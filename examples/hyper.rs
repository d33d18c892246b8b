//! webhook-kit in a bare hyper 1 server.
//!
//! ```sh
//! cargo run --example hyper           # listens on 127.0.0.1:3000 (PORT to change)
//! ```
//!
//! Then point a provider at `http://<host>:3000/webhooks/<provider>`, where
//! `<provider>` is `funnel`, `fourvenues`, `falu`, `clickfunnels` or `standard`.

pub(crate) mod common;

use std::convert::Infallible;
use std::sync::Arc;

use common::{App, Config, MAX_BODY, text};
use http::{Request, Response, StatusCode};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

async fn webhook(
    app: Arc<App>,
    request: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let (parts, body) = request.into_parts();
    // Read at most the limit: the raw bytes as received, never more.
    let reply = match Limited::new(body, MAX_BODY).collect().await {
        Ok(body) => app.handle(
            &parts.method,
            parts.uri.path(),
            &parts.headers,
            &body.to_bytes(),
        ),
        Err(err) if err.is::<http_body_util::LengthLimitError>() => text(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("body exceeds the {MAX_BODY}-byte limit\n"),
        ),
        Err(err) => text(
            StatusCode::BAD_REQUEST,
            format!("could not read the body: {err}\n"),
        ),
    };
    Ok(reply.map(|body| Full::new(Bytes::from(body))))
}

/// Serves the app on `listener` until the process ends: `POST
/// /webhooks/{provider}`, 405 for other methods, 404 elsewhere, 413 for a
/// body over the limit.
pub(crate) async fn serve(listener: TcpListener, app: Arc<App>) -> std::io::Result<()> {
    loop {
        let (stream, _) = listener.accept().await?;
        let app = Arc::clone(&app);
        tokio::spawn(async move {
            let service = service_fn(move |request| webhook(Arc::clone(&app), request));
            // A client that hangs up mid-request is its own problem.
            let _ = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let config = Config::from_env();
    let app = Arc::new(App::new(&config)?);
    let listener = TcpListener::bind(("127.0.0.1", config.port)).await?;
    println!(
        "hyper: receiving webhooks on http://{}/webhooks/{{provider}}",
        listener.local_addr()?
    );
    serve(listener, app).await?;
    Ok(())
}
