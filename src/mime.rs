//! WHATWG MIME type parsing and serialization.
//!
//! This module implements the [MIME Sniffing standard]'s
//! ["parse a MIME type"] algorithm, in its
//! ["parse a MIME type from bytes"] form, and ["serialize a MIME type"].
//! Browsers use these algorithms for `Content-Type` values, for example when
//! Fetch decides whether a request's `Content-Type` is CORS-safelisted.
//!
//! The input is a header value as bytes. Following the standard, it is
//! [isomorphic decoded]: every byte becomes the code point with the same
//! value, so `0xE9` becomes `'é'` (U+00E9). Every string this module returns
//! only holds code points U+0000 to U+00FF.
//!
//! Note that a header value such as `text/plain, application/json` is *not*
//! split at the comma here (`,` is not an HTTP token code point, so it fails
//! to parse); splitting a combined header value is the job of Fetch's
//! "extract a MIME type", which calls this parser per value.
//!
//! [MIME Sniffing standard]: https://mimesniff.spec.whatwg.org/
//! ["parse a MIME type"]: https://mimesniff.spec.whatwg.org/#parse-a-mime-type
//! ["parse a MIME type from bytes"]: https://mimesniff.spec.whatwg.org/#parse-a-mime-type-from-bytes
//! ["serialize a MIME type"]: https://mimesniff.spec.whatwg.org/#serialize-a-mime-type
//! [isomorphic decoded]: https://infra.spec.whatwg.org/#isomorphic-decode
//!
//! ```
//! use browser_cors::mime::MimeType;
//!
//! let mime = MimeType::parse(b"Text/HTML; Charset=\"utf-8\"").unwrap();
//! assert_eq!(mime.essence(), "text/html");
//! assert_eq!(mime.serialize(), "text/html;charset=utf-8");
//! assert_eq!(MimeType::parse(b"text/plain, application/json"), None);
//! ```

use std::collections::HashSet;
use std::fmt;

/// A parsed MIME type.
///
/// The type and subtype are ASCII-lowercased; the parameters keep their input
/// order, with names ASCII-lowercased and values exactly as parsed (quotes
/// and escapes removed, case kept). All strings only hold code points U+0000
/// to U+00FF.
///
/// ```
/// use browser_cors::mime::MimeType;
///
/// let mime = MimeType::parse(b"text/plain;charset=UTF-8").unwrap();
/// assert_eq!(mime.type_(), "text");
/// assert_eq!(mime.subtype(), "plain");
/// assert_eq!(mime.parameters(), [("charset".to_string(), "UTF-8".to_string())]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MimeType {
    type_: String,
    subtype: String,
    parameters: Vec<(String, String)>,
}

impl MimeType {
    /// Parses a MIME type from a header value's bytes, returning `None` where
    /// the standard returns failure.
    ///
    /// ```
    /// use browser_cors::mime::MimeType;
    ///
    /// let mime = MimeType::parse(b" TEXT/PLAIN ; charset=utf-8 ").unwrap();
    /// assert_eq!(mime.serialize(), "text/plain;charset=utf-8");
    /// assert_eq!(MimeType::parse(b"text"), None);
    /// assert_eq!(MimeType::parse(b"text/"), None);
    /// ```
    pub fn parse(input: &[u8]) -> Option<MimeType> {
        // https://mimesniff.spec.whatwg.org/#parse-a-mime-type (steps numbered below)
        // 1. Remove leading and trailing HTTP whitespace. `rest` is the input
        //    from "position" on (2.); consuming from its front advances position.
        let mut rest = trim_http_whitespace(input);

        // 3-4. The type runs up to the first '/'.
        let type_ = collect(&mut rest, |b| b != b'/');
        if !is_token(type_) {
            return None;
        }
        // 5-6. Fail if there is no '/', otherwise skip it.
        rest = rest.strip_prefix(b"/")?;

        // 7-9. The subtype runs up to the first ';', minus trailing whitespace.
        let subtype = trim_end_http_whitespace(collect(&mut rest, |b| b != b';'));
        if !is_token(subtype) {
            return None;
        }

        // 10.
        let mut mime_type = MimeType {
            type_: lowercase_string(type_),
            subtype: lowercase_string(subtype),
            parameters: Vec::new(),
        };
        let mut names = HashSet::new();

        // 11. Here `rest` is either empty or starts with ';'.
        // 11.1. Skip the ';'.
        while let Some((_semicolon, after)) = rest.split_first() {
            rest = after;
            // 11.2.
            collect(&mut rest, is_http_whitespace);
            // 11.3-4. (lowercasing is done below, only for names that are kept)
            let name = collect(&mut rest, |b| b != b';' && b != b'=');
            // 11.5-6. A name cut short by ';' has no value; skip the '='.
            match rest.split_first() {
                Some((b';', _)) => continue,
                Some((_equals, after)) => rest = after,
                None => break,
            }
            if rest.is_empty() {
                break;
            }

            // 11.7-9.
            let value = if rest.first() == Some(&b'"') {
                let value = collect_http_quoted_string(&mut rest);
                collect(&mut rest, |b| b != b';');
                value
            } else {
                let value = trim_end_http_whitespace(collect(&mut rest, |b| b != b';'));
                if value.is_empty() {
                    continue;
                }
                value.to_vec()
            };

            // 11.10. Keep valid parameters; the first of a name wins.
            if is_token(name) && value.iter().all(|&b| is_http_quoted_string_token(b)) {
                let name = lowercase_string(name);
                if names.insert(name.clone()) {
                    mime_type.parameters.push((name, isomorphic_decode(&value)));
                }
            }
        }

        // 12.
        Some(mime_type)
    }

