//! The recorder's loopback server: one listener per placeholder (TLS for
//! `{S}`, `{T}`, `{U}`), the runner protocol under `/__oracle/`, and every
//! scenario's routes under its own prefix `/sNNNN`, answered exactly as
//! scripted (an HTTP/1.0 status line, the route's header lines in order and
//! case, the body, then the connection closes; no header of the server's own).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::mpsc;

use super::plan::{self, Origins, Seen, Shown};

/// The runner page's script (the plan is put in front of it).
const RUNNER_JS: &str = include_str!("runner.js");

/// How long a connection may take to send its request.
const READ_BOUND: Duration = Duration::from_secs(15);

/// What the server tells the recorder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// The start page was loaded (the browser is alive and reaches us).
    Started,
    /// Step `step` of scenario `scenario` has its expectation.
    Step {
        /// The scenario's index in the file.
        scenario: usize,
        /// The step's index.
        step: usize,
    },
    /// The session's last scenario is done.
    Done,
}

/// The recorder's shared state.
#[derive(Debug, Default)]
pub struct State {
    /// The file's scenarios.
    pub scenarios: Vec<Value>,
    /// Whether `server_log` entries carry `cookies`.
    pub format2: bool,
    /// The scenarios of the current browser session, in order.
    pub session: Vec<usize>,
    /// The step being recorded: `(scenario, step)`.
    pub current: Option<(usize, usize)>,
    /// Requests received during the current step.
    pub log: Vec<Seen>,
    /// Recorded expectations by `(scenario, step)`.
    pub expects: BTreeMap<(usize, usize), Value>,
    /// Requests that arrived for a scenario outside its steps (diagnostics).
    pub stray: Vec<String>,
}

/// A running recorder server.
pub struct Server {
    /// The placeholder origins (real ports).
    pub origins: Origins,
    /// Shared state.
    pub state: Arc<Mutex<State>>,
    /// Events for the recorder.
    pub events: mpsc::UnboundedReceiver<Event>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
    /// The port of the forward proxy onto the listeners.
    pub proxy_port: u16,
}

/// One proxied connection: `CONNECT host:port` (answered 200, then bytes
/// both ways) or an absolute-form request (passed on as it is), always to
/// 127.0.0.1 and only to one of `allowed`.
async fn tunnel(mut client: tokio::net::TcpStream, allowed: &[u16]) -> std::io::Result<()> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        if let Some(i) = find(&buf, b"\r\n\r\n") {
            break i;
        }
        if buf.len() > 64 * 1024 {
            return Ok(());
        }
        let n = tokio::time::timeout(READ_BOUND, client.read(&mut chunk))
            .await
            .map_err(|_| std::io::Error::other("timeout"))??;
        if n == 0 {
            return Ok(());
        }
        buf.extend_from_slice(chunk.get(..n).unwrap_or_default());
    };
    let line = String::from_utf8_lossy(buf.get(..head_end).unwrap_or_default())
        .lines()
        .next()
        .unwrap_or_default()
        .to_owned();
    let mut parts = line.split(' ');
    let method = parts.next().unwrap_or_default();
    let target = parts.next().unwrap_or_default();
    let authority = if method == "CONNECT" {
        target
    } else {
        target
            .split_once("://")
            .map_or("", |(_, r)| r.split('/').next().unwrap_or_default())
    };
    let port: Option<u16> = authority.rsplit(':').next().and_then(|p| p.parse().ok());
    let Some(port) = port.filter(|p| allowed.contains(p)) else {
        client.write_all(b"HTTP/1.1 403 Forbidden\r\n\r\n").await?;
        return client.shutdown().await;
    };
    let mut upstream = tokio::net::TcpStream::connect(("127.0.0.1", port)).await?;
    if method == "CONNECT" {
        client
            .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
            .await?;
        let rest = buf.get(head_end + 4..).unwrap_or_default();
        upstream.write_all(rest).await?;
    } else {
        upstream.write_all(&buf).await?;
    }
    let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
    Ok(())
}

