//! Huge and malformed input: bounded work, typed outcomes, never a panic.
//! (Timings are measured by the benchmarks, not asserted here.)

use std::time::{Duration, Instant};

use browser_cors::check::cors_check;
use browser_cors::origin::parse_origin;
use browser_cors::preflight::PreflightResult;
use browser_cors::{
    Action, CredentialsMode, Engine, Fetch, HeaderList, Outcome, PreflightCache, Profile, Request,
    RequestKind, ResponseType, WireRequest,
};
use http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};

const PAGE: &str = "https://app.test";
const MIB: usize = 1 << 20;

fn page() -> url::Origin {
    parse_origin(PAGE).unwrap()
}

fn map(lines: &[(&str, &[u8])]) -> HeaderMap {
    let mut h = HeaderMap::new();
    for (n, v) in lines {
        h.append(
            HeaderName::from_bytes(n.as_bytes()).unwrap(),
            HeaderValue::from_bytes(v).unwrap(),
        );
    }
    h
}

/// Runs a fetch against answers given in order; returns the trace and outcome.
fn run(
    profile: &Profile,
    request: Request,
    answers: &[HeaderMap],
) -> (Vec<std::sync::Arc<WireRequest>>, Outcome) {
    let mut fetch = Fetch::new(profile, &page(), request);
    let mut cache = PreflightCache::default();
    let now = Instant::now();
    let mut answers = answers.iter();
    loop {
        match fetch.poll(&mut cache, now) {
            Action::Done(outcome) => return (fetch.trace().to_vec(), outcome),
            Action::Send(_) => {
                let headers = answers.next().expect("more requests than answers");
                fetch.on_response_head(StatusCode::OK, headers, &mut cache, now);
            }
        }
    }
}

fn allow(extra: &[(&str, &[u8])]) -> HeaderMap {
    let mut lines: Vec<(&str, &[u8])> = vec![("access-control-allow-origin", PAGE.as_bytes())];
    lines.extend_from_slice(extra);
    map(&lines)
}

fn code(outcome: &Outcome) -> &'static str {
    outcome.error().map_or("ok", |e| e.reason.code())
}

#[test]
fn one_mib_response_header_value() {
    let big = vec![b'a'; MIB];
    // In a readable but unexposed header: the response is exposed, the header is not.
    let (_, outcome) = run(
        &Profile::chromium(),
        Request::get("https://api.test/".parse().unwrap()),
        &[allow(&[("x-big", &big)])],
    );
    let response = outcome.response().expect("a response");
    assert_eq!(response.response_type, ResponseType::Cors);
    assert!(!response.can_read_header("x-big"));
    // As the Allow-Origin value itself: a typed refusal from every engine.
    let h = map(&[("access-control-allow-origin", &big)]);
    assert_eq!(
        cors_check(&h, PAGE, CredentialsMode::Omit, Engine::Chromium)
            .unwrap_err()
            .code(),
        "InvalidAllowOriginValue"
    );
    for engine in [Engine::Firefox, Engine::WebKit] {
        assert_eq!(
            cors_check(&h, PAGE, CredentialsMode::Omit, engine)
                .unwrap_err()
                .code(),
            "AllowOriginMismatch"
        );
    }
    // As Access-Control-Expose-Headers: one megabyte of names, none of them present.
    let names: Vec<u8> = b"x-n, ".repeat(MIB / 5);
    let (_, outcome) = run(
        &Profile::chromium(),
        Request::get("https://api.test/".parse().unwrap()),
        &[allow(&[
            ("access-control-expose-headers", &names),
            ("x-n", b"1"),
            ("x-other", b"2"),
        ])],
    );
    let response = outcome.response().unwrap();
    assert!(response.can_read_header("x-n"));
    assert!(!response.can_read_header("x-other"));
}

