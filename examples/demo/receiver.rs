//! The demo's two ends of HTTP on loopback, on hyper 1: the receiver, which
//! verifies each delivery with the crate's plain calls (`receive`) and
//! processes it once with `ExactlyOnce`, and `post`, the sender's request.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::thread;

use http::{HeaderMap, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use webhook_kit::dedup::{ExactlyOnce, MemoryStore};
use webhook_kit::{DEFAULT_MAX_BODY, Receivers, Rejection, WebhookEvent};

/// The application's work for a verified event (route name, event id): an
/// `Err` means "try again later", so the sender's retry processes it.
pub(crate) type Process = dyn Fn(&str, &str) -> Result<(), String> + Send + Sync;

struct Receiver {
    receivers: Receivers,
    seen: MemoryStore,
    process: Box<Process>,
}

/// Serves `POST /webhooks/{provider}` on a free loopback port, in a thread
/// that ends with the process.
///
/// # Errors
///
/// When no port can be had.
pub(crate) fn start(receivers: Receivers, process: Box<Process>) -> std::io::Result<SocketAddr> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    listener.set_nonblocking(true)?;
    let receiver = Arc::new(Receiver {
        receivers,
        seen: MemoryStore::new(10_000),
        process,
    });
    thread::spawn(move || {
        runtime().block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener)?;
            loop {
                let (stream, _) = listener.accept().await?;
                let receiver = Arc::clone(&receiver);
                let service = service_fn(move |request| respond(Arc::clone(&receiver), request));
                tokio::spawn(async move {
                    let connection = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service);
                    // A sender that hangs up mid-request is its own problem.
                    let _ = connection.await;
                });
            }
            #[allow(unreachable_code, reason = "the type of the loop's `?`")]
            Ok::<(), std::io::Error>(())
        })
    });
    Ok(addr)
}

async fn respond(
    receiver: Arc<Receiver>,
    request: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let name = request
        .uri()
        .path()
        .trim_start_matches("/webhooks/")
        .to_owned();
    let Some(provider) = receiver.receivers.get(&name) else {
        return Ok(reply(
            StatusCode::NOT_FOUND,
            "no webhook receiver here".into(),
        ));
    };
    let (parts, body) = request.into_parts();
    let Ok(body) = Limited::new(body, DEFAULT_MAX_BODY).collect().await else {
        return Ok(reply(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body too large".into(),
        ));
    };
    let event = match provider.receive(&parts.headers, &body.to_bytes()) {
        Ok(received) => received.event,
        Err(error) => {
            let rejection = Rejection::from(error);
            return Ok(reply(rejection.status(), rejection.to_string()));
        }
    };
    let id = event.id();
    let handled = ExactlyOnce::new(provider, &receiver.seen, &name)
        .run(&id, || (receiver.process)(&name, &id));
    Ok(handled.into_response().map(Full::from))
}

fn reply(status: StatusCode, text: String) -> Response<Full<Bytes>> {
    let mut reply = Response::new(Full::from(text));
    *reply.status_mut() = status;
    reply
}

/// POSTs `body` with `headers` to `path` on `addr`, as a sender does.
///
/// # Errors
///
/// When the receiver cannot be reached or its reply cannot be read.
pub(crate) fn post(
    addr: SocketAddr,
    path: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Response<Bytes>, Box<dyn std::error::Error>> {
    let mut request = Request::post(path)
        .header(http::header::HOST, addr.to_string())
        .header(http::header::CONTENT_TYPE, "application/json")
        .body(Full::new(Bytes::copy_from_slice(body)))?;
    request.headers_mut().extend(headers.clone());
    runtime().block_on(async move {
        let stream = tokio::net::TcpStream::connect(addr).await?;
        let (mut sender, connection) =
            hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
        tokio::spawn(connection);
        let (parts, body) = sender.send_request(request).await?.into_parts();
        Ok(Response::from_parts(
            parts,
            body.collect().await?.to_bytes(),
        ))
    })
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime")
}
