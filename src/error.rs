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
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "code", rename_all = "PascalCase")]
#[non_exhaustive]
pub enum CorsError {
    /// `fetch()` refuses `CONNECT`, `TRACE` and `TRACK`.
    ForbiddenMethod {
        /// The method as given.
        method: String,
    },
    /// The method is not an HTTP token.
    InvalidMethod {
        /// The method as given.
        method: String,
    },
    /// A `GET` or `HEAD` request was given a body.
    BodyNotAllowed {
        /// The method.
        method: String,
    },
    /// The URL has a username or password.
    UrlHasCredentials,
    /// A header name that is not a token, or a value with NUL, CR or LF.
    InvalidHeader {
        /// The header's name as given.
        name: String,
    },
    /// `no-cors` allows only `GET`, `HEAD` and `POST`.
    UnsupportedInNoCors {
        /// The method.
        method: String,
    },
    /// `no-cors` requires `redirect: "follow"`.
    NoCorsRedirectMode,
    /// A `same-origin` request left the page's origin.
    DisallowedByMode,
    /// A CORS request to a scheme other than HTTP(S).
    CorsDisabledScheme {
        /// The scheme.
        scheme: String,
    },
    /// No `Access-Control-Allow-Origin` header.
    MissingAllowOriginHeader,
    /// Several values (several lines, or a comma or space in one).
    MultipleAllowOriginValues {
        /// The combined value.
        value: String,
    },
    /// A value that is not an origin.
    InvalidAllowOriginValue {
        /// The value.
        value: String,
    },
    /// A value that is not the request's origin.
    AllowOriginMismatch {
        /// The value.
        value: String,
    },
    /// `*` with credentials included.
    WildcardOriginNotAllowed,
    /// `Access-Control-Allow-Credentials` is not exactly `true`.
    InvalidAllowCredentials {
        /// The value (empty when absent).
        value: String,
    },
    /// The preflight's status is not 2xx.
    PreflightInvalidStatus,
    /// The preflight was answered with a redirect.
    PreflightDisallowedRedirect,
    /// `Access-Control-Allow-Methods` is not a token list.
    InvalidAllowMethodsPreflightResponse {
        /// The value.
        value: String,
    },
    /// `Access-Control-Allow-Headers` is not a token list.
    InvalidAllowHeadersPreflightResponse {
        /// The value.
        value: String,
    },
    /// The method is not in `Access-Control-Allow-Methods`.
    MethodDisallowedByPreflightResponse {
        /// The method.
        method: String,
    },
    /// A header is not in `Access-Control-Allow-Headers`.
    HeaderDisallowedByPreflightResponse {
        /// The header name (lowercase).
        header: String,
    },
    /// A redirect to a URL with a username or password.
    RedirectContainsCredentials {
        /// The redirect target.
        location: String,
    },
    /// A redirect when `redirect: "error"`.
    RedirectDisallowedByMode,
    /// More than 20 redirects.
    TooManyRedirects,
    /// A `Location` that does not parse as a URL.
    InvalidRedirectLocation {
        /// The header value.
        location: String,
    },
    /// The transport failed.
    Network {
        /// What the transport said.
        detail: String,
    },
    /// A secure page's request to an insecure `http:` URL
    /// ([mixed content](https://w3c.github.io/webappsec-mixed-content/)); nothing was sent.
    MixedContent,
    /// [Local Network Access](https://wicg.github.io/local-network-access/):
    /// a public page reaching a more private address space without the
    /// permission; nothing was sent to that address.
    LocalNetworkAccess {
        /// Why: denied, insecure page, or a prompt nobody answers.
        block: LocalNetworkBlock,
        /// The target's address space.
        target: AddressSpace,
    },
    /// The response's `Cross-Origin-Resource-Policy` (or the page's
    /// `Cross-Origin-Embedder-Policy`) forbids this page to load it.
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
        match self {
            CorsError::ForbiddenMethod { .. } => "ForbiddenMethod",
            CorsError::InvalidMethod { .. } => "InvalidMethod",
            CorsError::BodyNotAllowed { .. } => "BodyNotAllowed",
            CorsError::UrlHasCredentials => "UrlHasCredentials",
            CorsError::InvalidHeader { .. } => "InvalidHeader",
            CorsError::UnsupportedInNoCors { .. } => "UnsupportedInNoCors",
            CorsError::NoCorsRedirectMode => "NoCorsRedirectMode",
            CorsError::DisallowedByMode => "DisallowedByMode",
            CorsError::CorsDisabledScheme { .. } => "CorsDisabledScheme",
            CorsError::MissingAllowOriginHeader => "MissingAllowOriginHeader",
            CorsError::MultipleAllowOriginValues { .. } => "MultipleAllowOriginValues",
            CorsError::InvalidAllowOriginValue { .. } => "InvalidAllowOriginValue",
            CorsError::AllowOriginMismatch { .. } => "AllowOriginMismatch",
            CorsError::WildcardOriginNotAllowed => "WildcardOriginNotAllowed",
            CorsError::InvalidAllowCredentials { .. } => "InvalidAllowCredentials",
            CorsError::PreflightInvalidStatus => "PreflightInvalidStatus",
            CorsError::PreflightDisallowedRedirect => "PreflightDisallowedRedirect",
            CorsError::InvalidAllowMethodsPreflightResponse { .. } => {
                "InvalidAllowMethodsPreflightResponse"
            }
            CorsError::InvalidAllowHeadersPreflightResponse { .. } => {
                "InvalidAllowHeadersPreflightResponse"
            }
            CorsError::MethodDisallowedByPreflightResponse { .. } => {
                "MethodDisallowedByPreflightResponse"
            }
            CorsError::HeaderDisallowedByPreflightResponse { .. } => {
                "HeaderDisallowedByPreflightResponse"
            }
            CorsError::RedirectContainsCredentials { .. } => "RedirectContainsCredentials",
            CorsError::RedirectDisallowedByMode => "RedirectDisallowedByMode",
            CorsError::TooManyRedirects => "TooManyRedirects",
            CorsError::InvalidRedirectLocation { .. } => "InvalidRedirectLocation",
            CorsError::Network { .. } => "Network",
            CorsError::MixedContent => "MixedContent",
            CorsError::LocalNetworkAccess { .. } => "LocalNetworkAccess",
            CorsError::ResourcePolicy { .. } => "ResourcePolicy",
        }
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

const NO_CORS_INFO: &str = " Have the server send the header with a valid value.";

impl NetworkError {
    /// The sentence the engine's devtools console prints for this failure.
    pub fn console_message(&self) -> String {
        match self.engine {
            Engine::Chromium => self.chromium_message(),
            Engine::Firefox => self.firefox_message(),
            Engine::WebKit => self.webkit_message(),
        }
    }

