//! Why a `fetch()` failed, in the browser's own words.
//!
//! [`CorsError`] has one variant per reason a browser gives (Chromium's
//! `network::mojom::CorsError` list, plus the `TypeError`s `fetch()` throws
//! before sending anything). A [`NetworkError`] adds where it happened, and
//! its `Display` prints the sentence the chosen engine's console prints.

use std::fmt;

use url::Url;

use crate::corp::CorpBlock;
use crate::local_network::{AddressSpace, LocalNetworkBlock};
use crate::profile::Engine;

pub use crate::input::InputError;

/// Where in the fetch a refusal happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Stage {
    /// `fetch()` refused its arguments; nothing was sent.
    Request,
    /// The CORS preflight (`OPTIONS`) failed; the actual request was not sent.
    Preflight,
    /// A redirect response was refused; the target was not requested.
    Redirect,
    /// The final response was refused; the request did reach the server.
    Response,
    /// The transport failed (connection refused, DNS, ...).
    Network,
}

impl Stage {
    /// The stage's name (`request`, `preflight`, `redirect`, `response`, `network`).
    ///
    /// ```
    /// assert_eq!(browser_cors::Stage::Preflight.as_str(), "preflight");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Request => "request",
            Stage::Preflight => "preflight",
            Stage::Redirect => "redirect",
            Stage::Response => "response",
            Stage::Network => "network",
        }
    }
}

