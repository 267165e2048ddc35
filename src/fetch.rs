//! The machine: one `fetch()` from start to the browser-visible outcome,
//! [Fetch § main fetch](https://fetch.spec.whatwg.org/#main-fetch) and the
//! fetches it calls, without I/O.
//!
//! ```
//! use browser_cors::{Action, Fetch, PreflightCache, Profile, Request, origin::parse_origin};
//! use std::time::Instant;
//!
//! let page = parse_origin("https://app.test").unwrap();
//! let request = Request::get("https://api.test/items".parse().unwrap()).method("PUT").body("x");
//! let mut cache = PreflightCache::default();
//! let now = Instant::now();
//! let mut fetch = Fetch::new(&Profile::chromium(), &page, request);
//!
//! // PUT is not safelisted: the machine asks for a preflight first.
//! let Action::Send(preflight) = fetch.poll(&mut cache, now) else { panic!() };
//! assert_eq!(preflight.method, http::Method::OPTIONS);
//! let answer = http::Response::builder().status(204)
//!     .header("access-control-allow-origin", "https://app.test")
//!     .header("access-control-allow-methods", "PUT")
//!     .body(()).unwrap();
//! fetch.on_response(&answer, &mut cache, now);
//!
//! // Then the PUT itself; its response lacks Access-Control-Allow-Origin.
//! let Action::Send(put) = fetch.poll(&mut cache, now) else { panic!() };
//! assert_eq!(put.method, http::Method::PUT);
//! fetch.on_response(&http::Response::new(()), &mut cache, now);
//! let Action::Done(outcome) = fetch.poll(&mut cache, now) else { panic!() };
//! assert_eq!(outcome.error().unwrap().reason.code(), "MissingAllowOriginHeader");
//! assert_eq!(fetch.trace().len(), 2);
//! ```

use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use http::{HeaderMap, HeaderName, Method, StatusCode};
use url::{Origin, Url};

use crate::cache::PreflightCache;
use crate::check::cors_check;
use crate::error::{CorsError, InputError, NetworkError, Stage};
use crate::headers::HeaderList;
use crate::origin::{FetchSite, is_potentially_trustworthy, url_is_same_origin};
use crate::preflight::{needs_preflight_for, validate};
use crate::profile::{
    FetchMetadata, HeaderBytesOnWire, PreflightAfterRedirect, PreflightNamesAfterRedirect,
    PreflightOriginAfterRedirect, PreflightUserAgent, Profile, RedirectCredentials,
    RepeatedRequestHeader, UserinfoRedirect,
};
use crate::redirect::{
    MAX_REDIRECTS, drop_body_headers, has_credentials, is_redirect_status, location_url,
    rewritten_method,
};
use crate::request::{CredentialsMode, Mode, RedirectMode, Request};
use crate::response::{Response, ResponseType, filtered, without_fragment};
use crate::safelist::{
    cors_unsafe_request_header_names, is_cors_safelisted_method, is_forbidden_method,
    is_forbidden_request_header, is_no_cors_safelisted_request_header, normalize_method,
};

/// Whether a request sent on the wire is a preflight or the request itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RequestKind {
    /// The CORS preflight (`OPTIONS`).
    Preflight,
    /// The request script asked for (or one of its redirects).
    Actual,
}

/// Whether the browser attaches credentials (cookies, HTTP authentication)
/// to a request, and stores cookies its response sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Credentials {
    /// Attach the cookies for the URL; store `Set-Cookie` of the response.
    Include,
    /// No cookies either way.
    Omit,
}

/// One request the machine wants sent, exactly as the browser would put it
/// on the wire (apart from `Cookie`, which the caller's jar adds when
/// [`WireRequest::credentials`] says so).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WireRequest {
    /// Preflight or actual request.
    pub kind: RequestKind,
    /// The method.
    pub method: Method,
    /// The URL (with its fragment; [`WireRequest::url_to_send`] drops it).
    pub url: Url,
    /// The headers, in the browser's order.
    pub headers: HeaderList,
    /// The body (kept on 307/308 redirects).
    pub body: Option<Bytes>,
    /// Cookies and HTTP authentication.
    pub credentials: Credentials,
}

impl WireRequest {
    /// The request as an [`http::Request`] (fragment removed). Fails when a
    /// header value holds bytes the `http` crate cannot carry.
    ///
    /// ```
    /// # use browser_cors::{Action, Fetch, PreflightCache, Profile, Request, origin::parse_origin};
    /// # let page = parse_origin("https://app.test").unwrap();
    /// let mut fetch = Fetch::new(&Profile::chromium(), &page, Request::get("https://api.test/#x".parse().unwrap()));
    /// let Action::Send(req) = fetch.poll(&mut PreflightCache::default(), std::time::Instant::now()) else { panic!() };
    /// let http_req = req.to_http().unwrap();
    /// assert_eq!(http_req.uri(), "https://api.test/");
    /// assert_eq!(http_req.headers()["origin"], "https://app.test");
    /// ```
    pub fn to_http(&self) -> Result<http::Request<Bytes>, InputError> {
        let url = self.url_to_send();
        let uri = http::Uri::try_from(url.as_str()).map_err(|e| InputError::Url {
            input: url.to_string(),
            reason: e.to_string(),
        })?;
        let mut request = http::Request::new(self.body.clone().unwrap_or_default());
        *request.method_mut() = self.method.clone();
        *request.uri_mut() = uri;
        *request.headers_mut() = self.headers.to_header_map()?;
        Ok(request)
    }

