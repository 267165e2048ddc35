//! Why a request was preflighted, and what the server should change: derived
//! from the machine's data (the safelists, the typed [`CorsError`], its
//! stage, and the exchanges that went over the wire), never from the
//! console sentence's text.

use browser_cors::client::Exchange;
use browser_cors::headers::get_combined;
use browser_cors::safelist::{
    cors_unsafe_request_header_names, is_cors_safelisted_method, is_cors_safelisted_request_header,
};
use browser_cors::{
    CorsError, CredentialsMode, HeaderList, Mode, NetworkError, Profile, Request, RequestKind,
    Response, ResponseType, Stage,
};
use http::{HeaderMap, HeaderName};

/// Why a preflight is (or is not) needed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Preflight {
    /// No preflight: why not.
    NotNeeded(&'static str),
    /// A preflight is needed, for these reasons.
    Needed(Vec<String>),
}

const SAFELISTED_NAMES: [&str; 5] = [
    "accept",
    "accept-language",
    "content-language",
    "content-type",
    "range",
];

/// The request's headers as `fetch()` builds them (a body without a
/// `Content-Type` gets `text/plain;charset=UTF-8`). Invalid ones are skipped:
/// the machine reports them itself.
fn header_list(request: &Request) -> HeaderList {
    let mut list = HeaderList::new();
    for (name, value) in &request.headers {
        let _ = list.append(name, value);
    }
    if request.body.is_some() && !list.contains("content-type") {
        let _ = list.append("content-type", "text/plain;charset=UTF-8");
    }
    list
}

/// Why `request`, made from `page`, is preflighted, from the safelists.
pub fn preflight(request: &Request, page: &url::Origin, profile: &Profile) -> Preflight {
    if request.mode == Mode::NoCors {
        return Preflight::NotNeeded("mode no-cors never preflights (the response is opaque)");
    }
    if request.url.origin() == *page {
        return Preflight::NotNeeded("same-origin request");
    }
    let mut reasons = Vec::new();
    let method = browser_cors::safelist::normalize_method(request.method.as_bytes());
    if let Some(m) = &method {
        if !is_cors_safelisted_method(m) {
            reasons.push(format!("method {} is not GET, HEAD or POST", m.as_str()));
        }
    }
    let list = header_list(request);
    let unsafe_names = cors_unsafe_request_header_names(&list, profile);
    let mut size_rule = Vec::new();
    for &name in &unsafe_names {
        let value = list.get(name).map(|v| v.into_owned()).unwrap_or_default();
        let individually_safe = is_cors_safelisted_request_header(name, &value, profile);
        if individually_safe {
            size_rule.push(name.to_owned());
        } else if name == "content-type" {
            reasons.push(format!(
                "header content-type: '{}' is not text/plain, multipart/form-data or application/x-www-form-urlencoded",
                String::from_utf8_lossy(&value)
            ));
        } else if SAFELISTED_NAMES.contains(&name) {
            reasons.push(format!(
                "header {name}: its value is not CORS-safelisted (too long, or a byte the safelist refuses)"
            ));
        } else {
            reasons.push(format!("header {name} is not CORS-safelisted"));
        }
    }
    if !size_rule.is_empty() {
        reasons.push(format!(
            "the safelisted header values add up to more than 1024 bytes, so {} become unsafe too",
            size_rule.join(", ")
        ));
    }
    if reasons.is_empty() {
        Preflight::NotNeeded("a simple request: safelisted method and headers")
    } else {
        Preflight::Needed(reasons)
    }
}

fn header(headers: &HeaderMap, name: &'static str) -> Option<String> {
    get_combined(headers, &HeaderName::from_static(name))
        .map(|v| String::from_utf8_lossy(&v).into_owned())
}

/// The last exchange of a kind.
fn last_of(exchanges: &[Exchange], kind: RequestKind) -> Option<&Exchange> {
    exchanges.iter().rev().find(|e| e.request.kind == kind)
}

