//! What every framework integration must do, checked over real HTTP on
//! 127.0.0.1 with a std client: each test file starts its framework's
//! server with ClickFunnels (a small body limit) and Funnel (a token) routes
//! whose handlers record what they process, then runs [`check`].
#![allow(dead_code, reason = "each framework's test uses a different part")]

#[path = "../http_client/mod.rs"]
pub(crate) mod client;

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Barrier, Mutex};
use std::thread;
use std::time::Duration;

use http::header::{CONTENT_LENGTH, TRANSFER_ENCODING};
use http::{HeaderMap, HeaderValue, Method, Response};
use time::OffsetDateTime;
use webhook_kit::clickfunnels::ClickFunnels;
use webhook_kit::dedup::{Handled, IdempotencyStore, MemoryStore};
use webhook_kit::funnel::Funnel;
use webhook_kit::{Error, Provider, WebhookEvent};

/// The ClickFunnels routes' body limit.
pub(crate) const LIMIT: usize = 1024;
const CF_SECRET: &str = "cf-test-secret";
const FUNNEL_TOKEN: &str = "funnel-test-token";

/// The ClickFunnels receiver the servers use.
pub(crate) fn clickfunnels() -> ClickFunnels {
    ClickFunnels::new(CF_SECRET)
        .expect("secret")
        .with_max_body(LIMIT)
}

/// The Funnel receiver the servers use.
pub(crate) fn funnel() -> Funnel {
    Funnel::new().with_token(FUNNEL_TOKEN).expect("token")
}

/// What the handlers processed: each event id, with how many times.
#[derive(Debug, Default)]
pub(crate) struct Processed {
    seen: MemoryStore,
    counts: Mutex<HashMap<String, usize>>,
}

impl Processed {
    /// What a handler does with a verified event: process it the first time
    /// its id is seen.
    pub(crate) fn handle<P: Provider + ?Sized>(&self, provider: &P, event: &impl WebhookEvent) {
        let id = event.id();
        let ttl = webhook_kit::dedup::ttl_for(provider);
        if self.seen.first_seen("test", &id, ttl).unwrap_or(true) {
            *self
                .counts
                .lock()
                .expect("not poisoned")
                .entry(id.into_owned())
                .or_default() += 1;
        }
    }

    /// What a handler behind `ExactlyOnce` does: count an attempt at `id`.
    /// The first attempt at an id starting with `fail-` fails, as work
    /// whose database is down would.
    pub(crate) fn attempt(&self, id: &str) -> Result<(), &'static str> {
        let mut counts = self.counts.lock().expect("not poisoned");
        let attempts = counts.entry(id.to_owned()).or_default();
        *attempts += 1;
        if id.starts_with("fail-") && *attempts == 1 {
            Err("the first attempt fails")
        } else {
            Ok(())
        }
    }

    fn times(&self, id: &str) -> usize {
        self.counts
            .lock()
            .expect("not poisoned")
            .get(id)
            .copied()
            .unwrap_or(0)
    }
}

/// A loopback listener on a free port.
pub(crate) fn loopback() -> (TcpListener, SocketAddr) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    let addr = listener.local_addr().expect("address");
    (listener, addr)
}

/// Runs `serve` on a tokio runtime of its own, in a thread that ends with
/// the test process.
#[cfg(any(feature = "axum", feature = "tower"))]
pub(crate) fn on_tokio<F, Fut>(listener: TcpListener, serve: F)
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

fn post(addr: SocketAddr, path: &str, headers: &HeaderMap, body: &[u8]) -> Response<Vec<u8>> {
    client::post(addr, path, headers, body).expect("the server answers")
}

fn text(reply: &Response<Vec<u8>>) -> &str {
    std::str::from_utf8(reply.body()).expect("text reply")
}