    /// The type, ASCII-lowercased (`"text"` in `text/html`).
    ///
    /// ```
    /// use browser_cors::mime::MimeType;
    ///
    /// assert_eq!(MimeType::parse(b"TEXT/html").unwrap().type_(), "text");
    /// ```
    pub fn type_(&self) -> &str {
        &self.type_
    }

    /// The subtype, ASCII-lowercased (`"html"` in `text/html`).
    ///
    /// ```
    /// use browser_cors::mime::MimeType;
    ///
    /// assert_eq!(MimeType::parse(b"text/HTML").unwrap().subtype(), "html");
    /// ```
    pub fn subtype(&self) -> &str {
        &self.subtype
    }

    /// The [essence]: type and subtype joined by `/`, without parameters.
    ///
    /// [essence]: https://mimesniff.spec.whatwg.org/#mime-type-essence
    ///
    /// ```
    /// use browser_cors::mime::MimeType;
    ///
    /// let mime = MimeType::parse(b"Application/JSON; charset=utf-8").unwrap();
    /// assert_eq!(mime.essence(), "application/json");
    /// ```
    pub fn essence(&self) -> String {
        format!("{}/{}", self.type_, self.subtype)
    }

    /// The parameters as `(name, value)` pairs in input order, without
    /// duplicate names. Names are ASCII-lowercased; values keep their case.
    ///
    /// ```
    /// use browser_cors::mime::MimeType;
    ///
    /// let mime = MimeType::parse(b"text/plain;A=1;b=\"two\";a=3").unwrap();
    /// let expected = [
    ///     ("a".to_string(), "1".to_string()),
    ///     ("b".to_string(), "two".to_string()),
    /// ];
    /// assert_eq!(mime.parameters(), expected);
    /// ```
    pub fn parameters(&self) -> &[(String, String)] {
        &self.parameters
    }

    /// The value of the parameter named `name` (matched ASCII
    /// case-insensitively), if there is one.
    ///
    /// ```
    /// use browser_cors::mime::MimeType;
    ///
    /// let mime = MimeType::parse(b"text/html;charset=GBK").unwrap();
    /// assert_eq!(mime.parameter("Charset"), Some("GBK"));
    /// assert_eq!(mime.parameter("boundary"), None);
    /// ```
    pub fn parameter(&self, name: &str) -> Option<&str> {
        self.parameters
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    /// [Serializes] the MIME type: `type/subtype` followed by `;name=value`
    /// for each parameter, quoting values that are empty or not made of HTTP
    /// token code points.
    ///
    /// [Serializes]: https://mimesniff.spec.whatwg.org/#serialize-a-mime-type
    ///
    /// ```
    /// use browser_cors::mime::MimeType;
    ///
    /// let mime = MimeType::parse(b"text/html; charset=\"gbk\"; x=\"a \\\"b\\\"\"").unwrap();
    /// assert_eq!(mime.serialize(), r#"text/html;charset=gbk;x="a \"b\"""#);
    /// ```
    pub fn serialize(&self) -> String {
        let mut serialization = self.essence();
        for (name, value) in &self.parameters {
            serialization.push(';');
            serialization.push_str(name);
            serialization.push('=');
            if is_token_string(value) {
                serialization.push_str(value);
            } else {
                serialization.push('"');
                for c in value.chars() {
                    if c == '"' || c == '\\' {
                        serialization.push('\\');
                    }
                    serialization.push(c);
                }
                serialization.push('"');
            }
        }
        serialization
    }
}

/// Formats the MIME type as its [serialization](MimeType::serialize).
///
/// ```
/// use browser_cors::mime::MimeType;
///
/// let mime = MimeType::parse(b"TEXT/PLAIN;CHARSET=UTF-8").unwrap();
/// assert_eq!(mime.to_string(), "text/plain;charset=UTF-8");
/// ```
impl fmt::Display for MimeType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.serialize())
    }
}

