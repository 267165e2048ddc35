//! The [CORS-preflight fetch](https://fetch.spec.whatwg.org/#cors-preflight-fetch):
//! when one is needed, the `OPTIONS` request, and what its response must say.

use std::time::Duration;

use http::header::{
    ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS, ACCESS_CONTROL_MAX_AGE,
};
use http::{HeaderMap, Method, StatusCode};

use crate::check::cors_check;
use crate::error::CorsError;
use crate::headers::{get_combined, parse_token_list};
use crate::profile::{AuthorizationWildcard, InvalidMaxAge, MaxAgeSyntax, Profile};
use crate::request::CredentialsMode;
use crate::safelist::is_cors_safelisted_method;

/// Whether a CORS request needs a preflight: its method is not safelisted or
/// it has CORS-unsafe headers ([main fetch](https://fetch.spec.whatwg.org/#main-fetch), step 12).
///
/// ```
/// use browser_cors::preflight::needs_preflight;
/// let none: &[&str] = &[];
/// assert!(needs_preflight(&http::Method::PUT, none));
/// assert!(needs_preflight(&http::Method::GET, &["x-token"]));
/// assert!(!needs_preflight(&http::Method::POST, none));
/// ```
pub fn needs_preflight<S: AsRef<str>>(method: &Method, unsafe_names: &[S]) -> bool {
    !is_cors_safelisted_method(method) || !unsafe_names.is_empty()
}

/// Whether a CORS request with this method and these script-set headers
/// needs a preflight: the same answer as [`needs_preflight`] given
/// [`cors_unsafe_request_header_names`](crate::safelist::cors_unsafe_request_header_names),
/// without allocating on the common path.
///
/// ```
/// use browser_cors::{HeaderList, Profile, preflight::needs_preflight_for};
/// let mut h = HeaderList::new();
/// h.append("Content-Type", "text/plain;charset=UTF-8").unwrap();
/// assert!(!needs_preflight_for(&http::Method::POST, &h, &Profile::chromium()));
/// assert!(needs_preflight_for(&http::Method::PUT, &h, &Profile::chromium()));
/// ```
pub fn needs_preflight_for(
    method: &Method,
    headers: &crate::headers::HeaderList,
    profile: &Profile,
) -> bool {
    !is_cors_safelisted_method(method)
        || crate::safelist::has_cors_unsafe_request_headers(headers, profile)
}

/// What a successful preflight allows, as a cache entry keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreflightResult {
    /// `Access-Control-Allow-Methods`, case kept (methods compare byte for byte).
    pub methods: Vec<String>,
    /// `Access-Control-Allow-Headers`, lowercased.
    pub headers: Vec<String>,
    /// How long the engine keeps it (zero: not cached).
    pub lifetime: Duration,
    /// Whether it was made for a request with credentials.
    pub credentials: bool,
}

impl PreflightResult {
    /// Whether this result allows `method` ([CORS-preflight fetch](https://fetch.spec.whatwg.org/#cors-preflight-fetch-0), step 7.5).
    pub(crate) fn allows_method(&self, method: &Method, credentials: CredentialsMode) -> bool {
        is_cors_safelisted_method(method)
            || self.methods.iter().any(|m| m == method.as_str())
            || (credentials != CredentialsMode::Include && self.methods.iter().any(|m| m == "*"))
    }

    /// The first unsafe header name this result does not allow (step 7.6–7.7).
    pub(crate) fn disallowed_header<'a>(
        &self,
        names: &'a [String],
        credentials: CredentialsMode,
        profile: &Profile,
    ) -> Option<&'a String> {
        let wildcard =
            credentials != CredentialsMode::Include && self.headers.iter().any(|h| h == "*");
        names.iter().find(|name| {
            let listed = self.headers.iter().any(|h| h.eq_ignore_ascii_case(name));
            let covered_by_wildcard = wildcard
                && (!name.eq_ignore_ascii_case("authorization")
                    || profile.authorization_wildcard == AuthorizationWildcard::Covered);
            !listed && !covered_by_wildcard
        })
    }
}