    /// The URL as it goes on the wire: without its fragment.
    ///
    /// ```
    /// # use browser_cors::{Action, Fetch, PreflightCache, Profile, Request, origin::parse_origin};
    /// # let page = parse_origin("https://app.test").unwrap();
    /// let mut fetch = Fetch::new(&Profile::chromium(), &page, Request::get("https://api.test/a#top".parse().unwrap()));
    /// let Action::Send(req) = fetch.poll(&mut PreflightCache::default(), std::time::Instant::now()) else { panic!() };
    /// assert_eq!(req.url_to_send().as_str(), "https://api.test/a");
    /// ```
    pub fn url_to_send(&self) -> Url {
        without_fragment(&self.url)
    }

    /// The value of a header, as a string (lossy), for assertions.
    ///
    /// ```
    /// # use browser_cors::{Action, Fetch, PreflightCache, Profile, Request, origin::parse_origin};
    /// # let page = parse_origin("https://app.test").unwrap();
    /// # let mut fetch = Fetch::new(&Profile::chromium(), &page, Request::get("https://api.test/".parse().unwrap()).header("X-Token", "1"));
    /// # let Action::Send(preflight) = fetch.poll(&mut PreflightCache::default(), std::time::Instant::now()) else { panic!() };
    /// assert_eq!(preflight.header("access-control-request-headers").as_deref(), Some("x-token"));
    /// ```
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .map(|v| String::from_utf8_lossy(&v).into_owned())
    }
}

/// What the machine wants next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Send this request and give its response head to [`Fetch::on_response`].
    Send(WireRequest),
    /// The fetch is over; this is what script sees.
    Done(Outcome),
}

/// The browser-visible result of a `fetch()`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// `fetch()` resolved with this response.
    Response(Response),
    /// `fetch()` rejected; the console says why.
    NetworkError(NetworkError),
}

impl Outcome {
    /// The response, if `fetch()` resolved.
    pub fn response(&self) -> Option<&Response> {
        match self {
            Outcome::Response(r) => Some(r),
            Outcome::NetworkError(_) => None,
        }
    }

    /// The error, if `fetch()` rejected.
    pub fn error(&self) -> Option<&NetworkError> {
        match self {
            Outcome::Response(_) => None,
            Outcome::NetworkError(e) => Some(e),
        }
    }
}

// One per fetch: its size does not add up, and boxing the outcome would
// cost an allocation per fetch.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
enum State {
    /// Decide the next request for the current URL.
    Ready,
    /// Waiting for the preflight's response.
    Preflight { names: Vec<String>, origin: String },
    /// Waiting for the actual request's response.
    Actual,
    /// Finished.
    Done(Outcome),
}

/// The response tainting of the request ([Fetch § response tainting](https://fetch.spec.whatwg.org/#concept-request-response-tainting)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tainting {
    Basic,
    Cors,
    Opaque,
}

/// The page a fetch starts from: its origin, and that origin serialized once
/// (it goes into `Origin` headers, cache keys and errors). Shared by every
/// fetch of one [`crate::client::Browser`](crate#) page without a copy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Page {
    pub(crate) origin: Origin,
    serialized: Bytes,
}

impl Page {
    pub(crate) fn new(origin: &Origin) -> Page {
        Page {
            origin: origin.clone(),
            serialized: Bytes::from(origin.ascii_serialization()),
        }
    }

    /// The ASCII serialization (`https://app.example`, or `null`).
    pub(crate) fn as_str(&self) -> &str {
        // An ASCII serialization is always UTF-8.
        std::str::from_utf8(&self.serialized).unwrap_or("null")
    }
}

/// One `fetch()` in progress: a sans-IO state machine.
///
/// Call [`Fetch::poll`] for the next [`Action`]; when it says
/// [`Action::Send`], send the request and hand the response head to
/// [`Fetch::on_response`]; repeat until [`Action::Done`]. The machine reads no
/// clock: every call is given `now`.
#[derive(Debug, Clone)]
pub struct Fetch {
    profile: Profile,
    page: Arc<Page>,
    /// The URL script asked for: the first of the URL list.
    initial_url: Url,
    /// The rest of the [URL list](https://fetch.spec.whatwg.org/#concept-request-url-list):
    /// the redirect targets, current URL last.
    redirects: Vec<Url>,
    method: Method,
    headers: HeaderList,
    body: Option<Bytes>,
    mode: Mode,
    credentials: CredentialsMode,
    redirect: RedirectMode,
    tainted: bool,
    tainting: Tainting,
    redirect_count: u32,
    needed_preflight: bool,
    preflight_passed: bool,
    authorization_removed: bool,
    crossed_origin: bool,
    start_credentials: bool,
    state: State,
    trace: Vec<WireRequest>,
}

const BODY_CONTENT_TYPE: &[u8] = b"text/plain;charset=UTF-8";

// Checked once, at compile time (`from_static` in a `const`).
const SEC_FETCH_MODE: HeaderName = HeaderName::from_static("sec-fetch-mode");
const SEC_FETCH_SITE: HeaderName = HeaderName::from_static("sec-fetch-site");
const SEC_FETCH_DEST: HeaderName = HeaderName::from_static("sec-fetch-dest");

