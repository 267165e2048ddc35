//! Origins and sites: [HTML § origin](https://html.spec.whatwg.org/multipage/browsers.html#origin).
//!
//! Origins are [`url::Origin`] values (tuple or opaque); this room adds the
//! relations the Fetch standard needs: same origin, same site (schemelessly,
//! with the bundled public suffix list), the `Sec-Fetch-Site` relation
//! over a redirect chain, and the URL as the rooms above compare and send it
//! (without its fragment).

use std::sync::LazyLock;

use publicsuffix::{List, Psl};
use url::{Host, Origin, Url};

use crate::input::InputError;

/// The public suffix list shipped inside the crate (no network at run time).
///
/// It is immutable data parsed once on first use, like a table in a binary;
/// nothing in the crate writes to it.
static PUBLIC_SUFFIXES: LazyLock<List> = LazyLock::new(|| {
    include_str!("../data/public_suffix_list.dat")
        .parse()
        .unwrap_or_default()
});

/// A URL [serialized with *exclude fragment*](https://url.spec.whatwg.org/#concept-url-serializer):
/// what goes on the wire, keys the preflight cache, and `Response.url` shows.
pub(crate) fn without_fragment(url: &Url) -> Url {
    let mut u = url.clone();
    if u.fragment().is_some() {
        u.set_fragment(None);
    }
    u
}