/// The lifetime of a preflight result from its `Access-Control-Max-Age`, as
/// the engine reads it: absent means the default; a value that is not a
/// number is the default or nothing (by profile); negative or zero is not
/// cached; large values are capped.
///
/// ```
/// use browser_cors::{Profile, preflight::max_age};
/// use std::time::Duration;
/// let p = Profile::chromium();
/// assert_eq!(max_age(None, &p), Duration::from_secs(5));
/// assert_eq!(max_age(Some(b"600"), &p), Duration::from_secs(600));
/// assert_eq!(max_age(Some(b"86400"), &p), Duration::from_secs(7200));
/// assert_eq!(max_age(Some(b"-1"), &p), Duration::ZERO);
/// assert_eq!(max_age(Some(b"abc"), &p), Duration::from_secs(5));
/// assert_eq!(max_age(Some(b"abc"), &Profile::firefox()), Duration::ZERO);
/// // Firefox reads digits only: a sign makes the value invalid.
/// assert_eq!(max_age(Some(b"+600"), &p), Duration::from_secs(600));
/// assert_eq!(max_age(Some(b"+600"), &Profile::firefox()), Duration::ZERO);
/// ```
pub fn max_age(value: Option<&[u8]>, profile: &Profile) -> Duration {
    let rules = &profile.cache;
    let Some(value) = value else {
        return rules.default_lifetime;
    };
    let text = String::from_utf8_lossy(value);
    let (negative, digits) = match rules.max_age_syntax {
        MaxAgeSyntax::DigitsOnly => (false, text.as_ref()),
        MaxAgeSyntax::SignedInteger => match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text.strip_prefix('+').unwrap_or(&text)),
        },
    };
    let valid = !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit());
    if !valid {
        return match rules.invalid_max_age {
            InvalidMaxAge::DefaultLifetime => rules.default_lifetime,
            InvalidMaxAge::NotCached => Duration::ZERO,
        };
    }
    if negative {
        return Duration::ZERO;
    }
    // Any overflow is beyond every cap.
    let seconds = digits.parse::<u64>().unwrap_or(u64::MAX);
    Duration::from_secs(seconds).min(rules.max_lifetime)
}

/// What validating a preflight response gave: success or the refusal, and
/// the result the cache may keep (WebKit keeps it even when the method or a
/// header was refused).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Validation {
    pub outcome: Result<(), CorsError>,
    pub cacheable: Option<PreflightResult>,
}

/// Validates a preflight response ([CORS-preflight fetch](https://fetch.spec.whatwg.org/#cors-preflight-fetch-0), steps 6–7)
/// for the actual request's `method`, unsafe header `names` and credentials mode.
pub(crate) fn validate(
    status: StatusCode,
    headers: &HeaderMap,
    origin: &str,
    method: &Method,
    names: &[String],
    credentials: CredentialsMode,
    profile: &Profile,
) -> Validation {
    let fail = |e| Validation {
        outcome: Err(e),
        cacheable: None,
    };
    let ok_status = status.is_success();
    // Chromium and Gecko run the CORS check first; WebKit the status first.
    if profile.preflight_check_order == crate::profile::PreflightCheckOrder::StatusFirst
        && !ok_status
    {
        return fail(CorsError::PreflightInvalidStatus);
    }
    if let Err(e) = cors_check(headers, origin, credentials, profile.allow_origin_check) {
        return fail(e);
    }
    if !ok_status {
        return fail(CorsError::PreflightInvalidStatus);
    }
    let methods_value = get_combined(headers, &ACCESS_CONTROL_ALLOW_METHODS);
    let Some(methods) = parse_token_list(methods_value.as_deref().unwrap_or_default()) else {
        return fail(CorsError::InvalidAllowMethodsPreflightResponse {
            value: lossy(methods_value),
        });
    };
    let headers_value = get_combined(headers, &ACCESS_CONTROL_ALLOW_HEADERS);
    let Some(allowed_headers) = parse_token_list(headers_value.as_deref().unwrap_or_default())
    else {
        return fail(CorsError::InvalidAllowHeadersPreflightResponse {
            value: lossy(headers_value),
        });
    };
    let result = PreflightResult {
        methods,
        headers: allowed_headers
            .into_iter()
            .map(|h| h.to_ascii_lowercase())
            .collect(),
        lifetime: max_age(
            get_combined(headers, &ACCESS_CONTROL_MAX_AGE).as_deref(),
            profile,
        ),
        credentials: credentials == CredentialsMode::Include,
    };
    let outcome = if !result.allows_method(method, credentials) {
        Err(CorsError::MethodDisallowedByPreflightResponse {
            method: method.as_str().to_owned(),
        })
    } else if let Some(name) = result.disallowed_header(names, credentials, profile) {
        Err(CorsError::HeaderDisallowedByPreflightResponse {
            header: name.clone(),
        })
    } else {
        Ok(())
    };
    let cacheable = (outcome.is_ok()
        || profile.cache.cache_refused == crate::profile::CacheRefusedResult::Yes)
        .then_some(result);
    Validation { outcome, cacheable }
}

