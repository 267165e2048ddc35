//! What differs between browser engines, as data.
//!
//! The machine asks a [`Profile`] each time a rule is not the same in every
//! engine; everything else is the Fetch standard, written once. Each field is
//! one named fact, with the conformance scenario that shows it (each is
//! pinned by `spec-tests/profile_facts.rs`). Adding an
//! engine is adding one constructor here (and its console sentences in
//! `profile/console.rs`, the one place that matches on [`Engine`]).

use std::time::Duration;

mod console;

/// A browser engine whose behaviour is emulated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Engine {
    /// Chromium (Chrome, Edge, Opera, ...): the default.
    Chromium,
    /// Gecko (Firefox).
    Firefox,
    /// WebKit (Safari; recorded from WebKitGTK).
    #[serde(rename = "webkit")]
    WebKit,
}

impl Engine {
    /// Every engine, in a stable order.
    pub const ALL: [Engine; 3] = [Engine::Chromium, Engine::Firefox, Engine::WebKit];

    /// The lowercase name used on the command line and in vector file names.
    ///
    /// ```
    /// assert_eq!(browser_cors::Engine::WebKit.name(), "webkit");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            Engine::Chromium => "chromium",
            Engine::Firefox => "firefox",
            Engine::WebKit => "webkit",
        }
    }

    /// The engine's name as people write it (`Chromium`, `Firefox`, `WebKit`).
    ///
    /// ```
    /// assert_eq!(browser_cors::Engine::WebKit.display_name(), "WebKit");
    /// ```
    pub fn display_name(self) -> &'static str {
        match self {
            Engine::Chromium => "Chromium",
            Engine::Firefox => "Firefox",
            Engine::WebKit => "WebKit",
        }
    }

    /// The profile of this engine.
    ///
    /// ```
    /// use browser_cors::Engine;
    /// assert_eq!(Engine::Firefox.profile().engine, Engine::Firefox);
    /// ```
    pub fn profile(self) -> Profile {
        match self {
            Engine::Chromium => Profile::chromium(),
            Engine::Firefox => Profile::firefox(),
            Engine::WebKit => Profile::webkit(),
        }
    }
}

impl std::fmt::Display for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Engine {
    type Err = crate::input::InputError;

    /// Parses `chromium`, `firefox` or `webkit` (also `chrome`, `gecko`, `safari`).
    ///
    /// ```
    /// assert_eq!("Safari".parse::<browser_cors::Engine>().unwrap(), browser_cors::Engine::WebKit);
    /// ```
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "chromium" | "chrome" => Ok(Engine::Chromium),
            "firefox" | "gecko" => Ok(Engine::Firefox),
            "webkit" | "safari" => Ok(Engine::WebKit),
            _ => Err(crate::input::InputError::Engine {
                input: s.to_owned(),
            }),
        }
    }
}

/// Which client-hint request headers count as CORS-safelisted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ClientHints {
    /// `DPR`, `Downlink`, `Save-Data: on`, `Viewport-Width`, ... are safelisted
    /// when their value parses (Chromium; `headers/client-hint-dpr`).
    SafelistedWhenValid,
    /// They are ordinary headers and need a preflight (the standard, Firefox, WebKit).
    NotSafelisted,
}

/// How an engine combines two values of one request header set by script.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RepeatedRequestHeader {
    /// `a, b`, checked and sent as one value (Chromium, WebKit).
    Combined,
    /// Each appended value is checked on its own, `Access-Control-Request-Headers`
    /// lists a name once per unsafe value (`x-custom,x-custom`), and a body is
    /// sent with the first `Content-Type` only (Firefox;
    /// `safelist/accept-combined-over-128`, `headers/custom-duplicate`,
    /// `safelist/ct-two-lines`).
    EachOnItsOwn,
}

/// Whether script may set `User-Agent`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum UserAgentHeader {
    /// Silently dropped like a forbidden header (Chromium; `headers/user-agent`).
    Dropped,
    /// Sent, as a CORS-unsafe header that needs a preflight (the standard, Firefox, WebKit).
    Unsafe,
}

/// Which bytes of a safelisted value are unsafe.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum HighBytes {
    /// Bytes 0x80–0xFF are fine (the standard; Chromium, WebKit).
    Safe,
    /// A byte of 0x80 or more makes the value unsafe (Firefox;
    /// `safelist/accept-latin1`).
    Unsafe,
}

/// How `Access-Control-Allow-Headers: *` treats `Authorization`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum AuthorizationWildcard {
    /// `*` covers `Authorization` too (Chromium 156; `preflight/acah-star-authorization`).
    Covered,
    /// `Authorization` must be listed by name (the standard).
    MustBeListed,
}

/// How `Access-Control-Max-Age` is read (scenario `maxage/plus-sign`,
/// recorded here).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum MaxAgeSyntax {
    /// An integer with an optional sign (Chromium, WebKit).
    SignedInteger,
    /// Digits only: `+600` is not a number (Firefox's `nsCORSListenerProxy`).
    DigitsOnly,
}

/// What an invalid (non-numeric) `Access-Control-Max-Age` means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum InvalidMaxAge {
    /// The default lifetime applies (Chromium; `maxage/invalid`).
    DefaultLifetime,
    /// The result is not cached (Firefox).
    NotCached,
}

