//! Cookies: which a request carries and which `Set-Cookie` lines are stored.
//! [RFC 6265bis](https://httpwg.org/http-extensions/draft-ietf-httpbis-rfc6265bis.html)
//! (§ 5.6 parsing, § 5.7 storage, § 5.8 retrieval) and each engine's policy:
//! `SameSite` defaults, schemeful same-site, third-party cookies, prefixes
//! and partitions ([`crate::profile::CookieRules`]).
//!
//! The [`CookieJar`] is storage with the rules applied; the machine asks it
//! for a request's cookies and gives it each response's `Set-Cookie` lines
//! with the request's context, and reports every cookie it withheld or
//! refused as a [`CookieNote`].
//!
//! ```
//! use browser_cors::{CookieJar, Profile};
//! let mut jar = CookieJar::new(&Profile::chromium());
//! let api = url::Url::parse("https://api.app.test/").unwrap();
//! // A first-party visit to api.app.test stores a Lax cookie.
//! jar.store_first_party(&api, b"s=1; SameSite=Lax; Secure", std::time::Instant::now());
//! assert_eq!(jar.len(), 1);
//! ```

use std::collections::HashMap;
use std::time::{Duration, Instant};

use url::{Host, Url};

use crate::origin::{SiteScheme, is_potentially_trustworthy, is_public_suffix, site_key};
use crate::profile::{
    CookiePrefixes, CookieRules, CookiesOnCorsFailure, ExpiresReference, NoneRequiresSecure,
    OverwrittenCookie, PartitionedCookies, PerSiteLimit, Profile, PurgeOrder, SameSiteChain,
    SameSiteDefault, SetCookieSyntax, ThirdPartyCookies,
};

/// A cookie's `SameSite` attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[non_exhaustive]
pub enum SameSite {
    /// `Strict`.
    Strict,
    /// `Lax`.
    Lax,
    /// `None`.
    None,
}

/// A cookie's `Priority` attribute, which Chromium's per-site purge reads
/// (scenario `cookie/limit-priority`, recorded here).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum CookiePriority {
    /// `Priority=Low`.
    Low,
    /// The default.
    Medium,
    /// `Priority=High`.
    High,
}

/// One parsed `Set-Cookie` line ([RFC 6265bis § 5.6](https://httpwg.org/http-extensions/draft-ietf-httpbis-rfc6265bis.html#name-the-set-cookie-header-field)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetCookie {
    /// The name (may be empty).
    pub name: String,
    /// The value.
    pub value: String,
    /// `Domain`, without a leading dot, lowercase.
    pub domain: Option<String>,
    /// `Path`, when it starts with `/`.
    pub path: Option<String>,
    /// `Secure`.
    pub secure: bool,
    /// `HttpOnly`.
    pub http_only: bool,
    /// `SameSite` (`None` when absent or not a known value).
    pub same_site: Option<SameSite>,
    /// `Partitioned` (CHIPS).
    pub partitioned: bool,
    /// `Priority` (Chromium's; medium when absent or not a known value).
    pub priority: CookiePriority,
    /// `Max-Age` in seconds.
    pub max_age: Option<i64>,
    /// `Expires`, as seconds since the Unix epoch.
    pub expires: Option<i64>,
}

impl SetCookie {
    /// Parses a `Set-Cookie` value as Chromium does (RFC 6265bis); `None`
    /// when the line holds no cookie (no `=` and no value, a control byte, a
    /// name and value over 4096 bytes). [`SetCookie::parse_as`] reads it as
    /// another engine.
    ///
    /// ```
    /// use browser_cors::cookie::{SameSite, SetCookie};
    /// let c = SetCookie::parse(b"sid=abc; Path=/; Secure; SameSite=None; Partitioned").unwrap();
    /// assert_eq!((c.name.as_str(), c.value.as_str()), ("sid", "abc"));
    /// assert_eq!(c.same_site, Some(SameSite::None));
    /// assert!(c.secure && c.partitioned);
    /// assert!(SetCookie::parse(b"").is_none());
    /// ```
    pub fn parse(line: &[u8]) -> Option<SetCookie> {
        SetCookie::parse_as(line, SetCookieSyntax::Chromium)
    }

    /// Parses a `Set-Cookie` value as the engine whose syntax is `syntax`
    /// reads it.
    ///
    /// ```
    /// use browser_cors::cookie::SetCookie;
    /// use browser_cors::profile::SetCookieSyntax;
    /// // A line without `=`: a value with an empty name, or (Firefox) a name.
    /// let chromium = SetCookie::parse_as(b"token", SetCookieSyntax::Chromium).unwrap();
    /// let firefox = SetCookie::parse_as(b"token", SetCookieSyntax::Gecko).unwrap();
    /// assert_eq!((chromium.name.as_str(), chromium.value.as_str()), ("", "token"));
    /// assert_eq!((firefox.name.as_str(), firefox.value.as_str()), ("token", ""));
    /// ```
    pub fn parse_as(line: &[u8], syntax: SetCookieSyntax) -> Option<SetCookie> {
        if line
            .iter()
            .any(|b| (*b < 0x20 && *b != b'\t') || *b == 0x7f)
        {
            return None;
        }
        // Bytes above 0x7F: Chromium keeps them as they came (one char per
        // byte here, one byte per char on the wire again), Firefox reads
        // UTF-8 with U+FFFD for what is not, libsoup refuses the line, even
        // valid UTF-8 (scenario `cookie/syntax-bytes-above-7f`).
        let text: std::borrow::Cow<'_, str> = match syntax {
            SetCookieSyntax::Chromium => crate::headers::isomorphic_decode(line).into(),
            SetCookieSyntax::Gecko => String::from_utf8_lossy(line),
            SetCookieSyntax::Libsoup if !line.is_ascii() => return None,
            SetCookieSyntax::Libsoup => String::from_utf8_lossy(line),
        };
        let mut parts = text.split(';');
        let pair = parts.next().unwrap_or_default();
        let tab_space = [' ', '\t'];
        let (name, value) = match (pair.split_once('='), syntax) {
            // libsoup trims only the name's start: a tab before `=` stays in it.
            (Some((n, v)), SetCookieSyntax::Libsoup) => (
                n.trim_start_matches(tab_space).trim_end_matches(' '),
                v.trim_matches(tab_space),
            ),
            (Some((n, v)), _) => (n.trim_matches(tab_space), v.trim_matches(tab_space)),
            (None, SetCookieSyntax::Gecko) => (pair.trim_matches(tab_space), ""),
            (None, _) => ("", pair.trim_matches(tab_space)),
        };
        let refused = match syntax {
            SetCookieSyntax::Chromium => value.contains('\t') || name.len() + value.len() > 4096,
            SetCookieSyntax::Gecko => name.is_empty() || name.len() + value.len() > 4096,
            SetCookieSyntax::Libsoup => name.contains('\t') || value.contains('\t'),
        };
        if (name.is_empty() && value.is_empty()) || refused {
            return None;
        }
        let mut cookie = SetCookie {
            name: name.to_owned(),
            value: value.to_owned(),
            domain: None,
            path: None,
            secure: false,
            http_only: false,
            same_site: None,
            partitioned: false,
            priority: CookiePriority::Medium,
            max_age: None,
            expires: None,
        };
        for attribute in parts {
            let (key, val, has_value) = match attribute.split_once('=') {
                Some((k, v)) => (k.trim_matches(tab_space), v.trim_matches(tab_space), true),
                None => (attribute.trim_matches(tab_space), "", false),
            };
            if val.len() > 1024 && syntax != SetCookieSyntax::Libsoup {
                continue;
            }
            match key.to_ascii_lowercase().as_str() {
                "domain" if !val.is_empty() => {
                    let domain = val.trim_start_matches('.');
                    // libsoup keeps the case: `APP.TEST` then matches no host.
                    cookie.domain = Some(match syntax {
                        SetCookieSyntax::Libsoup => domain.to_owned(),
                        _ => domain.to_ascii_lowercase(),
                    });
                }
                "path" => cookie.path = val.starts_with('/').then(|| val.to_owned()),
                "secure" => cookie.secure = true,
                "httponly" => cookie.http_only = true,
                "partitioned" => cookie.partitioned = true,
                "priority" => {
                    cookie.priority = match val.to_ascii_lowercase().as_str() {
                        "low" => CookiePriority::Low,
                        "high" => CookiePriority::High,
                        _ => CookiePriority::Medium,
                    }
                }
                "samesite" => {
                    cookie.same_site = match val.to_ascii_lowercase().as_str() {
                        "strict" => Some(SameSite::Strict),
                        "lax" => Some(SameSite::Lax),
                        "none" => Some(SameSite::None),
                        _ => None,
                    }
                }
                // libsoup reads `Max-Age=` (empty, with `=`) as 0: the
                // cookie expires; a bare `Max-Age` is ignored.
                "max-age" if has_value && val.is_empty() && syntax == SetCookieSyntax::Libsoup => {
                    cookie.max_age = Some(0);
                }
                "max-age" => {
                    let digits = val.strip_prefix('-').unwrap_or(val);
                    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
                        let n: i64 = digits.parse().unwrap_or(i64::MAX);
                        cookie.max_age = Some(if val.starts_with('-') { -n.min(1) } else { n });
                    }
                }
                "expires" => {
                    if let Some(t) = parse_cookie_date_as(val, syntax) {
                        cookie.expires = Some(t);
                        // libsoup: the later of Max-Age and Expires decides
                        // (elsewhere Max-Age always wins).
                        if syntax == SetCookieSyntax::Libsoup {
                            cookie.max_age = None;
                        }
                    }
                }
                _ => {}
            }
        }
        Some(cookie)
    }
}

