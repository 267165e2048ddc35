//! What every adapter guarantees the machine (`Transport`'s documentation),
//! one test per guarantee, against servers on 127.0.0.1: a client that
//! follows redirects or keeps cookies fails closed with a typed error, the
//! response comes back whole, a stale kept-alive connection is retried once
//! and nothing else is, and the console line names the request that failed.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use browser_cors::client::middleware::{BrowserError, BrowserMiddleware};
use browser_cors::client::reqwest::ReqwestTransport;
use browser_cors::client::tower::TowerTransport;
use browser_cors::client::{Browser, DynTransport, Transport, TransportErrorKind};
use browser_cors::{CorsError, CredentialsMode, Request, Stage};
use bytes::Bytes;
use http_body_util::Full;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use wiremock::matchers::{any, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const LIMIT: Duration = Duration::from_secs(20);

async fn within<F: Future>(f: F) -> F::Output {
    tokio::time::timeout(LIMIT, f)
        .await
        .expect("the fetch hung")
}

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// Server A answers `/go` with a 307 to B and no CORS header; B answers 200
/// with CORS headers and a secret. A browser blocks at A's redirect.
async fn redirect_to_b() -> (MockServer, MockServer) {
    let a = MockServer::start().await;
    let b = MockServer::start().await;
    Mock::given(path("/go"))
        .respond_with(
            ResponseTemplate::new(307).insert_header("location", format!("{}/x", b.uri())),
        )
        .mount(&a)
        .await;
    Mock::given(any())
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("access-control-allow-origin", "*")
                .set_body_string("B's secret"),
        )
        .mount(&b)
        .await;
    (a, b)
}

const PAGE: &str = "http://app.test";

