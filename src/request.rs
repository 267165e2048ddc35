//! The arguments of one `fetch()` call: [Fetch § requests](https://fetch.spec.whatwg.org/#requests).

use std::borrow::Cow;

use bytes::Bytes;
use url::Url;

use crate::input::InputError;

macro_rules! keyword_enum {
    ($(#[$meta:meta])* $name:ident, $what:literal, $expected:literal, { $($(#[$vmeta:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize)]
        #[non_exhaustive]
        pub enum $name {
            $($(#[$vmeta])* #[serde(rename = $text)] $variant),+
        }

        impl $name {
            /// The keyword as script writes it.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = InputError;
            fn from_str(s: &str) -> Result<Self, InputError> {
                match s {
                    $($text => Ok($name::$variant),)+
                    _ => Err(InputError::Keyword { what: $what, input: s.to_owned(), expected: $expected }),
                }
            }
        }
    };
}

keyword_enum!(
    /// A request's [mode](https://fetch.spec.whatwg.org/#concept-request-mode).
    ///
    /// ```
    /// assert_eq!("no-cors".parse::<browser_cors::Mode>().unwrap(), browser_cors::Mode::NoCors);
    /// ```
    Mode, "mode", "cors, no-cors, same-origin", {
        /// Cross-origin requests use the CORS protocol (the default of `fetch()`).
        #[default]
        Cors = "cors",
        /// Cross-origin responses are opaque; only simple requests are allowed.
        NoCors = "no-cors",
        /// Cross-origin requests fail.
        SameOrigin = "same-origin",
    }
);

keyword_enum!(
    /// A request's [credentials mode](https://fetch.spec.whatwg.org/#concept-request-credentials-mode).
    ///
    /// ```
    /// assert_eq!(browser_cors::CredentialsMode::default().as_str(), "same-origin");
    /// ```
    CredentialsMode, "credentials", "omit, same-origin, include", {
        /// Never send cookies or HTTP authentication.
        Omit = "omit",
        /// Send them to the page's own origin only (the default).
        #[default]
        SameOrigin = "same-origin",
        /// Always send them; the server must then allow credentials.
        Include = "include",
    }
);

keyword_enum!(
    /// A request's [redirect mode](https://fetch.spec.whatwg.org/#concept-request-redirect-mode).
    ///
    /// ```
    /// assert!("bogus".parse::<browser_cors::RedirectMode>().is_err());
    /// ```
    RedirectMode, "redirect", "follow, error, manual", {
        /// Follow redirects (the default).
        #[default]
        Follow = "follow",
        /// A redirect is a network error.
        Error = "error",
        /// A redirect is returned as an `opaqueredirect` response.
        Manual = "manual",
    }
);

/// What script passes to `fetch()`: the URL and the `RequestInit` options.
///
/// Nothing is validated here: the browser validates when `fetch()` is called,
/// and so does [`crate::Fetch::new`], which turns a bad argument into the
/// `TypeError` the browser would reject with.
///
/// ```
/// use browser_cors::{Request, CredentialsMode};
/// let req = Request::get("https://api.example/items".parse().unwrap())
///     .method("PUT")
///     .header("Content-Type", "application/json")
///     .credentials(CredentialsMode::Include)
///     .body("{}");
/// assert_eq!(req.method, "PUT");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// The absolute URL (resolve relative URLs against the page first).
    pub url: Url,
    /// The method as script wrote it (`fetch()` normalizes `put` to `PUT`, not `patch`).
    pub method: Cow<'static, str>,
    /// The headers in the order script set them, values as bytes (a JavaScript
    /// string becomes one byte per code point, as `fetch()` does).
    pub headers: Vec<(String, Vec<u8>)>,
    /// `mode`.
    pub mode: Mode,
    /// `credentials`.
    pub credentials: CredentialsMode,
    /// `redirect`.
    pub redirect: RedirectMode,
    /// A string body (sent with `Content-Type: text/plain;charset=UTF-8`
    /// unless script sets one).
    pub body: Option<Bytes>,
}

impl Request {
    /// A `GET` request with `fetch()`'s defaults.
    ///
    /// ```
    /// let r = browser_cors::Request::get("https://a.test/".parse().unwrap());
    /// assert_eq!(r.mode, browser_cors::Mode::Cors);
    /// ```
    pub fn get(url: Url) -> Request {
        Request {
            url,
            method: Cow::Borrowed("GET"),
            headers: Vec::new(),
            mode: Mode::default(),
            credentials: CredentialsMode::default(),
            redirect: RedirectMode::default(),
            body: None,
        }
    }

    /// Sets the method, as script writes it (any case; `fetch()` checks
    /// and normalizes it).
    ///
    /// ```
    /// let put = browser_cors::Request::get("https://api.test/".parse().unwrap()).method("put");
    /// assert_eq!(put.method, "put");
    /// ```
    pub fn method(mut self, method: impl AsRef<str>) -> Request {
        let method = method.as_ref();
        // The methods scripts use, without an allocation.
        const COMMON: [&str; 7] = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"];
        self.method = match COMMON.iter().find(|m| **m == method) {
            Some(m) => Cow::Borrowed(*m),
            None => Cow::Owned(method.to_owned()),
        };
        self
    }

    /// Appends a header.
    pub fn header(mut self, name: impl Into<String>, value: impl AsRef<[u8]>) -> Request {
        self.headers.push((name.into(), value.as_ref().to_vec()));
        self
    }

    /// Sets the mode.
    pub fn mode(mut self, mode: Mode) -> Request {
        self.mode = mode;
        self
    }

    /// Sets the credentials mode.
    pub fn credentials(mut self, credentials: CredentialsMode) -> Request {
        self.credentials = credentials;
        self
    }

    /// Sets the redirect mode.
    pub fn redirect(mut self, redirect: RedirectMode) -> Request {
        self.redirect = redirect;
        self
    }

    /// Sets a string body.
    pub fn body(mut self, body: impl Into<Bytes>) -> Request {
        self.body = Some(body.into());
        self
    }

    /// Turns a JavaScript string into a header value the way `fetch()` does:
    /// each code point up to U+00FF becomes one byte; anything above is refused.
    ///
    /// ```
    /// use browser_cors::Request;
    /// assert_eq!(Request::byte_string("é").unwrap(), vec![0xe9]);
    /// assert!(Request::byte_string("€").is_err());
    /// ```
    pub fn byte_string(s: &str) -> Result<Vec<u8>, InputError> {
        crate::headers::isomorphic_encode(s).map_err(|c| InputError::HeaderValue {
            name: format!("(value with U+{:04X})", u32::from(c)),
        })
    }

    /// Builds a request from an [`http::Request`]: its method, URI (which must
    /// be absolute), headers and body, with `fetch()`'s default options.
    ///
    /// ```
    /// let http_req = http::Request::put("https://api.test/x")
    ///     .header("x-token", "1")
    ///     .body(bytes::Bytes::from_static(b"hi"))
    ///     .unwrap();
    /// let req = browser_cors::Request::from_http(&http_req).unwrap();
    /// assert_eq!(req.method, "PUT");
    /// assert_eq!(req.headers.len(), 1);
    /// ```
    pub fn from_http(request: &http::Request<Bytes>) -> Result<Request, InputError> {
        let uri = request.uri().to_string();
        let url = Url::parse(&uri).map_err(|e| InputError::Url {
            input: uri,
            reason: e.to_string(),
        })?;
        let body = if request.body().is_empty() && !has_body_method(request.method()) {
            None
        } else {
            Some(request.body().clone())
        };
        Ok(Request {
            method: Cow::Owned(request.method().as_str().to_owned()),
            headers: request
                .headers()
                .iter()
                .map(|(n, v)| (n.as_str().to_owned(), v.as_bytes().to_vec()))
                .collect(),
            body,
            ..Request::get(url)
        })
    }
}

fn has_body_method(m: &http::Method) -> bool {
    !matches!(*m, http::Method::GET | http::Method::HEAD)
}
