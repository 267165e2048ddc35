//! What a request may carry without a preflight, and what script may not set
//! at all: [Fetch § CORS-safelisted request-header](https://fetch.spec.whatwg.org/#cors-safelisted-request-header)
//! and its neighbours.

use http::{HeaderName, Method};

use crate::headers::{HeaderList, normalize_value, parse_token_list};
use crate::profile::{ClientHints, HighBytes, Profile, RepeatedRequestHeader, UserAgentHeader};

/// A safelisted value may be at most this long (bytes).
pub const SAFELISTED_VALUE_MAX: usize = 128;

/// [Normalize a method](https://fetch.spec.whatwg.org/#concept-method-normalize):
/// `DELETE`, `GET`, `HEAD`, `OPTIONS`, `POST` and `PUT` are uppercased, any
/// other method (`patch`) is kept as written.
///
/// ```
/// use browser_cors::safelist::normalize_method;
/// assert_eq!(normalize_method(b"put").unwrap(), http::Method::PUT);
/// assert_eq!(normalize_method(b"patch").unwrap().as_str(), "patch");
/// assert!(normalize_method(b"bad method").is_none());
/// ```
pub fn normalize_method(method: &[u8]) -> Option<Method> {
    const NORMALIZED: [Method; 6] = [
        Method::DELETE,
        Method::GET,
        Method::HEAD,
        Method::OPTIONS,
        Method::POST,
        Method::PUT,
    ];
    if let Some(m) = NORMALIZED
        .iter()
        .find(|m| m.as_str().as_bytes().eq_ignore_ascii_case(method))
    {
        return Some(m.clone());
    }
    if !crate::headers::is_token(method) {
        return None;
    }
    Method::from_bytes(method).ok()
}

/// A [forbidden method](https://fetch.spec.whatwg.org/#forbidden-method):
/// `CONNECT`, `TRACE` or `TRACK`, in any case.
///
/// ```
/// assert!(browser_cors::safelist::is_forbidden_method(b"trace"));
/// assert!(!browser_cors::safelist::is_forbidden_method(b"PATCH"));
/// ```
pub fn is_forbidden_method(method: &[u8]) -> bool {
    [&b"CONNECT"[..], b"TRACE", b"TRACK"]
        .iter()
        .any(|m| m.eq_ignore_ascii_case(method))
}

/// A [CORS-safelisted method](https://fetch.spec.whatwg.org/#cors-safelisted-method):
/// `GET`, `HEAD` or `POST`, byte for byte (after normalization).
///
/// ```
/// use browser_cors::safelist::is_cors_safelisted_method;
/// assert!(is_cors_safelisted_method(&http::Method::POST));
/// assert!(!is_cors_safelisted_method(&http::Method::PUT));
/// ```
pub fn is_cors_safelisted_method(method: &Method) -> bool {
    matches!(method.as_str(), "GET" | "HEAD" | "POST")
}

/// A [forbidden request-header](https://fetch.spec.whatwg.org/#forbidden-request-header):
/// script cannot set it; `fetch()` drops it silently.
///
/// ```
/// use browser_cors::{Profile, safelist::is_forbidden_request_header};
/// let p = Profile::chromium();
/// assert!(is_forbidden_request_header("Cookie", b"a=b", &p));
/// assert!(is_forbidden_request_header("Sec-Custom", b"1", &p));
/// assert!(is_forbidden_request_header("X-HTTP-Method-Override", b"TRACE", &p));
/// assert!(!is_forbidden_request_header("X-HTTP-Method-Override", b"PUT", &p));
/// ```
pub fn is_forbidden_request_header(name: &str, value: &[u8], profile: &Profile) -> bool {
    const NAMES: [&str; 21] = [
        "accept-charset",
        "accept-encoding",
        "access-control-request-headers",
        "access-control-request-method",
        "connection",
        "content-length",
        "cookie",
        "cookie2",
        "date",
        "dnt",
        "expect",
        "host",
        "keep-alive",
        "origin",
        "referer",
        "set-cookie",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "via",
    ];
    let lower = name.to_ascii_lowercase();
    if NAMES.contains(&lower.as_str()) || lower.starts_with("proxy-") || lower.starts_with("sec-") {
        return true;
    }
    if lower == "user-agent" && profile.user_agent_header == UserAgentHeader::Dropped {
        return true;
    }
    if matches!(
        lower.as_str(),
        "x-http-method" | "x-http-method-override" | "x-method-override"
    ) {
        // Every value in the list is checked; an unparsable list is not forbidden.
        return value
            .split(|b| *b == b',')
            .map(normalize_value)
            .any(is_forbidden_method);
    }
    false
}