/// The reason a browser gives for a failed `fetch()`.
///
/// `Display` is the reason's code and a plain sentence (engine-neutral);
/// [`NetworkError`]'s `Display` is the engine's own console line.
///
/// ```
/// let e = browser_cors::CorsError::HeaderDisallowedByPreflightResponse { header: "x-token".into() };
/// assert_eq!(e.to_string(), "HeaderDisallowedByPreflightResponse: the preflight response's Access-Control-Allow-Headers does not list x-token");
/// let boxed: Box<dyn std::error::Error> = Box::new(e);
/// # let _ = boxed;
/// ```
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, thiserror::Error)]
#[serde(tag = "code", rename_all = "PascalCase")]
#[non_exhaustive]
pub enum CorsError {
    /// `fetch()` refuses `CONNECT`, `TRACE` and `TRACK`.
    #[error(
        "ForbiddenMethod: fetch() refuses the method {method} (CONNECT, TRACE and TRACK are forbidden)"
    )]
    ForbiddenMethod {
        /// The method as given.
        method: String,
    },
    /// The method is not an HTTP token.
    #[error("InvalidMethod: {method:?} is not an HTTP method (not a token)")]
    InvalidMethod {
        /// The method as given.
        method: String,
    },
    /// A `GET` or `HEAD` request was given a body.
    #[error("BodyNotAllowed: a {method} request cannot have a body")]
    BodyNotAllowed {
        /// The method.
        method: String,
    },
    /// The URL has a username or password.
    #[error("UrlHasCredentials: the URL has a username or password; fetch() refuses it")]
    UrlHasCredentials,
    /// A header name that is not a token, or a value with NUL, CR or LF.
    #[error(
        "InvalidHeader: the header {name:?} has a name that is not a token or a value with NUL, CR or LF"
    )]
    InvalidHeader {
        /// The header's name as given.
        name: String,
    },
    /// `no-cors` allows only `GET`, `HEAD` and `POST`.
    #[error("UnsupportedInNoCors: mode \"no-cors\" allows only GET, HEAD and POST, not {method}")]
    UnsupportedInNoCors {
        /// The method.
        method: String,
    },
    /// `no-cors` requires `redirect: "follow"`.
    #[error("NoCorsRedirectMode: mode \"no-cors\" requires redirect: \"follow\"")]
    NoCorsRedirectMode,
    /// A `same-origin` request left the page's origin.
    #[error("DisallowedByMode: a mode \"same-origin\" request went to another origin")]
    DisallowedByMode,
    /// A CORS request to a scheme other than HTTP(S).
    #[error("CorsDisabledScheme: CORS requests are only for http and https, not {scheme}:")]
    CorsDisabledScheme {
        /// The scheme.
        scheme: String,
    },
    /// No `Access-Control-Allow-Origin` header.
    #[error("MissingAllowOriginHeader: the response has no Access-Control-Allow-Origin header")]
    MissingAllowOriginHeader,
    /// Several values (several lines, or a comma or space in one).
    #[error(
        "MultipleAllowOriginValues: Access-Control-Allow-Origin holds several values ({value:?}); it must hold one"
    )]
    MultipleAllowOriginValues {
        /// The combined value.
        value: String,
    },
    /// A value that is not an origin.
    #[error(
        "InvalidAllowOriginValue: Access-Control-Allow-Origin holds {value:?}, which is not an origin"
    )]
    InvalidAllowOriginValue {
        /// The value.
        value: String,
    },
    /// A value that is not the request's origin.
    #[error(
        "AllowOriginMismatch: Access-Control-Allow-Origin is {value:?}, not the request's origin"
    )]
    AllowOriginMismatch {
        /// The value.
        value: String,
    },
    /// `*` with credentials included.
    #[error(
        "WildcardOriginNotAllowed: Access-Control-Allow-Origin is '*', which does not allow a request with credentials"
    )]
    WildcardOriginNotAllowed,
    /// `Access-Control-Allow-Credentials` is not exactly `true`.
    #[error(
        "InvalidAllowCredentials: Access-Control-Allow-Credentials is {value:?}; a request with credentials needs exactly \"true\""
    )]
    InvalidAllowCredentials {
        /// The value (empty when absent).
        value: String,
    },
    /// The preflight's status is not 2xx.
    #[error("PreflightInvalidStatus: the preflight response's status is not 2xx")]
    PreflightInvalidStatus,
    /// The preflight was answered with a redirect.
    #[error("PreflightDisallowedRedirect: the preflight was answered with a redirect")]
    PreflightDisallowedRedirect,
    /// `Access-Control-Allow-Methods` is not a token list.
    #[error(
        "InvalidAllowMethodsPreflightResponse: Access-Control-Allow-Methods ({value:?}) is not a list of tokens"
    )]
    InvalidAllowMethodsPreflightResponse {
        /// The value.
        value: String,
    },
    /// `Access-Control-Allow-Headers` is not a token list.
    #[error(
        "InvalidAllowHeadersPreflightResponse: Access-Control-Allow-Headers ({value:?}) is not a list of tokens"
    )]
    InvalidAllowHeadersPreflightResponse {
        /// The value.
        value: String,
    },
    /// The method is not in `Access-Control-Allow-Methods`.
    #[error(
        "MethodDisallowedByPreflightResponse: the preflight response's Access-Control-Allow-Methods does not list {method}"
    )]
    MethodDisallowedByPreflightResponse {
        /// The method.
        method: String,
    },
    /// A header is not in `Access-Control-Allow-Headers`.
    #[error(
        "HeaderDisallowedByPreflightResponse: the preflight response's Access-Control-Allow-Headers does not list {header}"
    )]
    HeaderDisallowedByPreflightResponse {
        /// The header name (lowercase).
        header: String,
    },
    /// A redirect to a URL with a username or password.
    #[error("RedirectContainsCredentials: the redirect to {location:?} has a username or password")]
    RedirectContainsCredentials {
        /// The redirect target.
        location: String,
    },
    /// A redirect when `redirect: "error"`.
    #[error(
        "RedirectDisallowedByMode: the response is a redirect and the request's redirect mode is \"error\""
    )]
    RedirectDisallowedByMode,
    /// More than 20 redirects.
    #[error("TooManyRedirects: more than 20 redirects")]
    TooManyRedirects,
    /// A `Location` that does not parse as a URL.
    #[error("InvalidRedirectLocation: the redirect's Location {location:?} is not a URL")]
    InvalidRedirectLocation {
        /// The header value.
        location: String,
    },
    /// The transport failed.
    #[error("Network: the transport failed: {detail}")]
    Network {
        /// What the transport said.
        detail: String,
    },
    /// A secure page's request to an insecure `http:` URL
    /// ([mixed content](https://w3c.github.io/webappsec-mixed-content/)); nothing was sent.
    #[error("MixedContent: a secure page may not fetch an insecure http: URL; nothing was sent")]
    MixedContent,
    /// [Local Network Access](https://wicg.github.io/local-network-access/):
    /// a public page reaching a more private address space without the
    /// permission; nothing was sent to that address.
    #[error("LocalNetworkAccess: a request to the {} address space was blocked ({}); nothing was sent", target.as_str(), block.describe())]
    LocalNetworkAccess {
        /// Why: denied, insecure page, or a prompt nobody answers.
        block: LocalNetworkBlock,
        /// The target's address space.
        target: AddressSpace,
    },
    /// The response's `Cross-Origin-Resource-Policy` (or the page's
    /// `Cross-Origin-Embedder-Policy`) forbids this page to load it.
    #[error("ResourcePolicy: the response's Cross-Origin-Resource-Policy forbids this page to read it ({})", block.describe())]
    ResourcePolicy {
        /// Which rule.
        block: CorpBlock,
    },
}

