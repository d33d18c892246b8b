//! The actix-web extractors over real HTTP on 127.0.0.1.
#![cfg(feature = "actix")]

mod frameworks;

use std::net::SocketAddr;
use std::sync::Arc;
use std::thread;

use actix_web::Responder;
use actix_web::web::{self, Data};
use actix_web::{App, HttpServer};
use frameworks::{
    Processed, check, check_exactly_once, check_get_is_405, clickfunnels, funnel, handled_cases,
    loopback,
};
use http::HeaderMap;
use webhook_kit::actix::{RoutedWebhook, Webhook};
use webhook_kit::clickfunnels::ClickFunnels;
use webhook_kit::dedup::{Handled, MemoryStore, StoreFull};
use webhook_kit::funnel::Funnel;
use webhook_kit::{Ack, Error, Receivers, WebhookEvent};

async fn clickfunnels_hook(processed: Data<Processed>, hook: Webhook<ClickFunnels>) -> Ack {
    processed.handle(hook.receiver(), &hook.event);
    hook.ack
}

type Answer = Handled<&'static str, StoreFull>;

async fn clickfunnels_once(
    processed: Data<Processed>,
    store: Data<MemoryStore>,
    hook: Webhook<ClickFunnels>,
) -> Answer {
    let id = hook.event.id();
    hook.exactly_once(&**store)
        .run(&id, || processed.attempt(&id))
}

async fn funnel_once(
    processed: Data<Processed>,
    store: Data<MemoryStore>,
    hook: Webhook<Funnel>,
) -> Answer {
    let id = hook.event.id();
    hook.exactly_once(store.into_inner())
        .run_async(&id, || async { processed.attempt(&id) })
        .await
}

async fn routed_once(
    processed: Data<Processed>,
    store: Data<MemoryStore>,
    hook: RoutedWebhook,
) -> Answer {
    let id = hook.event.id();
    hook.exactly_once(&**store)
        .run_async(&id, || async { processed.attempt(&id) })
        .await
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

async fn routed_hook(processed: Data<Processed>, hook: RoutedWebhook) -> Ack {
    processed.handle(hook.receiver(), &hook.event);
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
    let store = Data::new(MemoryStore::default());
    thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            HttpServer::new(move || {
                App::new()
                    .app_data(processed.clone())
                    .app_data(store.clone())
                    .app_data(receivers.0.clone())
                    .app_data(receivers.1.clone())
                    .app_data(receivers.2.clone())
                    // A resource, so other methods get 405 (`App::route`: 404).
                    .service(web::resource("/cf").route(web::post().to(clickfunnels_hook)))
                    .route("/funnel", web::post().to(funnel_hook))
                    .route("/once/cf", web::post().to(clickfunnels_once))
                    .route("/once/funnel", web::post().to(funnel_once))
                    .route("/routed-once/{provider}", web::post().to(routed_once))
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

#[test]
fn the_extractor_hands_exactly_once_its_receiver() {
    let (addr, processed) = start();
    check_exactly_once(addr, "/once/cf", "/once/funnel", 201, "typed", &processed);
}

#[test]
fn the_routed_extractor_hands_exactly_once_its_receiver() {
    let (addr, processed) = start();
    check_exactly_once(
        addr,
        "/routed-once/clickfunnels",
        "/routed-once/funnel",
        202,
        "routed",
        &processed,
    );
}

#[test]
fn handled_is_an_actix_responder_as_the_sender_expects() {
    let request = actix_web::test::TestRequest::default().to_http_request();
    for case in handled_cases() {
        let (status, retry_after, body) = (case.status, case.retry_after, case.body);
        let reply = case.handled.respond_to(&request);
        assert_eq!(reply.status().as_u16(), status, "{body}");
        assert_eq!(
            reply
                .headers()
                .get("retry-after")
                .map(|value| value.to_str().expect("ascii")),
            retry_after,
            "{body}"
        );
        let bytes = actix_web::body::to_bytes(reply.into_body());
        let bytes = actix_web::rt::System::new()
            .block_on(bytes)
            .unwrap_or_else(|_| panic!("{body}: the body"));
        assert_eq!(bytes, body.as_bytes());
    }
}

#[test]
fn the_framework_paths_of_ack_and_rejection_are_the_root_types() {
    use std::any::TypeId;
    assert_eq!(
        TypeId::of::<webhook_kit::actix::Ack>(),
        TypeId::of::<webhook_kit::Ack>()
    );
    assert_eq!(
        TypeId::of::<webhook_kit::actix::Rejection>(),
        TypeId::of::<webhook_kit::Rejection>()
    );
}

/// One type for both frameworks: a handler written for one takes the
/// other's extraction.
#[test]
#[cfg(feature = "axum")]
fn axum_and_actix_share_one_webhook_type() {
    use std::any::TypeId;
    assert_eq!(
        TypeId::of::<webhook_kit::actix::Webhook<Funnel>>(),
        TypeId::of::<webhook_kit::axum::Webhook<Funnel>>()
    );
    assert_eq!(
        TypeId::of::<webhook_kit::actix::RoutedWebhook>(),
        TypeId::of::<webhook_kit::axum::RoutedWebhook>()
    );
}
