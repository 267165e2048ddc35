//! The [CORS-preflight cache](https://fetch.spec.whatwg.org/#concept-cache):
//! what earlier preflights allowed, for how long, within a bounded size.
//!
//! Time is a parameter: the cache never reads a clock.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use http::Method;

use crate::preflight::PreflightResult;
use crate::profile::{CacheCredentials, CacheUpdate, Profile};
use crate::request::CredentialsMode;
use crate::safelist::is_cors_safelisted_method;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Key {
    origin: String,
    url: String,
    /// Part of the key only for engines that key entries by credentials mode.
    credentials: Option<bool>,
}

#[derive(Debug, Clone)]
struct Entry {
    credentials: bool,
    methods: Vec<(String, Instant)>,
    headers: Vec<(String, Instant)>,
}

/// No neighbour in the recency list.
const NIL: usize = usize::MAX;

/// A slot of the slab: an entry and its neighbours in the recency list.
#[derive(Debug, Clone)]
struct Node {
    key: Arc<Key>,
    entry: Entry,
    /// More recently used.
    prev: usize,
    /// Less recently used.
    next: usize,
}

/// A preflight cache: one per emulated browser, shared by its fetches.
///
/// Entries are keyed the engine's way (origin, URL and, for some engines,
/// credentials), expire at the time their `Access-Control-Max-Age` gave, and
/// the least recently used entry goes first when the cache is full.
///
/// Lookups, stores and evictions take constant time whatever the size: a
/// hash map finds an entry's slot, and a doubly linked list through the
/// slots keeps them in order of use (the key is stored once, shared).
///
/// ```
/// let cache = browser_cors::PreflightCache::new(1024);
/// assert!(cache.is_empty());
/// ```
#[derive(Debug, Clone)]
pub struct PreflightCache {
    map: HashMap<Arc<Key>, usize>,
    nodes: Vec<Option<Node>>,
    free: Vec<usize>,
    /// Most recently used.
    head: usize,
    /// Least recently used: evicted first.
    tail: usize,
    capacity: usize,
}

impl Default for PreflightCache {
    /// A cache bounded as Chromium bounds its own (the default profile's
    /// `cache.capacity`, 1024 entries).
    fn default() -> Self {
        PreflightCache::new(crate::Profile::chromium().cache.capacity)
    }
}

impl PreflightCache {
    /// An empty cache that keeps at most `capacity` entries (at least one).
    pub fn new(capacity: usize) -> Self {
        PreflightCache {
            map: HashMap::new(),
            nodes: Vec::new(),
            free: Vec::new(),
            head: NIL,
            tail: NIL,
            capacity: capacity.max(1),
        }
    }

    /// How many entries are cached (expired ones included until looked up or evicted).
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Whether the cache is empty.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// The bound given to [`PreflightCache::new`].
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Forgets every entry.
    pub fn clear(&mut self) {
        self.map.clear();
        self.nodes.clear();
        self.free.clear();
        self.head = NIL;
        self.tail = NIL;
    }

    fn key(profile: &Profile, origin: &str, url: &str, credentials: bool) -> Key {
        Key {
            origin: origin.to_owned(),
            url: url.to_owned(),
            credentials: match profile.cache.credentials {
                CacheCredentials::SameModeOnly => Some(credentials),
                CacheCredentials::IncludeServesAll => None,
            },
        }
    }

    fn node(&mut self, index: usize) -> Option<&mut Node> {
        self.nodes.get_mut(index).and_then(Option::as_mut)
    }

    /// Takes slot `index` out of the recency list.
    fn unlink(&mut self, index: usize) {
        let Some((prev, next)) = self.node(index).map(|n| (n.prev, n.next)) else {
            return;
        };
        match self.node(prev) {
            Some(p) => p.next = next,
            None => self.head = next,
        }
        match self.node(next) {
            Some(n) => n.prev = prev,
            None => self.tail = prev,
        }
    }

