//! Zero heap allocations on the path where no preflight is needed: classify
//! a simple request and run the CORS check on a typical response, counted by
//! a global allocator wrapper in this test binary. The count is per thread,
//! so tests running in parallel do not disturb each other.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use browser_cors::check::cors_check;
use browser_cors::preflight::needs_preflight_for;
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
