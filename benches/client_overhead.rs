//! The emulator's overhead per request against the same client without it,
//! on loopback, in one criterion run:
//!
//! - `bare_get` / `browser_get`: a GET that needs no preflight (the server
//!   sends `Access-Control-Allow-Origin: *`), through a plain
//!   `reqwest::Client` and through `Browser<ReqwestTransport>` built on an
//!   identically configured client;
//! - `bare_put` / `browser_put_cached_preflight`: a PUT with `X-Token`,
//!   which needs a preflight; the preflight is cached before measuring, and
//!   the bench checks afterwards that no further OPTIONS reached the server.
//!
//! - `*_no_trace`: the same with `Browser::set_trace(false)` (the trace
//!   otherwise keeps every exchange, and grows through the run);
//! - `in_memory_*`: the browser over a transport that answers from memory,
//!   the emulator's own cost per fetch;
//! - `paired/*`: the fair comparison, robust to a busy machine. Each
//!   iteration sends one request through the plain client (with the headers
//!   a browser adds) and one through `Browser`, in alternating order, and
//!   each case times only its own request: both see the same machine state.
//!   The bench prints the ratio of the two means at the end;
//! - `paired_one_thread/*`: the same with client and server on one
//!   current-thread runtime (a `#[tokio::test]`'s setup): no cross-thread
//!   wake-up, so the least noisy loopback figure.
//!
//! Run: `cargo bench --bench client_overhead --all-features`.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::routing::get;
use browser_cors::client::reqwest::ReqwestTransport;
use browser_cors::client::{Browser, Transport};
use browser_cors::{Profile, Request};
use criterion::{Criterion, criterion_group, criterion_main};

static OPTIONS: AtomicUsize = AtomicUsize::new(0);
static CONNECTIONS: AtomicUsize = AtomicUsize::new(0);

/// A server in memory that allows everything the bench sends.
struct Canned;

impl browser_cors::client::Transport for Canned {
    async fn send(
        &self,
        _request: http::Request<bytes::Bytes>,
    ) -> Result<http::Response<bytes::Bytes>, browser_cors::client::TransportError> {
        Ok(http::Response::builder()
            .status(200)
            .header("access-control-allow-origin", "*")
            .header("access-control-allow-methods", "PUT")
            .header("access-control-allow-headers", "x-token")
            .header("access-control-max-age", "600")
            .body(bytes::Bytes::from_static(b"ok"))
            .unwrap_or_default())
    }
}

/// The headers a Chromium page at `page` adds to a cross-site GET to a
/// loopback server. The setup checks that the browser really sends exactly
/// these, so the two sides put the same bytes on the wire.
fn browser_headers<'a>(page: &'a str, profile: &'a Profile) -> [(&'static str, &'a str); 7] {
    [
        ("origin", page),
        ("accept", "*/*"),
        ("accept-language", profile.defaults.accept_language),
        ("user-agent", profile.defaults.user_agent),
        ("sec-fetch-mode", "cors"),
        ("sec-fetch-site", "cross-site"),
        ("sec-fetch-dest", "empty"),
    ]
}

/// What the plain client sends: the browser's own headers, so that the
/// difference is the emulator's work, not bytes on the wire.
async fn bare_with_browser_headers(
    client: &reqwest::Client,
    url: &str,
    page: &str,
    profile: &Profile,
) -> bytes::Bytes {
    let mut request = client.get(url);
    for (name, value) in browser_headers(page, profile) {
        request = request.header(name, value);
    }
    request.send().await.unwrap().bytes().await.unwrap()
}

/// Panics unless `browser`'s last request carried exactly [`browser_headers`].
fn assert_same_headers<T>(browser: &Browser<T>, page: &str, profile: &Profile) {
    let trace = browser.trace();
    let sent = &trace.last().expect("a request was sent").request.headers;
    let mut sent: Vec<(String, String)> = sent
        .iter()
        .map(|(n, v)| (n.to_string(), String::from_utf8_lossy(v).into_owned()))
        .collect();
    let mut expected: Vec<(String, String)> = browser_headers(page, profile)
        .iter()
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect();
    sent.sort();
    expected.sort();
    assert_eq!(
        sent, expected,
        "the bare client must send what the browser sends"
    );
}

async fn browser_get<T: Transport>(browser: &Browser<T>, url: &str) -> bytes::Bytes {
    let f = browser.fetch(Request::get(url.parse().unwrap())).await;
    f.body.unwrap()
}

