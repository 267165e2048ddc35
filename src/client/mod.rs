//! The emulated browser on top of real HTTP clients: a [`Browser`] drives the
//! [`Fetch`] machine through a [`Transport`] and keeps what a browser keeps
//! between fetches (its preflight cache and its cookie jar).
//!
//! This is the I/O edge: it reads the clock and does the network exchange;
//! every decision stays in the machine.

use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use bytes::Bytes;
use http::{HeaderMap, StatusCode};
use url::{Origin, Url};

use crate::PreflightCache;
use crate::error::{InputError, NetworkError};
use crate::fetch::{Action, Credentials, Fetch, Outcome, WireRequest};
use crate::origin::parse_origin;
use crate::profile::{Engine, Profile};
use crate::request::Request;
use crate::response::Response;

#[cfg(feature = "reqwest")]
pub mod reqwest;

/// A transport failure: the exchange did not produce a response.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct TransportError(pub String);

/// One HTTP exchange, without following redirects (the machine must see
/// every hop). The body is bytes so that 307/308 redirects can resend it.
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
}

/// One request the browser put on the wire, with the response head it got.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exchange {
    /// The request as sent (the `Cookie` header included when one was sent).
    pub request: WireRequest,
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
    pub exchanges: Vec<Exchange>,
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
    page: Origin,
    cache: Mutex<PreflightCache>,
    jar: Mutex<cookie_store::CookieStore>,
    trace: Mutex<Vec<Exchange>>,
}

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
            .field("page", &self.inner.page.ascii_serialization())
            .finish_non_exhaustive()
    }
}

fn lock<V>(m: &Mutex<V>) -> MutexGuard<'_, V> {
    // A panic while holding the lock cannot leave these values half-updated
    // in a way that matters; keep going with the data.
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl<T: Transport> Browser<T> {
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
        Ok(Browser {
            inner: Arc::new(Inner {
                transport,
                cache: Mutex::new(PreflightCache::new(profile.cache.capacity)),
                profile,
                page,
                jar: Mutex::new(cookie_store::CookieStore::default()),
                trace: Mutex::new(Vec::new()),
            }),
        })
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
        &self.inner.page
    }

    /// The engine profile.
    pub fn profile(&self) -> &Profile {
        &self.inner.profile
    }

    /// Resolves a URL as script would (relative to the page).
    pub fn url(&self, input: &str) -> Result<Url, InputError> {
        let base = Url::parse(&self.inner.page.ascii_serialization()).ok();
        Url::options()
            .base_url(base.as_ref())
            .parse(input)
            .map_err(|e| InputError::Url {
                input: input.to_owned(),
                reason: e.to_string(),
            })
    }

    /// Puts a cookie in the jar as if `url` had set it (`name=value; Path=/`).
    pub fn add_cookie(&self, set_cookie: &str, url: &Url) -> Result<(), InputError> {
        lock(&self.inner.jar)
            .parse(set_cookie, url)
            .map(|_| ())
            .map_err(|e| InputError::Url {
                input: set_cookie.to_owned(),
                reason: format!("not a cookie: {e}"),
            })
    }

    /// Every exchange this browser has made, in order.
    pub fn trace(&self) -> Vec<Exchange> {
        lock(&self.inner.trace).clone()
    }

    /// Forgets the preflight cache (as a browser restart would).
    pub fn clear_preflight_cache(&self) {
        lock(&self.inner.cache).clear();
    }

    /// What script in the page gets from `fetch(request)`.
    pub async fn fetch(&self, request: Request) -> Fetched {
        let inner = &*self.inner;
        let mut fetch = Fetch::new(&inner.profile, &inner.page, request);
        let mut exchanges = Vec::new();
        let mut last_body = Bytes::new();
        loop {
            let action = {
                let mut cache = lock(&inner.cache);
                fetch.poll(&mut cache, Instant::now())
            };
            let wire = match action {
                Action::Done(outcome) => {
                    lock(&inner.trace).extend(exchanges.iter().cloned());
                    let body = outcome
                        .response()
                        .filter(|r| r.body_readable())
                        .map(|_| last_body);
                    return Fetched {
                        outcome,
                        body,
                        exchanges,
                    };
                }
                Action::Send(wire) => wire,
            };
            let mut sent = wire.clone();
            if wire.credentials == Credentials::Include {
                let cookie = {
                    let jar = lock(&inner.jar);
                    let mut url = wire.url.clone();
                    url.set_fragment(None);
                    jar.get_request_values(&url)
                        .map(|(n, v)| format!("{n}={v}"))
                        .collect::<Vec<_>>()
                        .join("; ")
                };
                if !cookie.is_empty() {
                    sent.headers.set_cookie(cookie.into_bytes());
                }
            }
            let http_request = match sent.to_http() {
                Ok(r) => r,
                Err(e) => {
                    fetch.on_transport_error(e.to_string());
                    exchanges.push(Exchange {
                        request: sent,
                        status: None,
                        response_headers: HeaderMap::new(),
                    });
                    continue;
                }
            };
            match inner.transport.send(http_request).await {
                Ok(response) => {
                    if wire.credentials == Credentials::Include {
                        store_cookies(&inner.jar, &wire.url, response.headers());
                    }
                    exchanges.push(Exchange {
                        request: sent,
                        status: Some(response.status()),
                        response_headers: response.headers().clone(),
                    });
                    {
                        let mut cache = lock(&inner.cache);
                        fetch.on_response(&response, &mut cache, Instant::now());
                    }
                    last_body = response.into_body();
                }
                Err(e) => {
                    exchanges.push(Exchange {
                        request: sent,
                        status: None,
                        response_headers: HeaderMap::new(),
                    });
                    fetch.on_transport_error(e.0);
                }
            }
        }
    }
}

fn store_cookies(jar: &Mutex<cookie_store::CookieStore>, url: &Url, headers: &HeaderMap) {
    let mut jar = lock(jar);
    for value in headers.get_all(http::header::SET_COOKIE) {
        if let Ok(text) = value.to_str() {
            let _ = jar.parse(text, url);
        }
    }
}