    /// Puts slot `index` first in the recency list.
    fn push_front(&mut self, index: usize) {
        let old_head = self.head;
        if let Some(n) = self.node(index) {
            n.prev = NIL;
            n.next = old_head;
        }
        match self.node(old_head) {
            Some(h) => h.prev = index,
            None => self.tail = index,
        }
        self.head = index;
    }

    fn touch(&mut self, key: &Key) {
        if let Some(&index) = self.map.get(key) {
            self.unlink(index);
            self.push_front(index);
        }
    }

    fn remove_index(&mut self, index: usize) {
        self.unlink(index);
        if let Some(node) = self.nodes.get_mut(index).and_then(Option::take) {
            self.map.remove(&node.key);
            self.free.push(index);
        }
    }

    fn remove_key(&mut self, key: &Key) {
        if let Some(&index) = self.map.get(key) {
            self.remove_index(index);
        }
    }

    fn insert_new(&mut self, key: Key, entry: Entry) {
        let key = Arc::new(key);
        let node = Node {
            key: Arc::clone(&key),
            entry,
            prev: NIL,
            next: NIL,
        };
        let index = match self.free.pop() {
            Some(index) => {
                if let Some(slot) = self.nodes.get_mut(index) {
                    *slot = Some(node);
                }
                index
            }
            None => {
                self.nodes.push(Some(node));
                self.nodes.len() - 1
            }
        };
        self.map.insert(key, index);
        self.push_front(index);
    }

    /// [Cache match](https://fetch.spec.whatwg.org/#concept-cache-match):
    /// whether an unexpired entry for (`origin`, `url`) allows `method` and
    /// every unsafe header name in `names` for a request of this credentials
    /// mode, the way the profile's engine matches. A hit marks the entry
    /// recently used; a miss drops it for engines that replace entries.
    /// [`Fetch`](crate::Fetch) calls this itself; it is public so that a
    /// cache can be inspected or pre-warmed (with [`PreflightCache::store`]).
    ///
    /// ```
    /// use browser_cors::{CredentialsMode, PreflightCache, Profile, preflight::PreflightResult};
    /// use std::time::{Duration, Instant};
    /// let (p, now) = (Profile::chromium(), Instant::now());
    /// let mut cache = PreflightCache::new(16);
    /// let allowed = PreflightResult { methods: vec!["PUT".into()], headers: vec!["x-token".into()],
    ///     lifetime: Duration::from_secs(5), credentials: false };
    /// cache.store(&p, "https://app.test", "https://api.test/x", &allowed, now);
    /// let names = ["x-token".to_owned()];
    /// assert!(cache.lookup(&p, "https://app.test", "https://api.test/x", &http::Method::PUT, &names, CredentialsMode::Omit, now));
    /// let later = now + Duration::from_secs(6);
    /// assert!(!cache.lookup(&p, "https://app.test", "https://api.test/x", &http::Method::PUT, &names, CredentialsMode::Omit, later));
    /// ```
    #[allow(clippy::too_many_arguments)]
    pub fn lookup(
        &mut self,
        profile: &Profile,
        origin: &str,
        url: &str,
        method: &Method,
        names: &[impl AsRef<str>],
        credentials: CredentialsMode,
        now: Instant,
    ) -> bool {
        let include = credentials == CredentialsMode::Include;
        let key = Self::key(profile, origin, url, include);
        let Some(&index) = self.map.get(&key) else {
            return false;
        };
        let Some(entry) = self.node(index).map(|n| &mut n.entry) else {
            return false;
        };
        let live = |list: &mut Vec<(String, Instant)>| list.retain(|(_, expiry)| now < *expiry);
        live(&mut entry.methods);
        live(&mut entry.headers);
        let wildcard = |list: &[(String, Instant)]| {
            profile.cache.wildcards == crate::profile::CachedWildcard::Reused
                && !include
                && list.iter().any(|(t, _)| t == "*")
        };
        let method_ok = is_cors_safelisted_method(method)
            || entry.methods.iter().any(|(m, _)| m == method.as_str())
            || wildcard(&entry.methods);
        let headers_ok = names.iter().all(|name| {
            let name = name.as_ref();
            entry
                .headers
                .iter()
                .any(|(h, _)| h.eq_ignore_ascii_case(name))
                || (wildcard(&entry.headers)
                    && (!name.eq_ignore_ascii_case("authorization")
                        || profile.cache.authorization_wildcard
                            == crate::profile::AuthorizationWildcard::Covered))
        });
        let credentials_ok = entry.credentials || !include;
        let hit = credentials_ok && method_ok && headers_ok;
        let emptied = entry.methods.is_empty() && entry.headers.is_empty();
        if hit {
            self.unlink(index);
            self.push_front(index);
        } else if profile.cache.update == CacheUpdate::Replace || emptied {
            // Chromium and WebKit drop a stale or insufficient entry; an
            // entry whose every name expired is gone in any engine.
            self.remove_index(index);
        }
        hit
    }

