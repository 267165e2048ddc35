//! A [`Transport`] for [`reqwest::Client`].
//!
//! # What the client must be
//!
//! The browser must see every hop and decide every cookie, so the client
//! must follow no redirect and keep no cookies. [`ReqwestTransport::new`]
//! builds such a client. [`ReqwestTransport::from_client`] takes yours and
//! checks it ([`check_client`]): reqwest shows a client's redirect policy
//! and cookie store in its `Debug` output (a policy other than the default
//! one, and `cookie_store: true`), and a client that would follow redirects
//! or keep cookies makes every fetch fail closed, before anything is sent,
//! with a [`TransportError`] that says how to build it. A custom policy
//! (`Policy::custom`) cannot be read; it is accepted, and every response is
//! checked instead: a response whose URL is not the request's (the client
//! followed a redirect) fails the exchange with
//! [`TransportErrorKind::FollowsRedirects`], so nothing of it reaches script.
//!
//! # Retries
//!
//! Browsers put requests on kept-alive connections, and a server may close
//! an idle connection just as a request goes out on it. Chromium's network
//! stack then sends the request once more on a fresh connection, whatever
//! its method (`HttpNetworkTransaction::ShouldResendRequest`: a reused
//! connection that closed before a response head arrived). These adapters do
//! the same: when the exchange fails because the connection was closed or
//! reset before a response head arrived (hyper's "connection closed before
//! message completed"), the request is sent once more; no other failure is
//! retried, and a failure after the response head (a body cut short) is not
//! retried. reqwest does not say whether the connection was a reused one,
//! so a server that closes a *fresh* connection without answering also gets
//! the request twice (Chromium sends it once there).

use std::future::Future;

use bytes::Bytes;

use super::{Transport, TransportError, TransportErrorKind};

/// A `reqwest::Client` that follows no redirect and keeps no cookies: the
/// [`super::Browser`] decides both, as the credentials mode says.
#[derive(Debug, Clone)]
pub struct ReqwestTransport {
    client: ::reqwest::Client,
    /// Why the client cannot be used, when it cannot.
    refused: Option<TransportError>,
}

impl ReqwestTransport {
    /// A client built for the browser: no redirects, no cookie store.
    ///
    /// ```
    /// let transport = browser_cors::client::reqwest::ReqwestTransport::new().unwrap();
    /// # let _ = transport;
    /// ```
    pub fn new() -> Result<ReqwestTransport, TransportError> {
        ::reqwest::Client::builder()
            .redirect(::reqwest::redirect::Policy::none())
            .build()
            .map(|client| ReqwestTransport {
                client,
                refused: None,
            })
            .map_err(|e| TransportError::new(TransportErrorKind::Other, describe(&e)))
    }

    /// Wraps an existing client. It must have been built with
    /// `redirect(Policy::none())` and without a cookie store: otherwise
    /// every fetch through it fails closed with a [`TransportError`] that
    /// says so ([`check_client`] tells it up front).
    ///
    /// ```
    /// use browser_cors::client::reqwest::ReqwestTransport;
    /// let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    /// let transport = ReqwestTransport::from_client(client);
    /// assert!(transport.refused().is_none());
    ///
    /// // The default client follows up to 10 redirects: refused.
    /// let transport = ReqwestTransport::from_client(reqwest::Client::new());
    /// assert!(transport.refused().unwrap().to_string().contains("redirect(Policy::none())"));
    /// ```
    pub fn from_client(client: ::reqwest::Client) -> ReqwestTransport {
        let refused = check_client(&client).err();
        ReqwestTransport { client, refused }
    }

    /// Why every fetch through this transport fails, when the client
    /// cannot be used ([`check_client`]).
    ///
    /// ```
    /// # use browser_cors::client::reqwest::ReqwestTransport;
    /// assert!(ReqwestTransport::new().unwrap().refused().is_none());
    /// ```
    pub fn refused(&self) -> Option<&TransportError> {
        self.refused.as_ref()
    }
}

/// Whether `client` can carry a browser's exchanges: it follows no
/// redirect and keeps no cookies, as far as reqwest shows it (its `Debug`
/// output names a redirect policy other than the default one and a cookie
/// store). A custom redirect policy cannot be read and is accepted (the
/// adapters check each response's URL instead).
///
/// ```
/// use browser_cors::client::{TransportErrorKind, reqwest::check_client};
/// let good = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
/// assert!(check_client(&good).is_ok());
/// let limited = reqwest::Client::builder().redirect(reqwest::redirect::Policy::limited(3)).build().unwrap();
/// assert_eq!(check_client(&limited).unwrap_err().kind(), TransportErrorKind::FollowsRedirects);
/// ```
pub fn check_client(client: &::reqwest::Client) -> Result<(), TransportError> {
    let shown = format!("{client:?}");
    if shown.contains("cookie_store: true") {
        return Err(TransportError::own_cookie_store("reqwest::Client"));
    }
    // The default policy (up to 10 redirects) is not shown; any other is,
    // as `redirect_policy: "Policy(None)"`, `"Policy(Limit(n))"` or
    // `"Policy(Custom)"`.
    let follows = match shown.find("redirect_policy: ") {
        None => true,
        Some(at) => {
            let policy = shown.get(at..).unwrap_or_default();
            !(policy.starts_with("redirect_policy: \"Policy(None)\"")
                || policy.starts_with("redirect_policy: \"Policy(Custom)\""))
        }
    };
    if follows {
        return Err(TransportError::new(
            TransportErrorKind::FollowsRedirects,
            "this reqwest::Client follows redirects: build it with \
             `redirect(Policy::none())`, so that the browser sees every hop and applies CORS to it",
        ));
    }
    Ok(())
}

