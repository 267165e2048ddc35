//! What a request may carry without a preflight, and what script may not set
//! at all: [Fetch § CORS-safelisted request-header](https://fetch.spec.whatwg.org/#cors-safelisted-request-header)
//! and its neighbours.

use http::{HeaderName, Method};

use crate::headers::{HeaderList, normalize_value};
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
    // `http` parses these three names to its own variants, never to an
    // extension method, so comparing variants is comparing bytes.
    *method == Method::GET || *method == Method::HEAD || *method == Method::POST
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
    let is = |n: &str| name.eq_ignore_ascii_case(n);
    let starts = |prefix: &str| {
        name.get(..prefix.len())
            .is_some_and(|p| p.eq_ignore_ascii_case(prefix))
    };
    if NAMES.iter().any(|n| is(n)) || starts("proxy-") || starts("sec-") {
        return true;
    }
    if is("user-agent") && profile.user_agent_header == UserAgentHeader::Dropped {
        return true;
    }
    if is("x-http-method") || is("x-http-method-override") || is("x-method-override") {
        // Every value in the list is checked; an unparsable list is not forbidden.
        return value
            .split(|b| *b == b',')
            .map(normalize_value)
            .any(is_forbidden_method);
    }
    false
}

/// [CORS-unsafe request-header bytes](https://fetch.spec.whatwg.org/#cors-unsafe-request-header-byte)
/// as a table (the check runs once per byte of every safelisted value);
/// with `high`, bytes 0x80 and above are unsafe too (Firefox).
const fn unsafe_byte_table(high: bool) -> [bool; 256] {
    let mut table = [false; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        #[allow(clippy::indexing_slicing)] // evaluated at compile time: i < 256
        {
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
                )
                || (high && b >= 0x80);
        }
        i += 1;
    }
    table
}

/// CORS-unsafe bytes where bytes 0x80 and above are fine (the standard).
static UNSAFE_BYTES: [bool; 256] = unsafe_byte_table(false);

/// CORS-unsafe bytes where bytes 0x80 and above are unsafe (Firefox).
static UNSAFE_BYTES_HIGH: [bool; 256] = unsafe_byte_table(true);

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

/// The unsafe-byte table for `profile`.
fn unsafe_bytes(profile: &Profile) -> &'static [bool; 256] {
    match profile.high_bytes {
        HighBytes::Safe => &UNSAFE_BYTES,
        HighBytes::Unsafe => &UNSAFE_BYTES_HIGH,
    }
}

/// Whether `table` holds `true` for any byte of `value`.
///
/// Without an early exit: the values checked are at most 128 bytes and
/// normally pass, so a branch per byte only costs time; the branch-free
/// loop is a load and an `or` per byte, and the compiler unrolls it.
fn any_byte_in(value: &[u8], table: &[bool; 256]) -> bool {
    // A `u8` indexes a 256-entry table: the compiler drops the bound check.
    value.iter().fold(false, |hit, b| {
        hit | table.get(usize::from(*b)).copied().unwrap_or(true)
    })
}

/// Whether any byte of `value` is CORS-unsafe.
fn has_unsafe_byte(value: &[u8], profile: &Profile) -> bool {
    any_byte_in(value, unsafe_bytes(profile))
}

/// Whether every byte of `value` may be in a language header.
fn all_language_bytes(value: &[u8]) -> bool {
    value.iter().fold(true, |ok, b| {
        ok & LANGUAGE_BYTES
            .get(usize::from(*b))
            .copied()
            .unwrap_or(false)
    })
}

/// A request-header name some value can make
/// [CORS-safelisted](https://fetch.spec.whatwg.org/#cors-safelisted-request-header),
/// which also says which rule its value must meet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
enum Safelistable {
    Accept,
    AcceptLanguage,
    ContentLanguage,
    ContentType,
    Range,
    // The client hints Chromium safelists (`IsCorsSafelistedHeader` in
    // `services/network/public/cpp/cors/cors.cc`), only in profiles that
    // safelist them.
    Dpr,
    DeviceMemory,
    Downlink,
    Width,
    ViewportWidth,
    Rtt,
    Ect,
    SaveData,
    Intervention,
}

