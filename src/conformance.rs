//! Browser conformance vectors: the recorded format, a simulated server that
//! follows a scenario's routes on a virtual clock, and the replayer that runs
//! every step through the machine and compares with what the browser did.
//!
//! The format is described in `spec-tests/vectors/FORMAT.md`.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use serde::{Deserialize, Serialize};
use url::Url;

use crate::drive::Answer;
use crate::fetch::{BrowserState, Fetch, Outcome, WireRequest};
use crate::origin::parse_origin;
use crate::page::Page;
use crate::profile::{Engine, Profile};
use crate::request::{CredentialsMode, Mode, RedirectMode, Request};

/// One scenario: a scripted server and the `fetch()` calls made against it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scenario {
    /// A unique name, `area/what`.
    pub id: String,
    /// What the author meant to probe (written before recording).
    #[serde(default)]
    pub note: String,
    /// The page's origin (Format 2; default `{A}`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page: Option<String>,
    /// Headers of the page's own response (Format 2: COEP, CSP).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub page_headers: Vec<(String, String)>,
    /// Top-level visits that store first-party cookies first (Format 2).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub setup: Vec<SetupVisit>,
    /// Local Network Access address spaces by placeholder (Format 2).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub address_spaces: BTreeMap<String, crate::AddressSpace>,
    /// Permissions of the page (Format 2).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub permissions: BTreeMap<String, crate::PermissionState>,
    /// The server's script.
    #[serde(default)]
    pub routes: Vec<Route>,
    /// The `fetch()` calls, in order; the preflight cache persists between them.
    pub steps: Vec<Step>,
}

/// A top-level visit made before the page loads (Format 2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetupVisit {
    /// The origin visited (a placeholder).
    pub visit: String,
    /// One `Set-Cookie` line per value.
    #[serde(default)]
    pub set_cookie: Vec<String>,
}

/// One route of the simulated server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Route {
    /// `{A}`, `{B}` or `{C}`.
    pub origin: String,
    /// The path (the query is ignored when matching).
    pub path: String,
    /// The method, byte for byte, or `*`.
    pub method: String,
    /// The status code.
    pub status: u16,
    /// Header lines in order; a name may repeat.
    #[serde(default)]
    pub headers: Vec<(String, String)>,
    /// The body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
}

/// One `fetch()` call and what the browser did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    /// The arguments.
    pub fetch: FetchArgs,
    /// Milliseconds to wait before the call.
    #[serde(default)]
    pub wait_ms: u64,
    /// The recording.
    pub expect: Expectation,
}

/// The arguments of `fetch()` in a vector.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FetchArgs {
    /// A URL starting with a placeholder, or an absolute path (against `{A}`).
    pub url: String,
    /// The method (default `GET`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// Header pairs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub headers: Vec<(String, String)>,
    /// `mode`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<Mode>,
    /// `credentials`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credentials: Option<CredentialsMode>,
    /// `redirect`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redirect: Option<RedirectMode>,
    /// A string body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
}

impl FetchArgs {
    /// The [`Request`] these arguments make, placeholders filled with
    /// `origins` (an absolute path is resolved against `{A}`). `None` when
    /// the URL does not parse.
    pub fn request(&self, origins: &Origins) -> Option<Request> {
        self.request_from(origins, &origins.a)
    }

    /// [`FetchArgs::request`] from a page at `page` (an absolute path is
    /// resolved against it).
    pub fn request_from(&self, origins: &Origins, page: &str) -> Option<Request> {
        let raw = if self.url.starts_with('/') {
            format!("{page}{}", self.url)
        } else {
            origins.fill(&self.url)
        };
        let mut request = Request::get(Url::parse(&raw).ok()?);
        if let Some(m) = &self.method {
            request.method = m.clone().into();
        }
        request.headers = self
            .headers
            .iter()
            .map(|(n, v)| (n.clone(), js_bytes(v)))
            .collect();
        request.mode = self.mode.unwrap_or_default();
        request.credentials = self.credentials.unwrap_or_default();
        request.redirect = self.redirect.unwrap_or_default();
        request.body = self
            .body
            .as_ref()
            .map(|b| bytes::Bytes::from(b.clone().into_bytes()));
        Some(request)
    }
}

