//! The rules of one redirect hop: [HTTP-redirect fetch](https://fetch.spec.whatwg.org/#http-redirect-fetch).

use http::header::LOCATION;
use http::{HeaderMap, Method, StatusCode};
use url::Url;

use crate::headers::HeaderList;

/// At most this many redirects are followed; the next one is a network error.
pub const MAX_REDIRECTS: u32 = 20;

/// A [redirect status](https://fetch.spec.whatwg.org/#redirect-status): 301, 302, 303, 307 or 308.
///
/// ```
/// use browser_cors::redirect::is_redirect_status;
/// assert!(is_redirect_status(http::StatusCode::SEE_OTHER));
/// assert!(!is_redirect_status(http::StatusCode::NOT_MODIFIED));
/// ```
pub fn is_redirect_status(status: StatusCode) -> bool {
    matches!(status.as_u16(), 301 | 302 | 303 | 307 | 308)
}

/// The [location URL](https://fetch.spec.whatwg.org/#concept-response-location-url)
/// of a response: `None` without a `Location` header (the response is then
/// returned as it is), `Some(Err(value))` when it does not parse. A location
/// without a fragment inherits the current URL's.
///
/// ```
/// use browser_cors::redirect::location_url;
/// let mut h = http::HeaderMap::new();
/// h.insert("location", "/t?q=1".parse().unwrap());
/// let base = url::Url::parse("http://b.test/r#top").unwrap();
/// assert_eq!(location_url(&h, &base).unwrap().unwrap().as_str(), "http://b.test/t?q=1#top");
/// ```
pub fn location_url(headers: &HeaderMap, current: &Url) -> Option<Result<Url, String>> {
    let mut values = headers.get_all(LOCATION).iter();
    let first = values.next()?;
    let raw =
        String::from_utf8_lossy(crate::headers::trim_tab_space(first.as_bytes())).into_owned();
    if values.next().is_some() {
        return Some(Err(raw));
    }
    Some(match current.join(&raw) {
        Ok(mut url) => {
            if url.fragment().is_none() {
                url.set_fragment(current.fragment());
            }
            Ok(url)
        }
        Err(_) => Err(raw),
    })
}

/// The method after a redirect: `POST` becomes `GET` on 301 and 302, and
/// everything but `HEAD` becomes `GET` on 303 (step 12). `None`: unchanged.
///
/// ```
/// use browser_cors::redirect::rewritten_method;
/// use http::{Method, StatusCode};
/// assert_eq!(rewritten_method(StatusCode::FOUND, &Method::POST), Some(Method::GET));
/// assert_eq!(rewritten_method(StatusCode::SEE_OTHER, &Method::PUT), Some(Method::GET));
/// assert_eq!(rewritten_method(StatusCode::TEMPORARY_REDIRECT, &Method::POST), None);
/// ```
pub fn rewritten_method(status: StatusCode, method: &Method) -> Option<Method> {
    let code = status.as_u16();
    let rewrite = ((code == 301 || code == 302) && *method == Method::POST)
        || (code == 303 && *method != Method::GET && *method != Method::HEAD);
    rewrite.then_some(Method::GET)
}

/// [Request-body-header names](https://fetch.spec.whatwg.org/#request-body-header-name),
/// removed when a redirect drops the body.
pub const REQUEST_BODY_HEADERS: [&str; 4] = [
    "content-encoding",
    "content-language",
    "content-location",
    "content-type",
];

/// Removes the request-body headers from a header list.
pub(crate) fn drop_body_headers(headers: &mut HeaderList) {
    for name in REQUEST_BODY_HEADERS {
        headers.remove(name);
    }
}

/// Whether a URL carries a username or password.
pub(crate) fn has_credentials(url: &Url) -> bool {
    !url.username().is_empty() || url.password().is_some()
}