/// Bytes below 0x80 that are [CORS-unsafe](https://fetch.spec.whatwg.org/#cors-unsafe-request-header-byte),
/// as a table (the check runs once per byte of every safelisted value).
#[allow(clippy::indexing_slicing)] // evaluated at compile time: i < 256
static UNSAFE_BYTES: [bool; 256] = {
    let mut table = [false; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        table[i] = (b < 0x20 && b != b'\t')
            || matches!(
                b,
                b'"' | b'('
                    | b')'
                    | b':'
                    | b'<'
                    | b'>'
                    | b'?'
                    | b'@'
                    | b'['
                    | b'\\'
                    | b']'
                    | b'{'
                    | b'}'
                    | 0x7f
            );
        i += 1;
    }
    table
};

/// Bytes allowed in `Accept-Language` and `Content-Language` values.
#[allow(clippy::indexing_slicing)] // evaluated at compile time: i < 256
static LANGUAGE_BYTES: [bool; 256] = {
    let mut table = [false; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        table[i] = b.is_ascii_alphanumeric()
            || matches!(b, b' ' | b'*' | b',' | b'-' | b'.' | b';' | b'=');
        i += 1;
    }
    table
};

/// A [CORS-unsafe request-header byte](https://fetch.spec.whatwg.org/#cors-unsafe-request-header-byte).
pub(crate) fn is_cors_unsafe_byte(b: u8, profile: &Profile) -> bool {
    UNSAFE_BYTES.get(usize::from(b)).copied().unwrap_or(true)
        || (b >= 0x80 && profile.high_bytes == HighBytes::Unsafe)
}

/// Whether any byte of `value` is CORS-unsafe.
fn has_unsafe_byte(value: &[u8], profile: &Profile) -> bool {
    if profile.high_bytes == HighBytes::Unsafe {
        value.iter().any(|b| is_cors_unsafe_byte(*b, profile))
    } else {
        value
            .iter()
            .any(|b| UNSAFE_BYTES.get(usize::from(*b)).copied().unwrap_or(true))
    }
}

fn is_language_byte(b: u8) -> bool {
    LANGUAGE_BYTES.get(usize::from(b)).copied().unwrap_or(false)
}

/// The client hints Chromium safelists, with the rule their value must meet
/// (`IsCorsSafelistedHeader` in `services/network/public/cpp/cors/cors.cc`).
/// `None`: not a client hint.
fn client_hint_value_ok(name: &str, value: &[u8]) -> Option<bool> {
    let digits = |v: &[u8]| !v.is_empty() && v.iter().all(u8::is_ascii_digit);
    const HINTS: [&str; 9] = [
        "dpr",
        "device-memory",
        "downlink",
        "width",
        "viewport-width",
        "rtt",
        "ect",
        "save-data",
        "intervention",
    ];
    // Lowercase into a stack buffer: no allocation, and only names that can
    // be a hint get that far.
    let mut buf = [0u8; 16];
    let lower = match buf.get_mut(..name.len()) {
        Some(slot) if HINTS.iter().any(|h| h.eq_ignore_ascii_case(name)) => {
            slot.copy_from_slice(name.as_bytes());
            slot.make_ascii_lowercase();
            std::str::from_utf8(slot).unwrap_or_default()
        }
        _ => return None,
    };
    match lower {
        // 1*DIGIT [ "." 1*DIGIT ]
        "dpr" | "device-memory" | "downlink" => Some(match value.iter().position(|b| *b == b'.') {
            Some(dot) => {
                let (int, frac) = value.split_at(dot);
                digits(int) && digits(frac.get(1..).unwrap_or_default())
            }
            None => digits(value),
        }),
        // 1*DIGIT
        "width" | "viewport-width" | "rtt" => Some(digits(value)),
        "ect" => Some(matches!(value, b"slow-2g" | b"2g" | b"3g" | b"4g")),
        "save-data" => Some(value.eq_ignore_ascii_case(b"on")),
        "intervention" => Some(true),
        _ => None,
    }
}