fn lossy(v: Option<Vec<u8>>) -> String {
    v.map(|v| String::from_utf8_lossy(&v).into_owned())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut m = HeaderMap::new();
        for (n, v) in pairs {
            m.append(
                http::HeaderName::from_bytes(n.as_bytes()).unwrap(),
                http::HeaderValue::from_str(v).unwrap(),
            );
        }
        m
    }

    const A: &str = "http://a.test";

    fn run(
        status: u16,
        pairs: &[(&str, &str)],
        method: &str,
        names: &[&str],
        cred: CredentialsMode,
        p: &Profile,
    ) -> Result<(), &'static str> {
        let names: Vec<String> = names.iter().map(|s| s.to_string()).collect();
        validate(
            StatusCode::from_u16(status).unwrap(),
            &h(pairs),
            A,
            &Method::from_bytes(method.as_bytes()).unwrap(),
            &names,
            cred,
            p,
        )
        .outcome
        .map_err(|e| e.code())
    }

    use CredentialsMode::{Include, SameOrigin};

    #[test]
    fn status_must_be_2xx_and_origin_check_comes_first_in_chromium() {
        let p = Profile::chromium();
        let ok = [
            ("access-control-allow-origin", A),
            ("access-control-allow-methods", "PUT"),
        ];
        assert_eq!(run(299, &ok, "PUT", &[], SameOrigin, &p), Ok(()));
        assert_eq!(
            run(300, &ok, "PUT", &[], SameOrigin, &p),
            Err("PreflightInvalidStatus")
        );
        assert_eq!(
            run(404, &[], "PUT", &[], SameOrigin, &p),
            Err("MissingAllowOriginHeader")
        );
        assert_eq!(
            run(404, &[], "PUT", &[], SameOrigin, &Profile::webkit()),
            Err("PreflightInvalidStatus")
        );
    }

    #[test]
    fn methods_are_case_sensitive_tokens() {
        let p = Profile::chromium();
        let with = |m: &'static str| {
            [
                ("access-control-allow-origin", A),
                ("access-control-allow-methods", m),
            ]
        };
        assert_eq!(
            run(204, &with("put"), "PUT", &[], SameOrigin, &p),
            Err("MethodDisallowedByPreflightResponse")
        );
        assert_eq!(
            run(204, &with("patch"), "patch", &[], SameOrigin, &p),
            Ok(())
        );
        assert_eq!(
            run(204, &with("PUT;"), "PUT", &[], SameOrigin, &p),
            Err("InvalidAllowMethodsPreflightResponse")
        );
        assert_eq!(run(204, &with("*"), "PUT", &[], SameOrigin, &p), Ok(()));
        assert_eq!(
            run(
                204,
                &[
                    ("access-control-allow-origin", A),
                    ("access-control-allow-credentials", "true"),
                    ("access-control-allow-methods", "*")
                ],
                "PUT",
                &[],
                Include,
                &p
            ),
            Err("MethodDisallowedByPreflightResponse")
        );
    }

    #[test]
    fn headers_compare_case_insensitively_and_star_depends_on_credentials() {
        let p = Profile::chromium();
        let with = |v: &'static str| {
            [
                ("access-control-allow-origin", A),
                ("access-control-allow-headers", v),
            ]
        };
        assert_eq!(
            run(204, &with("X-CUSTOM"), "GET", &["x-custom"], SameOrigin, &p),
            Ok(())
        );
        assert_eq!(
            run(204, &with("x-a"), "GET", &["x-a", "x-b"], SameOrigin, &p),
            Err("HeaderDisallowedByPreflightResponse")
        );
        assert_eq!(
            run(204, &with("*"), "GET", &["authorization"], SameOrigin, &p),
            Ok(())
        );
        let mut spec = Profile::chromium();
        spec.authorization_wildcard = AuthorizationWildcard::MustBeListed;
        assert_eq!(
            run(
                204,
                &with("*"),
                "GET",
                &["authorization"],
                SameOrigin,
                &spec
            ),
            Err("HeaderDisallowedByPreflightResponse")
        );
    }
}
