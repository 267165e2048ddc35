//! The cookie jar as the credentials mode drives it (over loopback HTTP),
//! and the assertion helpers: each passes on what it claims and panics with
//! a readable message otherwise.

use std::sync::Mutex;

use browser_cors::client::reqwest::ReqwestTransport;
use browser_cors::client::{Browser, Transport, TransportError};
use browser_cors::{CredentialsMode, Request};
use bytes::Bytes;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// The page at 127.0.0.1 on another port: the server is same-site, cross-origin.
const PAGE: &str = "http://127.0.0.1:9";

async fn cookie_server() -> MockServer {
    let server = MockServer::start().await;
    let cors = |t: ResponseTemplate| {
        t.insert_header("access-control-allow-origin", PAGE)
            .insert_header("access-control-allow-credentials", "true")
    };
    Mock::given(path("/login"))
        .respond_with(
            cors(ResponseTemplate::new(200)).insert_header("set-cookie", "sid=42; Path=/"),
        )
        .mount(&server)
        .await;
    Mock::given(path("/me"))
        .respond_with(cors(ResponseTemplate::new(200)))
        .mount(&server)
        .await;
    server
}

fn cookie_of(request: &wiremock::Request) -> Option<String> {
    request
        .headers
        .get("cookie")
        .map(|v| v.to_str().unwrap().to_owned())
}

/// A browser whose jar already holds `pre=1` for `server`.
fn browser_with_cookie(server: &MockServer) -> Browser<ReqwestTransport> {
    let browser = Browser::new(ReqwestTransport::new().unwrap(), PAGE).unwrap();
    browser
        .add_cookie("pre=1; Path=/", &server.uri().parse().unwrap())
        .unwrap();
    browser
}

async fn fetch(browser: &Browser<ReqwestTransport>, url: String, credentials: CredentialsMode) {
    browser
        .fetch(Request::get(url.parse().unwrap()).credentials(credentials))
        .await
        .assert_ok();
}

#[tokio::test]
async fn include_stores_and_sends_cookies() {
    let server = cookie_server().await;
    let browser = Browser::new(ReqwestTransport::new().unwrap(), PAGE).unwrap();
    fetch(
        &browser,
        format!("{}/login", server.uri()),
        CredentialsMode::Include,
    )
    .await;
    fetch(
        &browser,
        format!("{}/me", server.uri()),
        CredentialsMode::Include,
    )
    .await;
    let received = server.received_requests().await.unwrap();
    assert_eq!(cookie_of(&received[0]), None);
    assert_eq!(cookie_of(&received[1]).as_deref(), Some("sid=42"));
}

#[tokio::test]
async fn omit_neither_stores_nor_sends() {
    let server = cookie_server().await;
    let browser = browser_with_cookie(&server);
    fetch(
        &browser,
        format!("{}/login", server.uri()),
        CredentialsMode::Omit,
    )
    .await;
    fetch(
        &browser,
        format!("{}/me", server.uri()),
        CredentialsMode::Include,
    )
    .await;
    let received = server.received_requests().await.unwrap();
    assert_eq!(cookie_of(&received[0]), None, "omit sent a cookie");
    // The jar had `pre` only: the omitted response's Set-Cookie was not stored.
    assert_eq!(cookie_of(&received[1]).as_deref(), Some("pre=1"));
}

#[tokio::test]
async fn same_origin_credentials_stay_home_on_a_cross_origin_request() {
    let server = cookie_server().await;
    let browser = browser_with_cookie(&server);
    let url = format!("{}/login", server.uri());
    browser
        .fetch(Request::get(url.parse().unwrap()))
        .await
        .assert_ok()
        .assert_no_cookie_sent();
    fetch(
        &browser,
        format!("{}/me", server.uri()),
        CredentialsMode::Include,
    )
    .await;
    let received = server.received_requests().await.unwrap();
    assert_eq!(cookie_of(&received[0]), None);
    assert_eq!(cookie_of(&received[1]).as_deref(), Some("pre=1"));
}

#[tokio::test]
async fn the_preflight_never_carries_cookies() {
    let server = MockServer::start().await;
    Mock::given(method("OPTIONS"))
        .respond_with(
            ResponseTemplate::new(204)
                .insert_header("access-control-allow-origin", PAGE)
                .insert_header("access-control-allow-credentials", "true")
                .insert_header("access-control-allow-methods", "PUT"),
        )
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("access-control-allow-origin", PAGE)
                .insert_header("access-control-allow-credentials", "true"),
        )
        .mount(&server)
        .await;
    let browser = browser_with_cookie(&server);
    let url = format!("{}/r", server.uri()).parse().unwrap();
    browser
        .fetch(
            Request::get(url)
                .method("PUT")
                .credentials(CredentialsMode::Include),
        )
        .await
        .assert_ok()
        .assert_preflighted()
        .assert_cookie_sent();
    let received = server.received_requests().await.unwrap();
    assert_eq!(
        cookie_of(&received[0]),
        None,
        "the preflight carried a cookie"
    );
    assert_eq!(cookie_of(&received[1]).as_deref(), Some("pre=1"));
}

/// A server in memory: the same answer to every request, and a log.
struct Canned {
    headers: Vec<(&'static str, &'static str)>,
    seen: Mutex<Vec<String>>,
}

