//! A `Browser` that lives for a million fetches: one shared browser, 64
//! tasks at once, 1,000,000 credentialed `PUT`s (each preflighted unless
//! cached) through the tower transport to an in-process service that sets a
//! cookie on every response. Live heap bytes are counted by a global
//! allocator in this test binary, after a warm-up and at the end: they must
//! stay flat (the trace, the preflight cache and the cookie jar are all
//! bounded), and the cache must sit at its bound.
//!
//! The cookies: 15 sites set 150 names each (at Chromium's purge quota,
//! under its 180 per site), the page's own API (`s0`) 120 names plus the `session` cookie the
//! page put in the jar, and one tracker site sets 1000 names, far over the
//! per-site limit. The tracker's cookies are purged to its bound; no other
//! cookie may be lost (the session cookie is checked on every request).
//!
//! Ignored by default (it takes a while in a debug build). Run it with
//! `cargo test --release --features tower --test client_million -- --ignored --nocapture`
//! (`FETCHES=20000` runs a shorter one). It prints bytes per browser, per
//! preflight cache entry, per cookie and per traced fetch.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::Arc;
use std::sync::atomic::{AtomicIsize, AtomicUsize, Ordering};

use browser_cors::client::tower::TowerTransport;
use browser_cors::client::{Browser, DEFAULT_TRACE_LIMIT};
use browser_cors::{CredentialsMode, Request};
use browser_cors::{
    Profile,
    profile::{PerSiteLimit, ThirdPartyCookies},
};
use bytes::Bytes;
use http_body_util::Full;

struct Live;
static LIVE: AtomicIsize = AtomicIsize::new(0);

