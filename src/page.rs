//! The page that calls `fetch()`: the request's client, its
//! [environment settings object](https://html.spec.whatwg.org/multipage/webappapis.html#environment-settings-object)
//! — origin, policy container (COEP, `upgrade-insecure-requests`), secure
//! context, address space and permissions.

use std::collections::BTreeMap;

use bytes::Bytes;
use http::HeaderMap;
use url::{Origin, Url};

use crate::corp::EmbedderPolicy;
use crate::input::InputError;
use crate::local_network::{AddressSpace, LocalNetworkPermissions};
use crate::origin::parse_origin;

/// Whether the page asked for its `http:` requests to be upgraded
/// (`Content-Security-Policy: upgrade-insecure-requests`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum InsecureRequests {
    /// Sent as they are (mixed content rules apply).
    #[default]
    AsIs,
    /// Upgraded to `https:` before anything else.
    Upgrade,
}

/// The page a fetch starts from.
///
/// ```
/// use browser_cors::{AddressSpace, EmbedderPolicy, Page, PermissionState};
/// let page = Page::parse("https://app.example").unwrap()
///     .with_address_space(AddressSpace::Public)
///     .with_embedder_policy(EmbedderPolicy::RequireCorp)
///     .with_local_network_permission(PermissionState::Granted)
///     .with_target_address_space("https://nas.internal", AddressSpace::Local);
/// assert_eq!(page.address_space(), Some(AddressSpace::Public));
/// assert!(page.is_secure_context());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    pub(crate) origin: Origin,
    serialized: Bytes,
    pub(crate) embedder_policy: EmbedderPolicy,
    pub(crate) insecure_requests: InsecureRequests,
    /// `None` until known: a page on a name is wherever its server is.
    address_space: Option<AddressSpace>,
    pub(crate) permissions: LocalNetworkPermissions,
    /// Address spaces the caller gave, by origin (`http://10.0.0.2:8080`) or host.
    targets: BTreeMap<String, AddressSpace>,
    /// [`Page::top_site`], once needed.
    top_site: std::sync::OnceLock<String>,
}

/// [`Origin::ascii_serialization`] without the formatting machinery: it is
/// made once per fetch started with [`crate::Fetch::new`].
///
/// The string is made at its exact length, so that `Bytes::from` takes its
/// buffer as it is (a string with spare room costs `Bytes` a second
/// allocation).
fn serialize(origin: &Origin) -> String {
    match origin {
        Origin::Tuple(scheme, host, port) => {
            let ip;
            let (open, host, close) = match host {
                url::Host::Domain(d) => ("", d.as_str(), ""),
                url::Host::Ipv4(addr) => {
                    ip = addr.to_string();
                    ("", ip.as_str(), "")
                }
                url::Host::Ipv6(addr) => {
                    ip = addr.to_string();
                    ("[", ip.as_str(), "]")
                }
            };
            let default = match scheme.as_str() {
                "http" | "ws" => Some(80),
                "https" | "wss" => Some(443),
                "ftp" => Some(21),
                _ => None,
            };
            let port = (Some(*port) != default).then(|| port.to_string());
            let port_len = port.as_ref().map_or(0, |p| p.len() + 1);
            let len = scheme.len() + 3 + open.len() + host.len() + close.len() + port_len;
            let mut s = String::with_capacity(len);
            s.push_str(scheme);
            s.push_str("://");
            s.push_str(open);
            s.push_str(host);
            s.push_str(close);
            if let Some(port) = port {
                s.push(':');
                s.push_str(&port);
            }
            s
        }
        Origin::Opaque(_) => "null".to_owned(),
    }
}

/// A URL's origin as `Origin::ascii_serialization` writes it (the URL
/// parser already dropped a default port), without the formatter.
pub(crate) fn origin_of(url: &Url) -> String {
    let host = url.host_str().unwrap_or_default();
    let mut s = String::with_capacity(url.scheme().len() + 3 + host.len() + 6);
    s.push_str(url.scheme());
    s.push_str("://");
    s.push_str(host);
    if let Some(port) = url.port() {
        s.push(':');
        s.push_str(&port.to_string());
    }
    s
}