/// What script saw and what reached the server, with placeholders.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Expectation {
    /// `response` or `network-error`.
    pub result: String,
    /// `Response.type`.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub response_type: Option<String>,
    /// `Response.status`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// `Response.redirected`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redirected: Option<bool>,
    /// `Response.url`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The readable header names.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub headers: Option<Vec<String>>,
    /// Every request the server received.
    pub server_log: Vec<LogEntry>,
}

impl Expectation {
    /// The compared fields that differ between this expectation and
    /// `observed` (empty when they agree): `result`, `type`, `status`,
    /// `redirected`, `url`, `headers`, and per `server_log` entry its method,
    /// origin_url, origin, acrm, acrh and cookie. `Sec-Fetch-*` and
    /// `request_headers` are compared on their own.
    pub fn differences(&self, observed: &Expectation) -> Vec<String> {
        let expect = self;
        let mut differences = Vec::new();
        let mut field = |name: &str, same: bool| {
            if !same {
                differences.push(name.to_owned());
            }
        };
        field("result", expect.result == observed.result);
        field("type", expect.response_type == observed.response_type);
        field("status", expect.status == observed.status);
        field("redirected", expect.redirected == observed.redirected);
        field("url", expect.url == observed.url);
        field("headers", expect.headers == observed.headers);
        // Borrowed: comparing copies nothing.
        fn core(
            l: &LogEntry,
        ) -> (
            &str,
            &str,
            &Option<String>,
            &Option<String>,
            &Option<String>,
            bool,
        ) {
            (
                &l.method,
                &l.origin_url,
                &l.origin,
                &l.acrm,
                &l.acrh,
                l.cookie,
            )
        }
        let cookies_differ =
            |e: &LogEntry, o: &LogEntry| e.cookies.is_some() && e.cookies != o.cookies;
        if expect.server_log.len() != observed.server_log.len() {
            differences.push(format!(
                "server_log (expected {} requests, observed {})",
                expect.server_log.len(),
                observed.server_log.len()
            ));
        } else {
            for (i, (e, o)) in expect
                .server_log
                .iter()
                .zip(&observed.server_log)
                .enumerate()
            {
                if core(e) != core(o) || cookies_differ(e, o) {
                    differences.push(format!("server_log[{i}]"));
                }
            }
        }
        differences
    }

    /// What a rejected `fetch()` shows: only the server's log.
    pub fn network_error(server_log: Vec<LogEntry>) -> Expectation {
        Expectation {
            result: "network-error".into(),
            response_type: None,
            status: None,
            redirected: None,
            url: None,
            headers: None,
            server_log,
        }
    }

    /// What a resolved `fetch()` shows, with the placeholders of `origins` put back.
    pub fn response(
        r: &crate::Response,
        origins: &Origins,
        server_log: Vec<LogEntry>,
    ) -> Expectation {
        Expectation::response_unfilled(r, &Unfill::new(origins), server_log)
    }

    fn response_unfilled(
        r: &crate::Response,
        unfill: &Unfill<'_>,
        server_log: Vec<LogEntry>,
    ) -> Expectation {
        Expectation {
            result: "response".into(),
            response_type: Some(r.response_type.as_str().into()),
            status: Some(r.status),
            redirected: Some(r.redirected),
            url: Some(
                r.url
                    .as_ref()
                    .map(|u| unfill.apply(u.as_str()))
                    .unwrap_or_default(),
            ),
            headers: Some(r.header_names()),
            server_log,
        }
    }
}