    /// Records a successful preflight for (`origin`, `url`), replacing or
    /// merging into the engine's entry for the same key, evicting the least
    /// recently used entry when full. A zero lifetime caches nothing; an
    /// engine with a URL-length bound skips longer URLs. See
    /// [`PreflightCache::lookup`] for an example.
    pub fn store(
        &mut self,
        profile: &Profile,
        origin: &str,
        url: &str,
        result: &PreflightResult,
        now: Instant,
    ) {
        let key = Self::key(profile, origin, url, result.credentials);
        if profile
            .cache
            .max_url_length
            .is_some_and(|max| url.len() >= max)
        {
            return;
        }
        let expiry = now.checked_add(result.lifetime).unwrap_or(now);
        let tokens = |list: &[String]| -> Vec<(String, Instant)> {
            list.iter().map(|t| (t.clone(), expiry)).collect()
        };
        if result.lifetime.is_zero() {
            if profile.cache.update == CacheUpdate::Replace {
                self.remove_key(&key);
            }
            return;
        }
        let existing = self.map.get(&key).copied();
        match (profile.cache.update, existing.and_then(|i| self.node(i))) {
            (CacheUpdate::Merge, Some(node)) => {
                let entry = &mut node.entry;
                for (list, new) in [
                    (&mut entry.methods, &result.methods),
                    (&mut entry.headers, &result.headers),
                ] {
                    for token in new {
                        match list.iter_mut().find(|(t, _)| t == token) {
                            Some(existing) => existing.1 = expiry,
                            None => list.push((token.clone(), expiry)),
                        }
                    }
                }
                entry.credentials |= result.credentials;
            }
            _ => {
                self.remove_key(&key);
                while self.map.len() >= self.capacity {
                    let oldest = self.tail;
                    if self.node(oldest).is_none() {
                        break;
                    }
                    self.remove_index(oldest);
                }
                self.insert_new(
                    key,
                    Entry {
                        credentials: result.credentials,
                        methods: tokens(&result.methods),
                        headers: tokens(&result.headers),
                    },
                );
                return;
            }
        }
        self.touch(&key);
    }

