//! webhook-kit in an actix-web server.
//!
//! ```sh
//! cargo run --example actix           # listens on 127.0.0.1:3000 (PORT to change)
//! ```
//!
//! Then point a provider at `http://<host>:3000/webhooks/<provider>`, where
//! `<provider>` is `funnel`, `fourvenues`, `falu`, `clickfunnels` or `standard`.

pub(crate) mod common;

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::web::{self, Bytes, Data, PayloadConfig};
use actix_web::{HttpRequest, HttpResponse, HttpServer};
use common::{App, Config, MAX_BODY};

// `Bytes` is the raw body as received: verify it before anything parses it.
async fn webhook(
    app: Data<App>,
    provider: web::Path<String>,
    request: HttpRequest,
    body: Bytes,
) -> HttpResponse {
    // actix-web 4 re-exports http 0.2 types; webhook-kit speaks http 1, so
    // the headers cross over by name and bytes.
    let mut headers = http::HeaderMap::with_capacity(request.headers().len());
    for (name, value) in request.headers() {
        if let (Ok(name), Ok(value)) = (
            http::HeaderName::from_bytes(name.as_str().as_bytes()),
            http::HeaderValue::from_bytes(value.as_bytes()),
        ) {
            headers.append(name, value);
        }
    }
    let reply = app.receive(&provider, &headers, &body);

    let mut response = HttpResponse::build(
        actix_web::http::StatusCode::from_u16(reply.status().as_u16())
            .unwrap_or(actix_web::http::StatusCode::INTERNAL_SERVER_ERROR),
    );
    for (name, value) in reply.headers() {
        response.insert_header((name.as_str(), value.as_bytes()));
    }
    response.body(reply.into_body())
}

/// A server for `app` on `listener`: `POST /webhooks/{provider}`. actix-web
/// answers 405 to other methods and 404 elsewhere; a body over the limit
/// gets 413. Run it inside an actix (or tokio) runtime.
///
/// # Errors
///
/// When the listener cannot be used.
pub(crate) fn server(listener: TcpListener, app: Arc<App>) -> std::io::Result<Server> {
    let app = Data::from(app);
    Ok(HttpServer::new(move || {
        actix_web::App::new()
            .app_data(app.clone())
            .app_data(PayloadConfig::new(MAX_BODY))
            .service(web::resource("/webhooks/{provider}").route(web::post().to(webhook)))
    })
    .workers(2)
    .listen(listener)?
    .run())
}

#[actix_web::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let config = Config::from_env();
    let app = Arc::new(App::new(&config)?);
    let listener = TcpListener::bind(("127.0.0.1", config.port))?;
    println!(
        "actix-web: receiving webhooks on http://{}/webhooks/{{provider}}",
        listener.local_addr()?
    );
    server(listener, app)?.await?;
    Ok(())
}
