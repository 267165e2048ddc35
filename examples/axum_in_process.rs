//! Test an axum app's CORS setup in-process, as Chromium would see it: no
//! socket, no browser. The app is a `tower::Service`, so a `Browser` over a
//! `TowerTransport` sends it the preflight and the request, and the
//! assertions say what script in the page would get.
//!
//! Run: `cargo run --example axum_in_process --all-features` (exits non-zero
//! if the correct app is refused or the broken one is not caught).

use axum::Router;
use axum::routing::put;
use browser_cors::Request;
use browser_cors::client::{Browser, Fetched, tower::TowerTransport};
use http::{HeaderName, HeaderValue, Method};
use tower_http::cors::CorsLayer;

/// The app under test: `PUT /items` for the page at https://app.example.
fn app(cors: CorsLayer) -> Router {
    let handler = || async { ([("x-total", "3")], "saved") };
    Router::new().route("/items", put(handler)).layer(cors)
}

// ---- The test: this is all a project needs (17 lines). ----
async fn fetch_from_page(app: Router) -> Fetched {
    let browser = Browser::new(TowerTransport::new(app), "https://app.example").unwrap();
    let url = "https://api.example/items".parse().unwrap();
    let request = Request::get(url)
        .method("PUT")
        .header("X-Token", "t")
        .body("{}");
    browser.fetch(request).await
}

async fn the_page_can_save_items(app: Router) {
    fetch_from_page(app)
        .await
        .assert_ok()
        .assert_preflight_asked_for("x-token")
        .assert_readable("x-total");
}
// ---- end of the test ----

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let origin = HeaderValue::from_static("https://app.example");
    let correct = CorsLayer::new()
        .allow_origin(origin.clone())
        .allow_methods([Method::PUT])
        .allow_headers([HeaderName::from_static("x-token")])
        .expose_headers([HeaderName::from_static("x-total")]);
    // Broken: the preflight does not allow the X-Token header.
    let broken = CorsLayer::new()
        .allow_origin(origin)
        .allow_methods([Method::PUT])
        .expose_headers([HeaderName::from_static("x-total")]);

    the_page_can_save_items(app(correct)).await;
    println!("correct CORS layer: the page can save items");

    let fetched = fetch_from_page(app(broken.clone())).await;
    fetched.assert_blocked("HeaderDisallowedByPreflightResponse");
    println!(
        "broken CORS layer: {}",
        fetched.error().map(ToString::to_string).unwrap_or_default()
    );

    // The same test, run on the broken app, fails (panics) as it should.
    // (Silence the default panic report; the message is printed below.)
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let failed = tokio::spawn(the_page_can_save_items(app(broken))).await;
    std::panic::set_hook(default_hook);
    match failed {
        Err(e) if e.is_panic() => {
            let payload = e.into_panic();
            let message = payload
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            println!("the test fails on the broken app, as it should:\n  {message}");
        }
        _ => {
            eprintln!("the test passed on a broken CORS layer");
            std::process::exit(1);
        }
    }
}
