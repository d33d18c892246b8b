//! The actix-web extractors over real HTTP on 127.0.0.1.
#![cfg(feature = "actix")]

mod frameworks;

use std::net::SocketAddr;
use std::sync::Arc;
use std::thread;

use actix_web::web::{self, Data};
use actix_web::{App, HttpServer};
use frameworks::{Processed, check, check_get_is_405, clickfunnels, funnel, loopback};
use http::HeaderMap;
use webhook_kit::actix::{Ack, RoutedWebhook, Webhook};
use webhook_kit::clickfunnels::ClickFunnels;
use webhook_kit::funnel::Funnel;
use webhook_kit::{Error, Receivers};

async fn clickfunnels_hook(
    processed: Data<Processed>,
    receiver: Data<ClickFunnels>,
    hook: Webhook<ClickFunnels>,
) -> Ack {
    processed.handle(&**receiver, &hook.event);
    hook.ack
}

// `?` on the crate's error works in a handler.
async fn funnel_hook(
    processed: Data<Processed>,
    receiver: Data<Funnel>,
    hook: Webhook<Funnel>,
) -> Result<Ack, Error> {
    if hook.body.is_empty() {
        return Err(Error::InvalidSecret("unreachable: Funnel bodies are JSON"));
    }
    processed.handle(&**receiver, &hook.event);
    Ok(hook.ack)
}

async fn routed_hook(
    processed: Data<Processed>,
    router: Data<Receivers>,
    hook: RoutedWebhook,
) -> Ack {
    processed.handle(router.get(&hook.provider).expect("routed"), &hook.event);
    hook.ack
}

async fn broken() -> Result<Ack, Error> {
    Err(Error::InvalidSecret("configured wrongly"))
}

fn start() -> (SocketAddr, Arc<Processed>) {
    let processed = Data::new(Processed::default());
    let shared = processed.clone().into_inner();
    let (listener, addr) = loopback();
    let receivers = (
        Data::new(clickfunnels()),
        Data::new(funnel()),
        Data::new(
            Receivers::new()
                .with_receiver("clickfunnels", clickfunnels())
                .with_receiver("funnel", funnel()),
        ),
    );
    thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            HttpServer::new(move || {
                App::new()
                    .app_data(processed.clone())
                    .app_data(receivers.0.clone())
                    .app_data(receivers.1.clone())
                    .app_data(receivers.2.clone())
                    // A resource, so other methods get 405 (`App::route`: 404).
                    .service(web::resource("/cf").route(web::post().to(clickfunnels_hook)))
                    .route("/funnel", web::post().to(funnel_hook))
                    .route("/webhooks/{provider}", web::post().to(routed_hook))
                    .route("/broken", web::post().to(broken))
                    .route("/no-param", web::post().to(routed_hook))
            })
            .workers(2)
            .listen(listener)?
            .run()
            .await
        })
    });
    (addr, shared)
}

#[test]
fn the_webhook_extractor_verifies_before_the_handler_runs() {
    let (addr, processed) = start();
    check(addr, "/cf", "/funnel", &processed);
    check_get_is_405(addr, "/cf");
}

#[test]
fn the_routed_extractor_picks_the_receiver_by_path() {
    let (addr, processed) = start();
    check(
        addr,
        "/webhooks/clickfunnels",
        "/webhooks/funnel",
        &processed,
    );
    let reply = frameworks::client::post(addr, "/webhooks/stripe", &HeaderMap::new(), b"{}")
        .expect("answer");
    assert_eq!(reply.status(), 404);
    assert_eq!(reply.body(), b"no webhook receiver for this path");
    let reply =
        frameworks::client::post(addr, "/no-param", &HeaderMap::new(), b"{}").expect("answer");
    assert_eq!(reply.status(), 500);
}

#[test]
fn errors_returned_by_handlers_keep_the_crates_status_and_message() {
    let (addr, _) = start();
    let reply =
        frameworks::client::post(addr, "/broken", &HeaderMap::new(), b"{}").expect("answer");
    assert_eq!(reply.status(), 500);
    assert_eq!(
        reply.body(),
        Error::InvalidSecret("configured wrongly")
            .to_string()
            .as_bytes()
    );
}
