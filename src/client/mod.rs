//! The emulated browser on top of real HTTP clients: a [`Browser`] drives the
//! [`Fetch`] machine through a [`Transport`] and keeps what a browser keeps
//! between fetches (its preflight cache and its cookie jar).
//!
//! This is the I/O edge: it reads the clock and does the network exchange;
//! every decision stays in the machine.
//!
//! | feature | adapter | for |
//! | --- | --- | --- |
//! | `reqwest` | [`reqwest::ReqwestTransport`] | a `Browser` over a `reqwest::Client` |
//! | `middleware` | `middleware::BrowserMiddleware` | an existing `reqwest_middleware::ClientWithMiddleware` |
//! | `tower` | `tower::TowerTransport` | any tower service (an axum `Router`) in-process |
//! | `actix` | `actix::ActixTransport` | an actix-web app in-process (`actix_web::test::init_service`), a [`LocalTransport`] |
//!
//! Any other client works by implementing [`Transport`] (or
//! [`LocalTransport`] for one whose futures are not `Send`): one exchange,
//! no redirect following, no cookie handling of its own (the trait's
//! documentation lists what an adapter guarantees). [`DynTransport`] is the
//! object-safe form, for a transport picked at run time.
//!
//! Cookies live in the browser's jar, a [`crate::CookieJar`] ruled by the
//! machine: the `Cookie` header is attached only to requests whose
//! credentials mode includes credentials (`include`, or `same-origin` on a
//! same-origin request; never to a preflight), and only with the cookies the
//! engine's policy lets through (`SameSite`, third-party cookies,
//! partitions); `Set-Cookie` is stored only from the responses to those
//! requests, by the same rules. [`Fetched::cookies`] says which cookie was
//! withheld or refused, and why.
//!
//! The [`assert`](mod@assert) module adds test assertions to [`Fetched`].

use std::collections::VecDeque;
use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use bytes::Bytes;
use http::{HeaderMap, StatusCode};
use url::{Origin, Url};

use crate::cookie::CookieNote;
use crate::error::{InputError, NetworkError};
use crate::fetch::{Action, BrowserState, Fetch, Outcome, WireRequest};
use crate::origin::parse_origin;
use crate::page::Page;
use crate::profile::{Engine, Profile};
use crate::request::Request;
use crate::response::Response;

#[cfg(feature = "actix")]
pub mod actix;
pub mod assert;
#[cfg(feature = "middleware")]
pub mod middleware;
#[cfg(feature = "reqwest")]
pub mod reqwest;
#[cfg(feature = "tower")]
pub mod tower;

/// What kind of [`TransportError`] happened: match on it to tell a
/// misbuilt client from a network failure.
///
/// ```
/// use browser_cors::client::{TransportError, TransportErrorKind};
/// let e = TransportError::own_cookie_store("reqwest::Client");
/// assert!(matches!(e.kind(), TransportErrorKind::OwnCookieStore));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TransportErrorKind {
    /// The client follows redirects on its own: the machine would not see
    /// (and apply CORS to) every hop. Nothing reaches script.
    FollowsRedirects,
    /// The client keeps cookies of its own: cookies would be sent and
    /// stored whatever the credentials mode says. Nothing was sent.
    OwnCookieStore,
    /// The request was not put on the wire: the HTTP stack cannot carry it
    /// (a DEL byte in a header value), or the adapter refused it.
    Request,
    /// The connection failed or closed before a whole response arrived
    /// (refused, reset, DNS, TLS, a body cut short).
    Connection,
    /// The in-process service failed (tower, actix).
    Service,
    /// Anything else.
    Other,
}

/// A transport failure: the exchange did not produce a response. The
/// `Display` says what happened and, when the client is at fault, how to
/// build it instead.
///
/// ```
/// use browser_cors::client::{TransportError, TransportErrorKind};
/// let e = TransportError::new(TransportErrorKind::Connection, "connection refused");
/// assert_eq!(e.kind(), TransportErrorKind::Connection);
/// assert_eq!(e.to_string(), "connection refused");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct TransportError {
    kind: TransportErrorKind,
    message: String,
}

impl TransportError {
    /// An error of `kind`; `message` is what the console line shows.
    pub fn new(kind: TransportErrorKind, message: impl Into<String>) -> TransportError {
        TransportError {
            kind,
            message: message.into(),
        }
    }

