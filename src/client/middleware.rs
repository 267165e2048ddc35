//! A [`reqwest_middleware::Middleware`] that makes an existing
//! `ClientWithMiddleware` browser-like.
//!
//! Put [`BrowserMiddleware`] in the chain and every request sent through
//! the client becomes a `fetch()` from the browser's page: the middleware
//! sends preflights and each redirect hop through the rest of the chain
//! (`next.run`), attaches and stores cookies as the credentials mode says,
//! and hands back the filtered response, or an error carrying the browser's
//! console sentence.
//!
//! # What the underlying client must be
//!
//! The middleware sits inside someone else's client, so it cannot configure
//! it. The `reqwest::Client` at the end of the chain must be built with
//! **`redirect(Policy::none())`** (otherwise the browser never sees the hops
//! and cannot apply CORS to them) and **without a cookie store** (otherwise
//! cookies are sent and stored regardless of the credentials mode).
//!
//! The middleware cannot read that client, so it checks what it can see:
//! a response whose URL is not the request's means the client (or a later
//! middleware) followed a redirect, and the fetch fails closed with
//! [`TransportErrorKind::FollowsRedirects`](super::TransportErrorKind), whose
//! message says how to build the client; the redirect target's response never
//! reaches the caller (but it was requested). A cookie store cannot be seen
//! from here: check the client with
//! [`check_client`](super::reqwest::check_client) where you build it. Like the
//! [`reqwest`](super::reqwest) adapter, the middleware resends a request once
//! when a kept-alive connection closed before any response came. Middleware
//! placed *after* this one in the chain sees each wire request (preflights
//! too); middleware placed *before* it sees the `fetch()` call and its
//! filtered result.
//!
//! # State
//!
//! The middleware holds a [`Browser`]: one page origin, preflight cache and
//! cookie jar for every request through this client. [`BrowserMiddleware::browser`]
//! gives it back (it is a cheap clone of the same state) to add cookies or
//! read the trace.
//!
//! # Options and results
//!
//! `mode`, `credentials` and `redirect` are read from the request's
//! extensions ([`Mode`], [`CredentialsMode`], [`RedirectMode`], set with
//! `RequestBuilder::with_extension`); the defaults are `fetch()`'s (`cors`,
//! `same-origin`, `follow`). A resolved `fetch()` becomes a `reqwest::Response`
//! with the readable headers only, the readable body (empty otherwise), the
//! final URL, and the whole [`Fetched`] in its extensions. A rejected
//! `fetch()` becomes `reqwest_middleware::Error::Middleware` holding a
//! [`BrowserError`] (get it with `downcast_ref`).
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use browser_cors::client::middleware::{BrowserError, BrowserMiddleware};
//! use browser_cors::CredentialsMode;
//!
//! let inner = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build()?;
//! let browser = BrowserMiddleware::new("https://app.example")?;
//! let client = reqwest_middleware::ClientBuilder::new(inner).with(browser.clone()).build();
//! match client.get("https://api.example/data").with_extension(CredentialsMode::Include).send().await {
//!     Ok(response) => println!("{} {}", response.status(), response.text().await?),
//!     Err(reqwest_middleware::Error::Middleware(e)) => match e.downcast_ref::<BrowserError>() {
//!         Some(BrowserError::Blocked(error)) => println!("blocked: {error}"),
//!         _ => println!("{e}"),
//!     },
//!     Err(e) => println!("{e}"),
//! }
//! # Ok(()) }
//! ```

use bytes::Bytes;
use http::Extensions;
use reqwest::ResponseBuilderExt;
use reqwest_middleware::{Middleware, Next};

use super::{Browser, Detached, Fetched, Transport, TransportError, TransportErrorKind};
use crate::error::{InputError, NetworkError};
use crate::profile::Engine;
use crate::request::{CredentialsMode, Mode, RedirectMode, Request};
use crate::response::ResponseType;

/// Why the middleware did not return a response.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BrowserError {
    /// `fetch()` rejected; the `Display` is the browser's console sentence.
    #[error("{0}")]
    Blocked(Box<NetworkError>),
    /// `fetch()` resolved with an `opaque` or `opaqueredirect` response
    /// (status 0, no headers, no body), which a `reqwest::Response` cannot
    /// represent. The [`Fetched`] has the details.
    #[error(
        "fetch() resolved with an {} response (status 0, nothing readable)",
        .0.response().map_or("opaque", |r| r.response_type.as_str())
    )]
    Opaque(Box<Fetched>),
    /// The request's body is a stream: a browser needs the whole body, to
    /// resend it on a 307 or 308 redirect.
    #[error(
        "the request body is a stream; buffer it (Body::from bytes) so it can be resent on a 307/308 redirect"
    )]
    StreamingBody,
    /// The filtered response could not be built as a `reqwest::Response`.
    #[error("cannot build the response: {0}")]
    Response(String),
}

/// The browser as a middleware. Cheap to clone; clones share the browser.
#[derive(Debug, Clone)]
pub struct BrowserMiddleware<T = Detached> {
    browser: Browser<T>,
}

