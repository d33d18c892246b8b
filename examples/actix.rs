//! webhook-kit in an actix-web server, with the `RoutedWebhook` extractor
//! (feature `actix`).
//!
//! ```sh
//! cargo run --example actix --features actix   # 127.0.0.1:3000 (PORT to change)
//! ```
//!
//! Then point a provider at `http://<host>:3000/webhooks/<provider>`, where
//! `<provider>` is `funnel`, `fourvenues`, `falu`, `clickfunnels` or `standard`.

pub(crate) mod common;

use std::net::TcpListener;

use actix_web::dev::Server;
use actix_web::web::{self, Data};
use actix_web::{HttpResponse, HttpServer, Responder, ResponseError};
use common::{App, Config};
use webhook_kit::actix::{Ack, Rejection, RoutedWebhook};

// The extractor has read the body (within the receiver's limit; actix's own
// `PayloadConfig` does not apply), carried the headers over to `http` 1,
// verified and parsed; taking its `Result` lets the handler log rejections.
async fn webhook(
    app: Data<App>,
    provider: web::Path<String>,
    request: actix_web::HttpRequest,
    hook: Result<RoutedWebhook, Rejection>,
) -> HttpResponse {
    let hook = match hook {
        Ok(hook) => hook,
        Err(rejection) => {
            app.rejected(&provider, &rejection);
            return rejection.error_response();
        }
    };
    // Exactly once: the provider's acknowledgement, or "retry later".
    Ack::from(app.handle(&hook.provider, &hook.event)).respond_to(&request)
}

/// A server for `app` on `listener`: `POST /webhooks/{provider}`. actix-web
/// answers 405 to other methods and 404 elsewhere; the extractor answers
/// 404 to an unknown provider, and 401, 400 or 413 to a request that fails.
/// Run it inside an actix (or tokio) runtime.
///
/// # Errors
///
/// When the listener cannot be used.
pub(crate) fn server(listener: TcpListener, app: App) -> std::io::Result<Server> {
    let receivers = Data::from(app.receivers.clone());
    let app = Data::new(app);
    Ok(HttpServer::new(move || {
        actix_web::App::new()
            .app_data(app.clone())
            .app_data(receivers.clone())
            .service(web::resource("/webhooks/{provider}").route(web::post().to(webhook)))
    })
    .workers(2)
    .listen(listener)?
    .run())
}

#[actix_web::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let config = Config::from_env();
    let app = App::new(&config)?;
    let listener = TcpListener::bind(("127.0.0.1", config.port))?;
    println!(
        "actix-web: receiving webhooks on http://{}/webhooks/{{provider}}",
        listener.local_addr()?
    );
    server(listener, app)?.await?;
    Ok(())
}