    /// The sentence `fetch()` rejects with in script (`TypeError: ...`).
    ///
    /// ```
    /// # use browser_cors::{CorsError, Engine, NetworkError, Stage};
    /// # let u = url::Url::parse("https://api.test/r").unwrap();
    /// # let e = NetworkError { reason: CorsError::TooManyRedirects, stage: Stage::Redirect,
    /// #   url: u.clone(), initial_url: u, origin: "https://app.test".into(), status: None, engine: Engine::Firefox,
    /// #   method: http::Method::GET };
    /// assert_eq!(e.script_message(), "TypeError: NetworkError when attempting to fetch resource.");
    /// ```
    pub fn script_message(&self) -> String {
        let method_msg = |m: &str| match self.engine {
            Engine::Chromium => format!("TypeError: Failed to execute 'fetch' on 'Window': {m}"),
            Engine::Firefox => format!("TypeError: Window.fetch: {m}"),
            Engine::WebKit => format!("TypeError: {m}"),
        };
        match &self.reason {
            CorsError::ForbiddenMethod { method } | CorsError::InvalidMethod { method } => {
                method_msg(&format!("'{method}' HTTP method is unsupported."))
            }
            CorsError::BodyNotAllowed { .. } => {
                method_msg("Request with GET/HEAD method cannot have body.")
            }
            CorsError::UrlHasCredentials => method_msg(&format!(
                "Request cannot be constructed from a URL that includes credentials: {}",
                self.initial_url
            )),
            CorsError::InvalidHeader { name } => {
                method_msg(&format!("Invalid header name or value for '{name}'."))
            }
            CorsError::UnsupportedInNoCors { method } => {
                method_msg(&format!("'{method}' is unsupported in no-cors mode."))
            }
            CorsError::NoCorsRedirectMode => {
                method_msg("no-cors mode requires redirect: 'follow'.")
            }
            _ => match self.engine {
                Engine::Chromium => "TypeError: Failed to fetch".to_owned(),
                Engine::Firefox => {
                    "TypeError: NetworkError when attempting to fetch resource.".to_owned()
                }
                Engine::WebKit => "TypeError: Load failed".to_owned(),
            },
        }
    }

