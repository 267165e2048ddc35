//! Header lists and the small parsers of header values the CORS protocol
//! needs: [Fetch § headers](https://fetch.spec.whatwg.org/#terminology-headers).
//!
//! Request headers set by script are kept in a [`HeaderList`], not in an
//! [`http::HeaderMap`], because `fetch()` accepts header values the `http`
//! crate refuses (a DEL byte, for instance) and the browser sends them.

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue};

use crate::input::InputError;

/// [Isomorphic decode](https://infra.spec.whatwg.org/#isomorphic-decode):
/// each byte becomes the code point of the same value (how script sees
/// header bytes).
///
/// ```
/// assert_eq!(browser_cors::headers::isomorphic_decode(b"h\xe9"), "h\u{e9}");
/// ```
pub fn isomorphic_decode(bytes: &[u8]) -> String {
    // ASCII decodes to itself: one copy instead of a char per byte.
    match std::str::from_utf8(bytes) {
        Ok(ascii) if bytes.is_ascii() => ascii.to_owned(),
        _ => bytes.iter().map(|&b| char::from(b)).collect(),
    }
}

/// [Isomorphic encode](https://infra.spec.whatwg.org/#isomorphic-encode) of a
/// byte string (how `fetch()` turns a JavaScript string into header bytes):
/// `Err` with the first code point above U+00FF, which `fetch()` refuses.
///
/// ```
/// assert_eq!(browser_cors::headers::isomorphic_encode("h\u{e9}"), Ok(b"h\xe9".to_vec()));
/// assert_eq!(browser_cors::headers::isomorphic_encode("\u{20ac}"), Err('\u{20ac}'));
/// ```
pub fn isomorphic_encode(s: &str) -> Result<Vec<u8>, char> {
    s.chars()
        .map(|c| u8::try_from(u32::from(c)).map_err(|_| c))
        .collect()
}

/// [HTTP whitespace](https://fetch.spec.whatwg.org/#http-whitespace): tab,
/// LF, CR or space (not form feed, unlike `u8::is_ascii_whitespace`).
pub(crate) fn is_http_whitespace(b: u8) -> bool {
    matches!(b, b'\t' | b'\n' | b'\r' | b' ')
}

/// [HTTP tab or space](https://fetch.spec.whatwg.org/#http-tab-or-space).
pub(crate) fn is_http_tab_or_space(b: u8) -> bool {
    matches!(b, b'\t' | b' ')
}

/// Removes leading and trailing [HTTP whitespace](https://fetch.spec.whatwg.org/#concept-header-value-normalize).
pub fn normalize_value(value: &[u8]) -> &[u8] {
    trim_with(value, is_http_whitespace)
}

/// Removes leading and trailing HTTP tab-or-space bytes (what an HTTP/1.1
/// parser strips around a field value).
pub(crate) fn trim_tab_space(value: &[u8]) -> &[u8] {
    trim_with(value, is_http_tab_or_space)
}

fn trim_with(value: &[u8], strip: fn(u8) -> bool) -> &[u8] {
    let start = value.iter().position(|b| !strip(*b)).unwrap_or(value.len());
    let end = value
        .iter()
        .rposition(|b| !strip(*b))
        .map_or(start, |i| i + 1);
    value.get(start..end).unwrap_or_default()
}

/// [HTTP token code points](https://mimesniff.spec.whatwg.org/#http-token-code-point),
/// one entry per byte: a load per byte instead of a chain of ranges.
#[allow(clippy::indexing_slicing)] // evaluated at compile time: i < 256
static TOKEN_BYTES: [bool; 256] = {
    let mut table = [false; 256];
    let mut i = 0;
    while i < 256 {
        table[i] = matches!(i as u8,
            b'!' | b'#' | b'$' | b'%' | b'&' | b'\'' | b'*' | b'+' | b'-' | b'.' | b'^' | b'_' | b'`'
            | b'|' | b'~' | b'0'..=b'9' | b'a'..=b'z' | b'A'..=b'Z');
        i += 1;
    }
    table
};

/// Whether `b` is an [HTTP token code point](https://mimesniff.spec.whatwg.org/#http-token-code-point).
pub(crate) fn is_token_byte(b: u8) -> bool {
    // A `u8` indexes a 256-entry table: the compiler drops the bound check.
    TOKEN_BYTES.get(usize::from(b)).copied().unwrap_or(false)
}

