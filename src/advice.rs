//! What to change when a `fetch()` fails, worked out from the machine's own
//! record of the decision: the typed [`CorsError`], its [`Stage`], the
//! status, the engine's [`Profile`] facts, and the request and response
//! heads that went over the wire. Nothing here parses a console sentence or
//! re-implements a CORS rule: where a rule matters (is this method allowed?
//! why was this preflighted?) the functions the machine itself uses decide.
//!
//! An [`Advice`] names a [`Cause`] (what is wrong, in one short phrase), a
//! one-line summary of what happened (with the status it came with), and
//! its [`fixes`](Advice::fixes): first in the words of the server's
//! framework when its [`Stack`] could be recognised from what it sends
//! (`X-Powered-By: Express`, `server: uvicorn`, ...), then the plain HTTP
//! change.
//!
//! ```
//! use browser_cors::advice::{Cause, Seen, Stack, advise};
//! use browser_cors::{Action, Fetch, PreflightCache, Profile, Request, origin::parse_origin};
//! use std::time::Instant;
//!
//! let page = parse_origin("https://app.example").unwrap();
//! let req = Request::get("https://api.example/items".parse().unwrap()).method("PUT");
//! let (mut cache, now) = (PreflightCache::default(), Instant::now());
//! let mut fetch = Fetch::new(&Profile::chromium(), &page, req);
//! let Action::Send(preflight) = fetch.poll(&mut cache, now) else { unreachable!() };
//! // An Express app whose auth middleware runs before cors():
//! let answer = http::Response::builder().status(401)
//!     .header("x-powered-by", "Express").body(()).unwrap();
//! fetch.on_response(&answer, &mut cache, now);
//! let Action::Done(outcome) = fetch.poll(&mut cache, now) else { unreachable!() };
//! let seen = [Seen { request: &preflight, status: Some(401), headers: answer.headers() }];
//! let advice = advise(outcome.error().unwrap(), &seen, None);
//! assert_eq!(advice.cause, Cause::AuthRejectsPreflight);
//! assert_eq!(advice.stack, Some(Stack::Express));
//! assert!(advice.fixes()[0].starts_with("Express: app.use(cors(...)) before the auth middleware"));
//! assert!(advice.fixes()[1].contains("let preflights (OPTIONS) through the auth layer before authentication"));
//! ```

use http::header::{
    ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS, ACCESS_CONTROL_ALLOW_ORIGIN,
    ACCESS_CONTROL_REQUEST_HEADERS, ACCESS_CONTROL_REQUEST_METHOD,
};
use http::{HeaderMap, HeaderName, Method};

use crate::error::{CorsError, NetworkError, Stage};
use crate::fetch::{Fetch, RequestKind, WireRequest};
use crate::headers::{get_combined, parse_token_list};
use crate::preflight::{PreflightResult, needs_preflight_for};
use crate::profile::Profile;
use crate::request::{CredentialsMode, Mode, Request};
use crate::response::{
    Response, ResponseType, SAFELISTED_RESPONSE_HEADERS, is_forbidden_response_header,
};
use crate::safelist::{
    cors_unsafe_request_header_names, is_cors_safelisted_method, is_cors_safelisted_request_header,
    is_safelistable_name,
};

/// One request the browser sent, with the response head it got: what the
/// advice reads besides the [`NetworkError`].
///
/// ```
/// # use browser_cors::{Action, Fetch, PreflightCache, Profile, Request, origin::parse_origin};
/// use browser_cors::advice::Seen;
/// # let page = parse_origin("https://app.test").unwrap();
/// # let mut fetch = Fetch::new(&Profile::chromium(), &page, Request::get("https://api.test/".parse().unwrap()));
/// # let Action::Send(sent) = fetch.poll(&mut PreflightCache::default(), std::time::Instant::now()) else { panic!() };
/// let headers = http::HeaderMap::new();
/// let seen = Seen { request: &sent, status: Some(404), headers: &headers };
/// assert_eq!(seen.status, Some(404));
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Seen<'a> {
    /// The request as sent.
    pub request: &'a WireRequest,
    /// The response status, `None` when the transport failed.
    pub status: Option<u16>,
    /// The response headers (empty when the transport failed).
    pub headers: &'a HeaderMap,
}

impl Seen<'_> {
    fn header(&self, name: &HeaderName) -> Option<String> {
        get_combined(self.headers, name).map(|v| String::from_utf8_lossy(&v).into_owned())
    }
}

/// A server stack, recognised from what it sends.
///
/// ```
/// use browser_cors::advice::Stack;
/// let mut h = http::HeaderMap::new();
/// h.insert("x-powered-by", "Express".parse().unwrap());
/// assert_eq!(Stack::of_head(204, &h).map(Stack::name), Some("Express"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Stack {
    /// Node's Express with the `cors` package (`X-Powered-By: Express`).
    Express,
    /// Flask with flask-cors (`Server: Werkzeug/...`).
    Flask,
    /// Django with django-cors-headers (`Server: WSGIServer/...`, its
    /// security headers, or its default `Access-Control-Allow-Headers`).
    Django,
    /// FastAPI or Starlette with `CORSMiddleware` (`server: uvicorn`).
    Starlette,
    /// nginx with `add_header` (`Server: nginx`).
    Nginx,
    /// axum with tower-http's `CorsLayer` (its `Vary` list, or axum's
    /// empty-bodied `405` with an `Allow` header).
    Axum,
    /// actix-web with actix-cors (`Server: actix-web`, when set).
    Actix,
}

impl Stack {
    /// The name used in the fixes (`"Express"`, `"FastAPI/Starlette"`).
    ///
    /// ```
    /// assert_eq!(browser_cors::advice::Stack::Axum.name(), "axum + tower-http");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            Stack::Express => "Express",
            Stack::Flask => "Flask",
            Stack::Django => "Django",
            Stack::Starlette => "FastAPI/Starlette",
            Stack::Nginx => "nginx",
            Stack::Axum => "axum + tower-http",
            Stack::Actix => "actix-web",
        }
    }

    /// The stack one response head shows, if any. Application frameworks
    /// win over nginx: an app behind an nginx proxy shows both, and the
    /// CORS headers are the app's.
    ///
    /// ```
    /// use browser_cors::advice::Stack;
    /// let mut h = http::HeaderMap::new();
    /// h.insert("server", "uvicorn".parse().unwrap());
    /// assert_eq!(Stack::of_head(200, &h), Some(Stack::Starlette));
    /// ```
    pub fn of_head(status: u16, headers: &HeaderMap) -> Option<Stack> {
        let get = |name: &str| {
            headers
                .get_all(name)
                .iter()
                .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
                .collect::<Vec<_>>()
                .join(", ")
        };
        let server = get("server").to_ascii_lowercase();
        let powered = get("x-powered-by").to_ascii_lowercase();
        let vary = get("vary").to_ascii_lowercase();
        let allow_headers = get("access-control-allow-headers").to_ascii_lowercase();
        let methods = get("access-control-allow-methods");
        if powered.contains("express") || methods == "GET,HEAD,PUT,PATCH,POST,DELETE" {
            return Some(Stack::Express);
        }
        if server.starts_with("werkzeug") {
            return Some(Stack::Flask);
        }
        let django_security = get("x-frame-options") == "DENY"
            && get("referrer-policy") == "same-origin"
            && headers.contains_key("cross-origin-opener-policy");
        if server.starts_with("wsgiserver")
            || django_security
            || allow_headers.contains("x-csrftoken")
        {
            return Some(Stack::Django);
        }
        if server.contains("uvicorn") || server.contains("hypercorn") {
            return Some(Stack::Starlette);
        }
        if server.contains("actix") {
            return Some(Stack::Actix);
        }
        let tower_vary = vary.contains("access-control-request-method");
        let axum_405 = status == 405
            && headers.contains_key("allow")
            && !headers.contains_key("content-type")
            && !headers.contains_key("server")
            && get("content-length").trim() == "0";
        if tower_vary || axum_405 {
            return Some(Stack::Axum);
        }
        if server.starts_with("nginx") {
            return Some(Stack::Nginx);
        }
        None
    }

    /// The first stack any of the heads shows, last exchange first.
    ///
    /// ```
    /// use browser_cors::advice::Stack;
    /// assert_eq!(Stack::detect(&[]), None);
    /// ```
    pub fn detect(seen: &[Seen<'_>]) -> Option<Stack> {
        seen.iter()
            .rev()
            .find_map(|s| s.status.and_then(|st| Stack::of_head(st, s.headers)))
    }
}

