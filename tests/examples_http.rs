//! The server examples, driven over real HTTP on loopback: every route with
//! genuine, redelivered, tampered, unsigned, malformed, oversized and
//! misrouted requests. Each framework must answer the same way.
#![allow(
    dead_code,
    reason = "the examples' `main` functions are not called here"
)]

// Each example brings its own copy of examples/common, as when built alone;
// the framework examples need their feature.
#[cfg(feature = "actix")]
#[path = "../examples/actix.rs"]
#[allow(clippy::duplicate_mod)]
mod actix_example;
#[cfg(feature = "axum")]
#[path = "../examples/axum.rs"]
#[allow(clippy::duplicate_mod)]
mod axum_example;
#[path = "../examples/common/client.rs"]
mod client;
#[cfg(feature = "tower")]
#[path = "../examples/hyper.rs"]
#[allow(clippy::duplicate_mod)]
mod hyper_example;
#[path = "../examples/std_server.rs"]
#[allow(clippy::duplicate_mod)]
mod std_example;

use std::net::{SocketAddr, TcpListener};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use http::{HeaderMap, HeaderValue, Method, Response};
use std_example::common::{
    DEMO_CLICKFUNNELS_SECRET, DEMO_FALU_SECRET, DEMO_FOURVENUES_SECRET, DEMO_STANDARD_SECRET,
    MAX_BODY,
};
use time::OffsetDateTime;
use webhook_kit::Provider;
use webhook_kit::clickfunnels::ClickFunnels;
use webhook_kit::falu::Falu;
use webhook_kit::fourvenues::Fourvenues;
use webhook_kit::funnel::Funnel;
use webhook_kit::standard::StandardWebhooks;

/// What the app processed, as "provider id" lines.
type Processed = Arc<Mutex<Vec<String>>>;

/// The example's configuration (the demo one, plus `funnel_token`) and its
/// `App`, quiet, recording what it processes.
macro_rules! app {
    ($example:ident, $funnel_token:expr, $processed:expr) => {{
        use $example::common::{App, Config};
        let processed = Arc::clone(&$processed);
        let config = Config {
            funnel_token: $funnel_token,
            ..Config::demo()
        };
        let app = App::new(&config)
            .expect("demo config")
            .quiet()
            .with_processor(move |event| {
                let line = format!("{} {}", event.provider, event.id);
                processed.lock().expect("not poisoned").push(line);
                Ok(())
            });
        (config, app)
    }};
}

fn loopback() -> (TcpListener, SocketAddr) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    let addr = listener.local_addr().expect("address");
    (listener, addr)
}

/// Runs `serve` on its own tokio runtime in a thread that ends with the test
/// process.
#[cfg(any(feature = "axum", feature = "tower"))]
fn on_tokio<F, Fut>(listener: TcpListener, serve: F)
where
    F: FnOnce(tokio::net::TcpListener) -> Fut + Send + 'static,
    Fut: Future<Output = std::io::Result<()>>,
{
    listener.set_nonblocking(true).expect("nonblocking");
    thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener)?;
            serve(listener).await
        })
    });
}

#[cfg(feature = "axum")]
fn start_axum(funnel_token: Option<String>, processed: &Processed) -> SocketAddr {
    let (_, app) = app!(axum_example, funnel_token, processed);
    let (listener, addr) = loopback();
    on_tokio(listener, move |listener| axum_example::serve(listener, app));
    addr
}

#[cfg(feature = "tower")]
fn start_hyper(funnel_token: Option<String>, processed: &Processed) -> SocketAddr {
    let (config, app) = app!(hyper_example, funnel_token, processed);
    let webhooks = hyper_example::webhooks(&config, &app).expect("demo config");
    let (listener, addr) = loopback();
    on_tokio(listener, move |listener| {
        hyper_example::serve(listener, app, webhooks)
    });
    addr
}

#[cfg(feature = "actix")]
fn start_actix(funnel_token: Option<String>, processed: &Processed) -> SocketAddr {
    let (_, app) = app!(actix_example, funnel_token, processed);
    let (listener, addr) = loopback();
    thread::spawn(move || {
        actix_web::rt::System::new()
            .block_on(async move { actix_example::server(listener, app)?.await })
    });
    addr
}

fn start_std(funnel_token: Option<String>, processed: &Processed) -> SocketAddr {
    let (_, app) = app!(std_example, funnel_token, processed);
    let (listener, addr) = loopback();
    thread::spawn(move || std_example::serve(listener, app));
    addr
}