impl Drop for Server {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

struct Ctx {
    origins: Origins,
    state: Arc<Mutex<State>>,
    events: mpsc::UnboundedSender<Event>,
}

fn lock(state: &Mutex<State>) -> std::sync::MutexGuard<'_, State> {
    state
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Server {
    /// Opens the eight listeners on 127.0.0.1 (fresh ports) and serves them
    /// until dropped. `tls` answers `{S}`, `{T}`, `{U}`; without it those
    /// listeners answer plain HTTP (the tests' raw client).
    pub async fn start(
        scenarios: Vec<Value>,
        tls: Option<Arc<rustls::ServerConfig>>,
    ) -> std::io::Result<Server> {
        let mut listeners = Vec::new();
        let mut ports = Vec::new();
        for _ in plan::ENDPOINTS {
            let l = TcpListener::bind(("127.0.0.1", 0)).await?;
            ports.push(l.local_addr()?.port());
            listeners.push(l);
        }
        let origins = Origins::new(&ports);
        let format2 = plan::is_format2(&scenarios);
        let state = Arc::new(Mutex::new(State {
            scenarios,
            format2,
            ..State::default()
        }));
        let (tx, rx) = mpsc::unbounded_channel();
        let ctx = Arc::new(Ctx {
            origins: origins.clone(),
            state: Arc::clone(&state),
            events: tx,
        });
        let mut tasks = Vec::new();
        for (l, (letter, scheme, _)) in listeners.into_iter().zip(plan::ENDPOINTS) {
            let ctx = Arc::clone(&ctx);
            let acceptor = match (scheme, &tls) {
                ("https", Some(cfg)) => Some(tokio_rustls::TlsAcceptor::from(Arc::clone(cfg))),
                _ => None,
            };
            tasks.push(tokio::spawn(async move {
                loop {
                    let Ok((stream, _)) = l.accept().await else {
                        continue;
                    };
                    let ctx = Arc::clone(&ctx);
                    let acceptor = acceptor.clone();
                    tokio::spawn(async move {
                        match acceptor {
                            Some(a) => {
                                let accepted =
                                    tokio::time::timeout(READ_BOUND, a.accept(stream)).await;
                                if let Ok(Ok(tls)) = accepted {
                                    let _ = answer(tls, letter, &ctx).await;
                                }
                            }
                            None => {
                                let _ = answer(stream, letter, &ctx).await;
                            }
                        }
                    });
                }
            }));
        }
        // A forward proxy for engines that cannot map names to loopback
        // (WebKitGTK): it only ever connects to this server's own ports.
        let proxy = TcpListener::bind(("127.0.0.1", 0)).await?;
        let proxy_port = proxy.local_addr()?.port();
        let allowed: Arc<Vec<u16>> = Arc::new(ports.clone());
        tasks.push(tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = proxy.accept().await else {
                    continue;
                };
                let allowed = Arc::clone(&allowed);
                tokio::spawn(async move {
                    let _ =
                        tokio::time::timeout(Duration::from_secs(120), tunnel(stream, &allowed))
                            .await;
                });
            }
        }));
        Ok(Server {
            origins,
            state,
            events: rx,
            tasks,
            proxy_port,
        })
    }

    /// The URL a browser session starts on.
    pub fn start_url(&self) -> String {
        format!(
            "{}/__oracle/start",
            self.origins.get("A").unwrap_or_default()
        )
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// A parsed request.
struct Request {
    method: String,
    target: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

async fn read_request<S: AsyncRead + Unpin>(stream: &mut S) -> Option<Request> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        if let Some(i) = find(&buf, b"\r\n\r\n") {
            break i;
        }
        if buf.len() > 256 * 1024 {
            return None;
        }
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(chunk.get(..n)?);
        // Not HTTP (a TLS ClientHello on a plain listener, say, after an
        // upgrade-insecure-requests): close at once, as an HTTP server does.
        if buf
            .first()
            .is_some_and(|b| *b == 0x16 || !b.is_ascii_graphic())
        {
            return None;
        }
    };
    let head = buf.get(..head_end)?;
    let mut lines = head
        .split(|b| *b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l));
    let request_line = browser_cors::conformance::js_string(lines.next()?);
    let mut parts = request_line.split(' ');
    let method = parts.next()?.to_owned();
    let target = parts.next()?.to_owned();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| {
            let i = l.iter().position(|b| *b == b':')?;
            let (n, v) = l.split_at(i);
            let v = v.get(1..)?;
            let v = browser_cors::conformance::js_string(v);
            Some((
                browser_cors::conformance::js_string(n),
                v.trim_matches([' ', '\t']).to_owned(),
            ))
        })
        .collect();
    let length: usize = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0)
        .min(16 * 1024 * 1024);
    let mut body = buf.get(head_end + 4..).unwrap_or_default().to_vec();
    while body.len() < length {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(chunk.get(..n)?);
    }
    Some(Request {
        method,
        target,
        headers,
        body,
    })
}

