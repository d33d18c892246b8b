//! A minimal HTTP/1.1 client over `std::net` for the tests: one request per
//! connection, a bounded reply, and a body sent even when the server answers first.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use http::{HeaderMap, Method, Response};

/// The most of a reply this client reads.
const MAX_REPLY: u64 = 1 << 20;

/// Sends one request to `addr` and returns the reply. `timeout` bounds
/// connecting and every read and write.
///
/// # Errors
///
/// Any I/O failure, or a reply that is not HTTP/1.1.
pub(crate) fn send(
    addr: SocketAddr,
    method: &Method,
    path: &str,
    headers: &HeaderMap,
    body: &[u8],
    timeout: Duration,
) -> io::Result<Response<Vec<u8>>> {
    let mut stream = TcpStream::connect_timeout(&addr, timeout)?;
    stream.set_read_timeout(Some(timeout))?;
    stream.set_write_timeout(Some(timeout))?;

    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nhost: {addr}\r\nconnection: close\r\ncontent-length: {}\r\n",
        body.len()
    )
    .into_bytes();
    for (name, value) in headers {
        head.extend_from_slice(name.as_str().as_bytes());
        head.extend_from_slice(b": ");
        head.extend_from_slice(value.as_bytes());
        head.extend_from_slice(b"\r\n");
    }
    head.extend_from_slice(b"\r\n");
    stream.write_all(&head)?;
    // A server may answer (413, 401) and close before reading a large body;
    // the reply still counts, so a failed write is not yet an error.
    let wrote = stream.write_all(body);

    match read_reply(&mut BufReader::new(stream.take(MAX_REPLY))) {
        Ok(reply) => Ok(reply),
        Err(read_error) => Err(wrote.err().unwrap_or(read_error)),
    }
}

/// POSTs a webhook delivery.
///
/// # Errors
///
/// As [`send`].
pub(crate) fn post(
    addr: SocketAddr,
    path: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> io::Result<Response<Vec<u8>>> {
    let mut headers = headers.clone();
    headers
        .entry(http::header::CONTENT_TYPE)
        .or_insert(http::HeaderValue::from_static("application/json"));
    send(
        addr,
        &Method::POST,
        path,
        &headers,
        body,
        Duration::from_secs(10),
    )
}

fn read_reply(reader: &mut impl BufRead) -> io::Result<Response<Vec<u8>>> {
    let invalid = |what: &str| io::Error::new(io::ErrorKind::InvalidData, what.to_owned());
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let status = line
        .strip_prefix("HTTP/1.1 ")
        .and_then(|rest| rest.get(..3))
        .and_then(|code| code.parse::<u16>().ok())
        .ok_or_else(|| invalid("not an HTTP/1.1 status line"))?;

    let mut builder = Response::builder().status(status);
    let mut length = None;
    loop {
        line.clear();
        if reader.read_line(&mut line)? == 0 {
            return Err(invalid("reply ended inside its headers"));
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        let (name, value) = line
            .split_once(':')
            .ok_or_else(|| invalid("bad header line"))?;
        let value = value.trim();
        if name.eq_ignore_ascii_case("content-length") {
            length = Some(
                value
                    .parse::<u64>()
                    .map_err(|_| invalid("bad content-length"))?,
            );
        }
        builder = builder.header(name, value);
    }

    let mut body = Vec::new();
    match length {
        Some(length) => {
            reader.take(length).read_to_end(&mut body)?;
        }
        // `connection: close`: the body runs to the end of the stream.
        None => {
            reader.read_to_end(&mut body)?;
        }
    }
    builder.body(body).map_err(|e| invalid(&e.to_string()))
}
