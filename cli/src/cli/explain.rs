//! The CLI's view of the library's advice ([`browser_cors::advice`]): why a
//! request was preflighted and what the server should change, computed by
//! the library from the machine's verdict and the recorded exchanges. This
//! module only adapts the CLI's types; it decides nothing.

use browser_cors::advice::{self, Advice, Seen};
use browser_cors::client::Exchange;
use browser_cors::{CredentialsMode, NetworkError, Profile, Request, Response};

/// Why a preflight is (or is not) needed.
pub use browser_cors::advice::PreflightNeed as Preflight;

/// Why `request`, made from `page`, is preflighted (the library's rules).
pub fn preflight(request: &Request, page: &url::Origin, profile: &Profile) -> Preflight {
    advice::preflight_need(request, page, profile)
}

/// The library's advice for a refusal of `request`.
pub fn advise(error: &NetworkError, request: &Request, exchanges: &[Exchange]) -> Advice {
    let seen: Vec<Seen<'_>> = exchanges.iter().map(Seen::from).collect();
    let credentials = request.credentials == CredentialsMode::Include;
    advice::advise(error, &seen, Some(credentials))
}

/// What the server (or, for argument errors, the script) should change.
pub fn fixes(error: &NetworkError, request: &Request, exchanges: &[Exchange]) -> Vec<String> {
    advise(error, request, exchanges).fixes()
}

/// What script gets but may not expect, on a response.
pub fn notes(response: &Response, exchanges: &[Exchange]) -> Vec<String> {
    match exchanges.last() {
        Some(last) => advice::notes(response, &last.response_headers),
        None => Vec::new(),
    }
}

/// The response headers script cannot read and likely wants, sorted.
pub fn hidden_headers(response: &Response, exchanges: &[Exchange]) -> Vec<String> {
    match exchanges.last() {
        Some(last) => advice::hidden_headers(response, &last.response_headers),
        None => Vec::new(),
    }
}

/// A few words for a table cell: the advice's summary.
pub fn short(error: &NetworkError, request: &Request, exchanges: &[Exchange]) -> String {
    advise(error, request, exchanges).summary
}

#[cfg(test)]
mod tests {
    use super::*;
    use browser_cors::{
        CorsError, Credentials, Engine, HeaderList, Mode, RequestKind, ResponseType, Stage,
        WireRequest,
    };
    use http::{HeaderMap, HeaderName};
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
            request: std::sync::Arc::new(WireRequest {
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
            }),
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
        assert_eq!(
            f,
            "it answered 500 without CORS headers: send Access-Control-Allow-Origin: https://app.test (or *) on error responses too (without them script cannot even read the error)"
        );
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
        // missing header, and the fix names the status and the auth layer.
        let f = fix(
            CorsError::MissingAllowOriginHeader,
            Stage::Preflight,
            &r,
            &[exchange(RequestKind::Preflight, 401, &[])],
        );
        assert!(
            f.starts_with("OPTIONS answered 401: let preflights (OPTIONS) through the auth layer before authentication"),
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
        assert!(f.starts_with("send Access-Control-Allow-Origin: https://app.test (echo the request's Origin when it is in your allow-list) with Vary: Origin"), "{f}");
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
        assert!(
            at(401).starts_with(
                "OPTIONS answered 401: let preflights (OPTIONS) through the auth layer"
            )
        );
        assert!(
            at(403).starts_with(
                "OPTIONS answered 403: let preflights (OPTIONS) through the auth layer"
            )
        );
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
        // Every engine's * covers Authorization: no note about it.
        let e = error(
            CorsError::HeaderDisallowedByPreflightResponse {
                header: "authorization".into(),
            },
            Stage::Preflight,
        );
        let star = [exchange(
            RequestKind::Preflight,
            204,
            &[("access-control-allow-headers", "*")],
        )];
        assert_eq!(
            fixes(&e, &r, &star),
            ["the OPTIONS response must list authorization in Access-Control-Allow-Headers"]
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
            headers: readable.into(),
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
            headers: HeaderMap::new().into(),
        };
        assert!(notes(&opaque, &ex)[0].contains("opaque"));
    }

    #[test]
    fn short_reasons() {
        let ex = [exchange(RequestKind::Preflight, 405, &[])];
        let r = req("PUT");
        let at = |reason, stage, ex: &[Exchange]| short(&error(reason, stage), &r, ex);
        assert_eq!(
            at(CorsError::PreflightInvalidStatus, Stage::Preflight, &ex),
            "OPTIONS answered 405, without CORS headers"
        );
        assert_eq!(
            at(CorsError::WildcardOriginNotAllowed, Stage::Response, &[]),
            "* with credentials"
        );
        assert_eq!(
            at(CorsError::MissingAllowOriginHeader, Stage::Preflight, &ex),
            "OPTIONS answered 405, without CORS headers"
        );
        assert_eq!(
            at(CorsError::MissingAllowOriginHeader, Stage::Response, &[]),
            "no Access-Control-Allow-Origin"
        );
        assert_eq!(
            at(CorsError::TooManyRedirects, Stage::Redirect, &[]),
            "more than 20 redirects"
        );
    }
}