    /// An error of kind [`TransportErrorKind::Other`].
    ///
    /// ```
    /// let e = browser_cors::client::TransportError::other("no route");
    /// assert_eq!(e.kind(), browser_cors::client::TransportErrorKind::Other);
    /// ```
    pub fn other(message: impl Into<String>) -> TransportError {
        TransportError::new(TransportErrorKind::Other, message)
    }

    /// A client that followed a redirect below the browser: `asked` was
    /// requested, the response came from `got`.
    ///
    /// ```
    /// use browser_cors::client::{TransportError, TransportErrorKind};
    /// let e = TransportError::follows_redirects("reqwest::Client", "http://a/go", "http://b/x");
    /// assert_eq!(e.kind(), TransportErrorKind::FollowsRedirects);
    /// assert!(e.to_string().contains("redirect(Policy::none())"));
    /// ```
    pub fn follows_redirects(client: &str, asked: &str, got: &str) -> TransportError {
        TransportError::new(
            TransportErrorKind::FollowsRedirects,
            format!(
                "this {client} follows redirects (asked for {asked}, got the response of {got}): \
                 build it with `redirect(Policy::none())`, so that the browser sees every hop \
                 and applies CORS to it"
            ),
        )
    }

    /// A client with a cookie store of its own.
    ///
    /// ```
    /// use browser_cors::client::{TransportError, TransportErrorKind};
    /// let e = TransportError::own_cookie_store("reqwest::Client");
    /// assert_eq!(e.kind(), TransportErrorKind::OwnCookieStore);
    /// ```
    pub fn own_cookie_store(client: &str) -> TransportError {
        TransportError::new(
            TransportErrorKind::OwnCookieStore,
            format!(
                "this {client} keeps its own cookie store: build it without \
                 `cookie_store(true)` or `cookie_provider(..)`; the browser's jar decides which \
                 request carries cookies and which response may set them"
            ),
        )
    }

    /// What kind of failure this is.
    ///
    /// ```
    /// # use browser_cors::client::{TransportError, TransportErrorKind};
    /// assert_eq!(TransportError::other("x").kind(), TransportErrorKind::Other);
    /// ```
    pub fn kind(&self) -> TransportErrorKind {
        self.kind
    }

    /// The message (the same as `Display`).
    ///
    /// ```
    /// assert_eq!(browser_cors::client::TransportError::other("no route").message(), "no route");
    /// ```
    pub fn message(&self) -> &str {
        &self.message
    }
}

/// One HTTP exchange: what every adapter guarantees the browser, so that
/// the machine decides everything a browser decides.
///
/// An adapter
///
/// 1. **sends exactly one request per call and follows no redirect**: a
///    3xx comes back as is, with its `Location`, so the machine sees every
///    hop and applies CORS to it. A client that follows redirects on its own
///    is refused with [`TransportErrorKind::FollowsRedirects`] (the reqwest
///    adapters check the client's policy where reqwest shows it, and check
///    every response's URL against the request's);
/// 2. **keeps no cookies of its own**: it sends the `Cookie` header the
///    browser put in the request and no other, stores nothing, and hands
///    back every `Set-Cookie` line (a client with its own cookie store is
///    refused with [`TransportErrorKind::OwnCookieStore`] where it can be
///    seen);
/// 3. **sends the method, URL (without fragment), headers and body as
///    given**: it may add what the HTTP stack needs to frame the message
///    (`Host`, `Content-Length`), never a CORS header;
/// 4. **returns the whole response**: status, every header line (repeated
///    names kept, in order) and the whole body;
/// 5. **fails only when no whole response came**, and retries only as
///    browsers do: a request whose connection closed (or was reset) before
///    any byte of a response head arrived is sent once more, on a fresh
///    connection; nothing else is retried (see [`reqwest`](mod@reqwest));
/// 6. **fails closed**: when it cannot keep one of these, the exchange
///    fails and script sees a network error, never a response.
///
/// The body is bytes so that 307/308 redirects can resend it.
///
/// ```
/// use browser_cors::client::{Transport, TransportError};
/// use bytes::Bytes;
///
/// /// A server that answers every request with 204 and no headers.
/// #[derive(Clone)]
/// struct Silent;
/// impl Transport for Silent {
///     async fn send(&self, _req: http::Request<Bytes>) -> Result<http::Response<Bytes>, TransportError> {
///         Ok(http::Response::builder().status(204).body(Bytes::new()).unwrap())
///     }
/// }
/// ```
pub trait Transport: Send + Sync {
    /// Sends one request and returns the whole response.
    fn send(
        &self,
        request: http::Request<Bytes>,
    ) -> impl Future<Output = Result<http::Response<Bytes>, TransportError>> + Send;

