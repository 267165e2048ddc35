//! Bad input through the adapters: a transport error, a body that cannot be
//! replayed on a 307, a response with invalid header bytes, a redirect loop.
//! Each must end in a clear error, never a panic or a hang (every test runs
//! under a timeout).

use std::io::{Read, Write};
use std::net::TcpListener;
use std::time::Duration;

use browser_cors::client::middleware::{BrowserError, BrowserMiddleware};
use browser_cors::client::reqwest::ReqwestTransport;
use browser_cors::client::tower::TowerTransport;
use browser_cors::client::{Browser, Transport, TransportError};
use browser_cors::{CorsError, Request, Stage};
use bytes::Bytes;
use http_body_util::Full;
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

const PAGE: &str = "http://127.0.0.1:9";
const LIMIT: Duration = Duration::from_secs(20);

async fn within<F: Future>(f: F) -> F::Output {
    tokio::time::timeout(LIMIT, f)
        .await
        .expect("the fetch hung")
}

/// A loopback URL on a port nobody listens on: bound, then dropped, so the
/// port is (very likely) closed.
fn closed_port_url() -> url::Url {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    format!("http://127.0.0.1:{port}/r").parse().unwrap()
}

#[tokio::test]
async fn connection_refused_is_a_network_error() {
    let browser = Browser::new(ReqwestTransport::new().unwrap(), PAGE).unwrap();
    let fetched = within(browser.fetch(Request::get(closed_port_url()))).await;
    let error = fetched.error().expect("a network error");
    assert_eq!(error.stage, Stage::Network);
    assert!(matches!(&error.reason, CorsError::Network { detail } if !detail.is_empty()));
    assert_eq!(fetched.exchanges.len(), 1);
    assert_eq!(fetched.exchanges[0].status, None);
    fetched.assert_blocked("Network");
}

#[tokio::test]
async fn a_preflight_transport_error_is_a_preflight_failure() {
    let browser = Browser::new(ReqwestTransport::new().unwrap(), PAGE).unwrap();
    let fetched = within(browser.fetch(Request::get(closed_port_url()).method("PUT"))).await;
    assert_eq!(
        fetched.error().expect("a network error").stage,
        Stage::Preflight
    );
    fetched.assert_preflighted();
}

/// A raw TCP server that answers every connection with `response` bytes.
fn raw_server(response: &'static [u8]) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(8) {
            let Ok(mut stream) = stream else { return };
            let mut buf = [0u8; 4096];
            let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
            let _ = stream.read(&mut buf);
            let _ = stream.write_all(response);
        }
    });
    port
}

#[tokio::test]
async fn invalid_header_bytes_in_a_response_are_a_network_error() {
    // A NUL byte in a header value: hyper refuses the response.
    let port = raw_server(b"HTTP/1.1 200 OK\r\nAccess-Control-Allow-Origin: *\r\nX-Bad: a\0b\r\nContent-Length: 0\r\n\r\n");
    let browser = Browser::new(ReqwestTransport::new().unwrap(), PAGE).unwrap();
    let url = format!("http://127.0.0.1:{port}/r").parse().unwrap();
    let fetched = within(browser.fetch(Request::get(url))).await;
    let error = fetched.error().expect("a network error");
    assert_eq!(error.stage, Stage::Network, "{error}");
    assert!(
        matches!(&error.reason, CorsError::Network { detail } if detail.contains("127.0.0.1")),
        "the detail should name the request: {error:?}"
    );
    assert_eq!(fetched.exchanges.len(), 1);
    assert_eq!(fetched.exchanges[0].status, None);
}

#[tokio::test]
async fn a_redirect_loop_ends_with_a_network_error() {
    let server = MockServer::start().await;
    let loop_url = format!("{}/loop", server.uri());
    Mock::given(any())
        .respond_with(
            ResponseTemplate::new(302)
                .insert_header("location", loop_url.as_str())
                .insert_header("access-control-allow-origin", "*"),
        )
        .mount(&server)
        .await;
    let browser = Browser::new(ReqwestTransport::new().unwrap(), PAGE).unwrap();
    let fetched = within(browser.fetch(Request::get(loop_url.parse().unwrap()))).await;
    let error = fetched.error().expect("a network error");
    assert_eq!(error.stage, Stage::Redirect, "{error}");
    // 20 redirects are followed, the 21st is refused: 21 requests.
    assert_eq!(fetched.exchanges.len(), 21);
    assert_eq!(server.received_requests().await.unwrap().len(), 21);
}

