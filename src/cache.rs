//! The [CORS-preflight cache](https://fetch.spec.whatwg.org/#concept-cache):
//! what earlier preflights allowed, for how long, within a bounded size.
//!
//! Time is a parameter: the cache never reads a clock.

use std::collections::{BTreeMap, HashMap};
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
    tick: u64,
}

/// A preflight cache: one per emulated browser, shared by its fetches.
///
/// Entries are keyed the engine's way (origin, URL and, for some engines,
/// credentials), expire at the time their `Access-Control-Max-Age` gave, and
/// the least recently used entry goes first when the cache is full.
///
/// ```
/// let cache = browser_cors::PreflightCache::new(1024);
/// assert!(cache.is_empty());
/// ```
#[derive(Debug, Clone)]
pub struct PreflightCache {
    map: HashMap<Key, Entry>,
    lru: BTreeMap<u64, Key>,
    tick: u64,
    capacity: usize,
}

impl Default for PreflightCache {
    /// A cache bounded to 1024 entries (Chromium's bound).
    fn default() -> Self {
        PreflightCache::new(1024)
    }
}

impl PreflightCache {
    /// An empty cache that keeps at most `capacity` entries (at least one).
    pub fn new(capacity: usize) -> Self {
        PreflightCache {
            map: HashMap::new(),
            lru: BTreeMap::new(),
            tick: 0,
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
        self.lru.clear();
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

    fn touch(&mut self, key: &Key) {
        self.tick += 1;
        let tick = self.tick;
        if let Some(entry) = self.map.get_mut(key) {
            self.lru.remove(&entry.tick);
            entry.tick = tick;
            self.lru.insert(tick, key.clone());
        }
    }

    fn remove_key(&mut self, key: &Key) {
        if let Some(entry) = self.map.remove(key) {
            self.lru.remove(&entry.tick);
        }
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
        names: &[String],
        credentials: CredentialsMode,
        now: Instant,
    ) -> bool {
        let include = credentials == CredentialsMode::Include;
        let key = Self::key(profile, origin, url, include);
        let Some(entry) = self.map.get_mut(&key) else {
            return false;
        };
        let live = |list: &mut Vec<(String, Instant)>| list.retain(|(_, expiry)| now < *expiry);
        live(&mut entry.methods);
        live(&mut entry.headers);
        let wildcard = |list: &[(String, Instant)]| {
            profile.cache.wildcards_reused && !include && list.iter().any(|(t, _)| t == "*")
        };
        let method_ok = is_cors_safelisted_method(method)
            || entry.methods.iter().any(|(m, _)| m == method.as_str())
            || wildcard(&entry.methods);
        let headers_ok = names.iter().all(|name| {
            entry
                .headers
                .iter()
                .any(|(h, _)| h.eq_ignore_ascii_case(name))
                || (wildcard(&entry.headers)
                    && (!name.eq_ignore_ascii_case("authorization")
                        || profile.authorization_wildcard
                            == crate::profile::AuthorizationWildcard::Covered))
        });
        let credentials_ok = entry.credentials || !include;
        let hit = credentials_ok && method_ok && headers_ok;
        if hit {
            self.touch(&key);
        } else if profile.cache.update == CacheUpdate::Replace {
            // Chromium and WebKit drop a stale or insufficient entry.
            self.remove_key(&key);
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
        match (profile.cache.update, self.map.get_mut(&key)) {
            (CacheUpdate::Merge, Some(entry)) => {
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
                    let Some((_, oldest)) = self.lru.pop_first() else {
                        break;
                    };
                    self.map.remove(&oldest);
                }
                self.tick += 1;
                self.lru.insert(self.tick, key.clone());
                self.map.insert(
                    key,
                    Entry {
                        credentials: result.credentials,
                        methods: tokens(&result.methods),
                        headers: tokens(&result.headers),
                        tick: self.tick,
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