    /// Sends a request as the machine built it. The browser calls this; the
    /// default converts the request with [`WireRequest::to_http`] and calls
    /// [`Transport::send`]. A client with its own request type overrides it
    /// to convert directly (the reqwest adapters hand reqwest the parsed
    /// [`Url`] instead of an `http::Uri` it would parse again).
    ///
    /// A request the `http` crate cannot carry (a DEL byte in a header
    /// value) fails here with a [`TransportError`] that names the header.
    fn send_wire(
        &self,
        request: &WireRequest,
    ) -> impl Future<Output = Result<http::Response<Bytes>, TransportError>> + Send {
        let converted = request.to_http();
        async move {
            let request = converted.map_err(request_error)?;
            self.send(request).await
        }
    }
}

fn request_error(e: InputError) -> TransportError {
    TransportError::new(TransportErrorKind::Request, e.to_string())
}

/// A [`Transport`] whose futures need not be `Send`, for a service that
/// lives on one thread (actix-web's test service): a [`Browser`] over it is
/// driven with [`Browser::fetch_local`] on that thread (a `LocalSet`, an
/// actix `System`, a current-thread runtime). Every [`Transport`] is a
/// `LocalTransport`; the guarantees are the same.
///
/// ```
/// use browser_cors::client::{Browser, LocalTransport, TransportError};
/// use browser_cors::Request;
/// use bytes::Bytes;
/// use std::rc::Rc;
///
/// /// Not Send: it counts its requests in an Rc.
/// struct Counting(Rc<std::cell::Cell<u32>>);
/// impl LocalTransport for Counting {
///     async fn send_local(&self, _req: http::Request<Bytes>) -> Result<http::Response<Bytes>, TransportError> {
///         self.0.set(self.0.get() + 1);
///         Ok(http::Response::builder().status(200)
///             .header("access-control-allow-origin", "*").body(Bytes::new()).unwrap())
///     }
/// }
/// let count = Rc::new(std::cell::Cell::new(0));
/// let browser = Browser::new(Counting(Rc::clone(&count)), "https://app.example").unwrap();
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let fetched = browser.fetch_local(Request::get("https://api.example/".parse().unwrap())).await;
/// assert_eq!(fetched.response().unwrap().status, 200);
/// # });
/// assert_eq!(count.get(), 1);
/// ```
pub trait LocalTransport {
    /// Sends one request and returns the whole response.
    fn send_local(
        &self,
        request: http::Request<Bytes>,
    ) -> impl Future<Output = Result<http::Response<Bytes>, TransportError>>;

    /// Sends a request as the machine built it (see [`Transport::send_wire`]).
    fn send_wire_local(
        &self,
        request: &WireRequest,
    ) -> impl Future<Output = Result<http::Response<Bytes>, TransportError>> {
        let converted = request.to_http();
        async move {
            let request = converted.map_err(request_error)?;
            self.send_local(request).await
        }
    }
}

impl<T: Transport + ?Sized> LocalTransport for T {
    fn send_local(
        &self,
        request: http::Request<Bytes>,
    ) -> impl Future<Output = Result<http::Response<Bytes>, TransportError>> {
        self.send(request)
    }

    fn send_wire_local(
        &self,
        request: &WireRequest,
    ) -> impl Future<Output = Result<http::Response<Bytes>, TransportError>> {
        self.send_wire(request)
    }
}

/// A boxed future of a [`DynTransport`].
///
/// ```
/// use browser_cors::client::{BoxFuture, DynTransport, Detached};
/// let request = http::Request::new(bytes::Bytes::new());
/// let future: BoxFuture<'_, _> = Detached.send_dyn(request);
/// # drop(future);
/// ```
pub type BoxFuture<'a, T> = std::pin::Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// The object-safe form of [`Transport`], for a transport picked at run
/// time: every `Transport` is one, and `Box<dyn DynTransport>` and
/// `Arc<dyn DynTransport>` are `Transport`s.
///
/// ```
/// use browser_cors::client::{Browser, Detached, DynTransport};
/// let transport: Box<dyn DynTransport> = Box::new(Detached);
/// let browser = Browser::new(transport, "https://app.example").unwrap();
/// # let _ = browser;
/// ```
pub trait DynTransport: Send + Sync {
    /// [`Transport::send`], boxed.
    fn send_dyn(
        &self,
        request: http::Request<Bytes>,
    ) -> BoxFuture<'_, Result<http::Response<Bytes>, TransportError>>;