/// What to do about a preflight answered with a non-2xx status.
fn preflight_status_fix(code: u16) -> String {
    match code {
        401 | 403 => format!(
            "OPTIONS answered {code}: let preflights through the auth layer (a preflight never carries cookies or Authorization); answer OPTIONS with 204 and the CORS headers before authenticating"
        ),
        404 | 405 | 501 => format!(
            "OPTIONS answered {code}: route OPTIONS for this path and answer 204 with Access-Control-Allow-Origin, -Methods and -Headers"
        ),
        _ => format!("OPTIONS answered {code}: a preflight needs a 2xx status (204 is usual)"),
    }
}

/// What the server (or, for argument errors, the script) should change.
pub fn fixes(error: &NetworkError, request: &Request, exchanges: &[Exchange]) -> Vec<String> {
    let origin = error.origin.as_str();
    let credentials = request.credentials == CredentialsMode::Include;
    let preflight = last_of(exchanges, RequestKind::Preflight);
    let last = exchanges.last();
    let status = last.and_then(|e| e.status).map(|s| s.as_u16());
    let wherein = match error.stage {
        Stage::Preflight => "the OPTIONS (preflight) response",
        Stage::Redirect => "the redirect response (a browser checks CORS on every hop)",
        _ => "the response",
    };
    let echo = if credentials {
        format!(
            "Access-Control-Allow-Origin: {origin}, Access-Control-Allow-Credentials: true and Vary: Origin"
        )
    } else {
        format!("Access-Control-Allow-Origin: {origin} (or *)")
    };
    match &error.reason {
        CorsError::MissingAllowOriginHeader => {
            let mut v = vec![format!("{wherein} must carry {echo}")];
            let preflight_status = preflight.and_then(|e| e.status).map(|s| s.as_u16());
            if let Some(code) = preflight_status.filter(|s| error.stage == Stage::Preflight && !(200..300).contains(s)) {
                v.push(preflight_status_fix(code));
            } else if let Some(s) = status.filter(|s| *s >= 400) {
                v.push(format!(
                    "it answered {s}: add the CORS headers to error responses too (many frameworks skip them when the handler fails)"
                ));
            }
            v
        }
        CorsError::MultipleAllowOriginValues { value } => vec![format!(
            "{wherein} has several Access-Control-Allow-Origin values ('{value}'): send the header once; when both a proxy and the app add it, remove it from one of them"
        )],
        CorsError::InvalidAllowOriginValue { value } => vec![format!(
            "Access-Control-Allow-Origin '{value}' is not an origin: send exactly {origin} (scheme://host[:port], no path, no trailing slash) or *"
        )],
        CorsError::AllowOriginMismatch { value } => vec![format!(
            "Access-Control-Allow-Origin is '{value}' but the page is {origin}: echo the request's Origin when it is in your allow-list, and add Vary: Origin"
        )],
        CorsError::WildcardOriginNotAllowed => vec![format!(
            "Access-Control-Allow-Origin cannot be * when credentials are included: echo the origin ({origin}) and add Vary: Origin (and Access-Control-Allow-Credentials: true)"
        )],
        CorsError::InvalidAllowCredentials { value } => vec![if value.is_empty() {
            format!(
                "{wherein} must carry Access-Control-Allow-Credentials: true, because credentials are included"
            )
        } else {
            format!(
                "Access-Control-Allow-Credentials is '{value}': it must be exactly 'true' (lowercase) when credentials are included"
            )
        }],
        CorsError::PreflightInvalidStatus => {
            let s = preflight.and_then(|e| e.status).map(|s| s.as_u16());
            vec![match s {
                Some(code) => preflight_status_fix(code),
                None => "the preflight needs a 2xx status (204 is usual)".to_owned(),
            }]
        }
        CorsError::PreflightDisallowedRedirect => {
            let location = preflight.and_then(|e| header(&e.response_headers, "location"));
            let to = location.as_deref().unwrap_or("elsewhere");
            let code = preflight
                .and_then(|e| e.status)
                .map_or_else(String::new, |s| format!(" {}", s.as_u16()));
            let mut v = vec![format!(
                "OPTIONS answered{code} to {to}: a preflight cannot follow redirects; answer OPTIONS at this URL without redirecting"
            )];
            if let Some(l) = &location {
                if let Ok(target) = error.url.join(l) {
                    if error.url.scheme() == "http" && target.scheme() == "https" {
                        v.push(format!(
                            "the redirect goes http→https: call {target} directly from the page"
                        ));
                    } else {
                        v.push(format!("or call {target} directly from the page"));
                    }
                }
            }
            v
        }
        CorsError::InvalidAllowMethodsPreflightResponse { value } => vec![format!(
            "Access-Control-Allow-Methods '{value}' does not parse: send a comma-separated list of method names (PUT, DELETE)"
        )],
        CorsError::InvalidAllowHeadersPreflightResponse { value } => vec![format!(
            "Access-Control-Allow-Headers '{value}' does not parse: send a comma-separated list of header names"
        )],
        CorsError::MethodDisallowedByPreflightResponse { method } => {
            let mut v = vec![format!(
                "the OPTIONS response must list {method} in Access-Control-Allow-Methods"
            )];
            let allowed = preflight
                .and_then(|e| header(&e.response_headers, "access-control-allow-methods"))
                .unwrap_or_default();
            let upper = method.to_ascii_uppercase();
            if upper != *method
                && allowed
                    .split(',')
                    .any(|m| m.trim() == upper)
            {
                v.push(format!(
                    "method names are case-sensitive: it lists {upper}, but fetch() sends '{method}' as written (only DELETE, GET, HEAD, OPTIONS, POST and PUT are uppercased); call fetch() with '{upper}'"
                ));
            }
            if credentials && allowed.trim() == "*" {
                v.push(
                    "* in Access-Control-Allow-Methods is not a wildcard when credentials are included: list the methods".to_owned(),
                );
            }
            v
        }
        CorsError::HeaderDisallowedByPreflightResponse { header: name } => {
            let mut v = vec![format!(
                "the OPTIONS response must list {name} in Access-Control-Allow-Headers"
            )];
            let allowed = preflight
                .and_then(|e| header(&e.response_headers, "access-control-allow-headers"))
                .unwrap_or_default();
            if allowed.split(',').any(|h| h.trim() == "*") {
                if credentials {
                    v.push("* in Access-Control-Allow-Headers is not a wildcard when credentials are included: list the headers".to_owned());
                } else if name == "authorization" {
                    v.push("* in Access-Control-Allow-Headers does not cover Authorization in this browser: name it".to_owned());
                }
            }
            v
        }
        CorsError::RedirectContainsCredentials { location } => vec![format!(
            "the redirect to '{location}' carries user:password@: redirect to a URL without credentials"
        )],
        CorsError::RedirectDisallowedByMode => {
            let location = last.and_then(|e| header(&e.response_headers, "location"));
            vec![match location {
                Some(l) => format!(
                    "the request uses redirect: 'error' and the server redirects to {l}: call the final URL directly, or use redirect: 'follow'"
                ),
                None => "the request uses redirect: 'error': call the final URL directly, or use redirect: 'follow'".to_owned(),
            }]
        }
        CorsError::TooManyRedirects => vec![
            "more than 20 redirects: the server redirects in a loop; check the Location chain".to_owned(),
        ],
        CorsError::InvalidRedirectLocation { location } => vec![format!(
            "Location '{location}' is not a URL: send an absolute or relative URL"
        )],
        CorsError::DisallowedByMode => vec![
            "mode 'same-origin' refuses other origins: use mode 'cors' and have the server send CORS headers".to_owned(),
        ],
        CorsError::CorsDisabledScheme { scheme } => vec![format!(
            "CORS works over http and https only, not {scheme}:"
        )],
        CorsError::ForbiddenMethod { method } => vec![format!(
            "script-side: fetch() never sends {method}; use another method"
        )],
        CorsError::InvalidMethod { method } => vec![format!(
            "script-side: '{method}' is not an HTTP token"
        )],
        CorsError::BodyNotAllowed { method } => vec![format!(
            "script-side: a {method} request cannot have a body; use POST, or put the data in the query"
        )],
        CorsError::UrlHasCredentials => vec![
            "script-side: remove user:password@ from the URL; send an Authorization header instead".to_owned(),
        ],
        CorsError::InvalidHeader { name } => vec![format!(
            "script-side: header '{name}' is not a valid name or value"
        )],
        CorsError::UnsupportedInNoCors { method } => vec![format!(
            "script-side: no-cors allows only GET, HEAD and POST, not {method}; use mode 'cors'"
        )],
        CorsError::NoCorsRedirectMode => vec![
            "script-side: no-cors requires redirect: 'follow'".to_owned(),
        ],
        CorsError::Network { detail } => vec![format!(
            "the server could not be reached ({detail})"
        )],
    }
}