/// Whether `s` is a non-empty [token](https://httpwg.org/specs/rfc9110.html#tokens).
pub fn is_token(s: &[u8]) -> bool {
    !s.is_empty() && s.iter().all(|b| is_token_byte(*b))
}

/// Whether a byte sequence is a valid [header value](https://fetch.spec.whatwg.org/#header-value)
/// once normalized: no NUL, CR or LF.
pub(crate) fn is_valid_value(value: &[u8]) -> bool {
    !value.iter().any(|b| matches!(b, 0 | b'\r' | b'\n'))
}

/// All the values of `name` in a response, joined by `, ` the way
/// [get](https://fetch.spec.whatwg.org/#concept-header-list-get) combines them,
/// each line trimmed of the tabs and spaces an HTTP parser removes.
/// `None` when the header is absent.
pub fn get_combined(headers: &HeaderMap, name: &HeaderName) -> Option<Vec<u8>> {
    get_combined_cow(headers, name).map(std::borrow::Cow::into_owned)
}

/// [`get_combined`] borrowing the value when the header has a single line
/// (no allocation on that, the usual, path).
pub(crate) fn get_combined_cow<'a>(
    headers: &'a HeaderMap,
    name: &HeaderName,
) -> Option<std::borrow::Cow<'a, [u8]>> {
    let mut values = headers.get_all(name).iter();
    let first = trim_tab_space(values.next()?.as_bytes());
    let Some(second) = values.next() else {
        return Some(std::borrow::Cow::Borrowed(first));
    };
    let mut buf = first.to_vec();
    for value in std::iter::once(second).chain(values) {
        buf.extend_from_slice(b", ");
        buf.extend_from_slice(trim_tab_space(value.as_bytes()));
    }
    Some(std::borrow::Cow::Owned(buf))
}

/// Parses a comma-separated list of tokens, as Chromium parses
/// `Access-Control-Allow-Methods`, `-Allow-Headers` and `-Expose-Headers`:
/// items are trimmed, empty items skipped, and one item that is not a token
/// makes the whole list invalid (`None`).
/// [Fetch § extract header list values](https://fetch.spec.whatwg.org/#extract-header-list-values)
///
/// ```
/// use browser_cors::headers::parse_token_list;
/// assert_eq!(parse_token_list(b" GET , PUT ,,DELETE ").unwrap(), ["GET", "PUT", "DELETE"]);
/// assert!(parse_token_list(b"PUT;").is_none());
/// assert!(parse_token_list(b"").unwrap().is_empty());
/// ```
pub fn parse_token_list(value: &[u8]) -> Option<Vec<String>> {
    if !is_token_list(value) {
        return None;
    }
    // Tokens are ASCII, so the conversion never replaces a byte.
    Some(
        list_items(value)
            .map(|item| String::from_utf8_lossy(item).into_owned())
            .collect(),
    )
}

/// The items of a comma-separated list, trimmed, empty items skipped (not
/// checked: see [`is_token_list`]). Borrows: no allocation.
pub(crate) fn list_items(value: &[u8]) -> impl Iterator<Item = &[u8]> + Clone {
    value
        .split(|b| *b == b',')
        .map(normalize_value)
        .filter(|item| !item.is_empty())
}

/// Whether [`parse_token_list`] accepts `value`: every item is a token.
pub(crate) fn is_token_list(value: &[u8]) -> bool {
    list_items(value).all(is_token)
}

/// The [header list](https://fetch.spec.whatwg.org/#concept-header-list) of a
/// request as script gave it to `fetch()`: names lowercased (they are
/// case-insensitive), values normalized (leading and trailing whitespace
/// removed), entries in the order appended; [`HeaderList::get`] combines the
/// values of one name with `, `.
///
/// Values are [`Bytes`]: the browser's own constant headers cost no copy,
/// and [`HeaderList::to_header_map`] shares them with the `http` request.
///
/// ```
/// use browser_cors::HeaderList;
/// let mut h = HeaderList::new();
/// h.append("Accept", "text/html").unwrap();
/// h.append("accept", " text/plain ").unwrap();
/// assert_eq!(h.get("ACCEPT").as_deref(), Some(&b"text/html, text/plain"[..]));
/// assert!(h.append("X-Bad", "a\r\nb").is_err());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HeaderList {
    entries: Vec<(HeaderName, Bytes)>,
}

/// The value of one name in [`HeaderList::combined_ref`]: its only line,
/// or its lines joined with `, `.
#[derive(Debug)]
pub(crate) enum Combined<'a> {
    One(&'a Bytes),
    Joined(Vec<u8>),
}