/// A [CORS-safelisted request-header](https://fetch.spec.whatwg.org/#cors-safelisted-request-header):
/// a header a cross-origin request may carry without a preflight.
///
/// ```
/// use browser_cors::{Profile, safelist::is_cors_safelisted_request_header};
/// let p = Profile::chromium();
/// assert!(is_cors_safelisted_request_header("Content-Type", b"text/plain;charset=utf-8", &p));
/// assert!(!is_cors_safelisted_request_header("Content-Type", b"application/json", &p));
/// assert!(!is_cors_safelisted_request_header("Accept-Language", b"en_US", &p));
/// assert!(is_cors_safelisted_request_header("Range", b"bytes=0-", &p));
/// // Chromium safelists client hints with a valid value; the standard does not.
/// assert!(is_cors_safelisted_request_header("DPR", b"2", &p));
/// assert!(!is_cors_safelisted_request_header("DPR", b"2", &Profile::firefox()));
/// ```
pub fn is_cors_safelisted_request_header(name: &str, value: &[u8], profile: &Profile) -> bool {
    // Never allocates: a known name is found by case-insensitive comparison
    // and the `Content-Type` essence is checked without building a `MimeType`.
    let kind = [
        ("accept", Safelistable::Accept),
        ("accept-language", Safelistable::Language),
        ("content-language", Safelistable::Language),
        ("content-type", Safelistable::ContentType),
        ("range", Safelistable::Range),
    ]
    .iter()
    .find(|(n, _)| name.eq_ignore_ascii_case(n))
    .map_or(Safelistable::Other, |(_, k)| *k);
    value_is_safelisted(kind, name, value, profile)
}

/// Which value rule a request-header name falls under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Safelistable {
    Accept,
    Language,
    ContentType,
    Range,
    /// Any other name: a client hint in some profiles, else never safelisted.
    Other,
}

impl Safelistable {
    /// Classifies a (lowercase) header name. Standard names compare as
    /// `http`'s enum, not as strings.
    fn of(name: &HeaderName) -> Safelistable {
        use http::header::{ACCEPT, ACCEPT_LANGUAGE, CONTENT_LANGUAGE, CONTENT_TYPE, RANGE};
        if *name == ACCEPT {
            Safelistable::Accept
        } else if *name == ACCEPT_LANGUAGE || *name == CONTENT_LANGUAGE {
            Safelistable::Language
        } else if *name == CONTENT_TYPE {
            Safelistable::ContentType
        } else if *name == RANGE {
            Safelistable::Range
        } else {
            Safelistable::Other
        }
    }
}

/// The value rule of a [CORS-safelisted request-header](https://fetch.spec.whatwg.org/#cors-safelisted-request-header)
/// for a name already classified.
fn value_is_safelisted(kind: Safelistable, name: &str, value: &[u8], profile: &Profile) -> bool {
    if value.len() > SAFELISTED_VALUE_MAX {
        return false;
    }
    match kind {
        Safelistable::Accept => !has_unsafe_byte(value, profile),
        Safelistable::Language => value.iter().copied().all(is_language_byte),
        Safelistable::ContentType => {
            !has_unsafe_byte(value, profile)
                && crate::mime::essence_is_any(
                    value,
                    &[
                        "application/x-www-form-urlencoded",
                        "multipart/form-data",
                        "text/plain",
                    ],
                )
        }
        Safelistable::Range => crate::range::is_simple_range(value),
        Safelistable::Other => {
            profile.client_hints == ClientHints::SafelistedWhenValid
                && client_hint_value_ok(name, value).unwrap_or(false)
        }
    }
}

/// Whether some value could make `name` a CORS-safelisted request-header.
fn may_be_safelisted(name: &HeaderName, profile: &Profile) -> bool {
    Safelistable::of(name) != Safelistable::Other
        || (profile.client_hints == ClientHints::SafelistedWhenValid
            && client_hint_value_ok(name.as_str(), b"").is_some())
}

/// A [no-CORS-safelisted request-header](https://fetch.spec.whatwg.org/#no-cors-safelisted-request-header):
/// the only headers a `no-cors` request keeps.
///
/// ```
/// use browser_cors::{Profile, safelist::is_no_cors_safelisted_request_header};
/// let p = Profile::chromium();
/// assert!(is_no_cors_safelisted_request_header("Accept", b"text/html", &p));
/// assert!(!is_no_cors_safelisted_request_header("Range", b"bytes=0-", &p));
/// ```
pub fn is_no_cors_safelisted_request_header(name: &str, value: &[u8], profile: &Profile) -> bool {
    let lower = name.to_ascii_lowercase();
    matches!(
        lower.as_str(),
        "accept" | "accept-language" | "content-language" | "content-type"
    ) && is_cors_safelisted_request_header(&lower, value, profile)
}

