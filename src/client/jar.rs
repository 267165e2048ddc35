//! The browser's cookie jar, bounded as engines bound theirs.
//!
//! The cookies themselves live in a [`cookie_store::CookieStore`] (domain and
//! path matching, expiry, `Secure`, `HttpOnly`); this module adds what a
//! browser adds so that a jar can live forever: a limit per site and a
//! limit in all, each enforced by evicting the least recently used cookies
//! (expired ones first) down to a lower mark, as Chromium's `CookieMonster`
//! and Firefox's `CookieStorage` do.

use std::collections::HashMap;
use std::sync::Arc;

use cookie_store::CookieStore;
use http::HeaderMap;
use url::Url;

use crate::profile::Engine;

/// How many cookies a jar keeps, and how far it purges when it has too many.
///
/// ```
/// use browser_cors::client::CookieLimits;
/// use browser_cors::Engine;
/// let chromium = CookieLimits::of(Engine::Chromium);
/// assert_eq!((chromium.per_site, chromium.total), (180, 3300));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CookieLimits {
    /// The most cookies one site (registrable domain) keeps.
    pub per_site: usize,
    /// How many the site keeps after a purge.
    pub per_site_after_purge: usize,
    /// The most cookies the jar keeps.
    pub total: usize,
    /// How many the jar keeps after a purge.
    pub total_after_purge: usize,
}

impl CookieLimits {
    /// Chromium's `CookieMonster` (`net/cookies/cookie_monster.cc`):
    /// `kDomainMaxCookies = 180`, `kDomainPurgeCookies = 30`,
    /// `kMaxCookies = 3300`, `kPurgeCookies = 300`.
    pub const CHROMIUM: CookieLimits = CookieLimits {
        per_site: 180,
        per_site_after_purge: 150,
        total: 3300,
        total_after_purge: 3000,
    };

    /// Firefox: `network.cookie.maxPerHost = 180`,
    /// `network.cookie.quotaPerHost = 150`, `network.cookie.maxNumber =
    /// 3000`, purged once 10% over (to 3000).
    pub const FIREFOX: CookieLimits = CookieLimits {
        per_site: 180,
        per_site_after_purge: 150,
        total: 3300,
        total_after_purge: 3000,
    };

    /// WebKitGTK's jar (libsoup's `SoupCookieJar`) keeps no count limit of
    /// its own; the emulator bounds it with Chromium's numbers so that a
    /// long-lived browser does not grow without end.
    pub const WEBKIT: CookieLimits = CookieLimits::CHROMIUM;

    /// The limits of `engine`.
    pub fn of(engine: Engine) -> CookieLimits {
        match engine {
            Engine::Chromium => CookieLimits::CHROMIUM,
            Engine::Firefox => CookieLimits::FIREFOX,
            Engine::WebKit => CookieLimits::WEBKIT,
        }
    }
}

/// (domain, path, name), as the store keys a cookie.
type Key = (String, String, String);

struct Entry {
    /// The last time the cookie was stored or sent (a counter, not a clock).
    used: u64,
    site: Arc<str>,
}

/// A cookie store with per-site and total limits.
pub(crate) struct Jar {
    store: CookieStore,
    limits: CookieLimits,
    clock: u64,
    entries: HashMap<Key, Entry>,
    per_site: HashMap<Arc<str>, usize>,
}

impl Jar {
    pub(crate) fn new(limits: CookieLimits) -> Jar {
        Jar {
            store: CookieStore::default(),
            limits,
            clock: 0,
            entries: HashMap::new(),
            per_site: HashMap::new(),
        }
    }

    fn tick(&mut self) -> u64 {
        self.clock = self.clock.wrapping_add(1);
        self.clock
    }

