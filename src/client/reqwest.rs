//! A [`Transport`] for [`reqwest::Client`].

use bytes::Bytes;

use super::{Transport, TransportError};

/// A `reqwest::Client` that follows no redirect and keeps no cookies: the
/// [`super::Browser`] decides both, as the credentials mode says.
#[derive(Debug, Clone)]
pub struct ReqwestTransport {
    client: ::reqwest::Client,
}

impl ReqwestTransport {
    /// A client built for the browser: no redirects, no cookie store.
    pub fn new() -> Result<ReqwestTransport, TransportError> {
        ::reqwest::Client::builder()
            .redirect(::reqwest::redirect::Policy::none())
            .build()
            .map(|client| ReqwestTransport { client })
            .map_err(|e| TransportError(e.to_string()))
    }

    /// Wraps an existing client. It must have been built with
    /// `redirect(Policy::none())` and without a cookie store, or the browser
    /// cannot see each hop and decide on cookies.
    pub fn from_client(client: ::reqwest::Client) -> ReqwestTransport {
        ReqwestTransport { client }
    }
}

impl Transport for ReqwestTransport {
    async fn send(
        &self,
        request: http::Request<Bytes>,
    ) -> Result<http::Response<Bytes>, TransportError> {
        let request =
            ::reqwest::Request::try_from(request).map_err(|e| TransportError(describe(&e)))?;
        self.execute(request).await
    }

    async fn send_wire(
        &self,
        request: &crate::WireRequest,
    ) -> Result<http::Response<Bytes>, TransportError> {
        self.execute(wire_to_reqwest(request)?).await
    }
}

impl ReqwestTransport {
    /// Sends `request` and reads the whole response.
    async fn execute(
        &self,
        request: ::reqwest::Request,
    ) -> Result<http::Response<Bytes>, TransportError> {
        let response = self
            .client
            .execute(request)
            .await
            .map_err(|e| TransportError(describe(&e)))?;
        into_http(response).await
    }
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
        .map_err(|e| TransportError(e.to_string()))?;
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
        .map_err(|e| TransportError(describe(&e)))?;
    builder
        .body(body)
        .map_err(|e| TransportError(e.to_string()))
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