/// Whether `input` parses as a MIME type whose essence is one of `essences`
/// (given lowercase), without allocating: the same answer as
/// `MimeType::parse(input).is_some_and(|m| essences.contains(&m.essence().as_str()))`,
/// since parameters never make parsing fail. The safelist uses the faster
/// [`essence_is_cors_safelisted`]; this general form is the oracle the tests
/// and the fuzz targets check that one against.
#[cfg(any(test, feature = "fuzzing"))]
pub(crate) fn essence_is_any(input: &[u8], essences: &[&str]) -> bool {
    // A MIME type whose essence is `e` starts with `e` (in any case) once
    // the leading whitespace is gone, and `e` is followed by nothing or by
    // whitespace and then nothing or `;`: the parser trims the subtype's
    // trailing whitespace, and anything else there would make the subtype
    // a longer string (or not a token). Parameters never make parsing fail.
    let input = trim_http_whitespace(input);
    essences.iter().any(|essence| {
        let e = essence.as_bytes();
        input
            .get(..e.len())
            .is_some_and(|p| p.eq_ignore_ascii_case(e))
            && {
                let rest = input.get(e.len()..).unwrap_or_default();
                let after_ws = rest
                    .iter()
                    .position(|b| !matches!(b, b'\t' | b'\n' | b'\r' | b' '))
                    .and_then(|i| rest.get(i));
                matches!(after_ws, None | Some(b';'))
            }
    })
}

/// Whether `input` parses as a MIME type whose essence is one of the three a
/// [CORS-safelisted request-header](https://fetch.spec.whatwg.org/#cors-safelisted-request-header)
/// `Content-Type` may have (`application/x-www-form-urlencoded`,
/// `multipart/form-data`, `text/plain`): the same answer as
/// [`essence_is_any`] with those three, with one comparison instead of
/// three. The essences start with different letters, so the first byte
/// picks the only one that can match.
pub(crate) fn essence_is_cors_safelisted(input: &[u8]) -> bool {
    static FORM: Caseless<33> = Caseless::new(b"application/x-www-form-urlencoded");
    static MULTIPART: Caseless<19> = Caseless::new(b"multipart/form-data");
    static TEXT: Caseless<10> = Caseless::new(b"text/plain");
    // Leading whitespace only: trailing whitespace is skipped below.
    let input = match input.iter().position(|&b| !is_http_whitespace(b)) {
        Some(start) => input.get(start..).unwrap_or_default(),
        None => return false,
    };
    let rest = match input.first().map(u8::to_ascii_lowercase) {
        Some(b'a') => FORM.strip_prefix_of(input),
        Some(b'm') => MULTIPART.strip_prefix_of(input),
        Some(b't') => TEXT.strip_prefix_of(input),
        _ => None,
    };
    // As in `essence_is_any`: after the essence, whitespace, then the end
    // or the parameters.
    rest.is_some_and(|rest| {
        matches!(
            rest.iter().find(|&&b| !is_http_whitespace(b)),
            None | Some(b';')
        )
    })
}

/// A lowercase ASCII string of at least 8 bytes, to find at the start of
/// input ignoring ASCII case, 8 bytes at a time.
struct Caseless<const N: usize> {
    lower: [u8; N],
    /// 0x20 where `lower` has a letter: the bit ASCII case flips.
    flips: [u8; N],
}