/// Parses a page origin such as `https://app.example` or `http://127.0.0.1:8080`.
///
/// Accepts a serialized origin (scheme, host and optional port, nothing else)
/// or the literal `null` (a new opaque origin). Anything with a path, query,
/// fragment or userinfo is refused, because a browser's origin never has them.
///
/// ```
/// let o = browser_cors::origin::parse_origin("https://app.example").unwrap();
/// assert_eq!(o.ascii_serialization(), "https://app.example");
/// assert!(browser_cors::origin::parse_origin("https://app.example/path").is_err());
/// ```
pub fn parse_origin(input: &str) -> Result<Origin, InputError> {
    let trimmed = input.trim();
    if trimmed == "null" {
        return Ok(Origin::new_opaque());
    }
    let url = Url::parse(trimmed).map_err(|_| InputError::Origin {
        input: input.to_owned(),
        reason: "not an absolute URL",
    })?;
    let bad = |reason| InputError::Origin {
        input: input.to_owned(),
        reason,
    };
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad("an origin has no userinfo"));
    }
    if url.path() != "/" || trimmed.ends_with('/') {
        return Err(bad("an origin has no path (not even a trailing '/')"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(bad("an origin has no query or fragment"));
    }
    let origin = url.origin();
    if !origin.is_tuple() {
        return Err(bad("this scheme has an opaque origin"));
    }
    Ok(origin)
}

/// [Same origin](https://html.spec.whatwg.org/multipage/browsers.html#same-origin).
///
/// ```
/// use browser_cors::origin::{parse_origin, same_origin};
/// let a = parse_origin("http://a.test").unwrap();
/// assert!(same_origin(&a, &a.clone()));
/// assert!(!same_origin(&a, &parse_origin("http://a.test:81").unwrap()));
/// ```
pub fn same_origin(a: &Origin, b: &Origin) -> bool {
    a == b
}

/// The registrable domain of a domain host, or the host itself when it has
/// none (`localhost`, a public suffix). Borrowed: no allocation.
/// [HTML § obtain a site](https://html.spec.whatwg.org/multipage/browsers.html#obtain-a-site)
/// The ASCII top-level labels the list has rules for. A domain whose last
/// label is none of them (and not punycode) falls under the list's default
/// rule `*` alone: its public suffix is that label, and no lookup (nor the
/// one-time parse of the list) is needed.
static LISTED_TLDS: &[&str] = include!("../data/psl_ascii_tlds.rs");

/// Whether `domain` falls under the default rule only.
fn default_rule_only(domain: &str) -> bool {
    let d = domain.strip_suffix('.').unwrap_or(domain);
    let tld = d.rsplit('.').next().unwrap_or(d);
    !tld.starts_with("xn--")
        && tld.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && LISTED_TLDS
            .binary_search_by(|t| t.as_bytes().cmp(tld.as_bytes()))
            .is_err()
}

pub(crate) fn registrable(domain: &str) -> &[u8] {
    if default_rule_only(domain) {
        // The default rule: the public suffix is the last label.
        return last_two_labels(domain).as_bytes();
    }
    PUBLIC_SUFFIXES
        .domain(domain.as_bytes())
        .map(|d| d.as_bytes())
        .unwrap_or(domain.as_bytes())
}

/// The registrable domain of a domain (`app.test` of `api.app.test`), or the
/// domain itself when it has none.
pub(crate) fn registrable_domain(domain: &str) -> &str {
    std::str::from_utf8(registrable(domain)).unwrap_or(domain)
}

/// Whether a domain is itself a public suffix (`com`, `github.io`, `test`):
/// it has no registrable domain of its own.
pub(crate) fn is_public_suffix(domain: &str) -> bool {
    if default_rule_only(domain) {
        return !domain.trim_end_matches('.').contains('.');
    }
    PUBLIC_SUFFIXES.domain(domain.as_bytes()).is_none()
}

pub(crate) fn borrow_host(host: &Host<String>) -> Host<&str> {
    match host {
        Host::Domain(d) => Host::Domain(d.as_str()),
        Host::Ipv4(ip) => Host::Ipv4(*ip),
        Host::Ipv6(ip) => Host::Ipv6(*ip),
    }
}

/// Whether two hosts are the same site. IP addresses are their own site and
/// are never looked up in the public suffix list.
fn hosts_same_site(a: Host<&str>, b: Host<&str>) -> bool {
    match (a, b) {
        (Host::Domain(x), Host::Domain(y)) => {
            x == y || (same_last_two_labels(x, y) && registrable(x) == registrable(y))
        }
        (a, b) => a == b,
    }
}

/// The last two labels of a domain (`app.example` of `api.app.example`).
/// A registrable domain has at least two labels and both hosts end with
/// it, so hosts whose last two labels differ are never the same site: no
/// public-suffix lookup is needed to say so.
fn last_two_labels(domain: &str) -> &str {
    let d = domain.strip_suffix('.').unwrap_or(domain);
    let bytes = d.as_bytes();
    let last = bytes.iter().rposition(|b| *b == b'.');
    let second = last.and_then(|i| bytes.get(..i)?.iter().rposition(|b| *b == b'.'));
    match second {
        Some(i) => d.get(i + 1..).unwrap_or(d),
        None => d,
    }
}

/// Whether two domains have the same [`last_two_labels`], found in one
/// walk from their ends: most cross-site pairs differ within a few bytes.
fn same_last_two_labels(x: &str, y: &str) -> bool {
    fn strip(d: &str) -> &[u8] {
        d.strip_suffix('.').unwrap_or(d).as_bytes()
    }
    let (mut xs, mut ys) = (strip(x).iter().rev(), strip(y).iter().rev());
    let mut dots = 0;
    loop {
        match (xs.next(), ys.next()) {
            (None, None) => return true,
            (Some(a), Some(b)) if a == b => {
                if *a == b'.' {
                    dots += 1;
                    if dots == 2 {
                        return true;
                    }
                }
            }
            // One domain is exactly two labels, the other goes on: the
            // same when that was the other's second dot from the end.
            (None, Some(b'.')) | (Some(b'.'), None) => return dots == 1,
            _ => return false,
        }
    }
}

/// Whether `url`'s origin is `origin`, without building the URL's origin.
///
/// ```
/// use browser_cors::origin::{parse_origin, url_is_same_origin};
/// let page = parse_origin("https://app.test").unwrap();
/// assert!(url_is_same_origin(&page, &"https://app.test:443/x".parse().unwrap()));
/// assert!(!url_is_same_origin(&page, &"http://app.test/x".parse().unwrap()));
/// ```
pub fn url_is_same_origin(origin: &Origin, url: &Url) -> bool {
    match origin {
        Origin::Tuple(scheme, host, port) => {
            // The host first: a cross-origin request's usually differs, and
            // the port needs the scheme's default looked up.
            url.host() == Some(borrow_host(host))
                && url.scheme() == scheme
                && url.port_or_known_default() == Some(*port)
        }
        Origin::Opaque(_) => false,
    }
}

/// [Schemelessly same site](https://html.spec.whatwg.org/multipage/browsers.html#schemelessly-same-site).
///
/// ```
/// use browser_cors::origin::{parse_origin, same_site};
/// let a = parse_origin("https://a.example.com").unwrap();
/// let b = parse_origin("http://b.example.com:8080").unwrap();
/// let c = parse_origin("https://example.org").unwrap();
/// assert!(same_site(&a, &b));
/// assert!(!same_site(&a, &c));
/// // github.io is a public suffix: two users' pages are different sites.
/// assert!(!same_site(&parse_origin("https://x.github.io").unwrap(),
///                    &parse_origin("https://y.github.io").unwrap()));
/// ```
pub fn same_site(a: &Origin, b: &Origin) -> bool {
    match (a, b) {
        (Origin::Opaque(_), Origin::Opaque(_)) => a == b,
        (Origin::Tuple(_, ha, _), Origin::Tuple(_, hb, _)) => {
            hosts_same_site(borrow_host(ha), borrow_host(hb))
        }
        _ => false,
    }
}

/// The value of `Sec-Fetch-Site`, from the page's origin and every URL the
/// request has visited (its redirect chain, current URL last).
///
/// [Fetch Metadata § Sec-Fetch-Site](https://w3c.github.io/webappsec-fetch-metadata/#sec-fetch-site-header)
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum FetchSite {
    /// Every URL in the chain is same origin with the page.
    SameOrigin,
    /// Every URL in the chain is same site with the page.
    SameSite,
    /// Some URL in the chain is cross-site.
    CrossSite,
}

impl FetchSite {
    /// The header value (`same-origin`, `same-site`, `cross-site`).
    ///
    /// ```
    /// assert_eq!(browser_cors::origin::FetchSite::SameSite.as_str(), "same-site");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            FetchSite::SameOrigin => "same-origin",
            FetchSite::SameSite => "same-site",
            FetchSite::CrossSite => "cross-site",
        }
    }

    /// The relation of `page` to every URL of `chain`: the most distant one wins.
    ///
    /// ```
    /// use browser_cors::origin::{parse_origin, FetchSite};
    /// let page = parse_origin("http://127.0.0.1:8000").unwrap();
    /// let b = url::Url::parse("http://127.0.0.1:9000/r").unwrap();
    /// let c = url::Url::parse("http://localhost:9000/r").unwrap();
    /// assert_eq!(FetchSite::of_chain(&page, [&b]), FetchSite::SameSite);
    /// assert_eq!(FetchSite::of_chain(&page, [&b, &c, &b]), FetchSite::CrossSite);
    /// ```
    pub fn of_chain<'a>(page: &Origin, chain: impl IntoIterator<Item = &'a Url>) -> FetchSite {
        chain
            .into_iter()
            .map(|url| FetchSite::of_url(page, url))
            .max()
            .unwrap_or(FetchSite::SameOrigin)
    }

    /// The relation of `page` to one URL, as Chromium computes it: a
    /// different scheme is `cross-site` even on the same host.
    fn of_url(page: &Origin, url: &Url) -> FetchSite {
        let Origin::Tuple(scheme, host, _) = page else {
            return FetchSite::CrossSite;
        };
        if url_is_same_origin(page, url) {
            FetchSite::SameOrigin
        } else if url.scheme() == scheme
            && url
                .host()
                .is_some_and(|h| hosts_same_site(borrow_host(host), h))
        {
            FetchSite::SameSite
        } else {
            FetchSite::CrossSite
        }
    }
}