/// The request that needs a preflight: `PUT` with `X-Token`.
fn put_item(url: &str) -> Request {
    Request::get(url.parse().unwrap())
        .method("PUT")
        .header("X-Token", "t")
        .body("x")
}

/// A browser over its own reqwest client, recording its trace or not.
fn browser_over_reqwest(trace: bool) -> Browser<ReqwestTransport> {
    let browser = Browser::new(
        ReqwestTransport::from_client(client()),
        "http://localhost:1",
    )
    .unwrap();
    browser.set_trace(trace);
    browser
}

/// For each paired case: total bare time, total browser time, pairs.
type Pairs = Vec<(&'static str, Duration, Duration, u64)>;
static PAIRED: Mutex<Pairs> = Mutex::new(Vec::new());

fn record(case: &'static str, bare: Duration, browser: Duration, iters: u64) {
    let mut all = PAIRED.lock().unwrap();
    match all.iter_mut().find(|(c, ..)| *c == case) {
        Some((_, b, w, n)) => {
            *b += bare;
            *w += browser;
            *n += iters;
        }
        None => all.push((case, bare, browser, iters)),
    }
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// Starts the test server on `rt` and returns its base URL.
fn serve(rt: &tokio::runtime::Runtime) -> String {
    rt.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let app = Router::new()
            .route(
                "/data",
                get(|| async { ([("access-control-allow-origin", "*")], "ok") }),
            )
            .route(
                "/item",
                axum::routing::put(|| async { ([("access-control-allow-origin", "*")], "saved") })
                    .options(|| async {
                        OPTIONS.fetch_add(1, Ordering::SeqCst);
                        [
                            ("access-control-allow-origin", "*"),
                            ("access-control-allow-methods", "PUT"),
                            ("access-control-allow-headers", "x-token"),
                            ("access-control-max-age", "600"),
                        ]
                    }),
            );
        let listener = axum::serve::ListenerExt::tap_io(listener, |_| {
            CONNECTIONS.fetch_add(1, Ordering::SeqCst);
        });
        tokio::spawn(async move { axum::serve(listener, app).await });
        base
    })
}

/// Paired cases on `rt`: one bare request and one browser request per
/// iteration, in alternating order, with fresh clients on that runtime.
/// Criterion reports the side a case is named after; both sides are summed
/// for the ratio printed at the end.
fn paired(
    group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    prefix: &'static str,
    rt: &tokio::runtime::Runtime,
    data: &str,
    profile: &Profile,
) {
    let bare = client();
    let browser = browser_over_reqwest(true);
    let quiet = browser_over_reqwest(false);
    let page = browser.page_origin().ascii_serialization();
    rt.block_on(async {
        bare_with_browser_headers(&bare, data, &page, profile).await;
        browser_get(&browser, data).await;
        browser_get(&quiet, data).await;
    });
    assert_same_headers(&browser, &page, profile);
    for (side, traced) in [
        ("bare_get_browser_headers", false),
        ("browser_get_no_trace", false),
        ("browser_get", true),
    ] {
        let case: &'static str = Box::leak(format!("{prefix}/{side}").into_boxed_str());
        let through = if traced { &browser } else { &quiet };
        let reports_bare = side.starts_with("bare");
        group.bench_function(case, |b| {
            b.iter_custom(|iters| {
                rt.block_on(async {
                    let (mut bare_time, mut browser_time) = (Duration::ZERO, Duration::ZERO);
                    for i in 0..iters {
                        let bare_first = i % 2 == 0;
                        for bare_turn in [bare_first, !bare_first] {
                            let t = Instant::now();
                            if bare_turn {
                                bare_with_browser_headers(&bare, data, &page, profile).await;
                                bare_time += t.elapsed();
                            } else {
                                browser_get(through, data).await;
                                browser_time += t.elapsed();
                            }
                        }
                    }
                    record(case, bare_time, browser_time, iters);
                    if reports_bare {
                        bare_time
                    } else {
                        browser_time
                    }
                })
            })
        });
    }
}