#[test]
fn one_mib_request_header_value_needs_a_preflight() {
    let big = vec![b'a'; MIB];
    for profile in [Profile::chromium(), Profile::firefox(), Profile::webkit()] {
        // Accept is safelisted only up to 128 bytes.
        let req = Request::get("https://api.test/".parse().unwrap()).header("Accept", &big);
        let (trace, outcome) = run(&profile, req, &[allow(&[])]);
        assert_eq!(
            trace[0].kind,
            RequestKind::Preflight,
            "{:?}",
            profile.engine
        );
        assert_eq!(
            trace[0].header("access-control-request-headers").as_deref(),
            Some("accept")
        );
        assert_eq!(
            code(&outcome),
            "HeaderDisallowedByPreflightResponse",
            "{:?}",
            profile.engine
        );
    }
}

#[test]
fn ten_thousand_response_header_lines() {
    let names: Vec<String> = (0..10_000).map(|i| format!("x-h{i}")).collect();
    let mut lines: Vec<(&str, &[u8])> = names.iter().map(|n| (n.as_str(), &b"v"[..])).collect();
    lines.push(("access-control-expose-headers", b"x-h9999"));
    let (_, outcome) = run(
        &Profile::chromium(),
        Request::get("https://api.test/".parse().unwrap()),
        &[allow(&lines)],
    );
    let response = outcome.response().unwrap();
    assert_eq!(response.header_names(), ["x-h9999"]);
    // Ten thousand Access-Control-Allow-Origin lines: several values, refused.
    let many: Vec<(&str, &[u8])> = (0..10_000)
        .map(|_| ("access-control-allow-origin", PAGE.as_bytes()))
        .collect();
    let h = map(&many);
    for engine in Engine::ALL {
        assert_eq!(
            cors_check(&h, PAGE, CredentialsMode::Omit, engine)
                .unwrap_err()
                .code(),
            "MultipleAllowOriginValues",
            "{engine:?}"
        );
    }
}

#[test]
fn ten_thousand_request_header_lines() {
    let mut req = Request::get("https://api.test/".parse().unwrap());
    for i in 0..10_000 {
        req = req.header(format!("X-H{i:05}"), "1");
    }
    let (trace, outcome) = run(&Profile::chromium(), req, &[allow(&[])]);
    assert_eq!(trace.len(), 1);
    let acrh = trace[0].header("access-control-request-headers").unwrap();
    assert_eq!(acrh.split(',').count(), 10_000);
    assert!(acrh.starts_with("x-h00000,x-h00001,"));
    assert_eq!(code(&outcome), "HeaderDisallowedByPreflightResponse");

    // Ten thousand lines of one safelisted name: Chromium judges the
    // combined value (too long), Firefox each line (each safe, but their
    // total passes the 1024-byte limit where it applies).
    let mut req = Request::get("https://api.test/".parse().unwrap());
    for _ in 0..10_000 {
        req = req.header("Accept", "a");
    }
    let mut list = HeaderList::new();
    for _ in 0..10_000 {
        list.append("accept", "a").unwrap();
    }
    for profile in [Profile::chromium(), Profile::firefox(), Profile::webkit()] {
        let names = browser_cors::safelist::cors_unsafe_request_header_names(&list, &profile);
        assert!(!names.is_empty(), "{:?}", profile.engine);
        assert!(browser_cors::preflight::needs_preflight_for(
            &Method::GET,
            &list,
            &profile
        ));
    }
    let (trace, _) = run(&Profile::chromium(), req, &[allow(&[])]);
    assert_eq!(trace[0].kind, RequestKind::Preflight);
}