#[tokio::test]
async fn a_default_reqwest_client_is_refused_before_anything_is_sent() {
    let (a, b) = redirect_to_b().await;
    let browser =
        Browser::new(ReqwestTransport::from_client(reqwest::Client::new()), PAGE).unwrap();
    let fetched =
        within(browser.fetch(Request::get(format!("{}/go", a.uri()).parse().unwrap()))).await;
    assert!(
        fetched.response().is_none(),
        "B's 200 must not reach script"
    );
    assert!(fetched.body.is_none());
    let error = fetched.error().unwrap();
    assert!(
        error.to_string().contains(
            "this reqwest::Client follows redirects: build it with `redirect(Policy::none())`"
        ),
        "{error}"
    );
    assert!(a.received_requests().await.unwrap().is_empty());
    assert!(b.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_custom_policy_that_follows_is_caught_at_the_response() {
    let (a, _b) = redirect_to_b().await;
    // A custom policy cannot be read: accepted, then caught by the URL check.
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::custom(|attempt| {
            attempt.follow()
        }))
        .build()
        .unwrap();
    let transport = ReqwestTransport::from_client(client);
    assert!(transport.refused().is_none());
    let browser = Browser::new(transport, PAGE).unwrap();
    let fetched =
        within(browser.fetch(Request::get(format!("{}/go", a.uri()).parse().unwrap()))).await;
    assert!(
        fetched.response().is_none(),
        "B's 200 must not reach script"
    );
    let error = fetched.error().unwrap();
    assert!(
        matches!(&error.reason, CorsError::Network { detail } if detail.contains("follows redirects") && detail.contains("/x")),
        "{error}"
    );
}

#[tokio::test]
async fn the_middleware_over_a_default_client_fails_closed() {
    let (a, _b) = redirect_to_b().await;
    let mw = BrowserMiddleware::new(PAGE).unwrap();
    let client = reqwest_middleware::ClientBuilder::new(reqwest::Client::new())
        .with(mw)
        .build();
    let result = within(client.get(format!("{}/go", a.uri())).send()).await;
    let Err(reqwest_middleware::Error::Middleware(e)) = result else {
        panic!("B's response reached the caller: {result:?}");
    };
    let Some(BrowserError::Blocked(error)) = e.downcast_ref::<BrowserError>() else {
        panic!("not a browser error: {e}");
    };
    assert!(
        error.to_string().contains("follows redirects (asked for"),
        "{error}"
    );
    assert!(error.to_string().contains("redirect(Policy::none())"));
}

#[tokio::test]
async fn a_client_with_its_own_cookie_store_is_refused() {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(true)
        .build()
        .unwrap();
    let error = browser_cors::client::reqwest::check_client(&client).unwrap_err();
    assert_eq!(error.kind(), TransportErrorKind::OwnCookieStore);
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).insert_header("access-control-allow-origin", "*"))
        .mount(&server)
        .await;
    let browser = Browser::new(ReqwestTransport::from_client(client), PAGE).unwrap();
    let fetched = within(browser.fetch(Request::get(server.uri().parse().unwrap()))).await;
    assert!(
        fetched
            .error()
            .unwrap()
            .to_string()
            .contains("keeps its own cookie store")
    );
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_client_built_right_is_accepted_and_sees_the_redirect() {
    let (a, b) = redirect_to_b().await;
    let transport = ReqwestTransport::from_client(no_redirects());
    assert!(transport.refused().is_none());
    let browser = Browser::new(transport, PAGE).unwrap();
    let fetched =
        within(browser.fetch(Request::get(format!("{}/go", a.uri()).parse().unwrap()))).await;
    // The machine saw the 307 without CORS headers and refused it.
    fetched.assert_blocked("MissingAllowOriginHeader");
    assert_eq!(fetched.exchanges.len(), 1);
    assert_eq!(fetched.exchanges[0].status.map(|s| s.as_u16()), Some(307));
    assert!(b.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn every_set_cookie_line_and_the_whole_body_come_back() {
    // A page on the server's own site: the cookies are first party, so the
    // engine stores both (a cross-site page would store neither in Chromium).
    const PAGE: &str = "http://127.0.0.1:1";
    let server = MockServer::start().await;
    let body = "x".repeat(200_000);
    Mock::given(any())
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("access-control-allow-origin", PAGE)
                .insert_header("access-control-allow-credentials", "true")
                .append_header("set-cookie", "a=1; Path=/")
                .append_header("set-cookie", "b=2; Path=/")
                .set_body_string(body.clone()),
        )
        .mount(&server)
        .await;
    for browser in [
        Browser::new(ReqwestTransport::new().unwrap(), PAGE).unwrap(),
        Browser::new(ReqwestTransport::from_client(no_redirects()), PAGE).unwrap(),
    ] {
        let fetched = within(browser.fetch(
            Request::get(server.uri().parse().unwrap()).credentials(CredentialsMode::Include),
        ))
        .await;
        assert_eq!(fetched.body.as_deref(), Some(body.as_bytes()));
        assert_eq!(browser.cookie_count(), 2);
        // The transport sent no cookie of its own; the browser's come next time.
        let sent = server.received_requests().await.unwrap();
        assert!(sent.iter().all(|r| !r.headers.contains_key("cookie")));
        server.reset().await;
        Mock::given(any())
            .respond_with(
                ResponseTemplate::new(200)
                    .insert_header("access-control-allow-origin", PAGE)
                    .insert_header("access-control-allow-credentials", "true"),
            )
            .mount(&server)
            .await;
        within(browser.fetch(
            Request::get(server.uri().parse().unwrap()).credentials(CredentialsMode::Include),
        ))
        .await;
        let sent = server.received_requests().await.unwrap();
        assert_eq!(sent.len(), 1);
        let cookie = sent[0].headers.get("cookie").unwrap().to_str().unwrap();
        assert!(cookie.contains("a=1") && cookie.contains("b=2"), "{cookie}");
        server.reset().await;
        Mock::given(any())
            .respond_with(
                ResponseTemplate::new(200)
                    .insert_header("access-control-allow-origin", PAGE)
                    .insert_header("access-control-allow-credentials", "true")
                    .append_header("set-cookie", "a=1; Path=/")
                    .append_header("set-cookie", "b=2; Path=/")
                    .set_body_string(body.clone()),
            )
            .mount(&server)
            .await;
    }
}

// ---- the console line names the request that failed ----

/// A loopback URL on a port nobody listens on.
fn closed_port_url() -> url::Url {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    format!("http://127.0.0.1:{port}/items").parse().unwrap()
}

#[tokio::test]
async fn a_failed_preflight_is_named_as_the_options_request() {
    let url = closed_port_url();
    let browser = Browser::new(ReqwestTransport::new().unwrap(), PAGE).unwrap();
    let fetched = within(browser.fetch(Request::get(url.clone()).method("PUT").body("x"))).await;
    let error = fetched.error().unwrap();
    assert_eq!(error.stage, Stage::Preflight);
    assert_eq!(error.method, http::Method::OPTIONS);
    let line = error.to_string();
    assert!(
        line.starts_with(&format!("OPTIONS {url} net::ERR_FAILED")),
        "{line}"
    );
}

type App = tower::util::BoxCloneSyncService<
    http::Request<Full<Bytes>>,
    http::Response<Full<Bytes>>,
    String,
>;

/// An in-process app: `/loop` redirects to itself (307), `/bad` has a
/// Location that is not a URL; both with CORS headers that allow PUT.
fn redirecting_app() -> TowerTransport<App> {
    TowerTransport::new(tower::util::BoxCloneSyncService::new(tower::service_fn(
        |req: http::Request<Full<Bytes>>| async move {
            let mut r = http::Response::builder()
                .header("access-control-allow-origin", "*")
                .header("access-control-allow-methods", "PUT");
            r = match (req.method().as_str(), req.uri().path()) {
                ("OPTIONS", _) => r.status(204),
                (_, "/loop") => r.status(307).header("location", "/loop"),
                _ => r.status(307).header("location", "http://[::1"),
            };
            r.body(Full::new(Bytes::new())).map_err(|e| e.to_string())
        },
    )))
}

#[tokio::test]
async fn redirect_failures_are_named_with_the_request_method() {
    let browser = Browser::new(redirecting_app(), PAGE).unwrap();
    let fetched = within(
        browser.fetch(
            Request::get("http://api.test/loop".parse().unwrap())
                .method("PUT")
                .body("x"),
        ),
    )
    .await;
    assert_eq!(
        fetched.error().unwrap().to_string(),
        "PUT http://api.test/loop net::ERR_TOO_MANY_REDIRECTS"
    );
    let fetched = within(
        browser.fetch(
            Request::get("http://api.test/bad".parse().unwrap())
                .method("PUT")
                .body("x"),
        ),
    )
    .await;
    let line = fetched.error().unwrap().to_string();
    assert!(
        line.starts_with("PUT http://api.test/bad net::ERR_INVALID_REDIRECT"),
        "{line}"
    );
}

// ---- retries ----

/// Reads one request (head and Content-Length body); false when the peer
/// closed first.
async fn read_request(socket: &mut tokio::net::TcpStream) -> bool {
    let mut buf = Vec::new();
    let mut byte = [0u8; 1024];
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
            let length: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0);
            while buf.len() < end + 4 + length {
                match socket.read(&mut byte).await {
                    Ok(0) | Err(_) => return false,
                    Ok(n) => buf.extend_from_slice(&byte[..n]),
                }
            }
            return true;
        }
        match socket.read(&mut byte).await {
            Ok(0) | Err(_) => return false,
            Ok(n) => buf.extend_from_slice(&byte[..n]),
        }
    }
}