impl Fetch {
    /// Starts a `fetch()` of `request` from a page at `page_origin`.
    ///
    /// Never fails: arguments `fetch()` would reject (a forbidden method, a
    /// bad header, `PUT` in `no-cors` mode, ...) make the first
    /// [`Fetch::poll`] return the network error, with nothing sent.
    pub fn new(profile: &Profile, page_origin: &Origin, request: Request) -> Fetch {
        Fetch::for_page(profile, &Arc::new(Page::new(page_origin)), request)
    }

    /// [`Fetch::new`] for a page whose serialization is already known.
    pub(crate) fn for_page(profile: &Profile, page: &Arc<Page>, request: Request) -> Fetch {
        let Request {
            url,
            method,
            headers,
            mode,
            credentials,
            redirect,
            body,
        } = request;
        let mut fetch = Fetch {
            profile: profile.clone(),
            page: Arc::clone(page),
            initial_url: url,
            redirects: Vec::new(),
            method: Method::GET,
            headers: HeaderList::new(),
            body,
            mode,
            credentials,
            redirect,
            tainted: false,
            tainting: Tainting::Basic,
            redirect_count: 0,
            needed_preflight: false,
            preflight_passed: false,
            authorization_removed: false,
            crossed_origin: false,
            start_credentials: false,
            state: State::Ready,
            trace: Vec::new(),
        };
        if let Err(reason) = fetch.construct(&method, &headers) {
            fetch.fail(reason, Stage::Request, None);
        }
        fetch.start_credentials = credentials == CredentialsMode::Include
            || (credentials == CredentialsMode::SameOrigin
                && url_is_same_origin(&fetch.page.origin, &fetch.initial_url));
        fetch
    }

    /// The `Request` constructor's checks and header guard.
    fn construct(&mut self, method: &str, headers: &[(String, Vec<u8>)]) -> Result<(), CorsError> {
        if has_credentials(&self.initial_url) {
            return Err(CorsError::UrlHasCredentials);
        }
        let raw_method = method.as_bytes();
        if is_forbidden_method(raw_method) {
            return Err(CorsError::ForbiddenMethod {
                method: method.to_owned(),
            });
        }
        self.method = normalize_method(raw_method).ok_or_else(|| CorsError::InvalidMethod {
            method: method.to_owned(),
        })?;
        if self.mode == Mode::NoCors && !is_cors_safelisted_method(&self.method) {
            return Err(CorsError::UnsupportedInNoCors {
                method: self.method.as_str().to_owned(),
            });
        }
        if self.body.is_some() && (self.method == Method::GET || self.method == Method::HEAD) {
            return Err(CorsError::BodyNotAllowed {
                method: self.method.as_str().to_owned(),
            });
        }
        for (name, value) in headers {
            let mut probe = HeaderList::new();
            probe
                .append(name, value)
                .map_err(|_| CorsError::InvalidHeader { name: name.clone() })?;
            let Some((n, v)) = probe.iter().next() else {
                continue;
            };
            if is_forbidden_request_header(n.as_str(), v, &self.profile) {
                continue;
            }
            if self.mode == Mode::NoCors {
                let mut combined = self
                    .headers
                    .get(n.as_str())
                    .map(|c| c.into_owned())
                    .unwrap_or_default();
                if !combined.is_empty() || self.headers.contains(n.as_str()) {
                    combined.extend_from_slice(b", ");
                }
                combined.extend_from_slice(v);
                if !is_no_cors_safelisted_request_header(n.as_str(), &combined, &self.profile) {
                    continue;
                }
            }
            let (n, v) = (n.clone(), v.to_vec());
            self.headers
                .append(n.as_str(), v)
                .map_err(|_| CorsError::InvalidHeader { name: name.clone() })?;
        }
        if self.body.is_some() && !self.headers.contains("content-type") {
            self.headers
                .set(http::header::CONTENT_TYPE, BODY_CONTENT_TYPE);
        }
        if self.mode == Mode::NoCors && self.redirect != RedirectMode::Follow {
            return Err(CorsError::NoCorsRedirectMode);
        }
        Ok(())
    }

    /// Every request sent so far, in order (preflights included).
    pub fn trace(&self) -> &[WireRequest] {
        &self.trace
    }

    /// The profile this fetch follows.
    pub fn profile(&self) -> &Profile {
        &self.profile
    }

    /// The URL currently requested (the last of the redirect chain).
    pub fn current_url(&self) -> &Url {
        self.redirects.last().unwrap_or(&self.initial_url)
    }

    /// The URL list: the URL script asked for, then each redirect target.
    fn url_list(&self) -> impl Iterator<Item = &Url> + Clone {
        std::iter::once(&self.initial_url).chain(&self.redirects)
    }

    /// The current URL as a preflight cache key: without its fragment.
    fn cache_url(&self) -> String {
        without_fragment(self.current_url()).into()
    }

    /// Whether the fetch is over.
    pub fn is_done(&self) -> bool {
        matches!(self.state, State::Done(_))
    }