/// One request as the server saw it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogEntry {
    /// The method.
    pub method: String,
    /// Origin and path, query dropped.
    pub origin_url: String,
    /// `Origin`.
    pub origin: Option<String>,
    /// `Access-Control-Request-Method`.
    pub acrm: Option<String>,
    /// `Access-Control-Request-Headers`.
    pub acrh: Option<String>,
    /// Whether a `Cookie` header was sent.
    pub cookie: bool,
    /// The names of the cookies sent, in header order (Format 2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cookies: Option<Vec<String>>,
    /// `Sec-Fetch-Mode`.
    pub sec_fetch_mode: Option<String>,
    /// `Sec-Fetch-Site`.
    pub sec_fetch_site: Option<String>,
    /// The values of the headers the step's `fetch` set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_headers: Option<BTreeMap<String, Option<String>>>,
}

/// The origins a replay uses for the placeholders: `{A}`, `{B}`, `{C}`
/// (Format 1) and `{S}`, `{T}`, `{U}`, `{P}`, `{Q}` (Format 2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origins {
    /// The default page.
    pub a: String,
    /// Same site, another port.
    pub b: String,
    /// Another site.
    pub c: String,
    /// The secure named page origins and the plain-http ones, in the order
    /// `{S}`, `{T}`, `{U}`, `{P}`, `{Q}`.
    pub named: [String; 5],
}

const NAMED: [&str; 5] = ["S", "T", "U", "P", "Q"];

impl Default for Origins {
    fn default() -> Self {
        Origins {
            a: "http://127.0.0.1:8001".into(),
            b: "http://127.0.0.1:8002".into(),
            c: "http://localhost:8003".into(),
            named: [
                "https://app.test:9001".into(),
                "https://api.other.test:9002".into(),
                "https://api.app.test:9003".into(),
                "http://app.test:9004".into(),
                "http://api.other.test:9005".into(),
            ],
        }
    }
}

impl Origins {
    fn host(origin: &str) -> &str {
        let b = origin.as_bytes();
        match b.windows(3).position(|w| w == b"://") {
            Some(i) => origin.get(i + 3..).unwrap_or(origin),
            None => origin,
        }
    }

    /// Every placeholder name with its origin.
    fn all(&self) -> impl Iterator<Item = (&str, &str)> {
        [
            ("A", self.a.as_str()),
            ("B", self.b.as_str()),
            ("C", self.c.as_str()),
        ]
        .into_iter()
        .chain(
            NAMED
                .iter()
                .copied()
                .zip(self.named.iter().map(String::as_str)),
        )
    }

    /// The origin of a placeholder such as `{S}`.
    pub fn origin_of(&self, placeholder: &str) -> Option<&str> {
        let name = placeholder.strip_prefix('{')?.strip_suffix('}')?;
        self.all().find(|(n, _)| *n == name).map(|(_, o)| o)
    }

    /// Replaces the placeholders of `s` with these origins (one pass).
    ///
    /// ```
    /// let o = browser_cors::conformance::Origins::default();
    /// assert_eq!(o.fill("{B}/r on {C_host}"), "http://127.0.0.1:8002/r on localhost:8003");
    /// ```
    pub fn fill(&self, s: &str) -> String {
        if !s.contains('{') {
            return s.to_owned();
        }
        let mut out = String::with_capacity(s.len() + 32);
        let mut rest = s;
        while let Some(i) = rest.find('{') {
            out.push_str(rest.get(..i).unwrap_or_default());
            let tail = rest.get(i..).unwrap_or_default();
            let hit = self.all().find_map(|(name, origin)| {
                let after = tail.strip_prefix('{')?.strip_prefix(name)?;
                if let Some(r) = after.strip_prefix('}') {
                    Some((origin, r))
                } else {
                    after
                        .strip_prefix("_host}")
                        .map(|r| (Self::host(origin), r))
                }
            });
            match hit {
                Some((text, r)) => {
                    out.push_str(text);
                    rest = r;
                }
                None => {
                    out.push('{');
                    rest = tail.get(1..).unwrap_or_default();
                }
            }
        }
        out.push_str(rest);
        out
    }