/// A server on 127.0.0.1 that answers the first request of each connection
/// with `answer`, then reads the next request on it and closes the
/// connection without answering (the server closed a kept-alive connection
/// just as the client reused it). With `cut`, it closes right after
/// `answer` instead. Counts the requests it read.
async fn closing_server(answer: &'static [u8], cut: bool) -> (url::Url, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/r", listener.local_addr().unwrap())
        .parse()
        .unwrap();
    let count = Arc::new(AtomicUsize::new(0));
    let seen = Arc::clone(&count);
    tokio::spawn(async move {
        while let Ok(Ok((mut socket, _))) = tokio::time::timeout(LIMIT, listener.accept()).await {
            let seen = Arc::clone(&seen);
            tokio::spawn(async move {
                if !read_request(&mut socket).await {
                    return;
                }
                seen.fetch_add(1, Ordering::SeqCst);
                if socket.write_all(answer).await.is_err() || cut {
                    return;
                }
                if read_request(&mut socket).await {
                    seen.fetch_add(1, Ordering::SeqCst);
                }
                // Dropped: closed without a response.
            });
        }
    });
    (url, count)
}

const OK: &[u8] =
    b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\naccess-control-allow-origin: *\r\n\r\nok";

async fn stale_connection_is_retried_once<T: Transport>(
    browser: Browser<T>,
    url: url::Url,
    count: &AtomicUsize,
) {
    let first = within(browser.fetch(Request::get(url.clone()))).await;
    assert_eq!(first.body.as_deref(), Some(&b"ok"[..]));
    // A POST goes out on the kept-alive connection, which the server closes
    // under it: sent again on a fresh connection, as Chromium does.
    let second = within(browser.fetch(Request::get(url).method("POST").body("data"))).await;
    assert!(
        second.error().is_none(),
        "{:?}",
        second.error().map(|e| e.to_string())
    );
    assert_eq!(second.body.as_deref(), Some(&b"ok"[..]));
    assert_eq!(
        count.load(Ordering::SeqCst),
        3,
        "first, the one closed under, the retry"
    );
    // The retry is one exchange as far as the browser is concerned.
    assert_eq!(second.exchanges.len(), 1);
}