    /// Ends the fetch and hands over its outcome without a copy. A fetch
    /// that has not finished ends with a network error: the machine fails
    /// closed.
    ///
    /// ```
    /// # use browser_cors::{Fetch, Profile, Request, origin::parse_origin};
    /// let page = parse_origin("https://app.test").unwrap();
    /// let fetch = Fetch::new(&Profile::chromium(), &page, Request::get("https://api.test/".parse().unwrap()));
    /// // Abandoned before anything was sent: script would see a failed fetch.
    /// assert!(fetch.into_outcome().error().is_some());
    /// ```
    pub fn into_outcome(mut self) -> Outcome {
        // Ignored by a finished fetch; ends an unfinished one with a network
        // error at the stage of its outstanding request.
        self.on_transport_error("the fetch did not finish");
        match self.state {
            State::Done(outcome) => outcome,
            // Not reachable: `on_transport_error` always ends the fetch.
            _ => Outcome::NetworkError(self.network_error(
                CorsError::Network {
                    detail: "the fetch did not finish".into(),
                },
                Stage::Network,
                None,
            )),
        }
    }

    /// The next action. While a request is outstanding, it is returned again.
    pub fn poll(&mut self, cache: &mut PreflightCache, now: Instant) -> Action {
        match &self.state {
            State::Done(outcome) => return Action::Done(outcome.clone()),
            State::Preflight { .. } | State::Actual => {
                if let Some(p) = self.trace.last() {
                    return Action::Send(p.clone());
                }
            }
            State::Ready => {}
        }
        self.main_fetch(cache, now);
        // The outstanding request is the last one of the trace.
        match (&self.state, self.trace.last()) {
            (State::Done(outcome), _) => Action::Done(outcome.clone()),
            (State::Preflight { .. } | State::Actual, Some(p)) => Action::Send(p.clone()),
            _ => {
                // Not reachable: main fetch always sends or finishes. Fail closed.
                self.fail(
                    CorsError::Network {
                        detail: "internal: no request to send".into(),
                    },
                    Stage::Network,
                    None,
                );
                self.poll(cache, now)
            }
        }
    }

    /// The transport could not complete the outstanding request.
    pub fn on_transport_error(&mut self, detail: impl Into<String>) {
        if matches!(self.state, State::Done(_)) {
            return;
        }
        let stage = match self.state {
            State::Preflight { .. } => Stage::Preflight,
            _ => Stage::Network,
        };
        self.fail(
            CorsError::Network {
                detail: detail.into(),
            },
            stage,
            None,
        );
    }

    /// Gives the machine the response head of the outstanding request.
    /// Calls in any other state are ignored.
    pub fn on_response<B>(
        &mut self,
        response: &http::Response<B>,
        cache: &mut PreflightCache,
        now: Instant,
    ) {
        self.on_response_head(response.status(), response.headers(), cache, now);
    }

    /// [`Fetch::on_response`] with the status and headers given separately.
    pub fn on_response_head(
        &mut self,
        status: StatusCode,
        headers: &HeaderMap,
        cache: &mut PreflightCache,
        now: Instant,
    ) {
        let state = std::mem::replace(&mut self.state, State::Ready);
        match state {
            State::Preflight { names, origin } => {
                self.on_preflight_response(status, headers, &names, &origin, cache, now)
            }
            State::Actual => self.on_actual_response(status, headers, cache),
            other => self.state = other,
        }
    }

    fn fail(&mut self, reason: CorsError, stage: Stage, status: Option<u16>) {
        let error = self.network_error(reason, stage, status);
        self.state = State::Done(Outcome::NetworkError(error));
    }

    /// The network error `fetch()` rejects with, at the current URL.
    fn network_error(&self, reason: CorsError, stage: Stage, status: Option<u16>) -> NetworkError {
        NetworkError {
            reason,
            stage,
            url: self.current_url().clone(),
            initial_url: self.initial_url.clone(),
            origin: self.page.as_str().to_owned(),
            status,
            engine: self.profile.engine,
            // The outstanding request is the last one sent.
            method: self
                .trace
                .last()
                .map_or_else(|| self.method.clone(), |r| r.method.clone()),
        }
    }

    fn finish(&mut self, response: Response) {
        self.state = State::Done(Outcome::Response(response));
    }

    /// The serialization of the request's origin: `null` once tainted.
    fn origin_value(&self) -> &str {
        if self.tainted {
            "null"
        } else {
            self.page.as_str()
        }
    }

    /// [`Fetch::origin_value`] as a header value, shared rather than copied.
    fn origin_header(&self) -> Bytes {
        if self.tainted {
            Bytes::from_static(b"null")
        } else {
            self.page.serialized.clone()
        }
    }