/// Which credentials mode a preflight cache entry serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CacheCredentials {
    /// An entry made with credentials also serves requests without them;
    /// one made without serves only requests without
    /// (Chromium; `maxage/credentials-include-then-omit`).
    IncludeServesAll,
    /// An entry serves only its own credentials mode (the standard's key).
    SameModeOnly,
}

/// Whether a cached `*` (methods or headers) serves another method or
/// header (scenario `maxage/acam-star-cached`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CachedWildcard {
    /// It serves any name, for requests without credentials (Chromium, WebKit).
    Reused,
    /// It is kept as the literal token `*` (Firefox).
    Literal,
}

/// What a failed actual request does to the preflight cache entry
/// (scenario `maxage/actual-failed-still-cached`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum OnActualFailure {
    /// The entry stays (Chromium, WebKit).
    KeepEntry,
    /// The entry is dropped (Firefox).
    DropEntry,
}

/// Whether a preflight result is cached when the method or a header was
/// refused (source: WebKit's `CrossOriginPreflightResultCache`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CacheRefusedResult {
    /// Only results that passed are cached (Chromium, Firefox).
    No,
    /// The result is cached all the same (WebKit).
    Yes,
}

/// How `Range` values go on the wire (scenario `safelist/range-leading-zeros`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RangeOnWire {
    /// A parsable single range is rewritten canonically (Chromium's network stack).
    Canonical,
    /// As script wrote it (Firefox, WebKit).
    AsWritten,
}

/// Which check of a preflight response comes first; only the reason
/// reported differs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PreflightCheckOrder {
    /// The CORS headers, then the status (Chromium, Firefox).
    HeadersFirst,
    /// The status, then the CORS headers (WebKit).
    StatusFirst,
}

/// Whether `Authorization` is removed on a cross-origin redirect
/// (scenario `redirect/authorization-cross`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AuthorizationOnRedirect {
    /// Removed, as the standard says (all three recorded engines).
    Removed,
    /// Kept.
    Kept,
}

/// The rules of the preflight cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CacheRules {
    /// Lifetime when `Access-Control-Max-Age` is absent.
    pub default_lifetime: Duration,
    /// The longest lifetime the engine accepts.
    pub max_lifetime: Duration,
    /// How the value is read.
    pub max_age_syntax: MaxAgeSyntax,
    /// What a value that is not a number means.
    pub invalid_max_age: InvalidMaxAge,
    /// Which requests an entry serves.
    pub credentials: CacheCredentials,
    /// Whether a cached `*` serves other names.
    pub wildcards: CachedWildcard,
    /// What a failed actual request does to the entry.
    pub on_actual_failure: OnActualFailure,
    /// How a new preflight result meets an existing entry.
    pub update: CacheUpdate,
    /// Whether a refused result is cached.
    pub cache_refused: CacheRefusedResult,
    /// URLs this long or longer are not cached.
    pub max_url_length: Option<usize>,
    /// The most entries kept (least recently used go first).
    pub capacity: usize,
    /// Whether an entry made from `Access-Control-Allow-Headers: *` covers a
    /// later request's `Authorization` (scenario
    /// `misc/star-cache-then-authorization`); the preflight check itself
    /// follows [`Profile::authorization_wildcard`].
    pub authorization_wildcard: AuthorizationWildcard,
}

/// How a preflight cache entry is updated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CacheUpdate {
    /// A new result replaces the entry; a lookup that the entry cannot serve
    /// (stale or insufficient) removes it (Chromium, WebKit).
    Replace,
    /// Each method and header name keeps its own expiry; a new result adds
    /// or refreshes names (Firefox; the standard's per-name entries).
    Merge,
}

/// When a redirected request is preflighted again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum PreflightAfterRedirect {
    /// Only when the new request itself needs one (the standard; Chromium).
    WhenNeeded,
    /// Whenever the original request was preflighted, even if the redirect
    /// made it simple (a 303 to GET; Firefox, WebKit; `redirect/put-303`).
    WhenOriginalWas,
}

/// The `Origin` a preflight carries after a cross-origin redirect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum PreflightOriginAfterRedirect {
    /// The tainted origin, `null` (Chromium, WebKit).
    Tainted,
    /// The page's origin (Firefox; `redirect/put-307-cross`).
    PageOrigin,
}

/// What happens to a redirect whose `Location` has userinfo (`u:p@`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum UserinfoRedirect {
    /// Always a network error (Chromium; `redirect/userinfo-same-origin`).
    AlwaysFail,
    /// A network error only for a cross-origin CORS request (the standard).
    FailCrossOriginCors,
}

/// Where `Sec-Fetch-*` headers are sent and how `Sec-Fetch-Site` is computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum FetchMetadata {
    /// On every request to a potentially trustworthy URL; the site is the most
    /// distant relation over the redirect chain (Chromium).
    Chain,
    /// As `Chain`, but a redirected request that is not same-origin is
    /// `cross-site` unless every URL of the chain is https (Firefox;
    /// `redirect/same-to-b` over http, `cookie/lax-on-same-site-redirect-chain`
    /// over https, recorded here); preflights use their own URL.
    CrossSiteAfterRedirect,
    /// As `Chain`, but a `cors` request has none on a hop that a redirect
    /// sent to another origin (a later same-origin hop has them again);
    /// preflights always have them (WebKit; `redirect/same-to-b`, and
    /// `cookie/set-by-cross-site-redirect-hop`, recorded here).
    NoneAfterCrossOriginRedirect,
}