impl CorsError {
    /// The reason's name, as in Chromium's `CorsError` (`MissingAllowOriginHeader`).
    ///
    /// ```
    /// assert_eq!(browser_cors::CorsError::TooManyRedirects.code(), "TooManyRedirects");
    /// ```
    pub fn code(&self) -> &'static str {
        // The name is the variant's own (`stringify!`), as serde's tag is
        // (`rename_all = "PascalCase"` keeps a PascalCase name): no name is
        // spelt twice, and a new variant missing here fails to compile.
        macro_rules! codes {
            ($($variant:ident),* $(,)?) => {
                match self {
                    $(CorsError::$variant { .. } => stringify!($variant),)*
                }
            };
        }
        codes!(
            ForbiddenMethod,
            InvalidMethod,
            BodyNotAllowed,
            UrlHasCredentials,
            InvalidHeader,
            UnsupportedInNoCors,
            NoCorsRedirectMode,
            DisallowedByMode,
            CorsDisabledScheme,
            MissingAllowOriginHeader,
            MultipleAllowOriginValues,
            InvalidAllowOriginValue,
            AllowOriginMismatch,
            WildcardOriginNotAllowed,
            InvalidAllowCredentials,
            PreflightInvalidStatus,
            PreflightDisallowedRedirect,
            InvalidAllowMethodsPreflightResponse,
            InvalidAllowHeadersPreflightResponse,
            MethodDisallowedByPreflightResponse,
            HeaderDisallowedByPreflightResponse,
            RedirectContainsCredentials,
            RedirectDisallowedByMode,
            TooManyRedirects,
            InvalidRedirectLocation,
            Network,
            MixedContent,
            LocalNetworkAccess,
            ResourcePolicy,
        )
    }

    /// Whether this is a CORS-protocol refusal (the server's headers are
    /// wrong), as opposed to a `fetch()` argument error, a redirect rule or a
    /// transport failure.
    ///
    /// ```
    /// use browser_cors::CorsError;
    /// assert!(CorsError::MissingAllowOriginHeader.is_cors_protocol());
    /// assert!(!CorsError::TooManyRedirects.is_cors_protocol());
    /// ```
    pub fn is_cors_protocol(&self) -> bool {
        matches!(
            self,
            CorsError::MissingAllowOriginHeader
                | CorsError::MultipleAllowOriginValues { .. }
                | CorsError::InvalidAllowOriginValue { .. }
                | CorsError::AllowOriginMismatch { .. }
                | CorsError::WildcardOriginNotAllowed
                | CorsError::InvalidAllowCredentials { .. }
                | CorsError::PreflightInvalidStatus
                | CorsError::PreflightDisallowedRedirect
                | CorsError::InvalidAllowMethodsPreflightResponse { .. }
                | CorsError::InvalidAllowHeadersPreflightResponse { .. }
                | CorsError::MethodDisallowedByPreflightResponse { .. }
                | CorsError::HeaderDisallowedByPreflightResponse { .. }
                | CorsError::RedirectContainsCredentials { .. }
                | CorsError::CorsDisabledScheme { .. }
                | CorsError::DisallowedByMode
        )
    }
}

/// A failed `fetch()`: the reason, where it happened, and what the console says.
///
/// ```
/// use browser_cors::{CorsError, Engine, NetworkError, Stage};
/// let e = NetworkError {
///     reason: CorsError::MissingAllowOriginHeader,
///     stage: Stage::Response,
///     url: url::Url::parse("https://api.test/r").unwrap(),
///     initial_url: url::Url::parse("https://api.test/r").unwrap(),
///     origin: "https://app.test".into(),
///     status: Some(200),
///     engine: Engine::Chromium,
///     method: http::Method::GET,
/// };
/// assert_eq!(e.to_string(), "Access to fetch at 'https://api.test/r' from origin 'https://app.test' \
///     has been blocked by CORS policy: No 'Access-Control-Allow-Origin' header is present on the requested resource.");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct NetworkError {
    /// Why.
    pub reason: CorsError,
    /// Where.
    pub stage: Stage,
    /// The URL whose response (or request) failed.
    #[serde(serialize_with = "ser_url")]
    pub url: Url,
    /// The URL `fetch()` was called with.
    #[serde(serialize_with = "ser_url")]
    pub initial_url: Url,
    /// The page's origin, serialized.
    pub origin: String,
    /// The status of the refused response, when there was one.
    pub status: Option<u16>,
    /// Whose words [`NetworkError::console_message`] uses.
    pub engine: Engine,
    /// The method of the request that failed: `OPTIONS` when it was the
    /// preflight, the method of the last hop after a redirect.
    #[serde(serialize_with = "ser_method")]
    pub method: http::Method,
}

