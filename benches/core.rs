//! Criterion benchmarks of the hot paths (run: `cargo bench --bench core`,
//! or `cargo bench --bench core -- --quick` for a short run):
//!
//! - `classify/*`: does a CORS request need a preflight (simple and not);
//! - `cors_check/*`: the CORS check of a typical response;
//! - `cache_hit/N`: a preflight-cache hit in a cache of N entries
//!   (through the public `PreflightCache::lookup`);
//! - `fetch/simple_get`: a whole fetch of a simple GET through the machine;
//! - `replay/vectors`: every scenario of the three main vector files replayed
//!   (throughput in scenarios per second);
//! - `replay_files/parse` against `replay_files/parse_and_replay`: all twenty-seven
//!   files parsed, and parsed then replayed (what `browser-cors replay` does).
//!
//! Memory per cache entry is measured by `benches/cache_memory.rs`.

use std::hint::black_box;
use std::time::{Duration, Instant};

use browser_cors::check::cors_check;
use browser_cors::conformance::{Scenario, engine_of_file, replay};
use browser_cors::origin::parse_origin;
use browser_cors::preflight::{PreflightResult, needs_preflight_for};
use browser_cors::safelist::cors_unsafe_request_header_names;
use browser_cors::{
    Action, CredentialsMode, Engine, Fetch, HeaderList, PreflightCache, Profile, Request,
};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use http::{HeaderMap, Method, StatusCode};

const PAGE: &str = "https://app.example";

fn simple_headers() -> HeaderList {
    let mut h = HeaderList::new();
    h.append("Accept", "application/json").unwrap();
    h.append("Accept-Language", "en-US,en;q=0.9").unwrap();
    h.append("Content-Type", "text/plain;charset=UTF-8")
        .unwrap();
    h
}

fn typical_response() -> HeaderMap {
    let mut h = HeaderMap::new();
    for (n, v) in [
        ("content-type", "application/json"),
        ("content-length", "1234"),
        ("cache-control", "no-store"),
        ("date", "Sun, 22 Nov 2026 00:00:00 GMT"),
        ("vary", "Origin"),
        ("access-control-allow-origin", PAGE),
        ("access-control-allow-credentials", "true"),
        ("access-control-expose-headers", "x-request-id"),
        ("x-request-id", "abc123"),
    ] {
        h.append(n, v.parse().unwrap());
    }
    h
}

fn classify(c: &mut Criterion) {
    let p = Profile::chromium();
    let simple = simple_headers();
    let mut unsafe_headers = simple.clone();
    unsafe_headers.append("X-Token", "secret").unwrap();
    let mut g = c.benchmark_group("classify");
    let mut accept_only = HeaderList::new();
    accept_only.append("Accept", "application/json").unwrap();
    g.bench_function("get_with_accept", |b| {
        b.iter(|| needs_preflight_for(black_box(&Method::GET), black_box(&accept_only), &p))
    });
    g.bench_function("simple_post", |b| {
        b.iter(|| needs_preflight_for(black_box(&Method::POST), black_box(&simple), &p))
    });
    g.bench_function("unsafe_header_get", |b| {
        b.iter(|| needs_preflight_for(black_box(&Method::GET), black_box(&unsafe_headers), &p))
    });
    g.bench_function("put", |b| {
        b.iter(|| needs_preflight_for(black_box(&Method::PUT), black_box(&simple), &p))
    });
    g.bench_function("list_unsafe_names", |b| {
        b.iter(|| cors_unsafe_request_header_names(black_box(&unsafe_headers), &p))
    });
    g.finish();
}

fn check(c: &mut Criterion) {
    let response = typical_response();
    let mut g = c.benchmark_group("cors_check");
    for engine in Engine::ALL {
        g.bench_function(format!("{}_credentials", engine.name()), |b| {
            b.iter(|| {
                cors_check(black_box(&response), PAGE, CredentialsMode::Include, engine).is_ok()
            })
        });
    }
    g.bench_function("chromium_refusal", |b| {
        b.iter(|| {
            cors_check(
                black_box(&response),
                "https://other.example",
                CredentialsMode::Omit,
                Engine::Chromium,
            )
            .is_ok()
        })
    });
    g.finish();
}

fn warm_cache(n: usize, now: Instant) -> PreflightCache {
    let p = Profile::chromium();
    let result = PreflightResult {
        methods: vec!["PUT".into()],
        headers: vec!["x-token".into()],
        lifetime: Duration::from_secs(7200),
        credentials: false,
    };
    let mut cache = PreflightCache::new(n);
    for i in 0..n {
        cache.store(
            &p,
            PAGE,
            &format!("https://api.example/items/{i}"),
            &result,
            now,
        );
    }
    cache
}

fn cache_hit(c: &mut Criterion) {
    let p = Profile::chromium();
    let now = Instant::now();
    let names = ["x-token".to_owned()];
    let mut g = c.benchmark_group("cache_hit");
    for n in [1usize, 10_000, 1_000_000] {
        let mut cache = warm_cache(n, now);
        // Hit entries spread over the whole cache, not one hot key.
        let urls: Vec<String> = (0..1024)
            .map(|i| format!("https://api.example/items/{}", (i * 7919) % n))
            .collect();
        let mut i = 0usize;
        g.bench_with_input(BenchmarkId::from_parameter(n), &n, |b, _| {
            b.iter(|| {
                i = (i + 1) % urls.len();
                let hit = cache.lookup(
                    &p,
                    PAGE,
                    &urls[i],
                    &Method::PUT,
                    &names,
                    CredentialsMode::Omit,
                    now,
                );
                assert!(hit);
                hit
            })
        });
    }
    g.finish();
}

