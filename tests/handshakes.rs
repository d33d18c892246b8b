//! Handshakes answered by the framework integrations before any handler
//! runs, over real HTTP on 127.0.0.1: Zoom's URL validation, Twitch's
//! challenge, Meta's and Dropbox's `GET` checks, Slack's
//! `url_verification`; a forged one refused; a delivery still reaching the
//! handler.
#![cfg(all(feature = "axum", feature = "tower", feature = "actix"))]

mod frameworks;

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::extract::State;
use axum::routing::any;
use frameworks::{client, loopback, on_tokio};
use hmac::{Hmac, Mac};
use http::{HeaderMap, HeaderValue, Method, Response};
use sha2::Sha256;
use time::OffsetDateTime;
use tower::ServiceExt as _;
use webhook_kit::Ack;
use webhook_kit::axum::RoutedWebhook;
use webhook_kit::dropbox::Dropbox;
use webhook_kit::meta::Meta;
use webhook_kit::slack::Slack;
use webhook_kit::twitch::Twitch;
use webhook_kit::zoom::Zoom;
use webhook_kit::{Provider, Receivers};

const ZOOM_SECRET: &str = "zoom-secret-token";
const TWITCH_SECRET: &str = "twitch-eventsub-secret";
const META_SECRET: &str = "meta-app-secret";
const META_TOKEN: &str = "meta-verify-token";
const DROPBOX_SECRET: &str = "dropbox-app-secret";
const SLACK_SECRET: &str = "slack-signing-secret";

fn router() -> Receivers {
    Receivers::new()
        .with_receiver("zoom", Zoom::new(ZOOM_SECRET).expect("usable"))
        .with_receiver("twitch", Twitch::new(TWITCH_SECRET).expect("usable"))
        .with_receiver(
            "meta",
            Meta::new(META_SECRET)
                .and_then(|meta| meta.with_verify_token(META_TOKEN))
                .expect("usable"),
        )
        .with_receiver("dropbox", Dropbox::new(DROPBOX_SECRET).expect("usable"))
        .with_receiver("slack", Slack::new(SLACK_SECRET).expect("usable"))
}

async fn handler(State(calls): State<Arc<AtomicUsize>>, hook: RoutedWebhook) -> Ack {
    calls.fetch_add(1, Ordering::SeqCst);
    hook.ack
}

fn start_axum() -> (SocketAddr, Arc<AtomicUsize>) {
    let calls = Arc::new(AtomicUsize::new(0));
    // RoutedWebhook takes the router from the state: one state holding both.
    #[derive(Clone)]
    struct AppState {
        receivers: Arc<Receivers>,
        calls: Arc<AtomicUsize>,
    }
    impl axum::extract::FromRef<AppState> for Arc<Receivers> {
        fn from_ref(state: &AppState) -> Self {
            Arc::clone(&state.receivers)
        }
    }
    impl axum::extract::FromRef<AppState> for Arc<AtomicUsize> {
        fn from_ref(state: &AppState) -> Self {
            Arc::clone(&state.calls)
        }
    }
    let state = AppState {
        receivers: Arc::new(router()),
        calls: Arc::clone(&calls),
    };
    let app = axum::Router::new()
        .route("/webhooks/{provider}", any(handler))
        .with_state(state);
    let (listener, addr) = loopback();
    on_tokio(listener, move |listener| async move {
        axum::serve(listener, app).await
    });
    (addr, calls)
}

fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