/// Whether same-site comparisons look at the scheme: [schemelessly same
/// site](https://html.spec.whatwg.org/multipage/browsers.html#schemelessly-same-site)
/// or [same site](https://html.spec.whatwg.org/multipage/browsers.html#same-site)
/// (`http://a.test` and `https://a.test` are cross-site under the second).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SiteScheme {
    /// Only the registrable domain (or the host) counts.
    Schemeless,
    /// The scheme counts too.
    Schemeful,
}

/// Whether `url` is same site with `origin`, with or without the scheme.
///
/// ```
/// use browser_cors::origin::{parse_origin, url_same_site, SiteScheme};
/// let page = parse_origin("http://app.test").unwrap();
/// let api = url::Url::parse("https://api.app.test/").unwrap();
/// assert!(url_same_site(&page, &api, SiteScheme::Schemeless));
/// assert!(!url_same_site(&page, &api, SiteScheme::Schemeful));
/// ```
pub fn url_same_site(origin: &Origin, url: &Url, scheme: SiteScheme) -> bool {
    let Origin::Tuple(s, host, _) = origin else {
        return false;
    };
    if scheme == SiteScheme::Schemeful && s != url.scheme() {
        return false;
    }
    url.host()
        .is_some_and(|h| hosts_same_site(borrow_host(host), h))
}