    fn chromium_message(&self) -> String {
        let prefix = || {
            let mut s = format!("Access to fetch at '{}' ", self.url);
            if self.initial_url != self.url {
                s.push_str(&format!("(redirected from '{}') ", self.initial_url));
            }
            s.push_str(&format!(
                "from origin '{}' has been blocked by CORS policy: ",
                self.origin
            ));
            if self.stage == Stage::Preflight
                && !matches!(
                    self.reason,
                    CorsError::InvalidAllowMethodsPreflightResponse { .. }
                        | CorsError::InvalidAllowHeadersPreflightResponse { .. }
                        | CorsError::MethodDisallowedByPreflightResponse { .. }
                        | CorsError::HeaderDisallowedByPreflightResponse { .. }
                )
            {
                s.push_str("Response to preflight request doesn't pass access control check: ");
            }
            s
        };
        let cors = |text: String| format!("{}{text}", prefix());
        match &self.reason {
            CorsError::DisallowedByMode => {
                cors("Cross origin requests are not allowed by request mode.".into())
            }
            CorsError::CorsDisabledScheme { .. } => cors(
                "Cross origin requests are only supported for protocol schemes: chrome, chrome-extension, chrome-untrusted, data, http, https, isolated-app.".into(),
            ),
            CorsError::WildcardOriginNotAllowed => cors("The value of the 'Access-Control-Allow-Origin' header in the response must not be the wildcard '*' when the request's credentials mode is 'include'.".into()),
            CorsError::MissingAllowOriginHeader => cors("No 'Access-Control-Allow-Origin' header is present on the requested resource.".into()),
            CorsError::MultipleAllowOriginValues { value } => cors(format!("The 'Access-Control-Allow-Origin' header contains multiple values '{}', but only one is allowed.{NO_CORS_INFO}", encode_hint(value))),
            CorsError::InvalidAllowOriginValue { value } => cors(format!("The 'Access-Control-Allow-Origin' header contains the invalid value '{}'.{NO_CORS_INFO}", encode_hint(value))),
            CorsError::AllowOriginMismatch { value } => cors(format!("The 'Access-Control-Allow-Origin' header has a value '{}' that is not equal to the supplied origin.{NO_CORS_INFO}", encode_hint(value))),
            CorsError::InvalidAllowCredentials { value } => cors(format!("The value of the 'Access-Control-Allow-Credentials' header in the response is '{}' which must be 'true' when the request's credentials mode is 'include'.", encode_hint(value))),
            CorsError::PreflightInvalidStatus => cors("It does not have HTTP ok status.".into()),
            CorsError::PreflightDisallowedRedirect => cors("Redirect is not allowed for a preflight request.".into()),
            CorsError::InvalidAllowMethodsPreflightResponse { .. } => cors("Cannot parse Access-Control-Allow-Methods response header field in preflight response.".into()),
            CorsError::InvalidAllowHeadersPreflightResponse { .. } => cors("Cannot parse Access-Control-Allow-Headers response header field in preflight response.".into()),
            CorsError::MethodDisallowedByPreflightResponse { method } => cors(format!("Method {} is not allowed by Access-Control-Allow-Methods in preflight response.", encode_hint(method))),
            CorsError::HeaderDisallowedByPreflightResponse { header } => cors(format!("Request header field {} is not allowed by Access-Control-Allow-Headers in preflight response.", encode_hint(header))),
            CorsError::RedirectContainsCredentials { location } => cors(format!("Redirect location '{}' contains a username and password, which is disallowed for cross-origin requests.", encode_hint(location))),
            CorsError::TooManyRedirects => format!("{} {} net::ERR_TOO_MANY_REDIRECTS", self.method, self.url),
            CorsError::RedirectDisallowedByMode => format!("Fetch API cannot load {}. Redirect was blocked because the request's redirect mode is 'error'.", self.initial_url),
            CorsError::InvalidRedirectLocation { location } => format!("{} {} net::ERR_INVALID_REDIRECT (Location: '{}')", self.method, self.url, encode_hint(location)),
            CorsError::Network { detail } => format!("{} {} net::ERR_FAILED ({detail})", self.method, self.url),
            CorsError::MixedContent => format!("Mixed Content: The page at '{}/' was loaded over HTTPS, but requested an insecure resource '{}'. This request has been blocked; the content must be served over HTTPS.", self.origin, self.url),
            CorsError::LocalNetworkAccess { block: LocalNetworkBlock::InsecureContext, target } => cors(format!("The request client is not a secure context and the resource is in more-private address space `{}`.", target.as_str())),
            CorsError::LocalNetworkAccess { target, .. } => cors(format!("Permission was denied for this request to access the `{}` address space.", target.as_str())),
            CorsError::ResourcePolicy { block } => format!("{} {} net::ERR_BLOCKED_BY_RESPONSE.{}", self.method, self.url, match block {
                CorpBlock::NotSameOrigin => "NotSameOrigin",
                CorpBlock::NotSameSite => "NotSameSite",
                CorpBlock::NotSameOriginAfterDefaultedByCoep => "NotSameOriginAfterDefaultedToSameOriginByCoep",
            }),
            _ => self.script_message(),
        }
    }

