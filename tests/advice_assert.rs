//! The assertion helpers print the library's advice: what the server
//! answered and what to change. Each server here is a `Transport` that
//! answers with the heads the named stack sends (written from those stacks'
//! behaviour, not from this crate's output).

use browser_cors::client::{Browser, Transport, TransportError};
use browser_cors::{CredentialsMode, Request};
use bytes::Bytes;

const PAGE: &str = "https://app.example";
const URL: &str = "https://api.example/items";

/// Answers `OPTIONS` with `preflight` and anything else with `actual`.
struct Scripted {
    preflight: (u16, Vec<(&'static str, &'static str)>),
    actual: (u16, Vec<(&'static str, &'static str)>),
}

impl Transport for Scripted {
    async fn send(
        &self,
        req: http::Request<Bytes>,
    ) -> Result<http::Response<Bytes>, TransportError> {
        let (status, headers) = if req.method() == http::Method::OPTIONS {
            &self.preflight
        } else {
            &self.actual
        };
        let mut r = http::Response::builder().status(*status);
        for (n, v) in headers {
            r = r.header(*n, *v);
        }
        Ok(r.body(Bytes::new()).unwrap())
    }
}

fn panic_message(f: impl FnOnce() + std::panic::UnwindSafe) -> String {
    let err = std::panic::catch_unwind(f).expect_err("the assertion should fail");
    err.downcast_ref::<String>()
        .cloned()
        .or_else(|| err.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap()
}

fn fetch(server: Scripted, request: Request) -> browser_cors::client::Fetched {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let browser = Browser::new(server, PAGE).unwrap();
    rt.block_on(browser.fetch(request))
}

#[test]
fn assert_ok_on_a_preflight_an_auth_layer_refused_names_the_401_and_the_fix() {
    // Express, with its auth middleware registered before cors(): the
    // preflight carries no Authorization, so it is refused with 401.
    let server = Scripted {
        preflight: (
            401,
            vec![("x-powered-by", "Express"), ("www-authenticate", "Bearer")],
        ),
        actual: (200, vec![]),
    };
    let f = fetch(
        server,
        Request::get(URL.parse().unwrap()).header("Authorization", "Bearer t"),
    );
    let msg = panic_message(|| {
        f.assert_ok();
    });
    assert_eq!(
        msg,
        "expected fetch() to resolve, but fetch() rejected (MissingAllowOriginHeader): \
Access to fetch at 'https://api.example/items' from origin 'https://app.example' has been blocked by CORS policy: \
Response to preflight request doesn't pass access control check: No 'Access-Control-Allow-Origin' header is present on the requested resource.
  what happened: OPTIONS answered 401, without CORS headers (an auth layer?) (preflight)
  fix: Express: app.use(cors(...)) before the auth middleware: cors answers OPTIONS with 204 itself (or app.options('*', cors()) first)
  fix: OPTIONS answered 401: let preflights (OPTIONS) through the auth layer before authentication (a preflight never carries cookies or Authorization) and answer them with 204 and the CORS headers"
    );
}

#[test]
fn assert_ok_on_a_wildcard_with_credentials_says_what_flask_cors_needs() {
    // flask-cors behind Werkzeug, configured by hand to send * and credentials.
    let server = Scripted {
        preflight: (404, vec![]),
        actual: (
            200,
            vec![
                ("server", "Werkzeug/3.0.1 Python/3.12.1"),
                ("access-control-allow-origin", "*"),
                ("access-control-allow-credentials", "true"),
                ("content-type", "application/json"),
            ],
        ),
    };
    let f = fetch(
        server,
        Request::get(URL.parse().unwrap()).credentials(CredentialsMode::Include),
    );
    let msg = panic_message(|| {
        f.expect_response();
    });
    assert_eq!(
        msg,
        "expected fetch() to resolve, but fetch() rejected (WildcardOriginNotAllowed): \
Access to fetch at 'https://api.example/items' from origin 'https://app.example' has been blocked by CORS policy: \
The value of the 'Access-Control-Allow-Origin' header in the response must not be the wildcard '*' when the request's credentials mode is 'include'.
  what happened: * with credentials (on a 200) (response)
  fix: Flask: CORS(app, origins=['https://app.example'], supports_credentials=True) (flask-cors then echoes the origin)
  fix: send Access-Control-Allow-Origin: https://app.example (echo the request's Origin when it is in your allow-list) with Vary: Origin and Access-Control-Allow-Credentials: true; * never works when credentials are included"
    );
}

#[test]
fn assert_readable_on_a_header_not_exposed_says_to_expose_it() {
    let server = Scripted {
        preflight: (404, vec![]),
        actual: (
            200,
            vec![
                ("access-control-allow-origin", PAGE),
                ("vary", "Origin"),
                ("x-total-count", "3"),
            ],
        ),
    };
    let f = fetch(server, Request::get(URL.parse().unwrap()));
    f.assert_ok();
    let msg = panic_message(|| {
        f.assert_readable("X-Total-Count");
    });
    assert_eq!(
        msg,
        "expected script to read header \"X-Total-Count\", but fetch() resolved: type cors, status 200, readable headers []
  the server sent x-total-count, but script reads only the safelisted headers and those listed in Access-Control-Expose-Headers
  fix: add x-total-count to Access-Control-Expose-Headers"
    );
}

#[test]
fn assert_blocked_with_the_wrong_code_shows_the_starlette_method_fix() {
    // FastAPI's CORSMiddleware(allow_origins=[...]) alone: allow_methods is
    // GET only, and a PUT preflight is answered 400 'Disallowed CORS method'.
    let server = Scripted {
        preflight: (
            400,
            vec![
                ("server", "uvicorn"),
                ("access-control-allow-origin", PAGE),
                ("access-control-allow-methods", "GET"),
                ("access-control-max-age", "600"),
                ("vary", "Origin"),
                ("content-type", "text/plain; charset=utf-8"),
            ],
        ),
        actual: (200, vec![]),
    };
    let f = fetch(server, Request::get(URL.parse().unwrap()).method("PUT"));
    let msg = panic_message(|| {
        f.assert_blocked("HeaderDisallowedByPreflightResponse");
    });
    assert!(
        msg.ends_with(
            "\n  what happened: OPTIONS answered 400: PUT not in Access-Control-Allow-Methods (preflight)
  fix: FastAPI/Starlette: add 'PUT' to CORSMiddleware(allow_methods=[...]) (the default is ['GET'], ['*'] allows every method); it answers 400 'Disallowed CORS method' otherwise
  fix: the OPTIONS response must list PUT in Access-Control-Allow-Methods"
        ),
        "{msg}"
    );
    assert!(msg.contains("(PreflightInvalidStatus)"), "{msg}");
}

// ---- The real axum + tower-http, in-process: the fingerprints and causes
// come from what that stack really sends, not from a copy of its headers.

mod real_axum {
    use axum::{Router, routing::get};
    use browser_cors::advice::{Cause, Stack};
    use browser_cors::client::{Browser, tower::TowerTransport};
    use browser_cors::{CredentialsMode, Request};
    use http::{HeaderValue, Method};
    use tower_http::cors::CorsLayer;

    fn app(cors: Option<CorsLayer>) -> Router {
        let r = Router::new().route("/items", get(|| async { "[]" }).put(|| async { "saved" }));
        match cors {
            Some(c) => r.layer(c),
            None => r,
        }
    }

    async fn advice_for(app: Router, request: Request) -> browser_cors::Advice {
        let browser = Browser::new(TowerTransport::new(app), super::PAGE).unwrap();
        browser.fetch(request).await.advice().expect("a refusal")
    }

    fn put() -> Request {
        Request::get(super::URL.parse().unwrap()).method("PUT")
    }

    #[tokio::test]
    async fn permissive_layer_with_credentials() {
        let a = advice_for(
            app(Some(CorsLayer::permissive())),
            Request::get(super::URL.parse().unwrap()).credentials(CredentialsMode::Include),
        )
        .await;
        assert_eq!(
            (a.cause, a.stack),
            (Cause::WildcardWithCredentials, Some(Stack::Axum))
        );
    }

    #[tokio::test]
    async fn no_cors_layer_is_an_empty_405() {
        let a = advice_for(app(None), put()).await;
        assert_eq!(
            (a.cause, a.stack, a.status),
            (Cause::PreflightNotHandled, Some(Stack::Axum), Some(405))
        );
    }

    #[tokio::test]
    async fn a_method_the_layer_does_not_allow() {
        let cors = CorsLayer::new()
            .allow_origin(HeaderValue::from_static("https://app.example"))
            .allow_methods([Method::GET]);
        let a = advice_for(app(Some(cors)), put()).await;
        assert_eq!(
            (a.cause, a.stack),
            (Cause::MethodNotAllowed, Some(Stack::Axum))
        );
        assert_eq!(
            a.fixes()[0],
            "axum + tower-http: add Method::PUT to CorsLayer::new()...allow_methods([...])"
        );
    }
}

#[tokio::test]
async fn a_withheld_cookie_assertion_says_why() {
    // The API sets a Lax cookie on a credentialed cross-site response:
    // Chromium refuses to store it, so the next request carries none.
    let app = axum::Router::new().route(
        "/login",
        axum::routing::get(|| async {
            (
                [
                    ("access-control-allow-origin", "https://app.example"),
                    ("access-control-allow-credentials", "true"),
                    ("set-cookie", "session=1; SameSite=Lax; Secure"),
                ],
                "ok",
            )
        }),
    );
    let browser = browser_cors::client::Browser::new(
        browser_cors::client::tower::TowerTransport::new(app),
        "https://app.example",
    )
    .unwrap();
    let login = browser
        .fetch(
            browser_cors::Request::get("https://api.example/login".parse().unwrap())
                .credentials(browser_cors::CredentialsMode::Include),
        )
        .await;
    let panic = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        login.assert_cookie_named_sent("session");
    }))
    .unwrap_err();
    let message = panic.downcast_ref::<String>().unwrap();
    assert!(
        message.ends_with(
            "\n  cookie `session` was not stored from https://api.example/login: a cross-site response may not set a SameSite=Lax/Strict cookie; a cross-site response can only set `SameSite=None; Secure` cookies"
        ),
        "{message}"
    );
}
