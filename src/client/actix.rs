//! A [`LocalTransport`] for an actix-web app in-process: the service that
//! `actix_web::test::init_service` builds, without a socket, exactly as the
//! browser would see it over the network.
//!
//! Actix services are not `Send` (they live on one thread of an actix
//! `System`), so this is a [`LocalTransport`]: drive the browser with
//! [`Browser::fetch_local`](super::Browser::fetch_local) on that thread
//! (`actix_web::rt::System::new().block_on(..)`, `#[actix_web::test]`, or a
//! tokio `LocalSet`).
//!
//! The app gets each wire request (preflights and every redirect hop) with
//! an absolute URI (without userinfo) and a `Host` header, as a server
//! behind a real socket would. An error the app returns becomes the
//! response actix-web would write for it (`ResponseError::error_response`),
//! as a real server does; the response body is collected to bytes.
//!
//! ```
//! use actix_web::{App, HttpResponse, web};
//! use browser_cors::client::{Browser, actix::ActixTransport};
//! use browser_cors::Request;
//!
//! actix_web::rt::System::new().block_on(async {
//!     // An app that answers with no CORS header at all.
//!     let app = actix_web::test::init_service(
//!         App::new().route("/", web::get().to(|| async { HttpResponse::Ok().body("secret") })),
//!     )
//!     .await;
//!     let browser = Browser::new(ActixTransport::new(app), "https://app.example").unwrap();
//!     let fetched = browser.fetch_local(Request::get("https://api.example/".parse().unwrap())).await;
//!     fetched.assert_blocked("MissingAllowOriginHeader");
//!     assert_eq!(fetched.exchanges.len(), 1); // the request did reach the app
//! });
//! ```

use std::rc::Rc;

use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use bytes::Bytes;

use super::{LocalTransport, TransportError, TransportErrorKind};

/// An actix-web service as a transport. Cheap to clone (the service is
/// shared), so one app can serve many browsers.
pub struct ActixTransport<S> {
    service: Rc<S>,
}

impl<S> Clone for ActixTransport<S> {
    fn clone(&self) -> Self {
        ActixTransport {
            service: Rc::clone(&self.service),
        }
    }
}

impl<S> std::fmt::Debug for ActixTransport<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ActixTransport").finish_non_exhaustive()
    }
}

impl<S> ActixTransport<S> {
    /// Wraps a service (what `actix_web::test::init_service` returns; the
    /// module documentation has the whole example).
    ///
    /// ```
    /// use browser_cors::client::actix::ActixTransport;
    /// actix_web::rt::System::new().block_on(async {
    ///     let app = actix_web::test::init_service(actix_web::App::new()).await;
    ///     let transport = ActixTransport::new(app);
    ///     let _same_app = transport.clone();
    /// });
    /// ```
    pub fn new(service: S) -> ActixTransport<S> {
        ActixTransport {
            service: Rc::new(service),
        }
    }

    /// The wrapped service.
    pub fn service(&self) -> &S {
        &self.service
    }
}

fn request_error(what: &str, e: impl std::fmt::Display) -> TransportError {
    TransportError::new(
        TransportErrorKind::Request,
        format!("actix cannot carry the request's {what}: {e}"),
    )
}

/// The request as actix-web's test request (actix-web 4 speaks `http` 0.2:
/// everything is converted through bytes, each part checked first, so the
/// test builder's own panics cannot happen).
fn to_actix(request: http::Request<Bytes>) -> Result<actix_http::Request, TransportError> {
    use actix_web::http::header::{HeaderName, HeaderValue};
    let (parts, body) = request.into_parts();
    let method = actix_web::http::Method::from_bytes(parts.method.as_str().as_bytes())
        .map_err(|e| request_error("method", e))?;
    // What a server behind a socket sees: no userinfo in the target.
    let authority = parts.uri.authority().map(|a| {
        let text = a.as_str();
        text.rsplit_once('@')
            .map_or(text, |(_, host)| host)
            .to_owned()
    });
    let uri = match (&authority, parts.uri.scheme_str()) {
        (Some(host), Some(scheme)) => format!(
            "{scheme}://{host}{}",
            parts.uri.path_and_query().map_or("/", |p| p.as_str())
        ),
        _ => parts.uri.to_string(),
    };
    actix_web::http::Uri::try_from(uri.as_str()).map_err(|e| request_error("URI", e))?;
    let mut test = actix_web::test::TestRequest::default()
        .method(method)
        .uri(&uri);
    let mut has_host = false;
    for (name, value) in &parts.headers {
        has_host |= name == http::header::HOST;
        let name = HeaderName::from_bytes(name.as_str().as_bytes())
            .map_err(|e| request_error("header name", e))?;
        let value = HeaderValue::from_bytes(value.as_bytes())
            .map_err(|e| request_error("header value", e))?;
        test = test.append_header((name, value));
    }
    if let (false, Some(host)) = (has_host, &authority) {
        let value = HeaderValue::from_str(host).map_err(|e| request_error("host", e))?;
        test = test.insert_header((actix_web::http::header::HOST, value));
    }
    if !body.is_empty() {
        test = test.set_payload(body);
    }
    Ok(test.to_request())
}

impl<S, B> LocalTransport for ActixTransport<S>
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody + 'static,
{
    async fn send_local(
        &self,
        request: http::Request<Bytes>,
    ) -> Result<http::Response<Bytes>, TransportError> {
        let request = to_actix(request)?;
        let response = match self.service.call(request).await {
            Ok(response) => response.map_into_boxed_body().into_parts().1,
            // What actix-web writes for an error a handler returns.
            Err(e) => e.error_response(),
        };
        let mut out = http::Response::builder().status(response.status().as_u16());
        for (name, value) in response.headers() {
            out = out.header(name.as_str(), value.as_bytes());
        }
        let body = actix_web::body::to_bytes(response.into_body())
            .await
            .map_err(|e| {
                TransportError::new(
                    TransportErrorKind::Service,
                    format!("reading the response body failed: {e}"),
                )
            })?;
        out.body(body).map_err(|e| {
            TransportError::new(
                TransportErrorKind::Service,
                format!("the app's response cannot be carried: {e}"),
            )
        })
    }
}
