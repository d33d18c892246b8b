//! webhook-kit in an axum server.
//!
//! ```sh
//! cargo run --example axum            # listens on 127.0.0.1:3000 (PORT to change)
//! ```
//!
//! Then point a provider at `http://<host>:3000/webhooks/<provider>`, where
//! `<provider>` is `funnel`, `fourvenues`, `falu`, `clickfunnels` or `standard`.

pub(crate) mod common;

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::post;
use common::{App, Config, MAX_BODY};

/// The routes: `POST /webhooks/{provider}`. axum answers 405 to other
/// methods and 404 elsewhere; a body over the limit gets 413 before it is
/// read in full.
pub(crate) fn router(app: Arc<App>) -> Router {
    Router::new()
        .route("/webhooks/{provider}", post(webhook))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .with_state(app)
}

// `Bytes` is the raw body as received: verify it before anything parses it.
async fn webhook(
    State(app): State<Arc<App>>,
    Path(provider): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response<String> {
    app.receive(&provider, &headers, &body)
}

/// Serves the app on `listener` until the process ends.
pub(crate) async fn serve(listener: tokio::net::TcpListener, app: Arc<App>) -> std::io::Result<()> {
    axum::serve(listener, router(app)).await
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let config = Config::from_env();
    let app = Arc::new(App::new(&config)?);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", config.port)).await?;
    println!(
        "axum: receiving webhooks on http://{}/webhooks/{{provider}}",
        listener.local_addr()?
    );
    serve(listener, app).await?;
    Ok(())
}
