//! webhook-kit in an axum server, with the `RoutedWebhook` extractor
//! (feature `axum`).
//!
//! ```sh
//! cargo run --example axum --features axum   # 127.0.0.1:3000 (PORT to change)
//! ```
//!
//! Then point a provider at `http://<host>:3000/webhooks/<provider>`, where
//! `<provider>` is `funnel`, `fourvenues`, `falu`, `clickfunnels` or `standard`.

pub(crate) mod common;

use std::sync::Arc;

use axum::extract::{FromRef, Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use common::{App, Config};
use webhook_kit::Router;
use webhook_kit::axum::{Rejection, RoutedWebhook};

// The extractor finds the receivers in the state.
impl FromRef<App> for Arc<Router> {
    fn from_ref(app: &App) -> Self {
        Arc::clone(&app.receivers)
    }
}

// The extractor has read the body (within the receiver's limit), verified
// and parsed it; taking its `Result` lets the handler log rejections too.
async fn webhook(
    State(app): State<App>,
    Path(provider): Path<String>,
    hook: Result<RoutedWebhook, Rejection>,
) -> Response {
    let hook = match hook {
        Ok(hook) => hook,
        Err(rejection) => {
            app.rejected(&provider, &rejection);
            return rejection.into_response();
        }
    };
    // Exactly once: the provider's acknowledgement, or "retry later".
    let reply = app.handle(&hook.provider, &hook.event);
    reply.map(axum::body::Body::from).into_response()
}

/// The routes: `POST /webhooks/{provider}`. axum answers 405 to other
/// methods and 404 elsewhere; the extractor answers 404 to an unknown
/// provider, and 401, 400 or 413 to a request that fails.
pub(crate) fn router(app: App) -> axum::Router {
    axum::Router::new()
        .route("/webhooks/{provider}", post(webhook))
        .with_state(app)
}

/// Serves the app on `listener` until the process ends.
pub(crate) async fn serve(listener: tokio::net::TcpListener, app: App) -> std::io::Result<()> {
    axum::serve(listener, router(app)).await
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let config = Config::from_env();
    let app = App::new(&config)?;
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", config.port)).await?;
    println!(
        "axum: receiving webhooks on http://{}/webhooks/{{provider}}",
        listener.local_addr()?
    );
    serve(listener, app).await?;
    Ok(())
}
