//! **Not public API.** The fuzz targets' bodies and the invariants they check,
//! shared by `fuzz/` (cargo-fuzz, nightly) and `tests/fuzz_corpus.rs` (the
//! committed corpus replayed on stable). Compiled only with the `fuzzing`
//! feature; hidden from the documentation; may change in any release.
//!
//! Every target takes arbitrary bytes and returns `Err(description)` when an
//! invariant does not hold (a panic inside the crate is a finding too).
//! Bytes are decoded by [`Input`], which never fails: past the end it reads
//! zeros, so every input, however short, is a valid case.
//!
//! ```
//! # use browser_cors::fuzzing;
//! for target in fuzzing::TARGETS {
//!     assert!(fuzzing::run(target, b"any bytes at all").is_ok());
//! }
//! ```

use std::collections::HashMap;
use std::time::{Duration, Instant};

use http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use url::Url;

use crate::check::cors_check;
use crate::fetch::{Action, Credentials, Fetch, Outcome, RequestKind, WireRequest};
use crate::headers::{HeaderList, get_combined, is_token, parse_token_list};
use crate::origin::{parse_origin, same_origin, same_site};
use crate::preflight::{max_age, needs_preflight, needs_preflight_for};
use crate::profile::{Engine, Profile};
use crate::range::{ByteRange, canonical_range, is_simple_range, parse_single_range};
use crate::redirect::{MAX_REDIRECTS, location_url};
use crate::request::{CredentialsMode, Mode, RedirectMode, Request};
use crate::response::{ResponseType, SAFELISTED_RESPONSE_HEADERS};
use crate::safelist::{
    cors_unsafe_request_header_names, has_cors_unsafe_request_headers, is_cors_safelisted_method,
    is_cors_safelisted_request_header, is_forbidden_request_header, normalize_method,
};
use crate::{PreflightCache, mime::MimeType};

/// Every target, by the name its `fuzz/fuzz_targets/*.rs` file and corpus
/// folder carry.
pub const TARGETS: [&str; 12] = [
    "allow_origin",
    "token_list",
    "preflight_lists",
    "expose_headers",
    "max_age",
    "mime",
    "range",
    "origin_url",
    "safelist",
    "machine",
    "set_cookie",
    "gate",
];

/// Runs the target called `name` on `data`; an unknown name is an error.
pub fn run(name: &str, data: &[u8]) -> Result<(), String> {
    match name {
        "allow_origin" => allow_origin(data),
        "token_list" => token_list(data),
        "preflight_lists" => preflight_lists(data),
        "expose_headers" => expose_headers(data),
        "max_age" => max_age_target(data),
        "mime" => mime(data),
        "range" => range(data),
        "origin_url" => origin_url(data),
        "safelist" => safelist(data),
        "machine" => machine(data),
        "set_cookie" => set_cookie(data),
        "gate" => gate(data),
        other => Err(format!("no fuzz target named {other}")),
    }
}

macro_rules! ensure {
    ($cond:expr, $($fmt:tt)+) => {
        if !$cond {
            return Err(format!($($fmt)+));
        }
    };
}

/// Reads decisions from fuzzer bytes; zeros once they run out.
#[derive(Debug)]
pub struct Input<'a> {
    data: &'a [u8],
}

impl<'a> Input<'a> {
    /// Starts reading `data`.
    pub fn new(data: &'a [u8]) -> Self {
        Input { data }
    }

    /// Whether every byte has been read.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// The next byte (0 past the end).
    pub fn byte(&mut self) -> u8 {
        match self.data.split_first() {
            Some((b, rest)) => {
                self.data = rest;
                *b
            }
            None => 0,
        }
    }

    /// A number below `n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            return 0;
        }
        let v = usize::from(self.byte()) | (usize::from(self.byte()) << 8);
        if n <= 256 { (v & 0xff) % n } else { v % n }
    }

    /// A coin.
    pub fn flip(&mut self) -> bool {
        self.byte() & 1 == 1
    }

    /// Up to `max` raw bytes (the length is read first).
    pub fn bytes(&mut self, max: usize) -> &'a [u8] {
        let len = self.below(max.saturating_add(1)).min(self.data.len());
        let (taken, rest) = self.data.split_at(len);
        self.data = rest;
        taken
    }

    /// One of `items`, or the fallback when it is empty.
    pub fn pick<T: Copy>(&mut self, items: &[T], fallback: T) -> T {
        let i = self.below(items.len());
        items.get(i).copied().unwrap_or(fallback)
    }

    /// The bytes left.
    pub fn rest(&mut self) -> &'a [u8] {
        std::mem::take(&mut self.data)
    }
}

const ENGINES: [Engine; 3] = Engine::ALL;

fn lossy(v: &[u8]) -> String {
    String::from_utf8_lossy(v).into_owned()
}

fn header_map(lines: &[(&str, Vec<u8>)]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (name, value) in lines {
        // A value the transport could not deliver (CR, LF, NUL) never reaches the machine.
        if let (Ok(n), Ok(v)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_bytes(value),
        ) {
            map.append(n, v);
        }
    }
    map
}

// ---------------------------------------------------------------- parsers

