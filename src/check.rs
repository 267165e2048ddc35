//! The [CORS check](https://fetch.spec.whatwg.org/#concept-cors-check): does a
//! response allow the request's origin to read it?

use http::HeaderMap;
use http::header::{ACCESS_CONTROL_ALLOW_CREDENTIALS, ACCESS_CONTROL_ALLOW_ORIGIN};

use crate::error::CorsError;
use crate::headers::{get_combined_cow, trim_tab_space};
use crate::profile::AllowOriginCheck;
use crate::request::CredentialsMode;

/// Runs the CORS check of one response the way an engine does: `check` is
/// the profile's [`AllowOriginCheck`] (an [`crate::Engine`] converts to its own).
///
/// `origin` is the serialization of the request's origin (`null` once a
/// redirect tainted it). Fails closed: anything but an exact match (or `*`
/// without credentials) is a refusal with the engine's reason.
///
/// ```
/// use browser_cors::{check::cors_check, CredentialsMode, Engine};
/// let mut h = http::HeaderMap::new();
/// h.insert("access-control-allow-origin", "https://app.test".parse().unwrap());
/// assert!(cors_check(&h, "https://app.test", CredentialsMode::SameOrigin, Engine::Chromium).is_ok());
/// assert!(cors_check(&h, "https://evil.test", CredentialsMode::SameOrigin, Engine::Chromium).is_err());
/// // With credentials, Access-Control-Allow-Credentials: true is required too.
/// assert!(cors_check(&h, "https://app.test", CredentialsMode::Include, Engine::Chromium).is_err());
/// ```
pub fn cors_check(
    headers: &HeaderMap,
    origin: &str,
    credentials: CredentialsMode,
    check: impl Into<AllowOriginCheck>,
) -> Result<(), CorsError> {
    // Allocates only to build an error: on success the header values are
    // borrowed (a single line each) and compared in place.
    let include = credentials == CredentialsMode::Include;
    // One map lookup: the first line, and whether there is a second.
    let mut lines_iter = headers.get_all(ACCESS_CONTROL_ALLOW_ORIGIN).iter();
    let first = lines_iter.next();
    let several = lines_iter.next().is_some();
    let lines = usize::from(first.is_some()) + usize::from(several);
    let allow_origin = match (first, several) {
        (Some(v), false) => Some(std::borrow::Cow::Borrowed(trim_tab_space(v.as_bytes()))),
        (None, _) => None,
        (Some(_), true) => get_combined_cow(headers, &ACCESS_CONTROL_ALLOW_ORIGIN),
    };
    let allow_origin = allow_origin.as_deref();
    match check.into() {
        AllowOriginCheck::Chromium => chromium_origin(allow_origin, origin, include)?,
        AllowOriginCheck::Gecko => firefox_origin(allow_origin, lines, origin, include)?,
        AllowOriginCheck::WebKit => webkit_origin(allow_origin, origin, include)?,
    }
    if include {
        let allow_credentials = get_combined_cow(headers, &ACCESS_CONTROL_ALLOW_CREDENTIALS);
        if allow_credentials.as_deref() != Some(b"true".as_slice()) {
            return Err(CorsError::InvalidAllowCredentials {
                value: allow_credentials.as_deref().map(lossy).unwrap_or_default(),
            });
        }
    }
    Ok(())
}

fn lossy(value: &[u8]) -> String {
    String::from_utf8_lossy(value).into_owned()
}

/// Chromium's `CheckAccess` (`services/network/public/cpp/cors/cors.cc`).
fn chromium_origin(allow: Option<&[u8]>, origin: &str, include: bool) -> Result<(), CorsError> {
    let Some(value) = allow else {
        return Err(CorsError::MissingAllowOriginHeader);
    };
    if value == b"*" {
        return if include {
            Err(CorsError::WildcardOriginNotAllowed)
        } else {
            Ok(())
        };
    }
    if value == origin.as_bytes() {
        return Ok(());
    }
    let value = lossy(value);
    if value.contains([' ', ',']) {
        return Err(CorsError::MultipleAllowOriginValues { value });
    }
    if value == "null" || url::Url::parse(&value).is_ok() {
        return Err(CorsError::AllowOriginMismatch { value });
    }
    Err(CorsError::InvalidAllowOriginValue { value })
}

