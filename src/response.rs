//! [Response tainting and filtering](https://fetch.spec.whatwg.org/#concept-filtered-response):
//! what script can see of a response.

use http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use url::Url;

use crate::headers::{get_combined_cow, is_token_list, list_items};
use crate::origin::without_fragment;
use crate::request::CredentialsMode;

/// [CORS-safelisted response-header names](https://fetch.spec.whatwg.org/#cors-safelisted-response-header-name)
/// (without the exposed ones): what script reads of every CORS response.
pub const SAFELISTED_RESPONSE_HEADERS: [HeaderName; 7] = [
    header::CACHE_CONTROL,
    header::CONTENT_LANGUAGE,
    header::CONTENT_LENGTH,
    header::CONTENT_TYPE,
    header::EXPIRES,
    header::LAST_MODIFIED,
    header::PRAGMA,
];

/// Whether `name` is in [`SAFELISTED_RESPONSE_HEADERS`]. Their lengths
/// reject most other names before the list is searched.
fn is_safelisted_response_header(name: &HeaderName, text: &str) -> bool {
    matches!(text.len(), 6 | 7 | 12 | 13 | 14 | 16) && SAFELISTED_RESPONSE_HEADERS.contains(name)
}

/// A [forbidden response-header name](https://fetch.spec.whatwg.org/#forbidden-response-header-name):
/// `Set-Cookie` and `Set-Cookie2`, never readable by script.
///
/// ```
/// assert!(browser_cors::response::is_forbidden_response_header("Set-Cookie"));
/// assert!(!browser_cors::response::is_forbidden_response_header("Cookie"));
/// ```
pub fn is_forbidden_response_header(name: &str) -> bool {
    name.eq_ignore_ascii_case("set-cookie") || name.eq_ignore_ascii_case("set-cookie2")
}

/// [`Response.type`](https://fetch.spec.whatwg.org/#concept-response-type) as script sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum ResponseType {
    /// Same-origin: every header but `Set-Cookie` is readable.
    Basic,
    /// Cross-origin, allowed by CORS: safelisted and exposed headers are readable.
    Cors,
    /// Cross-origin `no-cors`: status 0, no headers, no body, no URL.
    Opaque,
    /// A redirect returned by `redirect: "manual"`: status 0, no headers, no body.
    #[serde(rename = "opaqueredirect")]
    OpaqueRedirect,
}

impl ResponseType {
    /// The value of `Response.type`.
    ///
    /// ```
    /// assert_eq!(browser_cors::ResponseType::OpaqueRedirect.as_str(), "opaqueredirect");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            ResponseType::Basic => "basic",
            ResponseType::Cors => "cors",
            ResponseType::Opaque => "opaque",
            ResponseType::OpaqueRedirect => "opaqueredirect",
        }
    }
}

/// A response as script in the page sees it.
///
/// ```
/// # use browser_cors::{Response, ResponseHeaders, ResponseType};
/// # let r = Response { response_type: ResponseType::Opaque, status: 0, url: None, redirected: false, headers: ResponseHeaders::new() };
/// if r.response_type == ResponseType::Opaque {
///     assert_eq!(r.status, 0);
///     assert!(!r.body_readable());
/// }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// `Response.type`.
    pub response_type: ResponseType,
    /// `Response.status` (0 for opaque and opaque-redirect responses).
    pub status: u16,
    /// `Response.url` without its fragment (`None` when script sees `""`).
    pub url: Option<Url>,
    /// `Response.redirected`.
    pub redirected: bool,
    /// The headers `Response.headers` shows: only those, so nothing script
    /// may not read is kept.
    pub headers: ResponseHeaders,
}

impl Response {
    /// Whether script can read the body (not for opaque or opaque-redirect responses).
    pub fn body_readable(&self) -> bool {
        matches!(self.response_type, ResponseType::Basic | ResponseType::Cors)
    }

