//! A tiny scripted HTTP server for loopback: it answers each request with
//! the first route whose path and method match, sending exactly the route's
//! status line, header lines and body, and nothing else (no `Content-Length`,
//! no `Date`): an HTTP/1.0 answer whose body ends when the connection closes,
//! as the conformance recorder answered.
//!
//! Used by `browser-cors demo`, and by the tests (which include this file).

use std::sync::Arc;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// One route: the server's script for a path and method.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    /// The path, compared without the query.
    pub path: String,
    /// The method, byte for byte, or `*` for any.
    pub method: String,
    /// The status code.
    pub status: u16,
    /// Header lines in order (a name may repeat); values are JavaScript-style
    /// strings (code points up to U+00FF become one byte).
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: String,
}

impl Route {
    /// A route with no header and no body.
    pub fn new(method: &str, path: &str, status: u16) -> Route {
        Route {
            path: path.to_owned(),
            method: method.to_owned(),
            status,
            headers: Vec::new(),
            body: String::new(),
        }
    }

    /// Adds a header line.
    pub fn header(mut self, name: &str, value: &str) -> Route {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Sets the body.
    pub fn body(mut self, body: &str) -> Route {
        self.body = body.to_owned();
        self
    }
}

/// Serves `routes` on `listener` until the task is aborted.
pub async fn serve(listener: TcpListener, routes: Vec<Route>) {
    let routes = Arc::new(routes);
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let routes = Arc::clone(&routes);
        tokio::spawn(async move {
            let _ = answer(stream, &routes).await;
        });
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

async fn answer(mut stream: TcpStream, routes: &[Route]) -> std::io::Result<()> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = find(&buf, b"\r\n\r\n") {
            break i;
        }
        if buf.len() > 64 * 1024 {
            return Ok(());
        }
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Ok(());
        }
        buf.extend_from_slice(chunk.get(..n).unwrap_or_default());
    };
    let head = String::from_utf8_lossy(buf.get(..head_end).unwrap_or_default()).into_owned();
    let mut lines = head.split("\r\n");
    let request_line = lines.next().unwrap_or_default();
    let mut parts = request_line.split(' ');
    let method = parts.next().unwrap_or_default().to_owned();
    let target = parts.next().unwrap_or_default();
    let path = target.split('?').next().unwrap_or_default().to_owned();
    let length: usize = lines
        .filter_map(|l| l.split_once(':'))
        .find(|(n, _)| n.trim().eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.trim().parse().ok())
        .unwrap_or(0);
    // Read (and discard) the body so that the client is not cut off mid-send.
    let mut have = buf.len().saturating_sub(head_end + 4);
    while have < length.min(16 * 1024 * 1024) {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            break;
        }
        have += n;
    }
    let route = routes
        .iter()
        .find(|r| r.path == path && (r.method == "*" || r.method == method));
    let mut out = Vec::new();
    match route {
        Some(r) => {
            out.extend_from_slice(
                format!("HTTP/1.0 {} {}\r\n", r.status, reason(r.status)).as_bytes(),
            );
            for (n, v) in &r.headers {
                out.extend_from_slice(n.as_bytes());
                out.extend_from_slice(b": ");
                out.extend(
                    v.trim_matches([' ', '\t'])
                        .chars()
                        .map(|c| u8::try_from(u32::from(c)).unwrap_or(b'?')),
                );
                out.extend_from_slice(b"\r\n");
            }
            out.extend_from_slice(b"\r\n");
            if method != "HEAD" && !matches!(r.status, 204 | 304) {
                out.extend_from_slice(r.body.as_bytes());
            }
        }
        None => out.extend_from_slice(b"HTTP/1.0 404 Not Found\r\n\r\n"),
    }
    stream.write_all(&out).await?;
    stream.shutdown().await
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        500 => "Internal Server Error",
        _ => "Status",
    }
}