#[tokio::test]
async fn a_stale_keep_alive_connection_is_retried_once_reqwest() {
    let (url, count) = closing_server(OK, false).await;
    let browser = Browser::new(ReqwestTransport::new().unwrap(), PAGE).unwrap();
    stale_connection_is_retried_once(browser, url, &count).await;
}

#[tokio::test]
async fn a_stale_keep_alive_connection_is_retried_once_middleware() {
    let (url, count) = closing_server(OK, false).await;
    let mw = BrowserMiddleware::new(PAGE).unwrap();
    let client = reqwest_middleware::ClientBuilder::new(no_redirects())
        .with(mw)
        .build();
    let first = within(client.get(url.clone()).send()).await.unwrap();
    assert_eq!(first.bytes().await.unwrap(), "ok");
    let second = within(client.post(url).body("data").send()).await;
    let second = second.unwrap_or_else(|e| panic!("not retried: {e}"));
    assert_eq!(second.bytes().await.unwrap(), "ok");
    assert_eq!(count.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn a_response_cut_after_its_head_is_not_retried() {
    // The head arrived (and part of the body): the request was answered.
    let (url, count) = closing_server(
        b"HTTP/1.1 200 OK\r\ncontent-length: 10\r\naccess-control-allow-origin: *\r\n\r\nabc",
        true,
    )
    .await;
    let browser = Browser::new(ReqwestTransport::new().unwrap(), PAGE).unwrap();
    let fetched = within(browser.fetch(Request::get(url))).await;
    let error = fetched.error().expect("a cut body is a network error");
    assert_eq!(error.stage, Stage::Network);
    // Give a wrong retry the time to arrive.
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(count.load(Ordering::SeqCst), 1, "not sent again");
}

#[tokio::test]
async fn a_refused_connection_is_not_retried() {
    // Nothing listens: one attempt, one exchange, a network error.
    let browser = Browser::new(ReqwestTransport::new().unwrap(), PAGE).unwrap();
    let fetched = within(browser.fetch(Request::get(closed_port_url()))).await;
    fetched.assert_blocked("Network");
    assert_eq!(fetched.exchanges.len(), 1);
}

// ---- the trait's forms ----

#[test]
fn a_browser_over_any_transport_fetches_in_a_send_future() {
    fn is_send<F: Send>(_: &F) {}
    fn check<T: Transport + 'static>(browser: Browser<T>) {
        let request = Request::get("http://api.test/".parse().unwrap());
        let future = async move { browser.fetch(request).await };
        is_send(&future);
    }
    check(Browser::detached(PAGE).unwrap());
}

#[tokio::test]
async fn a_transport_picked_at_run_time() {
    let pick: Box<dyn DynTransport> = if std::env::var_os("NEVER_SET_BY_ANYONE").is_some() {
        Box::new(ReqwestTransport::new().unwrap())
    } else {
        Box::new(redirecting_app())
    };
    let browser = Browser::new(pick, PAGE).unwrap();
    let fetched =
        within(browser.fetch(Request::get("http://api.test/loop".parse().unwrap()))).await;
    fetched.assert_blocked("TooManyRedirects");
    assert_eq!(fetched.exchanges.len(), 21);
}

// ---- a browser that lives forever ----

#[tokio::test]
async fn the_trace_keeps_the_last_fetches_only() {
    let browser = Browser::new(redirecting_app(), PAGE).unwrap();
    let url: url::Url = "http://api.test/bad".parse().unwrap();
    // Each fetch is one exchange (the 307 with a bad Location).
    for _ in 0..browser_cors::client::DEFAULT_TRACE_LIMIT + 50 {
        let fetched = within(browser.fetch(Request::get(url.clone()))).await;
        assert_eq!(
            fetched.exchanges.len(),
            1,
            "each Fetched keeps its own exchanges"
        );
    }
    assert_eq!(
        browser.trace().len(),
        browser_cors::client::DEFAULT_TRACE_LIMIT
    );
    browser.set_trace_limit(10);
    assert_eq!(browser.trace().len(), 10);
    browser.set_trace_limit(0);
    within(browser.fetch(Request::get(url))).await;
    assert!(browser.trace().is_empty());
}