impl Safelistable {
    /// The longest safelistable name (`content-language`).
    const MAX_NAME_LEN: usize = 16;

    /// Classifies a lowercase name; `None`: no value makes it safelisted.
    fn of_lowercase(name: &str, profile: &Profile) -> Option<Safelistable> {
        match name {
            "accept" => Some(Safelistable::Accept),
            "accept-language" => Some(Safelistable::AcceptLanguage),
            "content-language" => Some(Safelistable::ContentLanguage),
            "content-type" => Some(Safelistable::ContentType),
            "range" => Some(Safelistable::Range),
            _ => Safelistable::hint(name, profile),
        }
    }

    /// Classifies a lowercase name that is none of the five standard ones:
    /// a client hint, in profiles that safelist them. The length picks the
    /// one or three names to compare.
    fn hint(name: &str, profile: &Profile) -> Option<Safelistable> {
        if profile.client_hints == ClientHints::NotSafelisted {
            return None;
        }
        let (kind, hint) = match name.len() {
            3 => {
                return match name {
                    "dpr" => Some(Safelistable::Dpr),
                    "rtt" => Some(Safelistable::Rtt),
                    "ect" => Some(Safelistable::Ect),
                    _ => None,
                };
            }
            5 => (Safelistable::Width, "width"),
            8 => (Safelistable::Downlink, "downlink"),
            9 => (Safelistable::SaveData, "save-data"),
            12 => (Safelistable::Intervention, "intervention"),
            13 => (Safelistable::DeviceMemory, "device-memory"),
            14 => (Safelistable::ViewportWidth, "viewport-width"),
            _ => return None,
        };
        (name == hint).then_some(kind)
    }

    /// Classifies a header name (`http` keeps names lowercase). The five
    /// standard names compare as `http`'s enum, not as strings.
    fn of(name: &HeaderName, profile: &Profile) -> Option<Safelistable> {
        use http::header::{ACCEPT, ACCEPT_LANGUAGE, CONTENT_LANGUAGE, CONTENT_TYPE, RANGE};
        if *name == ACCEPT {
            Some(Safelistable::Accept)
        } else if *name == CONTENT_TYPE {
            Some(Safelistable::ContentType)
        } else if *name == ACCEPT_LANGUAGE {
            Some(Safelistable::AcceptLanguage)
        } else if *name == CONTENT_LANGUAGE {
            Some(Safelistable::ContentLanguage)
        } else if *name == RANGE {
            Some(Safelistable::Range)
        } else {
            Safelistable::hint(name.as_str(), profile)
        }
    }

    /// Classifies a name in any case, lowercased into a stack buffer: no
    /// allocation, and only names short enough to be safelistable get that far.
    fn of_any_case(name: &str, profile: &Profile) -> Option<Safelistable> {
        let mut buf = [0u8; Safelistable::MAX_NAME_LEN];
        let slot = buf.get_mut(..name.len())?;
        slot.copy_from_slice(name.as_bytes());
        slot.make_ascii_lowercase();
        Safelistable::of_lowercase(std::str::from_utf8(slot).ok()?, profile)
    }

    /// One bit per kind, to find a name listed twice without a second scan.
    fn bit(self) -> u16 {
        1 << (self as u8)
    }

