//! The axum extractors over real HTTP on 127.0.0.1.
#![cfg(feature = "axum")]

mod frameworks;

use std::sync::Arc;

use axum::extract::{DefaultBodyLimit, FromRef, State};
use axum::response::IntoResponse;
use axum::routing::post;
use frameworks::{
    Processed, check, check_exactly_once, check_get_is_405, clickfunnels, funnel, handled_cases,
    loopback, on_tokio,
};
use http::HeaderMap;
use webhook_kit::axum::{RoutedWebhook, Webhook};
use webhook_kit::clickfunnels::ClickFunnels;
use webhook_kit::dedup::{Handled, MemoryStore, StoreFull};
use webhook_kit::funnel::Funnel;
use webhook_kit::{Ack, Error, Provider, Receivers, WebhookEvent};

/// One state for several receivers, as an application holds them.
#[derive(Clone)]
struct AppState {
    clickfunnels: Arc<ClickFunnels>,
    funnel: Arc<Funnel>,
    router: Arc<Receivers>,
    processed: Arc<Processed>,
    store: Arc<MemoryStore>,
}

impl FromRef<AppState> for Arc<ClickFunnels> {
    fn from_ref(state: &AppState) -> Self {
        Arc::clone(&state.clickfunnels)
    }
}

impl FromRef<AppState> for Arc<Funnel> {
    fn from_ref(state: &AppState) -> Self {
        Arc::clone(&state.funnel)
    }
}

impl FromRef<AppState> for Arc<Receivers> {
    fn from_ref(state: &AppState) -> Self {
        Arc::clone(&state.router)
    }
}

async fn clickfunnels_hook(State(state): State<AppState>, hook: Webhook<ClickFunnels>) -> Ack {
    state.processed.handle(hook.receiver(), &hook.event);
    hook.ack
}

type Answer = Handled<&'static str, StoreFull>;

async fn clickfunnels_once(State(state): State<AppState>, hook: Webhook<ClickFunnels>) -> Answer {
    let id = hook.event.id();
    hook.exactly_once(&*state.store)
        .run(&id, || state.processed.attempt(&id))
}

async fn funnel_once(State(state): State<AppState>, hook: Webhook<Funnel>) -> Answer {
    let id = hook.event.id();
    hook.exactly_once(Arc::clone(&state.store))
        .run_async(&id, || async { state.processed.attempt(&id) })
        .await
}

async fn routed_once(State(state): State<AppState>, hook: RoutedWebhook) -> Answer {
    let id = hook.event.id();
    hook.exactly_once(&*state.store)
        .run_async(&id, || async { state.processed.attempt(&id) })
        .await
}

// `?` on the crate's error works in a handler.
async fn funnel_hook(State(state): State<AppState>, hook: Webhook<Funnel>) -> Result<Ack, Error> {
    if hook.body.is_empty() {
        return Err(Error::InvalidSecret("unreachable: Funnel bodies are JSON"));
    }
    state.processed.handle(&*state.funnel, &hook.event);
    Ok(hook.ack)
}

async fn routed_hook(State(state): State<AppState>, hook: RoutedWebhook) -> Ack {
    state.processed.handle(hook.receiver(), &hook.event);
    hook.ack
}

async fn broken() -> Result<Ack, Error> {
    Err(Error::InvalidSecret("configured wrongly"))
}