/// What is wrong, in one short phrase: the key the `audit` summary groups
/// rows by.
///
/// ```
/// use browser_cors::advice::Cause;
/// assert_eq!(Cause::PreflightNotHandled.title(), "OPTIONS is not handled");
/// assert_eq!(serde_json::to_value(Cause::PreflightNotHandled).unwrap(), "preflight-not-handled");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Cause {
    /// `Access-Control-Allow-Origin: *` on a request with credentials.
    WildcardWithCredentials,
    /// Credentials are included but `Access-Control-Allow-Credentials` is not `true`.
    CredentialsNotAllowed,
    /// The server's CORS layer answers, but not for this page's origin.
    OriginNotAllowed,
    /// `Access-Control-Allow-Origin` sent twice, or not an origin.
    BadAllowOrigin,
    /// No CORS headers on a successful response: CORS is not set up here.
    NoCorsHeaders,
    /// An error response (4xx, 5xx) without the CORS headers the others have.
    ErrorResponseWithoutCors,
    /// The preflight was answered 401 or 403: an auth layer ran before CORS.
    AuthRejectsPreflight,
    /// The preflight was answered 404, 405 or 501: nothing handles `OPTIONS`.
    PreflightNotHandled,
    /// The preflight was answered with another status that is not 2xx.
    PreflightStatus,
    /// The preflight does not allow the method.
    MethodNotAllowed,
    /// The preflight does not allow a request header.
    HeaderNotAllowed,
    /// `Access-Control-Allow-Methods` or `-Headers` does not parse.
    BadPreflightList,
    /// The preflight was answered with a redirect.
    PreflightRedirected,
    /// A redirect rule (mode, loop, credentials in the target, bad `Location`).
    Redirect,
    /// The request itself (`fetch()`'s arguments, its mode, its scheme).
    Request,
    /// The server could not be reached.
    Unreachable,
    /// A secure page's request to a plain-http URL (mixed content).
    MixedContent,
    /// A public page reaching a local or loopback address without the
    /// user's Local Network Access permission.
    LocalNetworkAccess,
    /// The response's `Cross-Origin-Resource-Policy` (or the page's COEP)
    /// forbids this page to load it.
    ResourcePolicy,
}

impl Cause {
    /// The phrase, for a summary line.
    ///
    /// ```
    /// use browser_cors::advice::Cause;
    /// assert_eq!(Cause::AuthRejectsPreflight.title(), "an auth layer rejects preflights");
    /// ```
    pub fn title(self) -> &'static str {
        match self {
            Cause::WildcardWithCredentials => "Access-Control-Allow-Origin: * with credentials",
            Cause::CredentialsNotAllowed => "credentials not allowed",
            Cause::OriginNotAllowed => "the origin is not allowed",
            Cause::BadAllowOrigin => "a malformed Access-Control-Allow-Origin",
            Cause::NoCorsHeaders => "no CORS headers",
            Cause::ErrorResponseWithoutCors => "CORS headers dropped on error responses",
            Cause::AuthRejectsPreflight => "an auth layer rejects preflights",
            Cause::PreflightNotHandled => "OPTIONS is not handled",
            Cause::PreflightStatus => "the preflight is refused",
            Cause::MethodNotAllowed => "methods not allowed",
            Cause::HeaderNotAllowed => "request headers not allowed",
            Cause::BadPreflightList => "a malformed Allow-Methods/-Headers list",
            Cause::PreflightRedirected => "the preflight is redirected",
            Cause::Redirect => "a redirect rule",
            Cause::Request => "the request itself",
            Cause::Unreachable => "the server cannot be reached",
            Cause::MixedContent => "mixed content (an https page fetching http)",
            Cause::LocalNetworkAccess => "Local Network Access needs the user's permission",
            Cause::ResourcePolicy => "Cross-Origin-Resource-Policy forbids this page",
        }
    }
}

/// What went wrong and what to change. Serializes with its
/// [`fixes`](Advice::fixes) (`cause`, `summary`, `stack`, `status`,
/// `subjects`, `stage`, `fixes`); `Display` prints the summary and one
/// `fix:` line each, as the assertion helpers do.
///
/// ```
/// use browser_cors::advice::advise;
/// use browser_cors::{CorsError, Engine, NetworkError, Stage};
/// let e = NetworkError {
///     reason: CorsError::MissingAllowOriginHeader, stage: Stage::Response,
///     url: "https://api.test/r".parse().unwrap(), initial_url: "https://api.test/r".parse().unwrap(),
///     origin: "https://app.test".into(), status: Some(500), engine: Engine::Chromium, method: http::Method::GET,
/// };
/// assert_eq!(advise(&e, &[], Some(false)).to_string(), "no Access-Control-Allow-Origin (on a 500) (response)
///   fix: it answered 500 without CORS headers: send Access-Control-Allow-Origin: https://app.test (or *) \
/// on error responses too (without them script cannot even read the error)");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Advice {
    /// The root cause.
    pub cause: Cause,
    /// What happened, in a few words, with the status it came with
    /// (`"OPTIONS answered 401, without CORS headers"`).
    pub summary: String,
    /// The server's framework, when recognised.
    pub stack: Option<Stack>,
    /// The status of the refused response, when there was one.
    pub status: Option<u16>,
    /// The methods or header names concerned (for [`Cause::MethodNotAllowed`]
    /// and [`Cause::HeaderNotAllowed`]), in the order seen.
    pub subjects: Vec<String>,
    /// Where: the preflight, a redirect, the response.
    pub stage: Stage,
    origin: String,
    credentials: Option<bool>,
    extra: Vec<String>,
    /// Merged from refusals at the preflight and at the response.
    both_stages: bool,
}

impl serde::Serialize for Advice {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(serde::Serialize)]
        struct Shown<'a> {
            cause: Cause,
            summary: &'a str,
            stack: Option<Stack>,
            status: Option<u16>,
            subjects: &'a [String],
            stage: Stage,
            fixes: Vec<String>,
        }
        Shown {
            cause: self.cause,
            summary: &self.summary,
            stack: self.stack,
            status: self.status,
            subjects: &self.subjects,
            stage: self.stage,
            fixes: self.fixes(),
        }
        .serialize(s)
    }
}

impl Advice {
    fn new(cause: Cause, summary: impl Into<String>, e: &NetworkError) -> Advice {
        Advice {
            cause,
            summary: summary.into(),
            stack: None,
            status: e.status,
            subjects: Vec::new(),
            stage: e.stage,
            origin: e.origin.clone(),
            credentials: None,
            extra: Vec::new(),
            both_stages: false,
        }
    }

    fn subject(mut self, s: impl Into<String>) -> Advice {
        self.subjects.push(s.into());
        self
    }

    fn fix(mut self, line: impl Into<String>) -> Advice {
        self.extra.push(line.into());
        self
    }

    /// What to change, most specific first: the framework's setting when the
    /// stack was recognised, then the plain HTTP change, then notes that
    /// apply to this case only.
    ///
    /// ```
    /// use browser_cors::advice::advise;
    /// use browser_cors::{CorsError, Engine, NetworkError, Stage};
    /// let e = NetworkError {
    ///     reason: CorsError::WildcardOriginNotAllowed, stage: Stage::Response,
    ///     url: "https://api.test/r".parse().unwrap(), initial_url: "https://api.test/r".parse().unwrap(),
    ///     origin: "https://app.test".into(), status: Some(200), engine: Engine::Chromium, method: http::Method::GET,
    /// };
    /// let fixes = advise(&e, &[], Some(true)).fixes();
    /// assert!(fixes[0].starts_with("send Access-Control-Allow-Origin: https://app.test"));
    /// ```
    pub fn fixes(&self) -> Vec<String> {
        let mut v = Vec::new();
        if let Some(stack) = self.stack {
            if let Some(line) = self.stack_fix(stack) {
                v.push(format!("{}: {line}", stack.name()));
            }
        }
        if let Some(line) = self.plain_fix() {
            v.push(line);
        }
        v.extend(self.extra.iter().cloned());
        v
    }

    /// Adds `other`'s subjects (methods, header names) to this advice, for
    /// one summary line over several refusals of the same cause.
    ///
    /// ```
    /// use browser_cors::advice::advise;
    /// use browser_cors::{CorsError, Engine, NetworkError, Stage};
    /// let e = |m: &str| NetworkError {
    ///     reason: CorsError::MethodDisallowedByPreflightResponse { method: m.into() }, stage: Stage::Preflight,
    ///     url: "https://api.test/r".parse().unwrap(), initial_url: "https://api.test/r".parse().unwrap(),
    ///     origin: "https://app.test".into(), status: Some(204), engine: Engine::Chromium, method: http::Method::GET,
    /// };
    /// let mut a = advise(&e("PUT"), &[], None);
    /// a.merge(&advise(&e("DELETE"), &[], None));
    /// assert_eq!(a.subjects, ["PUT", "DELETE"]);
    /// assert!(a.fixes()[0].contains("PUT, DELETE"));
    /// ```
    pub fn merge(&mut self, other: &Advice) {
        for s in &other.subjects {
            if !self.subjects.contains(s) {
                self.subjects.push(s.clone());
            }
        }
        if self.stack.is_none() {
            self.stack = other.stack;
        }
        if self.credentials != Some(true) {
            self.credentials = other.credentials.or(self.credentials);
        }
        if (self.stage == Stage::Preflight) != (other.stage == Stage::Preflight) {
            self.both_stages = true;
        }
        for line in &other.extra {
            if !self.extra.contains(line) {
                self.extra.push(line.clone());
            }
        }
    }

    fn listed(&self) -> String {
        self.subjects.join(", ")
    }