    fn firefox_message(&self) -> String {
        let blocked = |reason: String| {
            format!(
                "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at {}. (Reason: {reason}).",
                self.url
            )
        };
        let status = self.status.map(|s| s.to_string()).unwrap_or_default();
        match &self.reason {
            CorsError::MissingAllowOriginHeader if self.stage == Stage::Preflight => format!(
                "{} Status code: {status}.",
                blocked("CORS preflight response did not succeed".into())
            ),
            CorsError::PreflightInvalidStatus => format!(
                "{} Status code: {status}.",
                blocked("CORS preflight response did not succeed".into())
            ),
            CorsError::MissingAllowOriginHeader => format!(
                "{} Status code: {status}.",
                blocked("CORS header ‘Access-Control-Allow-Origin’ missing".into())
            ),
            CorsError::MultipleAllowOriginValues { value } if !value.contains(',') => {
                blocked("Multiple CORS header ‘Access-Control-Allow-Origin’ not allowed".into())
            }
            CorsError::MultipleAllowOriginValues { value }
            | CorsError::InvalidAllowOriginValue { value }
            | CorsError::AllowOriginMismatch { value } => blocked(format!(
                "CORS header ‘Access-Control-Allow-Origin’ does not match ‘{value}’"
            )),
            CorsError::WildcardOriginNotAllowed => format!(
                "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at ‘{}’. (Reason: Credential is not supported if the CORS header ‘Access-Control-Allow-Origin’ is ‘*’).",
                self.url
            ),
            CorsError::InvalidAllowCredentials { .. } => {
                blocked("expected ‘true’ in CORS header ‘Access-Control-Allow-Credentials’".into())
            }
            CorsError::PreflightDisallowedRedirect => {
                blocked("CORS request external redirect not allowed".into())
            }
            CorsError::InvalidAllowMethodsPreflightResponse { value } => blocked(format!(
                "invalid token ‘{}’ in CORS header ‘Access-Control-Allow-Methods’",
                first_bad_token(value)
            )),
            CorsError::InvalidAllowHeadersPreflightResponse { value } => blocked(format!(
                "invalid token ‘{}’ in CORS header ‘Access-Control-Allow-Headers’",
                first_bad_token(value)
            )),
            CorsError::MethodDisallowedByPreflightResponse { .. } => {
                blocked("Did not find method in CORS header ‘Access-Control-Allow-Methods’".into())
            }
            CorsError::HeaderDisallowedByPreflightResponse { header } => blocked(format!(
                "header ‘{header}’ is not allowed according to header ‘Access-Control-Allow-Headers’ from CORS preflight response"
            )),
            CorsError::CorsDisabledScheme { .. } => blocked("CORS request not http".into()),
            CorsError::DisallowedByMode
            | CorsError::RedirectContainsCredentials { .. }
            | CorsError::Network { .. } => format!(
                "{} Status code: {status}.",
                blocked("CORS request did not succeed".into())
            ),
            CorsError::MixedContent => {
                format!("Blocked loading mixed active content “{}”", self.url)
            }
            CorsError::LocalNetworkAccess {
                block: LocalNetworkBlock::AwaitingPermission,
                ..
            } => format!(
                "{} is waiting for the user to allow access to the local network (the permission prompt is open; fetch() has not settled).",
                self.origin
            ),
            CorsError::LocalNetworkAccess { target, .. } => blocked(format!(
                "local network access to the {} address space was denied",
                target.as_str()
            )),
            CorsError::ResourcePolicy { .. } => format!(
                "The resource at “{}” was blocked due to its Cross-Origin-Resource-Policy header (or lack thereof). See https://developer.mozilla.org/docs/Web/HTTP/Cross-Origin_Resource_Policy_(CORP)#",
                self.url
            ),
            _ => self.script_message(),
        }
    }