fn start() -> (std::net::SocketAddr, Arc<Processed>) {
    let processed = Arc::new(Processed::default());
    let state = AppState {
        clickfunnels: Arc::new(clickfunnels()),
        funnel: Arc::new(funnel()),
        router: Arc::new(
            Receivers::new()
                .with_receiver("clickfunnels", clickfunnels())
                .with_receiver("funnel", funnel()),
        ),
        processed: Arc::clone(&processed),
        store: Arc::new(MemoryStore::default()),
    };
    let app = axum::Router::new()
        .route("/cf", post(clickfunnels_hook))
        .route("/once/cf", post(clickfunnels_once))
        .route("/once/funnel", post(funnel_once))
        .route("/routed-once/{provider}", post(routed_once))
        .route("/funnel", post(funnel_hook))
        .route("/webhooks/{provider}", post(routed_hook))
        .route("/broken", post(broken))
        .route("/no-param", post(routed_hook))
        .with_state(state);
    let (listener, addr) = loopback();
    on_tokio(listener, move |listener| async move {
        axum::serve(listener, app).await
    });
    (addr, processed)
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
    // A name that is not UTF-8 is no route's: 404, not a server error.
    let reply =
        frameworks::client::post(addr, "/webhooks/%FF", &HeaderMap::new(), b"{}").expect("answer");
    assert_eq!(reply.status(), 404);
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

/// A ClickFunnels body of `len` bytes, signed for now.
fn signed_of_len(receiver: &ClickFunnels, len: usize) -> (HeaderMap, Vec<u8>) {
    let head = br#"{"event_id": "big", "event_type": "contact.identified", "data": {"pad": ""#;
    let tail = br#""}}"#;
    let mut body = head.to_vec();
    body.resize(len - tail.len(), b'x');
    body.extend_from_slice(tail);
    let headers = receiver
        .sign_at(&body, time::OffsetDateTime::now_utc())
        .expect("signed");
    (headers, body)
}

/// Serves `receiver` on `/hook` under axum's `DefaultBodyLimit` `layer`.
fn start_limited(receiver: ClickFunnels, layer: DefaultBodyLimit) -> std::net::SocketAddr {
    let app = axum::Router::new()
        .route(
            "/hook",
            post(|hook: Webhook<ClickFunnels>| async { hook.ack }),
        )
        .layer(layer)
        .with_state(Arc::new(receiver));
    let (listener, addr) = loopback();
    on_tokio(listener, move |listener| async move {
        axum::serve(listener, app).await
    });
    addr
}

#[test]
fn axums_default_body_limit_applies_when_smaller_than_the_receivers() {
    let receiver = clickfunnels().with_max_body(1 << 20);
    let addr = start_limited(receiver.clone(), DefaultBodyLimit::max(1024));

    let (headers, body) = signed_of_len(&receiver, 4096);
    let reply = frameworks::client::post(addr, "/hook", &headers, &body).expect("answer");
    assert_eq!(reply.status(), 413);
    assert_eq!(reply.body(), b"body exceeds the server's body limit");

    let (headers, body) = signed_of_len(&receiver, 1000);
    let reply = frameworks::client::post(addr, "/hook", &headers, &body).expect("answer");
    assert_eq!(reply.status(), 200);
}

#[test]
fn the_receivers_limit_applies_when_smaller_than_axums() {
    let receiver = clickfunnels();
    let addr = start_limited(receiver.clone(), DefaultBodyLimit::max(1 << 20));
    let (headers, body) = signed_of_len(&receiver, 4096);
    let reply = frameworks::client::post(addr, "/hook", &headers, &body).expect("answer");
    assert_eq!(reply.status(), 413);
    assert_eq!(
        reply.body(),
        Error::BodyTooLarge {
            len: 4096,
            limit: frameworks::LIMIT
        }
        .to_string()
        .as_bytes()
    );
}

#[test]
fn a_disabled_axum_limit_leaves_the_receivers() {
    let receiver = clickfunnels().with_max_body(8192);
    let addr = start_limited(receiver.clone(), DefaultBodyLimit::disable());
    let (headers, body) = signed_of_len(&receiver, 4096);
    let reply = frameworks::client::post(addr, "/hook", &headers, &body).expect("answer");
    assert_eq!(reply.status(), 200);
    let (headers, body) = signed_of_len(&receiver, 9000);
    let reply = frameworks::client::post(addr, "/hook", &headers, &body).expect("answer");
    assert_eq!(reply.status(), 413);
}

#[test]
fn the_extractor_hands_exactly_once_its_receiver() {
    let (addr, processed) = start();
    check_exactly_once(addr, "/once/cf", "/once/funnel", 101, "typed", &processed);
}

#[test]
fn the_routed_extractor_hands_exactly_once_its_receiver() {
    let (addr, processed) = start();
    check_exactly_once(
        addr,
        "/routed-once/clickfunnels",
        "/routed-once/funnel",
        102,
        "routed",
        &processed,
    );
}

#[test]
fn handled_is_an_axum_response_as_the_sender_expects() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    for case in handled_cases() {
        let (status, retry_after, body) = (case.status, case.retry_after, case.body);
        let reply = IntoResponse::into_response(case.handled);
        assert_eq!(reply.status(), status, "{body}");
        assert_eq!(
            reply
                .headers()
                .get("retry-after")
                .map(|value| value.to_str().expect("ascii")),
            retry_after,
            "{body}"
        );
        let bytes = runtime
            .block_on(axum::body::to_bytes(reply.into_body(), 1024))
            .expect("the body");
        assert_eq!(bytes, body.as_bytes());
    }
}

#[test]
fn the_framework_paths_of_ack_and_rejection_are_the_root_types() {
    use std::any::TypeId;
    assert_eq!(
        TypeId::of::<webhook_kit::axum::Ack>(),
        TypeId::of::<webhook_kit::Ack>()
    );
    assert_eq!(
        TypeId::of::<webhook_kit::axum::Rejection>(),
        TypeId::of::<webhook_kit::Rejection>()
    );
}