/// The site of a URL as a key (`https://example.co.uk`, or `app.test`
/// schemeless): the registrable domain, or the host when it has none (IP
/// addresses, `localhost`). Used for cookie partitions.
///
/// ```
/// use browser_cors::origin::{site_key, SiteScheme};
/// let u = url::Url::parse("https://api.app.test:8443/x").unwrap();
/// assert_eq!(site_key(&u, SiteScheme::Schemeful), "https://app.test");
/// assert_eq!(site_key(&u, SiteScheme::Schemeless), "app.test");
/// let ip = url::Url::parse("http://[::1]:8080/").unwrap();
/// assert_eq!(site_key(&ip, SiteScheme::Schemeful), "http://[::1]");
/// ```
pub fn site_key(url: &Url, scheme: SiteScheme) -> String {
    // An IP address is its own site: its serialization is the URL's host
    // text (`[::1]` with brackets), taken as is rather than formatted again.
    let host = match url.host() {
        Some(Host::Domain(d)) => registrable(d),
        Some(_) => url.host_str().unwrap_or_default().as_bytes(),
        None => b"",
    };
    let host = String::from_utf8_lossy(host);
    match scheme {
        SiteScheme::Schemeless => host.into_owned(),
        SiteScheme::Schemeful => {
            let mut key = String::with_capacity(url.scheme().len() + 3 + host.len());
            key.push_str(url.scheme());
            key.push_str("://");
            key.push_str(&host);
            key
        }
    }
}

/// Whether a host is an IP address (IPv4 or IPv6), which has no registrable
/// domain.
pub(crate) fn is_ip_host(url: &Url) -> bool {
    matches!(url.host(), Some(Host::Ipv4(_) | Host::Ipv6(_)))
}