    /// The value rule of a [CORS-safelisted request-header](https://fetch.spec.whatwg.org/#cors-safelisted-request-header).
    fn value_ok(self, value: &[u8], profile: &Profile) -> bool {
        let digits = |v: &[u8]| !v.is_empty() && v.iter().all(u8::is_ascii_digit);
        if value.len() > SAFELISTED_VALUE_MAX {
            return false;
        }
        match self {
            Safelistable::Accept => !has_unsafe_byte(value, profile),
            Safelistable::AcceptLanguage | Safelistable::ContentLanguage => {
                all_language_bytes(value)
            }
            Safelistable::ContentType => {
                !has_unsafe_byte(value, profile) && crate::mime::essence_is_cors_safelisted(value)
            }
            Safelistable::Range => {
                crate::range::is_simple_range(value)
                    && (profile.range_unit == crate::profile::RangeUnit::AnyCase
                        || value.starts_with(b"bytes"))
            }
            // 1*DIGIT [ "." 1*DIGIT ]
            Safelistable::Dpr | Safelistable::DeviceMemory | Safelistable::Downlink => {
                match value.iter().position(|b| *b == b'.') {
                    Some(dot) => {
                        let (int, frac) = value.split_at(dot);
                        digits(int) && digits(frac.get(1..).unwrap_or_default())
                    }
                    None => digits(value),
                }
            }
            // 1*DIGIT
            Safelistable::Width | Safelistable::ViewportWidth | Safelistable::Rtt => digits(value),
            Safelistable::Ect => matches!(value, b"slow-2g" | b"2g" | b"3g" | b"4g"),
            Safelistable::SaveData => value.eq_ignore_ascii_case(b"on"),
            Safelistable::Intervention => true,
        }
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
    // Never allocates: the name is lowercased on the stack and the
    // `Content-Type` essence is checked without building a `MimeType`.
    Safelistable::of_any_case(name, profile).is_some_and(|kind| kind.value_ok(value, profile))
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
    Safelistable::of_any_case(name, profile).is_some_and(|kind| {
        matches!(
            kind,
            Safelistable::Accept
                | Safelistable::AcceptLanguage
                | Safelistable::ContentLanguage
                | Safelistable::ContentType
        ) && kind.value_ok(value, profile)
    })
}

/// Whether some value makes the header `name` (any case) CORS-safelisted in
/// this profile: the five standard names, and the client hints in profiles
/// that safelist them. For [`crate::advice`], to say why a name is unsafe.
pub(crate) fn is_safelistable_name(name: &str, profile: &Profile) -> bool {
    Safelistable::of_any_case(name, profile).is_some()
}

/// Names held without allocating by [`UnsafeNames`].
const INLINE_NAMES: usize = 8;

/// The [CORS-unsafe request-header names](https://fetch.spec.whatwg.org/#cors-unsafe-request-header-names)
/// of a header list, borrowed from it: a slice of `&str` (through `Deref`)
/// that holds up to eight names without allocating and moves to the heap
/// past that.
///
/// ```
/// use browser_cors::{HeaderList, Profile, safelist::cors_unsafe_request_header_names};
/// let mut h = HeaderList::new();
/// h.append("X-Token", "1").unwrap();
/// let names = cors_unsafe_request_header_names(&h, &Profile::chromium());
/// assert_eq!(names, ["x-token"]);
/// assert_eq!(names.join(","), "x-token");
/// ```
#[derive(Clone)]
pub struct UnsafeNames<'a> {
    inline: [&'a str; INLINE_NAMES],
    len: usize,
    spilled: Vec<&'a str>,
}

impl<'a> UnsafeNames<'a> {
    /// No names.
    pub fn new() -> Self {
        UnsafeNames {
            inline: [""; INLINE_NAMES],
            len: 0,
            spilled: Vec::new(),
        }
    }

    /// Adds a name at the end.
    #[inline]
    pub fn push(&mut self, name: &'a str) {
        if !self.spilled.is_empty() {
            return self.spilled.push(name);
        }
        match self.inline.get_mut(self.len) {
            Some(slot) => {
                *slot = name;
                self.len += 1;
            }
            None => {
                self.spilled.reserve(INLINE_NAMES * 2);
                self.spilled.extend_from_slice(&self.inline);
                self.spilled.push(name);
            }
        }
    }

    /// Removes every name.
    pub fn clear(&mut self) {
        self.len = 0;
        self.spilled.clear();
    }