    fn wherein(&self) -> &'static str {
        if self.both_stages {
            return "every response, the OPTIONS (preflight) one included,";
        }
        match self.stage {
            Stage::Preflight => "the OPTIONS (preflight) response",
            Stage::Redirect => "the redirect response (a browser checks CORS on every hop)",
            _ => "the response",
        }
    }

    fn echo(&self) -> String {
        let origin = &self.origin;
        match self.credentials {
            Some(true) => format!(
                "Access-Control-Allow-Origin: {origin}, Access-Control-Allow-Credentials: true and Vary: Origin"
            ),
            Some(false) => format!("Access-Control-Allow-Origin: {origin} (or *)"),
            None => format!(
                "Access-Control-Allow-Origin: {origin} (or * when no credentials are included)"
            ),
        }
    }

    /// The plain HTTP change for the causes whose text depends only on the
    /// cause; the others carry theirs in `extra`.
    fn plain_fix(&self) -> Option<String> {
        let origin = &self.origin;
        let status = self.status.map_or_else(String::new, |s| format!(" {s}"));
        Some(match self.cause {
            Cause::WildcardWithCredentials => format!(
                "send Access-Control-Allow-Origin: {origin} (echo the request's Origin when it is in your allow-list) with Vary: Origin and Access-Control-Allow-Credentials: true; * never works when credentials are included"
            ),
            Cause::CredentialsNotAllowed => format!(
                "{} must carry Access-Control-Allow-Credentials: true (exactly, lowercase), because credentials are included",
                self.wherein()
            ),
            Cause::OriginNotAllowed => format!(
                "add {origin} to the allowed origins: Access-Control-Allow-Origin must be exactly the page's origin (echo the request's Origin when it is in your allow-list, with Vary: Origin)"
            ),
            Cause::NoCorsHeaders => format!("{} must carry {}", self.wherein(), self.echo()),
            Cause::ErrorResponseWithoutCors => format!(
                "it answered{status} without CORS headers: send {} on error responses too (without them script cannot even read the error)",
                self.echo()
            ),
            Cause::AuthRejectsPreflight => format!(
                "OPTIONS answered{status}: let preflights (OPTIONS) through the auth layer before authentication (a preflight never carries cookies or Authorization) and answer them with 204 and the CORS headers"
            ),
            Cause::PreflightNotHandled => format!(
                "OPTIONS answered{status}: route OPTIONS for this path and answer 204 with Access-Control-Allow-Origin, -Methods and -Headers"
            ),
            Cause::PreflightStatus => {
                format!("OPTIONS answered{status}: a preflight needs a 2xx status (204 is usual)")
            }
            Cause::MethodNotAllowed => format!(
                "the OPTIONS response must list {} in Access-Control-Allow-Methods",
                self.listed()
            ),
            Cause::HeaderNotAllowed => format!(
                "the OPTIONS response must list {} in Access-Control-Allow-Headers",
                self.listed()
            ),
            Cause::BadAllowOrigin
            | Cause::BadPreflightList
            | Cause::PreflightRedirected
            | Cause::Redirect
            | Cause::Request
            | Cause::Unreachable
            | Cause::MixedContent
            | Cause::LocalNetworkAccess
            | Cause::ResourcePolicy => return None,
        })
    }

    /// The change in the framework's own setting.
    fn stack_fix(&self, stack: Stack) -> Option<String> {
        let o = &self.origin;
        let l = self.listed();
        let quoted = |q: char| {
            self.subjects
                .iter()
                .map(|s| format!("{q}{s}{q}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let (sq, dq) = (quoted('\''), quoted('"'));
        Some(match (self.cause, stack) {
            (Cause::WildcardWithCredentials, Stack::Express) => format!(
                "origin: '*' cannot go with credentials: true; use cors({{ origin: ['{o}'], credentials: true }}) (origin: true echoes any origin)"
            ),
            (Cause::WildcardWithCredentials, Stack::Flask) => format!(
                "CORS(app, origins=['{o}'], supports_credentials=True) (flask-cors then echoes the origin)"
            ),
            (Cause::WildcardWithCredentials, Stack::Django) => format!(
                "CORS_ALLOWED_ORIGINS = ['{o}'] with CORS_ALLOW_CREDENTIALS = True (django-cors-headers echoes the origin; a * comes from a header set elsewhere)"
            ),
            (Cause::WildcardWithCredentials, Stack::Starlette) => format!(
                "CORSMiddleware(allow_origins=['*'], allow_credentials=True) sends * to requests that carry no Cookie header; list the origins: allow_origins=['{o}'] (or allow_origin_regex)"
            ),
            (Cause::WildcardWithCredentials, Stack::Nginx) => {
                "add_header Access-Control-Allow-Origin $http_origin always; after checking $http_origin against an allow-list (a map block), plus add_header Vary Origin always;".to_owned()
            }
            (Cause::WildcardWithCredentials, Stack::Axum) => format!(
                "CorsLayer::new().allow_origin(HeaderValue::from_static(\"{o}\")).allow_credentials(true) (or AllowOrigin::mirror_request()); Any cannot go with credentials"
            ),
            (Cause::WildcardWithCredentials, Stack::Actix) => format!(
                "Cors::default().allowed_origin(\"{o}\").supports_credentials() (not send_wildcard())"
            ),
            (Cause::CredentialsNotAllowed, Stack::Express) => {
                "add credentials: true to cors({ ... })".to_owned()
            }
            (Cause::CredentialsNotAllowed, Stack::Flask) => {
                "CORS(app, supports_credentials=True)".to_owned()
            }
            (Cause::CredentialsNotAllowed, Stack::Django) => {
                "CORS_ALLOW_CREDENTIALS = True".to_owned()
            }
            (Cause::CredentialsNotAllowed, Stack::Starlette) => {
                "CORSMiddleware(..., allow_credentials=True)".to_owned()
            }
            (Cause::CredentialsNotAllowed, Stack::Nginx) => {
                "add_header Access-Control-Allow-Credentials true always;".to_owned()
            }
            (Cause::CredentialsNotAllowed, Stack::Axum) => {
                "CorsLayer::new()...allow_credentials(true)".to_owned()
            }
            (Cause::CredentialsNotAllowed, Stack::Actix) => {
                "Cors::default()...supports_credentials()".to_owned()
            }
            (Cause::OriginNotAllowed, Stack::Express) => {
                format!("add '{o}' to cors({{ origin: [...] }})")
            }
            (Cause::OriginNotAllowed, Stack::Flask) => {
                format!("add '{o}' to CORS(app, origins=[...])")
            }
            (Cause::OriginNotAllowed, Stack::Django) => {
                format!("add '{o}' to CORS_ALLOWED_ORIGINS")
            }
            (Cause::OriginNotAllowed, Stack::Starlette) => format!(
                "add '{o}' to CORSMiddleware(allow_origins=[...]) (it answers 400 'Disallowed CORS origin' otherwise)"
            ),
            (Cause::OriginNotAllowed, Stack::Nginx) => {
                format!("add {o} to the map that sets the Access-Control-Allow-Origin value")
            }
            (Cause::OriginNotAllowed, Stack::Axum) => format!(
                "add \"{o}\" to CorsLayer::new().allow_origin(AllowOrigin::list([...]))"
            ),
            (Cause::OriginNotAllowed, Stack::Actix) => {
                format!("Cors::default().allowed_origin(\"{o}\")")
            }
            (Cause::BadAllowOrigin, Stack::Nginx) => {
                "when nginx and the app behind it both add Access-Control-Allow-Origin, drop one: proxy_hide_header Access-Control-Allow-Origin; (or remove nginx's add_header)".to_owned()
            }
            (Cause::NoCorsHeaders | Cause::PreflightNotHandled, Stack::Express) => format!(
                "app.use(cors({{ origin: ['{o}'] }})) before the routes (cors answers OPTIONS with 204 itself)"
            ),
            (Cause::NoCorsHeaders | Cause::PreflightNotHandled, Stack::Flask) => format!(
                "CORS(app, origins=['{o}']) (flask-cors answers OPTIONS for every route), or @cross_origin() on the view"
            ),
            (Cause::NoCorsHeaders | Cause::PreflightNotHandled, Stack::Django) => format!(
                "add 'corsheaders' to INSTALLED_APPS, 'corsheaders.middleware.CorsMiddleware' at the top of MIDDLEWARE, and CORS_ALLOWED_ORIGINS = ['{o}'] (it answers OPTIONS itself)"
            ),
            (Cause::NoCorsHeaders | Cause::PreflightNotHandled, Stack::Starlette) => format!(
                "app.add_middleware(CORSMiddleware, allow_origins=['{o}'], allow_methods=[...], allow_headers=[...]) (without it FastAPI answers OPTIONS 405)"
            ),
            (Cause::NoCorsHeaders | Cause::PreflightNotHandled, Stack::Nginx) => format!(
                "add_header Access-Control-Allow-Origin {o} always; in the location, and answer preflights there: if ($request_method = OPTIONS) {{ return 204; }}"
            ),
            (Cause::NoCorsHeaders | Cause::PreflightNotHandled, Stack::Axum) => format!(
                "Router::new()...layer(CorsLayer::new().allow_origin(HeaderValue::from_static(\"{o}\")).allow_methods([...]).allow_headers([...])) (the CorsLayer answers OPTIONS; without it axum answers an empty 405)"
            ),
            (Cause::NoCorsHeaders | Cause::PreflightNotHandled, Stack::Actix) => format!(
                "App::new().wrap(Cors::default().allowed_origin(\"{o}\").allowed_methods(...).allowed_headers(...)) (Cors answers OPTIONS)"
            ),
            (Cause::ErrorResponseWithoutCors, Stack::Express) => {
                "app.use(cors(...)) before the routes and any middleware that may fail, so error responses (and the error handler's) carry the headers".to_owned()
            }
            (Cause::ErrorResponseWithoutCors, Stack::Flask) => {
                "turn exceptions into responses with @app.errorhandler(Exception); flask-cors adds its headers to every response Flask returns, not to Werkzeug's debugger page".to_owned()
            }
            (Cause::ErrorResponseWithoutCors, Stack::Django) => {
                "put 'corsheaders.middleware.CorsMiddleware' first in MIDDLEWARE, so responses made by other middleware (and error pages) pass through it".to_owned()
            }
            (Cause::ErrorResponseWithoutCors, Stack::Starlette) => {
                "an unhandled exception becomes a 500 in ServerErrorMiddleware, outside CORSMiddleware: catch it in the route (return a JSONResponse), or wrap the whole app: app = CORSMiddleware(app, allow_origins=[...])".to_owned()
            }
            (Cause::ErrorResponseWithoutCors, Stack::Nginx) => format!(
                "add_header applies only to 2xx and 3xx responses unless it ends with always: add_header Access-Control-Allow-Origin {o} always;"
            ),
            (Cause::ErrorResponseWithoutCors, Stack::Axum) => {
                "add the CorsLayer last (outermost: the last .layer() wraps the others), so responses made by other layers (HandleErrorLayer, timeouts) pass through it".to_owned()
            }
            (Cause::ErrorResponseWithoutCors, Stack::Actix) => {
                ".wrap(cors) last, so Cors is the outermost middleware and sees error responses too".to_owned()
            }
            (Cause::AuthRejectsPreflight, Stack::Express) => {
                "app.use(cors(...)) before the auth middleware: cors answers OPTIONS with 204 itself (or app.options('*', cors()) first)".to_owned()
            }
            (Cause::AuthRejectsPreflight, Stack::Flask) => {
                "skip authentication for OPTIONS (if request.method == 'OPTIONS': return, first in the before_request or decorator); flask-cors then answers the preflight".to_owned()
            }
            (Cause::AuthRejectsPreflight, Stack::Django) => {
                "put 'corsheaders.middleware.CorsMiddleware' above the authentication middleware in MIDDLEWARE; it answers preflights before they reach authentication".to_owned()
            }
            (Cause::AuthRejectsPreflight, Stack::Starlette) => {
                "add CORSMiddleware after the auth middleware (the last app.add_middleware is the outermost), so it answers OPTIONS before authentication".to_owned()
            }
            (Cause::AuthRejectsPreflight, Stack::Nginx) => {
                "answer preflights before auth_basic/auth_request: if ($request_method = OPTIONS) { return 204; } with the add_header ... always; lines in the location".to_owned()
            }
            (Cause::AuthRejectsPreflight, Stack::Axum) => {
                "add the CorsLayer after the auth layer (.layer(auth).layer(cors): the last .layer() runs first), so it answers OPTIONS before authentication".to_owned()
            }
            (Cause::AuthRejectsPreflight, Stack::Actix) => {
                ".wrap(cors) after .wrap(auth) (the last wrap runs first), so Cors answers OPTIONS before authentication".to_owned()
            }
            (Cause::MethodNotAllowed, Stack::Express) => {
                format!("cors({{ methods: [...] }}) must include {sq}")
            }
            (Cause::MethodNotAllowed, Stack::Flask) => {
                format!("CORS(app, methods=[...]) must include {sq}")
            }
            (Cause::MethodNotAllowed, Stack::Django) => {
                format!("CORS_ALLOW_METHODS = (*default_methods, {sq}) (from corsheaders.defaults)")
            }
            (Cause::MethodNotAllowed, Stack::Starlette) => format!(
                "add {sq} to CORSMiddleware(allow_methods=[...]) (the default is ['GET'], ['*'] allows every method); it answers 400 'Disallowed CORS method' otherwise"
            ),
            (Cause::MethodNotAllowed, Stack::Nginx) => {
                format!("add {l} to add_header Access-Control-Allow-Methods \"...\" always;")
            }
            (Cause::MethodNotAllowed, Stack::Axum) => {
                let methods = self
                    .subjects
                    .iter()
                    .map(|m| format!("Method::{m}"))
                    .collect::<Vec<_>>()
                    .join(", ");
                format!("add {methods} to CorsLayer::new()...allow_methods([...])")
            }
            (Cause::MethodNotAllowed, Stack::Actix) => {
                format!("add {dq} to Cors::default()...allowed_methods(vec![...])")
            }
            (Cause::HeaderNotAllowed, Stack::Express) => format!(
                "cors({{ allowedHeaders: [...] }}) must include {sq} (leave it unset to echo what the preflight asks for)"
            ),
            (Cause::HeaderNotAllowed, Stack::Flask) => {
                format!("CORS(app, allow_headers=[...]) must include {sq}")
            }
            (Cause::HeaderNotAllowed, Stack::Django) => {
                format!("CORS_ALLOW_HEADERS = (*default_headers, {sq}) (from corsheaders.defaults)")
            }
            (Cause::HeaderNotAllowed, Stack::Starlette) => format!(
                "add {sq} to CORSMiddleware(allow_headers=[...]) (the default allows only the safelisted headers); it answers 400 'Disallowed CORS headers' otherwise"
            ),
            (Cause::HeaderNotAllowed, Stack::Nginx) => {
                format!("add {l} to add_header Access-Control-Allow-Headers \"...\" always;")
            }
            (Cause::HeaderNotAllowed, Stack::Axum) => {
                let names = self
                    .subjects
                    .iter()
                    .map(|h| format!("HeaderName::from_static(\"{h}\")"))
                    .collect::<Vec<_>>()
                    .join(", ");
                format!("add {names} to CorsLayer::new()...allow_headers([...])")
            }
            (Cause::HeaderNotAllowed, Stack::Actix) => {
                format!("add {dq} to Cors::default()...allowed_headers(vec![...])")
            }
            _ => return None,
        })
    }
}

fn stage_name(stage: Stage) -> &'static str {
    match stage {
        Stage::Request => "request",
        Stage::Preflight => "preflight",
        Stage::Redirect => "redirect",
        Stage::Response => "response",
        Stage::Network => "network",
    }
}

impl std::fmt::Display for Advice {
    /// The summary, then one `fix:` line per fix.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.summary, stage_name(self.stage))?;
        for line in self.fixes() {
            write!(f, "\n  fix: {line}")?;
        }
        Ok(())
    }
}