    /// Puts the placeholders back into `s` (one pass; an origin is matched
    /// before its host).
    ///
    /// ```
    /// let o = browser_cors::conformance::Origins::default();
    /// assert_eq!(o.unfill("http://127.0.0.1:8002/r on localhost:8003"), "{B}/r on {C_host}");
    /// assert_eq!(o.unfill("é→http://127.0.0.1:8001, 1.2"), "é→{A}, 1.2");
    /// assert_eq!(o.unfill(""), "");
    /// ```
    pub fn unfill(&self, s: &str) -> String {
        Unfill::new(self).apply(s)
    }
}

/// [`Origins::unfill`] with its tables built once, for a whole replay.
struct Unfill<'a> {
    origins: &'a Origins,
    /// Each placeholder's name, origin and host.
    table: [(&'a str, &'a str, &'a str); 8],
    /// Only a byte that starts an origin or a host can start a match.
    starts: [bool; 256],
}

impl<'a> Unfill<'a> {
    fn new(origins: &'a Origins) -> Unfill<'a> {
        let mut table = [("", "", ""); 8];
        for (slot, (name, origin)) in table.iter_mut().zip(origins.all()) {
            *slot = (name, origin, Origins::host(origin));
        }
        let mut starts = [false; 256];
        for (_, origin, host) in &table {
            for t in [origin, host] {
                if let Some(slot) = t
                    .as_bytes()
                    .first()
                    .and_then(|b| starts.get_mut(usize::from(*b)))
                {
                    *slot = true;
                }
            }
        }
        Unfill {
            origins,
            table,
            starts,
        }
    }

    fn apply(&self, s: &str) -> String {
        let (table, starts) = (&self.table, &self.starts);
        let mut out = String::with_capacity(s.len());
        // `copied..at` is text already scanned and not yet copied: it goes
        // out as one slice when a placeholder (or the end) comes.
        let (mut copied, mut at) = (0, 0);
        while let Some(&byte) = s.as_bytes().get(at) {
            // Origins and hosts are ASCII, so a byte that starts one is a
            // character boundary.
            let found = starts
                .get(usize::from(byte))
                .copied()
                .unwrap_or(false)
                .then(|| s.get(at..))
                .flatten()
                .and_then(|rest| {
                    let origin = table
                        .iter()
                        .find(|(_, origin, _)| rest.starts_with(origin))
                        .map(|(name, origin, _)| (*name, origin.len(), "}"));
                    origin.or_else(|| {
                        table
                            .iter()
                            .find(|(_, _, host)| !host.is_empty() && rest.starts_with(host))
                            .map(|(name, _, host)| (*name, host.len(), "_host}"))
                    })
                });
            match found {
                Some((name, len, close)) => {
                    out.push_str(s.get(copied..at).unwrap_or_default());
                    out.push('{');
                    out.push_str(name);
                    out.push_str(close);
                    at += len;
                    copied = at;
                }
                None => at += 1,
            }
        }
        out.push_str(s.get(copied..).unwrap_or_default());
        out
    }
}

/// JavaScript string to header bytes, as `fetch()` turns a string into a
/// byte string (one byte per code point up to U+00FF; the vectors hold no
/// higher code point, which would be written as `?`).
///
/// ```
/// assert_eq!(browser_cors::conformance::js_bytes("h\u{e9}"), b"h\xe9");
/// ```
pub fn js_bytes(s: &str) -> Vec<u8> {
    if s.is_ascii() {
        return s.as_bytes().to_vec();
    }
    s.chars()
        .map(|c| u8::try_from(u32::from(c)).unwrap_or(b'?'))
        .collect()
}

/// [`js_bytes`] of a string the caller owns: ASCII gives up its buffer
/// instead of being copied.
fn js_bytes_owned(s: String) -> Vec<u8> {
    if s.is_ascii() {
        s.into_bytes()
    } else {
        js_bytes(&s)
    }
}

/// Header bytes back to a JavaScript string (isomorphic decode).
///
/// ```
/// assert_eq!(browser_cors::conformance::js_string(b"h\xe9"), "h\u{e9}");
/// ```
pub fn js_string(b: &[u8]) -> String {
    crate::headers::isomorphic_decode(b)
}

/// The server side of a scenario: its routes.
struct Server<'a> {
    routes: &'a [Route],
    origins: &'a Origins,
}

impl Server<'_> {
    /// The scripted answer, or `None` when nothing listens at the URL's
    /// origin (the connection fails, nothing is logged).
    fn respond(&self, url: &Url, method: &str) -> Option<(StatusCode, HeaderMap)> {
        let origin = origin_cow(url);
        let origin = origin.as_ref();
        self.origins.all().find(|(_, o)| *o == origin)?;
        let route = self.routes.iter().find(|r| {
            r.path == url.path()
                && (r.method == "*" || r.method == method)
                && self.origins.origin_of(&r.origin).unwrap_or(&r.origin) == origin
        });
        let Some(route) = route else {
            return Some((StatusCode::NOT_FOUND, HeaderMap::new()));
        };
        let mut headers = HeaderMap::new();
        for (name, value) in &route.headers {
            // The usual value is ASCII and untrimmed: its bytes become the
            // header value without another copy.
            let filled = js_bytes_owned(self.origins.fill(value));
            let value = match crate::headers::trim_tab_space(&filled) {
                trimmed if trimmed.len() == filled.len() => {
                    HeaderValue::from_maybe_shared(bytes::Bytes::from(filled))
                }
                trimmed => HeaderValue::from_bytes(trimmed),
            };
            if let (Ok(n), Ok(v)) = (HeaderName::from_bytes(name.as_bytes()), value) {
                headers.append(n, v);
            }
        }
        let status =
            StatusCode::from_u16(route.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        Some((status, headers))
    }
}

/// When the vectors were recorded (2026-12-01T00:00:00Z): the replay's wall
/// clock, against which `Expires` dates are read.
const RECORDED_AT: i64 = 1_796_083_200;

use crate::page::{origin_cow, origin_of as origin_of_url, origin_prefix};

/// The placeholder of a scenario's page origin: `{A}` unless it names one.
fn page_placeholder(scenario: &Scenario) -> &str {
    scenario.page.as_deref().unwrap_or("{A}")
}

/// The page of a scenario, with its policies, address spaces and permissions.
fn scenario_page(
    scenario: &Scenario,
    origins: &Origins,
    parsed: &mut Vec<(String, url::Origin)>,
) -> (Page, String) {
    let placeholder = page_placeholder(scenario);
    let page_origin = origins.fill(placeholder);
    // A file has a handful of page origins: each is parsed once. An opaque
    // one is never reused, since each `null` is an origin of its own.
    let origin = match parsed.iter().find(|(text, _)| *text == page_origin) {
        Some((_, origin)) => origin.clone(),
        None => {
            let origin = parse_origin(&page_origin).unwrap_or_else(|_| url::Origin::new_opaque());
            if origin.is_tuple() {
                parsed.push((page_origin.clone(), origin.clone()));
            }
            origin
        }
    };
    let mut document = HeaderMap::new();
    for (name, value) in &scenario.page_headers {
        if let (Ok(n), Ok(v)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(&origins.fill(value)),
        ) {
            document.append(n, v);
        }
    }
    let space_of = |placeholder: &str| {
        scenario
            .address_spaces
            .get(placeholder)
            .copied()
            .unwrap_or(crate::AddressSpace::Loopback)
    };
    let mut page = Page::new(&origin)
        .with_document_headers(&document)
        .with_address_space(space_of(placeholder));
    for (placeholder, space) in &scenario.address_spaces {
        if let Some(o) = origins.origin_of(placeholder) {
            page = page.with_target_address_space(o, *space);
        }
    }
    // Every other placeholder listens on 127.0.0.1: loopback, named or not.
    for (_, o) in origins.all() {
        if !page.has_target_address_space(o) {
            page = page.with_target_origin(o, crate::AddressSpace::Loopback);
        }
    }
    let mut permissions = crate::LocalNetworkPermissions::default();
    for (name, state) in &scenario.permissions {
        match name.as_str() {
            "local-network-access" => permissions = crate::LocalNetworkPermissions::both(*state),
            "local-network" => permissions.local = *state,
            "loopback-network" => permissions.loopback = *state,
            _ => {}
        }
    }
    (
        page.with_local_network_permissions(permissions),
        page_origin,
    )
}

/// How one step compared.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StepReport {
    /// The vector file's name.
    pub file: String,
    /// The scenario.
    pub id: String,
    /// The step's index.
    pub step: usize,
    /// What the emulator did, with placeholders.
    pub observed: Expectation,
    /// Whether every compared field agrees.
    pub agrees: bool,
    /// The fields that differ (empty when it agrees).
    #[serde(skip)]
    pub differences: Vec<String>,
    /// Whether `sec_fetch_mode`/`sec_fetch_site` agree on every logged request.
    #[serde(skip)]
    pub sec_fetch_agrees: bool,
    /// Whether `request_headers` agree on every logged request.
    #[serde(skip)]
    pub request_headers_agree: bool,
    /// The console sentence, when `fetch()` rejected.
    #[serde(skip)]
    pub console: Option<String>,
}