    /// [`Transport::send_wire`], boxed.
    fn send_wire_dyn<'a>(
        &'a self,
        request: &'a WireRequest,
    ) -> BoxFuture<'a, Result<http::Response<Bytes>, TransportError>>;
}

impl<T: Transport> DynTransport for T {
    fn send_dyn(
        &self,
        request: http::Request<Bytes>,
    ) -> BoxFuture<'_, Result<http::Response<Bytes>, TransportError>> {
        Box::pin(self.send(request))
    }

    fn send_wire_dyn<'a>(
        &'a self,
        request: &'a WireRequest,
    ) -> BoxFuture<'a, Result<http::Response<Bytes>, TransportError>> {
        Box::pin(self.send_wire(request))
    }
}

impl Transport for Box<dyn DynTransport> {
    fn send(
        &self,
        request: http::Request<Bytes>,
    ) -> impl Future<Output = Result<http::Response<Bytes>, TransportError>> + Send {
        (**self).send_dyn(request)
    }

    async fn send_wire(
        &self,
        request: &WireRequest,
    ) -> Result<http::Response<Bytes>, TransportError> {
        (**self).send_wire_dyn(request).await
    }
}

impl Transport for Arc<dyn DynTransport> {
    fn send(
        &self,
        request: http::Request<Bytes>,
    ) -> impl Future<Output = Result<http::Response<Bytes>, TransportError>> + Send {
        (**self).send_dyn(request)
    }

    async fn send_wire(
        &self,
        request: &WireRequest,
    ) -> Result<http::Response<Bytes>, TransportError> {
        (**self).send_wire_dyn(request).await
    }
}

/// A boxed future of a [`LocalDynTransport`] (not `Send`).
///
/// ```
/// use browser_cors::client::{LocalBoxFuture, LocalDynTransport, Detached};
/// let request = http::Request::new(bytes::Bytes::new());
/// let future: LocalBoxFuture<'_, _> = Detached.send_local_dyn(request);
/// # drop(future);
/// ```
pub type LocalBoxFuture<'a, T> = std::pin::Pin<Box<dyn Future<Output = T> + 'a>>;

/// The object-safe form of [`LocalTransport`]: every `LocalTransport` (so
/// every `Transport`) is one, and `Box<dyn LocalDynTransport>` is a
/// `LocalTransport`, for a transport picked at run time among local ones.
///
/// ```
/// use browser_cors::client::{Browser, Detached, LocalDynTransport};
/// let transport: Box<dyn LocalDynTransport> = Box::new(Detached);
/// let browser = Browser::new(transport, "https://app.example").unwrap();
/// # let _ = browser;
/// ```
pub trait LocalDynTransport {
    /// [`LocalTransport::send_local`], boxed.
    fn send_local_dyn(
        &self,
        request: http::Request<Bytes>,
    ) -> LocalBoxFuture<'_, Result<http::Response<Bytes>, TransportError>>;

    /// [`LocalTransport::send_wire_local`], boxed.
    fn send_wire_local_dyn<'a>(
        &'a self,
        request: &'a WireRequest,
    ) -> LocalBoxFuture<'a, Result<http::Response<Bytes>, TransportError>>;
}

impl<T: LocalTransport> LocalDynTransport for T {
    fn send_local_dyn(
        &self,
        request: http::Request<Bytes>,
    ) -> LocalBoxFuture<'_, Result<http::Response<Bytes>, TransportError>> {
        Box::pin(self.send_local(request))
    }

    fn send_wire_local_dyn<'a>(
        &'a self,
        request: &'a WireRequest,
    ) -> LocalBoxFuture<'a, Result<http::Response<Bytes>, TransportError>> {
        Box::pin(self.send_wire_local(request))
    }
}

impl LocalTransport for Box<dyn LocalDynTransport> {
    async fn send_local(
        &self,
        request: http::Request<Bytes>,
    ) -> Result<http::Response<Bytes>, TransportError> {
        (**self).send_local_dyn(request).await
    }

    async fn send_wire_local(
        &self,
        request: &WireRequest,
    ) -> Result<http::Response<Bytes>, TransportError> {
        (**self).send_wire_local_dyn(request).await
    }
}

