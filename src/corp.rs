//! Cross-Origin-Resource-Policy and the page's Cross-Origin-Embedder-Policy.
//! [Fetch § cross-origin resource policy check](https://fetch.spec.whatwg.org/#cross-origin-resource-policy-check)
//!
//! Checked on every response (redirects included) of a request whose
//! response tainting is opaque: a cross-origin `no-cors` fetch. How `same-site`
//! treats IP addresses and whether `credentialless` is understood are profile
//! facts ([`crate::profile::CorpRules`]).

use http::HeaderMap;
use url::{Origin, Url};

use crate::origin::{SiteScheme, is_ip_host, url_is_same_origin, url_same_site};
use crate::profile::{CorpRules, CorpSameSiteIp, Credentialless};

/// The page's [embedder policy](https://html.spec.whatwg.org/multipage/browsers.html#embedder-policy-value)
/// (`Cross-Origin-Embedder-Policy`; the report-only header enforces nothing).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum EmbedderPolicy {
    /// No policy (`unsafe-none`).
    #[default]
    UnsafeNone,
    /// `require-corp`: a cross-origin no-cors response needs CORP.
    RequireCorp,
    /// `credentialless`: cross-origin no-cors requests go without
    /// credentials, and only credentialed responses need CORP.
    Credentialless,
}

impl EmbedderPolicy {
    /// Parses a `Cross-Origin-Embedder-Policy` value (a structured-header
    /// token; parameters such as `report-to` are ignored). Anything else is
    /// `unsafe-none`.
    ///
    /// ```
    /// use browser_cors::EmbedderPolicy;
    /// assert_eq!(EmbedderPolicy::parse(b"require-corp"), EmbedderPolicy::RequireCorp);
    /// assert_eq!(EmbedderPolicy::parse(b"credentialless; report-to=\"x\""), EmbedderPolicy::Credentialless);
    /// assert_eq!(EmbedderPolicy::parse(b"Require-Corp"), EmbedderPolicy::UnsafeNone);
    /// ```
    pub fn parse(value: &[u8]) -> EmbedderPolicy {
        let token = value.split(|b| *b == b';').next().unwrap_or_default();
        match crate::headers::trim_tab_space(token) {
            b"require-corp" => EmbedderPolicy::RequireCorp,
            b"credentialless" => EmbedderPolicy::Credentialless,
            _ => EmbedderPolicy::UnsafeNone,
        }
    }
}

/// A parsed `Cross-Origin-Resource-Policy` value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum ResourcePolicy {
    /// `same-origin`.
    SameOrigin,
    /// `same-site`.
    SameSite,
    /// `cross-origin`.
    CrossOrigin,
}

impl ResourcePolicy {
    /// The header's value from a response, `None` when absent or invalid
    /// (the value is case-sensitive, and a list or several lines is invalid).
    ///
    /// ```
    /// use browser_cors::corp::ResourcePolicy;
    /// let mut h = http::HeaderMap::new();
    /// h.insert("cross-origin-resource-policy", "same-site".parse().unwrap());
    /// assert_eq!(ResourcePolicy::of(&h), Some(ResourcePolicy::SameSite));
    /// h.insert("cross-origin-resource-policy", "Same-Origin".parse().unwrap());
    /// assert_eq!(ResourcePolicy::of(&h), None);
    /// ```
    pub fn of(headers: &HeaderMap) -> Option<ResourcePolicy> {
        let mut values = headers.get_all("cross-origin-resource-policy").iter();
        let value = values.next()?;
        if values.next().is_some() {
            return None;
        }
        match crate::headers::trim_tab_space(value.as_bytes()) {
            b"same-origin" => Some(ResourcePolicy::SameOrigin),
            b"same-site" => Some(ResourcePolicy::SameSite),
            b"cross-origin" => Some(ResourcePolicy::CrossOrigin),
            _ => None,
        }
    }

    /// The header value.
    ///
    /// ```
    /// assert_eq!(browser_cors::corp::ResourcePolicy::SameSite.as_str(), "same-site");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            ResourcePolicy::SameOrigin => "same-origin",
            ResourcePolicy::SameSite => "same-site",
            ResourcePolicy::CrossOrigin => "cross-origin",
        }
    }
}