/// Which `User-Agent` a preflight carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum PreflightUserAgent {
    /// The browser's own (Chromium, Firefox).
    BrowserDefault,
    /// The one the actual request carries, script's included (WebKit;
    /// `headers/user-agent`).
    RequestValue,
}

/// How header value bytes of 0x80 and above reach the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum HeaderBytesOnWire {
    /// As the byte string script gave (Chromium, Firefox).
    AsGiven,
    /// Each such byte UTF-8 encoded, as its code point (WebKit;
    /// `safelist/accept-latin1`).
    Utf8,
}

/// Which header names a preflight made after a cross-origin redirect asks about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum PreflightNamesAfterRedirect {
    /// The redirected request's own unsafe names (Chromium, Firefox).
    Current,
    /// Those plus `authorization` when the hop removed it (WebKit, whose
    /// network layer strips it after the preflight is built;
    /// `redirect/authorization-cross`).
    BeforeAuthorizationRemoval,
}

/// With which credentials mode redirect responses are CORS-checked, and
/// whether a `no-cors` request's cookies follow it across origins.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RedirectCredentials {
    /// Each hop with the request's credentials mode (the standard; Chromium, Firefox).
    PerHop,
    /// Decided once from the first URL: `same-origin` credentials and a
    /// same-origin first URL check every later redirect response as
    /// credentialed, and keep a `no-cors` request's cookies (WebKit;
    /// `redirect/a-to-b-to-a`, `redirect/userinfo-cross-no-cors`).
    DecidedAtStart,
}

/// Whether the mixed-content check counts `http://127.0.0.1` and
/// `http://localhost` as trustworthy (scenarios `mixed/s-to-a-loopback-ip`,
/// `mixed/s-to-c-localhost`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum LoopbackHttp {
    /// Loopback `http:` is potentially trustworthy: not mixed content (Chromium, Firefox).
    Trustworthy,
    /// Every `http:` URL is mixed content on a secure page (WebKit 2.50).
    Insecure,
}

/// Whether `upgrade-insecure-requests` upgrades loopback `http:` URLs
/// (scenario `mixed/upgrade-insecure-requests-loopback`, recorded here).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum UpgradeLoopback {
    /// `http://127.0.0.1` and `http://localhost` are left as they are (Chromium, Firefox).
    Skipped,
    /// Every `http:` URL is upgraded (WebKit 2.50).
    Upgraded,
}

/// Mixed-content facts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MixedContentRules {
    /// How loopback `http:` URLs count.
    pub loopback_http: LoopbackHttp,
    /// `upgrade-insecure-requests` and loopback URLs.
    pub upgrade_loopback: UpgradeLoopback,
}

/// Whether the engine checks Local Network Access at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum LocalNetworkEnforcement {
    /// Public pages need a permission to reach local and loopback targets.
    On,
    /// No check (WebKit 2.50: scenario `lna/public-to-loopback-cors` fails
    /// only as mixed content there).
    Off,
}

/// Whether a non-secure public page may reach a more private target
/// (scenario `lna/insecure-public-page-granted`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum InsecurePages {
    /// Refused even with the permission granted (Chromium).
    Blocked,
    /// Asked like a secure page (Firefox 153).
    Allowed,
}

/// What a fetch does while the permission prompt is unanswered
/// (scenario `lna/public-to-loopback-cors`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum UnansweredPrompt {
    /// Headless Chromium denies at once: a network error, nothing sent.
    Denied,
    /// Firefox shows a doorhanger and waits: `fetch()` does not settle.
    Waits,
}

/// Local Network Access facts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LocalNetworkRules {
    /// Whether the check runs.
    pub enforcement: LocalNetworkEnforcement,
    /// Non-secure public pages.
    pub insecure_pages: InsecurePages,
    /// An unanswered prompt.
    pub unanswered_prompt: UnansweredPrompt,
}

/// How CORP `same-site` treats IP-address hosts (scenario
/// `corp/same-site-from-same-host`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CorpSameSiteIp {
    /// An IP address is never same site with anything, even itself on
    /// another port (Chromium's `ShouldAllowSameSite`).
    NeverSameSite,
    /// The same IP address is the same site (Firefox, WebKit).
    SameHost,
}

/// Whether `Cross-Origin-Embedder-Policy: credentialless` is understood
/// (scenario `corp/coep-credentialless`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Credentialless {
    /// Cross-origin no-cors requests go without cookies (Chromium, Firefox).
    Supported,
    /// Treated as no policy (WebKit 2.50).
    Ignored,
}

/// CORP and COEP facts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CorpRules {
    /// `same-site` and IP hosts.
    pub same_site_ip: CorpSameSiteIp,
    /// `credentialless`.
    pub credentialless: Credentialless,
}