    /// Whether script can read the header `name` (case-insensitive).
    ///
    /// ```
    /// # use browser_cors::{Response, ResponseType};
    /// let headers = [(http::header::CONTENT_TYPE, "text/plain".parse().unwrap())].into_iter().collect();
    /// let r = Response { response_type: ResponseType::Cors, status: 200, url: None, redirected: false, headers };
    /// assert!(r.can_read_header("Content-Type"));
    /// assert!(!r.can_read_header("X-Token"));
    /// ```
    pub fn can_read_header(&self, name: &str) -> bool {
        self.headers.contains_key(name)
    }

    /// The readable header names, lowercased, sorted, each once.
    pub fn header_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .headers
            .iter()
            .map(|(k, _)| k.as_str().to_owned())
            .collect();
        names.sort();
        names.dedup();
        names
    }
}

/// The headers of a [`Response`] that script can read, in the order they
/// came, repeated names kept: what `Response.headers` holds.
///
/// It answers like an [`http::HeaderMap`] (names are case-insensitive,
/// [`ResponseHeaders::get`] is the first value) and turns into one with
/// [`ResponseHeaders::to_header_map`]. It is a list, not a hash table,
/// because the machine fills one per fetch and a response shows script a
/// handful of headers: one allocation, no hashing.
///
/// ```
/// use browser_cors::ResponseHeaders;
/// use http::header::{CONTENT_TYPE, HeaderValue};
/// let headers: ResponseHeaders = [
///     (CONTENT_TYPE, HeaderValue::from_static("text/plain")),
///     ("x-id".parse().unwrap(), HeaderValue::from_static("1")),
///     ("x-id".parse().unwrap(), HeaderValue::from_static("2")),
/// ]
/// .into_iter()
/// .collect();
/// assert_eq!(headers.get("Content-Type").unwrap(), "text/plain");
/// assert_eq!(headers.get_all("x-id").count(), 2);
/// assert_eq!(headers.len(), 3);
/// assert_eq!(headers.to_header_map()["x-id"], "1");
/// ```
#[derive(Clone, Default)]
pub struct ResponseHeaders {
    entries: Vec<(HeaderName, HeaderValue)>,
}

impl ResponseHeaders {
    /// No headers (what opaque responses show).
    ///
    /// ```
    /// assert!(browser_cors::ResponseHeaders::new().is_empty());
    /// ```
    pub fn new() -> ResponseHeaders {
        ResponseHeaders::default()
    }

    /// The first value of `name` (case-insensitive), as
    /// [`http::HeaderMap::get`] gives it.
    ///
    /// ```
    /// # use browser_cors::ResponseHeaders;
    /// let h: ResponseHeaders = [(http::header::ETAG, "\"1\"".parse().unwrap())].into_iter().collect();
    /// assert_eq!(h.get(http::header::ETAG).unwrap(), "\"1\"");
    /// assert!(h.get("x-missing").is_none());
    /// ```
    pub fn get(&self, name: impl AsRef<str>) -> Option<&HeaderValue> {
        self.get_all(name).next()
    }

    /// Every value of `name` (case-insensitive), in order.
    ///
    /// ```
    /// # use browser_cors::ResponseHeaders;
    /// let h: ResponseHeaders = ["a", "b"].into_iter().map(|v| (http::header::VARY, v.parse().unwrap())).collect();
    /// let values: Vec<_> = h.get_all("vary").map(|v| v.to_str().unwrap()).collect();
    /// assert_eq!(values, ["a", "b"]);
    /// ```
    pub fn get_all<N: AsRef<str>>(&self, name: N) -> impl Iterator<Item = &HeaderValue> {
        self.entries
            .iter()
            .filter(move |(n, _)| n.as_str().eq_ignore_ascii_case(name.as_ref()))
            .map(|(_, v)| v)
    }

    /// Each name once, in the order it first came (as
    /// [`http::HeaderMap::keys`] lists them).
    ///
    /// ```
    /// # use browser_cors::ResponseHeaders;
    /// let h: ResponseHeaders = ["a", "b"].into_iter().map(|v| (http::header::VARY, v.parse().unwrap())).collect();
    /// assert_eq!(h.keys().count(), 1);
    /// ```
    pub fn keys(&self) -> impl Iterator<Item = &HeaderName> {
        self.entries
            .iter()
            .enumerate()
            .filter(|(i, (name, _))| {
                !self
                    .entries
                    .get(..*i)
                    .is_some_and(|before| before.iter().any(|(n, _)| n == name))
            })
            .map(|(_, (name, _))| name)
    }