#[test]
fn sixty_four_kib_url() {
    // 64 KiB exactly: the machine handles it; http::Uri cannot hold more than
    // 65,534 bytes, so converting to an http::Request is a typed error.
    let base = "https://api.test/";
    let url = format!("{base}{}", "p".repeat(64 * 1024 - base.len()));
    assert_eq!(url.len(), 64 * 1024);
    let req = Request::get(url.parse().unwrap()).method("PUT");
    let ok = allow(&[
        ("access-control-allow-methods", b"PUT"),
        ("access-control-max-age", b"600"),
    ]);
    for profile in [Profile::chromium(), Profile::firefox()] {
        let mut fetch = Fetch::new(&profile, &page(), req.clone());
        let mut cache = PreflightCache::default();
        let now = Instant::now();
        let Action::Send(preflight) = fetch.poll(&mut cache, now) else {
            panic!()
        };
        assert_eq!(preflight.url.as_str().len(), url.len());
        assert!(matches!(
            preflight.to_http(),
            Err(browser_cors::InputError::Url { .. })
        ));
        fetch.on_response_head(StatusCode::OK, &ok, &mut cache, now);
        let Action::Send(put) = fetch.poll(&mut cache, now) else {
            panic!()
        };
        assert_eq!(put.method, Method::PUT);
        fetch.on_response_head(StatusCode::OK, &ok, &mut cache, now);
        assert!(fetch.poll(&mut cache, now).is_done_response());
        // Chromium does not cache preflights of URLs of 1024 bytes or more; Firefox does.
        let expected = usize::from(profile.engine == Engine::Firefox);
        assert_eq!(cache.len(), expected, "{:?}", profile.engine);
    }
    // Just under http's bound, the request converts.
    let url = format!("{base}{}", "p".repeat(65_534 - base.len()));
    let mut fetch = Fetch::new(
        &Profile::chromium(),
        &page(),
        Request::get(url.parse().unwrap()),
    );
    let Action::Send(get) = fetch.poll(&mut PreflightCache::default(), Instant::now()) else {
        panic!()
    };
    assert_eq!(get.to_http().unwrap().uri().to_string().len(), 65_534);
}

trait DoneResponse {
    fn is_done_response(&self) -> bool;
}
impl DoneResponse for Action {
    fn is_done_response(&self) -> bool {
        matches!(self, Action::Done(Outcome::Response(_)))
    }
}

#[test]
fn a_million_distinct_urls_through_a_bounded_cache() {
    let profile = Profile::chromium();
    let mut cache = PreflightCache::new(1024);
    let result = PreflightResult {
        methods: vec!["PUT".into()],
        headers: vec!["x-token".into()],
        lifetime: Duration::from_secs(600),
        credentials: false,
    };
    let now = Instant::now();
    let mut url = String::with_capacity(64);
    let names = ["x-token".to_owned()];
    for i in 0..1_000_000u32 {
        url.clear();
        use std::fmt::Write;
        write!(url, "https://api.test/item/{i}").unwrap();
        cache.store(&profile, PAGE, &url, &result, now);
        assert!(cache.len() <= cache.capacity());
    }
    assert_eq!(cache.len(), 1024);
    // The newest entries are kept, the oldest evicted.
    assert!(cache.lookup(
        &profile,
        PAGE,
        "https://api.test/item/999999",
        &Method::PUT,
        &names,
        CredentialsMode::Omit,
        now
    ));
    assert!(!cache.lookup(
        &profile,
        PAGE,
        "https://api.test/item/0",
        &Method::PUT,
        &names,
        CredentialsMode::Omit,
        now
    ));
}

#[test]
fn non_utf8_header_bytes() {
    // A request header with bytes 0x80-0xFF: fetch() accepts it, a preflight
    // asks for it, and once allowed it goes on the wire as those bytes.
    let value = [b'a', 0xff, 0xfe];
    let req = Request::get("https://api.test/".parse().unwrap()).header("X-Bin", value);
    let (trace, outcome) = run(
        &Profile::chromium(),
        req,
        &[
            allow(&[("access-control-allow-headers", b"x-bin")]),
            allow(&[]),
        ],
    );
    assert_eq!(
        trace[0].header("access-control-request-headers").as_deref(),
        Some("x-bin")
    );
    assert_eq!(trace[1].headers.get("x-bin").as_deref(), Some(&value[..]));
    assert_eq!(
        trace[1].to_http().unwrap().headers()["x-bin"].as_bytes(),
        value
    );
    assert_eq!(code(&outcome), "ok");
    // WebKit sends such bytes UTF-8-encoded.
    let req = Request::get("https://api.test/".parse().unwrap()).header("X-Bin", value);
    let (trace, _) = run(
        &Profile::webkit(),
        req,
        &[
            allow(&[("access-control-allow-headers", b"x-bin")]),
            allow(&[]),
        ],
    );
    assert_eq!(
        trace[1].headers.get("x-bin").as_deref(),
        Some("a\u{ff}\u{fe}".as_bytes())
    );
    // In a response: Allow-Origin with such bytes is a typed refusal, and an
    // Expose-Headers list with them exposes nothing.
    let h = map(&[("access-control-allow-origin", &[0xff, 0xfe, b'x'])]);
    for engine in Engine::ALL {
        assert!(cors_check(&h, PAGE, CredentialsMode::Omit, engine).is_err());
    }
    let (_, outcome) = run(
        &Profile::chromium(),
        Request::get("https://api.test/".parse().unwrap()),
        &[allow(&[
            ("access-control-expose-headers", &[b'x', 0xff]),
            ("x", b"1"),
        ])],
    );
    assert!(!outcome.response().unwrap().can_read_header("x"));
}

