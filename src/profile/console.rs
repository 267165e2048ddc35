//! Each engine's words for a refusal: the sentence its devtools console
//! prints and the `TypeError` script sees. Part of the profile room: the
//! wording is an engine difference like any other, and this is the one
//! place that matches on [`Engine`].

use crate::corp::CorpBlock;
use crate::error::{CorsError, NetworkError, Stage};
use crate::local_network::LocalNetworkBlock;
use crate::profile::Engine;

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

    #[test]
    fn hints_escape_control_bytes() {
        assert_eq!(encode_hint("a\u{7f}é"), "a\\u007F\\u00E9");
    }
}