/// One request the browser put on the wire, with the response head it got.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exchange {
    /// The request as sent (the `Cookie` header included when one was sent).
    pub request: Arc<WireRequest>,
    /// The response status, or `None` when the transport failed.
    pub status: Option<StatusCode>,
    /// The response headers (empty when the transport failed).
    pub response_headers: HeaderMap,
}

/// What one `fetch()` gave script, and what went over the wire for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fetched {
    /// The browser-visible outcome.
    pub outcome: Outcome,
    /// The body, when script can read it (basic and cors responses).
    pub body: Option<Bytes>,
    /// Every exchange of this fetch, preflights included, in order.
    ///
    /// Shared with the browser's trace: recording an exchange copies nothing.
    pub exchanges: Arc<[Exchange]>,
    /// Cookies that matched a request but were not sent, and `Set-Cookie`
    /// lines that were not stored, each with the engine's reason, even when
    /// the fetch itself resolved.
    pub cookies: Vec<CookieNote>,
}

impl Fetched {
    /// The response, when `fetch()` resolved.
    pub fn response(&self) -> Option<&Response> {
        self.outcome.response()
    }

    /// The error, when `fetch()` rejected.
    pub fn error(&self) -> Option<&NetworkError> {
        self.outcome.error()
    }

    /// The response and its readable body, or the error `fetch()` rejects with.
    pub fn into_result(self) -> Result<(Response, Option<Bytes>), Box<NetworkError>> {
        match self.outcome {
            Outcome::Response(r) => Ok((r, self.body)),
            Outcome::NetworkError(e) => Err(Box::new(e)),
        }
    }

    /// Whether a preflight was sent.
    pub fn preflighted(&self) -> bool {
        self.exchanges
            .iter()
            .any(|e| e.request.kind == crate::RequestKind::Preflight)
    }
}

struct Inner<T> {
    transport: T,
    profile: Profile,
    page: Arc<Page>,
    /// The preflight cache and the cookie jar, ruled by the machine.
    state: Mutex<BrowserState>,
    /// The exchanges of the last fetches, shared with their [`Fetched`].
    trace: Mutex<VecDeque<Arc<[Exchange]>>>,
    tracing: AtomicBool,
    /// How many fetches the trace keeps.
    trace_limit: AtomicUsize,
}

/// How many fetches a browser's trace keeps unless told otherwise
/// ([`Browser::set_trace_limit`]).
///
/// ```
/// assert_eq!(browser_cors::client::DEFAULT_TRACE_LIMIT, 256);
/// ```
pub const DEFAULT_TRACE_LIMIT: usize = 256;

/// An emulated browser: one engine profile, one page origin, its own
/// preflight cache and cookie jar. Cheap to clone and shareable across tasks.
///
/// ```no_run
/// # #[cfg(feature = "reqwest")]
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// use browser_cors::{client::{Browser, reqwest::ReqwestTransport}, Request};
/// let browser = Browser::new(ReqwestTransport::new()?, "https://app.example")?;
/// let fetched = browser.fetch(Request::get("https://api.example/data".parse()?)).await;
/// match fetched.into_result() {
///     Ok((response, body)) => println!("{} {:?}", response.status, body),
///     Err(error) => println!("blocked: {error}"),
/// }
/// # Ok(()) }
/// ```
pub struct Browser<T> {
    inner: Arc<Inner<T>>,
}

impl<T> Clone for Browser<T> {
    fn clone(&self) -> Self {
        Browser {
            inner: Arc::clone(&self.inner),
        }
    }
}

impl<T> std::fmt::Debug for Browser<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Browser")
            .field("engine", &self.inner.profile.engine)
            .field("page", &self.inner.page.origin_str())
            .finish_non_exhaustive()
    }
}

