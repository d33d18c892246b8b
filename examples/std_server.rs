//! webhook-kit with nothing but the standard library: no framework, no async
//! runtime, plain calls (`receive`, then `ExactlyOnce` over an in-memory
//! store, which processes each event once); rejections are logged. The
//! crate needs no framework; this server is a sketch of HTTP/1.1 that is
//! just enough for webhooks (one request per connection, a `Content-Length`
//! body).
//!
//! ```sh
//! cargo run --example std_server      # listens on 127.0.0.1:3000 (PORT to change)
//! ```
//!
//! Routes: `/webhooks/github`, `/webhooks/stripe` and `/webhooks/standard`
//! (any Standard Webhooks or Svix sender), with their secrets in
//! `GITHUB_SECRET`, `STRIPE_SECRET` and `STANDARD_WEBHOOKS_SECRET`. Put it
//! behind a real reverse proxy before exposing it to the internet.

use std::convert::Infallible;
use std::env;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use http::header::{ALLOW, CONTENT_TYPE};
use http::{HeaderMap, HeaderName, HeaderValue, Method, Response, StatusCode};
use webhook_kit::dedup::{ExactlyOnce, MemoryStore};
use webhook_kit::github::GitHub;
use webhook_kit::standard::StandardWebhooks;
use webhook_kit::stripe::Stripe;
use webhook_kit::{DEFAULT_MAX_BODY as MAX_BODY, Receivers, Rejection, WebhookEvent};

/// What every request needs: the receivers by route name and the event ids
/// seen, to drop redeliveries (this process only).
struct App {
    receivers: Receivers,
    seen: MemoryStore,
}

/// Connections served at once; more wait in the listen queue.
const WORKERS: usize = 4;
/// Limits on the request head, so a client cannot make us buffer without end.
const MAX_HEAD: u64 = 64 * 1024;
const MAX_HEADERS: usize = 100;
/// How long a slow client may take to send a request or read the reply.
const IO_TIMEOUT: Duration = Duration::from_secs(10);
/// How much of a refused body is read and discarded before closing.
const DRAIN_LIMIT: u64 = 4 * MAX_BODY as u64;

/// Serves the app on `listener` with a fixed pool of worker threads; returns
/// only if accepting fails.
fn serve(listener: TcpListener, app: Arc<App>) -> io::Result<()> {
    let workers = (1..WORKERS)
        .map(|_| {
            let (listener, app) = (listener.try_clone()?, Arc::clone(&app));
            Ok(thread::spawn(move || accept_loop(&listener, &app)))
        })
        .collect::<io::Result<Vec<_>>>()?;
    let result = accept_loop(&listener, &app);
    drop(workers);
    result
}

fn accept_loop(listener: &TcpListener, app: &App) -> io::Result<()> {
    loop {
        let (stream, _) = listener.accept()?;
        // One bad connection never stops the server.
        let _ = serve_connection(stream, app);
    }
}

fn serve_connection(stream: TcpStream, app: &App) -> io::Result<()> {
    stream.set_read_timeout(Some(IO_TIMEOUT))?;
    stream.set_write_timeout(Some(IO_TIMEOUT))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let reply = match read_request(&mut reader) {
        Ok(request) => respond(app, &request),
        Err((status, why)) => {
            eprintln!("request: rejected {status}: {why}");
            text(status, why)
        }
    };
    write_reply(&stream, &reply)?;
    // Closing with unread request bytes (a refused oversized body) makes the
    // kernel reset the connection, and the client may lose the reply: say
    // we are done, then discard what is still coming, within bounds.
    stream.shutdown(Shutdown::Write)?;
    stream.set_read_timeout(Some(Duration::from_secs(1)))?;
    io::copy(&mut reader.take(DRAIN_LIMIT), &mut io::sink())?;
    Ok(())
}

/// The webhook handler: `POST /webhooks/{provider}`, 405 for other methods,
/// 404 elsewhere.
fn respond(app: &App, request: &Request) -> Response<String> {
    let Some((name, receiver)) = request
        .path
        .strip_prefix("/webhooks/")
        .and_then(|name| Some((name, app.receivers.get(name)?)))
    else {
        let path = &request.path;
        return text(
            StatusCode::NOT_FOUND,
            format!("no webhook receiver at {path}"),
        );
    };
    if request.method != Method::POST {
        let mut reply = text(StatusCode::METHOD_NOT_ALLOWED, "webhooks are POSTed".into());
        reply
            .headers_mut()
            .insert(ALLOW, HeaderValue::from_static("POST"));
        return reply;
    }
    // Verify and parse the raw body, exactly as received.
    let event = match receiver.receive(&request.headers, &request.body) {
        Ok(received) => received.event,
        Err(error) => {
            let rejection = Rejection::from(error);
            // The message says what was wrong and never holds a secret.
            eprintln!("{name}: rejected {}: {rejection}", rejection.status());
            return rejection.to_response();
        }
    };
    let (id, event_type) = (event.id(), event.event_type());
    // A redelivery is acknowledged without running the closure again.
    let handled = ExactlyOnce::new(receiver, &app.seen, name).run(&id, || {
        // Your work goes here; an `Err` answers 503 and the sender retries.
        println!("{name} {event_type} {id}: processed");
        Ok::<(), Infallible>(())
    });
    handled.into_response().map(String::from)
}