/// Runs every step of `scenarios` with `profile`, against the simulated server.
///
/// ```
/// use browser_cors::{conformance::{replay, Scenario}, Profile};
/// let json = r#"[{"id": "x", "routes": [{"origin": "{B}", "path": "/r", "method": "*", "status": 200,
///   "headers": [["Access-Control-Allow-Origin", "{A}"]]}],
///   "steps": [{"fetch": {"url": "{B}/r"}, "expect": {"result": "response", "type": "cors", "status": 200,
///   "redirected": false, "url": "{B}/r", "headers": [], "server_log": [{"method": "GET", "origin_url": "{B}/r",
///   "origin": "{A}", "acrm": null, "acrh": null, "cookie": false, "sec_fetch_mode": "cors", "sec_fetch_site": "same-site"}]}}]}]"#;
/// let scenarios: Vec<Scenario> = serde_json::from_str(json).unwrap();
/// let reports = replay("example.json", &scenarios, &Profile::chromium());
/// assert!(reports[0].agrees);
/// ```
pub fn replay(file: &str, scenarios: &[Scenario], profile: &Profile) -> Vec<StepReport> {
    let origins = Origins::default();
    let unfill = Unfill::new(&origins);
    let base = Instant::now();
    let mut reports = Vec::new();
    let mut parsed_pages = Vec::new();
    let mut plain_pages: Vec<(&str, std::sync::Arc<Page>, String)> = Vec::new();
    // What every scenario starts from: the wall clock of the recordings
    // (December 2026, for Expires) and the harness cookie of every browser
    // session. Built once and copied, since each scenario is a fresh browser.
    let mut fresh = BrowserState::new(profile);
    fresh.cookies.set_wall_clock(base, RECORDED_AT);
    if let Ok(a) = Url::parse(&format!("{}/", origins.a)) {
        fresh.cookies.store_first_party(&a, b"cred=1; Path=/", base);
    }
    for scenario in scenarios {
        let mut state = fresh.clone();
        let server = Server {
            routes: &scenario.routes,
            origins: &origins,
        };
        // A scenario without page headers, address spaces or permissions has
        // the plain page of its origin: built once per file and shared.
        let plain = scenario.page_headers.is_empty()
            && scenario.address_spaces.is_empty()
            && scenario.permissions.is_empty();
        let key = page_placeholder(scenario);
        let (page, page_origin) = match plain_pages.iter().find(|(k, _, _)| plain && *k == key) {
            Some((_, page, origin)) => (std::sync::Arc::clone(page), origin.clone()),
            None => {
                let (page, origin) = scenario_page(scenario, &origins, &mut parsed_pages);
                let page = std::sync::Arc::new(page);
                // An opaque page is an origin of its own each time.
                if plain && page.origin.is_tuple() {
                    plain_pages.push((key, std::sync::Arc::clone(&page), origin.clone()));
                }
                (page, origin)
            }
        };
        let mut now = base;
        // Then the scenario's setup visits.
        for visit in &scenario.setup {
            let Ok(url) = Url::parse(&format!("{}/", origins.fill(&visit.visit))) else {
                continue;
            };
            let lines = visit.set_cookie.iter().map(|l| js_bytes(l));
            state.cookies.store_first_party_lines(&url, lines, now);
        }
        for (index, step) in scenario.steps.iter().enumerate() {
            now += Duration::from_millis(step.wait_ms);
            let (observed, console) = run_step(
                step,
                &server,
                &mut state,
                profile,
                (&page, &page_origin),
                &unfill,
                now,
            );
            reports.push(compare(
                file,
                &scenario.id,
                index,
                &step.expect,
                observed,
                console,
            ));
        }
    }
    reports
}

