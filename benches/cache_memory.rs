//! Heap bytes per preflight-cache entry, counted by a global allocator
//! (run: `cargo bench --bench cache_memory`). Prints one line per size.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, Ordering};
use std::time::{Duration, Instant};

use browser_cors::preflight::PreflightResult;
use browser_cors::{PreflightCache, Profile};

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

fn main() {
    let p = Profile::chromium();
    let now = Instant::now();
    let result = PreflightResult {
        methods: vec!["PUT".into()],
        headers: vec!["x-token".into()],
        lifetime: Duration::from_secs(7200),
        credentials: false,
    };
    let origin = "https://app.example";
    let sample = "https://api.example/items/500000";
    println!(
        "origin {} bytes, URL about {} bytes, one method, one header name",
        origin.len(),
        sample.len()
    );
    for n in [10_000usize, 1_000_000] {
        let before = LIVE.load(Ordering::Relaxed);
        let start = Instant::now();
        let mut cache = PreflightCache::new(n);
        let mut url = String::new();
        for i in 0..n {
            use std::fmt::Write;
            url.clear();
            write!(url, "https://api.example/items/{i}").unwrap();
            cache.store(&p, origin, &url, &result, now);
        }
        let fill = start.elapsed();
        let bytes = LIVE.load(Ordering::Relaxed) - before;
        println!(
            "{n} entries: {bytes} heap bytes, {:.0} bytes/entry, filled in {:.0} ns/store",
            bytes as f64 / n as f64,
            fill.as_nanos() as f64 / n as f64
        );
        assert_eq!(cache.len(), n);
        drop(cache);
    }
}