fn send(
    addr: SocketAddr,
    method: &Method,
    path: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Response<Vec<u8>> {
    client::send(addr, method, path, headers, body, Duration::from_secs(10)).expect("an answer")
}

fn text(reply: &Response<Vec<u8>>) -> &str {
    std::str::from_utf8(reply.body()).expect("text")
}

fn zoom_validation() -> (HeaderMap, Vec<u8>) {
    let body = br#"{"event": "endpoint.url_validation", "event_ts": 1700000000000, "payload": {"plainToken": "qgg8vlvZRS6UYooatFL8Aw"}}"#.to_vec();
    let headers = Zoom::new(ZOOM_SECRET)
        .expect("usable")
        .sign_at(&body, now())
        .expect("sign");
    (headers, body)
}

fn expected_zoom_token() -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(ZOOM_SECRET.as_bytes()).expect("key");
    mac.update(b"qgg8vlvZRS6UYooatFL8Aw");
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn twitch_challenge() -> (HeaderMap, Vec<u8>) {
    let body = br#"{"challenge": "pogchamp-kappa-360noscope-vohiyo", "subscription": {"id": "f1c2a387", "status": "webhook_callback_verification_pending", "type": "channel.follow", "version": "2", "condition": {}, "transport": {"method": "webhook"}, "created_at": "2019-11-16T10:11:12.634234626Z"}}"#.to_vec();
    let mut headers = Twitch::new(TWITCH_SECRET)
        .expect("usable")
        .sign_at(&body, now())
        .expect("sign");
    headers.insert(
        "twitch-eventsub-message-type",
        HeaderValue::from_static("webhook_callback_verification"),
    );
    (headers, body)
}

#[test]
fn axum_answers_every_handshake_and_the_handler_never_sees_one() {
    let (addr, calls) = start_axum();

    let (headers, body) = zoom_validation();
    let reply = send(addr, &Method::POST, "/webhooks/zoom", &headers, &body);
    assert_eq!(reply.status(), 200, "{}", text(&reply));
    let answer: serde_json::Value = serde_json::from_slice(reply.body()).expect("json");
    assert_eq!(answer["plainToken"], "qgg8vlvZRS6UYooatFL8Aw");
    assert_eq!(answer["encryptedToken"], expected_zoom_token());

    let (headers, body) = twitch_challenge();
    let reply = send(addr, &Method::POST, "/webhooks/twitch", &headers, &body);
    assert_eq!(reply.status(), 200);
    assert_eq!(text(&reply), "pogchamp-kappa-360noscope-vohiyo");

    let path = "/webhooks/meta?hub.mode=subscribe&hub.verify_token=meta-verify-token&hub.challenge=1158201444";
    let reply = send(addr, &Method::GET, path, &HeaderMap::new(), b"");
    assert_eq!((reply.status().as_u16(), text(&reply)), (200, "1158201444"));
    let wrong = "/webhooks/meta?hub.mode=subscribe&hub.verify_token=guess&hub.challenge=1";
    let reply = send(addr, &Method::GET, wrong, &HeaderMap::new(), b"");
    assert_ne!(reply.status(), 200, "a wrong verify token is answered");

    let reply = send(
        addr,
        &Method::GET,
        "/webhooks/dropbox?challenge=abc123",
        &HeaderMap::new(),
        b"",
    );
    assert_eq!((reply.status().as_u16(), text(&reply)), (200, "abc123"));
    assert_eq!(reply.headers()["x-content-type-options"], "nosniff");

    let body = br#"{"token": "t", "challenge": "slack-challenge", "type": "url_verification"}"#;
    let headers = Slack::new(SLACK_SECRET)
        .expect("usable")
        .sign_at(body, now())
        .expect("sign");
    let reply = send(addr, &Method::POST, "/webhooks/slack", &headers, body);
    assert_eq!(
        (reply.status().as_u16(), text(&reply)),
        (200, "slack-challenge")
    );

    assert_eq!(
        calls.load(Ordering::SeqCst),
        0,
        "a handshake reached the handler"
    );

    // A delivery still reaches the handler.
    let body = br#"{"event": "meeting.started", "event_ts": 1700000000000, "payload": {"object": {"id": "1"}}}"#;
    let headers = Zoom::new(ZOOM_SECRET)
        .expect("usable")
        .sign_at(body, now())
        .expect("sign");
    let reply = send(addr, &Method::POST, "/webhooks/zoom", &headers, body);
    assert_eq!(reply.status(), 200);
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

#[test]
fn a_forged_handshake_is_refused_not_answered() {
    let (addr, calls) = start_axum();
    let (mut headers, body) = zoom_validation();
    headers.insert("x-zm-signature", HeaderValue::from_static("v0=00"));
    let reply = send(addr, &Method::POST, "/webhooks/zoom", &headers, &body);
    assert_eq!(reply.status(), 401);
    assert!(!text(&reply).contains("encryptedToken"));
    let (headers, _) = twitch_challenge();
    let reply = send(
        addr,
        &Method::POST,
        "/webhooks/twitch",
        &headers,
        br#"{"challenge": "forged"}"#,
    );
    assert_eq!(reply.status(), 401);
    assert_ne!(text(&reply), "forged");
    assert_eq!(calls.load(Ordering::SeqCst), 0);
}

#[test]
fn the_tower_layer_answers_a_handshake_without_calling_the_inner_service() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let calls = Arc::new(AtomicUsize::new(0));
        let counted = Arc::clone(&calls);
        let inner = tower::service_fn(
            move |_: http::Request<http_body_util::Full<bytes::Bytes>>| {
                counted.fetch_add(1, Ordering::SeqCst);
                async {
                    Ok::<_, std::convert::Infallible>(Response::new(http_body_util::Full::new(
                        bytes::Bytes::new(),
                    )))
                }
            },
        );
        let layer =
            webhook_kit::tower::VerifyLayer::new(Twitch::new(TWITCH_SECRET).expect("usable"));
        let service = tower::Layer::layer(&layer, inner);
        let (headers, body) = twitch_challenge();
        let mut request = http::Request::post("/twitch")
            .body(http_body_util::Full::new(bytes::Bytes::from(body)))
            .expect("request");
        *request.headers_mut() = headers;
        let reply = service.oneshot(request).await.expect("answer");
        assert_eq!(reply.status(), 200);
        let body = http_body_util::BodyExt::collect(reply.into_body())
            .await
            .expect("body")
            .to_bytes();
        assert_eq!(&body[..], b"pogchamp-kappa-360noscope-vohiyo");
        assert_eq!(calls.load(Ordering::SeqCst), 0);
    });
}

#[actix_web::test]
async fn actix_answers_a_get_challenge_and_a_signed_validation() {
    use actix_web::{App, test, web};

    async fn handle(_hook: webhook_kit::actix::RoutedWebhook) -> actix_web::HttpResponse {
        actix_web::HttpResponse::ImATeapot().finish()
    }
    let app = test::init_service(
        App::new()
            .app_data(web::Data::new(router()))
            .route("/webhooks/{provider}", web::to(handle)),
    )
    .await;
    let request = test::TestRequest::get()
        .uri("/webhooks/dropbox?challenge=from-actix")
        .to_request();
    let reply = test::call_service(&app, request).await;
    assert_eq!(reply.status(), 200);
    assert_eq!(&test::read_body(reply).await[..], b"from-actix");

    let (headers, body) = zoom_validation();
    let mut request = test::TestRequest::post()
        .uri("/webhooks/zoom")
        .set_payload(body);
    for (name, value) in &headers {
        request = request.insert_header((name.as_str(), value.to_str().expect("ascii")));
    }
    let reply = test::call_service(&app, request.to_request()).await;
    assert_eq!(reply.status(), 200);
    let answer: serde_json::Value =
        serde_json::from_slice(&test::read_body(reply).await).expect("json");
    assert_eq!(answer["encryptedToken"], expected_zoom_token());
}