/// [`origin_of`] as a slice of the URL's own serialization, where it is one:
/// a URL with a host and no userinfo starts with its origin. `None`
/// otherwise (then [`origin_of`] builds it).
pub(crate) fn origin_prefix(url: &Url) -> Option<&str> {
    (url.has_host() && url.username().is_empty() && url.password().is_none())
        .then(|| &url[..url::Position::BeforePath])
}

/// [`origin_of`] without an allocation when the URL starts with it.
pub(crate) fn origin_cow(url: &Url) -> std::borrow::Cow<'_, str> {
    match origin_prefix(url) {
        Some(origin) => std::borrow::Cow::Borrowed(origin),
        None => std::borrow::Cow::Owned(origin_of(url)),
    }
}

impl Page {
    /// A page at `origin`, with no policies. Its address space comes from its
    /// host when that is an IP address or `localhost`; a page on any other
    /// name has none until [`Page::with_address_space`] gives it one (where
    /// a name resolves is a fact of the deployment the emulator cannot
    /// know), and Local Network Access is then not checked.
    ///
    /// ```
    /// use browser_cors::{AddressSpace, Page};
    /// let page = Page::new(&browser_cors::origin::parse_origin("http://localhost:3000").unwrap());
    /// assert_eq!(page.address_space(), Some(AddressSpace::Loopback));
    /// assert_eq!(Page::parse("https://app.example").unwrap().address_space(), None);
    /// ```
    pub fn new(origin: &Origin) -> Page {
        let address_space = match origin {
            Origin::Tuple(_, host, _) => AddressSpace::of_host(crate::origin::borrow_host(host)),
            Origin::Opaque(_) => None,
        };
        Page {
            origin: origin.clone(),
            serialized: Bytes::from(serialize(origin)),
            embedder_policy: EmbedderPolicy::UnsafeNone,
            insecure_requests: InsecureRequests::AsIs,
            address_space,
            permissions: LocalNetworkPermissions::default(),
            targets: BTreeMap::new(),
            top_site: std::sync::OnceLock::new(),
        }
    }

    /// [`Page::new`] from a serialized origin (`https://app.example`; a
    /// trailing `/` is accepted).
    ///
    /// ```
    /// assert_eq!(browser_cors::Page::parse("https://app.example/").unwrap().origin_str(), "https://app.example");
    /// assert!(browser_cors::Page::parse("app.example").is_err());
    /// ```
    pub fn parse(origin: &str) -> Result<Page, InputError> {
        let trimmed = origin.strip_suffix('/').unwrap_or(origin);
        Ok(Page::new(&parse_origin(trimmed)?))
    }

    /// The page's `Cross-Origin-Embedder-Policy`.
    pub fn with_embedder_policy(mut self, policy: EmbedderPolicy) -> Page {
        self.embedder_policy = policy;
        self
    }

    /// `Content-Security-Policy: upgrade-insecure-requests` or not.
    pub fn with_insecure_requests(mut self, rule: InsecureRequests) -> Page {
        self.insecure_requests = rule;
        self
    }

    /// The policies the page's own response headers set:
    /// `Cross-Origin-Embedder-Policy` (the report-only header enforces
    /// nothing) and a `Content-Security-Policy` with `upgrade-insecure-requests`.
    ///
    /// ```
    /// use browser_cors::{EmbedderPolicy, Page};
    /// let mut h = http::HeaderMap::new();
    /// h.insert("cross-origin-embedder-policy", "require-corp".parse().unwrap());
    /// let page = Page::parse("https://app.example").unwrap().with_document_headers(&h);
    /// assert_eq!(page.embedder_policy(), EmbedderPolicy::RequireCorp);
    /// ```
    pub fn with_document_headers(mut self, headers: &HeaderMap) -> Page {
        if let Some(v) = headers.get("cross-origin-embedder-policy") {
            self.embedder_policy = EmbedderPolicy::parse(v.as_bytes());
        }
        let upgrade = headers.get_all("content-security-policy").iter().any(|v| {
            v.as_bytes().split(|b| *b == b';' || *b == b',').any(|d| {
                let d = crate::headers::trim_tab_space(d);
                d.split(|b| *b == b' ')
                    .next()
                    .is_some_and(|name| name.eq_ignore_ascii_case(b"upgrade-insecure-requests"))
            })
        });
        if upgrade {
            self.insecure_requests = InsecureRequests::Upgrade;
        }
        self
    }

