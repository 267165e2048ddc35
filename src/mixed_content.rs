//! Mixed content: a secure page's requests to insecure URLs.
//! [W3C Mixed Content § should fetching request be blocked](https://w3c.github.io/webappsec-mixed-content/#should-block-fetch)
//!
//! `fetch()` is never upgradeable passive content: a secure page's fetch of
//! an `http:` URL that is not potentially trustworthy is blocked before
//! anything is sent, in every mode, and so is each redirect hop to one.
//! Which `http:` URLs count as trustworthy is a profile fact
//! ([`crate::profile::MixedContentRules`]).

use url::Url;

use crate::origin::is_potentially_trustworthy;
use crate::profile::{LoopbackHttp, MixedContentRules};

/// Whether the page [restricts mixed content](https://w3c.github.io/webappsec-mixed-content/#categorize-settings-object):
/// all three engines decide it by the page's scheme (`https`, `wss`), so an
/// `http://localhost` page, though a secure context, loads `http:` freely.
pub(crate) fn page_restricts_mixed_content(page: &url::Origin) -> bool {
    matches!(page, url::Origin::Tuple(scheme, _, _) if scheme == "https" || scheme == "wss")
}

/// Whether a request to `url` from a page that restricts mixed content is
/// blocked.
///
/// ```
/// use browser_cors::{mixed_content::is_blocked, Profile};
/// let u = |s: &str| url::Url::parse(s).unwrap();
/// assert!(is_blocked(&u("http://api.example/x"), &Profile::chromium().mixed_content));
/// assert!(!is_blocked(&u("http://127.0.0.1:8080/x"), &Profile::chromium().mixed_content));
/// // WebKit does not exempt loopback addresses.
/// assert!(is_blocked(&u("http://127.0.0.1:8080/x"), &Profile::webkit().mixed_content));
/// ```
pub fn is_blocked(url: &Url, rules: &MixedContentRules) -> bool {
    match url.scheme() {
        "https" | "wss" | "data" | "blob" | "about" => false,
        "http" | "ws" => match rules.loopback_http {
            LoopbackHttp::Trustworthy => !is_potentially_trustworthy(url),
            LoopbackHttp::Insecure => true,
        },
        _ => !is_potentially_trustworthy(url),
    }
}

/// [Upgrade a request to a potentially trustworthy URL](https://w3c.github.io/webappsec-upgrade-insecure-requests/#upgrade-request)
/// when the page sent `Content-Security-Policy: upgrade-insecure-requests`:
/// `http:` becomes `https:`, the default port 80 becomes 443, any other port
/// stays (so a plain-http listener on that port can no longer answer).
///
/// ```
/// use browser_cors::mixed_content::upgraded;
/// let u = |s: &str| url::Url::parse(s).unwrap();
/// assert_eq!(upgraded(&u("http://app.test:8080/r")).unwrap().as_str(), "https://app.test:8080/r");
/// assert_eq!(upgraded(&u("http://app.test/r")).unwrap().as_str(), "https://app.test/r");
/// assert!(upgraded(&u("https://app.test/r")).is_none());
/// ```
pub fn upgraded(url: &Url) -> Option<Url> {
    if url.scheme() != "http" {
        return None;
    }
    upgrade(url)
}

/// [`upgraded`] with the engine's treatment of loopback URLs.
///
/// ```
/// use browser_cors::{mixed_content::upgraded_for, Profile};
/// let loopback = url::Url::parse("http://127.0.0.1:8080/").unwrap();
/// assert!(upgraded_for(&loopback, &Profile::chromium().mixed_content).is_none());
/// assert!(upgraded_for(&loopback, &Profile::webkit().mixed_content).is_some());
/// ```
pub fn upgraded_for(url: &Url, rules: &MixedContentRules) -> Option<Url> {
    if rules.upgrade_loopback == crate::profile::UpgradeLoopback::Skipped
        && is_potentially_trustworthy(url)
    {
        return None;
    }
    upgraded(url)
}

fn upgrade(url: &Url) -> Option<Url> {
    let port = url.port();
    let mut up = url.clone();
    up.set_scheme("https").ok()?;
    if port.is_some() {
        up.set_port(port).ok()?;
    }
    Some(up)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Profile;

    fn u(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn only_https_pages_restrict() {
        let o = |s: &str| crate::origin::parse_origin(s).unwrap();
        assert!(page_restricts_mixed_content(&o("https://app.test")));
        assert!(!page_restricts_mixed_content(&o("http://localhost:3000")));
        assert!(!page_restricts_mixed_content(&o("http://app.test")));
    }

    #[test]
    fn localhost_names_follow_the_loopback_fact() {
        let chromium = Profile::chromium().mixed_content;
        let webkit = Profile::webkit().mixed_content;
        assert!(!is_blocked(&u("http://localhost:1/"), &chromium));
        assert!(is_blocked(&u("http://localhost:1/"), &webkit));
        assert!(is_blocked(&u("http://10.0.0.1/"), &chromium));
        assert!(!is_blocked(&u("https://10.0.0.1/"), &webkit));
        assert!(is_blocked(&u("ws://example.com/"), &chromium));
    }
}