impl AsRef<[u8]> for Combined<'_> {
    fn as_ref(&self) -> &[u8] {
        match self {
            Combined::One(v) => v,
            Combined::Joined(v) => v,
        }
    }
}

impl HeaderList {
    /// An empty list.
    ///
    /// ```
    /// assert!(browser_cors::HeaderList::new().is_empty());
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty list with room for `n` headers.
    pub(crate) fn with_capacity(n: usize) -> Self {
        HeaderList {
            entries: Vec::with_capacity(n),
        }
    }

    /// Appends a header as `Headers.append()` does: the name must be a token,
    /// the value is normalized and must not contain NUL, CR or LF.
    ///
    /// ```
    /// let mut h = browser_cors::HeaderList::new();
    /// assert!(h.append("X Bad", "1").is_err()); // a space is not a token byte
    /// h.append("X-Custom", [b'1', 0x7f]).unwrap(); // DEL is a valid value byte
    /// ```
    pub fn append(
        &mut self,
        name: impl AsRef<[u8]>,
        value: impl AsRef<[u8]>,
    ) -> Result<(), InputError> {
        let name = parse_name(name.as_ref())?;
        let value = normalize_value(value.as_ref());
        if !is_valid_value(value) {
            return Err(InputError::HeaderValue {
                name: name.as_str().to_owned(),
            });
        }
        self.entries.push((name, Bytes::copy_from_slice(value)));
        Ok(())
    }

    /// Sets `name` to `value`, replacing any earlier value (the browser's own
    /// headers are set this way). The value is taken as given.
    pub(crate) fn set(&mut self, name: HeaderName, value: impl Into<Bytes>) {
        let value = value.into();
        let Some(first) = self.entries.iter().position(|(n, _)| *n == name) else {
            // Not there yet (the usual case): no search for duplicates.
            return self.entries.push((name, value));
        };
        self.entries.retain(|(n, _)| *n != name);
        let at = first.min(self.entries.len());
        self.entries.insert(at, (name, value));
    }

    /// Sets the `Cookie` header (what a cookie jar adds to a request).
    ///
    /// ```
    /// let mut h = browser_cors::HeaderList::new();
    /// h.set_cookie("a=1; b=2");
    /// assert_eq!(h.get("cookie").as_deref(), Some(&b"a=1; b=2"[..]));
    /// ```
    pub fn set_cookie(&mut self, value: impl Into<Bytes>) {
        self.set(http::header::COOKIE, value);
    }