    fn webkit_message(&self) -> String {
        let status = self.status.unwrap_or(0);
        let detail = match &self.reason {
            CorsError::MissingAllowOriginHeader
            | CorsError::AllowOriginMismatch { .. }
            | CorsError::InvalidAllowOriginValue { .. } => {
                format!(
                    "Origin {} is not allowed by Access-Control-Allow-Origin. Status code: {status}",
                    self.origin
                )
            }
            CorsError::MultipleAllowOriginValues { .. } => {
                "Access-Control-Allow-Origin cannot contain more than one origin.".into()
            }
            CorsError::WildcardOriginNotAllowed => {
                "Cannot use wildcard in Access-Control-Allow-Origin when credentials flag is true."
                    .into()
            }
            CorsError::InvalidAllowCredentials { .. } => {
                "Credentials flag is true, but Access-Control-Allow-Credentials is not \"true\"."
                    .into()
            }
            CorsError::PreflightInvalidStatus | CorsError::PreflightDisallowedRedirect => {
                format!("Preflight response is not successful. Status code: {status}")
            }
            CorsError::InvalidAllowMethodsPreflightResponse { value } => {
                format!("Header Access-Control-Allow-Methods has an invalid value: {value}")
            }
            CorsError::InvalidAllowHeadersPreflightResponse { value } => {
                format!("Header Access-Control-Allow-Headers has an invalid value: {value}")
            }
            CorsError::MethodDisallowedByPreflightResponse { method } => {
                format!("Method {method} is not allowed by Access-Control-Allow-Methods.")
            }
            CorsError::HeaderDisallowedByPreflightResponse { header } => format!(
                "Request header field {header} is not allowed by Access-Control-Allow-Headers."
            ),
            CorsError::DisallowedByMode => {
                "Cross origin requests are not allowed when using same-origin fetch mode.".into()
            }
            CorsError::CorsDisabledScheme { .. } => {
                "Cross origin requests are only supported for HTTP.".into()
            }
            CorsError::RedirectContainsCredentials { location } => {
                format!("redirection URL {location} has credentials")
            }
            CorsError::MixedContent => {
                return format!(
                    "[blocked] The page at {}/ requested insecure content from {}. This content was blocked and must be served over HTTPS.",
                    self.origin, self.url
                );
            }
            CorsError::ResourcePolicy { .. } => {
                return format!(
                    "Cancelled load to {} because it violates the resource's Cross-Origin-Resource-Policy response header.",
                    self.url
                );
            }
            _ => return self.script_message(),
        };
        format!(
            "{detail}\nFetch API cannot load {} due to access control checks.",
            self.url
        )
    }
}

/// Chromium prints control and non-ASCII characters of a hint as `\uXXXX`.
fn encode_hint(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_ascii_graphic() || c == ' ' {
            out.push(c);
        } else {
            out.push_str(&format!("\\u{:04X}", u32::from(c)));
        }
    }
    out
}

/// The first item of a comma-separated list that is not a token (Firefox names it).
fn first_bad_token(list: &str) -> String {
    list.split(',')
        .map(|t| t.trim_matches([' ', '\t']))
        .find(|t| !t.is_empty() && !crate::headers::is_token(t.as_bytes()))
        .unwrap_or(list)
        .to_owned()
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

    #[test]
    fn hints_escape_control_bytes() {
        assert_eq!(encode_hint("a\u{7f}é"), "a\\u007F\\u00E9");
    }
}