fn post(addr: SocketAddr, path: &str, headers: &HeaderMap, body: &[u8]) -> Response<Vec<u8>> {
    client::post(addr, path, headers, body).expect("the server answers")
}

fn text(reply: &Response<Vec<u8>>) -> &str {
    std::str::from_utf8(reply.body()).expect("text reply")
}

/// One provider's sender and sample event, for the shared checks.
struct Sender {
    route: &'static str,
    id: &'static str,
    body: &'static [u8],
    sign: Sign,
    /// The acknowledgement body the provider expects.
    ack: &'static str,
}

/// Signs a body as the provider would, now.
type Sign = Box<dyn Fn(&[u8]) -> HeaderMap>;

fn signer<P: Provider + 'static>(provider: P) -> Sign {
    Box::new(move |body| {
        provider
            .sign_at(body, OffsetDateTime::now_utc())
            .expect("sign")
    })
}

fn senders(funnel_token: Option<&str>) -> Vec<Sender> {
    let funnel = match funnel_token {
        Some(token) => Funnel::new().with_token(token).expect("token"),
        None => Funnel::new(),
    };
    vec![
        Sender {
            route: "funnel",
            id: "8932127",
            body: include_bytes!("data/funnel_v2_status_updated.json"),
            sign: signer(funnel),
            ack: "Funnel Event Received",
        },
        Sender {
            route: "fourvenues",
            id: "6571a9f2c1d2e3f4a5b6c7d8",
            body: include_bytes!("data/fourvenues_payment_success.json"),
            sign: signer(Fourvenues::new(DEMO_FOURVENUES_SECRET).expect("secret")),
            ack: "",
        },
        Sender {
            route: "falu",
            id: "evt_602a8dd0a54847479a874de5",
            body: include_bytes!("data/falu_cloudevents_message_delivered.json"),
            sign: signer(Falu::new(DEMO_FALU_SECRET).expect("secret")),
            ack: "",
        },
        Sender {
            route: "clickfunnels",
            id: "123b4741-3f2d-431a-90d1-ddca0f4d6721",
            body: include_bytes!("data/clickfunnels_contact_identified.json"),
            sign: signer(ClickFunnels::new(DEMO_CLICKFUNNELS_SECRET).expect("secret")),
            ack: "",
        },
        Sender {
            route: "standard",
            id: "msg_demo_1",
            body: br#"{"type": "invoice.paid", "data": {"invoice": "in_42"}}"#,
            sign: Box::new(|body| {
                StandardWebhooks::new(DEMO_STANDARD_SECRET)
                    .expect("secret")
                    .sign_with_id_at("msg_demo_1", body, OffsetDateTime::now_utc())
                    .expect("sign")
            }),
            ack: "",
        },
    ]
}

const SECRETS: [&str; 4] = [
    DEMO_FOURVENUES_SECRET,
    DEMO_FALU_SECRET,
    DEMO_CLICKFUNNELS_SECRET,
    DEMO_STANDARD_SECRET,
];

fn assert_no_secret(reply: &Response<Vec<u8>>) {
    let body = text(reply);
    for secret in SECRETS.iter().chain(&["demo-funnel-token"]) {
        assert!(!body.contains(secret), "reply leaks a secret: {body}");
    }
}