/// What script gets but may not expect, on a response: headers the server
/// sent that script cannot read, an echoed origin without `Vary: Origin`.
pub fn notes(response: &Response, exchanges: &[Exchange]) -> Vec<String> {
    let mut v = Vec::new();
    let Some(last) = exchanges.last() else {
        return v;
    };
    match response.response_type {
        ResponseType::Opaque => v.push(
            "the response is opaque: script sees status 0, no headers and no body".to_owned(),
        ),
        ResponseType::OpaqueRedirect => v.push(
            "the response is an opaque redirect: script sees status 0 and cannot read Location"
                .to_owned(),
        ),
        ResponseType::Cors => {
            let hidden = hidden_headers(response, exchanges);
            if !hidden.is_empty() {
                v.push(format!(
                    "script cannot read {}: list {} in Access-Control-Expose-Headers",
                    hidden.join(", "),
                    if hidden.len() == 1 { "it" } else { "them" }
                ));
            }
            let acao = header(&last.response_headers, "access-control-allow-origin");
            let vary = header(&last.response_headers, "vary").unwrap_or_default();
            if acao.as_deref().is_some_and(|a| a != "*")
                && !vary
                    .split(',')
                    .any(|t| t.trim().eq_ignore_ascii_case("origin") || t.trim() == "*")
            {
                v.push(
                    "the response echoes an origin without Vary: Origin: a shared cache may serve it to another origin".to_owned(),
                );
            }
        }
        ResponseType::Basic => {}
    }
    v
}