    /// The page's own address space (default: from an IP or `localhost`
    /// host, else none). A public page needs the user's permission to reach
    /// local and loopback targets.
    pub fn with_address_space(mut self, space: AddressSpace) -> Page {
        self.address_space = Some(space);
        self
    }

    /// The address space of a target, by origin (`http://10.0.0.2:8080`) or
    /// by host (`nas.internal`): what DNS would resolve it to. Targets not
    /// named get theirs from an IP address or `localhost` in the URL, and
    /// are public otherwise.
    pub fn with_target_address_space(mut self, target: &str, space: AddressSpace) -> Page {
        let key = Url::parse(target)
            .ok()
            .filter(|u| u.has_host())
            .map(|u| u.origin().ascii_serialization())
            .unwrap_or_else(|| target.to_ascii_lowercase());
        self.targets.insert(key, space);
        self
    }

    /// [`Page::with_target_address_space`] for an origin already serialized.
    pub(crate) fn with_target_origin(mut self, serialized: &str, space: AddressSpace) -> Page {
        self.targets.insert(serialized.to_owned(), space);
        self
    }

    /// The page's site with its scheme (`https://app.test`): the cookie
    /// partition key. Worked out once per page.
    pub(crate) fn top_site(&self) -> &str {
        self.top_site.get_or_init(|| match &self.origin {
            Origin::Tuple(scheme, host, _) => {
                let site = match host {
                    url::Host::Domain(d) => crate::origin::registrable_domain(d).to_owned(),
                    other => other.to_string(),
                };
                format!("{scheme}://{site}")
            }
            Origin::Opaque(_) => String::new(),
        })
    }

    /// Whether [`Page::with_target_address_space`] named this target.
    pub(crate) fn has_target_address_space(&self, target: &str) -> bool {
        self.targets.contains_key(target)
    }

    /// Both Local Network Access permissions (`local-network` and `loopback-network`).
    pub fn with_local_network_permission(mut self, state: crate::PermissionState) -> Page {
        self.permissions = LocalNetworkPermissions::both(state);
        self
    }

    /// The two Local Network Access permissions, separately.
    pub fn with_local_network_permissions(mut self, permissions: LocalNetworkPermissions) -> Page {
        self.permissions = permissions;
        self
    }

    /// The origin.
    pub fn origin(&self) -> &Origin {
        &self.origin
    }

    /// The origin's ASCII serialization (`https://app.example`, or `null`).
    pub fn origin_str(&self) -> &str {
        // An ASCII serialization is always UTF-8.
        std::str::from_utf8(&self.serialized).unwrap_or("null")
    }

    pub(crate) fn serialized(&self) -> &Bytes {
        &self.serialized
    }

    /// The page's address space, when known.
    pub fn address_space(&self) -> Option<AddressSpace> {
        self.address_space
    }

    /// The page's embedder policy.
    pub fn embedder_policy(&self) -> EmbedderPolicy {
        self.embedder_policy
    }

    /// Whether the page is a [secure context](https://w3c.github.io/webappsec-secure-contexts/):
    /// its origin is potentially trustworthy (`https`, loopback, `localhost`).
    pub fn is_secure_context(&self) -> bool {
        match &self.origin {
            Origin::Tuple(scheme, host, _) => {
                scheme == "https"
                    || scheme == "wss"
                    || match host {
                        url::Host::Ipv4(ip) => ip.is_loopback(),
                        url::Host::Ipv6(ip) => ip.is_loopback(),
                        url::Host::Domain(d) => d == "localhost" || d.ends_with(".localhost"),
                    }
            }
            Origin::Opaque(_) => false,
        }
    }

