//! Zero heap allocations on the path where no preflight is needed: classify
//! a simple request and run the CORS check on a typical response, counted by
//! a global allocator wrapper in this test binary. The count is per thread,
//! so tests running in parallel do not disturb each other.
//!
//! When a preflight is needed, listing the unsafe names allocates nothing
//! up to eight names (they are borrowed from the header list), one vector
//! past that.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use browser_cors::check::cors_check;
use browser_cors::preflight::needs_preflight_for;
use browser_cors::safelist::{UnsafeNames, cors_unsafe_request_header_names};
use browser_cors::{CredentialsMode, Engine, HeaderList, Profile};
use http::{HeaderMap, Method};

struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

fn count_one() {
    // `try_with`: no panic during thread teardown.
    let _ = ALLOCATIONS.try_with(|c| c.set(c.get() + 1));
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count_one();
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count_one();
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocations_in(f: impl FnOnce()) -> usize {
    let before = ALLOCATIONS.with(Cell::get);
    f();
    ALLOCATIONS.with(Cell::get) - before
}

const PAGE: &str = "https://app.example";

#[test]
fn no_preflight_path_allocates_nothing() {
    // Built outside the measured region.
    let mut simple = HeaderList::new();
    simple.append("Accept", "application/json").unwrap();
    simple.append("Accept-Language", "en-US,en;q=0.9").unwrap();
    simple.append("Content-Language", "en").unwrap();
    simple
        .append("Content-Type", "text/plain;charset=UTF-8")
        .unwrap();
    simple.append("Range", "bytes=0-1023").unwrap();
    let mut unsafe_headers = simple.clone();
    unsafe_headers.append("X-Token", "1").unwrap();

    let mut response = HeaderMap::new();
    response.insert("access-control-allow-origin", PAGE.parse().unwrap());
    response.insert("access-control-allow-credentials", "true".parse().unwrap());
    response.insert("content-type", "application/json".parse().unwrap());
    response.insert("cache-control", "no-store".parse().unwrap());
    response.insert("vary", "Origin".parse().unwrap());
    let mut star = HeaderMap::new();
    star.insert("access-control-allow-origin", "*".parse().unwrap());

    let profiles = [Profile::chromium(), Profile::firefox(), Profile::webkit()];
    for profile in &profiles {
        let mut verdicts = Vec::with_capacity(8);
        let count = allocations_in(|| {
            for method in [&Method::GET, &Method::HEAD, &Method::POST] {
                verdicts.push(needs_preflight_for(method, &simple, profile));
            }
            verdicts.push(needs_preflight_for(&Method::PUT, &simple, profile));
            verdicts.push(needs_preflight_for(&Method::GET, &unsafe_headers, profile));
            let engine = profile.engine;
            verdicts.push(cors_check(&response, PAGE, CredentialsMode::Include, engine).is_ok());
            verdicts.push(cors_check(&response, PAGE, CredentialsMode::SameOrigin, engine).is_ok());
            verdicts.push(cors_check(&star, PAGE, CredentialsMode::Omit, engine).is_ok());
        });
        assert_eq!(
            verdicts,
            [false, false, false, true, true, true, true, true],
            "{:?}",
            profile.engine
        );
        assert_eq!(count, 0, "{:?}: {count} allocations", profile.engine);
    }
}

#[test]
fn the_counter_counts() {
    // The allocation counter itself works: a failing check allocates its error.
    let mut response = HeaderMap::new();
    response.insert(
        "access-control-allow-origin",
        "https://other.example".parse().unwrap(),
    );
    let count = allocations_in(|| {
        let r = cors_check(&response, PAGE, CredentialsMode::Omit, Engine::Chromium);
        assert!(r.is_err());
    });
    assert!(count > 0);
}

#[test]
fn other_simple_requests_allocate_nothing() {
    let one = |name: &str, value: &str| {
        let mut h = HeaderList::new();
        h.append(name, value).unwrap();
        h
    };
    let multipart = one("Content-Type", "multipart/form-data; boundary=----x");
    let form = one("Content-Type", "Application/X-WWW-Form-Urlencoded");
    let mut hints = HeaderList::new();
    for (name, value) in [
        ("DPR", "2"),
        ("Device-Memory", "8"),
        ("Downlink", "1.5"),
        ("Width", "100"),
        ("Viewport-Width", "800"),
        ("RTT", "50"),
        ("ECT", "4g"),
        ("Save-Data", "on"),
        ("Intervention", "x"),
    ] {
        hints.append(name, value).unwrap();
    }
    // Twenty lines of one name: Firefox judges each line on its own.
    let mut many = HeaderList::new();
    for _ in 0..20 {
        many.append("Accept", "text/html").unwrap();
    }
    for profile in &[Profile::chromium(), Profile::firefox(), Profile::webkit()] {
        let chromium = profile.engine == Engine::Chromium;
        let firefox = profile.engine == Engine::Firefox;
        let mut verdicts = Vec::with_capacity(4);
        let count = allocations_in(|| {
            verdicts.push(needs_preflight_for(&Method::POST, &multipart, profile));
            verdicts.push(needs_preflight_for(&Method::POST, &form, profile));
            // Client hints are safelisted only in Chromium; elsewhere the
            // names settle it.
            verdicts.push(needs_preflight_for(&Method::GET, &hints, profile));
            if firefox {
                verdicts.push(needs_preflight_for(&Method::GET, &many, profile));
            }
        });
        let mut expected = vec![false, false, !chromium];
        if firefox {
            expected.push(false);
        }
        assert_eq!(verdicts, expected, "{:?}", profile.engine);
        assert_eq!(count, 0, "{:?}: {count} allocations", profile.engine);
    }
}

#[test]
fn listing_unsafe_names_allocates_only_past_eight_names() {
    let mut simple = HeaderList::new();
    simple.append("Accept", "application/json").unwrap();
    simple.append("Accept-Language", "en-US,en;q=0.9").unwrap();
    simple
        .append("Content-Type", "text/plain;charset=UTF-8")
        .unwrap();
    let mut one = simple.clone();
    one.append("X-Token", "1").unwrap();
    let mut two = one.clone();
    two.append("X-Request-Id", "2").unwrap();
    let mut eight = simple.clone();
    let mut nine = simple.clone();
    let custom: Vec<String> = (1..=9).map(|i| format!("x-h{i}")).collect();
    for (i, name) in custom.iter().enumerate() {
        if i < 8 {
            eight.append(name, "1").unwrap();
        }
        nine.append(name, "1").unwrap();
    }
    let custom: Vec<&str> = custom.iter().map(String::as_str).collect();
    for profile in &[Profile::chromium(), Profile::firefox(), Profile::webkit()] {
        for (headers, expected, wanted) in [
            (&simple, &[][..], 0),
            (&one, &["x-token"][..], 0),
            (&two, &["x-request-id", "x-token"][..], 0),
            (&eight, &custom[..8], 0),
            // The ninth name moves the list to the heap: one allocation.
            (&nine, &custom[..], 1),
        ] {
            let mut names = UnsafeNames::new();
            let count =
                allocations_in(|| names = cors_unsafe_request_header_names(headers, profile));
            assert_eq!(names, expected, "{:?}", profile.engine);
            assert_eq!(count, wanted, "{:?}: {names:?}", profile.engine);
        }
    }
}