/// The response headers the server sent on a CORS response that script
/// cannot read (neither safelisted nor exposed), lowercased and sorted.
pub fn hidden_headers(response: &Response, exchanges: &[Exchange]) -> Vec<String> {
    if response.response_type != ResponseType::Cors {
        return Vec::new();
    }
    let Some(last) = exchanges.last() else {
        return Vec::new();
    };
    let mut hidden: Vec<String> = last
        .response_headers
        .keys()
        .map(|k| k.as_str().to_owned())
        .filter(|n| {
            !response.can_read_header(n)
                && !n.starts_with("access-control-")
                && !browser_cors::safelist::is_forbidden_response_header(n)
                && !matches!(
                    n.as_str(),
                    "vary" | "date" | "server" | "connection" | "keep-alive" | "transfer-encoding"
                )
        })
        .collect();
    hidden.sort();
    hidden.dedup();
    hidden
}

/// A few words for a table cell.
pub fn short(error: &NetworkError, exchanges: &[Exchange]) -> String {
    let preflight_status = last_of(exchanges, RequestKind::Preflight)
        .and_then(|e| e.status)
        .map(|s| s.as_u16());
    match &error.reason {
        CorsError::MissingAllowOriginHeader => match preflight_status {
            Some(s) if error.stage == Stage::Preflight && !(200..300).contains(&s) => {
                format!("OPTIONS answered {s}, without CORS headers")
            }
            _ => "no Access-Control-Allow-Origin".to_owned(),
        },
        CorsError::MultipleAllowOriginValues { .. } => {
            "Access-Control-Allow-Origin sent twice".to_owned()
        }
        CorsError::InvalidAllowOriginValue { value } => {
            format!("Access-Control-Allow-Origin '{value}' is not an origin")
        }
        CorsError::AllowOriginMismatch { value } => {
            format!("Access-Control-Allow-Origin '{value}' is another origin")
        }
        CorsError::WildcardOriginNotAllowed => "* with credentials".to_owned(),
        CorsError::InvalidAllowCredentials { .. } => {
            "no Access-Control-Allow-Credentials: true".to_owned()
        }
        CorsError::PreflightInvalidStatus => match preflight_status {
            Some(s) => format!("OPTIONS answered {s}"),
            None => "preflight status not 2xx".to_owned(),
        },
        CorsError::PreflightDisallowedRedirect => match preflight_status {
            Some(s) => format!("OPTIONS answered {s} (a redirect)"),
            None => "preflight redirected".to_owned(),
        },
        CorsError::MethodDisallowedByPreflightResponse { method } => {
            format!("{method} not in Access-Control-Allow-Methods")
        }
        CorsError::HeaderDisallowedByPreflightResponse { header } => {
            format!("{header} not in Access-Control-Allow-Headers")
        }
        other => other.code().to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use browser_cors::{Credentials, Engine, WireRequest};
    use http::{Method, StatusCode};

    const PAGE: &str = "https://app.test";

    fn page() -> url::Origin {
        browser_cors::origin::parse_origin(PAGE).unwrap()
    }

    fn req(method: &str) -> Request {
        Request::get("https://api.test/r".parse().unwrap()).method(method)
    }

    fn exchange(kind: RequestKind, status: u16, headers: &[(&str, &str)]) -> Exchange {
        let mut map = HeaderMap::new();
        for (n, v) in headers {
            map.append(
                HeaderName::from_bytes(n.as_bytes()).unwrap(),
                v.parse().unwrap(),
            );
        }
        Exchange {
            request: WireRequest {
                kind,
                method: if kind == RequestKind::Preflight {
                    Method::OPTIONS
                } else {
                    Method::GET
                },
                url: "https://api.test/r".parse().unwrap(),
                headers: HeaderList::new(),
                body: None,
                credentials: Credentials::Omit,
            },
            status: Some(StatusCode::from_u16(status).unwrap()),
            response_headers: map,
        }
    }

    fn error(reason: CorsError, stage: Stage) -> NetworkError {
        let u: url::Url = "https://api.test/r".parse().unwrap();
        NetworkError {
            reason,
            stage,
            url: u.clone(),
            initial_url: u,
            origin: PAGE.into(),
            status: None,
            engine: Engine::Chromium,
            method: http::Method::GET,
        }
    }

    fn fix(reason: CorsError, stage: Stage, request: &Request, ex: &[Exchange]) -> String {
        fixes(&error(reason, stage), request, ex).join(" | ")
    }

    #[test]
    fn preflight_reasons_come_from_the_safelists() {
        let p = Profile::chromium();
        assert_eq!(
            preflight(&req("GET"), &page(), &p),
            Preflight::NotNeeded("a simple request: safelisted method and headers")
        );
        assert_eq!(
            preflight(&req("PUT").header("X-Token", "1"), &page(), &p),
            Preflight::Needed(vec![
                "method PUT is not GET, HEAD or POST".into(),
                "header x-token is not CORS-safelisted".into()
            ])
        );
        assert_eq!(
            preflight(
                &req("POST").header("Content-Type", "application/json").body("{}"),
                &page(),
                &p
            ),
            Preflight::Needed(vec!["header content-type: 'application/json' is not text/plain, multipart/form-data or application/x-www-form-urlencoded".into()])
        );
        // A body alone gets text/plain: still simple.
        assert!(matches!(
            preflight(&req("POST").body("x"), &page(), &p),
            Preflight::NotNeeded(_)
        ));
        // Nine safelisted headers of 128 digits: 1152 bytes, over 1024.
        let v = "1".repeat(128);
        let mut big = req("GET");
        for n in [
            "Accept",
            "Accept-Language",
            "Content-Language",
            "DPR",
            "Width",
            "Viewport-Width",
            "RTT",
            "Device-Memory",
            "Downlink",
        ] {
            big = big.header(n, &v);
        }
        match preflight(&big, &page(), &p) {
            Preflight::Needed(r) => assert_eq!(r.len(), 1, "{r:?}"),
            other => panic!("{other:?}"),
        }
        match preflight(&big, &page(), &p) {
            Preflight::Needed(r) => assert!(
                r[0].starts_with("the safelisted header values add up to more than 1024 bytes"),
                "{r:?}"
            ),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            preflight(&req("PUT").mode(Mode::NoCors), &page(), &p),
            Preflight::NotNeeded(_)
        ));
        let same = Request::get("https://app.test/x".parse().unwrap()).method("PUT");
        assert_eq!(
            preflight(&same, &page(), &p),
            Preflight::NotNeeded("same-origin request")
        );
    }

    #[test]
    fn missing_allow_origin_names_the_origin_and_error_statuses() {
        let r = req("GET");
        let f = fix(
            CorsError::MissingAllowOriginHeader,
            Stage::Response,
            &r,
            &[exchange(RequestKind::Actual, 500, &[])],
        );
        assert!(
            f.starts_with(
                "the response must carry Access-Control-Allow-Origin: https://app.test (or *)"
            ),
            "{f}"
        );
        assert!(f.contains("it answered 500"), "{f}");
        let f = fix(
            CorsError::MissingAllowOriginHeader,
            Stage::Preflight,
            &r.clone().credentials(CredentialsMode::Include),
            &[exchange(RequestKind::Preflight, 204, &[])],
        );
        assert_eq!(
            f,
            "the OPTIONS (preflight) response must carry Access-Control-Allow-Origin: https://app.test, Access-Control-Allow-Credentials: true and Vary: Origin"
        );
        // Chromium checks Allow-Origin before the status: a bare 401 is reported as a
        // missing header, and the fix still names the status.
        let f = fix(
            CorsError::MissingAllowOriginHeader,
            Stage::Preflight,
            &r,
            &[exchange(RequestKind::Preflight, 401, &[])],
        );
        assert!(
            f.contains(" | OPTIONS answered 401: let preflights through the auth layer"),
            "{f}"
        );
    }

    #[test]
    fn a_redirect_hop_needs_cors_headers_too() {
        let f = fix(
            CorsError::MissingAllowOriginHeader,
            Stage::Redirect,
            &req("GET"),
            &[exchange(RequestKind::Actual, 302, &[("location", "/x")])],
        );
        assert_eq!(
            f,
            "the redirect response (a browser checks CORS on every hop) must carry Access-Control-Allow-Origin: https://app.test (or *)"
        );
    }

    #[test]
    fn wildcard_with_credentials_says_echo_and_vary() {
        let f = fix(
            CorsError::WildcardOriginNotAllowed,
            Stage::Response,
            &req("GET"),
            &[],
        );
        assert!(f.starts_with("Access-Control-Allow-Origin cannot be * when credentials are included: echo the origin (https://app.test) and add Vary: Origin"), "{f}");
    }

    #[test]
    fn origin_value_errors() {
        let r = req("GET");
        assert!(
            fix(
                CorsError::MultipleAllowOriginValues {
                    value: "*, https://app.test".into()
                },
                Stage::Response,
                &r,
                &[]
            )
            .contains("send the header once")
        );
        assert!(
            fix(
                CorsError::InvalidAllowOriginValue {
                    value: "https://app.test/".into()
                },
                Stage::Response,
                &r,
                &[]
            )
            .contains("no trailing slash")
        );
        assert!(
            fix(
                CorsError::AllowOriginMismatch {
                    value: "https://other.test".into()
                },
                Stage::Response,
                &r,
                &[]
            )
            .contains("echo the request's Origin")
        );
        assert!(
            fix(
                CorsError::InvalidAllowCredentials {
                    value: String::new()
                },
                Stage::Response,
                &r,
                &[]
            )
            .contains("must carry Access-Control-Allow-Credentials: true")
        );
        assert!(
            fix(
                CorsError::InvalidAllowCredentials {
                    value: "TRUE".into()
                },
                Stage::Response,
                &r,
                &[]
            )
            .contains("exactly 'true'")
        );
    }

    #[test]
    fn preflight_status_depends_on_the_code() {
        let r = req("PUT");
        let at = |s| {
            fix(
                CorsError::PreflightInvalidStatus,
                Stage::Preflight,
                &r,
                &[exchange(RequestKind::Preflight, s, &[])],
            )
        };
        assert!(at(401).starts_with("OPTIONS answered 401: let preflights through the auth layer"));
        assert!(at(403).starts_with("OPTIONS answered 403: let preflights through the auth layer"));
        assert!(at(405).starts_with("OPTIONS answered 405: route OPTIONS for this path"));
        assert!(at(500).starts_with("OPTIONS answered 500: a preflight needs a 2xx status"));
    }

    #[test]
    fn preflight_redirect_http_to_https() {
        let mut e = error(CorsError::PreflightDisallowedRedirect, Stage::Preflight);
        e.url = "http://api.test/r".parse().unwrap();
        let f = fixes(
            &e,
            &req("PUT"),
            &[exchange(
                RequestKind::Preflight,
                301,
                &[("location", "https://api.test/r")],
            )],
        )
        .join(" | ");
        assert!(
            f.contains("OPTIONS answered 301 to https://api.test/r"),
            "{f}"
        );
        assert!(
            f.contains("http→https: call https://api.test/r directly"),
            "{f}"
        );
    }

    #[test]
    fn method_case_and_header_lists() {
        let r = req("patch");
        let f = fix(
            CorsError::MethodDisallowedByPreflightResponse {
                method: "patch".into(),
            },
            Stage::Preflight,
            &r,
            &[exchange(
                RequestKind::Preflight,
                204,
                &[("access-control-allow-methods", "GET, PATCH")],
            )],
        );
        assert!(
            f.starts_with("the OPTIONS response must list patch in Access-Control-Allow-Methods"),
            "{f}"
        );
        assert!(f.contains("case-sensitive"), "{f}");
        let f = fix(
            CorsError::HeaderDisallowedByPreflightResponse {
                header: "x-token".into(),
            },
            Stage::Preflight,
            &r,
            &[exchange(RequestKind::Preflight, 204, &[])],
        );
        assert_eq!(
            f,
            "the OPTIONS response must list x-token in Access-Control-Allow-Headers"
        );
        let f = fix(
            CorsError::HeaderDisallowedByPreflightResponse {
                header: "authorization".into(),
            },
            Stage::Preflight,
            &r,
            &[exchange(
                RequestKind::Preflight,
                204,
                &[("access-control-allow-headers", "*")],
            )],
        );
        assert!(
            f.contains("does not cover Authorization in this browser"),
            "{f}"
        );
        let f = fix(
            CorsError::HeaderDisallowedByPreflightResponse {
                header: "x-token".into(),
            },
            Stage::Preflight,
            &r.clone().credentials(CredentialsMode::Include),
            &[exchange(
                RequestKind::Preflight,
                204,
                &[("access-control-allow-headers", "*")],
            )],
        );
        assert!(
            f.contains("not a wildcard when credentials are included"),
            "{f}"
        );
        assert!(
            fix(
                CorsError::InvalidAllowMethodsPreflightResponse {
                    value: "P@T".into()
                },
                Stage::Preflight,
                &r,
                &[]
            )
            .contains("does not parse")
        );
        assert!(
            fix(
                CorsError::InvalidAllowHeadersPreflightResponse {
                    value: "x y".into()
                },
                Stage::Preflight,
                &r,
                &[]
            )
            .contains("does not parse")
        );
    }

    #[test]
    fn redirects_modes_and_script_side_errors() {
        let r = req("GET");
        let f = fix(
            CorsError::RedirectDisallowedByMode,
            Stage::Redirect,
            &r,
            &[exchange(RequestKind::Actual, 302, &[("location", "/next")])],
        );
        assert!(f.contains("redirects to /next"), "{f}");
        assert!(fix(CorsError::TooManyRedirects, Stage::Redirect, &r, &[]).contains("loop"));
        assert!(
            fix(
                CorsError::RedirectContainsCredentials {
                    location: "http://u:p@x/".into()
                },
                Stage::Redirect,
                &r,
                &[]
            )
            .contains("user:password@")
        );
        assert!(
            fix(
                CorsError::InvalidRedirectLocation {
                    location: "http://[".into()
                },
                Stage::Redirect,
                &r,
                &[]
            )
            .contains("not a URL")
        );
        assert!(fix(CorsError::DisallowedByMode, Stage::Request, &r, &[]).contains("mode 'cors'"));
        assert!(
            fix(
                CorsError::CorsDisabledScheme {
                    scheme: "ftp".into()
                },
                Stage::Request,
                &r,
                &[]
            )
            .contains("not ftp:")
        );
        for reason in [
            CorsError::ForbiddenMethod {
                method: "TRACE".into(),
            },
            CorsError::InvalidMethod {
                method: "a b".into(),
            },
            CorsError::BodyNotAllowed {
                method: "GET".into(),
            },
            CorsError::UrlHasCredentials,
            CorsError::InvalidHeader { name: "a b".into() },
            CorsError::UnsupportedInNoCors {
                method: "PUT".into(),
            },
            CorsError::NoCorsRedirectMode,
        ] {
            assert!(
                fix(reason.clone(), Stage::Request, &r, &[]).starts_with("script-side: "),
                "{reason:?}"
            );
        }
        assert!(
            fix(
                CorsError::Network {
                    detail: "refused".into()
                },
                Stage::Network,
                &r,
                &[]
            )
            .contains("(refused)")
        );
    }

    #[test]
    fn notes_name_hidden_headers_and_missing_vary() {
        let ex = [exchange(
            RequestKind::Actual,
            200,
            &[
                ("access-control-allow-origin", PAGE),
                ("x-total", "3"),
                ("content-type", "text/plain"),
            ],
        )];
        let mut readable = HeaderMap::new();
        readable.insert("content-type", "text/plain".parse().unwrap());
        let resp = Response {
            response_type: ResponseType::Cors,
            status: 200,
            url: None,
            redirected: false,
            headers: readable,
        };
        assert_eq!(
            notes(&resp, &ex),
            vec![
                "script cannot read x-total: list it in Access-Control-Expose-Headers".to_owned(),
                "the response echoes an origin without Vary: Origin: a shared cache may serve it to another origin".to_owned(),
            ]
        );
        let opaque = Response {
            response_type: ResponseType::Opaque,
            status: 0,
            url: None,
            redirected: false,
            headers: HeaderMap::new(),
        };
        assert!(notes(&opaque, &ex)[0].contains("opaque"));
    }

    #[test]
    fn short_reasons() {
        let ex = [exchange(RequestKind::Preflight, 405, &[])];
        assert_eq!(
            short(
                &error(CorsError::PreflightInvalidStatus, Stage::Preflight),
                &ex
            ),
            "OPTIONS answered 405"
        );
        assert_eq!(
            short(
                &error(CorsError::WildcardOriginNotAllowed, Stage::Response),
                &[]
            ),
            "* with credentials"
        );
        assert_eq!(
            short(
                &error(CorsError::MissingAllowOriginHeader, Stage::Preflight),
                &ex
            ),
            "OPTIONS answered 405, without CORS headers"
        );
        assert_eq!(
            short(
                &error(CorsError::MissingAllowOriginHeader, Stage::Response),
                &[]
            ),
            "no Access-Control-Allow-Origin"
        );
        assert_eq!(
            short(&error(CorsError::TooManyRedirects, Stage::Redirect), &[]),
            "TooManyRedirects"
        );
    }
}