/// The [cookie-date](https://httpwg.org/http-extensions/draft-ietf-httpbis-rfc6265bis.html#name-dates)
/// algorithm, as seconds since the Unix epoch.
///
/// ```
/// use browser_cors::cookie::parse_cookie_date;
/// assert_eq!(parse_cookie_date("Thu, 01 Jan 1970 00:00:10 GMT"), Some(10));
/// assert_eq!(parse_cookie_date("Wed, 21 Oct 2015 07:28:00 GMT"), Some(1_445_412_480));
/// assert_eq!(parse_cookie_date("tomorrow"), None);
/// ```
pub fn parse_cookie_date(input: &str) -> Option<i64> {
    parse_cookie_date_as(input, SetCookieSyntax::Chromium)
}

/// [`parse_cookie_date`] as an engine reads an `Expires` value (scenario
/// `cookie/syntax-expires-formats`, recorded here, 20 past dates):
///
/// - Chromium: the RFC's algorithm, a date that does not exist (`31 Feb`)
///   fails, a year before 1601 is clamped (a date long past), not refused;
/// - libsoup: the same, but a month must be its three-letter name
///   (`October` fails);
/// - Firefox (`PR_ParseTimeString`): lenient: the time may be missing or
///   lack seconds, an hour past 23 or `31 Feb` rolls over, `10/21/2015`
///   is month/day/year; a day past 31 still fails.
///
/// ```
/// use browser_cors::cookie::parse_cookie_date_as;
/// use browser_cors::profile::SetCookieSyntax::{Chromium, Gecko, Libsoup};
/// let no_time = "Wed, 21 Oct 2015";
/// assert_eq!(parse_cookie_date_as(no_time, Chromium), None);
/// assert_eq!(parse_cookie_date_as(no_time, Gecko), Some(1_445_385_600));
/// assert!(parse_cookie_date_as("Wed, 21 October 2015 07:28:00 GMT", Chromium).is_some());
/// assert!(parse_cookie_date_as("Wed, 21 October 2015 07:28:00 GMT", Libsoup).is_none());
/// ```
pub fn parse_cookie_date_as(input: &str, syntax: SetCookieSyntax) -> Option<i64> {
    let lenient = syntax == SetCookieSyntax::Gecko;
    let (mut time, mut day, mut month, mut year) = (None, None, None, None);
    if lenient {
        // `month/day/year`, as one token between spaces.
        if let Some((m, d, y)) = input.split([' ', '\t']).find_map(numeric_date) {
            (month, day, year) = (Some(m), Some(d), Some(y));
        }
    }
    let delimiter = |c: char| {
        c == '\t'
            || (' '..='/').contains(&c)
            || (';'..='@').contains(&c)
            || ('['..='`').contains(&c)
            || ('{'..='~').contains(&c)
    };
    let num = |s: &str| {
        let digits: String = s.chars().take_while(char::is_ascii_digit).collect();
        (!digits.is_empty() && digits.len() <= 2)
            .then(|| digits.parse::<i64>().ok())
            .flatten()
    };
    for token in input.split(delimiter).filter(|t| !t.is_empty()) {
        if time.is_none() {
            let fields: Vec<&str> = token.splitn(3, ':').collect();
            let parsed = match fields.as_slice() {
                [h, m, s] => num(h).zip(num(m)).zip(num(s)).map(|((h, m), s)| (h, m, s)),
                [h, m] if lenient => num(h).zip(num(m)).map(|(h, m)| (h, m, 0)),
                _ => None,
            };
            if parsed.is_some() {
                time = parsed;
                continue;
            }
        }
        let digits: String = token.chars().take_while(char::is_ascii_digit).collect();
        if day.is_none() && (1..=2).contains(&digits.len()) {
            day = digits.parse::<i64>().ok();
            continue;
        }
        let month_token = match syntax {
            SetCookieSyntax::Libsoup => token.len() == 3,
            _ => token.len() >= 3,
        };
        if month.is_none() && month_token {
            let prefix = token.get(..3).unwrap_or_default().to_ascii_lowercase();
            const MONTHS: [&str; 12] = [
                "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
            ];
            if let Some(i) = MONTHS.iter().position(|m| *m == prefix) {
                month = Some(i as i64 + 1);
                continue;
            }
        }
        if year.is_none() && (2..=4).contains(&digits.len()) {
            year = digits.parse::<i64>().ok();
        }
    }
    let (h, mi, s) = match time {
        Some(t) => t,
        None if lenient => (0, 0, 0),
        None => return None,
    };
    let (d, mo, mut y) = (day?, month?, year?);
    if (70..=99).contains(&y) {
        y += 1900;
    } else if (0..=69).contains(&y) {
        y += 2000;
    }
    if !(1..=31).contains(&d) {
        return None;
    }
    if !lenient && (h > 23 || mi > 59 || s > 59 || d > days_in_month(y, mo)) {
        return None;
    }
    // Before 1601: a date long past (Chromium and libsoup clamp it).
    let y = y.max(1601);
    // Days from the civil date (Howard Hinnant's algorithm); a day or an
    // hour past its range rolls over, as Firefox's parser lets it.
    let (yy, mm) = if mo <= 2 {
        (y - 1, mo + 9)
    } else {
        (y, mo - 3)
    };
    let era = yy.div_euclid(400);
    let yoe = yy - era * 400;
    let doy = (153 * mm + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(days * 86_400 + h * 3600 + mi * 60 + s)
}

/// Days in `month` (1–12) of `year`, in the proleptic Gregorian calendar.
fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// `10/21/2015` as (month, day, year), for Firefox's parser.
fn numeric_date(token: &str) -> Option<(i64, i64, i64)> {
    let mut parts = token.split('/');
    let (m, d, y) = (parts.next()?, parts.next()?, parts.next()?);
    let number = |s: &str, max_len: usize| {
        (!s.is_empty() && s.len() <= max_len && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse::<i64>().ok())
            .flatten()
    };
    let (m, d, y) = (number(m, 2)?, number(d, 2)?, number(y, 4)?);
    (parts.next().is_none() && (1..=12).contains(&m)).then_some((m, d, y))
}

/// Why a cookie was not sent, or a `Set-Cookie` line not stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum CookieReason {
    /// `SameSite=Strict` on a cross-site request.
    SameSiteStrict,
    /// `SameSite=Lax` on a cross-site subresource request.
    SameSiteLax,
    /// No `SameSite`, which this engine treats as `Lax`, on a cross-site request.
    SameSiteDefaultLax,
    /// Third-party cookies are blocked, and the cookie is not `Partitioned`.
    ThirdPartyBlocked,
    /// The cookie belongs to another top-level site's partition (or, in a
    /// third-party context, the engine only uses the page's partition).
    OtherPartition,
    /// A `Secure` cookie and a non-secure URL.
    SecureOnly,
    /// A `Secure` cookie (or `__Secure-`/`__Host-`) set over plain http.
    SecureFromInsecureUrl,
    /// `__Secure-` without `Secure`, or `__Host-` with `Domain`, without
    /// `Secure` or with a `Path` other than `/`.
    InvalidPrefix,
    /// `SameSite=None` without `Secure`.
    NoneWithoutSecure,
    /// `Partitioned` without `Secure`.
    PartitionedWithoutSecure,
    /// `Domain` does not cover the URL's host, or is a public suffix.
    InvalidDomain,
    /// `SameSite=Strict`/`Lax` (or the `Lax` default) set by a cross-site response.
    SameSiteSetCrossSite,
    /// This engine stores no cookie from a third-party response.
    ThirdPartyStoreBlocked,
    /// The response failed its CORS check, and this engine drops its cookies.
    CorsFailed,
    /// The line is not a cookie.
    Unparsable,
}