/// `Access-Control-Allow-Origin` / `-Allow-Credentials` through the CORS
/// check of every engine: a pass means an exact match (or `*` without
/// credentials), and `true` exactly when credentials are included.
pub fn allow_origin(data: &[u8]) -> Result<(), String> {
    let mut input = Input::new(data);
    let origin = input.pick(
        &["https://app.test", "null", "http://127.0.0.1:8000"],
        "null",
    );
    let credentials = input.pick(
        &[
            CredentialsMode::Omit,
            CredentialsMode::SameOrigin,
            CredentialsMode::Include,
        ],
        CredentialsMode::Omit,
    );
    let mut lines = Vec::new();
    for _ in 0..input.below(4) {
        let value = match input.below(6) {
            0 => origin.as_bytes().to_vec(),
            1 => b"*".to_vec(),
            2 => format!(" {origin}\t").into_bytes(),
            3 => b"null".to_vec(),
            _ => input.bytes(48).to_vec(),
        };
        lines.push(("access-control-allow-origin", value));
    }
    for _ in 0..input.below(3) {
        let value = if input.flip() {
            b"true".to_vec()
        } else {
            input.bytes(8).to_vec()
        };
        lines.push(("access-control-allow-credentials", value));
    }
    let headers = header_map(&lines);
    let include = credentials == CredentialsMode::Include;
    let acao = get_combined(&headers, &http::header::ACCESS_CONTROL_ALLOW_ORIGIN);
    let acac = get_combined(&headers, &http::header::ACCESS_CONTROL_ALLOW_CREDENTIALS);
    for engine in ENGINES {
        if cors_check(&headers, origin, credentials, engine).is_ok() {
            let exact = acao.as_deref() == Some(origin.as_bytes());
            let star = acao.as_deref() == Some(b"*".as_slice()) && !include;
            ensure!(
                exact || star,
                "{engine:?} passed ACAO {:?} for {origin}",
                acao.as_deref().map(lossy)
            );
            ensure!(
                !include || acac.as_deref() == Some(b"true".as_slice()),
                "{engine:?} passed credentials with ACAC {:?}",
                acac.as_deref().map(lossy)
            );
            ensure!(
                engine != Engine::Firefox
                    || headers
                        .get_all(http::header::ACCESS_CONTROL_ALLOW_ORIGIN)
                        .iter()
                        .count()
                        == 1,
                "Firefox passed several ACAO lines"
            );
        }
    }
    Ok(())
}

/// The token-list parser (`Access-Control-Allow-Methods`, `-Allow-Headers`,
/// `-Expose-Headers`): every item is a token, and parsing is idempotent.
pub fn token_list(data: &[u8]) -> Result<(), String> {
    if let Some(items) = parse_token_list(data) {
        for item in &items {
            ensure!(is_token(item.as_bytes()), "non-token item {item:?}");
        }
        let again = parse_token_list(items.join(",").as_bytes());
        ensure!(
            again.as_ref() == Some(&items),
            "reparse of {items:?} gave {again:?}"
        );
    }
    Ok(())
}

/// A `PUT` with `X-Token` (and sometimes credentials) whose preflight answer
/// has arbitrary `Allow-Methods`, `Allow-Headers`, `Allow-Origin` and
/// `Max-Age` values: the machine's verdict is checked by [`machine`]'s oracle.
pub fn preflight_lists(data: &[u8]) -> Result<(), String> {
    let mut input = Input::new(data);
    let engine = input.pick(&ENGINES, Engine::Chromium);
    let include = input.flip();
    let method = input.pick(&["PUT", "put", "PATCH", "DELETE", "POST"], "PUT");
    let url: Url = parse_url("https://api.test/p")?;
    let mut request = Request::get(url)
        .method(method)
        .header("X-Token", "1")
        .header("Authorization", "Bearer t");
    if include {
        request = request.credentials(CredentialsMode::Include);
    }
    let mut lines = vec![(
        "access-control-allow-origin",
        if input.flip() {
            b"https://app.test".to_vec()
        } else {
            input.bytes(24).to_vec()
        },
    )];
    for name in [
        "access-control-allow-methods",
        "access-control-allow-headers",
        "access-control-max-age",
        "access-control-allow-credentials",
    ] {
        for _ in 0..input.below(3) {
            let value = match input.below(4) {
                0 => b"*".to_vec(),
                1 => method.as_bytes().to_vec(),
                2 => b"x-token, authorization, true".to_vec(),
                _ => input.bytes(40).to_vec(),
            };
            lines.push((name, value));
        }
    }
    let scripted = vec![
        (input.pick(&[200u16, 204, 299, 300, 403], 200), lines),
        (
            200,
            vec![
                ("access-control-allow-origin", b"https://app.test".to_vec()),
                ("access-control-allow-credentials", b"true".to_vec()),
            ],
        ),
    ];
    let mut world = World::new(engine.profile(), 4);
    world.fetch(request, &mut Scripted(scripted.into_iter()))
}

/// `Access-Control-Expose-Headers` with arbitrary bytes: script reads only
/// safelisted or exposed names, never `Set-Cookie`.
pub fn expose_headers(data: &[u8]) -> Result<(), String> {
    let mut input = Input::new(data);
    let engine = input.pick(&ENGINES, Engine::Chromium);
    let include = input.flip();
    let url = parse_url("https://api.test/e")?;
    let mut request = Request::get(url);
    if include {
        request = request.credentials(CredentialsMode::Include);
    }
    let mut lines = vec![
        ("access-control-allow-origin", b"https://app.test".to_vec()),
        ("access-control-allow-credentials", b"true".to_vec()),
        ("x-a", b"1".to_vec()),
        ("x-b", b"2".to_vec()),
        ("set-cookie", b"s=1".to_vec()),
        ("content-type", b"text/plain".to_vec()),
    ];
    for _ in 0..input.below(3) {
        lines.push(("access-control-expose-headers", input.bytes(40).to_vec()));
    }
    let headers = header_map(&lines);
    let expose = get_combined(
        &headers,
        &HeaderName::from_static("access-control-expose-headers"),
    )
    .unwrap_or_default();
    let tokens: Vec<String> = expose
        .split(|b| *b == b',')
        .map(|t| lossy(crate::headers::normalize_value(t)).to_ascii_lowercase())
        .collect();
    let profile = engine.profile();
    let mut fetch = Fetch::new(
        &profile,
        &parse_origin("https://app.test").map_err(|e| e.to_string())?,
        request,
    );
    let mut cache = PreflightCache::new(4);
    let now = Instant::now();
    let Action::Send(_) = fetch.poll(&mut cache, now) else {
        return Err("a simple GET was not sent".into());
    };
    fetch.on_response_head(StatusCode::OK, &headers, &mut cache, now);
    let Action::Done(Outcome::Response(response)) = fetch.poll(&mut cache, now) else {
        return Err("an allowed GET did not give a response".into());
    };
    ensure!(
        response.response_type == ResponseType::Cors,
        "type {:?}",
        response.response_type
    );
    for name in response.headers.keys() {
        let n = name.as_str();
        ensure!(
            n != "set-cookie" && n != "set-cookie2",
            "Set-Cookie readable"
        );
        let star = !include && tokens.iter().any(|t| t == "*");
        ensure!(
            SAFELISTED_RESPONSE_HEADERS.iter().any(|h| h == n)
                || star
                || tokens.iter().any(|t| t == n),
            "{n} readable though not exposed by {:?}",
            lossy(&expose)
        );
    }
    Ok(())
}