/// [CORS-unsafe request-header names](https://fetch.spec.whatwg.org/#cors-unsafe-request-header-names):
/// the names a preflight must ask about, lowercased and sorted, as the
/// engine writes them in `Access-Control-Request-Headers`. When the safelisted
/// values add up to more than 1024 bytes, they all become unsafe.
///
/// ```
/// use browser_cors::{HeaderList, Profile, safelist::cors_unsafe_request_header_names};
/// let mut h = HeaderList::new();
/// h.append("X-B", "1").unwrap();
/// h.append("Accept", "text/html").unwrap();
/// h.append("X-A", "1").unwrap();
/// assert_eq!(cors_unsafe_request_header_names(&h, &Profile::chromium()), ["x-a", "x-b"]);
/// ```
pub fn cors_unsafe_request_header_names(headers: &HeaderList, profile: &Profile) -> Vec<String> {
    let entries: Vec<(HeaderName, bytes::Bytes)> = match profile.repeated_request_header {
        RepeatedRequestHeader::Combined => headers.combined(),
        RepeatedRequestHeader::EachOnItsOwn => headers
            .iter()
            .map(|(n, v)| (n.clone(), bytes::Bytes::copy_from_slice(v)))
            .collect(),
    };
    let mut unsafe_names = Vec::new();
    let mut safelisted_names = Vec::new();
    let mut safelisted_size = 0usize;
    for (name, value) in &entries {
        if is_cors_safelisted_request_header(name.as_str(), value, profile) {
            safelisted_size = safelisted_size.saturating_add(value.len());
            safelisted_names.push(name.as_str().to_owned());
        } else {
            unsafe_names.push(name.as_str().to_owned());
        }
    }
    if profile
        .safelist_total_limit
        .is_some_and(|limit| safelisted_size > limit)
    {
        unsafe_names.append(&mut safelisted_names);
    }
    unsafe_names.sort();
    if profile.repeated_request_header == RepeatedRequestHeader::Combined {
        unsafe_names.dedup();
    }
    unsafe_names
}

/// Whether `headers` has any [CORS-unsafe request-header name](https://fetch.spec.whatwg.org/#cors-unsafe-request-header-names):
/// the same answer as `!cors_unsafe_request_header_names(headers, profile).is_empty()`,
/// without allocating unless one name has several lines (Chromium then
/// judges their combined value) or, for engines that combine lines, the
/// list has more than 16 entries.
///
/// ```
/// use browser_cors::{HeaderList, Profile, safelist::has_cors_unsafe_request_headers};
/// let mut h = HeaderList::new();
/// h.append("Accept", "application/json").unwrap();
/// assert!(!has_cors_unsafe_request_headers(&h, &Profile::chromium()));
/// h.append("X-Token", "1").unwrap();
/// assert!(has_cors_unsafe_request_headers(&h, &Profile::chromium()));
/// ```
pub fn has_cors_unsafe_request_headers(headers: &HeaderList, profile: &Profile) -> bool {
    let combined = profile.repeated_request_header == RepeatedRequestHeader::Combined;
    if combined && headers.len() > 16 {
        // Finding each name's other lines is quadratic: index them instead.
        return !cors_unsafe_request_header_names(headers, profile).is_empty();
    }
    // Names first: a name that no value can make safelisted settles it
    // without reading any value.
    if headers
        .iter()
        .any(|(name, _)| !may_be_safelisted(name, profile))
    {
        return true;
    }
    let mut safelisted_size = 0usize;
    for (index, (name, value)) in headers.iter().enumerate() {
        let value: std::borrow::Cow<'_, [u8]> = if combined {
            let mut same = headers.iter().enumerate().filter(|(_, (n, _))| *n == name);
            // Judge a name once, at its first line, with every value joined.
            if same.next().is_some_and(|(first, _)| first != index) {
                continue;
            }
            match same.next() {
                None => std::borrow::Cow::Borrowed(value),
                Some(_) => {
                    let mut buf = value.to_vec();
                    for (_, (_, more)) in headers
                        .iter()
                        .enumerate()
                        .filter(|(i, (n, _))| *i > index && *n == name)
                    {
                        buf.extend_from_slice(b", ");
                        buf.extend_from_slice(more);
                    }
                    std::borrow::Cow::Owned(buf)
                }
            }
        } else {
            std::borrow::Cow::Borrowed(value)
        };
        if !value_is_safelisted(Safelistable::of(name), name.as_str(), &value, profile) {
            return true;
        }
        safelisted_size = safelisted_size.saturating_add(value.len());
    }
    profile
        .safelist_total_limit
        .is_some_and(|limit| safelisted_size > limit)
}