    /// Removes consecutive repeated names (after sorting: every repeat).
    pub fn dedup(&mut self) {
        if !self.spilled.is_empty() {
            return self.spilled.dedup();
        }
        let mut kept = 0;
        for i in 0..self.len {
            let name = self.inline.get(i).copied().unwrap_or_default();
            if kept == 0 || self.inline.get(kept - 1) != Some(&name) {
                if let Some(slot) = self.inline.get_mut(kept) {
                    *slot = name;
                }
                kept += 1;
            }
        }
        self.len = kept;
    }
}

impl Default for UnsafeNames<'_> {
    fn default() -> Self {
        UnsafeNames::new()
    }
}

impl<'a> std::ops::Deref for UnsafeNames<'a> {
    type Target = [&'a str];

    fn deref(&self) -> &[&'a str] {
        if self.spilled.is_empty() {
            self.inline.get(..self.len).unwrap_or_default()
        } else {
            &self.spilled
        }
    }
}

impl<'a> std::ops::DerefMut for UnsafeNames<'a> {
    fn deref_mut(&mut self) -> &mut [&'a str] {
        if self.spilled.is_empty() {
            self.inline.get_mut(..self.len).unwrap_or_default()
        } else {
            &mut self.spilled
        }
    }
}

impl std::fmt::Debug for UnsafeNames<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl PartialEq for UnsafeNames<'_> {
    fn eq(&self, other: &Self) -> bool {
        **self == **other
    }
}

impl Eq for UnsafeNames<'_> {}

impl<const N: usize> PartialEq<[&str; N]> for UnsafeNames<'_> {
    fn eq(&self, other: &[&str; N]) -> bool {
        **self == *other.as_slice()
    }
}

impl PartialEq<&[&str]> for UnsafeNames<'_> {
    fn eq(&self, other: &&[&str]) -> bool {
        **self == **other
    }
}

impl<'s, 'a> IntoIterator for &'s UnsafeNames<'a> {
    type Item = &'s &'a str;
    type IntoIter = std::slice::Iter<'s, &'a str>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

/// [CORS-unsafe request-header names](https://fetch.spec.whatwg.org/#cors-unsafe-request-header-names):
/// the names a preflight must ask about, lowercased and sorted, as the
/// engine writes them in `Access-Control-Request-Headers`. When the safelisted
/// values add up to more than 1024 bytes, they all become unsafe. The names
/// are borrowed from the list; up to eight are held without allocating.
///
/// ```
/// use browser_cors::{HeaderList, Profile, safelist::cors_unsafe_request_header_names};
/// let mut h = HeaderList::new();
/// h.append("X-B", "1").unwrap();
/// h.append("Accept", "text/html").unwrap();
/// h.append("X-A", "1").unwrap();
/// assert_eq!(cors_unsafe_request_header_names(&h, &Profile::chromium()), ["x-a", "x-b"]);
/// ```
pub fn cors_unsafe_request_header_names<'a>(
    headers: &'a HeaderList,
    profile: &Profile,
) -> UnsafeNames<'a> {
    // Every line judged on its own first.
    let mut names = UnsafeNames::new();
    let repeated = unsafe_names(|| headers.iter(), profile, &mut names);
    if profile.repeated_request_header == RepeatedRequestHeader::EachOnItsOwn {
        // Firefox lists a name once per unsafe line.
        return names;
    }
    if repeated {
        // Chromium and WebKit judge a repeated name by its lines joined
        // with `, `: judge again with the lines joined (rare).
        let entries = headers.combined_ref();
        names.clear();
        unsafe_names(
            || entries.iter().map(|(n, v)| (*n, v.as_ref())),
            profile,
            &mut names,
        );
        return names;
    }
    // A name some value could never safelist is unsafe whatever its
    // values: listed once.
    names.dedup();
    names
}