/// The `SameSite` a cookie without the attribute gets
/// (scenario `cookie/no-samesite-cross-site`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SameSiteDefault {
    /// `Lax` (Chromium's "Lax by default").
    Lax,
    /// `None` (Firefox, WebKit).
    None,
}

/// Whether `SameSite=None` requires `Secure` (scenarios
/// `cookie/none-without-secure`, `cookie/none-without-secure-same-site`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum NoneRequiresSecure {
    /// Rejected when stored without `Secure` (Chromium, Firefox 153).
    Required,
    /// Stored as given (WebKit).
    NotRequired,
}

/// What happens to cookies in a third-party context: a request whose site
/// is not the top-level page's site (scenarios `cookie/none-secure-cross-site`,
/// `cookie/third-party-set-by-cors`, `cookie/partitioned-set-by-cors`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ThirdPartyCookies {
    /// Third-party cookies are neither sent nor stored, except `Partitioned`
    /// ones (CHIPS), kept per top-level site (Chromium 156 as recorded).
    BlockUnpartitioned,
    /// Every third-party cookie lives in a jar of the top-level site (Firefox's
    /// Total Cookie Protection): cookies stored first-party are not seen.
    PartitionAll,
    /// Cookies already stored are sent, but no third-party response may
    /// store one (WebKitGTK's default "no third party" policy).
    SendExistingNeverStore,
    /// Third-party cookies work like first-party ones (the switch users
    /// turn on; still subject to `SameSite`).
    Allowed,
}

/// Whether `__Secure-` and `__Host-` prefixes are enforced
/// (scenarios `cookie/host-prefix-with-domain`, `cookie/secure-prefix-without-secure`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CookiePrefixes {
    /// Cookies breaking a prefix's rule are rejected (Chromium, Firefox).
    Enforced,
    /// Prefixes are ordinary names (WebKitGTK 2.50).
    Ignored,
}

/// Whether a response that fails its CORS check still stores its cookies
/// (scenario `cookie/set-on-cors-failure`). The standard stores them first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CookiesOnCorsFailure {
    /// Stored before the check (the standard; Chromium, Firefox).
    Stored,
    /// Dropped with the response (WebKit 2.50).
    Dropped,
}

/// Whether the `Partitioned` attribute (CHIPS) is understood
/// (scenario `cookie/partitioned-set-by-cors`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PartitionedCookies {
    /// Kept per top-level site (Chromium, Firefox).
    Honoured,
    /// An unknown attribute (WebKitGTK 2.50).
    Ignored,
}

/// How a `Domain` attribute is matched on an IP-address host (scenario
/// `cookie/domain-attribute-on-ip`, recorded here).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DomainOnIp {
    /// Only the address itself (RFC 6265bis; Chromium, Firefox).
    MustEqualHost,
    /// Any string suffix (`Domain=0.0.1` on `127.0.0.1`; libsoup, WebKitGTK).
    SuffixMatches,
}

/// The creation time a cookie keeps when it is set again, which orders the
/// `Cookie` header after path length (scenario
/// `cookie/limit-overwrite-then-181`, recorded here: `c0` set again after
/// `c1`..`c179` goes last in Chromium, first in Firefox and WebKitGTK).
/// In every engine that purges, the least recently *set* cookies go first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum OverwrittenCookie {
    /// The old cookie's creation time (RFC 6265bis § 5.7; Firefox,
    /// WebKitGTK).
    KeepsCreationTime,
    /// A new one: the cookie counts as created now (Chromium).
    NewCreationTime,
}

/// Which cookies a per-site purge takes first (scenarios
/// `cookie/limit-secure-and-plain`, `cookie/limit-priority`, recorded here).
/// Within each kind, the least recently set go first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PurgeOrder {
    /// Plain cookies before `Secure` ones (Firefox; `Priority` is ignored).
    PlainFirst,
    /// By `Priority` (low, medium, high) and `Secure`, each priority keeping
    /// a quota of its most recent (Chromium).
    PriorityRounds,
}

/// How many cookies one site keeps (scenarios `cookie/limit-180-one-site`,
/// `-181-`, `-200-`, recorded here: 181 cookies leave 150 in Chromium and
/// Firefox, 181 in WebKitGTK).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PerSiteLimit {
    /// Past `max`, the site's oldest cookies go until `keep` are left, in
    /// one purge (Chromium's `kDomainMaxCookies` 180 less
    /// `kDomainPurgeCookies` 30; Firefox's `network.cookie.maxPerHost` 180
    /// and `quotaPerHost` 150).
    PurgeTo {
        /// The most a site holds.
        max: usize,
        /// What a purge leaves.
        keep: usize,
    },
    /// No limit per site (libsoup's jar, WebKitGTK): only the jar's total
    /// bounds it.
    Unlimited,
}

/// Which clock an `Expires` date is measured against (scenarios
/// `cookie/expires-against-server-date`, `cookie/expires-future-server-date`,
/// recorded here: a response dated 2015 setting `Expires` in 2016).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ExpiresReference {
    /// The response's `Date`: the cookie lives `Expires - Date` from now
    /// (Chromium, Firefox; the browser's clock without a `Date`).
    ServerDate,
    /// The browser's own clock; `Date` is not read (libsoup, WebKitGTK).
    BrowserClock,
}