fn run_step(
    step: &Step,
    server: &Server<'_>,
    state: &mut BrowserState,
    profile: &Profile,
    (page, page_origin): (&std::sync::Arc<Page>, &str),
    unfill: &Unfill<'_>,
    now: Instant,
) -> (Expectation, Option<String>) {
    let origins = unfill.origins;
    let network_error = Expectation::network_error;
    let Some(request) = step.fetch.request_from(origins, page_origin) else {
        return (
            network_error(Vec::new()),
            Some(format!("invalid URL {}", step.fetch.url)),
        );
    };
    let watched: Option<Vec<String>> =
        (!step.fetch.headers.is_empty() || step.fetch.body.is_some()).then(|| {
            let mut names: Vec<String> = step
                .fetch
                .headers
                .iter()
                .map(|(n, _)| n.to_ascii_lowercase())
                .collect();
            if step.fetch.body.is_some() {
                names.push("content-type".into());
            }
            names.sort();
            names.dedup();
            names
        });

    let mut fetch = Fetch::for_page(profile, page, request);
    let mut log = Vec::new();
    // A fetch sends at most 21 hops and their preflights; bound the loop anyway.
    let Ok(outcome) = crate::drive::drive(&mut fetch, state, now, 100, |wire, _| {
        let Some((status, headers)) = server.respond(&wire.url, wire.method.as_str()) else {
            return Ok::<_, std::convert::Infallible>(Answer::Failed("connection refused"));
        };
        let cookie = wire.headers.get("cookie").map(|v| js_string(&v));
        log.push(log_entry(
            wire,
            cookie.as_deref(),
            watched.as_deref(),
            unfill,
        ));
        Ok(Answer::Head(status, headers))
    });
    match outcome {
        Some(Outcome::Response(r)) => {
            let observed = Expectation::response_unfilled(&r, unfill, log);
            (observed, None)
        }
        Some(Outcome::NetworkError(e)) => {
            let waiting = matches!(
                e.reason,
                crate::CorsError::LocalNetworkAccess {
                    block: crate::local_network::LocalNetworkBlock::AwaitingPermission,
                    ..
                }
            );
            let mut observed = network_error(log);
            if waiting {
                observed.result = "timeout".into();
            }
            (observed, Some(e.to_string()))
        }
        None => (
            network_error(log),
            Some("the fetch did not finish in 100 exchanges".into()),
        ),
    }
}