async fn answer<S: AsyncRead + AsyncWrite + Unpin>(
    mut stream: S,
    letter: &str,
    ctx: &Ctx,
) -> std::io::Result<()> {
    let Ok(Some(req)) = tokio::time::timeout(READ_BOUND, read_request(&mut stream)).await else {
        return Ok(());
    };
    let out = respond(&req, letter, ctx);
    stream.write_all(&out).await?;
    stream.flush().await?;
    stream.shutdown().await
}

/// A response: status line, header lines (raw bytes), body.
fn response(status: u16, headers: &[(String, Vec<u8>)], body: &[u8]) -> Vec<u8> {
    let mut out = format!("HTTP/1.0 {status} {}\r\n", reason(status)).into_bytes();
    for (n, v) in headers {
        out.extend_from_slice(n.as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(v);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(body);
    out
}

fn html(extra: &[(String, Vec<u8>)], body: &str) -> Vec<u8> {
    let mut headers = vec![
        (
            "Content-Type".to_owned(),
            b"text/html; charset=utf-8".to_vec(),
        ),
        ("Cache-Control".to_owned(), b"no-store".to_vec()),
    ];
    headers.extend_from_slice(extra);
    response(200, &headers, body.as_bytes())
}

fn query_param(target: &str, key: &str) -> Option<usize> {
    let q = target.split_once('?')?.1;
    q.split('&')
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, _)| *k == key)
        .and_then(|(_, v)| v.parse().ok())
}

/// A JavaScript string literal (JSON is one).
fn js(s: &str) -> String {
    serde_json::to_string(s)
        .unwrap_or_else(|_| "\"\"".into())
        .replace("</", "<\\/")
}

fn redirect_page(to: &str) -> Vec<u8> {
    html(
        &[],
        &format!(
            "<!doctype html><script>location.replace({})</script>",
            js(to)
        ),
    )
}

/// The origin-form of a request target: a proxied request's absolute form
/// (`http://app.test:1234/s0001/r`) loses its scheme and authority.
fn origin_form(target: &str) -> &str {
    match target.split_once("://") {
        Some((scheme, rest)) if !scheme.contains('/') => {
            rest.find('/').and_then(|i| rest.get(i..)).unwrap_or("/")
        }
        _ => target,
    }
}

fn respond(req: &Request, letter: &str, ctx: &Ctx) -> Vec<u8> {
    let target = origin_form(&req.target);
    let path = target.split('?').next().unwrap_or_default();
    if let Some(what) = path.strip_prefix("/__oracle/") {
        return oracle(what, req, letter, ctx);
    }
    let Some((index, rest)) = plan::split_prefix(path) else {
        return response(404, &[], b"");
    };
    let placeholder = format!("{{{letter}}}");
    let mut state = lock(&ctx.state);
    let Some(scenario) = state.scenarios.get(index).cloned() else {
        return response(404, &[], b"");
    };
    let seen = Seen {
        method: req.method.clone(),
        placeholder: placeholder.clone(),
        path: rest.to_owned(),
        headers: req.headers.clone(),
    };
    match state.current {
        Some((s, _)) if s == index => state.log.push(seen),
        _ => {
            let line = format!("{} {}{} (scenario {index})", req.method, placeholder, rest);
            state.stray.push(line);
        }
    }
    drop(state);
    let prefix = plan::prefix_of(index);
    let route = plan::routes(&scenario).iter().find(|r| {
        plan::str_of(r, "origin") == Some(placeholder.as_str())
            && plan::str_of(r, "path") == Some(rest)
            && plan::str_of(r, "method").is_some_and(|m| m == "*" || m == req.method)
    });
    let Some(route) = route else {
        return response(404, &[], b"");
    };
    let status = route
        .get("status")
        .and_then(Value::as_u64)
        .and_then(|s| u16::try_from(s).ok())
        .unwrap_or(500);
    let headers = route_headers(route, &ctx.origins, &prefix);
    let body = plan::str_of(route, "body").unwrap_or_default();
    response(status, &headers, body.as_bytes())
}