/// The last exchange of a kind.
fn last_of<'s, 'a>(seen: &'s [Seen<'a>], kind: RequestKind) -> Option<&'s Seen<'a>> {
    seen.iter().rev().find(|s| s.request.kind == kind)
}

/// Why the server refused a preflight with a status that is not 2xx, from
/// the preflight's own head: which layer answered, and whether its
/// `Access-Control-Allow-*` lists (a CORS layer that says no with a 400,
/// like Starlette's) leave out what the preflight asked for. The lists are
/// judged by the machine's own [`PreflightResult`] rules.
fn refused_preflight(e: &NetworkError, pre: Option<&Seen<'_>>, status: u16) -> Advice {
    let summary = |what: &str| format!("OPTIONS answered {status}{what}");
    match status {
        401 | 403 => {
            return Advice::new(
                Cause::AuthRejectsPreflight,
                summary(", without CORS headers (an auth layer?)"),
                e,
            );
        }
        404 | 405 | 501 => {
            return Advice::new(
                Cause::PreflightNotHandled,
                summary(", without CORS headers"),
                e,
            );
        }
        _ => {}
    }
    if let Some(p) = pre {
        let profile = e.engine.profile();
        let methods = p.header(&ACCESS_CONTROL_ALLOW_METHODS);
        let allow_headers = p.header(&ACCESS_CONTROL_ALLOW_HEADERS);
        if methods.is_some() || allow_headers.is_some() {
            let result = PreflightResult {
                methods: parse_token_list(methods.unwrap_or_default().as_bytes())
                    .unwrap_or_default(),
                headers: parse_token_list(allow_headers.unwrap_or_default().as_bytes())
                    .unwrap_or_default()
                    .into_iter()
                    .map(|h| h.to_ascii_lowercase())
                    .collect(),
                lifetime: std::time::Duration::ZERO,
                credentials: false,
            };
            let asked_method = p
                .request
                .header(ACCESS_CONTROL_REQUEST_METHOD.as_str())
                .and_then(|m| Method::from_bytes(m.as_bytes()).ok());
            if let Some(m) = asked_method {
                if !result.allows_method(&m, CredentialsMode::Omit) {
                    return Advice::new(
                        Cause::MethodNotAllowed,
                        summary(&format!(
                            ": {} not in Access-Control-Allow-Methods",
                            m.as_str()
                        )),
                        e,
                    )
                    .subject(m.as_str());
                }
            }
            let asked: Vec<String> = p
                .request
                .header(ACCESS_CONTROL_REQUEST_HEADERS.as_str())
                .map(|v| {
                    v.split(',')
                        .map(|n| n.trim().to_owned())
                        .filter(|n| !n.is_empty())
                        .collect()
                })
                .unwrap_or_default();
            if let Some(h) = result.disallowed_header(&asked, CredentialsMode::Omit, &profile) {
                return Advice::new(
                    Cause::HeaderNotAllowed,
                    summary(&format!(": {h} not in Access-Control-Allow-Headers")),
                    e,
                )
                .subject(h.clone());
            }
            if !p.headers.contains_key(ACCESS_CONTROL_ALLOW_ORIGIN) {
                return Advice::new(
                    Cause::OriginNotAllowed,
                    summary(", with CORS headers but not for this origin"),
                    e,
                );
            }
        }
    }
    Advice::new(Cause::PreflightStatus, summary(""), e)
}