/// The names of a `Cookie` header, in order, with the harness cookie `cred`
/// last: on the wire it is the only cookie not scoped under the scenario's
/// path prefix, so its path is the shortest (FORMAT.md, "Format 2").
fn cookie_names(header: &str) -> Vec<String> {
    let mut names: Vec<String> = header
        .split("; ")
        .map(|pair| match pair.split_once('=') {
            Some((name, _)) => name.to_owned(),
            None => String::new(),
        })
        .collect();
    if let Some(i) = names.iter().position(|n| n == "cred") {
        let cred = names.remove(i);
        names.push(cred);
    }
    names
}

fn log_entry(
    wire: &WireRequest,
    cookie: Option<&str>,
    watched: Option<&[String]>,
    unfill: &Unfill<'_>,
) -> LogEntry {
    let get = |name: &str| wire.headers.get(name).map(|v| unfill.apply(&js_string(&v)));
    // The five headers every entry logs, found in one pass over the list.
    const LOGGED: [&str; 5] = [
        "origin",
        "access-control-request-method",
        "access-control-request-headers",
        "sec-fetch-mode",
        "sec-fetch-site",
    ];
    let mut logged: [Option<String>; 5] = Default::default();
    let mut repeated = false;
    for (name, value) in wire.headers.iter() {
        let Some(slot) = LOGGED
            .iter()
            .position(|n| *n == name.as_str())
            .and_then(|i| logged.get_mut(i))
        else {
            continue;
        };
        repeated |= slot.replace(js_string(value)).is_some();
    }
    if repeated {
        // A name on two lines is logged combined, as `get` joins them.
        for (slot, name) in logged.iter_mut().zip(LOGGED) {
            *slot = wire.headers.get(name).map(|v| js_string(&v));
        }
    }
    // Methods, header names and Sec-Fetch-* tokens never hold an origin.
    let [origin, acrm, acrh, sec_fetch_mode, sec_fetch_site] = logged;
    // The origin and the path: a slice of the URL unless it has userinfo.
    let origin_url: std::borrow::Cow<'_, str> = match origin_prefix(&wire.url) {
        Some(_) => std::borrow::Cow::Borrowed(&wire.url[..url::Position::AfterPath]),
        None => {
            let mut owned = origin_of_url(&wire.url);
            owned.push_str(wire.url.path());
            std::borrow::Cow::Owned(owned)
        }
    };
    LogEntry {
        method: wire.method.as_str().to_owned(),
        origin_url: unfill.apply(&origin_url),
        origin: origin.map(|o| unfill.apply(&o)),
        acrm,
        acrh,
        cookie: cookie.is_some(),
        cookies: Some(cookie.map(cookie_names).unwrap_or_default()),
        sec_fetch_mode,
        sec_fetch_site,
        request_headers: watched.map(|names| {
            names
                .iter()
                .map(|n| {
                    let value = if n == "cookie" {
                        cookie.map(str::to_owned)
                    } else {
                        get(n)
                    };
                    (n.clone(), value)
                })
                .collect()
        }),
    }
}