impl Transport for ReqwestTransport {
    async fn send(
        &self,
        request: http::Request<Bytes>,
    ) -> Result<http::Response<Bytes>, TransportError> {
        if let Some(refused) = &self.refused {
            return Err(refused.clone());
        }
        let request = ::reqwest::Request::try_from(request)
            .map_err(|e| TransportError::new(TransportErrorKind::Request, describe(&e)))?;
        exchange(request, |r| self.client.execute(r)).await
    }

    async fn send_wire(
        &self,
        request: &crate::WireRequest,
    ) -> Result<http::Response<Bytes>, TransportError> {
        if let Some(refused) = &self.refused {
            return Err(refused.clone());
        }
        exchange(wire_to_reqwest(request)?, |r| self.client.execute(r)).await
    }
}

/// One exchange as browsers make it: `send` once, once more when a
/// kept-alive connection was closed under the request, and the response
/// refused when it is not the request URL's (a redirect was followed below
/// the browser).
pub(crate) async fn exchange<F, Fut, E>(
    request: ::reqwest::Request,
    send: F,
) -> Result<http::Response<Bytes>, TransportError>
where
    F: Fn(::reqwest::Request) -> Fut,
    Fut: Future<Output = Result<::reqwest::Response, E>>,
    E: std::error::Error + 'static,
{
    let url = request.url().clone();
    let again = request.try_clone();
    let response = match send(request).await {
        Ok(response) => response,
        Err(e) => match again {
            Some(again) if closed_before_response(&e) => send(again)
                .await
                .map_err(|e| TransportError::new(TransportErrorKind::Connection, describe(&e)))?,
            _ => {
                return Err(TransportError::new(
                    TransportErrorKind::Connection,
                    describe(&e),
                ));
            }
        },
    };
    if response.url() != &url {
        return Err(TransportError::follows_redirects(
            "reqwest::Client",
            url.as_str(),
            response.url().as_str(),
        ));
    }
    into_http(response).await
}

/// Whether the exchange failed because the connection closed or was reset
/// after the request went out and before any response head came: the
/// stale keep-alive connection browsers resend on. A failure to connect is
/// not one.
fn closed_before_response(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut source = Some(e);
    let mut closed = false;
    while let Some(s) = source {
        if let Some(r) = s.downcast_ref::<::reqwest::Error>() {
            if r.is_connect() || r.is_timeout() || r.is_body() || r.is_decode() {
                return false;
            }
        }
        if let Some(h) = s.downcast_ref::<hyper::Error>() {
            if h.is_incomplete_message() {
                closed = true;
            }
            if h.is_timeout() || h.is_parse() {
                return false;
            }
        }
        if let Some(io) = s.downcast_ref::<std::io::Error>() {
            use std::io::ErrorKind::*;
            if matches!(
                io.kind(),
                ConnectionReset | ConnectionAborted | BrokenPipe | UnexpectedEof
            ) {
                closed = true;
            }
        }
        source = s.source();
    }
    closed
}

/// A request of the machine as a `reqwest::Request`, built from its parsed
/// URL: reqwest needs a `Url`, and parsing one again from an `http::Uri`
/// costs more than the rest of the conversion.
pub(crate) fn wire_to_reqwest(
    request: &crate::WireRequest,
) -> Result<::reqwest::Request, TransportError> {
    let mut out = ::reqwest::Request::new(request.method.clone(), request.url_to_send());
    *out.headers_mut() = request
        .headers
        .to_header_map()
        .map_err(|e| TransportError::new(TransportErrorKind::Request, e.to_string()))?;
    *out.body_mut() = Some(request.body.clone().unwrap_or_default().into());
    Ok(out)
}

/// A whole `reqwest::Response` as an `http::Response<Bytes>`.
pub(crate) async fn into_http(
    mut response: ::reqwest::Response,
) -> Result<http::Response<Bytes>, TransportError> {
    let mut builder = http::Response::builder()
        .status(response.status())
        .version(response.version());
    if let Some(headers) = builder.headers_mut() {
        *headers = std::mem::take(response.headers_mut());
    }
    let body = response
        .bytes()
        .await
        .map_err(|e| TransportError::new(TransportErrorKind::Connection, describe(&e)))?;
    builder
        .body(body)
        .map_err(|e| TransportError::new(TransportErrorKind::Other, e.to_string()))
}

/// The error with its causes (reqwest's top-level message alone says little).
pub(crate) fn describe(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}