fn lock<V>(m: &Mutex<V>) -> MutexGuard<'_, V> {
    // A panic while holding the lock cannot leave these values half-updated
    // in a way that matters; keep going with the data.
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl<T> Browser<T> {
    /// A Chromium browser whose page is at `page_origin` (`https://app.example`).
    pub fn new(transport: T, page_origin: &str) -> Result<Browser<T>, InputError> {
        Browser::with_profile(transport, page_origin, Profile::chromium())
    }

    /// A browser of the given engine profile.
    pub fn with_profile(
        transport: T,
        page_origin: &str,
        profile: Profile,
    ) -> Result<Browser<T>, InputError> {
        let page = parse_origin(page_origin)?;
        Ok(Browser::on_page(transport, Page::new(&page), profile))
    }

    /// A browser whose page has policies, an address space or permissions
    /// of its own (see [`Page`]).
    ///
    /// ```
    /// use browser_cors::{client::Browser, AddressSpace, Page, PermissionState, Profile};
    /// let page = Page::parse("https://app.example").unwrap()
    ///     .with_address_space(AddressSpace::Public)
    ///     .with_local_network_permission(PermissionState::Granted);
    /// let browser = Browser::on_page(browser_cors::client::Detached, page, Profile::chromium());
    /// assert_eq!(browser.page().address_space(), Some(AddressSpace::Public));
    /// ```
    pub fn on_page(transport: T, page: Page, profile: Profile) -> Browser<T> {
        Browser {
            inner: Arc::new(Inner {
                transport,
                state: Mutex::new(BrowserState::new(&profile)),
                profile,
                page: Arc::new(page),
                trace: Mutex::new(VecDeque::new()),
                tracing: AtomicBool::new(true),
                trace_limit: AtomicUsize::new(DEFAULT_TRACE_LIMIT),
            }),
        }
    }

    /// The page, with its policies, address space and permissions.
    pub fn page(&self) -> &Page {
        &self.inner.page
    }

    /// The same browser as another engine: a fresh cache and jar.
    pub fn with_engine(
        transport: T,
        page_origin: &str,
        engine: Engine,
    ) -> Result<Browser<T>, InputError> {
        Browser::with_profile(transport, page_origin, engine.profile())
    }

    /// The page's origin.
    pub fn page_origin(&self) -> &Origin {
        &self.inner.page.origin
    }

    /// The engine profile.
    pub fn profile(&self) -> &Profile {
        &self.inner.profile
    }

    /// Resolves a URL as script would (relative to the page).
    pub fn url(&self, input: &str) -> Result<Url, InputError> {
        let base = Url::parse(self.inner.page.origin_str()).ok();
        Url::options()
            .base_url(base.as_ref())
            .parse(input)
            .map_err(|e| InputError::Url {
                input: input.to_owned(),
                reason: e.to_string(),
            })
    }

    /// Puts a cookie in the jar as a top-level visit to `url` would store it
    /// (first party; `name=value; Path=/`). Fails with the reason when the
    /// engine would refuse it (a `Secure` cookie over http, a bad prefix, ...).
    ///
    /// ```
    /// let browser = browser_cors::client::Browser::detached("https://app.example").unwrap();
    /// let api = url::Url::parse("https://api.example/").unwrap();
    /// browser.add_cookie("sid=1; SameSite=None; Secure", &api).unwrap();
    /// assert!(browser.add_cookie("__Host-x=1", &api).is_err());
    /// ```
    pub fn add_cookie(&self, set_cookie: &str, url: &Url) -> Result<(), InputError> {
        let refused = lock(&self.inner.state).cookies.store_first_party(
            url,
            set_cookie.as_bytes(),
            Instant::now(),
        );
        match refused {
            None => Ok(()),
            Some(reason) => Err(InputError::Cookie {
                input: set_cookie.to_owned(),
                reason: reason.fix(),
            }),
        }
    }

    /// The cookies a top-level visit to `url` would send, `name=value` each.
    pub fn cookies_for(&self, url: &Url) -> Vec<String> {
        lock(&self.inner.state)
            .cookies
            .first_party_cookies(url, Instant::now())
    }

    /// How many cookies the jar holds. The jar is bounded as the engine
    /// bounds its own (the profile's `cookies.per_site` and `max_total`):
    /// Chromium and Firefox purge a site past 180 cookies down to 150, and
    /// past the total (3300 in Chromium) the least recently set cookie goes.
    ///
    /// ```
    /// # use browser_cors::client::Browser;
    /// let browser = Browser::detached("https://app.example").unwrap();
    /// browser.add_cookie("a=1", &"https://api.example/".parse().unwrap()).unwrap();
    /// assert_eq!(browser.cookie_count(), 1);
    /// ```
    pub fn cookie_count(&self) -> usize {
        lock(&self.inner.state).cookies.len()
    }

    /// How many entries the preflight cache holds (at most the profile's
    /// `cache.capacity`).
    ///
    /// ```
    /// # use browser_cors::client::Browser;
    /// assert_eq!(Browser::detached("https://app.example").unwrap().preflight_cache_len(), 0);
    /// ```
    pub fn preflight_cache_len(&self) -> usize {
        lock(&self.inner.state).preflight_cache.len()
    }

    /// The exchanges of the last fetches this browser made, in order (a copy).
    ///
    /// The trace keeps the exchanges of the last [`DEFAULT_TRACE_LIMIT`]
    /// fetches (see [`Browser::set_trace_limit`]), so that a browser that
    /// lives for millions of fetches stays the same size; each [`Fetched`]
    /// always lists all of its own exchanges.
    pub fn trace(&self) -> Vec<Exchange> {
        flatten(&lock(&self.inner.trace))
    }

    /// How many fetches the trace keeps (the oldest go first). `0` keeps none.
    ///
    /// ```
    /// # use browser_cors::client::Browser;
    /// let browser = Browser::detached("https://app.example").unwrap();
    /// browser.set_trace_limit(10);
    /// ```
    pub fn set_trace_limit(&self, fetches: usize) {
        self.inner.trace_limit.store(fetches, Ordering::Relaxed);
        let mut trace = lock(&self.inner.trace);
        while trace.len() > fetches {
            trace.pop_front();
        }
    }

    /// Whether the browser records its exchanges in its trace (it does
    /// unless told otherwise). A crawler that never reads the trace turns it
    /// off: each [`Fetched`] still lists its own exchanges.
    ///
    /// ```
    /// # use browser_cors::client::Browser;
    /// let browser = Browser::detached("https://app.example").unwrap();
    /// browser.set_trace(false);
    /// ```
    pub fn set_trace(&self, on: bool) {
        self.inner.tracing.store(on, Ordering::Relaxed);
    }

    /// The traced exchanges since the last call, in order; the trace is emptied.
    pub fn take_trace(&self) -> Vec<Exchange> {
        flatten(&std::mem::take(&mut *lock(&self.inner.trace)))
    }

    /// Forgets the preflight cache (as a browser restart would).
    pub fn clear_preflight_cache(&self) {
        lock(&self.inner.state).preflight_cache.clear();
    }

    /// Forgets every cookie.
    pub fn clear_cookies(&self) {
        lock(&self.inner.state).cookies.clear();
    }

    /// What script in the page gets from `fetch(request)`.
    ///
    /// Never panics and always finishes: the machine follows at most the
    /// engine's redirect limit, and a transport error ends the fetch with a
    /// network error (`TypeError: Failed to fetch` in the page).
    pub async fn fetch(&self, request: Request) -> Fetched
    where
        T: Transport,
    {
        self.drive(&self.inner.transport, request).await
    }

    /// [`Browser::fetch`] through a [`LocalTransport`] (a service that is
    /// not `Send`, such as actix-web's test service): the future is not
    /// `Send` either, so run it on the service's thread (a `LocalSet`, an
    /// actix `System`, `block_on`).
    pub async fn fetch_local(&self, request: Request) -> Fetched
    where
        T: LocalTransport,
    {
        self.drive(&self.inner.transport, request).await
    }

    /// [`Browser::fetch`] through another transport, with this browser's
    /// state (page, profile, preflight cache, cookie jar, trace).
    ///
    /// This is how one browser is shared by several ways of sending (the
    /// [`middleware`](crate::client) adapter drives a `Browser<Detached>`
    /// through the rest of the middleware chain this way).
    ///
    /// ```
    /// use browser_cors::client::{Browser, Detached, Transport, TransportError};
    /// use browser_cors::Request;
    /// use bytes::Bytes;
    ///
    /// struct Open;
    /// impl Transport for Open {
    ///     async fn send(&self, _r: http::Request<Bytes>) -> Result<http::Response<Bytes>, TransportError> {
    ///         Ok(http::Response::builder().status(200)
    ///             .header("access-control-allow-origin", "*").body(Bytes::from("hi")).unwrap())
    ///     }
    /// }
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let browser = Browser::detached("https://app.example").unwrap();
    /// let fetched = browser.fetch_via(&Open, Request::get("https://api.example/".parse().unwrap())).await;
    /// assert_eq!(fetched.body.as_deref(), Some(&b"hi"[..]));
    /// assert_eq!(browser.trace().len(), 1);
    /// # });
    /// ```
    pub async fn fetch_via<U: Transport + ?Sized>(
        &self,
        transport: &U,
        request: Request,
    ) -> Fetched {
        self.drive(transport, request).await
    }

    /// The fetch loop, for either kind of transport.
    async fn drive<U: LocalTransport + ?Sized>(&self, transport: &U, request: Request) -> Fetched {
        let inner = &*self.inner;
        let mut fetch = Fetch::for_page(&inner.profile, &inner.page, request);
        let mut exchanges = Exchanges::default();
        let mut last_body = Bytes::new();
        // The machine ends every fetch within its redirect limit (a preflight
        // and a request per hop); this bound only guards against a machine bug.
        for _ in 0..MAX_EXCHANGES {
            if fetch.is_done() {
                break;
            }
            let action = fetch.poll(&mut *lock(&inner.state), Instant::now());
            let Action::Send(sent) = action else {
                break;
            };
            match transport.send_wire_local(&sent).await {
                Ok(response) => {
                    let (parts, body) = response.into_parts();
                    fetch.on_response_head(
                        parts.status,
                        &parts.headers,
                        &mut *lock(&inner.state),
                        Instant::now(),
                    );
                    exchanges.push(Exchange {
                        request: sent,
                        status: Some(parts.status),
                        response_headers: parts.headers,
                    });
                    last_body = body;
                }
                Err(e) => {
                    exchanges.push(Exchange {
                        request: sent,
                        status: None,
                        response_headers: HeaderMap::new(),
                    });
                    fetch.on_transport_error(e.to_string());
                }
            }
        }
        if !fetch.is_done() {
            // Only through a machine bug; fail closed, and say so.
            fetch.on_transport_error(format!(
                "internal: the fetch did not finish in {MAX_EXCHANGES} exchanges"
            ));
        }
        let cookies = fetch.cookie_notes().to_vec();
        self.finish(fetch.into_outcome(), last_body, exchanges, cookies)
    }

    fn finish(
        &self,
        outcome: Outcome,
        last_body: Bytes,
        exchanges: Exchanges,
        cookies: Vec<CookieNote>,
    ) -> Fetched {
        let exchanges = exchanges.into_shared();
        let limit = self.inner.trace_limit.load(Ordering::Relaxed);
        if limit > 0 && self.inner.tracing.load(Ordering::Relaxed) {
            let mut trace = lock(&self.inner.trace);
            while trace.len() >= limit {
                trace.pop_front();
            }
            trace.push_back(Arc::clone(&exchanges));
        }
        let body = outcome
            .response()
            .filter(|r| r.body_readable())
            .map(|_| last_body);
        Fetched {
            outcome,
            body,
            exchanges,
            cookies,
        }
    }
}