    /// Whether script can read `name` (case-insensitive).
    ///
    /// ```
    /// # use browser_cors::ResponseHeaders;
    /// let h: ResponseHeaders = [(http::header::ETAG, "1".parse().unwrap())].into_iter().collect();
    /// assert!(h.contains_key("ETag"));
    /// ```
    pub fn contains_key(&self, name: impl AsRef<str>) -> bool {
        self.get(name).is_some()
    }

    /// Each line as `(name, value)`, in the order the response sent them.
    ///
    /// ```
    /// # use browser_cors::ResponseHeaders;
    /// let h: ResponseHeaders = [(http::header::ETAG, "1".parse().unwrap())].into_iter().collect();
    /// assert_eq!(h.iter().next().map(|(n, _)| n.as_str()), Some("etag"));
    /// ```
    pub fn iter(&self) -> impl Iterator<Item = (&HeaderName, &HeaderValue)> {
        self.into_iter()
    }

    /// The number of lines (values), as [`http::HeaderMap::len`] counts.
    ///
    /// ```
    /// assert_eq!(browser_cors::ResponseHeaders::new().len(), 0);
    /// ```
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether script can read no header at all.
    ///
    /// ```
    /// assert!(browser_cors::ResponseHeaders::new().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The same headers as an [`http::HeaderMap`].
    ///
    /// ```
    /// # use browser_cors::ResponseHeaders;
    /// let h: ResponseHeaders = [(http::header::ETAG, "1".parse().unwrap())].into_iter().collect();
    /// assert_eq!(h.to_header_map()[http::header::ETAG], "1");
    /// ```
    pub fn to_header_map(&self) -> HeaderMap {
        // `HeaderMap`'s `FromIterator` appends: repeated names are kept.
        self.entries.iter().cloned().collect()
    }

    /// Adds a line the machine found readable.
    fn push(&mut self, name: &HeaderName, value: &HeaderValue) {
        self.entries.push((name.clone(), value.clone()));
    }
}