#[tokio::test]
async fn a_streaming_body_through_the_middleware_is_refused_before_sending() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).insert_header("access-control-allow-origin", "*"))
        .mount(&server)
        .await;
    let inner = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let mw = BrowserMiddleware::new(PAGE).unwrap();
    let client = reqwest_middleware::ClientBuilder::new(inner)
        .with(mw.clone())
        .build();
    // A body reqwest only knows as a stream of frames (not replayable).
    let body = reqwest::Body::wrap(Full::new(Bytes::from("ab")));
    let result = within(client.post(format!("{}/r", server.uri())).body(body).send()).await;
    let Err(reqwest_middleware::Error::Middleware(e)) = result else {
        panic!("expected a middleware error, got {result:?}")
    };
    assert!(
        matches!(
            e.downcast_ref::<BrowserError>(),
            Some(BrowserError::StreamingBody)
        ),
        "{e}"
    );
    assert!(e.to_string().contains("307/308"));
    assert!(server.received_requests().await.unwrap().is_empty());
    assert!(mw.browser().trace().is_empty());
}

#[tokio::test]
async fn a_307_resends_the_body_to_the_next_hop() {
    let server = MockServer::start().await;
    let target = format!("{}/target", server.uri());
    Mock::given(wiremock::matchers::path("/start"))
        .respond_with(
            ResponseTemplate::new(307)
                .insert_header("location", target.as_str())
                .insert_header("access-control-allow-origin", "*"),
        )
        .mount(&server)
        .await;
    Mock::given(wiremock::matchers::path("/target"))
        .respond_with(ResponseTemplate::new(200).insert_header("access-control-allow-origin", "*"))
        .mount(&server)
        .await;
    let browser = Browser::new(ReqwestTransport::new().unwrap(), PAGE).unwrap();
    let url = format!("{}/start", server.uri()).parse().unwrap();
    let fetched = within(browser.fetch(Request::get(url).method("POST").body("payload"))).await;
    fetched.assert_ok().assert_status(200);
    let received = server.received_requests().await.unwrap();
    assert_eq!(received.len(), 2);
    assert_eq!(received[1].body, b"payload");
    assert_eq!(received[1].method.as_str(), "POST");
}

#[tokio::test]
async fn a_failing_tower_service_is_a_network_error() {
    let app = tower::service_fn(|_req: http::Request<Full<Bytes>>| async {
        Err::<http::Response<Full<Bytes>>, _>("the app crashed")
    });
    let browser = Browser::new(TowerTransport::new(app), PAGE).unwrap();
    let fetched =
        within(browser.fetch(Request::get("http://127.0.0.1:1/x".parse().unwrap()))).await;
    let error = fetched.error().expect("a network error");
    assert!(
        matches!(&error.reason, CorsError::Network { detail } if detail.contains("the app crashed")),
        "{error:?}"
    );
}

/// A transport that fails every request after the first: the browser stops
/// at the failure, it does not retry or spin.
struct FailAfterFirst(std::sync::atomic::AtomicUsize);

impl Transport for FailAfterFirst {
    async fn send(
        &self,
        _r: http::Request<Bytes>,
    ) -> Result<http::Response<Bytes>, TransportError> {
        if self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 0 {
            Ok(http::Response::builder()
                .status(307)
                .header("location", "/next")
                .header("access-control-allow-origin", "*")
                .body(Bytes::new())
                .unwrap())
        } else {
            Err(TransportError::other("connection reset"))
        }
    }
}

#[tokio::test]
async fn a_transport_error_mid_redirect_stops_the_fetch() {
    let browser = Browser::new(FailAfterFirst(0.into()), PAGE).unwrap();
    let fetched =
        within(browser.fetch(Request::get("http://127.0.0.1:1/start".parse().unwrap()))).await;
    let error = fetched.error().expect("a network error");
    assert!(matches!(&error.reason, CorsError::Network { detail } if detail == "connection reset"));
    assert_eq!(fetched.exchanges.len(), 2);
    assert_eq!(browser.trace().len(), 2);
}