/// The exchanges of one fetch as they happen. Most fetches make one: it
/// goes straight into the shared slice, with no list allocated and copied.
#[derive(Default)]
struct Exchanges {
    first: Option<Exchange>,
    rest: Vec<Exchange>,
}

impl Exchanges {
    fn push(&mut self, exchange: Exchange) {
        if self.first.is_none() {
            self.first = Some(exchange);
        } else {
            self.rest.push(exchange);
        }
    }

    fn into_shared(self) -> Arc<[Exchange]> {
        match (self.first, self.rest.is_empty()) {
            (None, _) => Arc::new([]),
            (Some(only), true) => Arc::new([only]),
            (Some(first), false) => std::iter::once(first).chain(self.rest).collect(),
        }
    }
}

/// The exchanges of the traced fetches, in order, as one list (a copy).
fn flatten(fetches: &VecDeque<Arc<[Exchange]>>) -> Vec<Exchange> {
    fetches.iter().flat_map(|f| f.iter().cloned()).collect()
}

/// More than any fetch needs: 20 redirects, each with a preflight, and the last hop.
const MAX_EXCHANGES: usize = 64;

/// A transport that sends nothing: every request fails with a transport
/// error. The transport of a browser that is only driven with
/// [`Browser::fetch_via`], such as the one inside the middleware adapter.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Detached;

impl Transport for Detached {
    async fn send(
        &self,
        request: http::Request<Bytes>,
    ) -> Result<http::Response<Bytes>, TransportError> {
        Err(TransportError::new(
            TransportErrorKind::Request,
            format!(
                "this browser has no transport of its own (use fetch_via): {} {}",
                request.method(),
                request.uri()
            ),
        ))
    }
}

impl Browser<Detached> {
    /// A Chromium browser without a transport of its own, for
    /// [`Browser::fetch_via`].
    pub fn detached(page_origin: &str) -> Result<Browser<Detached>, InputError> {
        Browser::new(Detached, page_origin)
    }
}
