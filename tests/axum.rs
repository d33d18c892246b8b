//! The axum extractors over real HTTP on 127.0.0.1.
#![cfg(feature = "axum")]

mod frameworks;

use std::sync::Arc;

use axum::extract::{FromRef, State};
use axum::routing::post;
use frameworks::{Processed, check, check_get_is_405, clickfunnels, funnel, loopback, on_tokio};
use http::HeaderMap;
use webhook_kit::axum::{Ack, RoutedWebhook, Webhook};
use webhook_kit::clickfunnels::ClickFunnels;
use webhook_kit::funnel::Funnel;
use webhook_kit::{Error, Router};

/// One state for several receivers, as an application holds them.
#[derive(Clone)]
struct AppState {
    clickfunnels: Arc<ClickFunnels>,
    funnel: Arc<Funnel>,
    router: Arc<Router>,
    processed: Arc<Processed>,
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

impl FromRef<AppState> for Arc<Router> {
    fn from_ref(state: &AppState) -> Self {
        Arc::clone(&state.router)
    }
}

async fn clickfunnels_hook(State(state): State<AppState>, hook: Webhook<ClickFunnels>) -> Ack {
    state.processed.handle(&*state.clickfunnels, &hook.event);
    hook.ack
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
    let receiver = state.router.get(&hook.provider).expect("routed");
    state.processed.handle(receiver, &hook.event);
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
            Router::new()
                .route("clickfunnels", clickfunnels())
                .route("funnel", funnel()),
        ),
        processed: Arc::clone(&processed),
    };
    let app = axum::Router::new()
        .route("/cf", post(clickfunnels_hook))
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