impl Transport for Canned {
    async fn send(
        &self,
        request: http::Request<Bytes>,
    ) -> Result<http::Response<Bytes>, TransportError> {
        self.seen.lock().unwrap().push(request.method().to_string());
        let mut builder = http::Response::builder().status(200);
        for (n, v) in &self.headers {
            builder = builder.header(*n, *v);
        }
        Ok(builder.body(Bytes::from("body")).unwrap())
    }
}

fn browser(headers: Vec<(&'static str, &'static str)>) -> Browser<Canned> {
    let canned = Canned {
        headers,
        seen: Mutex::new(Vec::new()),
    };
    Browser::new(canned, "https://app.example").unwrap()
}

fn block_on<F: Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(f)
}

fn get(url: &str) -> Request {
    Request::get(url.parse().unwrap())
}

const OPEN: (&str, &str) = ("access-control-allow-origin", "https://app.example");

#[test]
fn assertions_pass_on_what_they_claim() {
    let b = browser(vec![
        OPEN,
        ("access-control-allow-headers", "x-token"),
        ("access-control-expose-headers", "x-a"),
        ("x-a", "1"),
        ("x-b", "2"),
    ]);
    let f = block_on(b.fetch(get("https://api.example/").header("X-Token", "1")));
    f.assert_ok()
        .assert_status(200)
        .assert_preflighted()
        .assert_preflight_asked_for("X-Token")
        .assert_readable("X-A")
        .assert_not_readable("x-b")
        .assert_no_cookie_sent();
    assert_eq!(f.expect_response().status, 200);
    // The preflight is cached now.
    block_on(b.fetch(get("https://api.example/").header("X-Token", "1"))).assert_not_preflighted();
    block_on(browser(vec![]).fetch(get("https://api.example/")))
        .assert_blocked("MissingAllowOriginHeader");
}

#[test]
#[should_panic(
    expected = "expected fetch() to be blocked with MissingAllowOriginHeader, but fetch() resolved: type cors, status 200"
)]
fn assert_blocked_says_what_happened_instead() {
    block_on(browser(vec![OPEN]).fetch(get("https://api.example/")))
        .assert_blocked("MissingAllowOriginHeader");
}

#[test]
#[should_panic(
    expected = "No 'Access-Control-Allow-Origin' header is present on the requested resource."
)]
fn assert_ok_quotes_the_console() {
    block_on(browser(vec![]).fetch(get("https://api.example/"))).assert_ok();
}

#[test]
#[should_panic(
    expected = "expected script to read header \"x-b\", but fetch() resolved: type cors, status 200, readable headers [\"content-type\"]"
)]
fn assert_readable_lists_the_readable_names() {
    block_on(
        browser(vec![OPEN, ("content-type", "text/plain"), ("x-b", "1")])
            .fetch(get("https://api.example/")),
    )
    .assert_readable("x-b");
}

#[test]
#[should_panic(expected = "expected header \"content-type\" to be hidden from script")]
fn assert_not_readable_fails_on_a_readable_header() {
    block_on(
        browser(vec![OPEN, ("content-type", "text/plain")]).fetch(get("https://api.example/")),
    )
    .assert_not_readable("content-type");
}

#[test]
#[should_panic(
    expected = "expected a preflight asking for \"x-other\", but the preflights asked for [\"x-token\"]"
)]
fn assert_preflight_asked_for_shows_what_was_asked() {
    block_on(
        browser(vec![OPEN, ("access-control-allow-headers", "x-token")])
            .fetch(get("https://api.example/").header("X-Token", "1")),
    )
    .assert_preflight_asked_for("x-other");
}

#[test]
#[should_panic(
    expected = "expected a preflight, but none was sent (requests: GET https://api.example/ -> 200)"
)]
fn assert_preflighted_lists_the_requests() {
    block_on(browser(vec![OPEN]).fetch(get("https://api.example/"))).assert_preflighted();
}

#[test]
#[should_panic(expected = "expected no preflight, but one was sent")]
fn assert_not_preflighted_fails_on_a_preflight() {
    block_on(browser(vec![OPEN]).fetch(get("https://api.example/").method("PUT")))
        .assert_not_preflighted();
}

#[test]
#[should_panic(expected = "expected status 404, but fetch() resolved: type cors, status 200")]
fn assert_status_fails_on_another_status() {
    block_on(browser(vec![OPEN]).fetch(get("https://api.example/"))).assert_status(404);
}

#[test]
#[should_panic(expected = "expected a Cookie header on the request, but none was sent")]
fn assert_cookie_sent_fails_without_a_cookie() {
    block_on(browser(vec![OPEN]).fetch(get("https://api.example/"))).assert_cookie_sent();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_browser_is_shared_across_tasks() {
    fn shareable<T: Clone + Send + Sync + 'static>(_: &T) {}
    let b = browser(vec![OPEN, ("access-control-allow-methods", "PUT")]);
    shareable(&b);
    let tasks: Vec<_> = (0..4)
        .map(|_| {
            let b = b.clone();
            tokio::spawn(async move { b.fetch(get("https://api.example/").method("PUT")).await })
        })
        .collect();
    for t in tasks {
        t.await.unwrap().assert_ok();
    }
    // Four actual requests, and at least one preflight (the tasks race for the cache).
    let trace = b.take_trace();
    let puts = trace.iter().filter(|e| e.request.method == "PUT").count();
    assert_eq!(puts, 4);
    assert!(
        trace.len() >= 5 && trace.len() <= 8,
        "{} exchanges",
        trace.len()
    );
    assert!(b.trace().is_empty(), "take_trace empties the trace");
}