/// `Access-Control-Max-Age`: never beyond the engine's cap; plain digits
/// give their value (capped).
pub fn max_age_target(data: &[u8]) -> Result<(), String> {
    for engine in ENGINES {
        let profile = engine.profile();
        let age = max_age(Some(data), &profile);
        ensure!(
            age <= profile.cache.max_lifetime,
            "{engine:?}: {age:?} beyond the cap"
        );
        if !data.is_empty() && data.iter().all(u8::is_ascii_digit) {
            let expected = std::str::from_utf8(data)
                .ok()
                .and_then(|s| s.parse::<u64>().ok())
                .map_or(profile.cache.max_lifetime, |s| {
                    Duration::from_secs(s).min(profile.cache.max_lifetime)
                });
            ensure!(age == expected, "{engine:?}: {age:?} for {}", lossy(data));
        }
    }
    Ok(())
}

/// The WHATWG MIME parser: serializing a parsed type and parsing it again
/// gives the same type; the allocation-free essence checks agree.
pub fn mime(data: &[u8]) -> Result<(), String> {
    let parsed = MimeType::parse(data);
    if let Some(m) = &parsed {
        let serialized = m.serialize();
        // Serialization is isomorphic-decoded: encode it back byte for byte.
        let bytes: Option<Vec<u8>> = serialized
            .chars()
            .map(|c| u8::try_from(u32::from(c)).ok())
            .collect();
        let again = bytes.and_then(|b| MimeType::parse(&b));
        ensure!(
            again.as_ref() == Some(m),
            "{serialized:?} reparsed as {again:?}"
        );
    }
    const SAFE: [&str; 3] = [
        "application/x-www-form-urlencoded",
        "multipart/form-data",
        "text/plain",
    ];
    let by_parser = parsed.is_some_and(|m| SAFE.contains(&m.essence().as_str()));
    ensure!(
        crate::mime::essence_is_any(data, &SAFE) == by_parser,
        "essence check disagrees on {:?}",
        lossy(data)
    );
    ensure!(
        crate::mime::essence_is_cors_safelisted(data) == by_parser,
        "safelisted-essence fast path disagrees on {:?}",
        lossy(data)
    );
    Ok(())
}

/// `Range`: a parsed range writes back to itself, first ≤ last, and the
/// canonical form of a parsable value is simple.
pub fn range(data: &[u8]) -> Result<(), String> {
    for ws in [false, true] {
        if let Some(r) = parse_single_range(data, ws) {
            if let ByteRange::FromTo {
                first,
                last: Some(last),
            } = r
            {
                ensure!(first <= last, "{first} > {last} accepted");
            }
            let text = r.to_header_value();
            ensure!(
                parse_single_range(text.as_bytes(), false) == Some(r),
                "{text} does not reparse"
            );
            let canonical = canonical_range(data);
            ensure!(
                parse_single_range(&canonical, false).is_some(),
                "canonical {:?} unparsable",
                lossy(&canonical)
            );
        }
    }
    if is_simple_range(data) {
        ensure!(
            parse_single_range(data, false).is_some(),
            "simple but unparsable"
        );
    }
    Ok(())
}

/// Origins, URLs and `Location` values: a parsed origin reparses to
/// itself; same-origin and same-site are symmetric; a `Location` resolves to
/// a URL or a typed failure.
pub fn origin_url(data: &[u8]) -> Result<(), String> {
    let mut input = Input::new(data);
    let first = lossy(input.bytes(200));
    let second = lossy(input.rest());
    let mut origins = Vec::new();
    for text in [&first, &second] {
        if let Ok(origin) = parse_origin(text) {
            if origin.is_tuple() {
                let again = parse_origin(&origin.ascii_serialization());
                ensure!(
                    again.as_ref().ok() == Some(&origin),
                    "{text:?} -> {} does not reparse",
                    origin.ascii_serialization()
                );
            }
            origins.push(origin);
        }
        if let Ok(url) = Url::parse(text) {
            origins.push(url.origin());
        }
    }
    for a in &origins {
        ensure!(
            same_site(a, a) || !a.is_tuple(),
            "{a:?} not same-site with itself"
        );
        for b in &origins {
            ensure!(
                same_origin(a, b) == same_origin(b, a),
                "same_origin asymmetric"
            );
            ensure!(same_site(a, b) == same_site(b, a), "same_site asymmetric");
        }
    }
    let base = parse_url("https://app.test/dir/page?q#frag")?;
    if let Ok(value) = HeaderValue::from_bytes(second.as_bytes()) {
        let mut headers = HeaderMap::new();
        headers.insert(http::header::LOCATION, value);
        match location_url(&headers, &base) {
            Some(Ok(url)) => ensure!(!url.scheme().is_empty(), "empty scheme"),
            Some(Err(_)) => {}
            None => return Err("a Location header was not seen".into()),
        }
    }
    Ok(())
}

/// Request-header safelisting: safelisted values are short; the
/// allocation-free classifier agrees with the name lister; names are
/// lowercase and sorted.
pub fn safelist(data: &[u8]) -> Result<(), String> {
    let mut input = Input::new(data);
    const NAMES: [&str; 10] = [
        "accept",
        "Accept-Language",
        "content-type",
        "Content-Language",
        "range",
        "dpr",
        "Save-Data",
        "x-token",
        "Width",
        "ECT",
    ];
    let mut headers = HeaderList::new();
    for _ in 0..input.below(6) {
        let name = if input.below(8) == 0 {
            lossy(input.bytes(12))
        } else {
            input.pick(&NAMES, "accept").to_owned()
        };
        let value = input.bytes(140);
        let _ = headers.append(&name, value);
    }
    let method_bytes = input.bytes(10);
    for engine in ENGINES {
        let profile = engine.profile();
        for (name, value) in headers.iter() {
            if is_cors_safelisted_request_header(name.as_str(), value, &profile) {
                ensure!(
                    value.len() <= 128,
                    "a {}-byte value safelisted",
                    value.len()
                );
            }
        }
        let names = cors_unsafe_request_header_names(&headers, &profile);
        ensure!(
            names.windows(2).all(|w| w.first() <= w.get(1)),
            "names not sorted: {names:?}"
        );
        ensure!(
            names.iter().all(|n| n.to_ascii_lowercase() == *n),
            "names not lowercase"
        );
        ensure!(
            has_cors_unsafe_request_headers(&headers, &profile) != names.is_empty(),
            "{engine:?}: classifier disagrees with {names:?}"
        );
        if let Some(method) = normalize_method(method_bytes) {
            ensure!(is_token(method.as_str().as_bytes()), "non-token method");
            ensure!(
                needs_preflight_for(&method, &headers, &profile)
                    == needs_preflight(&method, &names),
                "needs_preflight_for disagrees"
            );
        }
    }
    Ok(())
}