/// Which URLs decide whether a request is same-site for its `SameSite`
/// cookies (scenario `cookie/strict-after-cross-site-hop`, recorded here:
/// `{S}` → `{T}` → `{S}` from a page on `{S}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SameSiteChain {
    /// The request's current URL only (Chromium, WebKitGTK): the last hop
    /// back home carries `Strict` cookies.
    CurrentUrl,
    /// Every URL of the redirect chain (Firefox): once a hop went to another
    /// site, later hops carry no `Strict` or `Lax` cookie.
    WholeChain,
}

/// How an engine reads the name, value and attribute sizes of a
/// `Set-Cookie` line (scenarios `cookie/syntax-*`, recorded here). Where
/// the engines agree, every parser follows RFC 6265bis § 5.6.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SetCookieSyntax {
    /// Chromium: RFC 6265bis, except that a tab inside the value (after
    /// trimming) refuses the cookie; bytes above 0x7F go back as they came.
    Chromium,
    /// Firefox: a line without `=` is a name with an empty value, an empty
    /// name (`=v`) refuses the cookie, a tab inside the value is kept, bytes
    /// that are not UTF-8 become U+FFFD.
    Gecko,
    /// libsoup (WebKitGTK): no 4096-byte limit on name and value, an
    /// attribute value over 1024 bytes is used as given, a tab at the end of
    /// the name or inside the value refuses the cookie, `Domain` keeps
    /// its case (`Domain=APP.TEST` matches no host), an empty `Max-Age` is 0,
    /// the later of `Max-Age` and `Expires` decides, and a byte above 0x7F
    /// refuses the cookie.
    Libsoup,
}

/// Cookie facts (RFC 6265bis and each engine's policy).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CookieRules {
    /// A cookie without `SameSite`.
    pub same_site_default: SameSiteDefault,
    /// `SameSite=None` without `Secure`.
    pub none_requires_secure: NoneRequiresSecure,
    /// Whether "same site" for cookies looks at the scheme
    /// (scenario `cookie/schemeful-same-site-strict`).
    pub same_site_scheme: crate::origin::SiteScheme,
    /// Third-party cookies.
    pub third_party: ThirdPartyCookies,
    /// `Partitioned`.
    pub partitioned: PartitionedCookies,
    /// `__Secure-` / `__Host-`.
    pub prefixes: CookiePrefixes,
    /// Cookies of a response that fails CORS.
    pub on_cors_failure: CookiesOnCorsFailure,
    /// Whether loopback `http:` may set and receive `Secure` cookies
    /// (scenario `cookie/secure-from-loopback-http`, recorded here).
    pub secure_over_loopback_http: LoopbackHttp,
    /// `Domain` on IP-address hosts.
    pub domain_on_ip: DomainOnIp,
    /// Whether a hop through another site earlier in a redirect chain keeps
    /// `SameSite` cookies from the later hops.
    pub same_site_chain: SameSiteChain,
    /// Which clock an `Expires` date is read against.
    pub expires_reference: ExpiresReference,
    /// How a `Set-Cookie` line's name, value and attribute sizes are read.
    pub syntax: SetCookieSyntax,
    /// The creation time of a cookie set again (it orders the `Cookie` header).
    pub overwritten: OverwrittenCookie,
    /// Which cookies a per-site purge takes first.
    pub purge_order: PurgeOrder,
    /// How many cookies one site (registrable domain) keeps (scenarios
    /// `cookie/limit-*`, recorded here).
    pub per_site: PerSiteLimit,
    /// Most cookies kept in all (Chromium's `kMaxCookies`; for WebKitGTK,
    /// whose libsoup jar sets none, the emulator's own bound, so that a
    /// crawler's memory stays bounded): past it, the oldest cookie goes.
    pub max_total: usize,
}

/// How a redirect with an empty `Location` is handled
/// (scenarios `misc/empty-location-follow`, `misc/empty-location-error`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EmptyLocation {
    /// The standard: `""` parses as the current URL, so `follow` loops
    /// until the redirect limit (Firefox).
    SameUrl,
    /// Not a redirect: the 3xx response itself is returned (Chromium; a
    /// departure from the standard). `manual` still gives `opaqueredirect`.
    NotARedirect,
    /// `follow` fails at once; `error` returns the 3xx response (WebKit).
    FailWhenFollowed,
}

/// Whether a `206` response without `Content-Length` gets one from its
/// `Content-Range` (scenario `misc/range-lowercase`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PartialContentLength {
    /// Chromium's HTTP cache writes `Content-Length` from `Content-Range:
    /// bytes a-b/n` (so script can read it).
    FromContentRange,
    /// As the server sent it (Firefox, WebKit).
    AsSent,
}

/// Which algorithm classifies a refused `Access-Control-Allow-Origin` (the
/// verdict is the same in all three; the reason reported, and so the
/// console sentence, differs: scenarios `acao/two-lines-same`,
/// `acao/two-values-comma`, `acao/star-credentials`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AllowOriginCheck {
    /// Chromium's `CheckAccess` (`services/network/public/cpp/cors/cors.cc`):
    /// lines are combined; a space or comma means several values.
    Chromium,
    /// Gecko's `nsCORSListenerProxy::CheckRequestApproved`: two lines are
    /// several values; anything else that is not the origin is a mismatch.
    Gecko,
    /// WebKit's `passesAccessControlCheck`: a `*` with credentials and a
    /// comma are reported as such, the rest as a mismatch.
    WebKit,
}