/// Gecko's `nsCORSListenerProxy::CheckRequestApproved`.
fn firefox_origin(
    allow: Option<&[u8]>,
    lines: usize,
    origin: &str,
    include: bool,
) -> Result<(), CorsError> {
    if lines > 1 {
        return Err(CorsError::MultipleAllowOriginValues {
            value: allow.map(lossy).unwrap_or_default(),
        });
    }
    let Some(value) = allow else {
        return Err(CorsError::MissingAllowOriginHeader);
    };
    if include && value == b"*" {
        return Err(CorsError::WildcardOriginNotAllowed);
    }
    if (include || value != b"*") && value != origin.as_bytes() {
        return Err(CorsError::AllowOriginMismatch {
            value: lossy(value),
        });
    }
    Ok(())
}

/// WebKit's `passesAccessControlCheck`.
fn webkit_origin(allow: Option<&[u8]>, origin: &str, include: bool) -> Result<(), CorsError> {
    let Some(value) = allow else {
        return Err(CorsError::MissingAllowOriginHeader);
    };
    if value == b"*" && !include {
        return Ok(());
    }
    if value != origin.as_bytes() {
        if value == b"*" {
            return Err(CorsError::WildcardOriginNotAllowed);
        }
        let value = lossy(value);
        if value.contains(',') {
            return Err(CorsError::MultipleAllowOriginValues { value });
        }
        return Err(CorsError::AllowOriginMismatch { value });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::Engine;
    use http::HeaderValue;

    const A: &str = "http://127.0.0.1:8000";

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (n, v) in pairs {
            h.append(
                http::HeaderName::from_bytes(n.as_bytes()).unwrap(),
                HeaderValue::from_str(v).unwrap(),
            );
        }
        h
    }

    fn reason(
        pairs: &[(&str, &str)],
        cred: CredentialsMode,
        engine: Engine,
    ) -> Option<&'static str> {
        cors_check(&headers(pairs), A, cred, engine)
            .err()
            .map(|e| e.code())
    }

    const ACAO: &str = "access-control-allow-origin";
    const ACAC: &str = "access-control-allow-credentials";
    use CredentialsMode::{Include, Omit};

    #[test]
    fn exact_and_star() {
        for e in Engine::ALL {
            assert_eq!(reason(&[(ACAO, A)], Omit, e), None);
            assert_eq!(reason(&[(ACAO, "*")], Omit, e), None);
            assert_eq!(reason(&[(ACAO, A), (ACAC, "true")], Include, e), None);
            assert_eq!(
                reason(&[(ACAO, "*"), (ACAC, "true")], Include, e),
                Some("WildcardOriginNotAllowed")
            );
            assert_eq!(reason(&[], Omit, e), Some("MissingAllowOriginHeader"));
        }
    }

    #[test]
    fn byte_exact_comparison() {
        let e = Engine::Chromium;
        assert_eq!(
            reason(&[(ACAO, "HTTP://127.0.0.1:8000")], Omit, e),
            Some("AllowOriginMismatch")
        );
        assert_eq!(
            reason(&[(ACAO, "http://127.0.0.1:8000/")], Omit, e),
            Some("AllowOriginMismatch")
        );
        assert_eq!(
            reason(&[(ACAO, "null")], Omit, e),
            Some("AllowOriginMismatch")
        );
        assert_eq!(
            reason(&[(ACAO, "")], Omit, e),
            Some("InvalidAllowOriginValue")
        );
        assert_eq!(
            reason(&[(ACAO, "  http://127.0.0.1:8000  ")], Omit, e),
            None
        );
    }

    #[test]
    fn several_values_fail() {
        for e in Engine::ALL {
            assert_eq!(
                reason(&[(ACAO, A), (ACAO, A)], Omit, e),
                Some("MultipleAllowOriginValues")
            );
            assert!(reason(&[(ACAO, "*"), (ACAO, A)], Omit, e).is_some());
            assert!(reason(&[(ACAO, &format!("{A}, {A}"))], Omit, e).is_some());
        }
    }

    #[test]
    fn credentials_need_exact_true() {
        for e in Engine::ALL {
            assert_eq!(
                reason(&[(ACAO, A)], Include, e),
                Some("InvalidAllowCredentials")
            );
            assert_eq!(
                reason(&[(ACAO, A), (ACAC, "TRUE")], Include, e),
                Some("InvalidAllowCredentials")
            );
            assert_eq!(
                reason(&[(ACAO, A), (ACAC, "true"), (ACAC, "true")], Include, e),
                Some("InvalidAllowCredentials")
            );
        }
    }

    #[test]
    fn null_origin_matches_null() {
        let h = headers(&[(ACAO, "null")]);
        assert!(cors_check(&h, "null", Omit, Engine::Chromium).is_ok());
    }
}