/// The advice for a refused `fetch()`: `error` is the machine's verdict,
/// `seen` what went over the wire for it (preflights included, in order),
/// `credentials` whether the request included credentials (`None`: not
/// known; the fixes then say when `*` is enough).
///
/// Every [`CorsError`] reason has its arm here; a new reason is one more
/// arm (the match has no catch-all, so it does not compile without one).
///
/// ```
/// use browser_cors::advice::{Cause, advise};
/// use browser_cors::{CorsError, Engine, NetworkError, Stage};
/// let e = NetworkError {
///     reason: CorsError::HeaderDisallowedByPreflightResponse { header: "x-token".into() },
///     stage: Stage::Preflight,
///     url: "https://api.test/r".parse().unwrap(), initial_url: "https://api.test/r".parse().unwrap(),
///     origin: "https://app.test".into(), status: Some(204), engine: Engine::Chromium, method: http::Method::GET,
/// };
/// let a = advise(&e, &[], None);
/// assert_eq!(a.cause, Cause::HeaderNotAllowed);
/// assert_eq!(a.fixes(), ["the OPTIONS response must list x-token in Access-Control-Allow-Headers"]);
/// ```
pub fn advise(error: &NetworkError, seen: &[Seen<'_>], credentials: Option<bool>) -> Advice {
    let credentials = match &error.reason {
        CorsError::WildcardOriginNotAllowed | CorsError::InvalidAllowCredentials { .. } => {
            Some(true)
        }
        _ => credentials,
    };
    let preflight = last_of(seen, RequestKind::Preflight);
    let preflight_status = preflight.and_then(|p| p.status);
    let last = seen.last();
    let status = error.status.or_else(|| last.and_then(|s| s.status));
    let status_text = match (error.stage, preflight_status, status) {
        (Stage::Preflight, Some(s), _) => format!(" (OPTIONS answered {s})"),
        (_, _, None) => String::new(),
        (_, _, Some(s)) => format!(" (on a {s})"),
    };
    let a = |cause, summary: String| Advice::new(cause, summary, error);
    let mut advice = match &error.reason {
        CorsError::MissingAllowOriginHeader => match (error.stage, preflight_status) {
            (Stage::Preflight, Some(s)) if !(200..300).contains(&s) => {
                refused_preflight(error, preflight, s)
            }
            (Stage::Preflight, _) => a(
                Cause::NoCorsHeaders,
                format!("no Access-Control-Allow-Origin{status_text}"),
            ),
            (_, _) if status == Some(404) => a(
                Cause::ErrorResponseWithoutCors,
                format!("no Access-Control-Allow-Origin{status_text}"),
            )
            .fix(format!(
                "a 404: check the URL too ({}); a 404 for a URL that should exist is often a route mounted elsewhere",
                error.url
            )),
            (_, _) if status.is_some_and(|s| s >= 400) => a(
                Cause::ErrorResponseWithoutCors,
                format!("no Access-Control-Allow-Origin{status_text}"),
            ),
            (_, _) => a(
                Cause::NoCorsHeaders,
                format!("no Access-Control-Allow-Origin{status_text}"),
            ),
        },
        CorsError::PreflightInvalidStatus => match preflight_status.or(error.status) {
            Some(s) => refused_preflight(error, preflight, s),
            None => a(Cause::PreflightStatus, "preflight status not 2xx".into()),
        },
        CorsError::MultipleAllowOriginValues { value } => a(
            Cause::BadAllowOrigin,
            format!("Access-Control-Allow-Origin sent twice{status_text}"),
        )
        .fix(format!(
            "{} has several Access-Control-Allow-Origin values ('{value}'): send the header once; when both a proxy and the app add it, remove it from one of them",
            wherein(error.stage)
        )),
        CorsError::InvalidAllowOriginValue { value } => a(
            Cause::BadAllowOrigin,
            format!("Access-Control-Allow-Origin '{value}' is not an origin{status_text}"),
        )
        .fix(format!(
            "Access-Control-Allow-Origin '{value}' is not an origin: send exactly {} (scheme://host[:port], no path, no trailing slash) or *",
            error.origin
        )),
        CorsError::AllowOriginMismatch { value } => a(
            Cause::OriginNotAllowed,
            format!("Access-Control-Allow-Origin '{value}' is another origin{status_text}"),
        ),
        CorsError::WildcardOriginNotAllowed => a(
            Cause::WildcardWithCredentials,
            format!("* with credentials{status_text}"),
        ),
        CorsError::InvalidAllowCredentials { value } if value.is_empty() => a(
            Cause::CredentialsNotAllowed,
            format!("no Access-Control-Allow-Credentials: true{status_text}"),
        ),
        CorsError::InvalidAllowCredentials { value } => a(
            Cause::CredentialsNotAllowed,
            format!("Access-Control-Allow-Credentials is '{value}', not 'true'{status_text}"),
        )
        .fix(format!(
            "Access-Control-Allow-Credentials is '{value}': it must be exactly 'true' (lowercase)"
        )),
        CorsError::PreflightDisallowedRedirect => {
            let location = preflight.and_then(|p| p.header(&http::header::LOCATION));
            let code = preflight_status.map_or_else(String::new, |s| format!(" {s}"));
            let to = location.as_deref().unwrap_or("elsewhere");
            let mut adv = a(
                Cause::PreflightRedirected,
                format!("OPTIONS answered{code} (a redirect)"),
            )
            .fix(format!(
                "OPTIONS answered{code} to {to}: a preflight cannot follow redirects; answer OPTIONS at this URL without redirecting"
            ));
            if let Some(target) = location.as_deref().and_then(|l| error.url.join(l).ok()) {
                adv = if error.url.scheme() == "http" && target.scheme() == "https" {
                    adv.fix(format!(
                        "the redirect goes http→https: call {target} directly from the page"
                    ))
                } else {
                    adv.fix(format!("or call {target} directly from the page"))
                };
            }
            adv
        }
        CorsError::InvalidAllowMethodsPreflightResponse { value } => a(
            Cause::BadPreflightList,
            "Access-Control-Allow-Methods does not parse".into(),
        )
        .fix(format!(
            "Access-Control-Allow-Methods '{value}' does not parse: send a comma-separated list of method names (PUT, DELETE)"
        )),
        CorsError::InvalidAllowHeadersPreflightResponse { value } => a(
            Cause::BadPreflightList,
            "Access-Control-Allow-Headers does not parse".into(),
        )
        .fix(format!(
            "Access-Control-Allow-Headers '{value}' does not parse: send a comma-separated list of header names"
        )),
        CorsError::MethodDisallowedByPreflightResponse { method } => {
            let allowed = preflight
                .and_then(|p| p.header(&ACCESS_CONTROL_ALLOW_METHODS))
                .unwrap_or_default();
            let mut adv = a(
                Cause::MethodNotAllowed,
                format!("{method} not in Access-Control-Allow-Methods{status_text}"),
            )
            .subject(method.clone());
            let upper = method.to_ascii_uppercase();
            if upper != *method && allowed.split(',').any(|m| m.trim() == upper) {
                adv = adv.fix(format!(
                    "method names are case-sensitive: it lists {upper}, but fetch() sends '{method}' as written (only DELETE, GET, HEAD, OPTIONS, POST and PUT are uppercased); call fetch() with '{upper}'"
                ));
            }
            if credentials == Some(true) && allowed.trim() == "*" {
                adv = adv.fix(
                    "* in Access-Control-Allow-Methods is not a wildcard when credentials are included: list the methods",
                );
            }
            adv
        }
        CorsError::HeaderDisallowedByPreflightResponse { header } => {
            let allowed = preflight
                .and_then(|p| p.header(&ACCESS_CONTROL_ALLOW_HEADERS))
                .unwrap_or_default();
            let mut adv = a(
                Cause::HeaderNotAllowed,
                format!("{header} not in Access-Control-Allow-Headers{status_text}"),
            )
            .subject(header.clone());
            if allowed.split(',').any(|h| h.trim() == "*") {
                // (Every engine's `*` covers Authorization: profile.rs,
                // `authorization_wildcard`; only credentials stop it.)
                if credentials == Some(true) {
                    adv = adv.fix("* in Access-Control-Allow-Headers is not a wildcard when credentials are included: list the headers");
                }
            }
            adv
        }
        CorsError::RedirectContainsCredentials { location } => a(
            Cause::Redirect,
            "redirect target has user:password@".into(),
        )
        .fix(format!(
            "the redirect to '{location}' carries user:password@: redirect to a URL without credentials"
        )),
        CorsError::RedirectDisallowedByMode => {
            let location = last.and_then(|s| s.header(&http::header::LOCATION));
            a(Cause::Redirect, "redirect with redirect: 'error'".into()).fix(match location {
                Some(l) => format!(
                    "the request uses redirect: 'error' and the server redirects to {l}: call the final URL directly, or use redirect: 'follow'"
                ),
                None => "the request uses redirect: 'error': call the final URL directly, or use redirect: 'follow'".to_owned(),
            })
        }
        CorsError::TooManyRedirects => a(Cause::Redirect, "more than 20 redirects".into()).fix(
            "more than 20 redirects: the server redirects in a loop; check the Location chain",
        ),
        CorsError::InvalidRedirectLocation { location } => a(
            Cause::Redirect,
            "Location is not a URL".into(),
        )
        .fix(format!(
            "Location '{location}' is not a URL: send an absolute or relative URL"
        )),
        CorsError::DisallowedByMode => a(Cause::Request, "mode 'same-origin'".into()).fix(
            "mode 'same-origin' refuses other origins: use mode 'cors' and have the server send CORS headers",
        ),
        CorsError::CorsDisabledScheme { scheme } => a(
            Cause::Request,
            format!("scheme {scheme}: is not http(s)"),
        )
        .fix(format!("CORS works over http and https only, not {scheme}:")),
        CorsError::ForbiddenMethod { method } => a(
            Cause::Request,
            format!("forbidden method {method}"),
        )
        .fix(format!(
            "script-side: fetch() never sends {method}; use another method"
        )),
        CorsError::InvalidMethod { method } => a(
            Cause::Request,
            format!("invalid method '{method}'"),
        )
        .fix(format!("script-side: '{method}' is not an HTTP token")),
        CorsError::BodyNotAllowed { method } => a(
            Cause::Request,
            format!("{method} with a body"),
        )
        .fix(format!(
            "script-side: a {method} request cannot have a body; use POST, or put the data in the query"
        )),
        CorsError::UrlHasCredentials => a(Cause::Request, "user:password@ in the URL".into()).fix(
            "script-side: remove user:password@ from the URL; send an Authorization header instead",
        ),
        CorsError::InvalidHeader { name } => a(
            Cause::Request,
            format!("invalid header '{name}'"),
        )
        .fix(format!(
            "script-side: header '{name}' is not a valid name or value"
        )),
        CorsError::UnsupportedInNoCors { method } => a(
            Cause::Request,
            format!("{method} in no-cors mode"),
        )
        .fix(format!(
            "script-side: no-cors allows only GET, HEAD and POST, not {method}; use mode 'cors'"
        )),
        CorsError::NoCorsRedirectMode => a(Cause::Request, "no-cors without redirect: 'follow'".into())
            .fix("script-side: no-cors requires redirect: 'follow'"),
        CorsError::Network { detail } => a(Cause::Unreachable, "unreachable".into())
            .fix(format!("the server could not be reached ({detail})")),
        CorsError::MixedContent => {
            let loopback = crate::origin::is_potentially_trustworthy(&error.url);
            a(
                Cause::MixedContent,
                "blocked as mixed content, nothing sent".to_owned(),
            )
            .fix(if loopback {
                format!(
                    "{} counts http://127.0.0.1 and http://localhost as insecure on an https page: serve the API over https (Chromium and Firefox allow loopback http)",
                    error.engine.display_name()
                )
            } else {
                "serve the API over https: an https page may not fetch plain http, in any mode, nor follow a redirect to it".to_owned()
            })
        }
        CorsError::LocalNetworkAccess { block, target } => {
            let space = target.as_str();
            let advice = a(
                Cause::LocalNetworkAccess,
                format!("a public page reaching the {space} address space: nothing was sent"),
            );
            match block {
                crate::local_network::LocalNetworkBlock::InsecureContext => advice.fix(format!(
                    "serve the page over https: {} lets only secure public pages ask for the {space} permission",
                    error.engine.display_name()
                )),
                crate::local_network::LocalNetworkBlock::AwaitingPermission => advice.fix(format!(
                    "{} shows the user a prompt and fetch() waits until it is answered: the user must allow local network access, or serve the API from a public address",
                    error.engine.display_name()
                )),
                _ => advice.fix(format!(
                    "a public page needs the user's {}-network permission to reach this address (headless {} denies it): grant it (Page::with_local_network_permission), or serve the API from a public address",
                    if *target == crate::AddressSpace::Loopback { "loopback" } else { "local" },
                    error.engine.display_name()
                )),
            }
        }
        CorsError::ResourcePolicy { block } => {
            let advice = a(
                Cause::ResourcePolicy,
                format!("refused by Cross-Origin-Resource-Policy{status_text}"),
            );
            match block {
                crate::corp::CorpBlock::NotSameOriginAfterDefaultedByCoep => advice.fix(
                    "the page sends Cross-Origin-Embedder-Policy: the resource must send Cross-Origin-Resource-Policy: cross-origin (or be fetched in cors mode, with CORS headers)".to_owned(),
                ),
                crate::corp::CorpBlock::NotSameSite => advice.fix(
                    "Cross-Origin-Resource-Policy: same-site does not cover this page (sites compare with their scheme, and Chromium never counts IP addresses as one site): send cross-origin, or fetch in cors mode".to_owned(),
                ),
                _ => advice.fix(
                    "Cross-Origin-Resource-Policy: same-origin forbids other origins: send cross-origin (or same-site where that is true), or fetch in cors mode".to_owned(),
                ),
            }
        }
    };
    advice.credentials = credentials;
    if advice.status.is_none() {
        advice.status = status;
    }
    if matches!(advice.stage, Stage::Preflight) {
        advice.status = preflight_status.or(advice.status);
    }
    advice.stack = Stack::detect(seen);
    advice
}

fn wherein(stage: Stage) -> &'static str {
    match stage {
        Stage::Preflight => "the OPTIONS (preflight) response",
        Stage::Redirect => "the redirect response",
        _ => "the response",
    }
}

