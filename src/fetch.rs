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
use crate::cookie::{CookieContext, CookieJar, CookieNote, date_header};
use crate::corp;
use crate::error::{CorsError, InputError, NetworkError, Stage};
use crate::headers::HeaderList;
use crate::local_network;
use crate::mixed_content;
use crate::origin::{FetchSite, is_potentially_trustworthy, url_is_same_origin, without_fragment};
use crate::page::{InsecureRequests, Page};
use crate::preflight::{needs_preflight_for, validate};
use crate::profile::{
    EmptyLocation, FetchMetadata, HeaderBytesOnWire, PartialContentLength, PreflightAfterRedirect,
    PreflightNamesAfterRedirect, PreflightOriginAfterRedirect, PreflightUserAgent, Profile,
    RedirectCredentials, RepeatedRequestHeader, UserinfoRedirect,
};
use crate::redirect::{
    MAX_REDIRECTS, drop_body_headers, has_credentials, is_redirect_status, location_url,
    rewritten_method,
};
use crate::request::{CredentialsMode, Mode, RedirectMode, Request};
use crate::response::{Response, ResponseType, filtered};
use crate::safelist::{
    cors_unsafe_request_header_names, is_cors_safelisted_method, is_forbidden_method,
    is_forbidden_request_header, is_no_cors_safelisted_request_header, normalize_method,
};

/// Whether a request sent on the wire is a preflight or the request itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
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
#[non_exhaustive]
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
        // The URL without its fragment, copied once into the `Uri`.
        let url = &self.url[..url::Position::AfterQuery];
        let uri = http::Uri::try_from(url).map_err(|e| InputError::Url {
            input: url.to_owned(),
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
// `Done` is taken once per fetch: boxing the outcome would cost an
// allocation per fetch to save bytes on a value that lives a moment.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Send this request and give its response head to [`Fetch::on_response`].
    /// Shared with [`Fetch::trace`], which keeps it: handing it out copies
    /// nothing.
    Send(Arc<WireRequest>),
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
    tainting: Tainting,
    /// What the redirects so far did to the request.
    hops: RedirectEffects,
    /// Whether a preflight was needed and has passed, across hops.
    preflight: PreflightState,
    /// Whether the request's credentials mode included credentials for the
    /// URL script asked for (WebKit decides a whole chain by it).
    credentials_at_start: bool,
    state: State,
    trace: Trace,
    /// Cookies withheld or refused along the way.
    cookie_notes: Vec<CookieNote>,
}

/// The requests sent so far. Most fetches send one: it is kept inline, so
/// a simple request allocates no list for it.
#[derive(Debug, Clone, Default)]
enum Trace {
    #[default]
    Empty,
    One(Arc<WireRequest>),
    Many(Vec<Arc<WireRequest>>),
}

impl Trace {
    fn as_slice(&self) -> &[Arc<WireRequest>] {
        match self {
            Trace::Empty => &[],
            Trace::One(request) => std::slice::from_ref(request),
            Trace::Many(requests) => requests,
        }
    }

    fn last(&self) -> Option<&Arc<WireRequest>> {
        self.as_slice().last()
    }

    fn last_mut(&mut self) -> Option<&mut Arc<WireRequest>> {
        match self {
            Trace::Empty => None,
            Trace::One(request) => Some(request),
            Trace::Many(requests) => requests.last_mut(),
        }
    }

    fn push(&mut self, request: Arc<WireRequest>) {
        *self = match std::mem::take(self) {
            Trace::Empty => Trace::One(request),
            Trace::One(first) => Trace::Many(vec![first, request]),
            Trace::Many(mut requests) => {
                requests.push(request);
                Trace::Many(requests)
            }
        };
    }
}

/// What the redirects of a fetch did to it ([Fetch § HTTP-redirect fetch](https://fetch.spec.whatwg.org/#http-redirect-fetch)).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct RedirectEffects {
    /// The request's origin serializes as `null` (the tainted origin flag).
    tainted_origin: bool,
    /// The latest redirect went to another origin (WebKit sends no
    /// `Sec-Fetch-*` on that hop).
    last_hop_crossed_origin: bool,
    /// `Authorization` was dropped on a cross-origin hop.
    authorization_removed: bool,
}

/// The CORS preflight across hops.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct PreflightState {
    /// Some hop needed one (a profile fact decides whether later hops must).
    needed: bool,
    /// The current hop's preflight passed (or a cache entry served it).
    passed: bool,
}

/// What outlives one fetch and the machine reads and updates: the preflight
/// cache and, when the machine decides cookies, the cookie jar. Implemented
/// by [`PreflightCache`] alone (cookies are then the caller's business: the
/// machine only says [`WireRequest::credentials`]) and by [`BrowserState`].
pub trait Store: sealed::Sealed {
    /// The cache and the jar.
    #[doc(hidden)]
    fn parts(&mut self) -> (&mut PreflightCache, Option<&mut CookieJar>);
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for crate::cache::PreflightCache {}
    impl Sealed for super::BrowserState {}
}

impl Store for PreflightCache {
    fn parts(&mut self) -> (&mut PreflightCache, Option<&mut CookieJar>) {
        (self, None)
    }
}