/// A route's header lines on the wire: placeholders filled, `Location`
/// under the scenario prefix, `Set-Cookie` scoped to it.
pub fn route_headers(route: &Value, origins: &Origins, prefix: &str) -> Vec<(String, Vec<u8>)> {
    plan::headers(route)
        .into_iter()
        .map(|(n, v)| {
            let v = if n.eq_ignore_ascii_case("location") {
                origins.fill_url(&v, prefix)
            } else if n.eq_ignore_ascii_case("set-cookie") {
                plan::scope_cookie(&origins.fill(&v), prefix, false)
            } else {
                origins.fill(&v)
            };
            (n, browser_cors::conformance::js_bytes(&v))
        })
        .collect()
}

/// The first URL a scenario's load starts on: its first setup visit, or
/// its runner page.
fn entry_url(ctx: &Ctx, index: usize) -> String {
    let state = lock(&ctx.state);
    let Some(s) = state.scenarios.get(index) else {
        return String::new();
    };
    match plan::arr(s, "setup").first() {
        Some(v) => format!(
            "{}/__oracle/setup?s={index}&k=0",
            ctx.origins
                .origin_of(plan::str_of(v, "visit").unwrap_or("{A}"))
        ),
        None => runner_url(ctx, s, index),
    }
}

fn runner_url(ctx: &Ctx, scenario: &Value, index: usize) -> String {
    format!(
        "{}/__oracle/runner?s={index}",
        ctx.origins.origin_of(plan::page_of(scenario))
    )
}