    /// [Main fetch](https://fetch.spec.whatwg.org/#main-fetch) for the current URL.
    fn main_fetch(&mut self, cache: &mut PreflightCache, now: Instant) {
        let url = self.current_url();
        let stage = if self.redirect_count > 0 {
            Stage::Redirect
        } else {
            Stage::Request
        };
        if !self.tainted
            && url_is_same_origin(&self.page.origin, url)
            && self.tainting == Tainting::Basic
        {
            return self.send_actual();
        }
        match self.mode {
            Mode::SameOrigin => self.fail(CorsError::DisallowedByMode, stage, None),
            Mode::NoCors => {
                self.tainting = Tainting::Opaque;
                self.send_actual();
            }
            Mode::Cors => {
                if !matches!(url.scheme(), "http" | "https") {
                    return self.fail(
                        CorsError::CorsDisabledScheme {
                            scheme: url.scheme().to_owned(),
                        },
                        stage,
                        None,
                    );
                }
                self.tainting = Tainting::Cors;
                // Classify without allocating; list the names only for a preflight.
                let needed = needs_preflight_for(&self.method, &self.headers, &self.profile);
                let sticky = self.profile.preflight_after_redirect
                    == PreflightAfterRedirect::WhenOriginalWas
                    && self.needed_preflight
                    && self.redirect_count > 0;
                if self.redirect_count == 0
                    || self.profile.preflight_after_redirect == PreflightAfterRedirect::WhenNeeded
                {
                    self.needed_preflight |= needed;
                }
                if (needed || sticky) && !self.preflight_passed {
                    let mut names = cors_unsafe_request_header_names(&self.headers, &self.profile);
                    if self.authorization_removed
                        && self.profile.preflight_names_after_redirect
                            == PreflightNamesAfterRedirect::BeforeAuthorizationRemoval
                        && !names.contains(&"authorization")
                    {
                        names.push("authorization");
                        names.sort_unstable();
                    }
                    let key_url = self.cache_url();
                    if !cache.lookup(
                        &self.profile,
                        self.page.as_str(),
                        &key_url,
                        &self.method,
                        &names,
                        self.credentials,
                        now,
                    ) {
                        // Owned from here: the machine keeps them until the answer.
                        let names = names.iter().map(|n| (*n).to_owned()).collect();
                        return self.send_preflight(names);
                    }
                }
                self.send_actual();
            }
        }
    }

    /// Adds `Sec-Fetch-*` for a request to `url` with the given site.
    fn add_fetch_metadata(
        &self,
        headers: &mut HeaderList,
        url: &Url,
        mode: &'static str,
        site: FetchSite,
    ) {
        if !is_potentially_trustworthy(url) {
            return;
        }
        headers.set(SEC_FETCH_MODE, mode);
        headers.set(SEC_FETCH_SITE, site.as_str());
        headers.set(SEC_FETCH_DEST, "empty");
    }

    /// [CORS-preflight fetch](https://fetch.spec.whatwg.org/#cors-preflight-fetch-0), steps 1–5.
    fn send_preflight(&mut self, names: Vec<String>) {
        let url = self.current_url().clone();
        let origin = match self.profile.preflight_origin_after_redirect {
            PreflightOriginAfterRedirect::Tainted => self.origin_header(),
            PreflightOriginAfterRedirect::PageOrigin => self.page.serialized.clone(),
        };
        let mut headers = HeaderList::new();
        headers.set(http::header::ACCEPT, "*/*");
        headers.set(
            http::header::ACCESS_CONTROL_REQUEST_METHOD,
            Bytes::copy_from_slice(self.method.as_str().as_bytes()),
        );
        if !names.is_empty() {
            headers.set(
                http::header::ACCESS_CONTROL_REQUEST_HEADERS,
                names.join(","),
            );
        }
        headers.set(http::header::ORIGIN, origin.clone());
        let default_user_agent = Bytes::from_static(self.profile.defaults.user_agent.as_bytes());
        let user_agent = match self.profile.preflight_user_agent {
            PreflightUserAgent::RequestValue => self
                .headers
                .get("user-agent")
                .map(|v| Bytes::from(v.into_owned()))
                .unwrap_or(default_user_agent),
            PreflightUserAgent::BrowserDefault => default_user_agent,
        };
        headers.set(http::header::USER_AGENT, user_agent);
        headers.set(
            http::header::ACCEPT_LANGUAGE,
            self.profile.defaults.accept_language,
        );
        let site = FetchSite::of_chain(&self.page.origin, [&url]);
        self.add_fetch_metadata(&mut headers, &url, "cors", site);
        let request = WireRequest {
            kind: RequestKind::Preflight,
            method: Method::OPTIONS,
            url,
            headers,
            body: None,
            credentials: Credentials::Omit,
        };
        self.trace.push(request);
        let origin = String::from_utf8_lossy(&origin).into_owned();
        self.state = State::Preflight { names, origin };
    }