    /// The (combined) value of `name`, compared case-insensitively.
    ///
    /// ```
    /// let mut h = browser_cors::HeaderList::new();
    /// h.append("X-A", "1").unwrap();
    /// assert_eq!(h.get("x-a").as_deref(), Some(&b"1"[..]));
    /// assert_eq!(h.get("x-b"), None);
    /// ```
    pub fn get(&self, name: &str) -> Option<std::borrow::Cow<'_, [u8]>> {
        let mut values = self
            .entries
            .iter()
            .filter(|(n, _)| n.as_str().eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_ref());
        let first = values.next()?;
        match values.next() {
            None => Some(std::borrow::Cow::Borrowed(first)),
            Some(second) => {
                let mut buf = first.to_vec();
                for v in std::iter::once(second).chain(values) {
                    buf.extend_from_slice(b", ");
                    buf.extend_from_slice(v);
                }
                Some(std::borrow::Cow::Owned(buf))
            }
        }
    }

    /// The first value of `name`, as appended.
    pub(crate) fn first(&self, name: &str) -> Option<&[u8]> {
        self.entries
            .iter()
            .find(|(n, _)| n.as_str().eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_ref())
    }

    /// One entry per name, in the order first appended, values combined
    /// with `, ` ([sort and combine](https://fetch.spec.whatwg.org/#concept-header-list-sort-and-combine)
    /// without the sorting).
    ///
    /// ```
    /// let mut h = browser_cors::HeaderList::new();
    /// h.append("X-A", "1").unwrap();
    /// h.append("X-B", "2").unwrap();
    /// h.append("X-A", "3").unwrap();
    /// let combined = h.combined();
    /// assert_eq!(combined[0].0, "x-a");
    /// assert_eq!(combined[0].1, "1, 3");
    /// assert_eq!(combined[1].1, "2");
    /// ```
    pub fn combined(&self) -> Vec<(HeaderName, Bytes)> {
        self.combined_ref()
            .into_iter()
            .map(|(name, value)| {
                let value = match value {
                    Combined::One(v) => v.clone(),
                    Combined::Joined(v) => Bytes::from(v),
                };
                (name.clone(), value)
            })
            .collect()
    }

    /// [`HeaderList::combined`] borrowing the names, and the values of
    /// names that have a single line (no copy on that, the usual, path).
    pub(crate) fn combined_ref(&self) -> Vec<(&HeaderName, Combined<'_>)> {
        let mut out: Vec<(&HeaderName, Combined<'_>)> = Vec::with_capacity(self.entries.len());
        // A scan for short lists, an index for long ones (linear, not quadratic).
        let mut index: std::collections::HashMap<&HeaderName, usize> =
            std::collections::HashMap::new();
        let long = self.entries.len() > 16;
        for (name, value) in &self.entries {
            let at = if long {
                index.get(name).copied()
            } else {
                out.iter().position(|(n, _)| *n == name)
            };
            match at.and_then(|i| out.get_mut(i)) {
                Some((_, combined)) => {
                    let mut joined = match std::mem::replace(combined, Combined::Joined(Vec::new()))
                    {
                        Combined::One(first) => first.to_vec(),
                        Combined::Joined(v) => v,
                    };
                    joined.extend_from_slice(b", ");
                    joined.extend_from_slice(value);
                    *combined = Combined::Joined(joined);
                }
                None => {
                    if long {
                        index.insert(name, out.len());
                    }
                    out.push((name, Combined::One(value)));
                }
            }
        }
        out
    }

    /// Whether `name` has a line (the list keeps names as `http` does,
    /// lowercase, so they compare as names).
    pub(crate) fn contains_name(&self, name: &HeaderName) -> bool {
        self.entries.iter().any(|(n, _)| n == name)
    }

    /// Appends an entry known not to be in the list yet (no search).
    pub(crate) fn push_new(&mut self, name: HeaderName, value: Bytes) {
        self.entries.push((name, value));
    }

    /// Whether the list has a header named `name` (case-insensitively).
    ///
    /// ```
    /// let mut h = browser_cors::HeaderList::new();
    /// h.append("Content-Type", "text/plain").unwrap();
    /// assert!(h.contains("content-type"));
    /// ```
    pub fn contains(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// Removes every header named `name`.
    pub(crate) fn remove(&mut self, name: &str) {
        self.entries
            .retain(|(n, _)| !n.as_str().eq_ignore_ascii_case(name));
    }

    /// The entries, in the order appended.
    ///
    /// ```
    /// let mut h = browser_cors::HeaderList::new();
    /// h.append("X-B", "1").unwrap();
    /// h.append("X-A", "2").unwrap();
    /// let names: Vec<_> = h.iter().map(|(n, _)| n.as_str()).collect();
    /// assert_eq!(names, ["x-b", "x-a"]);
    /// ```
    pub fn iter(&self) -> impl Iterator<Item = (&HeaderName, &[u8])> {
        self.entries.iter().map(|(n, v)| (n, v.as_ref()))
    }

    /// How many entries the list holds.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the list is empty.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The list as an [`http::HeaderMap`]. Fails, naming the header, when a
    /// value holds a byte the `http` crate cannot carry (a control byte such
    /// as DEL) — a browser would send it, an `http`-based client cannot.
    /// The values are shared, not copied.
    ///
    /// ```
    /// let mut h = browser_cors::HeaderList::new();
    /// h.append("X-A", "1").unwrap();
    /// assert_eq!(h.to_header_map().unwrap()["x-a"], "1");
    /// ```
    pub fn to_header_map(&self) -> Result<HeaderMap, InputError> {
        let mut map = HeaderMap::with_capacity(self.entries.len());
        for (name, value) in &self.entries {
            let v = HeaderValue::from_maybe_shared(value.clone()).map_err(|_| {
                InputError::HeaderValue {
                    name: name.as_str().to_owned(),
                }
            })?;
            map.append(name.clone(), v);
        }
        Ok(map)
    }
}

impl TryFrom<&HeaderMap> for HeaderList {
    type Error = InputError;

    /// Takes every line of an [`http::HeaderMap`], in order, as `append` would.
    ///
    /// ```
    /// let mut map = http::HeaderMap::new();
    /// map.append("x-a", http::HeaderValue::from_static("1"));
    /// map.append("x-a", http::HeaderValue::from_static("2"));
    /// let list = browser_cors::HeaderList::try_from(&map).unwrap();
    /// assert_eq!(list.get("x-a").as_deref(), Some(&b"1, 2"[..]));
    /// ```
    fn try_from(map: &HeaderMap) -> Result<Self, Self::Error> {
        let mut list = HeaderList::new();
        for (name, value) in map {
            list.append(name.as_str(), value.as_bytes())?;
        }
        Ok(list)
    }
}

impl<N: AsRef<[u8]>, V: AsRef<[u8]>> FromIterator<(N, V)> for HeaderList {
    /// Builds a list from pairs, silently skipping pairs that are invalid.
    /// Use [`HeaderList::append`] to learn about them.
    fn from_iter<T: IntoIterator<Item = (N, V)>>(iter: T) -> Self {
        let mut list = HeaderList::new();
        for (n, v) in iter {
            let _ = list.append(n, v);
        }
        list
    }
}

fn parse_name(name: &[u8]) -> Result<HeaderName, InputError> {
    if !is_token(name) {
        return Err(InputError::HeaderName {
            name: String::from_utf8_lossy(name).into_owned(),
        });
    }
    HeaderName::from_bytes(name).map_err(|_| InputError::HeaderName {
        name: String::from_utf8_lossy(name).into_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn isomorphic_decode_maps_each_byte_to_its_code_point_on_both_paths() {
        // Every byte alone (0x00-0x7F take the ASCII copy, the rest the
        // char-per-byte path), then a mixed string, against the definition.
        for b in 0..=255u8 {
            let decoded = isomorphic_decode(&[b]);
            assert_eq!(decoded.chars().collect::<Vec<_>>(), vec![char::from(b)]);
        }
        let mixed = b"a\x7f\x80\xffz";
        let decoded = isomorphic_decode(mixed);
        assert_eq!(decoded, "a\u{7f}\u{80}\u{ff}z");
        assert_eq!(isomorphic_encode(&decoded), Ok(mixed.to_vec()));
        assert_eq!(isomorphic_decode(b"plain ascii"), "plain ascii");
    }

    #[test]
    fn normalize_strips_http_whitespace_only() {
        assert_eq!(normalize_value(b" \t a b \r\n"), b"a b");
        assert_eq!(normalize_value(b"   "), b"");
        assert_eq!(normalize_value(b"\x0ba\x0b"), b"\x0ba\x0b");
    }

    #[test]
    fn token_bytes_are_rfc_9110_tchars() {
        // RFC 9110 § 5.6.2: tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*"
        // / "+" / "-" / "." / "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA
        let tchars =
            b"!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
        for b in 0..=255u8 {
            assert_eq!(is_token_byte(b), tchars.contains(&b), "byte {b:#04x}");
        }
        assert!(is_token(b"x-request-id"));
        assert!(!is_token(b""));
        assert!(!is_token(b"x id"));
    }

    #[test]
    fn token_list_rules() {
        assert_eq!(parse_token_list(b"x-a, X-B").unwrap(), ["x-a", "X-B"]);
        assert!(parse_token_list(b"x-a;, x-b").is_none());
        assert!(parse_token_list(b"a b").is_none());
        assert_eq!(parse_token_list(b" , ,").unwrap().len(), 0);
        assert_eq!(parse_token_list(b"*").unwrap(), ["*"]);
    }

    #[test]
    fn combined_response_values_are_trimmed_and_joined() {
        let mut map = HeaderMap::new();
        let n = HeaderName::from_static("access-control-allow-origin");
        map.append(n.clone(), HeaderValue::from_static("  a  "));
        map.append(n.clone(), HeaderValue::from_static("b"));
        assert_eq!(get_combined(&map, &n).unwrap(), b"a, b");
        assert!(get_combined(&map, &HeaderName::from_static("x")).is_none());
    }

    #[test]
    fn list_rejects_nul_cr_lf_and_bad_names() {
        let mut h = HeaderList::new();
        assert!(h.append("X", [b'a', 0]).is_err());
        assert!(h.append("X", "a\nb").is_err());
        assert!(h.append("", "a").is_err());
        assert!(h.append("X(", "a").is_err());
        assert!(h.append("X", "").is_ok());
        assert_eq!(h.get("x").as_deref(), Some(&b""[..]));
    }

    #[test]
    fn header_map_conversion_reports_unrepresentable_bytes() {
        let mut h = HeaderList::new();
        h.append("Accept", b"a\x7fb").unwrap();
        assert!(h.to_header_map().is_err());
    }
}