/// Why a response was blocked by its resource policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum CorpBlock {
    /// `Cross-Origin-Resource-Policy: same-origin` from another origin.
    NotSameOrigin,
    /// `Cross-Origin-Resource-Policy: same-site` from another site.
    NotSameSite,
    /// No (valid) header, and the page's `require-corp` (or
    /// `credentialless` on a credentialed response) made it `same-origin`.
    NotSameOriginAfterDefaultedByCoep,
}

impl CorpBlock {
    /// What the rule was, in a few words.
    ///
    /// ```
    /// assert_eq!(browser_cors::corp::CorpBlock::NotSameSite.describe(), "same-site only, and the page is another site");
    /// ```
    pub fn describe(self) -> &'static str {
        match self {
            CorpBlock::NotSameOrigin => "same-origin only, and the page is another origin",
            CorpBlock::NotSameSite => "same-site only, and the page is another site",
            CorpBlock::NotSameOriginAfterDefaultedByCoep => {
                "no policy, made same-origin by the page's Cross-Origin-Embedder-Policy"
            }
        }
    }
}

/// Whether the request to `url` goes without credentials because of the
/// page's `credentialless` policy (a cross-origin `no-cors` request).
pub(crate) fn omits_credentials(policy: EmbedderPolicy, rules: &CorpRules) -> bool {
    policy == EmbedderPolicy::Credentialless && rules.credentialless == Credentialless::Supported
}

/// [Cross-origin resource policy check](https://fetch.spec.whatwg.org/#cross-origin-resource-policy-check)
/// of a response to `url` for a page at `origin` with `policy`, the request
/// having carried credentials or not. The check runs once with no embedder
/// policy and once with the page's.
///
/// ```
/// use browser_cors::{corp::{check, CorpBlock}, EmbedderPolicy, Profile};
/// let page = browser_cors::origin::parse_origin("https://app.test").unwrap();
/// let url = url::Url::parse("https://cdn.other.test/img").unwrap();
/// let mut h = http::HeaderMap::new();
/// let rules = Profile::chromium().corp;
/// assert_eq!(check(&page, &url, &h, EmbedderPolicy::UnsafeNone, false, &rules), Ok(()));
/// assert_eq!(check(&page, &url, &h, EmbedderPolicy::RequireCorp, false, &rules),
///            Err(CorpBlock::NotSameOriginAfterDefaultedByCoep));
/// h.insert("cross-origin-resource-policy", "same-site".parse().unwrap());
/// assert_eq!(check(&page, &url, &h, EmbedderPolicy::UnsafeNone, false, &rules), Err(CorpBlock::NotSameSite));
/// ```
pub fn check(
    origin: &Origin,
    url: &Url,
    headers: &HeaderMap,
    policy: EmbedderPolicy,
    includes_credentials: bool,
    rules: &CorpRules,
) -> Result<(), CorpBlock> {
    let header = ResourcePolicy::of(headers);
    internal_check(
        origin,
        url,
        header,
        EmbedderPolicy::UnsafeNone,
        includes_credentials,
        rules,
    )?;
    let policy = match (policy, rules.credentialless) {
        (EmbedderPolicy::Credentialless, Credentialless::Ignored) => EmbedderPolicy::UnsafeNone,
        (p, _) => p,
    };
    internal_check(origin, url, header, policy, includes_credentials, rules)
}