impl From<Engine> for AllowOriginCheck {
    /// The engine's own algorithm.
    fn from(engine: Engine) -> AllowOriginCheck {
        match engine {
            Engine::Chromium => AllowOriginCheck::Chromium,
            Engine::Firefox => AllowOriginCheck::Gecko,
            Engine::WebKit => AllowOriginCheck::WebKit,
        }
    }
}

/// How the `Range` unit is matched (scenario `misc/range-uppercase-unit`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RangeUnit {
    /// Only `bytes` in lower case is safelisted (Chromium, Firefox).
    LowercaseOnly,
    /// `bytes` in any case (WebKit).
    AnyCase,
}

/// The defaults a browser puts on requests itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Defaults {
    /// The `User-Agent` header.
    pub user_agent: &'static str,
    /// The `Accept-Language` header.
    pub accept_language: &'static str,
    /// How `Range` values go on the wire.
    pub range_on_wire: RangeOnWire,
}

/// One engine's CORS behaviour: the Fetch standard plus these facts.
///
/// ```
/// use browser_cors::{Engine, Profile};
/// let chromium = Profile::default();
/// assert_eq!(chromium.engine, Engine::Chromium);
/// assert_eq!(chromium.cache.max_lifetime.as_secs(), 7200);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    /// Which engine this is. It also picks the console sentences and which
    /// reason a refused `Access-Control-Allow-Origin` is reported with; a new
    /// profile (the bare standard, say) names the engine whose words it uses.
    pub engine: Engine,
    /// The version the facts were recorded from.
    pub version: &'static str,
    /// Client-hint headers.
    pub client_hints: ClientHints,
    /// The 1024-byte total of safelisted values beyond which they all become unsafe.
    pub safelist_total_limit: Option<usize>,
    /// Bytes 0x80–0xFF in safelisted values.
    pub high_bytes: HighBytes,
    /// Script's `User-Agent`.
    pub user_agent_header: UserAgentHeader,
    /// Two values of one header.
    pub repeated_request_header: RepeatedRequestHeader,
    /// `Access-Control-Allow-Headers: *` and `Authorization`.
    pub authorization_wildcard: AuthorizationWildcard,
    /// Which check of a preflight response comes first.
    pub preflight_check_order: PreflightCheckOrder,
    /// The preflight cache.
    pub cache: CacheRules,
    /// Preflights after a redirect.
    pub preflight_after_redirect: PreflightAfterRedirect,
    /// The origin on such a preflight.
    pub preflight_origin_after_redirect: PreflightOriginAfterRedirect,
    /// Userinfo in a redirect.
    pub userinfo_redirect: UserinfoRedirect,
    /// `Authorization` on a cross-origin redirect.
    pub authorization_on_redirect: AuthorizationOnRedirect,
    /// The names a preflight after a cross-origin redirect asks about.
    pub preflight_names_after_redirect: PreflightNamesAfterRedirect,
    /// Credentials on redirect hops.
    pub redirect_credentials: RedirectCredentials,
    /// The `User-Agent` of preflights.
    pub preflight_user_agent: PreflightUserAgent,
    /// Header bytes on the wire.
    pub header_bytes_on_wire: HeaderBytesOnWire,
    /// `Sec-Fetch-*`.
    pub fetch_metadata: FetchMetadata,
    /// Mixed content.
    pub mixed_content: MixedContentRules,
    /// Local Network Access.
    pub local_network: LocalNetworkRules,
    /// CORP and COEP.
    pub corp: CorpRules,
    /// Cookies.
    pub cookies: CookieRules,
    /// How a refused `Access-Control-Allow-Origin` is classified.
    pub allow_origin_check: AllowOriginCheck,
    /// A redirect with an empty `Location`.
    pub empty_location: EmptyLocation,
    /// The `Range` unit's case.
    pub range_unit: RangeUnit,
    /// `Content-Length` of partial responses.
    pub partial_content_length: PartialContentLength,
    /// Browser defaults.
    pub defaults: Defaults,
}

impl Default for Profile {
    fn default() -> Self {
        Profile::chromium()
    }
}

impl Profile {
    /// This profile with another third-party cookie policy: the switch users
    /// run (Chromium's "Allow third-party cookies", Firefox's standard
    /// protection off, WebKit's "always accept").
    ///
    /// ```
    /// use browser_cors::{Profile, profile::ThirdPartyCookies};
    /// let p = Profile::chromium().with_third_party_cookies(ThirdPartyCookies::Allowed);
    /// assert_eq!(p.cookies.third_party, ThirdPartyCookies::Allowed);
    /// ```
    pub fn with_third_party_cookies(mut self, policy: ThirdPartyCookies) -> Profile {
        self.cookies.third_party = policy;
        self
    }