impl CookieReason {
    /// What to change, in one sentence.
    ///
    /// ```
    /// use browser_cors::cookie::CookieReason;
    /// assert!(CookieReason::ThirdPartyBlocked.fix().contains("Partitioned"));
    /// ```
    pub fn fix(self) -> &'static str {
        match self {
            CookieReason::SameSiteStrict | CookieReason::SameSiteLax => {
                "a cross-site fetch carries only SameSite=None cookies: set `SameSite=None; Secure`, or serve the API from the page's site"
            }
            CookieReason::SameSiteDefaultLax => {
                "a cookie without SameSite is Lax in this engine: set `SameSite=None; Secure` for cross-site fetches"
            }
            CookieReason::ThirdPartyBlocked => {
                "mark the cookie `Partitioned` (with `Secure; SameSite=None`), or serve the API from the page's site"
            }
            CookieReason::OtherPartition => {
                "this engine keeps third-party cookies per top-level site: a cookie stored on a visit to the API's own site is not seen from the page; set it from a response to this page's fetch, or serve the API from the page's site"
            }
            CookieReason::SecureOnly => "a Secure cookie goes only to https URLs: use https",
            CookieReason::SecureFromInsecureUrl => {
                "a Secure (or __Secure-/__Host-) cookie cannot be set over http: serve the response over https"
            }
            CookieReason::InvalidPrefix => {
                "__Secure- needs `Secure`; __Host- needs `Secure`, `Path=/` and no `Domain`"
            }
            CookieReason::NoneWithoutSecure => "`SameSite=None` needs `Secure`",
            CookieReason::PartitionedWithoutSecure => "`Partitioned` needs `Secure`",
            CookieReason::InvalidDomain => {
                "`Domain` must be the response's host or a parent of it, and not a public suffix"
            }
            CookieReason::SameSiteSetCrossSite => {
                "a cross-site response can only set `SameSite=None; Secure` cookies"
            }
            CookieReason::ThirdPartyStoreBlocked => {
                "this engine stores no cookie from a third-party response: set it on a first-party visit, or serve the API from the page's site"
            }
            CookieReason::CorsFailed => {
                "this engine drops the cookies of a response that fails CORS: fix the CORS headers"
            }
            CookieReason::Unparsable => "the Set-Cookie line holds no name=value pair",
        }
    }

    /// The reason in a few words.
    fn text(self) -> &'static str {
        match self {
            CookieReason::SameSiteStrict => "it is SameSite=Strict and the request is cross-site",
            CookieReason::SameSiteLax => "it is SameSite=Lax and the request is cross-site",
            CookieReason::SameSiteDefaultLax => {
                "it has no SameSite (Lax by default) and the request is cross-site"
            }
            CookieReason::ThirdPartyBlocked => "third-party cookies are blocked",
            CookieReason::OtherPartition => "it is kept for another top-level site",
            CookieReason::SecureOnly => "it is Secure and the URL is not",
            CookieReason::SecureFromInsecureUrl => "a Secure cookie was set over http",
            CookieReason::InvalidPrefix => "it breaks its name prefix's rules",
            CookieReason::NoneWithoutSecure => "SameSite=None without Secure",
            CookieReason::PartitionedWithoutSecure => "Partitioned without Secure",
            CookieReason::InvalidDomain => "its Domain does not match the host",
            CookieReason::SameSiteSetCrossSite => {
                "a cross-site response may not set a SameSite=Lax/Strict cookie"
            }
            CookieReason::ThirdPartyStoreBlocked => "third-party responses store no cookies",
            CookieReason::CorsFailed => "the response failed its CORS check",
            CookieReason::Unparsable => "the line is not a cookie",
        }
    }
}

/// What happened to a cookie.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum CookieAction {
    /// A stored cookie matched the URL but was not sent.
    NotSent,
    /// A `Set-Cookie` line of a response was not stored.
    NotStored,
}

/// A cookie the engine withheld or refused, and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CookieNote {
    /// The cookie's name.
    pub name: String,
    /// Not sent, or not stored.
    pub action: CookieAction,
    /// Why.
    pub reason: CookieReason,
    /// The URL of the request (or response).
    pub url: String,
}