    /// How many cookies the jar holds (expired ones not yet purged included).
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    /// The `Cookie` header value for `url` (empty when no cookie matches);
    /// the cookies sent count as used.
    pub(crate) fn header_for(&mut self, url: &Url) -> String {
        let now = self.tick();
        let mut header = String::new();
        let mut sent = Vec::new();
        for cookie in self.store.matches(url) {
            let (name, value) = cookie.name_value();
            if !header.is_empty() {
                header.push_str("; ");
            }
            header.push_str(name);
            header.push('=');
            header.push_str(value);
            sent.push((
                String::from(&cookie.domain),
                String::from(&cookie.path),
                name.to_owned(),
            ));
        }
        for key in sent {
            if let Some(entry) = self.entries.get_mut(&key) {
                entry.used = now;
            }
        }
        header
    }

    /// Stores every `Set-Cookie` line of a response from `url`.
    pub(crate) fn store_response(&mut self, url: &Url, headers: &HeaderMap) {
        for value in headers.get_all(http::header::SET_COOKIE) {
            if let Ok(text) = value.to_str() {
                let _ = self.parse(text, url);
            }
        }
    }

    /// Stores one `Set-Cookie` value as if `url` had sent it.
    pub(crate) fn parse(&mut self, text: &str, url: &Url) -> Result<(), String> {
        let cookie = cookie_store::Cookie::parse(text, url)
            .map_err(|e| e.to_string())?
            .into_owned();
        let key: Key = (
            String::from(&cookie.domain),
            String::from(&cookie.path),
            cookie.name().to_owned(),
        );
        match self.store.insert(cookie, url) {
            Ok(
                cookie_store::StoreAction::Inserted | cookie_store::StoreAction::UpdatedExisting,
            ) => {
                let now = self.tick();
                match self.entries.get_mut(&key) {
                    Some(entry) => entry.used = now,
                    None => {
                        let site: Arc<str> = site_of(&key.0).into();
                        *self.per_site.entry(Arc::clone(&site)).or_insert(0) += 1;
                        let over_site =
                            self.per_site.get(&site).copied().unwrap_or(0) > self.limits.per_site;
                        self.entries.insert(
                            key,
                            Entry {
                                used: now,
                                site: Arc::clone(&site),
                            },
                        );
                        if over_site {
                            self.purge(Some(&site), self.limits.per_site_after_purge);
                        }
                        if self.entries.len() > self.limits.total {
                            self.purge(None, self.limits.total_after_purge);
                        }
                    }
                }
                Ok(())
            }
            // The server removed a cookie (an expired date or Max-Age=0):
            // the store only marks it expired; free it.
            Ok(cookie_store::StoreAction::ExpiredExisting) => {
                self.remove(&key);
                Ok(())
            }
            Err(e) => Err(e.to_string()),
        }
    }

    fn remove(&mut self, key: &Key) {
        self.store.remove(&key.0, &key.1, &key.2);
        if let Some(entry) = self.entries.remove(key) {
            if let Some(count) = self.per_site.get_mut(&entry.site) {
                *count = count.saturating_sub(1);
                if *count == 0 {
                    self.per_site.remove(&entry.site);
                }
            }
        }
    }

    /// Evicts the cookies of `site` (or of the whole jar) until `keep`
    /// remain: expired ones first, then the least recently used.
    fn purge(&mut self, site: Option<&Arc<str>>, keep: usize) {
        let mut candidates: Vec<(bool, u64, Key)> = self
            .entries
            .iter()
            .filter(|(_, e)| site.is_none_or(|s| *s == e.site))
            .map(|(k, e)| {
                let live = self
                    .store
                    .get_any(&k.0, &k.1, &k.2)
                    .is_some_and(|c| !c.is_expired());
                (live, e.used, k.clone())
            })
            .collect();
        let excess = candidates.len().saturating_sub(keep);
        // Expired (live == false) sort first, then the oldest use.
        candidates.sort_unstable_by_key(|(live, used, _)| (*live, *used));
        for (_, _, key) in candidates.into_iter().take(excess) {
            self.remove(&key);
        }
    }
}