/// Puts in `names` (empty) the unsafe names of the entries `entries()`
/// yields, each judged on its own, sorted (a name on several entries is
/// listed once per entry); returns whether a name some value could
/// safelist is on several entries. Allocates only past eight names.
fn unsafe_names<'a, 'v, I>(
    entries: impl Fn() -> I,
    profile: &Profile,
    names: &mut UnsafeNames<'a>,
) -> bool
where
    I: Iterator<Item = (&'a HeaderName, &'v [u8])>,
{
    let mut safelisted_size = 0usize;
    let mut seen = 0u16;
    let mut repeated = false;
    for (name, value) in entries() {
        if let Some(kind) = Safelistable::of(name, profile) {
            repeated |= seen & kind.bit() != 0;
            seen |= kind.bit();
            if kind.value_ok(value, profile) {
                safelisted_size = safelisted_size.saturating_add(value.len());
                continue;
            }
        }
        names.push(name.as_str());
    }
    if profile
        .safelist_total_limit
        .is_some_and(|limit| safelisted_size > limit)
    {
        // Every safelisted name becomes unsafe too: that is every name.
        names.clear();
        for (name, _) in entries() {
            names.push(name.as_str());
        }
    }
    // Equal strings are indistinguishable, so the unstable sort gives the
    // same list as a stable one.
    names.sort_unstable();
    repeated
}

