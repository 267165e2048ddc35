//! A crawler-like client made browser-like with one line: the
//! `BrowserMiddleware` in a `reqwest_middleware` chain, against a live local
//! server (axum on 127.0.0.1, started here).
//!
//! Run: `cargo run --example crawler_middleware --all-features` (exits
//! non-zero if an outcome is not the expected one).

use axum::Router;
use axum::response::Redirect;
use axum::routing::get;
use browser_cors::CredentialsMode;
use browser_cors::client::middleware::{BrowserError, BrowserMiddleware};

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let app = Router::new()
        .route(
            "/open",
            get(|| async { ([("access-control-allow-origin", "*")], "public data") }),
        )
        .route("/private", get(|| async { "no CORS headers here" }))
        .route(
            "/moved",
            get(|| async {
                (
                    [("access-control-allow-origin", "*")],
                    Redirect::temporary("/open"),
                )
            }),
        )
        .route(
            "/session",
            get(|| async {
                (
                    [("access-control-allow-origin", "https://app.example")],
                    "needs credentials",
                )
            }),
        );
    tokio::spawn(async move { axum::serve(listener, app).await });

    // The crawler's existing client: redirects off, no cookie store.
    let inner = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let browser = BrowserMiddleware::new("https://app.example").unwrap();
    let client = reqwest_middleware::ClientBuilder::new(inner)
        .with(browser.clone()) // the one line
        .build();

    let mut failures = 0;
    for (path, credentials, expected) in [
        ("/open", CredentialsMode::SameOrigin, "200 public data"),
        (
            "/private",
            CredentialsMode::SameOrigin,
            "blocked: MissingAllowOriginHeader",
        ),
        ("/moved", CredentialsMode::SameOrigin, "200 public data"),
        (
            "/session",
            CredentialsMode::Include,
            "blocked: InvalidAllowCredentials",
        ),
    ] {
        let url = format!("{base}{path}");
        let got = match client.get(&url).with_extension(credentials).send().await {
            Ok(response) => format!(
                "{} {}",
                response.status().as_u16(),
                response.text().await.unwrap_or_default()
            ),
            Err(reqwest_middleware::Error::Middleware(e)) => match e.downcast_ref::<BrowserError>()
            {
                Some(BrowserError::Blocked(error)) => {
                    println!("  console: {error}");
                    format!("blocked: {}", error.reason.code())
                }
                _ => format!("error: {e}"),
            },
            Err(e) => format!("error: {e}"),
        };
        let ok = got == expected;
        failures += usize::from(!ok);
        println!("{} {path}: {got}", if ok { "ok  " } else { "FAIL" });
    }
    let trace = browser.browser().trace();
    println!("{} requests went on the wire", trace.len());
    if failures > 0 || trace.len() != 5 {
        eprintln!("{failures} unexpected outcomes");
        std::process::exit(1);
    }
}