fn compare(
    file: &str,
    id: &str,
    step: usize,
    expect: &Expectation,
    observed: Expectation,
    console: Option<String>,
) -> StepReport {
    let differences = expect.differences(&observed);
    let sec_fetch_agrees = expect.server_log.len() == observed.server_log.len()
        && expect
            .server_log
            .iter()
            .zip(&observed.server_log)
            .all(|(e, o)| {
                e.sec_fetch_mode == o.sec_fetch_mode && e.sec_fetch_site == o.sec_fetch_site
            });
    let request_headers_agree = expect.server_log.len() == observed.server_log.len()
        && expect
            .server_log
            .iter()
            .zip(&observed.server_log)
            .all(|(e, o)| e.request_headers == o.request_headers);
    StepReport {
        file: file.to_owned(),
        id: id.to_owned(),
        step,
        agrees: differences.is_empty(),
        observed,
        differences,
        sec_fetch_agrees,
        request_headers_agree,
        console,
    }
}

/// The engine a vector file was recorded from, by the first word of its
/// name (`chromium-156.json` is Chromium); `None` when the name says nothing.
///
/// ```
/// use browser_cors::{conformance::engine_of_file, Engine};
/// assert_eq!(engine_of_file("spec-tests/vectors/webkit-2.50.json"), Some(Engine::WebKit));
/// assert_eq!(engine_of_file("mine.json"), None);
/// ```
pub fn engine_of_file(path: &str) -> Option<Engine> {
    let name = std::path::Path::new(path).file_name()?.to_str()?;
    let word = name.split(['-', '_', '.']).next()?;
    word.parse().ok()
}