unsafe impl GlobalAlloc for Live {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        LIVE.fetch_add(l.size() as isize, Ordering::Relaxed);
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        LIVE.fetch_sub(l.size() as isize, Ordering::Relaxed);
        unsafe { System.dealloc(p, l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, n: usize) -> *mut u8 {
        LIVE.fetch_add(n as isize - l.size() as isize, Ordering::Relaxed);
        unsafe { System.realloc(p, l, n) }
    }
}

#[global_allocator]
static A: Live = Live;

fn live() -> isize {
    LIVE.load(Ordering::SeqCst)
}

const PAGE: &str = "https://app.example";
const TASKS: usize = 64;
/// Sites with 150 names each (`s1` .. `s15`); `s0` is the page's API.
const SITES: usize = 16;
/// How many cookie names a site sets: `s0` 120, the tracker 1000, others 150.
fn names_of(host: &str) -> usize {
    match host {
        "s0.example" => 120,
        "tracker.example" => 1000,
        _ => 150,
    }
}

type App = tower::util::BoxCloneSyncService<
    http::Request<Full<Bytes>>,
    http::Response<Full<Bytes>>,
    String,
>;

/// The service: preflights allow PUT with credentials for two hours; each
/// PUT sets one of its site's cookies. Requests to site 0 without the
/// session cookie are counted in `lost`.
fn app(lost: Arc<AtomicUsize>) -> App {
    tower::util::BoxCloneSyncService::new(tower::service_fn(
        move |req: http::Request<Full<Bytes>>| {
            let lost = Arc::clone(&lost);
            async move {
                let host = req.uri().host().unwrap_or_default().to_owned();
                let path = req.uri().path().to_owned();
                let r = http::Response::builder()
                    .header("access-control-allow-origin", PAGE)
                    .header("access-control-allow-credentials", "true");
                let r = if req.method() == http::Method::OPTIONS {
                    r.status(204)
                        .header("access-control-allow-methods", "PUT")
                        .header("access-control-max-age", "7200")
                } else {
                    if host == "s0.example" {
                        let has_session = req
                            .headers()
                            .get_all("cookie")
                            .iter()
                            .any(|v| v.to_str().unwrap_or("").contains("session=1"));
                        if !has_session {
                            lost.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                    let n: usize = path
                        .rsplit('/')
                        .next()
                        .and_then(|n| n.parse().ok())
                        .unwrap_or(0);
                    r.status(200).header(
                        "set-cookie",
                        format!(
                            "c{}=value-{n}; Path=/; SameSite=None; Secure",
                            n % names_of(&host)
                        ),
                    )
                };
                r.body(Full::new(Bytes::from_static(b"ok")))
                    .map_err(|e| e.to_string())
            }
        },
    ))
}

/// The i-th fetch of the run: every fourth one to `s0`, every fourth to
/// the tracker, the others to a site picked by a hash of `i`; the URL (and
/// so the cookie name the response sets) by another part of the hash.
fn request(i: usize) -> Request {
    let h = (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    let host = match i % 4 {
        0 => "s0".to_owned(),
        1 => "tracker".to_owned(),
        _ => format!("s{}", 1 + (h >> 40) as usize % (SITES - 1)),
    };
    let url = format!("https://{host}.example/r/{}", (h >> 20) % 1000);
    Request::get(url.parse().unwrap())
        .method("PUT")
        .body("x")
        .credentials(CredentialsMode::Include)
}

async fn run(browser: &Browser<TowerTransport<App>>, from: usize, to: usize) {
    let mut tasks = Vec::new();
    for t in 0..TASKS {
        let browser = browser.clone();
        tasks.push(tokio::spawn(async move {
            let mut i = from + t;
            while i < to {
                let fetched = browser.fetch(request(i)).await;
                assert!(fetched.error().is_none(), "{:?}", fetched.error());
                i += TASKS;
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a million fetches; run with --ignored --release"]
async fn one_browser_lives_for_a_million_fetches() {
    let total: usize = std::env::var("FETCHES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let warm_up = total / 10;
    let lost = Arc::new(AtomicUsize::new(0));

    let before = live();
    // Third-party cookies allowed (the switch users run): with Chromium's
    // default the API's cross-site cookies would never be stored at all.
    let profile = Profile::chromium().with_third_party_cookies(ThirdPartyCookies::Allowed);
    let limits = profile.cookies;
    let browser = Browser::with_profile(
        TowerTransport::new(app(Arc::clone(&lost))),
        PAGE,
        profile.clone(),
    )
    .unwrap();
    let per_browser = live() - before;
    browser
        .add_cookie(
            "session=1; Path=/; SameSite=None; Secure",
            &"https://s0.example/".parse().unwrap(),
        )
        .unwrap();

    run(&browser, 0, warm_up).await;
    let after_warm_up = live();
    run(&browser, warm_up, total).await;
    let at_end = live();

    let cookies = browser.cookie_count();
    let cache = browser.preflight_cache_len();
    let traced = browser.trace().len();

    // Bytes per cache entry: what clearing the full cache frees.
    let full = live();
    browser.clear_preflight_cache();
    let per_entry = (full - live()) / cache.max(1) as isize;
    // Bytes per traced fetch: what emptying the trace frees (the copy that
    // take_trace returns is dropped first).
    let full = live();
    drop(browser.take_trace());
    let per_traced_fetch = (full - live()) / DEFAULT_TRACE_LIMIT as isize;
    // Bytes per cookie: a fresh browser given 1000 cookies on 10 sites.
    let fresh = Browser::with_profile(browser_cors::client::Detached, PAGE, profile).unwrap();
    let empty = live();
    for site in 0..10 {
        let url = format!("https://c{site}.example/").parse().unwrap();
        for n in 0..100 {
            fresh
                .add_cookie(&format!("cookie{n}=value-{n}; Path=/"), &url)
                .unwrap();
        }
    }
    let per_cookie = (live() - empty) / fresh.cookie_count() as isize;

    let growth = at_end - after_warm_up;
    println!(
        "{total} fetches through one Browser ({TASKS} tasks): live heap {} B after {warm_up} (warm-up), {} B at the end, growth {growth} B",
        after_warm_up, at_end
    );
    println!(
        "bytes per Browser (empty): {per_browser}; per preflight cache entry: {per_entry} ({cache} entries); \
         per cookie: {per_cookie} ({cookies} cookies in the jar); per traced fetch: {per_traced_fetch} ({traced} exchanges traced)"
    );

    assert_eq!(
        lost.load(Ordering::Relaxed),
        0,
        "the session cookie was lost"
    );
    assert_eq!(cache, 1024, "the cache sits at its bound");
    // Every cookie kept but the tracker's excess: s0's 121, 15 × 150, and
    // the tracker within its site's bounds (purged to `keep` each time it
    // passes `max`, so anywhere from `keep` to `max`).
    let kept = 121 + (SITES - 1) * 150;
    let PerSiteLimit::PurgeTo { max, keep } = limits.per_site else {
        panic!("this test runs Chromium's profile, which purges per site");
    };
    if total >= 100_000 {
        assert!(
            (kept + keep..=kept + max).contains(&cookies),
            "{cookies} cookies: expected {kept} plus the tracker's {keep} to {max}"
        );
    }
    assert!(cookies <= limits.max_total);
    assert!(
        traced <= DEFAULT_TRACE_LIMIT * 2,
        "{traced} exchanges traced"
    );
    // Flat: less than 1 byte per fetch after the warm-up (a leak of one
    // small allocation per fetch would be 32 bytes or more).
    assert!(
        growth < (total - warm_up) as isize,
        "live heap grew by {growth} B over {} fetches",
        total - warm_up
    );
}