/// A browser profile's state: its preflight cache and its cookie jar. With
/// it, the machine attaches the `Cookie` header itself and stores each
/// response's `Set-Cookie` lines, by the engine's cookie rules.
///
/// ```
/// use browser_cors::{Action, BrowserState, Fetch, Profile, Request, CredentialsMode, origin::parse_origin};
/// let profile = Profile::chromium();
/// let mut state = BrowserState::new(&profile);
/// let api = url::Url::parse("https://api.other.test/r").unwrap();
/// state.cookies.store_first_party(&api, b"sid=1; SameSite=None; Secure", std::time::Instant::now());
/// let page = parse_origin("https://app.test").unwrap();
/// let request = Request::get(api).credentials(CredentialsMode::Include);
/// let mut fetch = Fetch::new(&profile, &page, request);
/// let Action::Send(req) = fetch.poll(&mut state, std::time::Instant::now()) else { panic!() };
/// // Chromium 156 blocks third-party cookies: none is sent, and the machine says why.
/// assert_eq!(req.header("cookie"), None);
/// assert!(fetch.cookie_notes()[0].to_string().contains("third-party cookies are blocked"));
/// ```
#[derive(Debug, Clone)]
pub struct BrowserState {
    /// The preflight cache.
    pub preflight_cache: PreflightCache,
    /// The cookie jar.
    pub cookies: CookieJar,
}

impl BrowserState {
    /// An empty state sized and ruled by `profile`.
    pub fn new(profile: &crate::Profile) -> BrowserState {
        BrowserState {
            preflight_cache: PreflightCache::new(profile.cache.capacity),
            cookies: CookieJar::new(profile),
        }
    }
}

impl Store for BrowserState {
    fn parts(&mut self) -> (&mut PreflightCache, Option<&mut CookieJar>) {
        (&mut self.preflight_cache, Some(&mut self.cookies))
    }
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

    /// Starts a `fetch()` from `page`, with its policies (COEP,
    /// `upgrade-insecure-requests`), address space and permissions.
    ///
    /// ```
    /// use browser_cors::{Action, Fetch, Page, PreflightCache, Profile, Request};
    /// let page = Page::parse("https://app.test").unwrap();
    /// let mut fetch = Fetch::from_page(&Profile::chromium(), &page, Request::get("http://api.test/".parse().unwrap()));
    /// // An https page may not fetch plain http: blocked before anything is sent.
    /// let Action::Done(outcome) = fetch.poll(&mut PreflightCache::default(), std::time::Instant::now()) else { panic!() };
    /// assert_eq!(outcome.error().unwrap().reason.code(), "MixedContent");
    /// ```
    pub fn from_page(profile: &Profile, page: &Page, request: Request) -> Fetch {
        Fetch::for_page(profile, &Arc::new(page.clone()), request)
    }