/// Why a request is (or is not) preflighted: see [`preflight_need`].
///
/// ```
/// use browser_cors::advice::{PreflightNeed, preflight_need};
/// use browser_cors::{Profile, Request, origin::parse_origin};
/// let page = parse_origin("https://app.test").unwrap();
/// let simple = Request::get("https://api.test/r".parse().unwrap());
/// assert!(matches!(preflight_need(&simple, &page, &Profile::chromium()), PreflightNeed::NotNeeded(_)));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "needed", content = "reasons")]
pub enum PreflightNeed {
    /// No preflight: why not.
    #[serde(rename = "false")]
    NotNeeded(&'static str),
    /// A preflight is needed, for these reasons (one per method or header).
    #[serde(rename = "true")]
    Needed(Vec<String>),
}

/// Why `request`, made from a page at `page`, is preflighted: the machine's
/// own classification (the header list as the `Request` constructor leaves
/// it, [`needs_preflight_for`], [`cors_unsafe_request_header_names`] and the
/// profile's total-size limit), then, for each unsafe name, which rule made
/// it unsafe.
///
/// ```
/// use browser_cors::advice::{PreflightNeed, preflight_need};
/// use browser_cors::{Profile, Request, origin::parse_origin};
/// let page = parse_origin("https://app.test").unwrap();
/// let req = Request::get("https://api.test/r".parse().unwrap()).method("PUT").header("X-Token", "1");
/// assert_eq!(preflight_need(&req, &page, &Profile::chromium()), PreflightNeed::Needed(vec![
///     "method PUT is not GET, HEAD or POST".into(),
///     "header x-token is not CORS-safelisted".into(),
/// ]));
/// ```
pub fn preflight_need(request: &Request, page: &url::Origin, profile: &Profile) -> PreflightNeed {
    if request.mode == Mode::NoCors {
        return PreflightNeed::NotNeeded("mode no-cors never preflights (the response is opaque)");
    }
    if crate::origin::url_is_same_origin(page, &request.url) {
        return PreflightNeed::NotNeeded("same-origin request");
    }
    let fetch = Fetch::new(profile, page, request.clone());
    let (method, list) = fetch.constructed();
    if !needs_preflight_for(method, list, profile) {
        return PreflightNeed::NotNeeded("a simple request: safelisted method and headers");
    }
    let mut reasons = Vec::new();
    if !is_cors_safelisted_method(method) {
        reasons.push(format!(
            "method {} is not GET, HEAD or POST",
            method.as_str()
        ));
    }
    let unsafe_names = cors_unsafe_request_header_names(list, profile);
    let mut by_size = Vec::new();
    let mut seen: Vec<&str> = Vec::new();
    for &name in unsafe_names.iter() {
        if seen.contains(&name) {
            continue;
        }
        seen.push(name);
        let value = list.get(name).map(|v| v.into_owned()).unwrap_or_default();
        if !is_safelistable_name(name, profile) {
            reasons.push(format!("header {name} is not CORS-safelisted"));
        } else if is_cors_safelisted_request_header(name, &value, profile) {
            by_size.push(name);
        } else if name == "content-type" {
            reasons.push(format!(
                "header content-type: '{}' is not text/plain, multipart/form-data or application/x-www-form-urlencoded",
                String::from_utf8_lossy(&value)
            ));
        } else {
            reasons.push(format!(
                "header {name}: its value is not CORS-safelisted (too long, or a byte the safelist refuses)"
            ));
        }
    }
    if !by_size.is_empty() {
        reasons.push(match profile.safelist_total_limit {
            Some(limit) => format!(
                "the safelisted header values add up to more than {limit} bytes, so {} become unsafe too",
                by_size.join(", ")
            ),
            None => format!(
                "{}: each line alone is safelisted, but not their joined value",
                by_size.join(", ")
            ),
        });
    }
    PreflightNeed::Needed(reasons)
}

/// Whether script is likely to want to read the response header `name`
/// (lowercase), so that a note saying "list it in
/// `Access-Control-Expose-Headers`" helps rather than misleads. Not:
/// security policy headers (`content-security-policy`, `x-frame-options`,
/// `cross-origin-*`, `strict-transport-security`, ...), which the browser
/// applies itself; caching and validation headers (`etag`, `age`, `vary`):
/// the HTTP cache revalidates with `ETag` without script (an API that wants
/// `If-Match` from script must expose it on purpose); hop-by-hop and
/// transport headers; and server fingerprints (`server`, `x-powered-by`).
///
/// ```
/// use browser_cors::advice::is_likely_read_by_script;
/// assert!(is_likely_read_by_script("x-total-count"));
/// assert!(is_likely_read_by_script("link"));
/// assert!(!is_likely_read_by_script("etag"));
/// assert!(!is_likely_read_by_script("x-frame-options"));
/// assert!(!is_likely_read_by_script("cross-origin-opener-policy"));
/// ```
pub fn is_likely_read_by_script(name: &str) -> bool {
    const NOT: [&str; 38] = [
        // Security policies: enforced by the browser, not read by script.
        "content-security-policy",
        "content-security-policy-report-only",
        "strict-transport-security",
        "x-frame-options",
        "x-content-type-options",
        "x-xss-protection",
        "x-permitted-cross-domain-policies",
        "x-download-options",
        "x-dns-prefetch-control",
        "referrer-policy",
        "permissions-policy",
        "feature-policy",
        "origin-agent-cluster",
        "report-to",
        "reporting-endpoints",
        "nel",
        "timing-allow-origin",
        "www-authenticate",
        // Caching and validation: the HTTP cache's business.
        "etag",
        "age",
        "vary",
        "expect-ct",
        "accept-ranges",
        "alt-svc",
        "x-cache",
        "x-cache-hits",
        "cf-cache-status",
        // Hop-by-hop and transport.
        "connection",
        "keep-alive",
        "transfer-encoding",
        "content-encoding",
        "upgrade",
        "trailer",
        "date",
        "via",
        // Server fingerprints.
        "server",
        "x-powered-by",
        "x-aspnet-version",
    ];
    !(NOT.contains(&name)
        || name.starts_with("access-control-")
        || name.starts_with("cross-origin-")
        || name.starts_with("sec-")
        || name.starts_with("proxy-")
        || is_forbidden_response_header(name)
        || SAFELISTED_RESPONSE_HEADERS.iter().any(|h| h == name))
}

/// What script gets but may not expect on a response that resolved, from
/// the filtered [`Response`] and the head that came over the wire: headers
/// the server sent that script cannot read (only those script is
/// [likely to read](is_likely_read_by_script)), an opaque body, an echoed
/// origin without `Vary: Origin`.
///
/// ```
/// use browser_cors::advice::notes;
/// use browser_cors::{Response, ResponseType};
/// let mut sent = http::HeaderMap::new();
/// sent.insert("access-control-allow-origin", "*".parse().unwrap());
/// sent.insert("x-total", "3".parse().unwrap());
/// sent.insert("etag", "\"1\"".parse().unwrap());
/// let r = Response { response_type: ResponseType::Cors, status: 200, url: None,
///     redirected: false, headers: browser_cors::ResponseHeaders::new() };
/// assert_eq!(notes(&r, &sent), ["script cannot read x-total: list it in Access-Control-Expose-Headers"]);
/// ```
pub fn notes(response: &Response, sent: &HeaderMap) -> Vec<String> {
    let mut v = Vec::new();
    match response.response_type {
        ResponseType::Opaque => v.push(
            "the response is opaque: script sees status 0, no headers and no body".to_owned(),
        ),
        ResponseType::OpaqueRedirect => v.push(
            "the response is an opaque redirect: script sees status 0 and cannot read Location"
                .to_owned(),
        ),
        ResponseType::Cors => {
            let hidden = hidden_headers(response, sent);
            if !hidden.is_empty() {
                v.push(format!(
                    "script cannot read {}: list {} in Access-Control-Expose-Headers",
                    hidden.join(", "),
                    if hidden.len() == 1 { "it" } else { "them" }
                ));
            }
            let acao = get_combined(sent, &ACCESS_CONTROL_ALLOW_ORIGIN);
            let vary = get_combined(sent, &http::header::VARY).unwrap_or_default();
            let varies = String::from_utf8_lossy(&vary)
                .split(',')
                .any(|t| t.trim().eq_ignore_ascii_case("origin") || t.trim() == "*");
            if acao.as_deref().is_some_and(|a| a != b"*") && !varies {
                v.push(
                    "the response echoes an origin without Vary: Origin: a shared cache may serve it to another origin".to_owned(),
                );
            }
        }
        ResponseType::Basic => {}
    }
    v
}

/// The headers of `sent` that script cannot read on this CORS response
/// and is [likely to want](is_likely_read_by_script), lowercased, sorted.
///
/// ```
/// use browser_cors::advice::hidden_headers;
/// use browser_cors::{Response, ResponseType};
/// let mut sent = http::HeaderMap::new();
/// sent.insert("x-request-id", "7".parse().unwrap());
/// sent.insert("server", "nginx".parse().unwrap());
/// let r = Response { response_type: ResponseType::Cors, status: 200, url: None,
///     redirected: false, headers: browser_cors::ResponseHeaders::new() };
/// assert_eq!(hidden_headers(&r, &sent), ["x-request-id"]);
/// ```
pub fn hidden_headers(response: &Response, sent: &HeaderMap) -> Vec<String> {
    if response.response_type != ResponseType::Cors {
        return Vec::new();
    }
    let mut hidden: Vec<String> = sent
        .keys()
        .map(|k| k.as_str().to_owned())
        .filter(|n| !response.can_read_header(n) && is_likely_read_by_script(n))
        .collect();
    hidden.sort();
    hidden.dedup();
    hidden
}

#[cfg(feature = "client")]
mod client_glue {
    use super::{Advice, Seen, advise};
    use crate::client::{Exchange, Fetched};