#[test]
fn duplicate_and_empty_headers() {
    // Two Allow-Origin lines, even identical: refused by every engine.
    let h = map(&[
        ("access-control-allow-origin", PAGE.as_bytes()),
        ("access-control-allow-origin", PAGE.as_bytes()),
    ]);
    for engine in Engine::ALL {
        assert_eq!(
            cors_check(&h, PAGE, CredentialsMode::Omit, engine)
                .unwrap_err()
                .code(),
            "MultipleAllowOriginValues"
        );
    }
    // An empty Allow-Origin.
    let h = map(&[("access-control-allow-origin", b"")]);
    assert_eq!(
        cors_check(&h, PAGE, CredentialsMode::Omit, Engine::Chromium)
            .unwrap_err()
            .code(),
        "InvalidAllowOriginValue"
    );
    // Two Allow-Credentials lines combine to "true, true": not "true".
    let h = map(&[
        ("access-control-allow-origin", PAGE.as_bytes()),
        ("access-control-allow-credentials", b"true"),
        ("access-control-allow-credentials", b"true"),
    ]);
    assert_eq!(
        cors_check(&h, PAGE, CredentialsMode::Include, Engine::Chromium)
            .unwrap_err()
            .code(),
        "InvalidAllowCredentials"
    );
    // An empty request header value is still a header: unsafe, preflighted.
    let req = Request::get("https://api.test/".parse().unwrap()).header("X-Empty", "");
    let (trace, _) = run(&Profile::chromium(), req, &[allow(&[])]);
    assert_eq!(
        trace[0].header("access-control-request-headers").as_deref(),
        Some("x-empty")
    );
    // Duplicate request header names are listed once.
    let req = Request::get("https://api.test/".parse().unwrap())
        .header("X-A", "1")
        .header("x-a", "2");
    let (trace, _) = run(&Profile::chromium(), req, &[allow(&[])]);
    assert_eq!(
        trace[0].header("access-control-request-headers").as_deref(),
        Some("x-a")
    );
}

#[test]
fn cr_lf_inside_values() {
    // Inside a value: HeaderList refuses it with a typed error, and so does http.
    let mut list = HeaderList::new();
    let err = list.append("X-A", "a\r\nInjected: 1").unwrap_err();
    assert!(matches!(err, browser_cors::InputError::HeaderValue { .. }));
    assert!(list.append("X-A", "a\rb").is_err());
    assert!(list.append("X-A", "a\nb").is_err());
    assert!(list.append("X-A", "a\0b").is_err());
    assert!(HeaderValue::from_bytes(b"a\r\nb").is_err());
    // At either end, CR and LF are whitespace and normalized away.
    list.append("X-A", "\r\n v \r\n").unwrap();
    assert_eq!(list.get("x-a").as_deref(), Some(&b"v"[..]));
    // A fetch() with such a header fails before anything is sent.
    let req = Request::get("https://api.test/".parse().unwrap()).header("X-A", "a\r\nb: c");
    let (trace, outcome) = run(&Profile::chromium(), req, &[]);
    assert!(trace.is_empty());
    assert_eq!(code(&outcome), "InvalidHeader");
    assert_eq!(outcome.error().unwrap().stage, browser_cors::Stage::Request);
}