fn contact(id: &str) -> Vec<u8> {
    format!(r#"{{"event_id": "{id}", "event_type": "contact.identified", "data": {{"id": 1}}}}"#)
        .into_bytes()
}

fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

/// Asserts a refusal: `status`, and the crate's own message as plain text.
fn assert_refused(reply: &Response<Vec<u8>>, status: u16, message: &str, what: &str) {
    assert_eq!(reply.status(), status, "{what}: {}", text(reply));
    assert_eq!(text(reply), message, "{what}");
    let content_type = reply.headers()["content-type"].to_str().expect("ascii");
    assert!(
        content_type.starts_with("text/plain"),
        "{what}: {content_type}"
    );
}

/// The behaviour every integration must have: `cf` is a ClickFunnels route
/// (limit [`LIMIT`]), `funnel` a Funnel route, both recording into
/// `processed`.
pub(crate) fn check(addr: SocketAddr, cf: &str, funnel_route: &str, processed: &Processed) {
    let receiver = clickfunnels();

    // Genuine: the provider's reply; a redelivery is acknowledged, not
    // processed again.
    let body = contact("genuine-1");
    let headers = receiver.sign_at(&body, now()).expect("sign");
    for attempt in ["first", "redelivery"] {
        let reply = post(addr, cf, &headers, &body);
        assert_eq!(reply.status(), 200, "{attempt}: {}", text(&reply));
        assert_eq!(text(&reply), "", "{attempt}");
    }
    assert_eq!(processed.times("genuine-1"), 1);

    // Funnel's acknowledgement is its own text.
    let funnel_body = br#"{"id": 77, "event": "quote.created", "data": {}}"#;
    let signed = funnel().sign_at(funnel_body, now()).expect("sign");
    let reply = post(addr, funnel_route, &signed, funnel_body);
    assert_eq!(reply.status(), 200, "{}", text(&reply));
    assert_eq!(text(&reply), "Funnel Event Received");
    assert_eq!(reply.headers()["content-type"], "text/plain");
    let reply = post(addr, funnel_route, &HeaderMap::new(), funnel_body);
    let missing = funnel()
        .verify(&HeaderMap::new(), funnel_body)
        .expect_err("unsigned");
    assert_refused(
        &reply,
        401,
        &missing.to_string(),
        "funnel without its token",
    );

    // Forged: the body changed after signing.
    let mut forged = body.clone();
    forged[20] ^= 0x01;
    let reply = post(addr, cf, &headers, &forged);
    assert_refused(&reply, 401, &Error::SignatureMismatch.to_string(), "forged");

    // Stale: signed an hour ago.
    let stale = receiver
        .sign_at(&body, now() - time::Duration::hours(1))
        .expect("sign");
    let reply = post(addr, cf, &stale, &body);
    assert_eq!(reply.status(), 401, "stale: {}", text(&reply));
    assert!(
        text(&reply).starts_with("timestamp was signed"),
        "{}",
        text(&reply)
    );

    // Missing headers.
    let reply = post(addr, cf, &HeaderMap::new(), &body);
    let missing = receiver
        .verify(&HeaderMap::new(), &body)
        .expect_err("unsigned");
    assert_refused(&reply, 401, &missing.to_string(), "missing header");

    // Garbage JSON behind a valid signature.
    let garbage = br#"{"event_id": "x", "event_type": ["#;
    let signed = receiver.sign_at(garbage, now()).expect("sign");
    let reply = post(addr, cf, &signed, garbage);
    let error = receiver.receive(&signed, garbage).expect_err("garbage");
    assert_refused(&reply, 400, &error.to_string(), "garbage JSON");
    assert_eq!(processed.times("x"), 0);

    check_too_large(addr, cf, &headers);
    check_concurrent_redeliveries(addr, cf, processed);
}

/// A body over the limit is refused with 413 before it is read: announced
/// by `content-length` (no body is sent at all, so nothing can have been
/// hashed) or sent chunked (reading stops at the limit).
fn check_too_large(addr: SocketAddr, path: &str, signed: &HeaderMap) {
    let announced = LIMIT + 1000;
    let mut headers = signed.clone();
    headers.insert(CONTENT_LENGTH, HeaderValue::from(announced));
    let reply = head_only(addr, path, &headers);
    let error = Error::BodyTooLarge {
        len: announced,
        limit: LIMIT,
    };
    assert_refused(&reply, 413, &error.to_string(), "announced too large");

    let reply = chunked(addr, path, signed, &vec![b' '; LIMIT * 3]);
    assert_refused(
        &reply,
        413,
        &format!("body exceeds the limit of {LIMIT} bytes"),
        "chunked too large",
    );
}

/// Sends a request head announcing a body, but no body, and reads the reply.
fn head_only(addr: SocketAddr, path: &str, headers: &HeaderMap) -> Response<Vec<u8>> {
    // The client sends nothing after the head when the body is empty; its
    // own content-length would say 0, so write the head by hand.
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    let mut head = format!("POST {path} HTTP/1.1\r\nhost: {addr}\r\n").into_bytes();
    for (name, value) in headers {
        head.extend_from_slice(name.as_str().as_bytes());
        head.extend_from_slice(b": ");
        head.extend_from_slice(value.as_bytes());
        head.extend_from_slice(b"\r\n");
    }
    head.extend_from_slice(b"\r\n");
    stream.write_all(&head).expect("write head");
    read_reply(stream)
}

/// POSTs `body` with `transfer-encoding: chunked`, 256 bytes a chunk.
fn chunked(addr: SocketAddr, path: &str, headers: &HeaderMap, body: &[u8]) -> Response<Vec<u8>> {
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    let mut out = format!("POST {path} HTTP/1.1\r\nhost: {addr}\r\n").into_bytes();
    for (name, value) in headers {
        if name != CONTENT_LENGTH && name != TRANSFER_ENCODING {
            out.extend_from_slice(name.as_str().as_bytes());
            out.extend_from_slice(b": ");
            out.extend_from_slice(value.as_bytes());
            out.extend_from_slice(b"\r\n");
        }
    }
    out.extend_from_slice(b"transfer-encoding: chunked\r\n\r\n");
    for chunk in body.chunks(256) {
        out.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
        out.extend_from_slice(chunk);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"0\r\n\r\n");
    // The server may answer and close before reading it all.
    let _ = stream.write_all(&out);
    read_reply(stream)
}

fn read_reply(mut stream: TcpStream) -> Response<Vec<u8>> {
    let mut raw = Vec::new();
    // Read the head, then as much body as content-length says.
    let mut buf = [0; 4096];
    loop {
        let n = stream.read(&mut buf).expect("the server answers");
        assert!(n > 0, "the server closed without answering");
        raw.extend_from_slice(&buf[..n]);
        if let Some(end) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&raw[..end]).into_owned();
            let length = head
                .lines()
                .find_map(|line| {
                    let (name, value) = line.split_once(':')?;
                    name.eq_ignore_ascii_case("content-length")
                        .then(|| value.trim().parse::<usize>().ok())?
                })
                .expect("a content-length");
            while raw.len() < end + 4 + length {
                let n = stream.read(&mut buf).expect("the rest of the reply");
                assert!(n > 0, "reply cut short");
                raw.extend_from_slice(&buf[..n]);
            }
            let mut builder = Response::builder();
            let mut lines = head.lines();
            let status = lines
                .next()
                .and_then(|line| line.split(' ').nth(1))
                .and_then(|code| code.parse::<u16>().ok())
                .expect("a status line");
            builder = builder.status(status);
            for line in lines {
                if let Some((name, value)) = line.split_once(':') {
                    builder = builder.header(name.trim(), value.trim());
                }
            }
            return builder
                .body(raw[end + 4..end + 4 + length].to_vec())
                .expect("response");
        }
    }
}