fn ser_method<S: serde::Serializer>(method: &http::Method, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(method.as_str())
}

fn ser_url<S: serde::Serializer>(url: &Url, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(url.as_str())
}

impl std::error::Error for NetworkError {}

impl fmt::Display for NetworkError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.console_message())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(reason: CorsError, stage: Stage, engine: Engine) -> NetworkError {
        NetworkError {
            reason,
            stage,
            url: Url::parse("https://api.test/b").unwrap(),
            initial_url: Url::parse("https://api.test/a").unwrap(),
            origin: "https://app.test".into(),
            status: Some(204),
            engine,
            method: http::Method::GET,
        }
    }

    #[test]
    fn code_is_the_serialized_tag() {
        for (reason, code) in [
            (CorsError::TooManyRedirects, "TooManyRedirects"),
            (CorsError::MixedContent, "MixedContent"),
            (
                CorsError::HeaderDisallowedByPreflightResponse {
                    header: "x-a".into(),
                },
                "HeaderDisallowedByPreflightResponse",
            ),
            (
                CorsError::Network {
                    detail: "reset".into(),
                },
                "Network",
            ),
        ] {
            assert_eq!(reason.code(), code);
            assert!(
                reason.to_string().starts_with(&format!("{code}: ")),
                "{reason}"
            );
            let json = serde_json::to_value(&reason).unwrap();
            assert_eq!(json["code"], code, "{json}");
        }
    }

    #[test]
    fn chromium_prefixes_preflight_failures_and_redirects() {
        let e = err(
            CorsError::PreflightInvalidStatus,
            Stage::Preflight,
            Engine::Chromium,
        );
        assert_eq!(
            e.to_string(),
            "Access to fetch at 'https://api.test/b' (redirected from 'https://api.test/a') from origin 'https://app.test' has been blocked by CORS policy: Response to preflight request doesn't pass access control check: It does not have HTTP ok status."
        );
        let e = err(
            CorsError::HeaderDisallowedByPreflightResponse {
                header: "x-token".into(),
            },
            Stage::Preflight,
            Engine::Chromium,
        );
        assert!(e.to_string().ends_with("blocked by CORS policy: Request header field x-token is not allowed by Access-Control-Allow-Headers in preflight response."));
    }

    #[test]
    fn firefox_and_webkit_sentences() {
        let e = err(
            CorsError::MissingAllowOriginHeader,
            Stage::Response,
            Engine::Firefox,
        );
        assert_eq!(
            e.to_string(),
            "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at https://api.test/b. (Reason: CORS header ‘Access-Control-Allow-Origin’ missing). Status code: 204."
        );
        let e = err(
            CorsError::MissingAllowOriginHeader,
            Stage::Response,
            Engine::WebKit,
        );
        assert_eq!(
            e.to_string(),
            "Origin https://app.test is not allowed by Access-Control-Allow-Origin. Status code: 204\nFetch API cannot load https://api.test/b due to access control checks."
        );
        let e = err(
            CorsError::InvalidAllowMethodsPreflightResponse {
                value: "GET, PUT;".into(),
            },
            Stage::Preflight,
            Engine::Firefox,
        );
        assert!(e.to_string().contains("invalid token ‘PUT;’"));
    }

    #[test]
    fn chromium_network_lines_name_the_failing_request() {
        let mut e = err(
            CorsError::Network {
                detail: "connection refused".into(),
            },
            Stage::Preflight,
            Engine::Chromium,
        );
        e.method = http::Method::OPTIONS;
        assert_eq!(
            e.to_string(),
            "OPTIONS https://api.test/b net::ERR_FAILED (connection refused)"
        );
        e.method = http::Method::PUT;
        e.reason = CorsError::TooManyRedirects;
        assert_eq!(
            e.to_string(),
            "PUT https://api.test/b net::ERR_TOO_MANY_REDIRECTS"
        );
    }
}
