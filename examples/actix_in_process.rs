//! Test an actix-web app's CORS setup (`actix-cors`) in-process, as Chromium
//! would see it: no socket, no browser. `actix_web::test::init_service`
//! builds the app as a service, which is not `Send`, so a `Browser` over an
//! `ActixTransport` is driven with `fetch_local` on the actix `System`'s
//! thread; it sends the app the preflight and the request, and the
//! assertions say what script in the page would get.
//!
//! Run: `cargo run --example actix_in_process --all-features` (exits non-zero
//! if the correct app is refused or the broken one is not caught).

use actix_cors::Cors;
use actix_web::{App, HttpResponse, web};
use browser_cors::Request;
use browser_cors::client::{Browser, Fetched, actix::ActixTransport};

/// The app under test: `PUT /items` for the page at https://app.example,
/// behind the CORS middleware `cors` builds.
async fn fetch_from_page(cors: fn() -> Cors) -> Fetched {
    let app = actix_web::test::init_service(App::new().wrap(cors()).route(
        "/items",
        web::put().to(|| async {
            HttpResponse::Ok()
                .insert_header(("x-total", "3"))
                .body("saved")
        }),
    ))
    .await;
    let browser = Browser::new(ActixTransport::new(app), "https://app.example").unwrap();
    let url = "https://api.example/items".parse().unwrap();
    let request = Request::get(url)
        .method("PUT")
        .header("X-Token", "t")
        .body("{}");
    browser.fetch_local(request).await
}

fn correct() -> Cors {
    Cors::default()
        .allowed_origin("https://app.example")
        .allowed_methods(["PUT"])
        .allowed_header("x-token")
        .expose_headers(["x-total"])
}

/// Broken: the preflight does not allow the X-Token header.
fn broken() -> Cors {
    Cors::default()
        .allowed_origin("https://app.example")
        .allowed_methods(["PUT"])
        .expose_headers(["x-total"])
}

fn main() {
    actix_web::rt::System::new().block_on(async {
        fetch_from_page(correct)
            .await
            .assert_ok()
            .assert_preflight_asked_for("x-token")
            .assert_readable("x-total");
        println!("correct actix-cors setup: the page can save items");

        let fetched = fetch_from_page(broken).await;
        if fetched.response().is_some() {
            eprintln!("the broken actix-cors setup was not caught");
            std::process::exit(1);
        }
        println!(
            "broken actix-cors setup: {}",
            fetched.error().map(ToString::to_string).unwrap_or_default()
        );
        // actix-cors answers a preflight it refuses with 400 and no CORS headers.
        fetched.assert_preflighted();
    });
}