    /// Builds and sends the actual request (HTTP-network-or-cache fetch's header steps).
    fn send_actual(&mut self) {
        let url = self.current_url().clone();
        let mut headers = HeaderList::new();
        let firefox_style =
            self.profile.repeated_request_header == RepeatedRequestHeader::EachOnItsOwn;
        for (name, mut value) in self.headers.combined() {
            if firefox_style && name == http::header::CONTENT_TYPE && self.body.is_some() {
                value = self
                    .headers
                    .first("content-type")
                    .map(Bytes::copy_from_slice)
                    .unwrap_or(value);
            }
            if name == http::header::RANGE && self.profile.defaults.canonical_range {
                value = Bytes::from(crate::range::canonical_range(&value));
            }
            if self.profile.header_bytes_on_wire == HeaderBytesOnWire::Utf8
                && value.iter().any(|b| *b >= 0x80)
            {
                value = Bytes::from(
                    value
                        .iter()
                        .map(|b| char::from(*b))
                        .collect::<String>()
                        .into_bytes(),
                );
            }
            // `combined` lists each name once and `headers` starts empty:
            // appending is setting, without a search per header.
            headers.push_new(name, value);
        }
        let cors_or_unsafe = self.tainting == Tainting::Cors
            || (self.method != Method::GET && self.method != Method::HEAD);
        if cors_or_unsafe {
            headers.set(http::header::ORIGIN, self.origin_header());
        }
        headers.set_default(http::header::ACCEPT, "*/*");
        headers.set_default(
            http::header::ACCEPT_LANGUAGE,
            self.profile.defaults.accept_language,
        );
        headers.set_default(http::header::USER_AGENT, self.profile.defaults.user_agent);
        let metadata = match self.profile.fetch_metadata {
            FetchMetadata::Chain => Some(FetchSite::of_chain(&self.page.origin, self.url_list())),
            FetchMetadata::CrossSiteAfterRedirect => {
                let site = FetchSite::of_chain(&self.page.origin, self.url_list());
                Some(
                    if !self.redirects.is_empty() && site == FetchSite::SameSite {
                        FetchSite::CrossSite
                    } else {
                        site
                    },
                )
            }
            FetchMetadata::NoneAfterCrossOriginRedirect => (!(self.mode == Mode::Cors
                && self.crossed_origin))
                .then(|| FetchSite::of_chain(&self.page.origin, self.url_list())),
        };
        if let Some(site) = metadata {
            self.add_fetch_metadata(&mut headers, &url, self.mode.as_str(), site);
        }
        let include = match self.credentials {
            CredentialsMode::Include => true,
            CredentialsMode::Omit => false,
            CredentialsMode::SameOrigin => {
                self.tainting == Tainting::Basic
                    || (self.mode == Mode::NoCors
                        && self.profile.redirect_credentials == RedirectCredentials::DecidedAtStart
                        && self.start_credentials)
            }
        };
        let request = WireRequest {
            kind: RequestKind::Actual,
            method: self.method.clone(),
            url,
            headers,
            body: self.body.clone(),
            credentials: if include {
                Credentials::Include
            } else {
                Credentials::Omit
            },
        };
        self.trace.push(request);
        self.state = State::Actual;
    }

    fn on_preflight_response(
        &mut self,
        status: StatusCode,
        headers: &HeaderMap,
        names: &[String],
        origin: &str,
        cache: &mut PreflightCache,
        now: Instant,
    ) {
        let code = Some(status.as_u16());
        if is_redirect_status(status) && headers.contains_key(http::header::LOCATION) {
            return self.fail(
                CorsError::PreflightDisallowedRedirect,
                Stage::Preflight,
                code,
            );
        }
        let validation = validate(
            status,
            headers,
            origin,
            &self.method,
            names,
            self.credentials,
            &self.profile,
        );
        if let Some(result) = &validation.cacheable {
            let url = self.cache_url();
            cache.store(&self.profile, self.page.as_str(), &url, result, now);
        }
        match validation.outcome {
            Ok(()) => {
                self.preflight_passed = true;
                self.state = State::Ready;
            }
            Err(e) => self.fail(e, Stage::Preflight, code),
        }
    }

    fn on_actual_response(
        &mut self,
        status: StatusCode,
        headers: &HeaderMap,
        cache: &mut PreflightCache,
    ) {
        let code = Some(status.as_u16());
        let location = if is_redirect_status(status) {
            location_url(headers, self.current_url())
        } else {
            None
        };
        let stage = if location.is_some() {
            Stage::Redirect
        } else {
            Stage::Response
        };
        if self.tainting == Tainting::Cors {
            let credentials = if location.is_some()
                && self.profile.redirect_credentials == RedirectCredentials::DecidedAtStart
                && self.start_credentials
            {
                CredentialsMode::Include
            } else {
                self.credentials
            };
            if let Err(e) = cors_check(
                headers,
                self.origin_value(),
                credentials,
                self.profile.engine,
            ) {
                if self.profile.cache.drop_on_actual_failure {
                    let url = self.cache_url();
                    cache.remove(self.page.as_str(), &url);
                }
                return self.fail(e, stage, code);
            }
        }
        let Some(location) = location else {
            let response_type = match self.tainting {
                Tainting::Basic => ResponseType::Basic,
                Tainting::Cors => ResponseType::Cors,
                Tainting::Opaque => ResponseType::Opaque,
            };
            let response = filtered(
                response_type,
                status,
                headers,
                self.current_url(),
                !self.redirects.is_empty(),
                self.credentials,
            );
            return self.finish(response);
        };
        match self.redirect {
            RedirectMode::Error => {
                self.fail(CorsError::RedirectDisallowedByMode, Stage::Redirect, code)
            }
            RedirectMode::Manual => {
                let response = filtered(
                    ResponseType::OpaqueRedirect,
                    status,
                    headers,
                    self.current_url(),
                    !self.redirects.is_empty(),
                    self.credentials,
                );
                self.finish(response);
            }
            RedirectMode::Follow => match location {
                Ok(url) => self.follow(url, status),
                Err(value) => self.fail(
                    CorsError::InvalidRedirectLocation { location: value },
                    Stage::Redirect,
                    code,
                ),
            },
        }
    }