impl CookieNote {
    /// The note in a few words, for a table cell (`cookie sid not stored:
    /// a cross-site response may not set a SameSite=Lax/Strict cookie`).
    ///
    /// ```
    /// use browser_cors::cookie::{CookieAction, CookieNote, CookieReason};
    /// let n = CookieNote { name: "sid".into(), action: CookieAction::NotSent,
    ///     reason: CookieReason::ThirdPartyBlocked, url: "https://api.example/".into() };
    /// assert_eq!(n.short(), "cookie sid not sent: third-party cookies are blocked");
    /// ```
    pub fn short(&self) -> String {
        let verb = match self.action {
            CookieAction::NotSent => "not sent",
            CookieAction::NotStored => "not stored",
        };
        format!("cookie {} {verb}: {}", self.name, self.reason.text())
    }
}

impl std::fmt::Display for CookieNote {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let verb = match self.action {
            CookieAction::NotSent => "was not sent to",
            CookieAction::NotStored => "was not stored from",
        };
        write!(
            f,
            "cookie `{}` {verb} {}: {}; {}",
            self.name,
            self.url,
            self.reason.text(),
            self.reason.fix()
        )
    }
}

/// Where a request stands for cookies: its URL against the top-level page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CookieContext {
    /// The request is cross-site with the page (by the engine's scheme rule).
    pub(crate) cross_site: bool,
    /// `SameSite` cookies stay home: the request is cross-site, or (where
    /// the engine looks at the whole redirect chain) some URL before it was.
    pub(crate) same_site_blocked: bool,
    /// The top-level site, the partition key (`https://app.test`).
    pub(crate) top_site: String,
}

impl CookieContext {
    pub(crate) fn new(page: &crate::Page, url: &Url, rules: &CookieRules) -> CookieContext {
        let cross_site = !crate::origin::url_same_site(&page.origin, url, rules.same_site_scheme);
        CookieContext {
            cross_site,
            same_site_blocked: cross_site,
            top_site: page.top_site().to_owned(),
        }
    }