/// Whether `headers` has any [CORS-unsafe request-header name](https://fetch.spec.whatwg.org/#cors-unsafe-request-header-names):
/// the same answer as `!cors_unsafe_request_header_names(headers, profile).is_empty()`,
/// without allocating unless, for engines that combine lines (Chromium,
/// WebKit), a name that some value could safelist has several lines: their
/// joined value is judged then.
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
    // Names first: a name that no value can make safelisted settles it
    // without reading any value.
    if headers
        .iter()
        .any(|(name, _)| Safelistable::of(name, profile).is_none())
    {
        return true;
    }
    // Every line judged on its own, without stopping at a failure: a
    // repeated name found later may call for judging its joined lines.
    let mut seen = 0u16;
    let mut repeated = false;
    let mut all_ok = true;
    let mut safelisted_size = 0usize;
    for (name, value) in headers.iter() {
        let Some(kind) = Safelistable::of(name, profile) else {
            return true;
        };
        repeated |= seen & kind.bit() != 0;
        seen |= kind.bit();
        all_ok &= kind.value_ok(value, profile);
        safelisted_size = safelisted_size.saturating_add(value.len());
    }
    if repeated && profile.repeated_request_header == RepeatedRequestHeader::Combined {
        return !cors_unsafe_request_header_names(headers, profile).is_empty();
    }
    !all_ok
        || profile
            .safelist_total_limit
            .is_some_and(|limit| safelisted_size > limit)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chromium() -> Profile {
        Profile::chromium()
    }

    #[test]
    fn unsafe_names_behave_like_a_vec_inline_and_spilled() {
        for n in [0, 1, 7, 8, 9, 20] {
            let words: Vec<String> = (0..n).map(|i| format!("x-{}", (i * 7) % 5)).collect();
            let mut names = UnsafeNames::new();
            let mut model: Vec<&str> = Vec::new();
            for w in &words {
                names.push(w);
                model.push(w);
            }
            assert_eq!(names, model.as_slice(), "{n} names pushed");
            names.sort_unstable();
            model.sort_unstable();
            names.dedup();
            model.dedup();
            assert_eq!(names, model.as_slice(), "{n} names sorted and deduplicated");
            assert_eq!(names.clone(), names);
        }
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

    /// The classification as it was written before the fast paths (one
    /// byte at a time, names lowercased into strings, `Content-Type` through
    /// the full MIME parser, lines combined with `HeaderList::combined`):
    /// the oracle the fast paths are compared with.
    mod reference {
        use super::super::*;
        use crate::mime::MimeType;

        fn unsafe_byte(b: u8, profile: &Profile) -> bool {
            (b < 0x20 && b != b'\t')
                || b"\"():<>?@[\\]{}\x7f".contains(&b)
                || (b >= 0x80 && profile.high_bytes == HighBytes::Unsafe)
        }

        fn digits(v: &[u8]) -> bool {
            !v.is_empty() && v.iter().all(u8::is_ascii_digit)
        }

        pub fn safelisted(name: &str, value: &[u8], profile: &Profile) -> bool {
            if value.len() > 128 {
                return false;
            }
            let hints = profile.client_hints == ClientHints::SafelistedWhenValid;
            match name.to_ascii_lowercase().as_str() {
                "accept" => !value.iter().any(|b| unsafe_byte(*b, profile)),
                "accept-language" | "content-language" => value
                    .iter()
                    .all(|b| b.is_ascii_alphanumeric() || b" *,-.;=".contains(b)),
                "content-type" => {
                    !value.iter().any(|b| unsafe_byte(*b, profile))
                        && MimeType::parse(value).is_some_and(|m| {
                            [
                                "application/x-www-form-urlencoded",
                                "multipart/form-data",
                                "text/plain",
                            ]
                            .contains(&m.essence().as_str())
                        })
                }
                // The unit in lower case, unless the engine ignores its case.
                "range" => {
                    crate::range::is_simple_range(value)
                        && (profile.range_unit == crate::profile::RangeUnit::AnyCase
                            || value.get(..5) == Some(b"bytes".as_slice()))
                }
                "dpr" | "device-memory" | "downlink" if hints => {
                    let mut parts = value.splitn(2, |b| *b == b'.');
                    parts.next().is_some_and(digits) && parts.next().is_none_or(digits)
                }
                "width" | "viewport-width" | "rtt" if hints => digits(value),
                "ect" if hints => [&b"slow-2g"[..], b"2g", b"3g", b"4g"].contains(&value),
                "save-data" if hints => value.eq_ignore_ascii_case(b"on"),
                "intervention" => hints,
                _ => false,
            }
        }

        pub fn no_cors_safelisted(name: &str, value: &[u8], profile: &Profile) -> bool {
            let lower = name.to_ascii_lowercase();
            matches!(
                lower.as_str(),
                "accept" | "accept-language" | "content-language" | "content-type"
            ) && safelisted(&lower, value, profile)
        }

        pub fn unsafe_names(headers: &HeaderList, profile: &Profile) -> Vec<String> {
            let entries: Vec<(HeaderName, Vec<u8>)> = match profile.repeated_request_header {
                RepeatedRequestHeader::Combined => headers
                    .combined()
                    .into_iter()
                    .map(|(n, v)| (n, v.to_vec()))
                    .collect(),
                RepeatedRequestHeader::EachOnItsOwn => headers
                    .iter()
                    .map(|(n, v)| (n.clone(), v.to_vec()))
                    .collect(),
            };
            let mut unsafe_names = Vec::new();
            let mut safelisted_names = Vec::new();
            let mut safelisted_size = 0usize;
            for (name, value) in &entries {
                if safelisted(name.as_str(), value, profile) {
                    safelisted_size += value.len();
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
    }

    fn profiles() -> [Profile; 3] {
        [Profile::chromium(), Profile::firefox(), Profile::webkit()]
    }

    /// Every name some value can safelist in some profile, in odd cases,
    /// and names close to them.
    const NAMES: [&str; 22] = [
        "Accept",
        "accept-language",
        "Content-Language",
        "content-type",
        "RANGE",
        "dpr",
        "Device-Memory",
        "downlink",
        "width",
        "Viewport-Width",
        "rtt",
        "ECT",
        "save-data",
        "Intervention",
        "x-token",
        "accept-languag",
        "content-typex",
        "acceptx",
        "content-language-x",
        "",
        "é",
        "viewport-width-long-name",
    ];

    /// Values that are safelisted for some name, to be mutated.
    const VALUES: [&[u8]; 14] = [
        b"application/json",
        b"en-US,en;q=0.9",
        b"text/plain;charset=UTF-8",
        b" multipart/form-data; boundary=x",
        b"application/x-www-form-urlencoded",
        b"bytes=0-1023",
        b"1.5",
        b"800",
        b"4g",
        b"on",
        b"",
        b"text/plain",
        b"TEXT/PLAIN \t",
        b"*/*",
    ];

    /// A value: arbitrary bytes, or a safelisted one with one byte changed
    /// or cut short.
    fn value() -> impl proptest::strategy::Strategy<Value = Vec<u8>> {
        use proptest::prelude::*;
        prop_oneof![
            proptest::collection::vec(any::<u8>(), 0..140),
            (0..VALUES.len(), any::<usize>(), any::<u8>(), 0u8..3).prop_map(
                |(i, pos, byte, how)| {
                    let mut v = VALUES[i].to_vec();
                    if !v.is_empty() {
                        let pos = pos % v.len();
                        match how {
                            0 => v[pos] = byte,
                            1 => v.truncate(pos),
                            _ => {}
                        }
                    }
                    v
                }
            ),
        ]
    }

    #[test]
    fn every_byte_is_classified_as_the_standard_says() {
        for p in profiles() {
            for b in 0..=255u8 {
                for name in ["accept", "content-language", "content-type"] {
                    for value in [
                        vec![b],
                        b"text/plain;a=".iter().copied().chain([b]).collect(),
                    ] {
                        assert_eq!(
                            is_cors_safelisted_request_header(name, &value, &p),
                            reference::safelisted(name, &value, &p),
                            "{:?} {name} {value:?}",
                            p.engine
                        );
                    }
                }
            }
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]

        /// One header: the fast classifier answers as the reference does.
        #[test]
        fn one_header_agrees_with_the_reference(name in 0..NAMES.len(), value in value()) {
            let name = NAMES[name];
            for p in profiles() {
                proptest::prop_assert_eq!(
                    is_cors_safelisted_request_header(name, &value, &p),
                    reference::safelisted(name, &value, &p),
                    "{:?} {} {:?}", p.engine, name, value
                );
                proptest::prop_assert_eq!(
                    is_no_cors_safelisted_request_header(name, &value, &p),
                    reference::no_cors_safelisted(name, &value, &p)
                );
            }
        }

        /// A header list: the names listed and the yes/no answer are the
        /// reference's, repeated names and the 1024-byte total included.
        #[test]
        fn header_lists_agree_with_the_reference(
            lines in proptest::collection::vec((0..NAMES.len() - 3, value()), 0..8),
            long in 0usize..12,
            repeat in proptest::prelude::any::<bool>(),
        ) {
            // Long values to cross the 1024-byte total: on nine different
            // names (Chromium) or all on `Accept` (Firefox judges each line).
            const LONG: [&str; 9] = ["accept", "accept-language", "content-language", "dpr", "downlink", "viewport-width", "width", "device-memory", "rtt"];
            let mut h = HeaderList::new();
            for (name, value) in &lines {
                let _ = h.append(NAMES[*name], value);
            }
            for i in 0..long {
                let name = if repeat { "accept" } else { LONG[i % LONG.len()] };
                let _ = h.append(name, vec![b'1'; 120 + i % 9]);
            }
            for p in profiles() {
                let expected = reference::unsafe_names(&h, &p);
                let got = cors_unsafe_request_header_names(&h, &p).to_vec();
                proptest::prop_assert_eq!(&got, &expected);
                proptest::prop_assert_eq!(has_cors_unsafe_request_headers(&h, &p), !expected.is_empty());
            }
        }
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
        // Byte for byte, however the method was made.
        for (bytes, safelisted) in [
            (&b"GET"[..], true),
            (b"HEAD", true),
            (b"POST", true),
            (b"get", false),
            (b"Post", false),
            (b"PUT", false),
            (b"GETX", false),
        ] {
            let method = Method::from_bytes(bytes).unwrap();
            assert_eq!(is_cors_safelisted_method(&method), safelisted, "{bytes:?}");
            assert_eq!(
                matches!(method.as_str(), "GET" | "HEAD" | "POST"),
                safelisted
            );
        }
    }
}