    /// [HTTP-redirect fetch](https://fetch.spec.whatwg.org/#http-redirect-fetch), steps 5–19.
    fn follow(&mut self, location: Url, status: StatusCode) {
        let code = Some(status.as_u16());
        if !matches!(location.scheme(), "http" | "https") {
            return self.fail(
                CorsError::CorsDisabledScheme {
                    scheme: location.scheme().to_owned(),
                },
                Stage::Redirect,
                code,
            );
        }
        if self.redirect_count >= MAX_REDIRECTS {
            return self.fail(CorsError::TooManyRedirects, Stage::Redirect, code);
        }
        self.redirect_count += 1;
        let current_origin = self.current_url().origin();
        let location_origin = location.origin();
        if has_credentials(&location) {
            let refuse = match self.profile.userinfo_redirect {
                UserinfoRedirect::AlwaysFail => true,
                UserinfoRedirect::FailCrossOriginCors => {
                    self.mode == Mode::Cors
                        && (self.tainting == Tainting::Cors || location_origin != self.page.origin)
                }
            };
            if refuse {
                return self.fail(
                    CorsError::RedirectContainsCredentials {
                        location: location.to_string(),
                    },
                    Stage::Redirect,
                    code,
                );
            }
        }
        if current_origin != self.page.origin && location_origin != current_origin {
            self.tainted = true;
        }
        if let Some(method) = rewritten_method(status, &self.method) {
            self.method = method;
            self.body = None;
            drop_body_headers(&mut self.headers);
        }
        if location_origin != current_origin {
            self.crossed_origin = true;
            if self.profile.strip_authorization_cross_origin
                && self.headers.contains("authorization")
            {
                self.headers.remove("authorization");
                self.authorization_removed = true;
            }
        }
        self.redirects.push(location);
        self.preflight_passed = false;
        self.state = State::Ready;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::origin::parse_origin;

    fn page() -> Origin {
        parse_origin("https://app.test").unwrap()
    }

    fn start(request: Request) -> (Fetch, PreflightCache, Instant) {
        (
            Fetch::new(&Profile::chromium(), &page(), request),
            PreflightCache::default(),
            Instant::now(),
        )
    }

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    fn done(fetch: &mut Fetch, cache: &mut PreflightCache, now: Instant) -> Outcome {
        match fetch.poll(cache, now) {
            Action::Done(o) => o,
            Action::Send(r) => panic!("expected the end, got {} {}", r.method, r.url),
        }
    }

    fn send(fetch: &mut Fetch, cache: &mut PreflightCache, now: Instant) -> WireRequest {
        match fetch.poll(cache, now) {
            Action::Send(r) => r,
            Action::Done(o) => panic!("expected a request, got {o:?}"),
        }
    }

    fn reply(
        fetch: &mut Fetch,
        cache: &mut PreflightCache,
        now: Instant,
        status: u16,
        headers: &[(&str, &str)],
    ) {
        let mut b = http::Response::builder().status(status);
        for (n, v) in headers {
            b = b.header(*n, *v);
        }
        fetch.on_response(&b.body(()).unwrap(), cache, now);
    }

    fn rejected_before_sending(request: Request) -> &'static str {
        let (mut f, mut c, n) = start(request);
        let o = done(&mut f, &mut c, n);
        assert!(f.trace().is_empty());
        let e = o.error().unwrap();
        assert_eq!(e.stage, Stage::Request);
        e.reason.code()
    }

    #[test]
    fn into_outcome_moves_the_outcome_out_and_fails_closed_when_unfinished() {
        // Finished: the same outcome poll reports.
        let (mut f, mut c, n) = start(Request::get(url("https://api.test/r")));
        send(&mut f, &mut c, n);
        reply(
            &mut f,
            &mut c,
            n,
            200,
            &[("access-control-allow-origin", "*")],
        );
        let polled = done(&mut f, &mut c, n);
        assert_eq!(f.into_outcome(), polled);
        // Abandoned with a request outstanding: a network error, never the response.
        let (mut f, mut c, n) = start(Request::get(url("https://api.test/r")));
        send(&mut f, &mut c, n);
        let e = f.into_outcome();
        let e = e.error().expect("an unfinished fetch exposes nothing");
        assert_eq!(e.reason.code(), "Network");
        assert_eq!(e.stage, Stage::Network);
        // Waiting for a preflight: the error belongs to the preflight.
        let (mut f, mut c, n) = start(Request::get(url("https://api.test/r")).method("PUT"));
        assert_eq!(send(&mut f, &mut c, n).kind, RequestKind::Preflight);
        assert_eq!(f.into_outcome().error().unwrap().stage, Stage::Preflight);
    }

    #[test]
    fn fetch_argument_errors_send_nothing() {
        let get = || Request::get(url("https://api.test/r"));
        assert_eq!(
            rejected_before_sending(get().method("TRACK")),
            "ForbiddenMethod"
        );
        assert_eq!(
            rejected_before_sending(get().method("GE T")),
            "InvalidMethod"
        );
        assert_eq!(rejected_before_sending(get().body("x")), "BodyNotAllowed");
        assert_eq!(
            rejected_before_sending(Request::get(url("https://u:p@api.test/"))),
            "UrlHasCredentials"
        );
        assert_eq!(
            rejected_before_sending(get().method("DELETE").mode(Mode::NoCors)),
            "UnsupportedInNoCors"
        );
        assert_eq!(
            rejected_before_sending(get().mode(Mode::NoCors).redirect(RedirectMode::Manual)),
            "NoCorsRedirectMode"
        );
        assert_eq!(
            rejected_before_sending(get().header("X-A", "a\nb")),
            "InvalidHeader"
        );
        assert_eq!(
            rejected_before_sending(get().header("X A", "1")),
            "InvalidHeader"
        );
        assert_eq!(
            rejected_before_sending(get().mode(Mode::SameOrigin)),
            "DisallowedByMode"
        );
    }

