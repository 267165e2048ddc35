//! A [`Transport`] for any cloneable `tower::Service<http::Request<Full<Bytes>>>`:
//! test an axum `Router` (or any tower app) in-process, without a socket,
//! exactly as the browser would see it over the network.
//!
//! The service gets each wire request (preflights and every redirect hop)
//! with an absolute URI (without userinfo) and a `Host` header, as a server
//! behind a real socket would; the response body is collected to bytes.
//!
//! ```
//! use browser_cors::client::{Browser, tower::TowerTransport};
//! use browser_cors::Request;
//! use bytes::Bytes;
//! use http_body_util::Full;
//!
//! // A tower service that answers with no CORS header at all.
//! let app = tower::service_fn(|_req: http::Request<Full<Bytes>>| async {
//!     Ok::<_, std::convert::Infallible>(http::Response::new(Full::new(Bytes::from("secret"))))
//! });
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! let browser = Browser::new(TowerTransport::new(app), "https://app.example").unwrap();
//! let fetched = browser.fetch(Request::get("https://api.example/".parse().unwrap())).await;
//! fetched.assert_blocked("MissingAllowOriginHeader");
//! assert_eq!(fetched.exchanges.len(), 1); // the request did reach the server
//! # });
//! ```

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use tower::ServiceExt;

use super::{Transport, TransportError, TransportErrorKind};

/// A tower service as a transport. The service is cloned for each request
/// (tower's `oneshot`), so it must be `Clone` (an axum `Router` is).
///
/// The response body is collected whole: a body that never ends keeps the
/// fetch waiting, as it would keep a browser waiting. Wrap the service in a
/// timeout (`tower::timeout`) if the app may stream without end.
#[derive(Debug, Clone)]
pub struct TowerTransport<S> {
    service: S,
}

impl<S> TowerTransport<S> {
    /// Wraps `service`.
    pub fn new(service: S) -> TowerTransport<S> {
        TowerTransport { service }
    }

    /// The wrapped service.
    pub fn service(&self) -> &S {
        &self.service
    }
}

impl<S, B> Transport for TowerTransport<S>
where
    S: tower::Service<http::Request<Full<Bytes>>, Response = http::Response<B>>
        + Clone
        + Send
        + Sync,
    S::Future: Send,
    S::Error: std::fmt::Display,
    B: http_body::Body + Send,
    B::Data: Send,
    B::Error: std::fmt::Display,
{
    async fn send(
        &self,
        request: http::Request<Bytes>,
    ) -> Result<http::Response<Bytes>, TransportError> {
        let (mut parts, body) = request.into_parts();
        // What a server behind a socket sees: no userinfo in the target, and
        // a Host header with the host and port.
        let authority = parts.uri.authority().map(|a| {
            let text = a.as_str();
            text.rsplit_once('@')
                .map_or(text, |(_, host)| host)
                .to_owned()
        });
        if let Some(authority) = authority {
            let mut uri = http::uri::Parts::from(parts.uri.clone());
            if let Ok(clean) = http::uri::Authority::try_from(authority.as_str()) {
                uri.authority = Some(clean);
            }
            if let Ok(uri) = http::Uri::from_parts(uri) {
                parts.uri = uri;
            }
            if !parts.headers.contains_key(http::header::HOST) {
                if let Ok(value) = http::HeaderValue::from_str(&authority) {
                    parts.headers.insert(http::header::HOST, value);
                }
            }
        }
        let request = http::Request::from_parts(parts, Full::new(body));
        let response = self.service.clone().oneshot(request).await.map_err(|e| {
            TransportError::new(
                TransportErrorKind::Service,
                format!("the service failed: {e}"),
            )
        })?;
        let (parts, body) = response.into_parts();
        let body = body
            .collect()
            .await
            .map_err(|e| {
                TransportError::new(
                    TransportErrorKind::Service,
                    format!("reading the response body failed: {e}"),
                )
            })?
            .to_bytes();
        Ok(http::Response::from_parts(parts, body))
    }
}