/// Written as a map, the way [`http::HeaderMap`] prints:
/// `{"content-type": "text/plain"}`.
impl std::fmt::Debug for ResponseHeaders {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

/// Equal when each name has the same values in the same order, whatever
/// the order of different names (as two [`http::HeaderMap`]s compare).
impl PartialEq for ResponseHeaders {
    fn eq(&self, other: &ResponseHeaders) -> bool {
        self.len() == other.len()
            && self
                .entries
                .iter()
                .all(|(name, _)| self.get_all(name).eq(other.get_all(name)))
    }
}

impl Eq for ResponseHeaders {}

impl FromIterator<(HeaderName, HeaderValue)> for ResponseHeaders {
    fn from_iter<I: IntoIterator<Item = (HeaderName, HeaderValue)>>(lines: I) -> ResponseHeaders {
        ResponseHeaders {
            entries: lines.into_iter().collect(),
        }
    }
}

impl<'a> IntoIterator for &'a ResponseHeaders {
    type Item = (&'a HeaderName, &'a HeaderValue);
    type IntoIter = std::iter::Map<
        std::slice::Iter<'a, (HeaderName, HeaderValue)>,
        fn(&'a (HeaderName, HeaderValue)) -> (&'a HeaderName, &'a HeaderValue),
    >;

    fn into_iter(self) -> Self::IntoIter {
        self.entries.iter().map(|(n, v)| (n, v))
    }
}

/// Every line of `map`, each name's values together (the order
/// [`http::HeaderMap`] iterates in).
///
/// ```
/// let mut map = http::HeaderMap::new();
/// map.insert("x-id", "1".parse().unwrap());
/// let headers = browser_cors::ResponseHeaders::from(map);
/// assert_eq!(headers.get("x-id").unwrap(), "1");
/// ```
impl From<HeaderMap> for ResponseHeaders {
    fn from(map: HeaderMap) -> ResponseHeaders {
        let mut entries = Vec::with_capacity(map.len());
        let mut name = None;
        for (next, value) in map {
            if next.is_some() {
                name = next;
            }
            if let Some(name) = &name {
                entries.push((name.clone(), value));
            }
        }
        ResponseHeaders { entries }
    }
}

impl From<ResponseHeaders> for HeaderMap {
    fn from(headers: ResponseHeaders) -> HeaderMap {
        headers.entries.into_iter().collect()
    }
}

/// What `Access-Control-Expose-Headers` exposes beyond the safelist: one
/// item that is not a token exposes nothing (Chromium's reading, which the
/// vectors show in every engine); `*` is every name, but only without
/// credentials (with them it is a name like any other).
enum Exposed<'a> {
    /// No list, or an invalid one.
    Nothing,
    /// `*` in a request without credentials.
    Every,
    /// Up to [`Exposed::INLINE`] names, split once, on the stack.
    Few([&'a [u8]; Exposed::INLINE], usize),
    /// A longer list, searched item by item.
    Many(&'a [u8]),
}

impl<'a> Exposed<'a> {
    const INLINE: usize = 8;

    fn of(list: Option<&'a [u8]>, credentials: CredentialsMode) -> Exposed<'a> {
        let Some(list) = list.filter(|list| is_token_list(list)) else {
            return Exposed::Nothing;
        };
        let mut few = [&b""[..]; Exposed::INLINE];
        let mut len = 0;
        let mut star = false;
        for item in list_items(list) {
            star |= item == b"*";
            match few.get_mut(len) {
                Some(slot) => *slot = item,
                None => len = Exposed::INLINE + 1,
            }
            len = len.saturating_add(1);
        }
        if star && credentials != CredentialsMode::Include {
            Exposed::Every
        } else if len <= Exposed::INLINE {
            Exposed::Few(few, len)
        } else {
            Exposed::Many(list)
        }
    }

    /// Whether `name` (lowercase, as `http` keeps names) is exposed.
    fn exposes(&self, name: &str) -> bool {
        // Lists are mostly written in lowercase, as `http` keeps names: the
        // plain compare settles those.
        let same =
            |item: &&[u8]| *item == name.as_bytes() || item.eq_ignore_ascii_case(name.as_bytes());
        match self {
            Exposed::Nothing => false,
            Exposed::Every => true,
            Exposed::Few(items, len) => items.iter().take(*len).any(same),
            Exposed::Many(list) => list_items(list).any(|item| same(&item)),
        }
    }
}

/// Which headers of a CORS response script may read
/// ([CORS filtered response](https://fetch.spec.whatwg.org/#concept-filtered-response-cors)).
fn cors_readable(headers: &HeaderMap, credentials: CredentialsMode) -> ResponseHeaders {
    let list = get_combined_cow(headers, &http::header::ACCESS_CONTROL_EXPOSE_HEADERS);
    let exposed = Exposed::of(list.as_deref(), credentials);
    filter_headers(headers, |name, text| {
        is_safelisted_response_header(name, text) || exposed.exposes(text)
    })
}

/// The lines whose name `keep` accepts (given the name and its text),
/// never a forbidden one.
fn filter_headers(
    headers: &HeaderMap,
    keep: impl Fn(&HeaderName, &str) -> bool,
) -> ResponseHeaders {
    let mut out = ResponseHeaders::default();
    // `HeaderMap::iter` gives each name's values together, each with the
    // same name: decide once per name.
    let mut readable = false;
    let mut last: *const HeaderName = std::ptr::null();
    for (name, value) in headers {
        if !std::ptr::eq(last, name) {
            let text = name.as_str();
            readable = !is_forbidden_response_header(text) && keep(name, text);
            last = name;
        }
        if readable {
            if out.entries.capacity() == 0 {
                out.entries.reserve_exact(headers.len());
            }
            out.push(name, value);
        }
    }
    out
}

/// Builds the filtered response of a given tainting.
pub(crate) fn filtered(
    response_type: ResponseType,
    status: StatusCode,
    headers: &HeaderMap,
    url: &Url,
    redirected: bool,
    credentials: CredentialsMode,
) -> Response {
    let last = Some(without_fragment(url));
    match response_type {
        ResponseType::Basic => Response {
            response_type,
            status: status.as_u16(),
            url: last,
            redirected,
            headers: filter_headers(headers, |_, _| true),
        },
        ResponseType::Cors => Response {
            response_type,
            status: status.as_u16(),
            url: last,
            redirected,
            headers: cors_readable(headers, credentials),
        },
        ResponseType::Opaque => Response {
            response_type,
            status: 0,
            url: None,
            redirected: false,
            headers: ResponseHeaders::new(),
        },
        ResponseType::OpaqueRedirect => Response {
            response_type,
            status: 0,
            url: last,
            redirected: false,
            headers: ResponseHeaders::new(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderName;

    fn h(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut m = HeaderMap::new();
        for (n, v) in pairs {
            m.append(
                HeaderName::from_bytes(n.as_bytes()).unwrap(),
                v.parse().unwrap(),
            );
        }
        m
    }

    fn names(t: ResponseType, pairs: &[(&str, &str)], cred: CredentialsMode) -> Vec<String> {
        let u = Url::parse("http://b.test/r#frag").unwrap();
        filtered(t, StatusCode::OK, &h(pairs), &u, false, cred).header_names()
    }

    #[test]
    fn response_headers_answer_like_a_header_map() {
        let map = h(&[("x-id", "1"), ("content-type", "text/plain"), ("x-id", "2")]);
        let headers = ResponseHeaders::from(map.clone());
        assert_eq!(headers.to_header_map(), map);
        assert_eq!(HeaderMap::from(headers.clone()), map);
        assert_eq!(headers.get("X-ID").unwrap(), "1");
        assert_eq!(headers.get_all("x-id").collect::<Vec<_>>(), ["1", "2"]);
        assert_eq!(headers.keys().collect::<Vec<_>>(), ["x-id", "content-type"]);
        assert_eq!(headers.len(), map.len());
        assert!(headers.contains_key("Content-Type") && !headers.contains_key("x-other"));
        assert_eq!(
            format!("{headers:?}"),
            r#"{"x-id": "1", "x-id": "2", "content-type": "text/plain"}"#
        );
        // Names in another order compare equal; values in another order do not.
        let list = |lines: &[(&'static str, &'static str)]| -> ResponseHeaders {
            lines
                .iter()
                .map(|(n, v)| (HeaderName::from_static(n), HeaderValue::from_static(v)))
                .collect()
        };
        let reordered = list(&[("content-type", "text/plain"), ("x-id", "1"), ("x-id", "2")]);
        assert_eq!(headers, reordered);
        let swapped = list(&[("x-id", "2"), ("x-id", "1"), ("content-type", "text/plain")]);
        assert_ne!(headers, swapped);
    }

    proptest::proptest! {
        /// A `ResponseHeaders` answers every question as the `HeaderMap` it
        /// came from does.
        #[test]
        fn response_headers_agree_with_the_header_map(
            lines in proptest::collection::vec((0usize..5, "[a-z0-9 ]{0,6}"), 0..12),
        ) {
            const NAMES: [&str; 5] = ["x-a", "x-b", "content-type", "vary", "etag"];
            let mut map = HeaderMap::new();
            for (n, v) in &lines {
                let name = HeaderName::from_static(NAMES.get(*n).copied().unwrap_or("x-a"));
                map.append(name, HeaderValue::from_str(v).unwrap());
            }
            let headers = ResponseHeaders::from(map.clone());
            proptest::prop_assert_eq!(headers.len(), map.len());
            proptest::prop_assert_eq!(headers.keys().collect::<Vec<_>>(), map.keys().collect::<Vec<_>>());
            for name in NAMES {
                proptest::prop_assert_eq!(headers.get(name), map.get(name));
                proptest::prop_assert_eq!(headers.get_all(name).collect::<Vec<_>>(), map.get_all(name).iter().collect::<Vec<_>>());
                proptest::prop_assert_eq!(headers.contains_key(name.to_uppercase()), map.contains_key(name));
            }
            proptest::prop_assert_eq!(headers.to_header_map(), map);
        }
    }

    #[test]
    fn the_length_check_keeps_every_safelisted_name() {
        for name in &SAFELISTED_RESPONSE_HEADERS {
            assert!(is_safelisted_response_header(name, name.as_str()), "{name}");
        }
        for other in ["date", "vary", "x-request-id", "content-encoding", "etag"] {
            let name = HeaderName::from_static(other);
            assert!(!is_safelisted_response_header(&name, other), "{other}");
        }
    }

    #[test]
    fn set_cookie_is_never_readable() {
        let pairs = [
            ("set-cookie", "a=b"),
            ("set-cookie2", "a=b"),
            ("x-a", "1"),
            ("access-control-expose-headers", "*, set-cookie"),
        ];
        assert_eq!(
            names(ResponseType::Basic, &pairs, CredentialsMode::Omit),
            ["access-control-expose-headers", "x-a"]
        );
        assert_eq!(
            names(ResponseType::Cors, &pairs, CredentialsMode::Omit),
            ["access-control-expose-headers", "x-a"]
        );
    }

    #[test]
    fn cors_exposes_safelisted_and_listed_names() {
        let pairs = [
            ("content-type", "text/plain"),
            ("x-a", "1"),
            ("x-b", "1"),
            ("access-control-expose-headers", "X-A"),
        ];
        assert_eq!(
            names(ResponseType::Cors, &pairs, CredentialsMode::Omit),
            ["content-type", "x-a"]
        );
        let bad = [("x-a", "1"), ("access-control-expose-headers", "X-A;, X-B")];
        assert!(names(ResponseType::Cors, &bad, CredentialsMode::Omit).is_empty());
    }

    #[test]
    fn long_and_repeated_expose_lists_expose_every_listed_name() {
        let list: Vec<String> = (0..12).map(|i| format!("X-{i}")).collect();
        let list = list.join(", ");
        let pairs = [
            ("x-0", "1"),
            ("x-11", "1"),
            ("x-12", "1"),
            ("access-control-expose-headers", list.as_str()),
        ];
        assert_eq!(
            names(ResponseType::Cors, &pairs, CredentialsMode::Include),
            ["x-0", "x-11"]
        );
        // Two lines are one list; a bad item on either exposes nothing.
        let two = [
            ("x-a", "1"),
            ("x-b", "1"),
            ("access-control-expose-headers", "x-a"),
            ("access-control-expose-headers", "X-B"),
        ];
        assert_eq!(
            names(ResponseType::Cors, &two, CredentialsMode::Omit),
            ["x-a", "x-b"]
        );
        let bad = [
            ("x-a", "1"),
            ("access-control-expose-headers", "x-a"),
            ("access-control-expose-headers", "x b"),
        ];
        assert!(names(ResponseType::Cors, &bad, CredentialsMode::Omit).is_empty());
    }

    #[test]
    fn star_is_literal_with_credentials() {
        let pairs = [("x-a", "1"), ("access-control-expose-headers", "*")];
        assert_eq!(
            names(ResponseType::Cors, &pairs, CredentialsMode::Omit),
            ["access-control-expose-headers", "x-a"]
        );
        assert!(names(ResponseType::Cors, &pairs, CredentialsMode::Include).is_empty());
    }

    #[test]
    fn opaque_shapes() {
        let u = Url::parse("http://b.test/r#f").unwrap();
        let o = filtered(
            ResponseType::Opaque,
            StatusCode::OK,
            &h(&[("x", "1")]),
            &u,
            true,
            CredentialsMode::Omit,
        );
        assert_eq!((o.status, o.url.is_none(), o.headers.len()), (0, true, 0));
        let r = filtered(
            ResponseType::OpaqueRedirect,
            StatusCode::FOUND,
            &h(&[]),
            &u,
            true,
            CredentialsMode::Omit,
        );
        assert_eq!(r.url.unwrap().as_str(), "http://b.test/r");
        assert_eq!(r.status, 0);
        assert!(
            !r.redirected,
            "an opaque-redirect response never says redirected"
        );
    }
}