fn internal_check(
    origin: &Origin,
    url: &Url,
    header: Option<ResourcePolicy>,
    embedder: EmbedderPolicy,
    includes_credentials: bool,
    rules: &CorpRules,
) -> Result<(), CorpBlock> {
    let defaulted = header.is_none()
        && (embedder == EmbedderPolicy::RequireCorp
            || (embedder == EmbedderPolicy::Credentialless && includes_credentials));
    let policy = match header {
        Some(p) => p,
        None if defaulted => ResourcePolicy::SameOrigin,
        None => return Ok(()),
    };
    match policy {
        ResourcePolicy::CrossOrigin => Ok(()),
        ResourcePolicy::SameOrigin if url_is_same_origin(origin, url) => Ok(()),
        ResourcePolicy::SameOrigin if defaulted => {
            Err(CorpBlock::NotSameOriginAfterDefaultedByCoep)
        }
        ResourcePolicy::SameOrigin => Err(CorpBlock::NotSameOrigin),
        ResourcePolicy::SameSite => {
            // The engines compare sites with their scheme (an http page may
            // not load an https `same-site` resource), where the standard
            // allows an insecure initiator.
            let ip = is_ip_host(url)
                || matches!(
                    origin,
                    Origin::Tuple(_, url::Host::Ipv4(_) | url::Host::Ipv6(_), _)
                );
            let same = if ip && rules.same_site_ip == CorpSameSiteIp::NeverSameSite {
                false
            } else {
                url_same_site(origin, url, SiteScheme::Schemeful)
            };
            if same {
                Ok(())
            } else {
                Err(CorpBlock::NotSameSite)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Profile;
    use crate::origin::parse_origin;

    fn corp(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("cross-origin-resource-policy", value.parse().unwrap());
        h
    }

    #[test]
    fn chromium_never_calls_ip_hosts_same_site() {
        let page = parse_origin("http://127.0.0.1:8001").unwrap();
        let url = Url::parse("http://127.0.0.1:8002/r").unwrap();
        let h = corp("same-site");
        let none = EmbedderPolicy::UnsafeNone;
        assert_eq!(
            check(&page, &url, &h, none, false, &Profile::chromium().corp),
            Err(CorpBlock::NotSameSite)
        );
        assert_eq!(
            check(&page, &url, &h, none, false, &Profile::firefox().corp),
            Ok(())
        );
        assert_eq!(
            check(&page, &url, &h, none, false, &Profile::webkit().corp),
            Ok(())
        );
    }

    #[test]
    fn same_site_is_schemeful() {
        let page = parse_origin("http://app.test").unwrap();
        let url = Url::parse("https://app.test/r").unwrap();
        let rules = Profile::firefox().corp;
        assert_eq!(
            check(
                &page,
                &url,
                &corp("same-site"),
                EmbedderPolicy::UnsafeNone,
                false,
                &rules
            ),
            Err(CorpBlock::NotSameSite)
        );
        let sibling = Url::parse("http://api.app.test/r").unwrap();
        assert_eq!(
            check(
                &page,
                &sibling,
                &corp("same-site"),
                EmbedderPolicy::UnsafeNone,
                false,
                &rules
            ),
            Ok(())
        );
    }

    #[test]
    fn credentialless_needs_corp_only_with_credentials() {
        let page = parse_origin("https://app.test").unwrap();
        let url = Url::parse("https://cdn.test/r").unwrap();
        let empty = HeaderMap::new();
        let rules = Profile::chromium().corp;
        let cl = EmbedderPolicy::Credentialless;
        assert_eq!(check(&page, &url, &empty, cl, false, &rules), Ok(()));
        assert_eq!(
            check(&page, &url, &empty, cl, true, &rules),
            Err(CorpBlock::NotSameOriginAfterDefaultedByCoep)
        );
        // WebKit does not know credentialless.
        assert_eq!(
            check(&page, &url, &empty, cl, true, &Profile::webkit().corp),
            Ok(())
        );
    }

    #[test]
    fn invalid_values_are_ignored() {
        let page = parse_origin("https://app.test").unwrap();
        let url = Url::parse("https://cdn.test/r").unwrap();
        let rules = Profile::chromium().corp;
        for v in [
            "Same-Origin",
            "same-origin, cross-origin",
            "same-origin;x",
            "",
        ] {
            assert_eq!(
                check(
                    &page,
                    &url,
                    &corp(v),
                    EmbedderPolicy::UnsafeNone,
                    false,
                    &rules
                ),
                Ok(()),
                "{v}"
            );
        }
        let mut two = corp("same-origin");
        two.append(
            "cross-origin-resource-policy",
            "same-origin".parse().unwrap(),
        );
        assert_eq!(ResourcePolicy::of(&two), None);
    }
}