/// Whether a URL is [potentially trustworthy](https://w3c.github.io/webappsec-secure-contexts/#potentially-trustworthy-url):
/// `https`/`wss`, loopback addresses and `localhost` names. Browsers send
/// `Sec-Fetch-*` headers only to such URLs.
///
/// ```
/// use browser_cors::origin::is_potentially_trustworthy;
/// assert!(is_potentially_trustworthy(&url::Url::parse("http://127.0.0.1:8080/").unwrap()));
/// assert!(is_potentially_trustworthy(&url::Url::parse("http://api.localhost/").unwrap()));
/// assert!(!is_potentially_trustworthy(&url::Url::parse("http://example.com/").unwrap()));
/// ```
pub fn is_potentially_trustworthy(url: &Url) -> bool {
    match url.scheme() {
        "https" | "wss" | "file" => return true,
        _ => {}
    }
    match url.host() {
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        Some(Host::Domain(d)) => d == "localhost" || d.ends_with(".localhost"),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_fragment_drops_an_empty_fragment_too() {
        for (u, want) in [
            ("https://a.test/x#f", "https://a.test/x"),
            ("https://a.test/x#", "https://a.test/x"),
            ("https://a.test/x?q", "https://a.test/x?q"),
        ] {
            let url = url::Url::parse(u).unwrap();
            assert_eq!(without_fragment(&url).as_str(), want);
        }
    }

    #[test]
    fn same_last_two_labels_agrees_with_comparing_them() {
        let domains = [
            "",
            ".",
            "a",
            "a.",
            "b",
            "ab",
            "a.b",
            "a.b.",
            "b.a.b",
            "ab.b",
            "c.a.b",
            "x.c.a.b",
            "a.bb",
            "ca.b",
            "app.example",
            "api.example",
            "api.example.",
            "x.api.example",
            "example",
            "a.example",
            "..",
            "a..b",
            ".a.b",
        ];
        for x in domains {
            for y in domains {
                assert_eq!(
                    same_last_two_labels(x, y),
                    last_two_labels(x) == last_two_labels(y),
                    "{x:?} {y:?}"
                );
            }
        }
    }

    fn o(s: &str) -> Origin {
        parse_origin(s).unwrap()
    }

    #[test]
    fn fetch_site_is_cross_site_across_schemes() {
        let page = o("https://a.example.com");
        let same_host_http = Url::parse("http://a.example.com/").unwrap();
        let sibling = Url::parse("https://b.example.com/").unwrap();
        assert_eq!(FetchSite::of_chain(&page, [&sibling]), FetchSite::SameSite);
        assert_eq!(
            FetchSite::of_chain(&page, [&same_host_http]),
            FetchSite::CrossSite
        );
        assert_eq!(
            FetchSite::of_chain(&parse_origin("null").unwrap(), [&sibling]),
            FetchSite::CrossSite
        );
    }

    #[test]
    fn ip_hosts_are_their_own_site() {
        assert!(same_site(
            &o("http://127.0.0.1:1"),
            &o("https://127.0.0.1:2")
        ));
        assert!(!same_site(&o("http://127.0.0.1"), &o("http://127.0.0.2")));
        assert!(!same_site(&o("http://127.0.0.1"), &o("http://localhost")));
    }

    #[test]
    fn tld_table_matches_the_list() {
        let mut from_list: Vec<String> = include_str!("../data/public_suffix_list.dat")
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with("//"))
            .filter_map(|l| l.split_whitespace().next())
            .map(|rule| {
                rule.trim_start_matches('!')
                    .rsplit('.')
                    .next()
                    .unwrap_or_default()
                    .to_ascii_lowercase()
            })
            .filter(|t| t.is_ascii())
            .collect();
        from_list.sort();
        from_list.dedup();
        assert_eq!(
            LISTED_TLDS,
            from_list.iter().map(String::as_str).collect::<Vec<_>>()
        );
    }

    #[test]
    fn the_default_rule_shortcut_agrees_with_the_list() {
        for d in [
            "api.app.test",
            "app.test",
            "localhost",
            "a.b.example",
            "x.internal",
            "single",
            "a.b.c.com",
            "x.github.io",
            "a.b.co.uk",
            "xn--p1ai",
            "a.xn--p1ai",
        ] {
            let slow = PUBLIC_SUFFIXES
                .domain(d.as_bytes())
                .map(|x| x.as_bytes().to_vec())
                .unwrap_or_else(|| d.as_bytes().to_vec());
            assert_eq!(registrable(d), slow.as_slice(), "{d}");
            assert_eq!(
                is_public_suffix(d),
                PUBLIC_SUFFIXES.domain(d.as_bytes()).is_none(),
                "{d}"
            );
        }
    }

    #[test]
    fn registrable_domains_decide_same_site() {
        assert!(same_site(
            &o("https://a.example.co.uk"),
            &o("https://b.example.co.uk")
        ));
        assert!(!same_site(&o("https://a.co.uk"), &o("https://b.co.uk")));
        assert!(same_site(
            &o("http://localhost:1"),
            &o("http://localhost:2")
        ));
    }

    #[test]
    fn opaque_origins_are_only_same_with_themselves() {
        let a = parse_origin("null").unwrap();
        let b = parse_origin("null").unwrap();
        assert!(same_origin(&a, &a));
        assert!(!same_origin(&a, &b));
        assert!(!same_site(&a, &b));
        assert_eq!(a.ascii_serialization(), "null");
    }

    #[test]
    fn origin_parser_refuses_more_than_an_origin() {
        for bad in [
            "http://a.test/",
            "http://u@a.test",
            "http://a.test?x",
            "nonsense",
            "data:,x",
        ] {
            assert!(parse_origin(bad).is_err(), "{bad}");
        }
        assert_eq!(o("HTTP://A.test:80").ascii_serialization(), "http://a.test");
    }
}