/// A plain-text reply.
fn text(status: StatusCode, body: String) -> Response<String> {
    let mut reply = Response::new(body);
    *reply.status_mut() = status;
    let plain = HeaderValue::from_static("text/plain; charset=utf-8");
    reply.headers_mut().insert(CONTENT_TYPE, plain);
    reply
}

struct Request {
    method: Method,
    path: String,
    headers: HeaderMap,
    body: Vec<u8>,
}

/// Reads one request, or the status and reason to answer with instead.
fn read_request(reader: &mut BufReader<TcpStream>) -> Result<Request, (StatusCode, String)> {
    let bad = |why: &str| (StatusCode::BAD_REQUEST, why.to_owned());
    let mut head = reader.by_ref().take(MAX_HEAD);

    let line = read_line(&mut head).ok_or_else(|| bad("no request line"))?;
    let mut parts = line.split(' ');
    let (Some(method), Some(target), Some("HTTP/1.1" | "HTTP/1.0"), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(bad("malformed request line"));
    };
    let method = Method::from_bytes(method.as_bytes()).map_err(|_| bad("malformed method"))?;
    let path = target.split('?').next().unwrap_or(target).to_owned();

    let mut headers = HeaderMap::new();
    loop {
        let line = read_line(&mut head).ok_or_else(|| bad("request head too large or cut off"))?;
        if line.is_empty() {
            break;
        }
        if headers.len() >= MAX_HEADERS {
            return Err(bad("too many headers"));
        }
        let (name, value) = line
            .split_once(':')
            .ok_or_else(|| bad("malformed header line"))?;
        let name =
            HeaderName::from_bytes(name.as_bytes()).map_err(|_| bad("malformed header name"))?;
        let value =
            HeaderValue::from_str(value.trim()).map_err(|_| bad("malformed header value"))?;
        headers.append(name, value);
    }

    if headers.contains_key(http::header::TRANSFER_ENCODING) {
        return Err((
            StatusCode::LENGTH_REQUIRED,
            "send the body with a content-length".into(),
        ));
    }
    let length = match headers.get(http::header::CONTENT_LENGTH) {
        None => 0,
        Some(value) => value
            .to_str()
            .ok()
            .and_then(|v| v.parse::<u64>().ok())
            .ok_or_else(|| bad("malformed content-length"))?,
    };
    // Refuse an oversized body from its announced length, before reading it.
    if length > MAX_BODY as u64 {
        let len = usize::try_from(length).unwrap_or(usize::MAX);
        let error = webhook_kit::Error::BodyTooLarge {
            len,
            limit: MAX_BODY,
        };
        return Err((StatusCode::PAYLOAD_TOO_LARGE, error.to_string()));
    }
    let mut body = Vec::with_capacity(length as usize);
    reader
        .take(length)
        .read_to_end(&mut body)
        .map_err(|_| bad("could not read the body"))?;
    if body.len() as u64 != length {
        return Err(bad("body shorter than its content-length"));
    }
    Ok(Request {
        method,
        path,
        headers,
        body,
    })
}

/// One line of the head without its CRLF; `None` at the end of the input or
/// on bytes that are not text.
fn read_line(head: &mut impl BufRead) -> Option<String> {
    let mut line = String::new();
    match head.read_line(&mut line) {
        Ok(0) | Err(_) => None,
        Ok(_) if !line.ends_with('\n') => None,
        Ok(_) => Some(line.trim_end_matches(['\r', '\n']).to_owned()),
    }
}

fn write_reply(mut stream: &TcpStream, reply: &Response<String>) -> io::Result<()> {
    let status = reply.status();
    let mut out = format!(
        "HTTP/1.1 {} {}\r\nconnection: close\r\ncontent-length: {}\r\n",
        status.as_u16(),
        status.canonical_reason().unwrap_or(""),
        reply.body().len()
    )
    .into_bytes();
    for (name, value) in reply.headers() {
        out.extend_from_slice(name.as_str().as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(reply.body().as_bytes());
    stream.write_all(&out)?;
    stream.flush()
}

/// A secret from the environment; unset, a public demo value, said on
/// stderr: anyone can sign with it, so never run like that in production.
fn secret(variable: &str, demo: &str) -> String {
    env::var(variable).unwrap_or_else(|_| {
        eprintln!("{variable} unset: using a public demo secret");
        demo.to_owned()
    })
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let receivers = Receivers::new()
        .with_receiver(
            "github",
            GitHub::new(secret("GITHUB_SECRET", "demo-github-secret"))?,
        )
        .with_receiver(
            "stripe",
            Stripe::new(secret("STRIPE_SECRET", "whsec_demo-stripe-secret"))?,
        )
        .with_receiver(
            "standard",
            StandardWebhooks::new(secret(
                "STANDARD_WEBHOOKS_SECRET",
                "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            ))?,
        );
    let app = Arc::new(App {
        receivers,
        seen: MemoryStore::new(100_000),
    });

    let port: u16 = env::var("PORT").map_or(Ok(3000), |port| port.parse())?;
    let listener = TcpListener::bind(("127.0.0.1", port))?;
    println!(
        "listening on http://{}/webhooks/{{provider}}",
        listener.local_addr()?
    );
    serve(listener, app)?;
    Ok(())
}