impl BrowserMiddleware<Detached> {
    /// A Chromium browser whose page is at `page_origin`.
    ///
    /// ```
    /// let mw = browser_cors::client::middleware::BrowserMiddleware::new("https://app.example").unwrap();
    /// assert_eq!(mw.browser().page_origin().ascii_serialization(), "https://app.example");
    /// ```
    pub fn new(page_origin: &str) -> Result<Self, InputError> {
        Ok(BrowserMiddleware {
            browser: Browser::detached(page_origin)?,
        })
    }

    /// A browser of another engine.
    pub fn with_engine(page_origin: &str, engine: Engine) -> Result<Self, InputError> {
        Ok(BrowserMiddleware {
            browser: Browser::with_engine(Detached, page_origin, engine)?,
        })
    }
}

impl<T> BrowserMiddleware<T> {
    /// Uses an existing browser's state (its own transport is not used by
    /// the middleware: requests go down the middleware chain).
    pub fn from_browser(browser: Browser<T>) -> Self {
        BrowserMiddleware { browser }
    }

    /// The browser (the same state: cache, jar, trace).
    pub fn browser(&self) -> &Browser<T> {
        &self.browser
    }
}

/// The rest of the chain as a [`Transport`].
struct NextTransport<'a> {
    next: Next<'a>,
    extensions: Extensions,
}

impl Transport for NextTransport<'_> {
    async fn send(
        &self,
        request: http::Request<Bytes>,
    ) -> Result<http::Response<Bytes>, TransportError> {
        let request = reqwest::Request::try_from(request).map_err(|e| {
            TransportError::new(TransportErrorKind::Request, super::reqwest::describe(&e))
        })?;
        self.run(request).await
    }

    async fn send_wire(
        &self,
        request: &crate::WireRequest,
    ) -> Result<http::Response<Bytes>, TransportError> {
        self.run(super::reqwest::wire_to_reqwest(request)?).await
    }
}

impl NextTransport<'_> {
    /// Sends `request` down the rest of the chain (once more when a
    /// kept-alive connection closed under it, as browsers do).
    async fn run(
        &self,
        request: reqwest::Request,
    ) -> Result<http::Response<Bytes>, TransportError> {
        super::reqwest::exchange(request, |request| {
            let mut extensions = self.extensions.clone();
            let next = self.next.clone();
            async move { next.run(request, &mut extensions).await }
        })
        .await
    }
}

/// The `fetch()` arguments of a `reqwest::Request`.
fn to_fetch_request(
    request: &reqwest::Request,
    extensions: &Extensions,
) -> Result<Request, BrowserError> {
    let body = match request.body() {
        None => None,
        Some(body) => Some(Bytes::copy_from_slice(
            body.as_bytes().ok_or(BrowserError::StreamingBody)?,
        )),
    };
    let mut fetch = Request::get(request.url().clone());
    fetch.method = request.method().as_str().to_owned().into();
    fetch.headers = request
        .headers()
        .iter()
        .map(|(n, v)| (n.as_str().to_owned(), v.as_bytes().to_vec()))
        .collect();
    fetch.body = body;
    fetch.mode = extensions.get::<Mode>().copied().unwrap_or_default();
    fetch.credentials = extensions
        .get::<CredentialsMode>()
        .copied()
        .unwrap_or_default();
    fetch.redirect = extensions
        .get::<RedirectMode>()
        .copied()
        .unwrap_or_default();
    Ok(fetch)
}

/// What script got, as a `reqwest::Response`.
fn to_reqwest_response(fetched: Fetched) -> Result<reqwest::Response, BrowserError> {
    let Some(response) = fetched.response() else {
        return Err(match fetched.outcome {
            crate::Outcome::NetworkError(e) => BrowserError::Blocked(Box::new(e)),
            crate::Outcome::Response(_) => BrowserError::Response("no response".into()),
        });
    };
    if matches!(
        response.response_type,
        ResponseType::Opaque | ResponseType::OpaqueRedirect
    ) {
        return Err(BrowserError::Opaque(Box::new(fetched)));
    }
    let mut builder = http::Response::builder().status(response.status);
    if let Some(url) = &response.url {
        builder = builder.url(url.clone());
    }
    if let Some(headers) = builder.headers_mut() {
        *headers = response.headers.to_header_map();
    }
    let body = fetched.body.clone().unwrap_or_default();
    let http_response = builder
        .extension(fetched)
        .body(body)
        .map_err(|e| BrowserError::Response(e.to_string()))?;
    Ok(reqwest::Response::from(http_response))
}

#[async_trait::async_trait]
impl<T: Send + Sync + 'static> Middleware for BrowserMiddleware<T> {
    async fn handle(
        &self,
        request: reqwest::Request,
        extensions: &mut Extensions,
        next: Next<'_>,
    ) -> reqwest_middleware::Result<reqwest::Response> {
        let fetch = to_fetch_request(&request, extensions)
            .map_err(reqwest_middleware::Error::middleware)?;
        let transport = NextTransport {
            next,
            extensions: extensions.clone(),
        };
        let fetched = self.browser.fetch_via(&transport, fetch).await;
        to_reqwest_response(fetched).map_err(reqwest_middleware::Error::middleware)
    }
}