fn overhead(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let base = serve(&rt);
    let data = format!("{base}/data");
    let item = format!("{base}/item");
    let bare = client();
    let browser = browser_over_reqwest(true);
    // The same browser state without the trace (a crawler's setting).
    let quiet = browser_over_reqwest(false);

    // Warm up the connections and the preflight caches.
    rt.block_on(async {
        let f = browser.fetch(Request::get(data.parse().unwrap())).await;
        f.assert_ok().assert_not_preflighted();
        for b in [&browser, &quiet] {
            b.fetch(put_item(&item))
                .await
                .assert_ok()
                .assert_preflighted();
        }
    });
    let preflights_before = OPTIONS.load(Ordering::SeqCst);

    let mut group = c.benchmark_group("client_overhead");
    group.bench_function("bare_get", |b| {
        b.iter(|| {
            rt.block_on(async { bare.get(&data).send().await.unwrap().bytes().await.unwrap() })
        })
    });
    // The same client sending the headers the browser adds (Origin,
    // Accept, Accept-Language, User-Agent, Sec-Fetch-*): what is left
    // between this and browser_get_no_trace is the emulator's own work.
    let profile = browser.profile().clone();
    let page = browser.page_origin().ascii_serialization();
    group.bench_function("bare_get_browser_headers", |b| {
        b.iter(|| rt.block_on(bare_with_browser_headers(&bare, &data, &page, &profile)))
    });
    group.bench_function("browser_get", |b| {
        b.iter(|| rt.block_on(browser_get(&browser, &data)))
    });
    group.bench_function("browser_get_no_trace", |b| {
        b.iter(|| rt.block_on(browser_get(&quiet, &data)))
    });
    group.bench_function("bare_put", |b| {
        b.iter(|| {
            rt.block_on(async {
                bare.put(&item)
                    .header("x-token", "t")
                    .body("x")
                    .send()
                    .await
                    .unwrap()
                    .bytes()
                    .await
                    .unwrap()
            })
        })
    });
    for (case, through) in [
        ("browser_put_cached_preflight", &browser),
        ("browser_put_cached_preflight_no_trace", &quiet),
    ] {
        group.bench_function(case, |b| {
            b.iter(|| {
                rt.block_on(async {
                    let f = through.fetch(put_item(&item)).await;
                    assert!(!f.preflighted());
                    f
                })
            })
        });
    }
    // The same two fetches with an in-memory server: what the emulator
    // itself costs, without the network.
    let memory = Browser::new(Canned, "http://localhost:1").unwrap();
    memory.set_trace(false);
    rt.block_on(memory.fetch(put_item(&item)))
        .assert_ok()
        .assert_preflighted();
    group.bench_function("in_memory_get", |b| {
        b.iter(|| rt.block_on(memory.fetch(Request::get(data.parse().unwrap()))))
    });
    // The same with the URL parsed once and cloned, as `fetch/simple_get`
    // does: what `Browser::fetch` itself costs, without the caller's URL
    // parse (a quarter of the case above).
    let data_url: url::Url = data.parse().unwrap();
    group.bench_function("in_memory_get_url_cloned", |b| {
        b.iter(|| rt.block_on(memory.fetch(Request::get(data_url.clone()))))
    });
    group.bench_function("in_memory_put_cached_preflight", |b| {
        b.iter(|| rt.block_on(memory.fetch(put_item(&item))))
    });
    paired(&mut group, "paired", &rt, &data, &profile);
    // The same on one thread: client and server share a current-thread
    // runtime (as in a `#[tokio::test]`), so no cross-thread wake-up adds
    // noise to the loopback time.
    let one_thread = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let one_thread_data = format!("{}/data", serve(&one_thread));
    paired(
        &mut group,
        "paired_one_thread",
        &one_thread,
        &one_thread_data,
        &profile,
    );
    group.finish();
    for (case, bare_time, browser_time, n) in PAIRED.lock().unwrap().iter() {
        let (bare_mean, browser_mean) = (
            bare_time.as_secs_f64() / *n as f64,
            browser_time.as_secs_f64() / *n as f64,
        );
        println!(
            "{case}: {n} pairs; bare client with the browser's headers {:.2} µs, through Browser {:.2} µs: {:+.2}% added time",
            bare_mean * 1e6,
            browser_mean * 1e6,
            (browser_mean / bare_mean - 1.0) * 100.0
        );
    }
    let preflights_after = OPTIONS.load(Ordering::SeqCst);
    println!(
        "OPTIONS requests on the wire: {preflights_before} before measuring (one per browser), {} during the cached-preflight runs",
        preflights_after - preflights_before
    );
    assert_eq!(
        preflights_after, preflights_before,
        "a cached preflight went on the wire"
    );
    println!(
        "TCP connections accepted by the server during the whole run: {}",
        CONNECTIONS.load(Ordering::SeqCst)
    );
}

criterion_group!(benches, overhead);
criterion_main!(benches);