    /// [`CookieContext::new`] for the last URL of a redirect chain
    /// (`chain`: every URL the request visited, the current one last).
    pub(crate) fn for_chain<'a>(
        page: &crate::Page,
        chain: impl IntoIterator<Item = &'a Url>,
        url: &Url,
        rules: &CookieRules,
    ) -> CookieContext {
        let mut ctx = CookieContext::new(page, url, rules);
        if rules.same_site_chain == SameSiteChain::WholeChain {
            ctx.same_site_blocked |= chain.into_iter().any(|hop| {
                !crate::origin::url_same_site(&page.origin, hop, rules.same_site_scheme)
            });
        }
        ctx
    }

    /// A top-level visit to `url`: first party.
    fn first_party(url: &Url) -> CookieContext {
        CookieContext {
            cross_site: false,
            same_site_blocked: false,
            top_site: site_key(url, SiteScheme::Schemeful),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Cookie {
    name: String,
    value: String,
    /// The host (host-only) or the `Domain`.
    domain: String,
    host_only: bool,
    path: String,
    secure: bool,
    same_site: Option<SameSite>,
    partition: Option<String>,
    expiry: Option<Instant>,
    /// Orders the `Cookie` header (after path length): when it was first
    /// set, or last set where the engine gives an overwritten cookie a new
    /// creation time ([`OverwrittenCookie`]).
    created: u64,
    /// When it was last set: purges and the jar's total bound remove the
    /// least recently set first.
    touched: u64,
    priority: CookiePriority,
    /// [`identity_hash`] of its name, domain, host-only flag, path and
    /// partition: a jar with hundreds of cookies on one site compares one
    /// number per cookie when a line is stored, and the fields only on a match.
    identity: u64,
}

/// A hash of what makes two cookies the same cookie (RFC 6265bis § 5.7
/// step 23: name, domain, host-only flag and path; and the partition).
fn identity_hash(
    name: &str,
    domain: &str,
    host_only: bool,
    path: &str,
    partition: Option<&str>,
) -> u64 {
    // FNV-1a: a few instructions a byte, for keys of a few dozen bytes. The
    // fields are separated by 0xFF, a byte no UTF-8 string holds.
    let fields = [name, domain, path, partition.unwrap_or("")];
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |b: u8| hash = (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    for field in fields {
        field.bytes().for_each(&mut eat);
        eat(0xFF);
    }
    eat(u8::from(host_only) | (u8::from(partition.is_some()) << 1));
    hash
}

impl Cookie {
    fn matches(&self, host: &str, path: &str) -> bool {
        let domain_ok = if self.host_only {
            self.domain == host
        } else {
            domain_match(host, &self.domain)
        };
        domain_ok && path_match(path, &self.path)
    }
}

/// A cookie store with the engine's rules, bounded as the engine bounds it.
/// Pure data: time comes from the caller.
#[derive(Debug, Clone)]
pub struct CookieJar {
    rules: CookieRules,
    /// Cookies by the site of their domain (schemeless).
    by_site: HashMap<String, Vec<Cookie>>,
    count: usize,
    next: u64,
    /// The wall clock, as the caller gave it: an instant and the Unix time
    /// it stands for. `Expires` is read against it.
    wall_clock: Option<(Instant, i64)>,
}

/// 2026-01-01T00:00:00Z: without a wall clock or a `Date` header, an
/// `Expires` before it is certainly past (a deletion); a later one is kept
/// as a cookie whose end the jar cannot know.
const EXPIRES_FLOOR: i64 = 1_767_225_600;

impl CookieJar {
    /// An empty jar following `profile`'s cookie rules.
    ///
    /// ```
    /// let jar = browser_cors::CookieJar::new(&browser_cors::Profile::firefox());
    /// assert!(jar.is_empty());
    /// ```
    pub fn new(profile: &Profile) -> CookieJar {
        CookieJar {
            rules: profile.cookies,
            by_site: HashMap::new(),
            count: 0,
            next: 0,
            wall_clock: None,
        }
    }

    /// Tells the jar what Unix time (seconds) `at` stands for, so that
    /// `Expires` dates are read against the wall clock when a response has
    /// no `Date` header. The jar reads no clock itself; the client layer
    /// gives it the system time.
    ///
    /// ```
    /// use std::time::Instant;
    /// let mut jar = browser_cors::CookieJar::new(&browser_cors::Profile::chromium());
    /// let now = Instant::now();
    /// jar.set_wall_clock(now, 1_800_000_000);
    /// let u = url::Url::parse("https://app.test/").unwrap();
    /// jar.store_first_party(&u, b"old=1; Expires=Thu, 01 Jan 2026 00:00:00 GMT", now);
    /// assert!(jar.is_empty());
    /// ```
    pub fn set_wall_clock(&mut self, at: Instant, unix_seconds: i64) {
        self.wall_clock = Some((at, unix_seconds));
    }

    /// The Unix time `now` stands for, when the caller gave a wall clock.
    fn unix_time(&self, now: Instant) -> Option<i64> {
        let (at, unix) = self.wall_clock?;
        let delta = match now.checked_duration_since(at) {
            Some(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
            None => -i64::try_from(at.duration_since(now).as_secs()).unwrap_or(i64::MAX),
        };
        Some(unix.saturating_add(delta))
    }

    /// How many cookies are stored.
    pub fn len(&self) -> usize {
        self.count
    }

    /// Whether the jar is empty.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Forgets every cookie.
    pub fn clear(&mut self) {
        self.by_site.clear();
        self.count = 0;
    }

    /// The rules the jar follows.
    pub fn rules(&self) -> &CookieRules {
        &self.rules
    }

    /// The `name=value` pairs stored for `url` in first-party context (what
    /// a top-level visit would send), for inspection.
    ///
    /// ```
    /// let mut jar = browser_cors::CookieJar::new(&browser_cors::Profile::chromium());
    /// let u = url::Url::parse("https://app.test/a").unwrap();
    /// jar.store_first_party(&u, b"a=1", std::time::Instant::now());
    /// assert_eq!(jar.first_party_cookies(&u, std::time::Instant::now()), vec!["a=1".to_owned()]);
    /// ```
    pub fn first_party_cookies(&self, url: &Url, now: Instant) -> Vec<String> {
        let ctx = CookieContext::first_party(url);
        self.select(url, &ctx, now)
            .0
            .iter()
            .map(|c| format!("{}={}", c.name, c.value))
            .collect()
    }

    /// Stores a `Set-Cookie` line as a top-level visit to `url` would (first
    /// party). Returns the reason when the line is refused.
    pub fn store_first_party(
        &mut self,
        url: &Url,
        line: &[u8],
        now: Instant,
    ) -> Option<CookieReason> {
        let ctx = CookieContext::first_party(url);
        let parsed = SetCookie::parse_as(line, self.rules.syntax);
        self.store_line(url, &mut None, parsed, &ctx, None, now)
            .err()
    }

    /// [`CookieJar::store_first_party`] for several lines set by one visit:
    /// the visit's context and site are worked out once (the harness's
    /// setup visits set up to hundreds).
    pub(crate) fn store_first_party_lines(
        &mut self,
        url: &Url,
        lines: impl IntoIterator<Item = impl AsRef<[u8]>>,
        now: Instant,
    ) {
        let ctx = CookieContext::first_party(url);
        let mut url_site = None;
        for line in lines {
            let parsed = SetCookie::parse_as(line.as_ref(), self.rules.syntax);
            // A refused line is not stored; the harness compares what is.
            let _ = self.store_line(url, &mut url_site, parsed, &ctx, None, now);
        }
    }

    /// The cookies a request to `url` in `ctx` carries, in header order, and
    /// the matching ones withheld with their reason.
    fn select(
        &self,
        url: &Url,
        ctx: &CookieContext,
        now: Instant,
    ) -> (Vec<&Cookie>, Vec<(String, CookieReason)>) {
        let (Some(host), path) = (url.host_str(), url.path()) else {
            return (Vec::new(), Vec::new());
        };
        let host = host.trim_start_matches('[').trim_end_matches(']');
        let secure_url = self.is_secure_url(url);
        let mut sent: Vec<&Cookie> = Vec::new();
        let mut withheld = Vec::new();
        let Some(list) = self.by_site.get(&site_key(url, SiteScheme::Schemeless)) else {
            return (sent, withheld);
        };
        for c in list {
            if c.expiry.is_some_and(|e| e <= now) || !c.matches(host, path) {
                continue;
            }
            match self.send_verdict(c, ctx, secure_url) {
                Ok(()) => sent.push(c),
                Err(reason) => withheld.push((c.name.clone(), reason)),
            }
        }
        sent.sort_by(|a, b| {
            b.path
                .len()
                .cmp(&a.path.len())
                .then(a.created.cmp(&b.created))
        });
        (sent, withheld)
    }

    /// Whether `Secure` cookies may be set by and sent to `url`: https, and
    /// loopback http where the engine counts it as trustworthy.
    fn is_secure_url(&self, url: &Url) -> bool {
        url.scheme() == "https"
            || (self.rules.secure_over_loopback_http == crate::profile::LoopbackHttp::Trustworthy
                && is_potentially_trustworthy(url))
    }

    fn send_verdict(
        &self,
        c: &Cookie,
        ctx: &CookieContext,
        secure_url: bool,
    ) -> Result<(), CookieReason> {
        if c.secure && !secure_url {
            return Err(CookieReason::SecureOnly);
        }
        match &c.partition {
            Some(p) if *p != ctx.top_site => return Err(CookieReason::OtherPartition),
            Some(_) => {}
            None if ctx.cross_site => match self.rules.third_party {
                ThirdPartyCookies::BlockUnpartitioned => {
                    return Err(CookieReason::ThirdPartyBlocked);
                }
                ThirdPartyCookies::PartitionAll => return Err(CookieReason::OtherPartition),
                ThirdPartyCookies::SendExistingNeverStore | ThirdPartyCookies::Allowed => {}
            },
            None => {}
        }
        if ctx.same_site_blocked {
            match self.effective_same_site(c.same_site) {
                EffectiveSameSite::Strict => return Err(CookieReason::SameSiteStrict),
                EffectiveSameSite::Lax => return Err(CookieReason::SameSiteLax),
                EffectiveSameSite::DefaultLax => return Err(CookieReason::SameSiteDefaultLax),
                EffectiveSameSite::None => {}
            }
        }
        Ok(())
    }

    fn effective_same_site(&self, same_site: Option<SameSite>) -> EffectiveSameSite {
        match (same_site, self.rules.same_site_default) {
            (Some(SameSite::Strict), _) => EffectiveSameSite::Strict,
            (Some(SameSite::Lax), _) => EffectiveSameSite::Lax,
            (Some(SameSite::None), _) => EffectiveSameSite::None,
            (None, SameSiteDefault::Lax) => EffectiveSameSite::DefaultLax,
            (None, SameSiteDefault::None) => EffectiveSameSite::None,
        }
    }

    /// The `Cookie` header for a request, and notes for the cookies withheld.
    pub(crate) fn cookie_header(
        &self,
        url: &Url,
        ctx: &CookieContext,
        now: Instant,
    ) -> (Option<Vec<u8>>, Vec<CookieNote>) {
        let (sent, withheld) = self.select(url, ctx, now);
        let header = (!sent.is_empty()).then(|| {
            let text = sent
                .iter()
                .map(|c| {
                    if c.name.is_empty() {
                        c.value.clone()
                    } else {
                        format!("{}={}", c.name, c.value)
                    }
                })
                .collect::<Vec<_>>()
                .join("; ");
            // Back to the bytes the cookie came with (Chromium's are one
            // char per byte; the others keep UTF-8).
            match self.rules.syntax {
                SetCookieSyntax::Chromium => {
                    crate::headers::isomorphic_encode(&text).unwrap_or_else(|_| text.into_bytes())
                }
                _ => text.into_bytes(),
            }
        });
        let notes = withheld
            .into_iter()
            .map(|(name, reason)| CookieNote {
                name,
                action: CookieAction::NotSent,
                reason,
                url: url.to_string(),
            })
            .collect();
        (header, notes)
    }

    /// Stores the `Set-Cookie` lines of a response to `url` (a request that
    /// carried credentials), in `ctx`; `cors_failed` when the response
    /// failed its CORS check. `date` is the response's `Date` (seconds since
    /// the epoch), against which `Expires` is read.
    pub(crate) fn store_response<'a>(
        &mut self,
        url: &Url,
        lines: impl Iterator<Item = &'a [u8]>,
        ctx: &CookieContext,
        cors_failed: bool,
        date: Option<i64>,
        now: Instant,
    ) -> Vec<CookieNote> {
        let mut notes = Vec::new();
        // The response URL's site, worked out for its first host-only cookie.
        let mut url_site = None;
        for line in lines {
            // Parsed once: the note needs the name, storing the rest.
            let parsed = SetCookie::parse_as(line, self.rules.syntax);
            let name = parsed.as_ref().map(|c| c.name.clone()).unwrap_or_default();
            let result =
                if cors_failed && self.rules.on_cors_failure == CookiesOnCorsFailure::Dropped {
                    Err(CookieReason::CorsFailed)
                } else {
                    self.store_line(url, &mut url_site, parsed, ctx, date, now)
                };
            if let Err(reason) = result {
                notes.push(CookieNote {
                    name,
                    action: CookieAction::NotStored,
                    reason,
                    url: url.to_string(),
                });
            }
        }
        notes
    }

    /// [RFC 6265bis § 5.7](https://httpwg.org/http-extensions/draft-ietf-httpbis-rfc6265bis.html#name-storage-model)
    /// with the engine's policy, for a line the engine's parser read
    /// (`None`: it holds no cookie).
    ///
    /// `url_site` keeps `url`'s schemeless site once a host-only cookie
    /// needed it, for the next line of the same response.
    fn store_line(
        &mut self,
        url: &Url,
        url_site: &mut Option<String>,
        parsed: Option<SetCookie>,
        ctx: &CookieContext,
        date: Option<i64>,
        now: Instant,
    ) -> Result<(), CookieReason> {
        let parsed = parsed.ok_or(CookieReason::Unparsable)?;
        let host = url
            .host_str()
            .ok_or(CookieReason::InvalidDomain)?
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_owned();
        let secure_url = self.is_secure_url(url);
        if parsed.secure && !secure_url {
            return Err(CookieReason::SecureFromInsecureUrl);
        }
        let (domain, host_only) = match &parsed.domain {
            None => (host.clone(), true),
            Some(d) => {
                let ip = matches!(url.host(), Some(Host::Ipv4(_) | Host::Ipv6(_)));
                let suffix_ok = self.rules.domain_on_ip
                    == crate::profile::DomainOnIp::SuffixMatches
                    && host.ends_with(d.as_str())
                    && host.len() > d.len();
                if ip && *d != host && !suffix_ok {
                    return Err(CookieReason::InvalidDomain);
                }
                if ip && suffix_ok {
                    // libsoup matches the domain as a string suffix; the
                    // cookie is kept for this host (what WebKit sends back).
                    (host.clone(), true)
                } else {
                    if !domain_match(&host, d) {
                        return Err(CookieReason::InvalidDomain);
                    }
                    if is_public_suffix(d) && !ip {
                        if *d == host {
                            (host.clone(), true)
                        } else {
                            return Err(CookieReason::InvalidDomain);
                        }
                    } else {
                        (d.clone(), ip)
                    }
                }
            }
        };
        let lower = parsed.name.to_ascii_lowercase();
        if self.rules.prefixes == CookiePrefixes::Enforced {
            if lower.starts_with("__secure-") && !parsed.secure {
                return Err(CookieReason::InvalidPrefix);
            }
            if lower.starts_with("__host-")
                && (!parsed.secure
                    || parsed.domain.is_some()
                    || parsed.path.as_deref() != Some("/"))
            {
                return Err(CookieReason::InvalidPrefix);
            }
        }
        if parsed.same_site == Some(SameSite::None)
            && !parsed.secure
            && self.rules.none_requires_secure == NoneRequiresSecure::Required
        {
            return Err(CookieReason::NoneWithoutSecure);
        }
        let partitioned =
            parsed.partitioned && self.rules.partitioned == PartitionedCookies::Honoured;
        if partitioned && !parsed.secure {
            return Err(CookieReason::PartitionedWithoutSecure);
        }
        let mut partition = partitioned.then(|| ctx.top_site.clone());
        if ctx.cross_site {
            if self.effective_same_site(parsed.same_site) != EffectiveSameSite::None {
                return Err(CookieReason::SameSiteSetCrossSite);
            }
            match self.rules.third_party {
                ThirdPartyCookies::BlockUnpartitioned if !partitioned => {
                    return Err(CookieReason::ThirdPartyBlocked);
                }
                ThirdPartyCookies::PartitionAll => partition = Some(ctx.top_site.clone()),
                ThirdPartyCookies::SendExistingNeverStore => {
                    return Err(CookieReason::ThirdPartyStoreBlocked);
                }
                _ => {}
            }
        }
        let path = parsed.path.clone().unwrap_or_else(|| default_path(url));
        // Max-Age wins; Expires is read against the response's Date (as
        // Chromium corrects for the server's clock), else the wall clock.
        let lifetime = match (
            parsed.max_age,
            parsed.expires,
            match self.rules.expires_reference {
                ExpiresReference::ServerDate => date.or_else(|| self.unix_time(now)),
                ExpiresReference::BrowserClock => self.unix_time(now),
            },
        ) {
            (Some(secs), _, _) => Some(secs),
            (None, Some(expires), Some(reference)) => Some(expires.saturating_sub(reference)),
            (None, Some(expires), None) if expires < EXPIRES_FLOOR => Some(0),
            _ => None,
        };
        let site = if host_only {
            url_site
                .get_or_insert_with(|| site_key(url, SiteScheme::Schemeless))
                .clone()
        } else {
            site_of_domain(&domain)
        };
        let list = self.by_site.entry(site).or_default();
        let identity = identity_hash(
            &parsed.name,
            &domain,
            host_only,
            &path,
            partition.as_deref(),
        );
        let old = list.iter().position(|c| {
            c.identity == identity
                && c.name == parsed.name
                && c.domain == domain
                && c.host_only == host_only
                && c.path == path
                && c.partition == partition
        });
        self.next += 1;
        let touched = self.next;
        let created = match old {
            Some(i) => {
                let c = list.remove(i);
                self.count -= 1;
                match self.rules.overwritten {
                    OverwrittenCookie::KeepsCreationTime => c.created,
                    OverwrittenCookie::NewCreationTime => touched,
                }
            }
            None => touched,
        };
        if lifetime.is_some_and(|s| s <= 0) {
            return Ok(());
        }
        let expiry = lifetime
            .map(|s| now + Duration::from_secs(u64::try_from(s).unwrap_or(0).min(400 * 86_400)));
        list.push(Cookie {
            name: parsed.name,
            value: parsed.value,
            domain,
            host_only,
            path,
            secure: parsed.secure,
            same_site: parsed.same_site,
            partition,
            expiry,
            created,
            touched,
            priority: parsed.priority,
            identity,
        });
        self.count += 1;
        if let PerSiteLimit::PurgeTo { max, keep } = self.rules.per_site {
            if list.len() > max {
                self.count -= purge(list, keep, self.rules.purge_order);
            }
        }
        while self.count > self.rules.max_total {
            self.evict_oldest();
        }
        Ok(())
    }

    fn evict_oldest(&mut self) {
        let victim = self
            .by_site
            .iter()
            .filter_map(|(k, list)| list.iter().map(|c| c.touched).min().map(|m| (m, k.clone())))
            .min();
        let Some((_, site)) = victim else {
            self.count = 0;
            return;
        };
        if let Some(list) = self.by_site.get_mut(&site) {
            if let Some(i) = oldest(list) {
                list.remove(i);
                self.count -= 1;
            }
            if list.is_empty() {
                self.by_site.remove(&site);
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum EffectiveSameSite {
    Strict,
    Lax,
    DefaultLax,
    None,
}

/// Purges a site down to `keep` cookies in the engine's order; returns how
/// many went. Each round takes the least recently set cookies of its kind:
///
/// - Firefox: plain cookies first, then `Secure` ones;
/// - Chromium (`cookie_monster.cc`, `GarbageCollectDomainCookies`): by
///   priority and `Secure`, in six rounds (low plain, low any, medium
///   plain, high plain, medium any, high any), each leaving the 30 / 50 /
///   70 most recent of its priority (scenarios `cookie/limit-secure-and-plain`,
///   `cookie/limit-priority`, recorded here).
fn purge(list: &mut Vec<Cookie>, keep: usize, order: PurgeOrder) -> usize {
    use CookiePriority::{High, Low, Medium};
    let mut goal = list.len().saturating_sub(keep);
    let before = list.len();
    // (priority or any, plain only, how many of that priority stay)
    let rounds: &[(Option<CookiePriority>, bool, usize)] = match order {
        PurgeOrder::PlainFirst => &[(None, true, 0), (None, false, 0)],
        PurgeOrder::PriorityRounds => &[
            (Some(Low), true, 30),
            (Some(Low), false, 30),
            (Some(Medium), true, 50),
            (Some(High), true, 70),
            (Some(Medium), false, 50),
            (Some(High), false, 70),
        ],
    };
    for &(priority, plain_only, quota) in rounds {
        if goal == 0 {
            break;
        }
        let of_priority = |c: &Cookie| priority.is_none_or(|p| c.priority == p);
        let left = list.iter().filter(|c| of_priority(c)).count();
        let take = goal.min(left.saturating_sub(quota));
        let mut stamps: Vec<u64> = list
            .iter()
            .filter(|c| of_priority(c) && !(plain_only && c.secure))
            .map(|c| c.touched)
            .collect();
        stamps.sort_unstable();
        stamps.truncate(take);
        if let Some(&cutoff) = stamps.last() {
            let doomed =
                |c: &Cookie| of_priority(c) && !(plain_only && c.secure) && c.touched <= cutoff;
            list.retain(|c| !doomed(c));
            goal = goal.saturating_sub(stamps.len());
        }
    }
    before - list.len()
}

fn oldest(list: &[Cookie]) -> Option<usize> {
    list.iter()
        .enumerate()
        .min_by_key(|(_, c)| c.touched)
        .map(|(i, _)| i)
}

fn site_of_domain(domain: &str) -> String {
    Url::parse(&format!("http://{domain}/"))
        .map(|u| site_key(&u, SiteScheme::Schemeless))
        .unwrap_or_else(|_| domain.to_owned())
}

/// [Domain matching](https://httpwg.org/http-extensions/draft-ietf-httpbis-rfc6265bis.html#name-domain-matching).
fn domain_match(host: &str, domain: &str) -> bool {
    host == domain
        || (host.len() > domain.len()
            && host.ends_with(domain)
            && host.as_bytes().get(host.len() - domain.len() - 1) == Some(&b'.')
            && host.parse::<std::net::IpAddr>().is_err())
}

/// [Path matching](https://httpwg.org/http-extensions/draft-ietf-httpbis-rfc6265bis.html#name-paths-and-path-match).
fn path_match(request: &str, cookie: &str) -> bool {
    request == cookie
        || (request.starts_with(cookie)
            && (cookie.ends_with('/') || request.as_bytes().get(cookie.len()) == Some(&b'/')))
}

/// The [default-path](https://httpwg.org/http-extensions/draft-ietf-httpbis-rfc6265bis.html#name-paths-and-path-match) of a URL.
fn default_path(url: &Url) -> String {
    let path = url.path();
    match path.rfind('/') {
        Some(0) | None => "/".to_owned(),
        Some(i) => path.get(..i).unwrap_or("/").to_owned(),
    }
}

/// Every rule of cookie handling applied to the `Set-Cookie` lines of one
/// response context, for the machine: whether the engine's policy of cookies
/// with CORS failures applies is decided by the caller.
pub(crate) fn date_header(headers: &http::HeaderMap) -> Option<i64> {
    headers
        .get(http::header::DATE)
        .and_then(|v| v.to_str().ok())
        .and_then(parse_cookie_date)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    fn page(s: &str) -> crate::Page {
        crate::Page::parse(s).unwrap()
    }

    fn sent(jar: &CookieJar, page_origin: &str, url: &str) -> Vec<String> {
        let url = u(url);
        let ctx = CookieContext::new(&page(page_origin), &url, &jar.rules);
        jar.select(&url, &ctx, Instant::now())
            .0
            .iter()
            .map(|c| c.name.clone())
            .collect()
    }

    #[test]
    fn chromium_blocks_third_party_and_defaults_to_lax() {
        let now = Instant::now();
        let mut jar = CookieJar::new(&Profile::chromium());
        let api = u("https://api.other.test/");
        jar.store_first_party(&api, b"n=1; SameSite=None; Secure", now);
        jar.store_first_party(&api, b"plain=1", now);
        assert_eq!(
            sent(&jar, "https://app.test", "https://api.other.test/r"),
            Vec::<String>::new()
        );
        assert_eq!(
            sent(&jar, "https://api.other.test", "https://api.other.test/r"),
            vec!["n", "plain"]
        );
        let mut allowed = Profile::chromium();
        allowed.cookies.third_party = ThirdPartyCookies::Allowed;
        let mut jar = CookieJar::new(&allowed);
        jar.store_first_party(&api, b"n=1; SameSite=None; Secure", now);
        jar.store_first_party(&api, b"plain=1", now);
        assert_eq!(
            sent(&jar, "https://app.test", "https://api.other.test/r"),
            vec!["n"]
        );
    }

    #[test]
    fn webkit_sends_existing_third_party_cookies_but_stores_none() {
        let now = Instant::now();
        let mut jar = CookieJar::new(&Profile::webkit());
        let api = u("https://api.other.test/");
        jar.store_first_party(&api, b"plain=1", now);
        jar.store_first_party(&api, b"lax=1; SameSite=Lax", now);
        assert_eq!(
            sent(&jar, "https://app.test", "https://api.other.test/r"),
            vec!["plain"]
        );
        let ctx = CookieContext::new(&page("https://app.test"), &api, &jar.rules);
        let notes = jar.store_response(
            &api,
            [&b"x=1; SameSite=None; Secure"[..]].into_iter(),
            &ctx,
            false,
            None,
            now,
        );
        assert_eq!(
            notes.first().map(|n| n.reason),
            Some(CookieReason::ThirdPartyStoreBlocked)
        );
    }

    #[test]
    fn firefox_partitions_third_party_cookies_by_top_level_site() {
        let now = Instant::now();
        let mut jar = CookieJar::new(&Profile::firefox());
        let api = u("https://api.other.test/set");
        let ctx = CookieContext::new(&page("https://app.test"), &api, &jar.rules);
        assert!(
            jar.store_response(
                &api,
                [&b"tp=1; SameSite=None; Secure"[..]].into_iter(),
                &ctx,
                false,
                None,
                now
            )
            .is_empty()
        );
        assert_eq!(
            sent(&jar, "https://app.test", "https://api.other.test/r"),
            vec!["tp"]
        );
        assert_eq!(
            sent(&jar, "https://elsewhere.test", "https://api.other.test/r"),
            Vec::<String>::new()
        );
        assert_eq!(
            sent(&jar, "https://api.other.test", "https://api.other.test/r"),
            Vec::<String>::new()
        );
    }

    #[test]
    fn prefixes_and_secure() {
        let now = Instant::now();
        let mut jar = CookieJar::new(&Profile::chromium());
        let https = u("https://app.test/");
        let http = u("http://app.test/");
        assert_eq!(
            jar.store_first_party(&http, b"s=1; Secure", now),
            Some(CookieReason::SecureFromInsecureUrl)
        );
        assert_eq!(
            jar.store_first_party(&https, b"__Secure-y=1", now),
            Some(CookieReason::InvalidPrefix)
        );
        assert_eq!(
            jar.store_first_party(&https, b"__Host-h=1; Secure; Path=/; Domain=app.test", now),
            Some(CookieReason::InvalidPrefix)
        );
        assert_eq!(
            jar.store_first_party(&https, b"__Host-h=1; Secure; Path=/", now),
            None
        );
        assert_eq!(
            jar.store_first_party(&https, b"nn=1; SameSite=None", now),
            Some(CookieReason::NoneWithoutSecure)
        );
        let mut webkit = CookieJar::new(&Profile::webkit());
        assert_eq!(webkit.store_first_party(&https, b"__Secure-y=1", now), None);
    }

    #[test]
    fn domain_and_path_rules() {
        let now = Instant::now();
        let mut jar = CookieJar::new(&Profile::firefox());
        let api = u("https://api.app.test/a/b");
        assert_eq!(
            jar.store_first_party(&api, b"d=1; Domain=app.test; Path=/", now),
            None
        );
        assert_eq!(
            jar.store_first_party(&api, b"x=1; Domain=other.test", now),
            Some(CookieReason::InvalidDomain)
        );
        assert_eq!(
            jar.store_first_party(&api, b"t=1; Domain=test", now),
            Some(CookieReason::InvalidDomain)
        );
        assert_eq!(jar.store_first_party(&api, b"p=1", now), None);
        assert_eq!(
            sent(&jar, "https://app.test", "https://app.test/"),
            vec!["d"]
        );
        assert_eq!(
            sent(&jar, "https://app.test", "https://api.app.test/a/c"),
            vec!["p", "d"]
        );
        assert_eq!(
            sent(&jar, "https://app.test", "https://api.app.test/ab"),
            vec!["d"]
        );
        let ip = u("http://127.0.0.1:8000/");
        assert_eq!(
            jar.store_first_party(&ip, b"i=1; Domain=0.0.1", now),
            Some(CookieReason::InvalidDomain)
        );
    }

    #[test]
    fn max_age_zero_deletes_and_replacement_keeps_order() {
        let now = Instant::now();
        let mut jar = CookieJar::new(&Profile::firefox());
        let url = u("https://app.test/");
        jar.store_first_party(&url, b"a=1", now);
        jar.store_first_party(&url, b"b=1", now);
        jar.store_first_party(&url, b"a=2", now);
        assert_eq!(jar.first_party_cookies(&url, now), vec!["a=2", "b=1"]);
        jar.store_first_party(&url, b"a=3; Max-Age=0", now);
        assert_eq!(jar.first_party_cookies(&url, now), vec!["b=1"]);
        jar.store_first_party(&url, b"c=1; Max-Age=10", now);
        assert_eq!(
            jar.first_party_cookies(&url, now + Duration::from_secs(11)),
            vec!["b=1"]
        );
    }

    #[test]
    fn a_site_over_its_limit_is_purged_to_its_quota_oldest_first() {
        let now = Instant::now();
        let url = u("https://app.test/");
        let names = |jar: &CookieJar| -> Vec<String> {
            jar.first_party_cookies(&url, now)
                .into_iter()
                .map(|c| c.trim_end_matches("=1").to_owned())
                .collect()
        };
        for (profile, after_181) in [
            (Profile::chromium(), 150),
            (Profile::firefox(), 150),
            (Profile::webkit(), 181),
        ] {
            let mut jar = CookieJar::new(&profile);
            for i in 0..180 {
                jar.store_first_party(&url, format!("c{i}=1").as_bytes(), now);
            }
            assert_eq!(jar.len(), 180, "{:?}", profile.engine);
            // Setting an existing name again replaces it: no purge.
            jar.store_first_party(&url, b"c0=1", now);
            assert_eq!(jar.len(), 180, "{:?}", profile.engine);
            jar.store_first_party(&url, b"c180=1", now);
            assert_eq!(jar.len(), after_181, "{:?}", profile.engine);
            let kept = names(&jar);
            let has = |n: &str| kept.iter().any(|k| k == n);
            if after_181 == 150 {
                // The 31 least recently set went: c1..c31, not c0, set again
                // (as recorded in Chromium and Firefox).
                assert!(has("c0") && has("c32") && has("c180"), "{kept:?}");
                assert!(!has("c1") && !has("c31"), "{kept:?}");
            }
            // The header's order: c0 first where it keeps its creation time.
            let c0_first = kept.first().map(String::as_str) == Some("c0");
            assert_eq!(
                c0_first,
                profile.cookies.overwritten == OverwrittenCookie::KeepsCreationTime,
                "{:?}: {kept:?}",
                profile.engine
            );
            // Another site is not touched by this one's purge.
            jar.store_first_party(&u("https://other.test/"), b"o=1", now);
            assert_eq!(jar.len(), after_181 + 1, "{:?}", profile.engine);
        }
    }

    #[test]
    fn the_jar_keeps_its_bounds() {
        let now = Instant::now();
        let mut jar = CookieJar::new(&Profile::chromium());
        let url = u("https://app.test/");
        for i in 0..500 {
            jar.store_first_party(&url, format!("c{i}=1").as_bytes(), now);
        }
        // The 181st purges the site to 150; every 31 more purge it again:
        // 500 = 181 + 10 × 31 + 9 leaves 150 + 9.
        assert_eq!(jar.len(), 159);
        for i in 0..4000 {
            let u = u(&format!("https://h{i}.test/"));
            jar.store_first_party(&u, b"x=1", now);
        }
        assert_eq!(jar.len(), 3300);
    }

    #[test]
    fn cookie_dates() {
        assert_eq!(
            parse_cookie_date("Sun, 06 Nov 1994 08:49:37 GMT"),
            Some(784_111_777)
        );
        assert_eq!(
            parse_cookie_date("Sunday, 06-Nov-94 08:49:37 GMT"),
            Some(784_111_777)
        );
        assert_eq!(
            parse_cookie_date("Sun Nov  6 08:49:37 1994"),
            Some(784_111_777)
        );
        assert_eq!(parse_cookie_date("06 Nov 1994 25:00:00"), None);
    }
}