impl<const N: usize> Caseless<N> {
    /// Built at compile time, where a failed assertion stops the build.
    #[allow(clippy::indexing_slicing)]
    const fn new(lower: &[u8; N]) -> Caseless<N> {
        assert!(N >= 8);
        let mut flips = [0u8; N];
        let mut i = 0;
        while i < N {
            assert!(!lower[i].is_ascii_uppercase());
            if lower[i].is_ascii_lowercase() {
                flips[i] = 0x20;
            }
            i += 1;
        }
        Caseless {
            lower: *lower,
            flips,
        }
    }

    /// `input` after the string, if `input` starts with it ignoring ASCII
    /// case. Compares words at offsets 0, 8, ... and, overlapping, `N - 8`:
    /// a byte `b` matches a lowercase letter `l` when `b | 0x20 == l` (`b`
    /// is `l` or its uppercase), any other byte only itself.
    #[inline(always)]
    fn strip_prefix_of<'a>(&self, input: &'a [u8]) -> Option<&'a [u8]> {
        let (head, rest) = input.split_first_chunk::<N>()?;
        let word = |bytes: &[u8; N], offset: usize| {
            bytes
                .get(offset..offset.saturating_add(8))
                .and_then(|w| <[u8; 8]>::try_from(w).ok())
                .map_or(0, u64::from_le_bytes)
        };
        let same = (0..N.div_ceil(8)).all(|k| {
            let offset = (8 * k).min(N.saturating_sub(8));
            word(head, offset) | word(&self.flips, offset) == word(&self.lower, offset)
        });
        same.then_some(rest)
    }
}

/// Removes the longest prefix of `rest` whose bytes all match `keep` and
/// returns it ("collect a sequence of code points").
fn collect<'a>(rest: &mut &'a [u8], keep: impl Fn(u8) -> bool) -> &'a [u8] {
    let len = rest.iter().position(|&b| !keep(b)).unwrap_or(rest.len());
    let (collected, after) = rest.split_at_checked(len).unwrap_or((rest, &[]));
    *rest = after;
    collected
}

/// Fetch's [collect an HTTP quoted string] with *extract-value* set: `rest`
/// starts with `"`; returns the unescaped value and consumes up to and
/// including the closing `"` (or to the end if it is missing).
///
/// [collect an HTTP quoted string]: https://fetch.spec.whatwg.org/#collect-an-http-quoted-string
fn collect_http_quoted_string(rest: &mut &[u8]) -> Vec<u8> {
    let mut value = Vec::new();
    *rest = rest.get(1..).unwrap_or_default();
    loop {
        value.extend_from_slice(collect(rest, |b| b != b'"' && b != b'\\'));
        let Some((&quote_or_backslash, after)) = rest.split_first() else {
            break;
        };
        *rest = after;
        if quote_or_backslash != b'\\' {
            break;
        }
        match rest.split_first() {
            Some((&escaped, after)) => {
                value.push(escaped);
                *rest = after;
            }
            None => {
                value.push(b'\\');
                break;
            }
        }
    }
    value
}

/// Both ends' HTTP whitespace, as header value normalization strips it.
fn trim_http_whitespace(bytes: &[u8]) -> &[u8] {
    crate::headers::normalize_value(bytes)
}

fn trim_end_http_whitespace(mut bytes: &[u8]) -> &[u8] {
    while let [before @ .., last] = bytes
        && is_http_whitespace(*last)
    {
        bytes = before;
    }
    bytes
}

/// A non-empty string of HTTP token code points.
fn is_token(bytes: &[u8]) -> bool {
    !bytes.is_empty() && bytes.iter().all(|&b| is_token_byte(b))
}

/// A non-empty string of HTTP token code points.
fn is_token_string(value: &str) -> bool {
    !value.is_empty()
        && value
            .chars()
            .all(|c| u8::try_from(c).is_ok_and(is_token_byte))
}

/// An [HTTP quoted-string token code point](https://mimesniff.spec.whatwg.org/#http-quoted-string-token-code-point):
/// tab, U+0020 to U+007E, or U+0080 to U+00FF.
fn is_http_quoted_string_token(b: u8) -> bool {
    matches!(b, b'\t' | 0x20..=0x7E | 0x80..=0xFF)
}