fn whole_fetch(c: &mut Criterion) {
    let p = Profile::chromium();
    let page = parse_origin(PAGE).unwrap();
    let url: url::Url = "https://api.example/items/1".parse().unwrap();
    let response = typical_response();
    let now = Instant::now();
    let mut cache = PreflightCache::default();
    c.bench_function("fetch/simple_get", |b| {
        b.iter(|| {
            let req = Request::get(url.clone()).credentials(CredentialsMode::Include);
            let mut fetch = Fetch::new(&p, &page, req);
            let Action::Send(_) = fetch.poll(&mut cache, now) else {
                unreachable!()
            };
            fetch.on_response_head(StatusCode::OK, &response, &mut cache, now);
            // The outcome handed over without a copy, as the Browser takes it.
            fetch.into_outcome()
        })
    });
}

/// The same fetch from a page shared by every fetch (as a `Browser` does):
/// the page's origin is neither cloned nor serialized again.
fn whole_fetch_shared_page(c: &mut Criterion) {
    let p = Profile::chromium();
    let page = std::sync::Arc::new(browser_cors::Page::parse(PAGE).unwrap());
    let url: url::Url = "https://api.example/items/1".parse().unwrap();
    let response = typical_response();
    let now = Instant::now();
    let mut cache = PreflightCache::default();
    c.bench_function("fetch/simple_get_shared_page", |b| {
        b.iter(|| {
            let req = Request::get(url.clone()).credentials(CredentialsMode::Include);
            let mut fetch = Fetch::on_shared_page(&p, &page, req);
            let Action::Send(_) = fetch.poll(&mut cache, now) else {
                unreachable!()
            };
            fetch.on_response_head(StatusCode::OK, &response, &mut cache, now);
            fetch.into_outcome()
        })
    });
}

fn replay_vectors(c: &mut Criterion) {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/spec-tests/vectors");
    let files: Vec<(String, Vec<Scenario>, Profile)> =
        ["chromium-156.json", "firefox-153.json", "webkit-2.50.json"]
            .iter()
            .map(|name| {
                let text = std::fs::read_to_string(format!("{dir}/{name}")).unwrap();
                let engine = engine_of_file(name).unwrap();
                (
                    name.to_string(),
                    serde_json::from_str(&text).unwrap(),
                    engine.profile(),
                )
            })
            .collect();
    let scenarios: usize = files.iter().map(|(_, s, _)| s.len()).sum();
    let mut g = c.benchmark_group("replay");
    g.throughput(Throughput::Elements(scenarios as u64));
    g.sample_size(10);
    g.bench_function("vectors", |b| {
        b.iter(|| {
            files
                .iter()
                .map(|(name, s, p)| replay(name, s, p).iter().filter(|r| r.agrees).count())
                .sum::<usize>()
        })
    });
    g.finish();
}

/// What `browser-cors replay spec-tests/vectors/*.json` does after reading
/// the files, against parsing them alone: the target is
/// `parse_and_replay` within 3 × `parse` (compare the two in one run).
fn replay_against_parse(c: &mut Criterion) {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/spec-tests/vectors");
    let mut texts: Vec<(String, String)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .map(|p| {
            let name = p.file_name().unwrap().to_str().unwrap().to_owned();
            (name, std::fs::read_to_string(&p).unwrap())
        })
        .collect();
    texts.sort();
    assert_eq!(texts.len(), 27, "the twenty-seven shipped vector files");
    let parse = |texts: &[(String, String)]| -> Vec<(String, Vec<Scenario>)> {
        texts
            .iter()
            .map(|(name, text)| (name.clone(), serde_json::from_str(text).unwrap()))
            .collect()
    };
    let mut g = c.benchmark_group("replay_files");
    g.sample_size(10);
    g.bench_function("parse", |b| b.iter(|| parse(black_box(&texts))));
    g.bench_function("parse_and_replay", |b| {
        b.iter(|| {
            let steps: usize = parse(black_box(&texts))
                .iter()
                .map(|(name, s)| {
                    let profile = engine_of_file(name).unwrap().profile();
                    let reports = replay(name, s, &profile);
                    assert!(reports.iter().all(|r| r.agrees));
                    reports.len()
                })
                .sum();
            steps
        })
    });
    g.finish();
    // The same two, paired: each round parses once, then parses and
    // replays once, so both sides see the same machine (these VMs' speed
    // moves by tens of percent between criterion's groups).
    let replay_all = |texts: &[(String, String)]| -> usize {
        parse(texts)
            .iter()
            .map(|(name, s)| replay(name, s, &engine_of_file(name).unwrap().profile()).len())
            .sum()
    };
    let (mut parsing, mut replaying) = (Duration::ZERO, Duration::ZERO);
    let rounds = 40;
    for _ in 0..rounds {
        let t = Instant::now();
        black_box(parse(black_box(&texts)));
        parsing += t.elapsed();
        let t = Instant::now();
        assert_eq!(black_box(replay_all(black_box(&texts))), 1471);
        replaying += t.elapsed();
    }
    println!(
        "replay_files paired, {rounds} rounds: parse {:.2} ms, parse and replay {:.2} ms: {:.2} x",
        parsing.as_secs_f64() * 1e3 / f64::from(rounds),
        replaying.as_secs_f64() * 1e3 / f64::from(rounds),
        replaying.as_secs_f64() / parsing.as_secs_f64()
    );
}

criterion_group!(
    benches,
    classify,
    check,
    cache_hit,
    whole_fetch,
    whole_fetch_shared_page,
    replay_vectors,
    replay_against_parse
);
criterion_main!(benches);