    impl<'a> From<&'a Exchange> for Seen<'a> {
        fn from(e: &'a Exchange) -> Seen<'a> {
            Seen {
                request: &e.request,
                status: e.status.map(|s| s.as_u16()),
                headers: &e.response_headers,
            }
        }
    }

    impl Fetched {
        /// What to change, when `fetch()` rejected (see [`crate::advice`]).
        ///
        /// ```
        /// use browser_cors::client::{Browser, Transport, TransportError};
        /// use browser_cors::{Request, advice::Cause};
        /// use bytes::Bytes;
        ///
        /// /// A FastAPI app with CORSMiddleware(allow_origins=[...]) and nothing else.
        /// struct Api;
        /// impl Transport for Api {
        ///     async fn send(&self, _: http::Request<Bytes>) -> Result<http::Response<Bytes>, TransportError> {
        ///         Ok(http::Response::builder().status(400).header("server", "uvicorn")
        ///             .header("access-control-allow-origin", "https://app.example")
        ///             .header("access-control-allow-methods", "GET")
        ///             .header("access-control-max-age", "600")
        ///             .body(Bytes::from_static(b"Disallowed CORS method")).unwrap())
        ///     }
        /// }
        /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
        /// let browser = Browser::new(Api, "https://app.example").unwrap();
        /// let f = browser.fetch(Request::get("https://api.example/x".parse().unwrap()).method("PUT")).await;
        /// let advice = f.advice().unwrap();
        /// assert_eq!(advice.cause, Cause::MethodNotAllowed);
        /// assert!(advice.fixes()[0].contains("add 'PUT' to CORSMiddleware(allow_methods=[...])"));
        /// # });
        /// ```
        pub fn advice(&self) -> Option<Advice> {
            let error = self.error()?;
            let seen: Vec<Seen<'_>> = self.exchanges.iter().map(Seen::from).collect();
            // Credentials show on the actual request; a failed preflight
            // leaves them unknown.
            let credentials = self
                .exchanges
                .iter()
                .rev()
                .find(|e| e.request.kind == crate::RequestKind::Actual)
                .map(|e| e.request.credentials == crate::Credentials::Include);
            Some(advise(error, &seen, credentials))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Engine;
    use crate::fetch::Credentials;

    fn wire(kind: RequestKind, headers: &[(&str, &str)]) -> WireRequest {
        let mut list = crate::HeaderList::new();
        for (n, v) in headers {
            list.append(n, v.as_bytes()).unwrap();
        }
        WireRequest {
            kind,
            method: if kind == RequestKind::Preflight {
                Method::OPTIONS
            } else {
                Method::GET
            },
            url: "https://api.test/r".parse().unwrap(),
            headers: list,
            body: None,
            credentials: Credentials::Omit,
        }
    }

    fn head(headers: &[(&str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (n, v) in headers {
            map.append(
                HeaderName::from_bytes(n.as_bytes()).unwrap(),
                v.parse().unwrap(),
            );
        }
        map
    }

    fn error(reason: CorsError, stage: Stage, status: Option<u16>) -> NetworkError {
        let u: url::Url = "https://api.test/r".parse().unwrap();
        NetworkError {
            reason,
            stage,
            url: u.clone(),
            initial_url: u,
            origin: "https://app.test".into(),
            status,
            engine: Engine::Chromium,
            method: http::Method::GET,
        }
    }

    #[test]
    fn starlette_400_is_a_method_list_not_a_status_problem() {
        let pre = wire(
            RequestKind::Preflight,
            &[("access-control-request-method", "PUT")],
        );
        let h = head(&[
            ("server", "uvicorn"),
            ("access-control-allow-origin", "https://app.test"),
            ("access-control-allow-methods", "GET"),
            ("access-control-max-age", "600"),
            ("vary", "Origin"),
        ]);
        let seen = [Seen {
            request: &pre,
            status: Some(400),
            headers: &h,
        }];
        let a = advise(
            &error(
                CorsError::PreflightInvalidStatus,
                Stage::Preflight,
                Some(400),
            ),
            &seen,
            None,
        );
        assert_eq!(a.cause, Cause::MethodNotAllowed);
        assert_eq!(
            a.summary,
            "OPTIONS answered 400: PUT not in Access-Control-Allow-Methods"
        );
        assert_eq!(
            a.fixes(),
            [
                "FastAPI/Starlette: add 'PUT' to CORSMiddleware(allow_methods=[...]) (the default is ['GET'], ['*'] allows every method); it answers 400 'Disallowed CORS method' otherwise",
                "the OPTIONS response must list PUT in Access-Control-Allow-Methods"
            ]
        );
        // The same 400 for a header.
        let pre = wire(
            RequestKind::Preflight,
            &[
                ("access-control-request-method", "GET"),
                ("access-control-request-headers", "x-token"),
            ],
        );
        let seen = [Seen {
            request: &pre,
            status: Some(400),
            headers: &h,
        }];
        let a = advise(
            &error(
                CorsError::PreflightInvalidStatus,
                Stage::Preflight,
                Some(400),
            ),
            &seen,
            None,
        );
        assert_eq!(
            (a.cause, a.subjects.clone()),
            (Cause::HeaderNotAllowed, vec!["x-token".to_owned()])
        );
    }

    #[test]
    fn statuses_pick_the_cause() {
        let pre = wire(RequestKind::Preflight, &[]);
        let empty = HeaderMap::new();
        let at = |s| {
            let seen = [Seen {
                request: &pre,
                status: Some(s),
                headers: &empty,
            }];
            advise(
                &error(
                    CorsError::MissingAllowOriginHeader,
                    Stage::Preflight,
                    Some(s),
                ),
                &seen,
                None,
            )
            .cause
        };
        assert_eq!(at(401), Cause::AuthRejectsPreflight);
        assert_eq!(at(403), Cause::AuthRejectsPreflight);
        assert_eq!(at(404), Cause::PreflightNotHandled);
        assert_eq!(at(405), Cause::PreflightNotHandled);
        assert_eq!(at(500), Cause::PreflightStatus);
        assert_eq!(at(204), Cause::NoCorsHeaders);
        let actual = wire(RequestKind::Actual, &[]);
        let seen = [Seen {
            request: &actual,
            status: Some(500),
            headers: &empty,
        }];
        let a = advise(
            &error(
                CorsError::MissingAllowOriginHeader,
                Stage::Response,
                Some(500),
            ),
            &seen,
            Some(false),
        );
        assert_eq!(a.cause, Cause::ErrorResponseWithoutCors);
        assert_eq!(a.summary, "no Access-Control-Allow-Origin (on a 500)");
        assert_eq!(
            a.fixes(),
            [
                "it answered 500 without CORS headers: send Access-Control-Allow-Origin: https://app.test (or *) on error responses too (without them script cannot even read the error)"
            ]
        );
    }

    #[test]
    fn a_404_also_says_to_check_the_url() {
        let actual = wire(RequestKind::Actual, &[]);
        let empty = HeaderMap::new();
        let seen = [Seen {
            request: &actual,
            status: Some(404),
            headers: &empty,
        }];
        let a = advise(
            &error(
                CorsError::MissingAllowOriginHeader,
                Stage::Response,
                Some(404),
            ),
            &seen,
            Some(false),
        );
        assert_eq!(a.cause, Cause::ErrorResponseWithoutCors);
        assert_eq!(
            a.fixes().last().map(String::as_str),
            Some(
                "a 404: check the URL too (https://api.test/r); a 404 for a URL that should exist is often a route mounted elsewhere"
            )
        );
    }

    #[test]
    fn stacks_from_their_headers() {
        let of = |h: &[(&str, &str)], s| Stack::of_head(s, &head(h));
        assert_eq!(
            of(&[("x-powered-by", "Express")], 200),
            Some(Stack::Express)
        );
        assert_eq!(
            of(&[("server", "Werkzeug/3.0.1 Python/3.12.1")], 200),
            Some(Stack::Flask)
        );
        assert_eq!(
            of(&[("server", "WSGIServer/0.2 CPython/3.12.1")], 200),
            Some(Stack::Django)
        );
        assert_eq!(
            of(
                &[
                    ("x-frame-options", "DENY"),
                    ("referrer-policy", "same-origin"),
                    ("cross-origin-opener-policy", "same-origin")
                ],
                200
            ),
            Some(Stack::Django)
        );
        assert_eq!(of(&[("server", "uvicorn")], 200), Some(Stack::Starlette));
        assert_eq!(of(&[("server", "nginx/1.24.0")], 200), Some(Stack::Nginx));
        assert_eq!(
            of(&[("server", "nginx"), ("x-powered-by", "Express")], 200),
            Some(Stack::Express),
            "the app behind the proxy"
        );
        assert_eq!(
            of(&[("allow", "GET,HEAD"), ("content-length", "0")], 405),
            Some(Stack::Axum)
        );
        assert_eq!(
            of(&[("allow", "GET,HEAD"), ("content-length", "0")], 200),
            None
        );
        assert_eq!(
            of(
                &[(
                    "vary",
                    "origin, access-control-request-method, access-control-request-headers"
                )],
                200
            ),
            Some(Stack::Axum)
        );
        assert_eq!(of(&[("server", "actix-web")], 200), Some(Stack::Actix));
        assert_eq!(of(&[("content-type", "text/plain")], 200), None);
    }

    #[test]
    fn preflight_need_follows_the_profile() {
        let page = crate::origin::parse_origin("https://app.test").unwrap();
        let v = "1".repeat(128);
        let mut big = Request::get("https://api.test/r".parse().unwrap());
        for n in [
            "Accept",
            "Accept-Language",
            "Content-Language",
            "DPR",
            "Width",
            "Viewport-Width",
            "RTT",
            "Device-Memory",
            "Downlink",
        ] {
            big = big.header(n, &v);
        }
        match preflight_need(&big, &page, &Profile::chromium()) {
            PreflightNeed::Needed(r) => {
                assert_eq!(r.len(), 1, "{r:?}");
                assert!(
                    r[0].starts_with("the safelisted header values add up to more than 1024 bytes"),
                    "{r:?}"
                );
            }
            other => panic!("{other:?}"),
        }
        // Firefox does not safelist client hints: they are unsafe by name.
        match preflight_need(&big, &page, &Profile::firefox()) {
            PreflightNeed::Needed(r) => assert!(
                r.contains(&"header dpr is not CORS-safelisted".to_owned()),
                "{r:?}"
            ),
            other => panic!("{other:?}"),
        }
        // A forbidden header is dropped by fetch(): no preflight for it.
        let cookie = Request::get("https://api.test/r".parse().unwrap()).header("Cookie", "a=b");
        assert_eq!(
            preflight_need(&cookie, &page, &Profile::chromium()),
            PreflightNeed::NotNeeded("a simple request: safelisted method and headers")
        );
        let json = Request::get("https://api.test/r".parse().unwrap())
            .method("POST")
            .header("Content-Type", "application/json")
            .body("{}");
        assert_eq!(
            preflight_need(&json, &page, &Profile::chromium()),
            PreflightNeed::Needed(vec!["header content-type: 'application/json' is not text/plain, multipart/form-data or application/x-www-form-urlencoded".into()])
        );
    }

    #[test]
    fn expose_notes_skip_what_script_does_not_read() {
        for name in [
            "etag",
            "x-powered-by",
            "x-frame-options",
            "content-security-policy",
            "cross-origin-opener-policy",
            "server",
            "date",
            "strict-transport-security",
        ] {
            assert!(!is_likely_read_by_script(name), "{name}");
        }
        for name in [
            "x-total-count",
            "link",
            "location",
            "retry-after",
            "content-disposition",
            "x-request-id",
        ] {
            assert!(is_likely_read_by_script(name), "{name}");
        }
    }

    #[test]
    fn advice_serializes_with_its_fixes() {
        let a = advise(
            &error(
                CorsError::WildcardOriginNotAllowed,
                Stage::Response,
                Some(200),
            ),
            &[],
            None,
        );
        let v = serde_json::to_value(&a).unwrap();
        assert_eq!(v["cause"], "wildcard-with-credentials");
        assert_eq!(v["summary"], "* with credentials (on a 200)");
        assert_eq!(v["stage"], "response");
        assert_eq!(v["fixes"], serde_json::json!(a.fixes()));
        assert!(v.get("origin").is_none() && v.get("extra").is_none());
    }

    #[test]
    fn merged_subjects_in_every_stack() {
        let mut a = advise(
            &error(
                CorsError::HeaderDisallowedByPreflightResponse {
                    header: "x-a".into(),
                },
                Stage::Preflight,
                Some(204),
            ),
            &[],
            None,
        );
        a.merge(&advise(
            &error(
                CorsError::HeaderDisallowedByPreflightResponse {
                    header: "x-b".into(),
                },
                Stage::Preflight,
                Some(204),
            ),
            &[],
            None,
        ));
        a.stack = Some(Stack::Axum);
        assert_eq!(
            a.fixes()[0],
            "axum + tower-http: add HeaderName::from_static(\"x-a\"), HeaderName::from_static(\"x-b\") to CorsLayer::new()...allow_headers([...])"
        );
    }
}