/// Sixteen senders deliver the same event at once: every one is
/// acknowledged, and it is processed once.
fn check_concurrent_redeliveries(addr: SocketAddr, path: &str, processed: &Processed) {
    const SENDERS: usize = 16;
    let body = Arc::new(contact("concurrent-1"));
    let headers = Arc::new(clickfunnels().sign_at(&body, now()).expect("sign"));
    let start = Arc::new(Barrier::new(SENDERS));
    let senders: Vec<_> = (0..SENDERS)
        .map(|_| {
            let (body, headers, start) =
                (Arc::clone(&body), Arc::clone(&headers), Arc::clone(&start));
            let path = path.to_owned();
            thread::spawn(move || {
                start.wait();
                post(addr, &path, &headers, &body).status()
            })
        })
        .collect();
    for sender in senders {
        assert_eq!(sender.join().expect("sender"), 200);
    }
    assert_eq!(processed.times("concurrent-1"), 1);
}

/// A ClickFunnels route (`cf`) and a Funnel route (`funnel_route`) whose
/// handlers run [`Processed::attempt`] through the extractor's
/// `exactly_once` and answer with the `Handled`: an event is processed once
/// and its copies get the sender's acknowledgement; a failed attempt is
/// answered 503 and the retry processes it. `tag` keeps the event ids of
/// two calls on one store apart; `funnel_id` is a Funnel event id (Funnel's
/// ids are numbers) not used by another call.
pub(crate) fn check_exactly_once(
    addr: SocketAddr,
    cf: &str,
    funnel_route: &str,
    funnel_id: u32,
    tag: &str,
    processed: &Processed,
) {
    let receiver = clickfunnels();
    let id = format!("once-{tag}");
    let body = contact(&id);
    let headers = receiver.sign_at(&body, now()).expect("sign");
    for attempt in ["first", "copy", "another copy"] {
        let reply = post(addr, cf, &headers, &body);
        assert_eq!(reply.status(), 200, "{attempt}: {}", text(&reply));
        assert_eq!(text(&reply), "", "{attempt}");
    }
    assert_eq!(processed.times(&id), 1, "{cf}");

    let failing = format!("fail-{tag}");
    let body = contact(&failing);
    let headers = receiver.sign_at(&body, now()).expect("sign");
    let reply = post(addr, cf, &headers, &body);
    assert_eq!(reply.status(), 503, "{}", text(&reply));
    assert_eq!(text(&reply), "processing failed: retry later");
    for attempt in ["retry", "copy"] {
        let reply = post(addr, cf, &headers, &body);
        assert_eq!(reply.status(), 200, "{attempt}: {}", text(&reply));
    }
    assert_eq!(processed.times(&failing), 2, "{cf}");

    // The acknowledgement is the sender's own, for the copy too.
    let funnel_body = format!(r#"{{"id": {funnel_id}, "event": "quote.created", "data": {{}}}}"#);
    let signed = funnel()
        .sign_at(funnel_body.as_bytes(), now())
        .expect("sign");
    for attempt in ["first", "copy"] {
        let reply = post(addr, funnel_route, &signed, funnel_body.as_bytes());
        assert_eq!(reply.status(), 200, "{attempt}: {}", text(&reply));
        assert_eq!(text(&reply), "Funnel Event Received", "{attempt}");
        assert_eq!(reply.headers()["content-type"], "text/plain", "{attempt}");
    }
    assert_eq!(processed.times(&funnel_id.to_string()), 1, "{funnel_route}");
}

/// A `Handled` and the reply it must give.
pub(crate) struct HandledCase {
    pub(crate) handled: Handled<&'static str, &'static str>,
    pub(crate) status: u16,
    pub(crate) retry_after: Option<&'static str>,
    pub(crate) body: &'static str,
}

/// What `Handled` must answer in every framework: the sender's
/// acknowledgement for the variants that acknowledge, 429 with
/// `Retry-After` for an event in progress, 503 for a failure.
pub(crate) fn handled_cases() -> Vec<HandledCase> {
    let case = |handled, status, retry_after, body| HandledCase {
        handled,
        status,
        retry_after,
        body,
    };
    vec![
        case(
            Handled::Duplicate {
                ack: funnel().acknowledge(),
            },
            200,
            None,
            "Funnel Event Received",
        ),
        case(
            Handled::InProgress {
                retry_after: Duration::from_millis(4200),
            },
            429,
            Some("5"),
            "event in progress: retry later",
        ),
        case(
            Handled::Failed("database down"),
            503,
            None,
            "processing failed: retry later",
        ),
        case(
            Handled::StoreUnavailable("redis down"),
            503,
            None,
            "idempotency store unavailable: retry later",
        ),
    ]
}

/// 405 for GET, where the framework routes by method.
pub(crate) fn check_get_is_405(addr: SocketAddr, path: &str) {
    let reply = client::send(
        addr,
        &Method::GET,
        path,
        &HeaderMap::new(),
        b"",
        Duration::from_secs(10),
    )
    .expect("answer");
    assert_eq!(reply.status(), 405, "GET {path}");
}