/// The behaviour every example must have, checked against the server at
/// `addr` (started with no Funnel token).
fn check_server(addr: SocketAddr, processed: &Processed) {
    for sender in senders(None) {
        let path = format!("/webhooks/{}", sender.route);
        let headers = (sender.sign)(sender.body);
        let route = sender.route;

        // Genuine: the provider's acknowledgement, processed once.
        let reply = post(addr, &path, &headers, sender.body);
        assert_eq!(reply.status(), 200, "{route}: {}", text(&reply));
        assert_eq!(text(&reply), sender.ack, "{route}");
        // Redelivered: acknowledged again, not processed again.
        let again = post(addr, &path, &headers, sender.body);
        assert_eq!(again.status(), 200, "{route} redelivery: {}", text(&again));
        let line = format!("{route} {}", sender.id);
        let times = processed
            .lock()
            .expect("not poisoned")
            .iter()
            .filter(|l| **l == line)
            .count();
        assert_eq!(times, 1, "{line} processed {times} times");

        // A genuinely signed body that is not the expected JSON: 400, with
        // the position serde stopped at.
        let broken = br#"{"id": "x", "event": ["#;
        let reply = post(addr, &path, &(sender.sign)(broken), broken);
        assert_eq!(reply.status(), 400, "{route}: {}", text(&reply));
        assert!(text(&reply).contains("line 1"), "{route}: {}", text(&reply));

        // Over 1 MiB: 413, whatever the headers.
        let huge = vec![b' '; MAX_BODY + 1];
        let reply = post(addr, &path, &headers, &huge);
        assert_eq!(reply.status(), 413, "{route}: {}", text(&reply));

        // Other methods: 405.
        let reply = client::send(
            addr,
            &Method::GET,
            &path,
            &HeaderMap::new(),
            b"",
            Duration::from_secs(10),
        )
        .expect("answer");
        assert_eq!(reply.status(), 405, "{route} GET");

        if route == "funnel" {
            continue; // no token configured: nothing to authenticate
        }
        // Tampered: 401, the error named, no secret echoed.
        let mut tampered = sender.body.to_vec();
        tampered[10] ^= 0x01;
        let reply = post(addr, &path, &headers, &tampered);
        assert_eq!(reply.status(), 401, "{route}: {}", text(&reply));
        assert!(
            text(&reply).contains("signature"),
            "{route}: {}",
            text(&reply)
        );
        assert_no_secret(&reply);
        // Unsigned: 401 naming the missing header.
        let reply = post(addr, &path, &HeaderMap::new(), sender.body);
        assert_eq!(reply.status(), 401, "{route}: {}", text(&reply));
        assert!(
            text(&reply).contains("missing"),
            "{route}: {}",
            text(&reply)
        );
        // Signed for another provider: 401.
        let other = if route == "standard" {
            "/webhooks/falu"
        } else {
            "/webhooks/standard"
        };
        let reply = post(addr, other, &headers, sender.body);
        assert_eq!(reply.status(), 401, "{route} at {other}: {}", text(&reply));
    }

    // Malformed signature header: 401 that says so.
    let mut headers = (senders(None)[4].sign)(b"{}");
    headers.insert("webhook-timestamp", HeaderValue::from_static("10e30"));
    let reply = post(addr, "/webhooks/standard", &headers, b"{}");
    assert_eq!(reply.status(), 401, "{}", text(&reply));
    assert!(
        text(&reply).contains("webhook-timestamp"),
        "{}",
        text(&reply)
    );

    // Nothing there: 404.
    for path in ["/webhooks/stripe", "/nowhere", "/webhooks"] {
        let reply = post(addr, path, &HeaderMap::new(), b"{}");
        assert_eq!(reply.status(), 404, "{path}");
    }
}

/// With a Funnel token configured, Funnel requests must carry it.
fn check_funnel_token(addr: SocketAddr) {
    let sender = senders(Some("demo-funnel-token")).remove(0);
    let reply = post(addr, "/webhooks/funnel", &HeaderMap::new(), sender.body);
    assert_eq!(reply.status(), 401, "{}", text(&reply));
    assert_no_secret(&reply);
    let wrong = senders(Some("not-the-token")).remove(0);
    let reply = post(
        addr,
        "/webhooks/funnel",
        &(wrong.sign)(wrong.body),
        wrong.body,
    );
    assert_eq!(reply.status(), 401, "{}", text(&reply));
    assert_no_secret(&reply);
    let reply = post(
        addr,
        "/webhooks/funnel",
        &(sender.sign)(sender.body),
        sender.body,
    );
    assert_eq!(reply.status(), 200, "{}", text(&reply));
    assert_eq!(text(&reply), "Funnel Event Received");
    assert_eq!(reply.headers()["content-type"], "text/plain");
}

type Start = fn(Option<String>, &Processed) -> SocketAddr;

fn check_example(start: Start) {
    let processed = Processed::default();
    check_server(start(None, &processed), &processed);
    check_funnel_token(start(
        Some("demo-funnel-token".into()),
        &Processed::default(),
    ));
}

#[test]
#[cfg(feature = "axum")]
fn axum_example_serves_every_provider() {
    check_example(start_axum);
}

#[test]
#[cfg(feature = "actix")]
fn actix_example_serves_every_provider() {
    check_example(start_actix);
}

#[test]
#[cfg(feature = "tower")]
fn hyper_example_serves_every_provider() {
    check_example(start_hyper);
}

#[test]
fn std_example_serves_every_provider() {
    check_example(start_std);
}