/// [CORS-safelisted response-header names](https://fetch.spec.whatwg.org/#cors-safelisted-response-header-name)
/// (without the exposed ones).
pub const SAFELISTED_RESPONSE_HEADERS: [&str; 7] = [
    "cache-control",
    "content-language",
    "content-length",
    "content-type",
    "expires",
    "last-modified",
    "pragma",
];

/// A [forbidden response-header name](https://fetch.spec.whatwg.org/#forbidden-response-header-name):
/// `Set-Cookie` and `Set-Cookie2`, never readable by script.
///
/// ```
/// assert!(browser_cors::safelist::is_forbidden_response_header("set-cookie"));
/// ```
pub fn is_forbidden_response_header(name: &str) -> bool {
    name.eq_ignore_ascii_case("set-cookie") || name.eq_ignore_ascii_case("set-cookie2")
}

/// Parses `Access-Control-Expose-Headers` into lowercased names; an invalid
/// list exposes nothing.
pub(crate) fn exposed_names(value: Option<&[u8]>) -> Vec<String> {
    value
        .and_then(parse_token_list)
        .unwrap_or_default()
        .into_iter()
        .map(|n| n.to_ascii_lowercase())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chromium() -> Profile {
        Profile::chromium()
    }

    #[test]
    fn value_length_limit_is_128_bytes() {
        let p = chromium();
        let ok = vec![b'a'; 128];
        let long = vec![b'a'; 129];
        assert!(is_cors_safelisted_request_header("accept", &ok, &p));
        assert!(!is_cors_safelisted_request_header("accept", &long, &p));
        assert!(!is_cors_safelisted_request_header(
            "content-language",
            &long,
            &p
        ));
    }

    #[test]
    fn accept_unsafe_bytes() {
        let p = chromium();
        for bad in [&b"a\"b"[..], b"a(b", b"a:b", b"a\x7fb", b"a\x01b", b"a{b"] {
            assert!(
                !is_cors_safelisted_request_header("accept", bad, &p),
                "{bad:?}"
            );
        }
        assert!(is_cors_safelisted_request_header("accept", b"a\tb", &p));
        assert!(is_cors_safelisted_request_header(
            "accept",
            b"text/h\xe9",
            &p
        ));
        assert!(!is_cors_safelisted_request_header(
            "accept",
            b"text/h\xe9",
            &Profile::firefox()
        ));
    }

    #[test]
    fn language_bytes() {
        let p = chromium();
        assert!(is_cors_safelisted_request_header(
            "accept-language",
            b"de-DE, en;q=0.5, *",
            &p
        ));
        assert!(is_cors_safelisted_request_header(
            "content-language",
            b"",
            &p
        ));
        assert!(!is_cors_safelisted_request_header(
            "content-language",
            b"en_US",
            &p
        ));
        assert!(!is_cors_safelisted_request_header(
            "content-language",
            b"en/US",
            &p
        ));
    }

    #[test]
    fn content_type_by_essence() {
        let p = chromium();
        for ok in [
            &b"text/plain"[..],
            b"TEXT/PLAIN",
            b"multipart/form-data",
            b"application/x-www-form-urlencoded;x=y",
        ] {
            assert!(
                is_cors_safelisted_request_header("content-type", ok, &p),
                "{ok:?}"
            );
        }
        for bad in [
            &b"text"[..],
            b"text/plain, application/json",
            b"text/plain; charset=\"utf-8\"",
            b"application/json",
            b"",
        ] {
            assert!(
                !is_cors_safelisted_request_header("content-type", bad, &p),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn client_hints_need_a_valid_value() {
        let p = chromium();
        assert!(is_cors_safelisted_request_header("save-data", b"on", &p));
        assert!(!is_cors_safelisted_request_header("save-data", b"off", &p));
        assert!(is_cors_safelisted_request_header(
            "viewport-width",
            b"800",
            &p
        ));
        assert!(!is_cors_safelisted_request_header("dpr", b"abc", &p));
        assert!(is_cors_safelisted_request_header("ect", b"4g", &p));
        assert!(!is_cors_safelisted_request_header("x-custom", b"1", &p));
        assert!(is_cors_safelisted_request_header("dpr", b"1.5", &p));
        assert!(!is_cors_safelisted_request_header("dpr", b"1.", &p));
        assert!(!is_cors_safelisted_request_header("dpr", b".5", &p));
        assert!(!is_cors_safelisted_request_header(
            "viewport-width",
            b"1.5",
            &p
        ));
        assert!(!is_cors_safelisted_request_header("ect", b"4G", &p));
        assert!(is_cors_safelisted_request_header("save-data", b"ON", &p));
    }

    #[test]
    fn total_over_1024_makes_every_safelisted_name_unsafe() {
        let p = chromium();
        let mut h = HeaderList::new();
        for name in [
            "accept",
            "accept-language",
            "content-language",
            "dpr",
            "downlink",
            "viewport-width",
            "width",
            "device-memory",
        ] {
            let v = if name.starts_with("acc") || name.starts_with("con") {
                vec![b'a'; 128]
            } else {
                vec![b'1'; 128]
            };
            h.append(name, v).unwrap();
        }
        assert!(cors_unsafe_request_header_names(&h, &p).is_empty());
        h.append("rtt", "1").unwrap();
        assert_eq!(cors_unsafe_request_header_names(&h, &p).len(), 9);
    }

    #[test]
    fn duplicates_are_listed_once_in_chromium() {
        let mut h = HeaderList::new();
        h.append("X-Custom", "1").unwrap();
        h.append("x-custom", "2").unwrap();
        assert_eq!(
            cors_unsafe_request_header_names(&h, &chromium()),
            ["x-custom"]
        );
        assert_eq!(
            cors_unsafe_request_header_names(&h, &Profile::firefox()),
            ["x-custom", "x-custom"]
        );
    }

    #[test]
    fn forbidden_names() {
        let p = chromium();
        for n in [
            "Host",
            "proxy-authorization",
            "SEC-FETCH-SITE",
            "Content-Length",
            "DNT",
        ] {
            assert!(is_forbidden_request_header(n, b"x", &p), "{n}");
        }
        assert!(is_forbidden_request_header(
            "x-method-override",
            b"GET, track",
            &p
        ));
        assert!(is_forbidden_request_header("User-Agent", b"x", &p));
        assert!(!is_forbidden_request_header(
            "User-Agent",
            b"x",
            &Profile::firefox()
        ));
        assert!(!is_forbidden_request_header("Authorization", b"x", &p));
    }

    proptest::proptest! {
        /// The allocation-free classifier answers as the name lister does.
        #[test]
        fn has_unsafe_agrees_with_the_name_list(
            lines in proptest::collection::vec((0usize..8, proptest::collection::vec(proptest::prelude::any::<u8>(), 0..40)), 0..6),
            long in 0usize..3,
        ) {
            const NAMES: [&str; 8] = ["accept", "Accept-Language", "content-type", "range", "x-a", "DPR", "content-language", "Save-Data"];
            const VALUES: [&[u8]; 6] = [b"text/plain", b"bytes=0-", b"en", b"2", b"on", b"multipart/form-data; boundary=x"];
            let mut h = HeaderList::new();
            for (i, (n, v)) in lines.iter().enumerate() {
                let value: Vec<u8> = if i % 2 == 0 { VALUES[(n + i) % VALUES.len()].to_vec() } else { v.clone() };
                let _ = h.append(NAMES[*n], value);
            }
            for _ in 0..long {
                let _ = h.append("accept", vec![b'a'; 120]);
            }
            for p in [Profile::chromium(), Profile::firefox(), Profile::webkit()] {
                proptest::prop_assert_eq!(
                    has_cors_unsafe_request_headers(&h, &p),
                    !cors_unsafe_request_header_names(&h, &p).is_empty()
                );
            }
        }
    }

    #[test]
    fn methods() {
        assert!(is_forbidden_method(b"Connect"));
        assert!(!is_forbidden_method(b"CONNECTX"));
        assert_eq!(normalize_method(b"options").unwrap(), Method::OPTIONS);
        assert_eq!(normalize_method(b"Foo").unwrap().as_str(), "Foo");
        assert!(normalize_method(b"").is_none());
        assert!(!is_cors_safelisted_method(
            &normalize_method(b"patch").unwrap()
        ));
    }
}