fn parse_url(s: &str) -> Result<Url, String> {
    Url::parse(s).map_err(|e| e.to_string())
}

// ---------------------------------------------------------------- the machine

const PAGE: &str = "https://app.test";
const ORIGINS: [&str; 6] = [
    "https://app.test",
    "https://api.app.test",
    "https://evil.test",
    "http://127.0.0.1:8000",
    "http://localhost:8001",
    "https://app.test:8443",
];
const PATHS: [&str; 4] = ["/", "/a", "/r?x=1", "/p#frag"];

/// A status and header lines (any bytes) as a server sends them.
type Answer = (u16, Vec<(String, Vec<u8>)>);

/// Where the simulated server's answers come from.
trait Server {
    /// The answer to `request`: `None` is a transport error.
    fn answer(&mut self, request: &WireRequest) -> Option<Answer>;
}

/// A fixed list of answers, then `200` with nothing.
struct Scripted<I>(I);

impl<I: Iterator<Item = (u16, Vec<(&'static str, Vec<u8>)>)>> Server for Scripted<I> {
    fn answer(&mut self, _: &WireRequest) -> Option<Answer> {
        let (status, lines) = self.0.next().unwrap_or((200, Vec::new()));
        Some((
            status,
            lines.into_iter().map(|(n, v)| (n.to_owned(), v)).collect(),
        ))
    }
}

/// A server whose every answer is decoded from fuzzer bytes, often echoing
/// the request so that deep states are reached.
struct Fuzzed<'a, 'b>(&'b mut Input<'a>);

impl Server for Fuzzed<'_, '_> {
    fn answer(&mut self, request: &WireRequest) -> Option<Answer> {
        let input = &mut *self.0;
        let status = match input.below(16) {
            0..=3 => 200,
            4 => 204,
            5 => 301,
            6 => 302,
            7 => 303,
            8 => 307,
            9 => 308,
            10 => 404,
            11 => 500,
            12 => return None,
            _ => 100 + input.below(900) as u16,
        };
        const NAMES: [&str; 12] = [
            "access-control-allow-origin",
            "access-control-allow-credentials",
            "access-control-allow-methods",
            "access-control-allow-headers",
            "access-control-expose-headers",
            "access-control-max-age",
            "location",
            "set-cookie",
            "content-type",
            "x-secret",
            "vary",
            "",
        ];
        let mut lines = Vec::new();
        // Usually a cooperative server, so that the happy paths are explored.
        if input.below(4) != 0 {
            for name in [
                "origin",
                "access-control-request-method",
                "access-control-request-headers",
            ] {
                if let Some(v) = request.headers.get(name) {
                    let target = match name {
                        "origin" => "access-control-allow-origin",
                        "access-control-request-method" => "access-control-allow-methods",
                        _ => "access-control-allow-headers",
                    };
                    lines.push((target.to_owned(), v.into_owned()));
                }
            }
            if request.credentials == Credentials::Include || input.flip() {
                lines.push((
                    "access-control-allow-credentials".to_owned(),
                    b"true".to_vec(),
                ));
            }
        }
        for _ in 0..input.below(7) {
            let mut name = input.pick(&NAMES, "x-secret").to_owned();
            if name.is_empty() {
                name = lossy(input.bytes(10));
            }
            let value = match input.below(12) {
                0 => request
                    .headers
                    .get("origin")
                    .map(|v| v.into_owned())
                    .unwrap_or_default(),
                1 => b"*".to_vec(),
                2 => b"null".to_vec(),
                3 => b"true".to_vec(),
                4 => request.method.as_str().as_bytes().to_vec(),
                5 => request
                    .headers
                    .get("access-control-request-headers")
                    .map(|v| v.into_owned())
                    .unwrap_or_default(),
                6 | 7 => {
                    let origin = input.pick(&ORIGINS, PAGE);
                    let path = input.pick(&PATHS, "/");
                    format!("{origin}{path}").into_bytes()
                }
                8 => input
                    .pick(
                        &[
                            &b"/rel"[..],
                            b"//evil.test/x",
                            b"data:,x",
                            b"http://u:p@api.app.test/",
                            b"x:y",
                        ],
                        b"/",
                    )
                    .to_vec(),
                9 => input.below(100_000).to_string().into_bytes(),
                _ => input.bytes(64).to_vec(),
            };
            lines.push((name, value));
        }
        Some((status, lines))
    }
}

/// What earlier preflights allowed for one URL, read leniently (a superset
/// of what any engine allows), by an oracle independent of the machine.
#[derive(Default, Debug)]
struct Grant {
    methods: Vec<String>,
    headers: Vec<String>,
    any_method: bool,
    any_header: bool,
}

fn lenient_tokens(headers: &HeaderMap, name: &HeaderName) -> Vec<String> {
    headers
        .get_all(name)
        .iter()
        .flat_map(|v| v.as_bytes().split(|b| *b == b','))
        .map(|t| lossy(crate::headers::normalize_value(t)).to_ascii_lowercase())
        .collect()
}

/// One emulated browser: a profile, a page, a shared cache, and the
/// invariant bookkeeping across its fetches.
struct World {
    profile: Profile,
    page: url::Origin,
    cache: PreflightCache,
    now: Instant,
    grants: HashMap<String, Grant>,
}

impl World {
    fn new(profile: Profile, capacity: usize) -> World {
        World {
            profile,
            page: parse_origin(PAGE).unwrap_or_else(|_| url::Origin::new_opaque()),
            cache: PreflightCache::new(capacity),
            now: Instant::now(),
            grants: HashMap::new(),
        }
    }

    /// Runs one `fetch()` to its end against `server`, checking every invariant on every step.
    fn fetch(&mut self, request: Request, server: &mut dyn Server) -> Result<(), String> {
        let credentials = request.credentials;
        let include = credentials == CredentialsMode::Include;
        let mode = request.mode;
        // The script's headers as the Request constructor keeps them (for the preflight oracle).
        let mut script = HeaderList::new();
        for (name, value) in &request.headers {
            let mut probe = HeaderList::new();
            if probe.append(name, value).is_ok() {
                if let Some((n, v)) = probe.iter().next() {
                    if !is_forbidden_request_header(n.as_str(), v, &self.profile) {
                        let _ = script.append(n.as_str(), v);
                    }
                }
            }
        }
        let mut fetch = Fetch::new(&self.profile, &self.page, request);
        let mut actuals = 0usize;
        let mut last_actual: Option<(WireRequest, HeaderMap)> = None;
        // The cache is the machine's store during the run; the checks below
        // read it through `drive`, and it comes back when the run ends.
        let mut cache = std::mem::replace(&mut self.cache, PreflightCache::new(0));
        let now = self.now;
        let outcome = crate::drive::drive(&mut fetch, &mut cache, now, 100, |wire, cache| {
            ensure!(
                cache.len() <= cache.capacity(),
                "cache holds {} > {}",
                cache.len(),
                cache.capacity()
            );
            match wire.kind {
                RequestKind::Preflight => {
                    ensure!(
                        wire.credentials == Credentials::Omit,
                        "a preflight with credentials"
                    );
                    ensure!(
                        !wire.headers.contains("cookie") && !wire.headers.contains("authorization"),
                        "a preflight carries Cookie or Authorization"
                    );
                    ensure!(wire.method == Method::OPTIONS, "a preflight not OPTIONS");
                }
                RequestKind::Actual => {
                    actuals += 1;
                    ensure!(
                        actuals <= MAX_REDIRECTS as usize + 1,
                        "{actuals} requests in one fetch: more than {MAX_REDIRECTS} redirects"
                    );
                    if mode == Mode::Cors && wire.url.origin() != self.page {
                        self.check_allowed(wire, &script, include)?;
                    }
                }
            }
            let Some((status, lines)) = server.answer(wire) else {
                return Ok(crate::drive::Answer::Failed("fuzzed transport error"));
            };
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
            let borrowed: Vec<(&str, Vec<u8>)> =
                lines.iter().map(|(n, v)| (n.as_str(), v.clone())).collect();
            let headers = header_map(&borrowed);
            if wire.kind == RequestKind::Preflight {
                self.record_preflight(wire, status, &headers, credentials);
            } else {
                last_actual = Some((wire.clone(), headers.clone()));
            }
            Ok(crate::drive::Answer::Head(status, headers))
        });
        self.cache = cache;
        ensure!(
            self.cache.len() <= self.cache.capacity(),
            "cache holds {} > {}",
            self.cache.len(),
            self.cache.capacity()
        );
        match outcome? {
            Some(outcome) => self.check_outcome(&outcome, mode, credentials, last_actual.as_ref()),
            None => Err("the fetch did not finish within 100 steps".into()),
        }
    }

    /// Notes what a preflight response allows if it passes the oracle's
    /// (lenient) reading: 2xx and a CORS check that passes.
    fn record_preflight(
        &mut self,
        wire: &WireRequest,
        status: StatusCode,
        headers: &HeaderMap,
        credentials: CredentialsMode,
    ) {
        let origin = wire
            .headers
            .get("origin")
            .map(|v| lossy(&v))
            .unwrap_or_default();
        if !status.is_success()
            || cors_check(headers, &origin, credentials, self.profile.engine).is_err()
        {
            return;
        }
        let grant = self.grants.entry(wire.url.as_str().to_owned()).or_default();
        for (list, any, name) in [
            (
                &mut grant.methods,
                &mut grant.any_method,
                http::header::ACCESS_CONTROL_ALLOW_METHODS,
            ),
            (
                &mut grant.headers,
                &mut grant.any_header,
                http::header::ACCESS_CONTROL_ALLOW_HEADERS,
            ),
        ] {
            let tokens = lenient_tokens(headers, &name);
            *any |= tokens.iter().any(|t| t == "*");
            list.extend(tokens);
        }
    }

    /// A cross-origin CORS request that is not simple was allowed by an
    /// earlier preflight (in this fetch, or cached from an earlier one).
    fn check_allowed(
        &self,
        wire: &WireRequest,
        script: &HeaderList,
        include: bool,
    ) -> Result<(), String> {
        ensure!(
            wire.headers.contains("origin"),
            "a CORS request without Origin"
        );
        let mut present = HeaderList::new();
        for (name, value) in script.iter() {
            if wire.headers.contains(name.as_str()) {
                let _ = present.append(name.as_str(), value);
            }
        }
        let names = cors_unsafe_request_header_names(&present, &self.profile);
        let method_safe = is_cors_safelisted_method(&wire.method);
        if method_safe && names.is_empty() {
            return Ok(());
        }
        let empty = Grant::default();
        let grant = self.grants.get(wire.url.as_str()).unwrap_or(&empty);
        let method = wire.method.as_str().to_ascii_lowercase();
        ensure!(
            method_safe || grant.methods.contains(&method) || (grant.any_method && !include),
            "{} {} sent without a preflight that allowed the method ({grant:?})",
            wire.method,
            wire.url
        );
        for name in &names {
            ensure!(
                grant.headers.iter().any(|h| h == name) || (grant.any_header && !include),
                "{} {} sent with {name} that no preflight allowed ({grant:?})",
                wire.method,
                wire.url
            );
        }
        Ok(())
    }

    fn check_outcome(
        &self,
        outcome: &Outcome,
        mode: Mode,
        credentials: CredentialsMode,
        last: Option<&(WireRequest, HeaderMap)>,
    ) -> Result<(), String> {
        let Outcome::Response(response) = outcome else {
            return Ok(());
        };
        for name in response.headers.keys() {
            ensure!(
                !crate::response::is_forbidden_response_header(name.as_str()),
                "{name} exposed"
            );
        }
        match response.response_type {
            ResponseType::Cors => {
                ensure!(mode == Mode::Cors, "a cors response in {mode} mode");
                let Some((wire, headers)) = last else {
                    return Err("a cors response without a request".into());
                };
                let origin = wire
                    .headers
                    .get("origin")
                    .map(|v| lossy(&v))
                    .ok_or("a cors response to a request without Origin")?;
                cors_check(headers, &origin, credentials, self.profile.engine).map_err(|e| {
                    format!(
                        "a response exposed though its CORS check fails: {}",
                        e.code()
                    )
                })?;
            }
            ResponseType::Opaque | ResponseType::OpaqueRedirect => {
                ensure!(
                    response.status == 0 && response.headers.is_empty(),
                    "an opaque response shows status {} or headers",
                    response.status
                );
            }
            ResponseType::Basic => {
                let Some((wire, _)) = last else {
                    return Err("a basic response without a request".into());
                };
                ensure!(
                    wire.url.origin() == self.page,
                    "a basic response from {}",
                    wire.url
                );
            }
        }
        Ok(())
    }
}

/// The whole machine: an arbitrary browser (engine, cache size), then up
/// to four fetches of arbitrary requests against a server whose answers
/// (statuses, header lines with any bytes, redirects, `Location` values,
/// transport errors) are decoded from the input, with every invariant
/// checked on every step:
///
/// - a response is never exposed unless its CORS check passes with the
///   request's credentials mode;
/// - a preflight never carries credentials (nor `Cookie`, `Authorization`);
/// - a cross-origin CORS request that is not simple reaches the wire only
///   after a preflight (in this fetch or an earlier one) allowed its method
///   and unsafe headers;
/// - at most 20 redirects (21 requests) per fetch, and every fetch ends;
/// - the cache never holds more than its capacity;
/// - opaque responses show nothing; `Set-Cookie` is never exposed.
pub fn machine(data: &[u8]) -> Result<(), String> {
    let mut input = Input::new(data);
    let engine = input.pick(&ENGINES, Engine::Chromium);
    let capacity = 1 + input.below(4);
    let mut world = World::new(engine.profile(), capacity);
    for _ in 0..1 + input.below(4) {
        let request = arbitrary_request(&mut input)?;
        world.fetch(request, &mut Fuzzed(&mut input))?;
        world.now += Duration::from_secs(input.below(8) as u64);
        if input.is_empty() {
            break;
        }
    }
    Ok(())
}

fn arbitrary_request(input: &mut Input<'_>) -> Result<Request, String> {
    let origin = input.pick(&ORIGINS, PAGE);
    let path = input.pick(&PATHS, "/");
    let mut request = Request::get(parse_url(&format!("{origin}{path}"))?);
    let method = match input.below(12) {
        0 | 1 => "GET".to_owned(),
        2 | 3 => "POST".to_owned(),
        4 => "PUT".to_owned(),
        5 => "DELETE".to_owned(),
        6 => "patch".to_owned(),
        7 => "HEAD".to_owned(),
        8 => "OPTIONS".to_owned(),
        9 => "get".to_owned(),
        10 => "CONNECT".to_owned(),
        _ => lossy(input.bytes(8)),
    };
    request = request.method(method);
    const NAMES: [&str; 14] = [
        "Accept",
        "Content-Type",
        "Accept-Language",
        "Content-Language",
        "Range",
        "X-Token",
        "Authorization",
        "Cookie",
        "User-Agent",
        "DPR",
        "Save-Data",
        "X-HTTP-Method-Override",
        "x-token",
        "",
    ];
    const VALUES: [&[u8]; 8] = [
        b"text/plain",
        b"application/json",
        b"bytes=0-",
        b"en-US",
        b"*/*",
        b"multipart/form-data; boundary=x",
        b"2",
        b"",
    ];
    for _ in 0..input.below(6) {
        let mut name = input.pick(&NAMES, "X-Token").to_owned();
        if name.is_empty() {
            name = lossy(input.bytes(10));
        }
        let mut value = input.pick(&VALUES, b"").to_vec();
        if value.is_empty() {
            value = input.bytes(140).to_vec();
        }
        request = request.header(name, value);
    }
    request = request
        .mode(input.pick(
            &[Mode::Cors, Mode::Cors, Mode::NoCors, Mode::SameOrigin],
            Mode::Cors,
        ))
        .credentials(input.pick(
            &[
                CredentialsMode::SameOrigin,
                CredentialsMode::Omit,
                CredentialsMode::Include,
            ],
            CredentialsMode::SameOrigin,
        ))
        .redirect(input.pick(
            &[
                RedirectMode::Follow,
                RedirectMode::Follow,
                RedirectMode::Error,
                RedirectMode::Manual,
            ],
            RedirectMode::Follow,
        ));
    if input.below(4) == 0 {
        request = request.body("x");
    }
    Ok(request)
}

/// Target `set_cookie`: the `Set-Cookie` parser and the cookie-date
/// algorithm never panic, and a parsed cookie holds no control byte, no
/// `;` in its name or value, and no path that does not start with `/`.
pub fn set_cookie(data: &[u8]) -> Result<(), String> {
    use crate::profile::SetCookieSyntax;
    let _ = crate::cookie::parse_cookie_date(&String::from_utf8_lossy(data));
    let bad = |s: &str| {
        s.bytes()
            .any(|b| (b < 0x20 && b != b'\t') || b == 0x7f || b == b';')
    };
    for syntax in [
        SetCookieSyntax::Chromium,
        SetCookieSyntax::Gecko,
        SetCookieSyntax::Libsoup,
    ] {
        let Some(c) = crate::cookie::SetCookie::parse_as(data, syntax) else {
            continue;
        };
        ensure!(
            !bad(&c.name) && !bad(&c.value),
            "control byte or ';' kept: {c:?}"
        );
        ensure!(
            !c.name.is_empty() || !c.value.is_empty(),
            "empty cookie accepted"
        );
        ensure!(
            c.path.as_deref().is_none_or(|p| p.starts_with('/')),
            "bad path kept: {c:?}"
        );
        // Every engine but libsoup bounds a cookie at 4096 bytes; none keeps
        // a tab at the edge of a name or a value.
        ensure!(
            syntax == SetCookieSyntax::Libsoup || c.name.len() + c.value.len() <= 4096,
            "oversized cookie accepted by {syntax:?}"
        );
        for part in [&c.name, &c.value] {
            ensure!(
                !part.starts_with(['\t', ' ']) && !part.ends_with(['\t', ' ']),
                "untrimmed name or value kept by {syntax:?}: {c:?}"
            );
        }
        ensure!(
            syntax != SetCookieSyntax::Gecko || !c.name.is_empty(),
            "Firefox keeps no nameless cookie: {c:?}"
        );
    }
    Ok(())
}

/// Cookies of the `gate` target: each name says its attributes.
const GATE_COOKIES: [&str; 7] = [
    "none=1; SameSite=None; Secure",
    "part=1; SameSite=None; Secure; Partitioned",
    "lax=1; SameSite=Lax",
    "strict=1; SameSite=Strict; Secure",
    "plain=1",
    "__Host-h=1; Secure; Path=/",
    "__Secure-bad=1",
];

/// Target `gate`: the whole machine with a [`crate::BrowserState`] (cookies), named
/// hosts over http and https, address spaces, permissions and COEP. Checks,
/// for every request that reaches the wire: no mixed content from a secure
/// page; no Local Network Access request the permission forbids; no cookie
/// on a preflight or an uncredentialed request; no `SameSite=Lax`/`Strict`
/// cookie on a cross-site request; in Chromium no unpartitioned cookie on a
/// cross-site request; no `__Secure-` cookie that lacks `Secure` where the
/// engine enforces prefixes.
pub fn gate(data: &[u8]) -> Result<(), String> {
    use crate::cookie::CookieJar;
    use crate::local_network::{self, AddressSpace};
    use crate::mixed_content;
    use crate::origin::url_same_site;
    use crate::profile::ThirdPartyCookies;
    use crate::{BrowserState, EmbedderPolicy, Page, PermissionState};

    const HOSTS: [&str; 8] = [
        "https://app.test",
        "https://api.app.test",
        "https://api.other.test",
        "http://app.test",
        "http://api.other.test",
        "http://127.0.0.1:8001",
        "http://localhost:8003",
        "http://10.0.0.2",
    ];
    let mut input = Input::new(data);
    let engine = input.pick(&ENGINES, Engine::Chromium);
    let mut profile = engine.profile();
    if input.below(4) == 0 {
        profile.cookies.third_party = ThirdPartyCookies::Allowed;
    }
    let page_origin = parse_origin(input.pick(&HOSTS[..6], HOSTS[0])).map_err(|e| e.to_string())?;
    let spaces = [
        AddressSpace::Public,
        AddressSpace::Local,
        AddressSpace::Loopback,
    ];
    let permission = input.pick(
        &[
            PermissionState::Prompt,
            PermissionState::Granted,
            PermissionState::Denied,
        ],
        PermissionState::Prompt,
    );
    let mut page = Page::new(&page_origin)
        .with_address_space(input.pick(&spaces, AddressSpace::Public))
        .with_local_network_permission(permission)
        .with_embedder_policy(input.pick(
            &[
                EmbedderPolicy::UnsafeNone,
                EmbedderPolicy::RequireCorp,
                EmbedderPolicy::Credentialless,
            ],
            EmbedderPolicy::UnsafeNone,
        ));
    for host in HOSTS {
        if input.flip() {
            page = page.with_target_address_space(host, input.pick(&spaces, AddressSpace::Public));
        }
    }
    let mut state = BrowserState::new(&profile);
    let now = Instant::now();
    for _ in 0..input.below(4) {
        let visit = parse_url(&format!("{}/", input.pick(&HOSTS, HOSTS[0])))?;
        state.cookies.store_first_party(
            &visit,
            input.pick(&GATE_COOKIES, GATE_COOKIES[0]).as_bytes(),
            now,
        );
    }
    for _ in 0..1 + input.below(3) {
        let mut request = arbitrary_request(&mut input)?;
        request.url = parse_url(&format!("{}/r", input.pick(&HOSTS, HOSTS[2])))?;
        let mut fetch = Fetch::from_page(&profile, &page, request);
        // Whether it ends within 30 exchanges is not what this target checks.
        let _outcome = crate::drive::drive(&mut fetch, &mut state, now, 30, |wire, _| {
            ensure!(
                !(mixed_content::page_restricts_mixed_content(&page_origin)
                    && mixed_content::is_blocked(&wire.url, &profile.mixed_content)),
                "mixed content reached the wire: {}",
                wire.url
            );
            ensure!(
                page.address_space()
                    .is_none_or(|space| local_network::check(
                        space,
                        page.is_secure_context(),
                        page.target_address_space(&wire.url),
                        &page.permissions,
                        &profile.local_network
                    )
                    .is_ok()),
                "a request Local Network Access forbids reached the wire: {}",
                wire.url
            );
            let cookie = wire.header("cookie").unwrap_or_default();
            let names: Vec<&str> = cookie
                .split("; ")
                .filter_map(|p| p.split('=').next())
                .filter(|n| !n.is_empty())
                .collect();
            ensure!(
                names.is_empty()
                    || (wire.kind == RequestKind::Actual
                        && wire.credentials == Credentials::Include),
                "cookies {names:?} on a {:?} request without credentials",
                wire.kind
            );
            let cross = !url_same_site(&page_origin, &wire.url, profile.cookies.same_site_scheme);
            for name in &names {
                ensure!(
                    *name != "__Secure-bad"
                        || profile.cookies.prefixes == crate::profile::CookiePrefixes::Ignored,
                    "a __Secure- cookie without Secure was sent"
                );
                if cross {
                    ensure!(
                        !matches!(*name, "lax" | "strict"),
                        "SameSite cookie {name} on a cross-site request"
                    );
                    if engine == Engine::Chromium
                        && profile.cookies.third_party == ThirdPartyCookies::BlockUnpartitioned
                    {
                        ensure!(
                            *name == "part",
                            "unpartitioned cookie {name} on a cross-site request in Chromium"
                        );
                    }
                }
            }
            let mut headers = HeaderMap::new();
            let status = input.pick(&[200u16, 204, 302, 403], 200);
            if input.flip() {
                headers.insert("access-control-allow-origin", HeaderValue::from_static("*"));
            } else if let Ok(v) = HeaderValue::from_str(&page_origin.ascii_serialization()) {
                headers.insert("access-control-allow-origin", v);
                headers.insert(
                    "access-control-allow-credentials",
                    HeaderValue::from_static("true"),
                );
            }
            if status == 302 {
                if let Ok(v) = HeaderValue::from_str(&format!("{}/n", input.pick(&HOSTS, HOSTS[0])))
                {
                    headers.insert("location", v);
                }
            }
            for _ in 0..input.below(3) {
                if let Ok(v) = HeaderValue::from_str(input.pick(&GATE_COOKIES, GATE_COOKIES[0])) {
                    headers.append("set-cookie", v);
                }
            }
            if input.flip() {
                headers.insert(
                    "cross-origin-resource-policy",
                    HeaderValue::from_static("same-site"),
                );
            }
            Ok(crate::drive::Answer::Head(
                StatusCode::from_u16(status).unwrap_or(StatusCode::OK),
                headers,
            ))
        })?;
        ensure!(
            state.cookies.len() <= profile.cookies.max_total,
            "jar over its bound"
        );
    }
    let _ = CookieJar::new(&profile);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wire(kind: RequestKind, method: Method, url: &str, headers: &[(&str, &str)]) -> WireRequest {
        let mut list = HeaderList::new();
        for (n, v) in headers {
            list.append(n, v).unwrap();
        }
        WireRequest {
            kind,
            method,
            url: Url::parse(url).unwrap(),
            headers: list,
            body: None,
            credentials: Credentials::Omit,
        }
    }

    /// The checker is not vacuous: it reports a `PUT` or an unsafe header
    /// that no preflight allowed, and accepts them once one did.
    #[test]
    fn unallowed_requests_are_reported() {
        let mut world = World::new(Profile::chromium(), 2);
        let put = wire(
            RequestKind::Actual,
            Method::PUT,
            "https://evil.test/",
            &[("origin", PAGE)],
        );
        let script = HeaderList::new();
        assert!(world.check_allowed(&put, &script, false).is_err());
        let mut token = HeaderList::new();
        token.append("x-token", "1").unwrap();
        let get = wire(
            RequestKind::Actual,
            Method::GET,
            "https://evil.test/",
            &[("origin", PAGE), ("x-token", "1")],
        );
        assert!(world.check_allowed(&get, &token, false).is_err());
        let preflight = wire(
            RequestKind::Preflight,
            Method::OPTIONS,
            "https://evil.test/",
            &[("origin", PAGE)],
        );
        let answer = header_map(&[
            ("access-control-allow-origin", PAGE.as_bytes().to_vec()),
            ("access-control-allow-methods", b"PUT".to_vec()),
            ("access-control-allow-headers", b"X-Token".to_vec()),
        ]);
        world.record_preflight(&preflight, StatusCode::OK, &answer, CredentialsMode::Omit);
        assert!(world.check_allowed(&put, &script, false).is_ok());
        assert!(world.check_allowed(&get, &token, false).is_ok());
        // A wildcard does not cover credentialed requests.
        let mut world = World::new(Profile::chromium(), 2);
        let star = header_map(&[
            ("access-control-allow-origin", PAGE.as_bytes().to_vec()),
            ("access-control-allow-methods", b"*".to_vec()),
        ]);
        world.record_preflight(&preflight, StatusCode::OK, &star, CredentialsMode::Omit);
        assert!(world.check_allowed(&put, &script, true).is_err());
    }

    /// An exposed CORS response whose check fails is reported.
    #[test]
    fn exposed_failures_are_reported() {
        let world = World::new(Profile::chromium(), 2);
        let get = wire(
            RequestKind::Actual,
            Method::GET,
            "https://evil.test/",
            &[("origin", PAGE)],
        );
        let response = |headers: HeaderMap| {
            Outcome::Response(crate::Response {
                response_type: ResponseType::Cors,
                status: 200,
                url: None,
                redirected: false,
                headers: headers.into(),
            })
        };
        let star = header_map(&[("access-control-allow-origin", b"*".to_vec())]);
        let last = (get.clone(), star.clone());
        let ok = world.check_outcome(
            &response(HeaderMap::new()),
            Mode::Cors,
            CredentialsMode::Omit,
            Some(&last),
        );
        assert!(ok.is_ok());
        let bad = world.check_outcome(
            &response(HeaderMap::new()),
            Mode::Cors,
            CredentialsMode::Include,
            Some(&last),
        );
        assert!(bad.unwrap_err().contains("CORS check fails"));
        let cookie = header_map(&[("set-cookie", b"a=b".to_vec())]);
        assert!(
            world
                .check_outcome(
                    &response(cookie),
                    Mode::Cors,
                    CredentialsMode::Omit,
                    Some(&last)
                )
                .is_err()
        );
    }

    /// A server that redirects forever: the fetch ends after 20 redirects
    /// (21 requests), which the checker accepts.
    #[test]
    fn endless_redirects_stop_at_twenty() {
        for engine in ENGINES {
            let mut world = World::new(engine.profile(), 2);
            let hop = || {
                (
                    302u16,
                    vec![
                        ("access-control-allow-origin", PAGE.as_bytes().to_vec()),
                        ("location", b"https://evil.test/again".to_vec()),
                    ],
                )
            };
            let request = Request::get(parse_url("https://evil.test/start").unwrap());
            let mut fetch = Fetch::new(&world.profile, &world.page, request.clone());
            let mut server = Scripted(std::iter::repeat_with(hop).take(40));
            let mut sent = 0;
            let outcome =
                crate::drive::drive(&mut fetch, &mut world.cache, world.now, 100, |wire, _| {
                    sent += 1;
                    let (status, lines) = server.answer(wire).unwrap();
                    let borrowed: Vec<(&str, Vec<u8>)> =
                        lines.iter().map(|(n, v)| (n.as_str(), v.clone())).collect();
                    let status = StatusCode::from_u16(status).unwrap();
                    Ok::<_, ()>(crate::drive::Answer::Head(status, header_map(&borrowed)))
                });
            assert!(outcome.unwrap().unwrap().error().is_some(), "{engine:?}");
            assert_eq!(sent, 21, "{engine:?}");
            let mut server = Scripted(std::iter::repeat_with(hop).take(40));
            assert_eq!(world.fetch(request, &mut server), Ok(()));
        }
    }

    /// Every target accepts the empty input and refuses nothing on it.
    #[test]
    fn empty_inputs_pass() {
        for target in TARGETS {
            assert_eq!(run(target, b""), Ok(()), "{target}");
        }
    }
}