    /// Chromium 156.
    ///
    /// ```
    /// let p = browser_cors::Profile::chromium();
    /// assert_eq!(p.safelist_total_limit, Some(1024));
    /// ```
    pub fn chromium() -> Profile {
        Profile {
            engine: Engine::Chromium,
            version: "156",
            client_hints: ClientHints::SafelistedWhenValid,
            safelist_total_limit: Some(1024),
            high_bytes: HighBytes::Safe,
            user_agent_header: UserAgentHeader::Dropped,
            repeated_request_header: RepeatedRequestHeader::Combined,
            authorization_wildcard: AuthorizationWildcard::Covered,
            preflight_check_order: PreflightCheckOrder::HeadersFirst,
            cache: CacheRules {
                default_lifetime: Duration::from_secs(5),
                max_lifetime: Duration::from_secs(2 * 60 * 60),
                max_age_syntax: MaxAgeSyntax::SignedInteger,
                invalid_max_age: InvalidMaxAge::DefaultLifetime,
                credentials: CacheCredentials::IncludeServesAll,
                wildcards: CachedWildcard::Reused,
                on_actual_failure: OnActualFailure::KeepEntry,
                update: CacheUpdate::Replace,
                cache_refused: CacheRefusedResult::No,
                max_url_length: Some(1024),
                capacity: 1024,
                authorization_wildcard: AuthorizationWildcard::MustBeListed,
            },
            preflight_after_redirect: PreflightAfterRedirect::WhenNeeded,
            preflight_origin_after_redirect: PreflightOriginAfterRedirect::Tainted,
            userinfo_redirect: UserinfoRedirect::AlwaysFail,
            authorization_on_redirect: AuthorizationOnRedirect::Removed,
            preflight_names_after_redirect: PreflightNamesAfterRedirect::Current,
            redirect_credentials: RedirectCredentials::PerHop,
            preflight_user_agent: PreflightUserAgent::BrowserDefault,
            header_bytes_on_wire: HeaderBytesOnWire::AsGiven,
            fetch_metadata: FetchMetadata::Chain,
            mixed_content: MixedContentRules {
                loopback_http: LoopbackHttp::Trustworthy,
                upgrade_loopback: UpgradeLoopback::Skipped,
            },
            local_network: LocalNetworkRules {
                enforcement: LocalNetworkEnforcement::On,
                insecure_pages: InsecurePages::Blocked,
                unanswered_prompt: UnansweredPrompt::Denied,
            },
            corp: CorpRules {
                same_site_ip: CorpSameSiteIp::NeverSameSite,
                credentialless: Credentialless::Supported,
            },
            cookies: CookieRules {
                same_site_default: SameSiteDefault::Lax,
                none_requires_secure: NoneRequiresSecure::Required,
                same_site_scheme: crate::origin::SiteScheme::Schemeful,
                third_party: ThirdPartyCookies::BlockUnpartitioned,
                partitioned: PartitionedCookies::Honoured,
                prefixes: CookiePrefixes::Enforced,
                on_cors_failure: CookiesOnCorsFailure::Stored,
                secure_over_loopback_http: LoopbackHttp::Trustworthy,
                domain_on_ip: DomainOnIp::MustEqualHost,
                same_site_chain: SameSiteChain::CurrentUrl,
                expires_reference: ExpiresReference::ServerDate,
                syntax: SetCookieSyntax::Chromium,
                overwritten: OverwrittenCookie::NewCreationTime,
                purge_order: PurgeOrder::PriorityRounds,
                per_site: PerSiteLimit::PurgeTo {
                    max: 180,
                    keep: 150,
                },
                max_total: 3300,
            },
            allow_origin_check: AllowOriginCheck::Chromium,
            empty_location: EmptyLocation::NotARedirect,
            range_unit: RangeUnit::LowercaseOnly,
            partial_content_length: PartialContentLength::FromContentRange,
            defaults: Defaults {
                user_agent: "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/156.0.0.0 Safari/537.36",
                accept_language: "en-US,en;q=0.9",
                range_on_wire: RangeOnWire::Canonical,
            },
        }
    }