    /// [Clear cache entries](https://fetch.spec.whatwg.org/#concept-cache-clear)
    /// for an origin and URL (both credentials modes).
    pub(crate) fn remove(&mut self, origin: &str, url: &str) {
        let keys: Vec<Key> = [None, Some(false), Some(true)]
            .into_iter()
            .map(|credentials| Key {
                origin: origin.to_owned(),
                url: url.to_owned(),
                credentials,
            })
            .collect();
        for key in &keys {
            self.remove_key(key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn result(methods: &[&str], headers: &[&str], secs: u64, credentials: bool) -> PreflightResult {
        PreflightResult {
            methods: methods.iter().map(|s| s.to_string()).collect(),
            headers: headers.iter().map(|s| s.to_string()).collect(),
            lifetime: Duration::from_secs(secs),
            credentials,
        }
    }

    const O: &str = "https://app.test";
    const U: &str = "https://api.test/r";

    fn hit(
        c: &mut PreflightCache,
        p: &Profile,
        method: Method,
        names: &[&str],
        cred: CredentialsMode,
        now: Instant,
    ) -> bool {
        let names: Vec<String> = names.iter().map(|s| s.to_string()).collect();
        c.lookup(p, O, U, &method, &names, cred, now)
    }

    #[test]
    fn entries_expire_at_their_max_age() {
        let p = Profile::chromium();
        let mut c = PreflightCache::new(8);
        let t0 = Instant::now();
        c.store(&p, O, U, &result(&["PUT"], &[], 5, false), t0);
        assert!(hit(
            &mut c,
            &p,
            Method::PUT,
            &[],
            CredentialsMode::Omit,
            t0 + Duration::from_millis(4999)
        ));
        assert!(!hit(
            &mut c,
            &p,
            Method::PUT,
            &[],
            CredentialsMode::Omit,
            t0 + Duration::from_secs(5)
        ));
        assert!(c.is_empty(), "Chromium drops a stale entry on lookup");
    }

    #[test]
    fn zero_lifetime_is_not_stored_and_replaces_an_older_entry() {
        let p = Profile::chromium();
        let mut c = PreflightCache::new(8);
        let t0 = Instant::now();
        c.store(&p, O, U, &result(&["PUT"], &[], 600, false), t0);
        c.store(&p, O, U, &result(&["PUT"], &[], 0, false), t0);
        assert!(c.is_empty());
    }

    #[test]
    fn credentials_rules() {
        let t0 = Instant::now();
        let chromium = Profile::chromium();
        let mut c = PreflightCache::new(8);
        c.store(&chromium, O, U, &result(&["PUT"], &[], 600, false), t0);
        assert!(!hit(
            &mut c,
            &chromium,
            Method::PUT,
            &[],
            CredentialsMode::Include,
            t0
        ));
        c.store(&chromium, O, U, &result(&["PUT"], &[], 600, true), t0);
        assert!(hit(
            &mut c,
            &chromium,
            Method::PUT,
            &[],
            CredentialsMode::Omit,
            t0
        ));

        let firefox = Profile::firefox();
        let mut c = PreflightCache::new(8);
        c.store(&firefox, O, U, &result(&["PUT"], &[], 600, true), t0);
        assert!(!hit(
            &mut c,
            &firefox,
            Method::PUT,
            &[],
            CredentialsMode::Omit,
            t0
        ));
        assert!(hit(
            &mut c,
            &firefox,
            Method::PUT,
            &[],
            CredentialsMode::Include,
            t0
        ));
    }

    #[test]
    fn merge_keeps_each_name_with_its_own_expiry() {
        let p = Profile::firefox();
        let mut c = PreflightCache::new(8);
        let t0 = Instant::now();
        c.store(&p, O, U, &result(&["PUT"], &["x-a"], 10, false), t0);
        c.store(
            &p,
            O,
            U,
            &result(&["DELETE"], &["x-b"], 100, false),
            t0 + Duration::from_secs(5),
        );
        let at = |s| t0 + Duration::from_secs(s);
        assert!(hit(
            &mut c,
            &p,
            Method::PUT,
            &["x-a", "x-b"],
            CredentialsMode::Omit,
            at(9)
        ));
        assert!(!hit(
            &mut c,
            &p,
            Method::PUT,
            &[],
            CredentialsMode::Omit,
            at(11)
        ));
        assert!(hit(
            &mut c,
            &p,
            Method::DELETE,
            &["x-b"],
            CredentialsMode::Omit,
            at(11)
        ));
        assert!(!hit(
            &mut c,
            &p,
            Method::DELETE,
            &[],
            CredentialsMode::Omit,
            at(106)
        ));
        assert!(c.is_empty(), "an entry whose names all expired is removed");
    }

    #[test]
    fn wildcards_and_authorization() {
        let t0 = Instant::now();
        let p = Profile::chromium();
        let mut c = PreflightCache::new(8);
        c.store(&p, O, U, &result(&["*"], &["*"], 600, false), t0);
        assert!(hit(
            &mut c,
            &p,
            Method::DELETE,
            &["x-a"],
            CredentialsMode::Omit,
            t0
        ));
        // Chromium's cached `*` does not cover Authorization
        // (misc/star-cache-then-authorization in chromium-156-gate.json);
        // WebKit's does.
        assert!(!hit(
            &mut c,
            &p,
            Method::DELETE,
            &["x-a", "authorization"],
            CredentialsMode::Omit,
            t0
        ));
        let w = Profile::webkit();
        let mut cw = PreflightCache::new(8);
        cw.store(&w, O, U, &result(&["*"], &["*"], 600, false), t0);
        assert!(hit(
            &mut cw,
            &w,
            Method::DELETE,
            &["x-a", "authorization"],
            CredentialsMode::Omit,
            t0
        ));
        c.store(&p, O, U, &result(&["*"], &["*"], 600, false), t0);
        assert!(!hit(
            &mut c,
            &p,
            Method::DELETE,
            &[],
            CredentialsMode::Include,
            t0
        ));
        let f = Profile::firefox();
        let mut c = PreflightCache::new(8);
        c.store(&f, O, U, &result(&["*"], &["*"], 600, false), t0);
        assert!(!hit(
            &mut c,
            &f,
            Method::DELETE,
            &[],
            CredentialsMode::Omit,
            t0
        ));
        assert!(!hit(
            &mut c,
            &f,
            Method::GET,
            &["x-a"],
            CredentialsMode::Omit,
            t0
        ));
    }

    #[test]
    fn long_urls_are_not_cached_by_chromium() {
        let p = Profile::chromium();
        let mut c = PreflightCache::new(8);
        let long = format!("https://api.test/{}", "a".repeat(1024));
        c.store(
            &p,
            O,
            &long,
            &result(&["PUT"], &[], 600, false),
            Instant::now(),
        );
        assert!(c.is_empty());
    }

    #[test]
    fn remove_forgets_both_credentials_modes() {
        let p = Profile::firefox();
        let mut c = PreflightCache::new(8);
        let t0 = Instant::now();
        c.store(&p, O, U, &result(&["PUT"], &[], 600, false), t0);
        c.store(&p, O, U, &result(&["PUT"], &[], 600, true), t0);
        assert_eq!(c.len(), 2);
        c.remove(O, U);
        assert!(c.is_empty());
    }

    fn allow_put() -> PreflightResult {
        result(&["PUT"], &[], 60, false)
    }

    #[test]
    fn least_recently_used_goes_first_and_slots_are_reused() {
        let (p, now) = (Profile::chromium(), Instant::now());
        let mut cache = PreflightCache::new(2);
        let hit = |c: &mut PreflightCache, url: &str| {
            c.lookup(
                &p,
                "o",
                url,
                &Method::PUT,
                &[] as &[&str],
                CredentialsMode::Omit,
                now,
            )
        };
        cache.store(&p, "o", "a", &allow_put(), now);
        cache.store(&p, "o", "b", &allow_put(), now);
        assert!(hit(&mut cache, "a")); // a is now the most recent
        cache.store(&p, "o", "c", &allow_put(), now); // evicts b
        assert_eq!(cache.len(), 2);
        assert!(!hit(&mut cache, "b"));
        assert!(hit(&mut cache, "a"));
        assert!(hit(&mut cache, "c"));
        for i in 0..100 {
            cache.store(&p, "o", &format!("u{i}"), &allow_put(), now);
            assert!(cache.len() <= 2);
        }
        assert!(hit(&mut cache, "u99") && hit(&mut cache, "u98"));
        assert!(
            cache.nodes.len() <= 3,
            "slots are reused: {}",
            cache.nodes.len()
        );
        cache.clear();
        assert!(cache.is_empty() && !hit(&mut cache, "u99"));
        cache.store(&p, "o", "z", &allow_put(), now);
        assert!(hit(&mut cache, "z"));
    }
}