/// [Isomorphic decode](https://infra.spec.whatwg.org/#isomorphic-decode):
/// each byte becomes the code point of the same value.
use crate::headers::{is_http_whitespace, is_token_byte, isomorphic_decode};

fn lowercase_string(bytes: &[u8]) -> String {
    isomorphic_decode(&bytes.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn serialized(input: &[u8]) -> Option<String> {
        MimeType::parse(input).map(|mime| mime.serialize())
    }

    fn params(input: &[u8]) -> Vec<(String, String)> {
        MimeType::parse(input)
            .map(|mime| mime.parameters().to_vec())
            .unwrap_or_default()
    }

    fn pair(name: &str, value: &str) -> (String, String) {
        (name.to_string(), value.to_string())
    }

    /// Isomorphic encode; `None` if a char is above U+00FF.
    fn to_bytes(s: &str) -> Option<Vec<u8>> {
        s.chars().map(|c| u8::try_from(c).ok()).collect()
    }

    #[test]
    fn accessors() {
        let mime = MimeType::parse(b"text/plain;charset=utf-8").unwrap();
        assert_eq!(mime.type_(), "text");
        assert_eq!(mime.subtype(), "plain");
        assert_eq!(mime.essence(), "text/plain");
        assert_eq!(mime.parameters(), [pair("charset", "utf-8")]);
        assert_eq!(mime.parameter("CHARSET"), Some("utf-8"));
        assert_eq!(mime.serialize(), "text/plain;charset=utf-8");
        assert_eq!(mime.to_string(), "text/plain;charset=utf-8");
    }

    #[test]
    fn type_and_subtype_are_lowercased() {
        let mime = MimeType::parse(b"TEXT/PLAIN").unwrap();
        assert_eq!((mime.type_(), mime.subtype()), ("text", "plain"));
        assert_eq!(mime.parameters(), []);
    }

    #[test]
    fn step_1_trims_http_whitespace_only() {
        assert_eq!(
            serialized(b" \t\r\ntext/plain \t\r\n"),
            Some("text/plain".into())
        );
        // Form feed and vertical tab are not HTTP whitespace.
        assert_eq!(serialized(b"\x0ctext/plain"), None);
        assert_eq!(serialized(b"text/plain\x0c"), None);
        assert_eq!(serialized(b"\x0btext/plain"), None);
        assert_eq!(serialized(b""), None);
        assert_eq!(serialized(b" \t "), None);
    }

    #[test]
    fn steps_3_to_6_type() {
        assert_eq!(serialized(b"text"), None, "no slash");
        assert_eq!(serialized(b"/plain"), None, "empty type");
        assert_eq!(serialized(b"/"), None);
        assert_eq!(serialized(b"te xt/plain"), None);
        assert_eq!(serialized(b"text /plain"), None, "no trimming before '/'");
        assert_eq!(serialized(b"te(x)t/plain"), None);
        assert_eq!(serialized(b"\"text\"/plain"), None);
        assert_eq!(
            serialized(b"!#$%&'*+-.^_`|~09AZaz/x"),
            Some("!#$%&'*+-.^_`|~09azaz/x".into())
        );
    }

    #[test]
    fn steps_7_to_9_subtype() {
        assert_eq!(serialized(b"text/"), None, "empty subtype");
        assert_eq!(serialized(b"text/;charset=utf-8"), None);
        assert_eq!(serialized(b"text/ plain"), None, "no leading trim");
        assert_eq!(
            serialized(b"text/plain \t;x=y"),
            Some("text/plain;x=y".into())
        );
        assert_eq!(
            serialized(b"text/plain/x"),
            None,
            "'/' is not a token code point"
        );
        assert_eq!(serialized(b"text/html(;x=y"), None);
    }

    #[test]
    fn comma_separated_values_fail() {
        // The subtype is "plain, application/json": ',', ' ' and '/' are not
        // HTTP token code points.
        assert_eq!(serialized(b"text/plain, application/json"), None);
        assert_eq!(serialized(b"text/plain,"), None);
    }

    #[test]
    fn parameter_whitespace() {
        // 11.2 skips whitespace before a name; nothing trims after it.
        assert_eq!(params(b"x/x; \t a=b"), [pair("a", "b")]);
        assert_eq!(params(b"x/x;a =b"), []);
        // Whitespace after '=' is part of an unquoted value, trailing is trimmed.
        assert_eq!(
            params(b"x/x;a= b \t;c=d"),
            [pair("a", " b"), pair("c", "d")]
        );
        assert_eq!(params(b"x/x;a= \t"), [], "value empty after trimming");
        assert_eq!(serialized(b"x/x;a= b"), Some("x/x;a=\" b\"".into()));
    }

    #[test]
    fn parameters_without_equals_or_value() {
        assert_eq!(params(b"x/x;a;b=c"), [pair("b", "c")]);
        assert_eq!(params(b"x/x;a"), []);
        assert_eq!(params(b"x/x;a="), []);
        assert_eq!(params(b"x/x;a=;b=c"), [pair("b", "c")]);
        assert_eq!(params(b"x/x;=c;b=d"), [pair("b", "d")], "empty name");
        assert_eq!(params(b"x/x;;;b=c;"), [pair("b", "c")]);
        assert_eq!(params(b"x/x;a==b"), [pair("a", "=b")]);
    }

    #[test]
    fn parameter_names() {
        assert_eq!(params(b"x/x;CharSet=UTF-8"), [pair("charset", "UTF-8")]);
        assert_eq!(params(b"x/x;a]=b;c=d"), [pair("c", "d")]);
        assert_eq!(params(b"x/x;\xe9=b;c=d"), [pair("c", "d")]);
    }

    #[test]
    fn quoted_string_values() {
        assert_eq!(params(br#"x/x;a="b c""#), [pair("a", "b c")]);
        assert_eq!(params(br#"x/x;a="b\"c\\d\e""#), [pair("a", r#"b"c\de"#)]);
        assert_eq!(
            params(br#"x/x;a="b;c";d=e"#),
            [pair("a", "b;c"), pair("d", "e")]
        );
        // Unterminated quoted string: value runs to the end.
        assert_eq!(params(br#"x/x;a="b;c=d"#), [pair("a", "b;c=d")]);
        // A trailing backslash is kept.
        assert_eq!(params(br#"x/x;a="b\"#), [pair("a", r"b\")]);
        // Anything after the closing quote, up to ';', is ignored.
        assert_eq!(
            params(br#"x/x;a="b" junk;c=d"#),
            [pair("a", "b"), pair("c", "d")]
        );
        // The empty quoted string is a value (unlike an empty token value).
        assert_eq!(params(br#"x/x;a="";a=b"#), [pair("a", "")]);
        assert_eq!(serialized(br#"x/x;a="""#), Some(r#"x/x;a="""#.into()));
        // A quote that does not start the value is an ordinary code point.
        assert_eq!(params(br#"x/x;a=b""#), [pair("a", r#"b""#)]);
        assert_eq!(serialized(br#"x/x;a=b""#), Some(r#"x/x;a="b\"""#.into()));
        // Leading whitespace means the value is not a quoted string.
        assert_eq!(params(br#"x/x;a= "b""#), [pair("a", r#" "b""#)]);
    }

    #[test]
    fn duplicate_parameters_keep_the_first() {
        assert_eq!(
            params(b"x/x;a=1;A=2;b=3;a=4"),
            [pair("a", "1"), pair("b", "3")]
        );
        // An invalid first occurrence does not block a later valid one.
        assert_eq!(params(b"x/x;a=\x7f;a=2"), [pair("a", "2")]);
        assert_eq!(params(b"x/x;a=;a=2"), [pair("a", "2")]);
    }

    #[test]
    fn invalid_value_code_points_drop_the_parameter() {
        for b in (0x00..=0x08).chain(0x0a..=0x1f).chain([0x7f]) {
            let input = [b"x/x;a=".as_slice(), &[b], b";c=d"].concat();
            assert_eq!(params(&input), [pair("c", "d")], "byte {b:#04x}");
            let input = [b"x/x;a=\"".as_slice(), &[b], b"\";c=d"].concat();
            assert_eq!(params(&input), [pair("c", "d")], "quoted byte {b:#04x}");
        }
        // Tab inside a quoted string is allowed.
        assert_eq!(params(b"x/x;a=\"\t\""), [pair("a", "\t")]);
    }

    #[test]
    fn bytes_above_0x7f() {
        // Values: isomorphic decoded, kept, and quoted on serialization.
        let mime = MimeType::parse(b"text/plain;name=caf\xe9").unwrap();
        assert_eq!(mime.parameter("name"), Some("caf\u{e9}"));
        assert_eq!(mime.serialize(), "text/plain;name=\"caf\u{e9}\"");
        assert_eq!(params(b"x/x;a=\"\x80\xff\""), [pair("a", "\u{80}\u{ff}")]);
        // Never allowed in type, subtype or names (and not lowercased).
        assert_eq!(serialized(b"\xc9/x"), None);
        assert_eq!(serialized(b"x/\xff"), None);
        // Not UTF-8 decoded: "é" in UTF-8 is two code points.
        assert_eq!(
            params("x/x;a=\u{e9}".as_bytes()),
            [pair("a", "\u{c3}\u{a9}")]
        );
    }

    #[test]
    fn serialization_quotes_when_needed() {
        let cases: [(&[u8], &str); 5] = [
            (b"x/x;a=b", "x/x;a=b"),
            (b"x/x;a=\"b\"", "x/x;a=b"),
            (b"x/x;a=\"b c\"", "x/x;a=\"b c\""),
            (b"x/x;a=\"\\\\\"", "x/x;a=\"\\\\\""),
            (b"x/x;a=(;b=\"\"", "x/x;a=\"(\";b=\"\""),
        ];
        for (input, expected) in cases {
            assert_eq!(serialized(input).as_deref(), Some(expected));
        }
    }

    /// Runs the web-platform-tests MIME type data: `mime-types.json` with
    /// `generated-mime-types.json` appended (see the section strings).
    /// Vendored from WPT `mimesniff/mime-types/resources/` (via the copy in
    /// servo/servo `tests/wpt/tests/`, commit 3453d9fdadf3); the generated
    /// part was regenerated with WPT's `generated-mime-types.py`.
    #[test]
    fn web_platform_tests() {
        let data: serde_json::Value =
            serde_json::from_str(include_str!("../spec-tests/mime-types.json")).unwrap();
        let (mut passed, mut skipped) = (0, 0);
        let mut failures = Vec::new();
        // Strings are section headings; objects are test cases.
        for case in data.as_array().unwrap().iter().filter(|v| v.is_object()) {
            let input = case["input"].as_str().unwrap();
            let expected = case["output"].as_str();
            // WPT inputs are JS strings. Header bytes can only express code
            // points up to U+00FF, so cases with higher ones are skipped.
            let Some(bytes) = to_bytes(input) else {
                skipped += 1;
                continue;
            };
            let actual = serialized(&bytes);
            if actual.as_deref() == expected {
                passed += 1;
            } else {
                failures.push(format!("{input:?}: expected {expected:?}, got {actual:?}"));
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
        // "\u0100/\u0100" and "x/x;test=\uFFFD;x=x" are the skipped ones.
        assert_eq!((passed, skipped), (953, 2));
    }

    /// Short inputs over an alphabet of significant bytes, exhaustively.
    #[test]
    fn exhaustive_short_inputs_round_trip() {
        let alphabet = b"aA/;=\"\\ \t\x0b\xe9";
        let mut input = Vec::new();
        for len in 0..=5u32 {
            for mut n in 0..alphabet.len().pow(len) {
                input.clear();
                for _ in 0..len {
                    input.extend(alphabet.get(n % alphabet.len()));
                    n /= alphabet.len();
                }
                check_round_trip(&input);
            }
        }
    }

    /// Serializing a parsed MIME type and parsing it again gives it back.
    fn check_round_trip(input: &[u8]) {
        if let Some(mime) = MimeType::parse(input) {
            let again = to_bytes(&mime.serialize()).and_then(|bytes| MimeType::parse(&bytes));
            assert_eq!(again.as_ref(), Some(&mime), "input {input:?}");
        }
    }

    /// What the parser says about a CORS-safelisted `Content-Type` essence.
    fn parsed_safelisted(input: &[u8]) -> bool {
        MimeType::parse(input).is_some_and(|m| SAFELISTED.contains(&m.essence().as_str()))
    }

    const SAFELISTED: [&str; 3] = [
        "application/x-www-form-urlencoded",
        "multipart/form-data",
        "text/plain",
    ];

    /// Every byte at every position of each safelisted essence (and one
    /// past it), each cut short, and each followed by every byte.
    #[test]
    fn safelisted_essence_agrees_with_the_parser_byte_by_byte() {
        for essence in SAFELISTED {
            for suffix in [&b""[..], b";charset=utf-8"] {
                let base = [essence.as_bytes(), suffix].concat();
                for pos in 0..=essence.len() {
                    let mut input = base.clone();
                    if pos == essence.len() {
                        input.insert(pos, 0);
                    }
                    for b in 0..=255u8 {
                        input[pos] = b;
                        assert_eq!(
                            super::essence_is_cors_safelisted(&input),
                            parsed_safelisted(&input),
                            "{input:?}"
                        );
                    }
                    let cut = &base[..pos];
                    assert_eq!(
                        super::essence_is_cors_safelisted(cut),
                        parsed_safelisted(cut),
                        "{cut:?}"
                    );
                }
            }
        }
    }

    proptest! {
        #[test]
        fn safelisted_essence_agrees_with_the_parser_on_any_bytes(input in proptest::collection::vec(any::<u8>(), 0..48)) {
            prop_assert_eq!(super::essence_is_cors_safelisted(&input), parsed_safelisted(&input));
        }

        #[test]
        fn safelisted_essence_agrees_with_the_parser_near_the_essences(
            lead in "[ \t\r\n\u{0b}\u{0c}]{0,2}",
            essence in proptest::sample::select(vec![
                "text/plain", "Text/PLAIN", "multipart/form-data", "MULTIPART/Form-Data",
                "application/x-www-form-urlencoded", "Application/X-WWW-Form-URLencoded",
                "text/plai", "text/plainx", "text/html", "multipart/form", "application/json",
                "text\u{0f}plain", "text/plain\u{0d}", "a", "m", "t", "",
            ]),
            tail in "[a-z;=, \t\r\n\u{0b}/\"\u{e9}]{0,10}",
        ) {
            let input = format!("{lead}{essence}{tail}");
            // The regexes yield chars up to U+00FF: treat them as bytes.
            let Some(bytes) = to_bytes(&input) else { return Ok(()) };
            prop_assert_eq!(
                super::essence_is_cors_safelisted(&bytes),
                parsed_safelisted(&bytes),
                "input {:?}", input
            );
            prop_assert_eq!(
                super::essence_is_cors_safelisted(&bytes),
                super::essence_is_any(&bytes, &SAFELISTED)
            );
        }

        #[test]
        fn any_bytes_never_panic_and_round_trip(input in proptest::collection::vec(any::<u8>(), 0..64)) {
            check_round_trip(&input);
        }

        #[test]
        fn essence_check_agrees_with_the_parser(input in "[ \t]?[a-zA-Z/;= \t\u{e9}\"-]{0,24}") {
            let Some(bytes) = to_bytes(&input) else { return Ok(()) };
            for essences in [&["text/plain"][..], &["a/b", "text/plain", "multipart/form-data"][..]] {
                let parsed = MimeType::parse(&bytes).is_some_and(|m| essences.contains(&m.essence().as_str()));
                prop_assert_eq!(super::essence_is_any(&bytes, essences), parsed);
            }
        }

        #[test]
        fn essence_check_agrees_near_the_essences(
            lead in "[ \t\r\n]{0,2}",
            essence in proptest::sample::select(vec!["text/plain", "TEXT/Plain", "a/b", "multipart/form-data", "text/plai", "text/plainx"]),
            tail in "[a-z;=, \t\r\n/\"]{0,8}",
        ) {
            let input = format!("{lead}{essence}{tail}");
            let essences = &["a/b", "text/plain", "multipart/form-data"][..];
            let parsed = MimeType::parse(input.as_bytes()).is_some_and(|m| essences.contains(&m.essence().as_str()));
            prop_assert_eq!(super::essence_is_any(input.as_bytes(), essences), parsed, "input {:?}", input);
        }

        #[test]
        fn mime_like_bytes_round_trip(input in "[ \t]?[a-zA-Z\u{e9}]{0,3}/[a-z ]{0,3}(;[ ]?[a-zA-Z=\"\\\\ ;\u{0b}\u{ff}]{0,6}){0,3}") {
            // The regex yields chars up to U+00FF; treat them as bytes.
            if let Some(bytes) = to_bytes(&input) {
                check_round_trip(&bytes);
            }
        }
    }
}