    /// [`Fetch::from_page`] for a page shared by many fetches: nothing of
    /// the page is copied (how the `Browser` starts each of its fetches).
    ///
    /// ```
    /// use std::sync::Arc;
    /// use browser_cors::{Fetch, Page, Profile, Request};
    /// let page = Arc::new(Page::parse("https://app.test").unwrap());
    /// for path in ["/a", "/b"] {
    ///     let url = format!("https://api.test{path}").parse().unwrap();
    ///     let _fetch = Fetch::on_shared_page(&Profile::chromium(), &page, Request::get(url));
    /// }
    /// ```
    pub fn on_shared_page(profile: &Profile, page: &Arc<Page>, request: Request) -> Fetch {
        Fetch::for_page(profile, page, request)
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
            tainting: Tainting::Basic,
            hops: RedirectEffects::default(),
            preflight: PreflightState::default(),
            credentials_at_start: false,
            state: State::Ready,
            trace: Trace::default(),
            cookie_notes: Vec::new(),
        };
        if let Err(reason) = fetch.construct(&method, &headers) {
            fetch.fail(reason, Stage::Request, None);
        }
        fetch.credentials_at_start = credentials == CredentialsMode::Include
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
        Ok(())
    }

    /// The method and header list as the `Request` constructor left them
    /// (forbidden headers dropped, a body's default `Content-Type` added):
    /// what main fetch classifies. For [`crate::advice`], which explains the
    /// machine's decision from the same data.
    pub(crate) fn constructed(&self) -> (&Method, &HeaderList) {
        (&self.method, &self.headers)
    }

    /// Every request sent so far, in order (preflights included).
    pub fn trace(&self) -> &[Arc<WireRequest>] {
        self.trace.as_slice()
    }

    /// Cookies that matched a request but were not sent, and `Set-Cookie`
    /// lines that were not stored, with the reason (only when the machine
    /// decides cookies, with a [`BrowserState`]).
    pub fn cookie_notes(&self) -> &[CookieNote] {
        &self.cookie_notes
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
    pub fn poll<S: Store + ?Sized>(&mut self, store: &mut S, now: Instant) -> Action {
        let (cache, jar) = store.parts();
        self.poll_parts(cache, jar, now)
    }

    fn poll_parts(
        &mut self,
        cache: &mut PreflightCache,
        jar: Option<&mut CookieJar>,
        now: Instant,
    ) -> Action {
        match &self.state {
            State::Done(outcome) => return Action::Done(outcome.clone()),
            State::Preflight { .. } | State::Actual => {
                if let Some(p) = self.trace.last() {
                    return Action::Send(Arc::clone(p));
                }
            }
            State::Ready => {}
        }
        self.main_fetch(cache, now);
        if let Some(jar) = jar {
            self.attach_cookies(jar, now);
        }
        // The outstanding request is the last one of the trace.
        match (&self.state, self.trace.last()) {
            (State::Done(outcome), _) => Action::Done(outcome.clone()),
            (State::Preflight { .. } | State::Actual, Some(p)) => Action::Send(Arc::clone(p)),
            _ => {
                // Not reachable: main fetch always sends or finishes. Fail closed.
                self.fail(
                    CorsError::Network {
                        detail: "internal: no request to send".into(),
                    },
                    Stage::Network,
                    None,
                );
                self.poll_parts(cache, None, now)
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
    pub fn on_response<B, S: Store + ?Sized>(
        &mut self,
        response: &http::Response<B>,
        store: &mut S,
        now: Instant,
    ) {
        self.on_response_head(response.status(), response.headers(), store, now);
    }

    /// [`Fetch::on_response`] with the status and headers given separately.
    pub fn on_response_head<S: Store + ?Sized>(
        &mut self,
        status: StatusCode,
        headers: &HeaderMap,
        store: &mut S,
        now: Instant,
    ) {
        let (cache, jar) = store.parts();
        let state = std::mem::replace(&mut self.state, State::Ready);
        match state {
            State::Preflight { names, origin } => {
                self.on_preflight_response(status, headers, &names, &origin, cache, now)
            }
            State::Actual => self.on_actual_response(status, headers, cache, jar, now),
            other => self.state = other,
        }
    }

    /// Puts the jar's cookies on the request just queued, when it carries
    /// credentials ([RFC 6265bis § 5.8](https://httpwg.org/http-extensions/draft-ietf-httpbis-rfc6265bis.html#name-retrieval-model)).
    fn attach_cookies(&mut self, jar: &CookieJar, now: Instant) {
        if !matches!(self.state, State::Actual) {
            return;
        }
        let Some(request) = self.trace.last() else {
            return;
        };
        if request.credentials != Credentials::Include {
            return;
        }
        let ctx = CookieContext::for_chain(
            &self.page,
            self.url_list(),
            &request.url,
            &self.profile.cookies,
        );
        let (header, notes) = jar.cookie_header(&request.url, &ctx, now);
        self.cookie_notes.extend(notes);
        if let (Some(value), Some(request)) = (header, self.trace.last_mut()) {
            // Not handed out yet, so not shared: no copy is made.
            Arc::make_mut(request)
                .headers
                .set(http::header::COOKIE, value);
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
            origin: self.page.origin_str().to_owned(),
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
        if self.hops.tainted_origin {
            "null"
        } else {
            self.page.origin_str()
        }
    }

    /// [`Fetch::origin_value`] as a header value, shared rather than copied.
    fn origin_header(&self) -> Bytes {
        if self.hops.tainted_origin {
            Bytes::from_static(b"null")
        } else {
            self.page.serialized().clone()
        }
    }

    /// [Main fetch](https://fetch.spec.whatwg.org/#main-fetch) for the current URL.
    fn main_fetch(&mut self, cache: &mut PreflightCache, now: Instant) {
        let stage = if !self.redirects.is_empty() {
            Stage::Redirect
        } else {
            Stage::Request
        };
        if let Err(reason) = self.gate() {
            return self.fail(reason, stage, None);
        }
        let url = self.current_url();
        if !self.hops.tainted_origin
            && url_is_same_origin(&self.page.origin, url)
            && self.tainting == Tainting::Basic
        {
            return self.send_actual();
        }
        match self.mode {
            Mode::SameOrigin => self.fail(CorsError::DisallowedByMode, stage, None),
            Mode::NoCors => {
                // Main fetch's no-cors branch: only `follow` may leave the origin.
                if self.redirect != RedirectMode::Follow {
                    return self.fail(CorsError::NoCorsRedirectMode, stage, None);
                }
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
                    && self.preflight.needed
                    && !self.redirects.is_empty();
                if self.redirects.is_empty()
                    || self.profile.preflight_after_redirect == PreflightAfterRedirect::WhenNeeded
                {
                    self.preflight.needed |= needed;
                }
                if (needed || sticky) && !self.preflight.passed {
                    let mut names = cors_unsafe_request_header_names(&self.headers, &self.profile);
                    if self.hops.authorization_removed
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
                        self.page.origin_str(),
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

    /// Main fetch's gates before anything is sent to the current URL:
    /// [upgrade-insecure-requests](https://w3c.github.io/webappsec-upgrade-insecure-requests/#upgrade-request),
    /// [mixed content](https://w3c.github.io/webappsec-mixed-content/#should-block-fetch)
    /// and [Local Network Access](https://wicg.github.io/local-network-access/).
    fn gate(&mut self) -> Result<(), CorsError> {
        if self.page.insecure_requests == InsecureRequests::Upgrade {
            if let Some(up) =
                mixed_content::upgraded_for(self.current_url(), &self.profile.mixed_content)
            {
                match self.redirects.last_mut() {
                    Some(last) => *last = up,
                    None => self.initial_url = up,
                }
            }
        }
        let url = self.current_url();
        if mixed_content::page_restricts_mixed_content(&self.page.origin)
            && mixed_content::is_blocked(url, &self.profile.mixed_content)
        {
            return Err(CorsError::MixedContent);
        }
        let Some(page_space) = self.page.address_space() else {
            return Ok(());
        };
        let target = self.page.target_address_space(url);
        local_network::check(
            page_space,
            self.page.is_secure_context(),
            target,
            &self.page.permissions,
            &self.profile.local_network,
        )
        .map_err(|block| CorsError::LocalNetworkAccess { block, target })
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
        // `Sec-` names are forbidden to script, and each is added once:
        // appended without a search.
        headers.push_new(SEC_FETCH_MODE, Bytes::from_static(mode.as_bytes()));
        headers.push_new(SEC_FETCH_SITE, Bytes::from_static(site.as_str().as_bytes()));
        headers.push_new(SEC_FETCH_DEST, Bytes::from_static(b"empty"));
    }

    /// [CORS-preflight fetch](https://fetch.spec.whatwg.org/#cors-preflight-fetch-0), steps 1–5.
    fn send_preflight(&mut self, names: Vec<String>) {
        let url = self.current_url().clone();
        let origin = match self.profile.preflight_origin_after_redirect {
            PreflightOriginAfterRedirect::Tainted => self.origin_header(),
            PreflightOriginAfterRedirect::PageOrigin => self.page.serialized().clone(),
        };
        let mut headers = HeaderList::with_capacity(9);
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
        self.trace.push(Arc::new(request));
        let origin = String::from_utf8_lossy(&origin).into_owned();
        self.state = State::Preflight { names, origin };
    }

    /// Builds and sends the actual request (HTTP-network-or-cache fetch's header steps).
    fn send_actual(&mut self) {
        let url = self.current_url().clone();
        let mut headers = self.script_headers_on_wire();
        let cors_or_unsafe = self.tainting == Tainting::Cors
            || (self.method != Method::GET && self.method != Method::HEAD);
        if cors_or_unsafe {
            // `Origin` is forbidden to script: appended without a search.
            headers.push_new(http::header::ORIGIN, self.origin_header());
        }
        // The browser's defaults, where script set none. The wire list is
        // script's names and `Origin`, so asking script's list is asking it.
        for (name, value) in [
            (http::header::ACCEPT, "*/*"),
            (
                http::header::ACCEPT_LANGUAGE,
                self.profile.defaults.accept_language,
            ),
            (http::header::USER_AGENT, self.profile.defaults.user_agent),
        ] {
            if !self.headers.contains_name(&name) {
                headers.push_new(name, Bytes::from_static(value.as_bytes()));
            }
        }
        if let Some(site) = self.fetch_site() {
            self.add_fetch_metadata(&mut headers, &url, self.mode.as_str(), site);
        }
        let request = WireRequest {
            kind: RequestKind::Actual,
            method: self.method.clone(),
            url,
            headers,
            body: self.body.clone(),
            credentials: if self.includes_credentials() {
                Credentials::Include
            } else {
                Credentials::Omit
            },
        };
        self.trace.push(Arc::new(request));
        self.state = State::Actual;
    }

    /// The script's headers as the engine puts them on the wire (repeated
    /// values, `Range`, bytes above 0x7F), with room for the browser's own.
    fn script_headers_on_wire(&self) -> HeaderList {
        // The script's headers, the four defaults, Origin, Sec-Fetch-* and Cookie.
        let mut headers = HeaderList::with_capacity(self.headers.len() + 9);
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
            if name == http::header::RANGE
                && self.profile.defaults.range_on_wire == crate::profile::RangeOnWire::Canonical
            {
                value = Bytes::from(crate::range::canonical_range(&value));
            }
            if self.profile.header_bytes_on_wire == HeaderBytesOnWire::Utf8
                && value.iter().any(|b| *b >= 0x80)
            {
                value = Bytes::from(crate::headers::isomorphic_decode(&value).into_bytes());
            }
            // `combined` lists each name once and `headers` starts empty:
            // appending is setting, without a search per header.
            headers.push_new(name, value);
        }
        headers
    }

    /// `Sec-Fetch-Site` of the actual request, as the engine computes it
    /// over the redirect chain (`None`: the engine sends no metadata).
    fn fetch_site(&self) -> Option<FetchSite> {
        let chain = || FetchSite::of_chain(&self.page.origin, self.url_list());
        match self.profile.fetch_metadata {
            FetchMetadata::Chain => Some(chain()),
            FetchMetadata::CrossSiteAfterRedirect => {
                let site = chain();
                let all_https = self.url_list().all(|u| u.scheme() == "https");
                Some(
                    if !self.redirects.is_empty() && site == FetchSite::SameSite && !all_https {
                        FetchSite::CrossSite
                    } else {
                        site
                    },
                )
            }
            FetchMetadata::NoneAfterCrossOriginRedirect => {
                (!(self.mode == Mode::Cors && self.hops.last_hop_crossed_origin)).then(chain)
            }
        }
    }

    /// Whether the actual request carries credentials
    /// ([HTTP-network-or-cache fetch](https://fetch.spec.whatwg.org/#http-network-or-cache-fetch),
    /// includeCredentials), with the page's `credentialless` policy.
    fn includes_credentials(&self) -> bool {
        let by_mode = match self.credentials {
            CredentialsMode::Include => true,
            CredentialsMode::Omit => false,
            CredentialsMode::SameOrigin => {
                self.tainting == Tainting::Basic
                    || (self.mode == Mode::NoCors
                        && self.profile.redirect_credentials == RedirectCredentials::DecidedAtStart
                        && self.credentials_at_start)
            }
        };
        by_mode
            && !(self.tainting == Tainting::Opaque
                && corp::omits_credentials(self.page.embedder_policy, &self.profile.corp))
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
            cache.store(&self.profile, self.page.origin_str(), &url, result, now);
        }
        match validation.outcome {
            Ok(()) => {
                self.preflight.passed = true;
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
        jar: Option<&mut CookieJar>,
        now: Instant,
    ) {
        let code = Some(status.as_u16());
        let location = if is_redirect_status(status) {
            self.location(headers)
        } else {
            None
        };
        let stage = if location.is_some() {
            Stage::Redirect
        } else {
            Stage::Response
        };
        let checked = self.cors_check_of(headers, location.is_some());
        if let Some(jar) = jar {
            self.store_cookies(jar, headers, checked.is_err(), now);
        }
        if let Err(e) = checked {
            if self.profile.cache.on_actual_failure == crate::profile::OnActualFailure::DropEntry {
                let url = self.cache_url();
                cache.remove(self.page.origin_str(), &url);
            }
            return self.fail(e, stage, code);
        }
        if let Err(block) = self.resource_policy_check(headers) {
            return self.fail(CorsError::ResourcePolicy { block }, stage, code);
        }
        let Some(location) = location else {
            let response = self.final_response(status, headers);
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

    /// The [CORS check](https://fetch.spec.whatwg.org/#concept-cors-check)
    /// of a response, when the tainting is `cors`; a redirect response is
    /// checked as credentialed in engines that decide credentials at the start.
    fn cors_check_of(&self, headers: &HeaderMap, is_redirect: bool) -> Result<(), CorsError> {
        if self.tainting != Tainting::Cors {
            return Ok(());
        }
        let credentials = if is_redirect
            && self.profile.redirect_credentials == RedirectCredentials::DecidedAtStart
            && self.credentials_at_start
        {
            CredentialsMode::Include
        } else {
            self.credentials
        };
        cors_check(
            headers,
            self.origin_value(),
            credentials,
            self.profile.allow_origin_check,
        )
    }

    /// The [cross-origin resource policy check](https://fetch.spec.whatwg.org/#cross-origin-resource-policy-check)
    /// of a response, when the tainting is opaque (a cross-origin `no-cors` fetch).
    fn resource_policy_check(&self, headers: &HeaderMap) -> Result<(), corp::CorpBlock> {
        if self.tainting != Tainting::Opaque {
            return Ok(());
        }
        let includes_credentials = self
            .trace
            .last()
            .is_some_and(|r| r.credentials == Credentials::Include);
        corp::check(
            &self.page.origin,
            self.current_url(),
            headers,
            self.page.embedder_policy,
            includes_credentials,
            &self.profile.corp,
        )
    }

    /// What script sees of the final response: the network's response (with
    /// the `Content-Length` Chromium's cache gives a `206`), filtered by the
    /// response tainting.
    fn final_response(&self, status: StatusCode, headers: &HeaderMap) -> Response {
        let partial_length = (status == StatusCode::PARTIAL_CONTENT
            && self.profile.partial_content_length == PartialContentLength::FromContentRange
            && !headers.contains_key(http::header::CONTENT_LENGTH))
        .then(|| content_range_length(headers))
        .flatten();
        let with_length;
        let headers = match partial_length {
            Some(n) => {
                let mut h = headers.clone();
                h.insert(http::header::CONTENT_LENGTH, http::HeaderValue::from(n));
                with_length = h;
                &with_length
            }
            None => headers,
        };
        let response_type = match self.tainting {
            Tainting::Basic => ResponseType::Basic,
            Tainting::Cors => ResponseType::Cors,
            Tainting::Opaque => ResponseType::Opaque,
        };
        filtered(
            response_type,
            status,
            headers,
            self.current_url(),
            !self.redirects.is_empty(),
            self.credentials,
        )
    }

    /// The response's [location URL](https://fetch.spec.whatwg.org/#concept-response-location-url),
    /// with the engine's reading of an empty `Location`.
    fn location(&self, headers: &HeaderMap) -> Option<Result<Url, String>> {
        let empty = headers
            .get(http::header::LOCATION)
            .is_some_and(|v| crate::headers::trim_tab_space(v.as_bytes()).is_empty());
        if empty {
            match (self.profile.empty_location, self.redirect) {
                (_, RedirectMode::Manual) | (EmptyLocation::SameUrl, _) => {}
                (EmptyLocation::NotARedirect, _) => return None,
                (EmptyLocation::FailWhenFollowed, RedirectMode::Follow) => {
                    return Some(Err(String::new()));
                }
                (EmptyLocation::FailWhenFollowed, _) => return None,
            }
        }
        location_url(headers, self.current_url())
    }

    /// Stores the `Set-Cookie` lines of the response to the outstanding
    /// request, when it carried credentials. The standard stores them before
    /// the CORS check; whether a failed check drops them is an engine fact.
    fn store_cookies(
        &mut self,
        jar: &mut CookieJar,
        headers: &HeaderMap,
        cors_failed: bool,
        now: Instant,
    ) {
        let Some(request) = self.trace.last() else {
            return;
        };
        if request.credentials != Credentials::Include
            || !headers.contains_key(http::header::SET_COOKIE)
        {
            return;
        }
        let ctx = CookieContext::new(&self.page, &request.url, &self.profile.cookies);
        let lines = headers
            .get_all(http::header::SET_COOKIE)
            .iter()
            .map(|v| v.as_bytes());
        let notes = jar.store_response(
            &request.url,
            lines,
            &ctx,
            cors_failed,
            date_header(headers),
            now,
        );
        self.cookie_notes.extend(notes);
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
        if self.redirects.len() >= MAX_REDIRECTS as usize {
            return self.fail(CorsError::TooManyRedirects, Stage::Redirect, code);
        }
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
            self.hops.tainted_origin = true;
        }
        if let Some(method) = rewritten_method(status, &self.method) {
            self.method = method;
            self.body = None;
            drop_body_headers(&mut self.headers);
        }
        self.hops.last_hop_crossed_origin = location_origin != current_origin;
        if self.hops.last_hop_crossed_origin
            && self.profile.authorization_on_redirect
                == crate::profile::AuthorizationOnRedirect::Removed
            && self.headers.contains("authorization")
        {
            self.headers.remove("authorization");
            self.hops.authorization_removed = true;
        }
        self.redirects.push(location);
        self.preflight.passed = false;
        self.state = State::Ready;
    }
}

/// The length a `Content-Range: bytes first-last/complete` value gives.
fn content_range_length(headers: &HeaderMap) -> Option<u64> {
    let value = headers.get(http::header::CONTENT_RANGE)?.to_str().ok()?;
    let range = value.trim().strip_prefix("bytes ")?.split('/').next()?;
    let (first, last) = range.split_once('-')?;
    let (first, last): (u64, u64) = (first.trim().parse().ok()?, last.trim().parse().ok()?);
    last.checked_sub(first)?.checked_add(1)
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

    fn send(fetch: &mut Fetch, cache: &mut PreflightCache, now: Instant) -> Arc<WireRequest> {
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

/// The gate's rules as the machine applies them hop by hop: mixed content,
/// upgrade-insecure-requests, Local Network Access, CORP/COEP and cookies,
/// with the edge cases the vectors do not reach.
#[cfg(test)]
mod gate_tests {
    use super::*;
    use crate::cookie::{CookieAction, CookieReason};
    use crate::corp::{CorpBlock, EmbedderPolicy};
    use crate::local_network::{AddressSpace, LocalNetworkBlock};

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    fn page(origin: &str) -> Page {
        Page::parse(origin).unwrap()
    }

    /// Drives a fetch against `answer` (status and headers per request),
    /// returning the outcome and every request sent.
    fn run(
        profile: &Profile,
        page: &Page,
        state: &mut BrowserState,
        request: Request,
        answer: impl Fn(&WireRequest) -> (u16, Vec<(&'static str, String)>),
    ) -> (Outcome, Vec<Arc<WireRequest>>, Vec<CookieNote>) {
        let now = Instant::now();
        let mut fetch = Fetch::from_page(profile, page, request);
        let outcome = crate::drive::drive(&mut fetch, state, now, 50, |r, _| {
            let (status, headers) = answer(r);
            let mut map = HeaderMap::new();
            for (n, v) in headers {
                map.append(n, v.parse().unwrap());
            }
            Ok::<_, ()>(crate::drive::Answer::Head(
                StatusCode::from_u16(status).unwrap(),
                map,
            ))
        });
        let outcome = outcome.unwrap().expect("the fetch did not finish");
        (
            outcome,
            fetch.trace().to_vec(),
            fetch.cookie_notes().to_vec(),
        )
    }

    fn acao(origin: &str) -> Vec<(&'static str, String)> {
        vec![("access-control-allow-origin", origin.to_owned())]
    }

    #[test]
    fn a_redirect_hop_to_insecure_http_is_blocked_before_it_is_sent() {
        let p = Profile::chromium();
        let mut state = BrowserState::new(&p);
        let (o, sent, _) = run(
            &p,
            &page("https://app.test"),
            &mut state,
            Request::get(url("https://api.test/go")),
            |r| {
                if r.url.path() == "/go" {
                    (
                        302,
                        vec![
                            ("location", "http://api.test/r".into()),
                            ("access-control-allow-origin", "*".into()),
                        ],
                    )
                } else {
                    (200, acao("*"))
                }
            },
        );
        assert_eq!(sent.len(), 1);
        let e = o.error().unwrap();
        assert_eq!(
            (e.reason.code(), e.stage),
            ("MixedContent", Stage::Redirect)
        );
        assert!(
            e.to_string()
                .starts_with("Mixed Content: The page at 'https://app.test/'")
        );
    }

    #[test]
    fn upgrade_insecure_requests_rewrites_the_url_before_the_mixed_content_check() {
        let p = Profile::chromium();
        let mut state = BrowserState::new(&p);
        let page = page("https://app.test").with_insecure_requests(InsecureRequests::Upgrade);
        let (o, sent, _) = run(
            &p,
            &page,
            &mut state,
            Request::get(url("http://api.test:8080/r")),
            |_| (200, acao("*")),
        );
        assert_eq!(sent[0].url.as_str(), "https://api.test:8080/r");
        assert_eq!(
            o.response().unwrap().url.as_ref().unwrap().as_str(),
            "https://api.test:8080/r"
        );
    }

    #[test]
    fn local_network_access_is_checked_on_every_hop() {
        let public = page("https://app.test")
            .with_address_space(AddressSpace::Public)
            .with_target_address_space("https://pub.test", AddressSpace::Public);
        let go = |r: &WireRequest| {
            if r.url.path() == "/go" {
                (
                    302,
                    vec![
                        ("location", "http://127.0.0.1:9/r".into()),
                        ("access-control-allow-origin", "*".into()),
                    ],
                )
            } else {
                (200, acao("*"))
            }
        };
        for (profile, block) in [
            (Profile::chromium(), LocalNetworkBlock::Denied),
            (Profile::firefox(), LocalNetworkBlock::AwaitingPermission),
        ] {
            let mut state = BrowserState::new(&profile);
            let (o, sent, _) = run(
                &profile,
                &public,
                &mut state,
                Request::get(url("https://pub.test/go")),
                go,
            );
            assert_eq!(sent.len(), 1, "{:?}", profile.engine);
            assert_eq!(
                o.error().unwrap().reason,
                CorsError::LocalNetworkAccess {
                    block,
                    target: AddressSpace::Loopback
                }
            );
        }
        // WebKit has no such check; it refuses the hop as mixed content
        // (loopback http is not trustworthy there), and from an http page
        // the hop goes out.
        let w = Profile::webkit();
        let mut state = BrowserState::new(&w);
        let (o, sent, _) = run(
            &w,
            &public,
            &mut state,
            Request::get(url("https://pub.test/go")),
            go,
        );
        assert_eq!(
            (sent.len(), o.error().unwrap().reason.code()),
            (1, "MixedContent")
        );
        let http_page = page("http://app.test")
            .with_address_space(AddressSpace::Public)
            .with_target_address_space("https://pub.test", AddressSpace::Public);
        let (o, sent, _) = run(
            &w,
            &http_page,
            &mut state,
            Request::get(url("https://pub.test/go")),
            go,
        );
        assert_eq!((sent.len(), o.response().map(|r| r.status)), (2, Some(200)));
    }

    #[test]
    fn corp_is_checked_on_redirect_responses_of_no_cors_fetches() {
        let p = Profile::firefox();
        let mut state = BrowserState::new(&p);
        let request = Request::get(url("https://cdn.test/go")).mode(Mode::NoCors);
        let (o, sent, _) = run(&p, &page("https://app.test"), &mut state, request, |r| {
            if r.url.path() == "/go" {
                (
                    302,
                    vec![
                        ("location", "https://cdn.test/r".into()),
                        ("cross-origin-resource-policy", "same-origin".into()),
                    ],
                )
            } else {
                (200, vec![])
            }
        });
        assert_eq!(sent.len(), 1);
        let e = o.error().unwrap();
        assert_eq!(
            (e.reason.clone(), e.stage),
            (
                CorsError::ResourcePolicy {
                    block: CorpBlock::NotSameOrigin
                },
                Stage::Redirect
            )
        );
        // In cors mode the header is not consulted.
        let mut state = BrowserState::new(&p);
        let (o, _, _) = run(
            &p,
            &page("https://app.test"),
            &mut state,
            Request::get(url("https://cdn.test/r")),
            |_| {
                (
                    200,
                    vec![
                        ("access-control-allow-origin", "*".into()),
                        ("cross-origin-resource-policy", "same-origin".into()),
                    ],
                )
            },
        );
        assert!(o.response().is_some());
    }

    #[test]
    fn credentialless_pages_send_no_cookie_on_cross_origin_no_cors_fetches() {
        let api = url("https://api.app.test/r");
        for (profile, expect_cookie) in [(Profile::chromium(), false), (Profile::webkit(), true)] {
            let mut state = BrowserState::new(&profile);
            state
                .cookies
                .store_first_party(&api, b"sid=1; SameSite=None; Secure", Instant::now());
            let page =
                page("https://app.test").with_embedder_policy(EmbedderPolicy::Credentialless);
            let request = Request::get(api.clone())
                .mode(Mode::NoCors)
                .credentials(CredentialsMode::Include);
            let (o, sent, _) = run(&profile, &page, &mut state, request, |_| (200, vec![]));
            assert_eq!(
                sent[0].header("cookie").is_some(),
                expect_cookie,
                "{:?}",
                profile.engine
            );
            assert!(o.response().is_some(), "no credentials: no CORP needed");
        }
    }

    #[test]
    fn cookies_of_a_response_that_fails_cors_are_kept_or_dropped_per_engine() {
        let set = url("https://api.app.test/set");
        for (profile, kept) in [
            (Profile::chromium(), 1),
            (Profile::firefox(), 1),
            (Profile::webkit(), 0),
        ] {
            let mut state = BrowserState::new(&profile);
            let request = Request::get(set.clone()).credentials(CredentialsMode::Include);
            let (o, _, notes) = run(
                &profile,
                &page("https://app.test"),
                &mut state,
                request,
                |_| {
                    (
                        200,
                        vec![("set-cookie", "f=1; SameSite=None; Secure".into())],
                    )
                },
            );
            assert_eq!(o.error().unwrap().reason.code(), "MissingAllowOriginHeader");
            assert_eq!(state.cookies.len(), kept, "{:?}", profile.engine);
            if kept == 0 {
                assert_eq!(notes[0].reason, CookieReason::CorsFailed);
                assert_eq!(notes[0].action, CookieAction::NotStored);
            }
        }
    }

    #[test]
    fn a_lax_cookie_stays_home_on_a_cross_site_fetch_and_says_why() {
        let p = Profile::webkit();
        let mut state = BrowserState::new(&p);
        let api = url("https://api.other.test/r");
        state
            .cookies
            .store_first_party(&api, b"session=1; SameSite=Lax", Instant::now());
        state
            .cookies
            .store_first_party(&api, b"open=1", Instant::now());
        let request = Request::get(api).credentials(CredentialsMode::Include);
        let (_, sent, notes) = run(&p, &page("https://app.test"), &mut state, request, |_| {
            (
                200,
                vec![
                    ("access-control-allow-origin", "https://app.test".into()),
                    ("access-control-allow-credentials", "true".into()),
                ],
            )
        });
        assert_eq!(sent[0].header("cookie").as_deref(), Some("open=1"));
        assert_eq!(notes.len(), 1);
        assert_eq!(
            (notes[0].name.as_str(), notes[0].reason),
            ("session", CookieReason::SameSiteLax)
        );
        assert!(
            notes[0]
                .to_string()
                .starts_with("cookie `session` was not sent to https://api.other.test/r")
        );
    }

    #[test]
    fn preflights_never_carry_cookies() {
        let p = Profile::firefox();
        let mut state = BrowserState::new(&p);
        let api = url("https://api.app.test/r");
        state
            .cookies
            .store_first_party(&api, b"sid=1", Instant::now());
        let request = Request::get(api)
            .method("PUT")
            .credentials(CredentialsMode::Include);
        let (_, sent, _) = run(&p, &page("https://app.test"), &mut state, request, |_| {
            (
                200,
                vec![
                    ("access-control-allow-origin", "https://app.test".into()),
                    ("access-control-allow-credentials", "true".into()),
                    ("access-control-allow-methods", "PUT".into()),
                ],
            )
        });
        assert_eq!(sent[0].kind, RequestKind::Preflight);
        assert_eq!(sent[0].header("cookie"), None);
        assert_eq!(sent[1].header("cookie").as_deref(), Some("sid=1"));
    }

    #[test]
    fn no_cors_with_a_manual_redirect_is_refused_only_off_the_origin() {
        let p = Profile::chromium();
        let mut state = BrowserState::new(&p);
        let same = Request::get(url("https://app.test/go"))
            .mode(Mode::NoCors)
            .redirect(RedirectMode::Manual);
        let (o, _, _) = run(&p, &page("https://app.test"), &mut state, same, |_| {
            (302, vec![("location", "/r".into())])
        });
        assert_eq!(
            o.response().unwrap().response_type,
            ResponseType::OpaqueRedirect
        );
        let cross = Request::get(url("https://api.test/go"))
            .mode(Mode::NoCors)
            .redirect(RedirectMode::Manual);
        let (o, sent, _) = run(&p, &page("https://app.test"), &mut state, cross, |_| {
            (302, vec![])
        });
        assert!(sent.is_empty());
        assert_eq!(o.error().unwrap().reason, CorsError::NoCorsRedirectMode);
    }

    #[test]
    fn an_empty_location_is_read_three_ways() {
        let same = |mode: RedirectMode| Request::get(url("https://app.test/go")).redirect(mode);
        let empty = |_: &WireRequest| (302, vec![("location", String::new())]);
        let pg = page("https://app.test");
        let c = Profile::chromium();
        let (o, sent, _) = run(
            &c,
            &pg,
            &mut BrowserState::new(&c),
            same(RedirectMode::Follow),
            empty,
        );
        assert_eq!((o.response().unwrap().status, sent.len()), (302, 1));
        let f = Profile::firefox();
        let (o, sent, _) = run(
            &f,
            &pg,
            &mut BrowserState::new(&f),
            same(RedirectMode::Follow),
            empty,
        );
        assert_eq!(
            (o.error().unwrap().reason.clone(), sent.len()),
            (CorsError::TooManyRedirects, 21)
        );
        let w = Profile::webkit();
        let (o, sent, _) = run(
            &w,
            &pg,
            &mut BrowserState::new(&w),
            same(RedirectMode::Follow),
            empty,
        );
        assert_eq!(sent.len(), 1);
        assert!(o.error().is_some());
        let (o, _, _) = run(
            &w,
            &pg,
            &mut BrowserState::new(&w),
            same(RedirectMode::Error),
            empty,
        );
        assert_eq!(o.response().unwrap().status, 302);
        for p in [&c, &f, &w] {
            let (o, _, _) = run(
                p,
                &pg,
                &mut BrowserState::new(p),
                same(RedirectMode::Manual),
                empty,
            );
            assert_eq!(
                o.response().unwrap().response_type,
                ResponseType::OpaqueRedirect
            );
        }
    }
}