    /// Firefox 153 ESR.
    pub fn firefox() -> Profile {
        Profile {
            engine: Engine::Firefox,
            version: "153",
            client_hints: ClientHints::NotSafelisted,
            high_bytes: HighBytes::Unsafe,
            user_agent_header: UserAgentHeader::Unsafe,
            repeated_request_header: RepeatedRequestHeader::EachOnItsOwn,
            cache: CacheRules {
                default_lifetime: Duration::from_secs(5),
                max_lifetime: Duration::from_secs(24 * 60 * 60),
                max_age_syntax: MaxAgeSyntax::DigitsOnly,
                invalid_max_age: InvalidMaxAge::NotCached,
                credentials: CacheCredentials::SameModeOnly,
                wildcards: CachedWildcard::Literal,
                on_actual_failure: OnActualFailure::DropEntry,
                update: CacheUpdate::Merge,
                cache_refused: CacheRefusedResult::No,
                max_url_length: None,
                capacity: 100,
                authorization_wildcard: AuthorizationWildcard::MustBeListed,
            },
            preflight_after_redirect: PreflightAfterRedirect::WhenOriginalWas,
            preflight_origin_after_redirect: PreflightOriginAfterRedirect::PageOrigin,
            userinfo_redirect: UserinfoRedirect::FailCrossOriginCors,
            fetch_metadata: FetchMetadata::CrossSiteAfterRedirect,
            local_network: LocalNetworkRules {
                enforcement: LocalNetworkEnforcement::On,
                insecure_pages: InsecurePages::Allowed,
                unanswered_prompt: UnansweredPrompt::Waits,
            },
            corp: CorpRules {
                same_site_ip: CorpSameSiteIp::SameHost,
                credentialless: Credentialless::Supported,
            },
            cookies: CookieRules {
                same_site_default: SameSiteDefault::None,
                none_requires_secure: NoneRequiresSecure::Required,
                same_site_scheme: crate::origin::SiteScheme::Schemeless,
                third_party: ThirdPartyCookies::PartitionAll,
                partitioned: PartitionedCookies::Honoured,
                prefixes: CookiePrefixes::Enforced,
                on_cors_failure: CookiesOnCorsFailure::Stored,
                secure_over_loopback_http: LoopbackHttp::Trustworthy,
                domain_on_ip: DomainOnIp::MustEqualHost,
                same_site_chain: SameSiteChain::WholeChain,
                expires_reference: ExpiresReference::ServerDate,
                syntax: SetCookieSyntax::Gecko,
                overwritten: OverwrittenCookie::KeepsCreationTime,
                purge_order: PurgeOrder::PlainFirst,
                per_site: PerSiteLimit::PurgeTo {
                    max: 180,
                    keep: 150,
                },
                max_total: 3000,
            },
            allow_origin_check: AllowOriginCheck::Gecko,
            empty_location: EmptyLocation::SameUrl,
            partial_content_length: PartialContentLength::AsSent,
            defaults: Defaults {
                user_agent: "Mozilla/5.0 (X11; Linux x86_64; rv:153.0) Gecko/20100101 Firefox/153.0",
                accept_language: "en-US,en;q=0.9",
                range_on_wire: RangeOnWire::AsWritten,
            },
            ..Profile::chromium()
        }
    }

    /// WebKitGTK 2.50 (the engine behind Safari).
    pub fn webkit() -> Profile {
        Profile {
            engine: Engine::WebKit,
            version: "2.50",
            client_hints: ClientHints::NotSafelisted,
            user_agent_header: UserAgentHeader::Unsafe,
            preflight_check_order: PreflightCheckOrder::StatusFirst,
            cache: CacheRules {
                default_lifetime: Duration::from_secs(5),
                max_lifetime: Duration::from_secs(10 * 60),
                cache_refused: CacheRefusedResult::Yes,
                max_url_length: None,
                authorization_wildcard: AuthorizationWildcard::Covered,
                ..Profile::chromium().cache
            },
            preflight_after_redirect: PreflightAfterRedirect::WhenOriginalWas,
            userinfo_redirect: UserinfoRedirect::FailCrossOriginCors,
            preflight_names_after_redirect: PreflightNamesAfterRedirect::BeforeAuthorizationRemoval,
            redirect_credentials: RedirectCredentials::DecidedAtStart,
            preflight_user_agent: PreflightUserAgent::RequestValue,
            header_bytes_on_wire: HeaderBytesOnWire::Utf8,
            fetch_metadata: FetchMetadata::NoneAfterCrossOriginRedirect,
            mixed_content: MixedContentRules {
                loopback_http: LoopbackHttp::Insecure,
                upgrade_loopback: UpgradeLoopback::Upgraded,
            },
            local_network: LocalNetworkRules {
                enforcement: LocalNetworkEnforcement::Off,
                insecure_pages: InsecurePages::Allowed,
                unanswered_prompt: UnansweredPrompt::Waits,
            },
            corp: CorpRules {
                same_site_ip: CorpSameSiteIp::SameHost,
                credentialless: Credentialless::Ignored,
            },
            cookies: CookieRules {
                same_site_default: SameSiteDefault::None,
                none_requires_secure: NoneRequiresSecure::NotRequired,
                same_site_scheme: crate::origin::SiteScheme::Schemeless,
                third_party: ThirdPartyCookies::SendExistingNeverStore,
                partitioned: PartitionedCookies::Ignored,
                prefixes: CookiePrefixes::Ignored,
                on_cors_failure: CookiesOnCorsFailure::Dropped,
                secure_over_loopback_http: LoopbackHttp::Insecure,
                domain_on_ip: DomainOnIp::SuffixMatches,
                same_site_chain: SameSiteChain::CurrentUrl,
                expires_reference: ExpiresReference::BrowserClock,
                syntax: SetCookieSyntax::Libsoup,
                overwritten: OverwrittenCookie::KeepsCreationTime,
                purge_order: PurgeOrder::PlainFirst,
                per_site: PerSiteLimit::Unlimited,
                max_total: 3000,
            },
            allow_origin_check: AllowOriginCheck::WebKit,
            empty_location: EmptyLocation::FailWhenFollowed,
            range_unit: RangeUnit::AnyCase,
            partial_content_length: PartialContentLength::AsSent,
            defaults: Defaults {
                // Never seen in the recordings (WebKitGTK's own string).
                user_agent: "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Safari/605.1.15",
                accept_language: "en-US",
                range_on_wire: RangeOnWire::AsWritten,
            },
            ..Profile::chromium()
        }
    }
}