    #[test]
    fn poll_repeats_the_outstanding_request_and_stray_responses_are_ignored() {
        let (mut f, mut c, n) = start(Request::get(url("https://api.test/r")));
        let first = send(&mut f, &mut c, n);
        assert_eq!(send(&mut f, &mut c, n), first);
        assert_eq!(f.trace().len(), 1);
        reply(
            &mut f,
            &mut c,
            n,
            200,
            &[("access-control-allow-origin", "*")],
        );
        let o = done(&mut f, &mut c, n);
        reply(&mut f, &mut c, n, 500, &[]);
        assert_eq!(done(&mut f, &mut c, n), o);
    }

    #[test]
    fn preflight_carries_no_credentials_and_the_actual_request_does() {
        let req = Request::get(url("https://api.test/r"))
            .method("PUT")
            .body("x")
            .credentials(CredentialsMode::Include);
        let (mut f, mut c, n) = start(req);
        let pre = send(&mut f, &mut c, n);
        assert_eq!(
            (pre.kind, pre.credentials),
            (RequestKind::Preflight, Credentials::Omit)
        );
        assert_eq!(
            pre.header("access-control-request-method").as_deref(),
            Some("PUT")
        );
        assert_eq!(pre.header("content-type"), None);
        reply(
            &mut f,
            &mut c,
            n,
            204,
            &[
                ("access-control-allow-origin", "https://app.test"),
                ("access-control-allow-methods", "PUT"),
                ("access-control-allow-credentials", "true"),
            ],
        );
        let put = send(&mut f, &mut c, n);
        assert_eq!(
            (put.kind, put.credentials),
            (RequestKind::Actual, Credentials::Include)
        );
        assert_eq!(
            put.header("content-type").as_deref(),
            Some("text/plain;charset=UTF-8")
        );
        assert_eq!(put.body.as_deref(), Some(&b"x"[..]));
    }

    #[test]
    fn redirect_to_a_non_http_scheme_and_too_many_redirects() {
        let (mut f, mut c, n) = start(Request::get(url("https://app.test/r")));
        send(&mut f, &mut c, n);
        reply(
            &mut f,
            &mut c,
            n,
            302,
            &[("location", "data:text/plain,hi")],
        );
        assert_eq!(
            done(&mut f, &mut c, n).error().unwrap().reason.code(),
            "CorsDisabledScheme"
        );

        let (mut f, mut c, n) = start(Request::get(url("https://app.test/0")));
        for i in 1..=21 {
            send(&mut f, &mut c, n);
            reply(&mut f, &mut c, n, 307, &[("location", &format!("/{i}"))]);
        }
        let o = done(&mut f, &mut c, n);
        assert_eq!(o.error().unwrap().reason.code(), "TooManyRedirects");
        assert_eq!(f.trace().len(), 21);
    }

    #[test]
    fn unparsable_or_repeated_location_is_a_network_error() {
        let (mut f, mut c, n) = start(Request::get(url("https://app.test/r")));
        send(&mut f, &mut c, n);
        reply(&mut f, &mut c, n, 302, &[("location", "http://[::1")]);
        assert_eq!(
            done(&mut f, &mut c, n).error().unwrap().reason.code(),
            "InvalidRedirectLocation"
        );
    }

    #[test]
    fn transport_errors_end_the_fetch() {
        let (mut f, mut c, n) = start(Request::get(url("https://api.test/r")));
        send(&mut f, &mut c, n);
        f.on_transport_error("connection refused");
        let o = done(&mut f, &mut c, n);
        assert_eq!(
            o.error().unwrap().reason,
            CorsError::Network {
                detail: "connection refused".into()
            }
        );
        assert!(
            o.error()
                .unwrap()
                .to_string()
                .contains("connection refused")
        );
    }

    #[test]
    fn same_origin_requests_get_a_basic_response_without_origin() {
        let (mut f, mut c, n) =
            start(Request::get(url("https://app.test/r")).header("X-Custom", "1"));
        let r = send(&mut f, &mut c, n);
        assert_eq!(r.header("origin"), None);
        assert_eq!(r.header("sec-fetch-site").as_deref(), Some("same-origin"));
        assert_eq!(r.credentials, Credentials::Include);
        reply(
            &mut f,
            &mut c,
            n,
            200,
            &[("set-cookie", "a=b"), ("x-secret", "1")],
        );
        let resp = done(&mut f, &mut c, n).response().cloned().unwrap();
        assert_eq!(resp.response_type, ResponseType::Basic);
        assert_eq!(resp.header_names(), ["x-secret"]);
    }

    #[test]
    fn sec_fetch_headers_only_to_trustworthy_urls() {
        let page = parse_origin("http://app.test").unwrap();
        let mut f = Fetch::new(
            &Profile::chromium(),
            &page,
            Request::get(url("http://api.test/r")),
        );
        let r = match f.poll(&mut PreflightCache::default(), Instant::now()) {
            Action::Send(r) => r,
            Action::Done(o) => panic!("{o:?}"),
        };
        assert_eq!(r.header("sec-fetch-mode"), None);
        assert_eq!(r.header("origin").as_deref(), Some("http://app.test"));
    }
}