    /// The address space of a request's target.
    ///
    /// ```
    /// use browser_cors::{AddressSpace, Page};
    /// let page = Page::parse("https://app.example").unwrap()
    ///     .with_target_address_space("printer.lan", AddressSpace::Local);
    /// let u = |s: &str| url::Url::parse(s).unwrap();
    /// assert_eq!(page.target_address_space(&u("http://printer.lan/")), AddressSpace::Local);
    /// assert_eq!(page.target_address_space(&u("http://127.0.0.1:9/")), AddressSpace::Loopback);
    /// assert_eq!(page.target_address_space(&u("https://api.example/")), AddressSpace::Public);
    /// ```
    pub fn target_address_space(&self, url: &Url) -> AddressSpace {
        if !self.targets.is_empty() {
            if let Some(space) = self.targets.get(origin_cow(url).as_ref()) {
                return *space;
            }
            if let Some(space) = url.host_str().and_then(|h| self.targets.get(h)) {
                return *space;
            }
        }
        AddressSpace::of_url(url).unwrap_or(AddressSpace::Public)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_url_with_a_host_and_no_userinfo_starts_with_its_origin() {
        for u in [
            "https://app.test/a?b#c",
            "http://app.test:8080/",
            "http://app.test:80/x",
            "http://[::1]:9/",
            "http://10.0.0.1",
            "https://user:pw@app.test/",
            "https://user@app.test/",
            "https://:pw@app.test/",
            "data:text/plain,x",
            "file:///etc/hosts",
        ] {
            let url = Url::parse(u).unwrap();
            let built = origin_of(&url);
            if let Some(prefix) = origin_prefix(&url) {
                assert_eq!(prefix, built, "{u}");
            }
            assert_eq!(origin_cow(&url), built, "{u}");
        }
        assert!(origin_prefix(&Url::parse("https://u:p@app.test/").unwrap()).is_none());
        assert_eq!(
            origin_prefix(&Url::parse("https://app.test:443/x").unwrap()),
            Some("https://app.test")
        );
    }

    #[test]
    fn serialization_is_the_url_crates() {
        for o in [
            "https://app.test",
            "http://127.0.0.1:8001",
            "http://[::1]:9",
            "http://[::1]",
            "http://10.0.0.1",
            "https://xn--bcher-kva.test:8443",
            "https://app.test:443",
            "http://app.test:443",
            "ws://x.test:80",
            "null",
        ] {
            let origin = parse_origin(o).unwrap_or_else(|_| url::Origin::new_opaque());
            let s = serialize(&origin);
            assert_eq!(s, origin.ascii_serialization(), "{o}");
            assert_eq!(s.len(), s.capacity(), "{o}: made at its exact length");
        }
    }

    #[test]
    fn document_headers_set_the_policies() {
        let mut h = HeaderMap::new();
        h.insert(
            "content-security-policy",
            "default-src 'self'; Upgrade-Insecure-Requests"
                .parse()
                .unwrap(),
        );
        h.insert(
            "cross-origin-embedder-policy",
            "credentialless".parse().unwrap(),
        );
        h.insert(
            "cross-origin-embedder-policy-report-only",
            "require-corp".parse().unwrap(),
        );
        let page = Page::parse("https://app.test")
            .unwrap()
            .with_document_headers(&h);
        assert_eq!(page.insecure_requests, InsecureRequests::Upgrade);
        assert_eq!(page.embedder_policy(), EmbedderPolicy::Credentialless);
    }

    #[test]
    fn secure_contexts() {
        for (o, secure) in [
            ("https://a.test", true),
            ("http://localhost:1", true),
            ("http://127.0.0.1", true),
            ("http://a.test", false),
            ("http://10.0.0.1", false),
        ] {
            assert_eq!(Page::parse(o).unwrap().is_secure_context(), secure, "{o}");
        }
    }
}
