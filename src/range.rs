//! The `Range` request header: [Fetch § simple range header value](https://fetch.spec.whatwg.org/#simple-range-header-value).

use crate::headers::is_http_tab_or_space;

/// One byte range as `Range: bytes=…` writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ByteRange {
    /// `bytes=first-` or `bytes=first-last`.
    FromTo {
        /// The first byte position.
        first: u64,
        /// The last byte position, when given.
        last: Option<u64>,
    },
    /// `bytes=-n`: the last `n` bytes.
    Suffix(u64),
}

impl ByteRange {
    /// The canonical header value for this range (`bytes=0-5`, `bytes=-100`).
    ///
    /// ```
    /// use browser_cors::range::ByteRange;
    /// assert_eq!(ByteRange::FromTo { first: 0, last: Some(5) }.to_header_value(), "bytes=0-5");
    /// assert_eq!(ByteRange::Suffix(100).to_header_value(), "bytes=-100");
    /// ```
    pub fn to_header_value(self) -> String {
        match self {
            ByteRange::FromTo { first, last: None } => format!("bytes={first}-"),
            ByteRange::FromTo {
                first,
                last: Some(last),
            } => format!("bytes={first}-{last}"),
            ByteRange::Suffix(n) => format!("bytes=-{n}"),
        }
    }
}

/// [Parse a single range header value](https://fetch.spec.whatwg.org/#parse-a-single-range-header-value).
///
/// `allow_whitespace` is the standard's flag of the same name. Positions that
/// do not fit in 64 bits are a failure (Chromium stores them as integers).
///
/// ```
/// use browser_cors::range::{parse_single_range, ByteRange};
/// assert_eq!(parse_single_range(b"bytes=0-", false), Some(ByteRange::FromTo { first: 0, last: None }));
/// assert_eq!(parse_single_range(b"bytes = 0-", false), None);
/// assert_eq!(parse_single_range(b"bytes = 0-", true), Some(ByteRange::FromTo { first: 0, last: None }));
/// assert_eq!(parse_single_range(b"bytes=5-1", false), None);
/// ```
pub fn parse_single_range(value: &[u8], allow_whitespace: bool) -> Option<ByteRange> {
    let mut rest = value;
    let eq = rest.iter().position(|b| *b == b'=')?;
    let (unit, after) = rest.split_at(eq);
    let unit = if allow_whitespace {
        trim_end_ws(unit)
    } else {
        unit
    };
    if !unit.eq_ignore_ascii_case(b"bytes") {
        return None;
    }
    rest = after.get(1..)?;
    let skip_ws = |s: &[u8]| -> usize {
        if allow_whitespace {
            s.iter().take_while(|b| is_http_tab_or_space(**b)).count()
        } else {
            0
        }
    };
    rest = rest.get(skip_ws(rest)..)?;
    let start_len = rest.iter().take_while(|b| b.is_ascii_digit()).count();
    let (start, after) = rest.split_at(start_len);
    let start = parse_decimal(start)?;
    rest = after.get(skip_ws(after)..)?;
    if rest.first() != Some(&b'-') {
        return None;
    }
    rest = rest.get(1..)?;
    rest = rest.get(skip_ws(rest)..)?;
    let end_len = rest.iter().take_while(|b| b.is_ascii_digit()).count();
    let (end, after) = rest.split_at(end_len);
    let end = parse_decimal(end)?;
    rest = after.get(skip_ws(after)..)?;
    if !rest.is_empty() {
        return None;
    }
    match (start, end) {
        (None, None) => None,
        (None, Some(n)) => Some(ByteRange::Suffix(n)),
        (Some(first), last) => {
            if last.is_some_and(|l| first > l) {
                return None;
            }
            Some(ByteRange::FromTo { first, last })
        }
    }
}

/// Digits to a number; `Some(None)` for no digits, `None` on overflow.
fn parse_decimal(digits: &[u8]) -> Option<Option<u64>> {
    if digits.is_empty() {
        return Some(None);
    }
    let mut n: u64 = 0;
    for d in digits {
        n = n.checked_mul(10)?.checked_add(u64::from(d - b'0'))?;
    }
    Some(Some(n))
}

fn trim_end_ws(s: &[u8]) -> &[u8] {
    let end = s
        .iter()
        .rposition(|b| !is_http_tab_or_space(*b))
        .map_or(0, |i| i + 1);
    s.get(..end).unwrap_or_default()
}

/// Whether a `Range` value is a [CORS-safelisted](https://fetch.spec.whatwg.org/#cors-safelisted-request-header)
/// one: a single `bytes=first-[last]` range, written without whitespace.
///
/// ```
/// use browser_cors::range::is_simple_range;
/// assert!(is_simple_range(b"bytes=0-"));
/// assert!(!is_simple_range(b"bytes=-100"));
/// assert!(!is_simple_range(b"bytes=99999999999999999999-"));
/// ```
pub fn is_simple_range(value: &[u8]) -> bool {
    matches!(
        parse_single_range(value, false),
        Some(ByteRange::FromTo { .. })
    )
}

/// The value Chromium's network stack puts on the wire for a `Range` header:
/// a single range it can parse (whitespace allowed) is written again in
/// canonical form (`bytes=00-5` becomes `bytes=0-5`); anything else is sent
/// as script wrote it.
///
/// ```
/// use browser_cors::range::canonical_range;
/// assert_eq!(canonical_range(b"bytes = 00-5"), b"bytes=0-5");
/// assert_eq!(canonical_range(b"bytes=1-2,4-5"), b"bytes=1-2,4-5");
/// ```
pub fn canonical_range(value: &[u8]) -> Vec<u8> {
    match parse_single_range(value, true) {
        Some(r) => r.to_header_value().into_bytes(),
        None => value.to_vec(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn simple_ranges() {
        assert!(is_simple_range(b"bytes=0-5"));
        assert!(is_simple_range(b"bytes=00-5"));
        assert!(is_simple_range(b"Bytes=1-"));
        assert!(!is_simple_range(b"bytes=0-5,6-7"));
        assert!(!is_simple_range(b"bytes="));
        assert!(!is_simple_range(b"bytes=-"));
        assert!(!is_simple_range(b"bytes=a-"));
        assert!(!is_simple_range(b"items=0-"));
        assert!(!is_simple_range(b"bytes=6-5"));
        assert!(!is_simple_range(b"bytes=0-\t"));
        assert!(is_simple_range(b"bytes=18446744073709551615-"));
        assert!(!is_simple_range(b"bytes=18446744073709551616-"));
    }

    #[test]
    fn canonical_form_on_the_wire() {
        assert_eq!(canonical_range(b"bytes=0001-"), b"bytes=1-");
        assert_eq!(canonical_range(b"bytes=-100"), b"bytes=-100");
        assert_eq!(
            canonical_range(b"bytes=99999999999999999999-"),
            b"bytes=99999999999999999999-"
        );
        assert_eq!(canonical_range(b"garbage"), b"garbage");
    }
}
