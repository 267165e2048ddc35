//! The README's example, compiled and run as a test: an axum app's CORS
//! setup checked in-process, as Chromium sees it.

use axum::{Router, routing::put};
use browser_cors::Request;
use browser_cors::client::{Browser, tower::TowerTransport};
use http::{HeaderName, HeaderValue, Method};
use tower_http::cors::CorsLayer;

fn app() -> Router {
    let cors = CorsLayer::new()
        .allow_origin(HeaderValue::from_static("https://app.example"))
        .allow_methods([Method::PUT])
        .allow_headers([HeaderName::from_static("x-token")])
        .expose_headers([HeaderName::from_static("x-total")]);
    let save = || async { ([("x-total", "3")], "saved") };
    Router::new().route("/items", put(save)).layer(cors)
}

#[tokio::test]
async fn the_page_can_save_items() {
    let browser = Browser::new(TowerTransport::new(app()), "https://app.example").unwrap();
    let request = Request::get("https://api.example/items".parse().unwrap())
        .method("PUT")
        .header("X-Token", "t")
        .body("{}");
    browser
        .fetch(request)
        .await
        .assert_ok() // when blocked: the console sentence, what the server answered, the fix
        .assert_preflight_asked_for("x-token")
        .assert_readable("x-total"); // Access-Control-Expose-Headers did its job
}