fn oracle(what: &str, req: &Request, _letter: &str, ctx: &Ctx) -> Vec<u8> {
    let s = query_param(&req.target, "s");
    match what {
        "start" => {
            let _ = ctx.events.send(Event::Started);
            let first = lock(&ctx.state).session.first().copied();
            let cookie = vec![("Set-Cookie".to_owned(), b"cred=1; Path=/".to_vec())];
            // Before the first scenario, one preflighted request twice to a
            // recorder path of {B}: Firefox does not reuse the first preflight
            // cache entry of a session, which would show in the first
            // scenario that probes the cache.
            let warmup = format!(
                "{}/__oracle/warmup",
                ctx.origins.get("B").unwrap_or_default()
            );
            let body = match first {
                Some(f) => format!(
                    "<!doctype html><script>(async () => {{\n\
                     const bound = new Promise((r) => setTimeout(r, 5000));\n\
                     const warm = (async () => {{ for (let i = 0; i < 2; i++) {{\n\
                       try {{ await fetch({}, {{method: 'PUT', body: 'x'}}); }} catch (e) {{}} }} }})();\n\
                     await Promise.race([warm, bound]);\n\
                     location.replace({});\n\
                     }})();</script>",
                    js(&warmup),
                    js(&entry_url(ctx, f))
                ),
                None => "<!doctype html>nothing to record".to_owned(),
            };
            html(&cookie, &body)
        }
        "warmup" => {
            let a = ctx.origins.get("A").unwrap_or_default().as_bytes().to_vec();
            if req.method == "OPTIONS" {
                response(
                    204,
                    &[
                        ("Access-Control-Allow-Origin".to_owned(), a),
                        ("Access-Control-Allow-Methods".to_owned(), b"PUT".to_vec()),
                        ("Access-Control-Max-Age".to_owned(), b"600".to_vec()),
                    ],
                    b"",
                )
            } else {
                response(200, &[("Access-Control-Allow-Origin".to_owned(), a)], b"")
            }
        }
        "go" => {
            let Some(pos) = query_param(&req.target, "pos") else {
                return response(400, &[], b"");
            };
            let next = lock(&ctx.state).session.get(pos).copied();
            match next {
                Some(n) => redirect_page(&entry_url(ctx, n)),
                None => {
                    let _ = ctx.events.send(Event::Done);
                    html(&[], "<!doctype html>done")
                }
            }
        }
        "setup" => {
            let (Some(s), Some(k)) = (s, query_param(&req.target, "k")) else {
                return response(400, &[], b"");
            };
            let scenario = lock(&ctx.state).scenarios.get(s).cloned();
            let Some(scenario) = scenario else {
                return response(404, &[], b"");
            };
            let setup = plan::arr(&scenario, "setup");
            let prefix = plan::prefix_of(s);
            let cookies: Vec<(String, Vec<u8>)> = setup
                .get(k)
                .map(|v| plan::arr(v, "set_cookie"))
                .unwrap_or_default()
                .iter()
                .filter_map(Value::as_str)
                .map(|c| {
                    let c = plan::scope_cookie(&ctx.origins.fill(c), &prefix, true);
                    (
                        "Set-Cookie".to_owned(),
                        browser_cors::conformance::js_bytes(&c),
                    )
                })
                .collect();
            let next = match setup.get(k + 1) {
                Some(v) => format!(
                    "{}/__oracle/setup?s={s}&k={}",
                    ctx.origins
                        .origin_of(plan::str_of(v, "visit").unwrap_or("{A}")),
                    k + 1
                ),
                None => runner_url(ctx, &scenario, s),
            };
            html(
                &cookies,
                &format!(
                    "<!doctype html><script>location.replace({})</script>",
                    js(&next)
                ),
            )
        }
        "runner" => {
            let Some(s) = s else {
                return response(400, &[], b"");
            };
            let (scenario, pos) = {
                let st = lock(&ctx.state);
                (
                    st.scenarios.get(s).cloned(),
                    st.session.iter().position(|x| *x == s),
                )
            };
            let Some(scenario) = scenario else {
                return response(404, &[], b"");
            };
            let prefix = plan::prefix_of(s);
            let steps: Vec<Value> = plan::arr(&scenario, "steps")
                .iter()
                .map(|st| {
                    let f = st.get("fetch").cloned().unwrap_or(Value::Null);
                    let url = plan::str_of(&f, "url").unwrap_or("/");
                    let mut init = serde_json::Map::new();
                    for k in ["method", "mode", "credentials", "redirect", "body"] {
                        if let Some(v) = f.get(k) {
                            init.insert(k.into(), v.clone());
                        }
                    }
                    let headers: Vec<Value> = plan::headers(&f)
                        .into_iter()
                        .map(|(n, v)| json!([n, ctx.origins.fill(&v)]))
                        .collect();
                    if f.get("headers").is_some() {
                        init.insert("headers".into(), Value::Array(headers));
                    }
                    json!({
                        "url": ctx.origins.fill_url(url, &prefix),
                        "init": init,
                        "wait_ms": st.get("wait_ms").and_then(Value::as_u64).unwrap_or(0),
                    })
                })
                .collect();
            let plan = json!({
                "s": s,
                "steps": steps,
                "next": format!("{}/__oracle/go?pos={}", ctx.origins.get("A").unwrap_or_default(),
                    pos.map_or(usize::MAX, |p| p + 1)),
            });
            let extra: Vec<(String, Vec<u8>)> = plan::pairs(plan::arr(&scenario, "page_headers"))
                .into_iter()
                .map(|(n, v)| {
                    (
                        n,
                        browser_cors::conformance::js_bytes(&ctx.origins.fill(&v)),
                    )
                })
                .collect();
            let plan_text = serde_json::to_string(&plan)
                .unwrap_or_default()
                .replace("</", "<\\/");
            html(
                &extra,
                &format!(
                    "<!doctype html><meta charset=utf-8><title>browser-cors runner</title>\
                     <script>const PLAN = {plan_text};\n{RUNNER_JS}</script>"
                ),
            )
        }
        "begin" => {
            let (Some(s), Some(i)) = (s, query_param(&req.target, "i")) else {
                return response(400, &[], b"");
            };
            let mut st = lock(&ctx.state);
            st.current = Some((s, i));
            st.log.clear();
            response(204, &[], b"")
        }
        "result" => {
            let (Some(s), Some(i)) = (s, query_param(&req.target, "i")) else {
                return response(400, &[], b"");
            };
            let shown: Shown = match serde_json::from_slice(&req.body) {
                Ok(x) => x,
                Err(_) => return response(400, &[], b""),
            };
            let mut st = lock(&ctx.state);
            if st.current != Some((s, i)) {
                return response(409, &[], b"");
            }
            let format2 = st.format2;
            let fetch = st
                .scenarios
                .get(s)
                .and_then(|sc| plan::arr(sc, "steps").get(i))
                .and_then(|step| step.get("fetch"))
                .cloned()
                .unwrap_or(Value::Null);
            let log: Vec<Value> = st
                .log
                .iter()
                .map(|seen| plan::log_entry(seen, &fetch, &ctx.origins, format2))
                .collect();
            let expect = plan::expectation(&shown, log, &ctx.origins, &plan::prefix_of(s));
            st.expects.insert((s, i), expect);
            st.current = None;
            st.log.clear();
            drop(st);
            let _ = ctx.events.send(Event::Step {
                scenario: s,
                step: i,
            });
            response(204, &[], b"")
        }
        _ => response(404, &[], b""),
    }
}

fn reason(status: u16) -> &'static str {
    http::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("Status")
}