/// The site a cookie's domain counts against: its registrable domain, or
/// the host itself (an IP address, `localhost`).
fn site_of(domain: &str) -> String {
    let domain = domain.trim_start_matches('.');
    // An IP address is its own site (never looked up in the suffix list).
    if domain.starts_with('[') || domain.parse::<std::net::IpAddr>().is_ok() {
        return domain.to_owned();
    }
    String::from_utf8_lossy(crate::origin::registrable(domain)).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn a_site_over_its_limit_loses_its_least_recently_used_cookies() {
        let mut jar = Jar::new(CookieLimits::CHROMIUM);
        let a = url("https://a.example/a");
        let b = url("https://a.example/b");
        // c0 on /a, c1..c179 on /b: sending to /a uses c0 alone.
        jar.parse("c0=v; Path=/a", &a).unwrap();
        for i in 1..180 {
            jar.parse(&format!("c{i}=v; Path=/b"), &b).unwrap();
        }
        assert_eq!(jar.len(), 180);
        assert_eq!(jar.header_for(&a), "c0=v");
        // The 181st: purged to 150, the 31 least recently used go (c1..c31).
        jar.parse("c180=v; Path=/b", &b).unwrap();
        assert_eq!(jar.len(), 150);
        assert_eq!(jar.header_for(&a), "c0=v", "used last: kept");
        let header = jar.header_for(&b);
        assert!(header.contains("c180=v"), "just set: kept");
        assert!(header.contains("c32=v"), "used after c31: kept");
        for gone in ["c1=v", "c2=v", "c31=v"] {
            assert!(!header.contains(gone), "{gone} was the least recently used");
        }
        // Another site is not touched by a.example's purge.
        let other = url("https://sub.b.example/");
        jar.parse("other=1", &other).unwrap();
        assert_eq!(jar.header_for(&url("https://sub.b.example/x")), "other=1");
    }

    #[test]
    fn subdomains_count_against_their_registrable_domain() {
        let mut jar = Jar::new(CookieLimits {
            per_site: 2,
            per_site_after_purge: 1,
            total: 100,
            total_after_purge: 90,
        });
        jar.parse("a=1", &url("https://x.site.example/")).unwrap();
        jar.parse("b=1", &url("https://y.site.example/")).unwrap();
        jar.parse("c=1", &url("https://site.example/")).unwrap();
        assert_eq!(jar.len(), 1);
        // IP addresses are their own sites: 10.0.0.1 does not share
        // 127.0.0.1's count (both would end in "0.1" as domains).
        assert_eq!(site_of("127.0.0.1"), "127.0.0.1");
        jar.parse("a=1", &url("http://127.0.0.1/")).unwrap();
        jar.parse("b=1", &url("http://127.0.0.1/")).unwrap();
        jar.parse("a=1", &url("http://10.0.0.1/")).unwrap();
        assert_eq!(jar.len(), 4);
    }

    #[test]
    fn the_jar_as_a_whole_is_bounded() {
        let mut jar = Jar::new(CookieLimits::CHROMIUM);
        for site in 0..40 {
            let u = url(&format!("https://s{site}.example/"));
            for i in 0..100 {
                jar.parse(&format!("c{i}=v"), &u).unwrap();
            }
        }
        assert!(jar.len() <= 3300, "{}", jar.len());
        assert!(jar.len() >= 3000, "{}", jar.len());
        // The last site's cookies were used last: all kept.
        let last = jar.header_for(&url("https://s39.example/"));
        assert_eq!(last.matches('=').count(), 100);
    }

    #[test]
    fn a_removed_cookie_is_freed() {
        let mut jar = Jar::new(CookieLimits::CHROMIUM);
        let a = url("https://a.example/");
        jar.parse("x=1", &a).unwrap();
        jar.parse("x=; Max-Age=0", &a).unwrap();
        assert_eq!(jar.len(), 0);
        assert_eq!(jar.header_for(&a), "");
    }
}
