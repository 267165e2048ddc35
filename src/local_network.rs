//! Local Network Access: address spaces and the permission a public page
//! needs to reach a more private one.
//! [WICG Local Network Access](https://wicg.github.io/local-network-access/)
//!
//! Which engine checks at all, whether an insecure page may ask, and what an
//! unanswered prompt does are facts of the [`crate::profile::LocalNetworkRules`].

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use url::{Host, Url};

use crate::profile::{InsecurePages, LocalNetworkEnforcement, LocalNetworkRules, UnansweredPrompt};

/// An [IP address space](https://wicg.github.io/local-network-access/#ip-address-space):
/// where an endpoint sits, from most to least private.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum AddressSpace {
    /// The machine itself: `127.0.0.0/8`, `::1`, `localhost`.
    Loopback,
    /// A private network: `10/8`, `172.16/12`, `192.168/16`, link-local, `fc00::/7`.
    Local,
    /// Everything else.
    Public,
}

impl AddressSpace {
    /// The name the engines print (`loopback`, `local`, `public`).
    ///
    /// ```
    /// assert_eq!(browser_cors::AddressSpace::Local.as_str(), "local");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            AddressSpace::Loopback => "loopback",
            AddressSpace::Local => "local",
            AddressSpace::Public => "public",
        }
    }

    /// The address space of an IP address.
    ///
    /// ```
    /// use browser_cors::AddressSpace;
    /// assert_eq!(AddressSpace::of_ip("127.0.0.1".parse().unwrap()), AddressSpace::Loopback);
    /// assert_eq!(AddressSpace::of_ip("192.168.1.10".parse().unwrap()), AddressSpace::Local);
    /// assert_eq!(AddressSpace::of_ip("93.184.216.34".parse().unwrap()), AddressSpace::Public);
    /// ```
    pub fn of_ip(ip: IpAddr) -> AddressSpace {
        match ip {
            IpAddr::V4(v4) => of_v4(v4),
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => of_v4(v4),
                None => of_v6(v6),
            },
        }
    }

    /// The address space a URL's host names by itself: an IP address, or a
    /// `localhost` name. `None` for other names: their space is known only
    /// once resolved (the caller says it, see [`crate::Page::with_target_address_space`]).
    ///
    /// ```
    /// use browser_cors::AddressSpace;
    /// let u = |s: &str| url::Url::parse(s).unwrap();
    /// assert_eq!(AddressSpace::of_url(&u("http://localhost:3000/")), Some(AddressSpace::Loopback));
    /// assert_eq!(AddressSpace::of_url(&u("http://10.0.0.2/")), Some(AddressSpace::Local));
    /// assert_eq!(AddressSpace::of_url(&u("https://api.example/")), None);
    /// ```
    pub fn of_url(url: &Url) -> Option<AddressSpace> {
        AddressSpace::of_host(url.host()?)
    }

    /// [`AddressSpace::of_url`] for a host.
    pub(crate) fn of_host<S: AsRef<str>>(host: Host<S>) -> Option<AddressSpace> {
        match host {
            Host::Ipv4(ip) => Some(AddressSpace::of_ip(IpAddr::V4(ip))),
            Host::Ipv6(ip) => Some(AddressSpace::of_ip(IpAddr::V6(ip))),
            Host::Domain(d) => {
                let d = d.as_ref();
                (d == "localhost" || d.ends_with(".localhost")).then_some(AddressSpace::Loopback)
            }
        }
    }
}

fn of_v4(ip: Ipv4Addr) -> AddressSpace {
    let [a, b, ..] = ip.octets();
    if ip.is_loopback() || ip.is_unspecified() {
        // Chromium treats 0.0.0.0 as loopback since it reaches the machine itself.
        AddressSpace::Loopback
    } else if ip.is_private() || ip.is_link_local() || (a == 100 && (64..128).contains(&b)) {
        AddressSpace::Local
    } else {
        AddressSpace::Public
    }
}

fn of_v6(ip: Ipv6Addr) -> AddressSpace {
    let first = ip.segments().first().copied().unwrap_or(0);
    if ip.is_loopback() || ip.is_unspecified() {
        AddressSpace::Loopback
    } else if (first & 0xfe00) == 0xfc00 || (first & 0xffc0) == 0xfe80 {
        AddressSpace::Local
    } else {
        AddressSpace::Public
    }
}

/// The state of a permission the page holds.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum PermissionState {
    /// Never asked: the browser prompts (what headless does with the prompt
    /// is a profile fact).
    #[default]
    Prompt,
    /// The user allowed it.
    Granted,
    /// The user refused it.
    Denied,
}

/// The Local Network Access permissions of a page: `local-network` (targets
/// in [`AddressSpace::Local`]) and `loopback-network` (targets in
/// [`AddressSpace::Loopback`]), split since Chromium 145.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct LocalNetworkPermissions {
    /// `local-network`.
    pub local: PermissionState,
    /// `loopback-network`.
    pub loopback: PermissionState,
}

impl LocalNetworkPermissions {
    /// Both permissions in one state (the older single
    /// `local-network-access` permission).
    ///
    /// ```
    /// use browser_cors::{LocalNetworkPermissions, PermissionState};
    /// assert_eq!(LocalNetworkPermissions::both(PermissionState::Granted).local, PermissionState::Granted);
    /// ```
    pub fn both(state: PermissionState) -> LocalNetworkPermissions {
        LocalNetworkPermissions {
            local: state,
            loopback: state,
        }
    }

    fn for_target(&self, target: AddressSpace) -> PermissionState {
        match target {
            AddressSpace::Loopback => self.loopback,
            AddressSpace::Local | AddressSpace::Public => self.local,
        }
    }
}

/// Why a request to a more private address space was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum LocalNetworkBlock {
    /// The permission is denied (or the engine denies an unanswered prompt).
    Denied,
    /// The page is not a secure context, so it may not ask at all.
    InsecureContext,
    /// The engine shows a prompt and waits: `fetch()` never settles until
    /// someone answers it.
    AwaitingPermission,
}

impl LocalNetworkBlock {
    /// Why, in a few words.
    ///
    /// ```
    /// assert_eq!(browser_cors::local_network::LocalNetworkBlock::Denied.describe(), "the permission is denied");
    /// ```
    pub fn describe(self) -> &'static str {
        match self {
            LocalNetworkBlock::Denied => "the permission is denied",
            LocalNetworkBlock::InsecureContext => "the page is not a secure context",
            LocalNetworkBlock::AwaitingPermission => {
                "waiting for an answer to the permission prompt"
            }
        }
    }
}

/// [Local network access check](https://wicg.github.io/local-network-access/#private-network-access-check)
/// for one hop: a page in `page_space` (a secure context or not) reaching a
/// target in `target_space`.
///
/// Only a public page reaching a local or loopback target is checked: both
/// recorded engines let a local page reach loopback without asking.
///
/// ```
/// use browser_cors::{AddressSpace, LocalNetworkPermissions, PermissionState, Profile};
/// use browser_cors::local_network::{check, LocalNetworkBlock};
/// let granted = LocalNetworkPermissions::both(PermissionState::Granted);
/// let rules = Profile::chromium().local_network;
/// assert_eq!(check(AddressSpace::Public, true, AddressSpace::Loopback, &granted, &rules), Ok(()));
/// let unasked = LocalNetworkPermissions::default();
/// assert_eq!(check(AddressSpace::Public, true, AddressSpace::Loopback, &unasked, &rules),
///            Err(LocalNetworkBlock::Denied));
/// ```
pub fn check(
    page_space: AddressSpace,
    page_is_secure_context: bool,
    target_space: AddressSpace,
    permissions: &LocalNetworkPermissions,
    rules: &LocalNetworkRules,
) -> Result<(), LocalNetworkBlock> {
    if rules.enforcement == LocalNetworkEnforcement::Off
        || page_space != AddressSpace::Public
        || target_space == AddressSpace::Public
    {
        return Ok(());
    }
    if !page_is_secure_context && rules.insecure_pages == InsecurePages::Blocked {
        return Err(LocalNetworkBlock::InsecureContext);
    }
    match permissions.for_target(target_space) {
        PermissionState::Granted => Ok(()),
        PermissionState::Denied => Err(LocalNetworkBlock::Denied),
        PermissionState::Prompt => match rules.unanswered_prompt {
            UnansweredPrompt::Denied => Err(LocalNetworkBlock::Denied),
            UnansweredPrompt::Waits => Err(LocalNetworkBlock::AwaitingPermission),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Profile;

    #[test]
    fn private_ranges_are_local() {
        for ip in [
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.0.1",
            "169.254.1.1",
            "100.64.0.1",
            "fd00::1",
            "fe80::1",
        ] {
            assert_eq!(
                AddressSpace::of_ip(ip.parse().unwrap()),
                AddressSpace::Local,
                "{ip}"
            );
        }
        for ip in ["172.32.0.1", "8.8.8.8", "100.128.0.1", "2001:db8::1"] {
            assert_eq!(
                AddressSpace::of_ip(ip.parse().unwrap()),
                AddressSpace::Public,
                "{ip}"
            );
        }
        for ip in [
            "127.0.0.1",
            "127.9.9.9",
            "::1",
            "0.0.0.0",
            "::ffff:127.0.0.1",
        ] {
            assert_eq!(
                AddressSpace::of_ip(ip.parse().unwrap()),
                AddressSpace::Loopback,
                "{ip}"
            );
        }
    }

    #[test]
    fn only_public_pages_reaching_inward_are_checked() {
        let rules = Profile::chromium().local_network;
        let none = LocalNetworkPermissions::default();
        use AddressSpace::*;
        assert_eq!(check(Local, true, Loopback, &none, &rules), Ok(()));
        assert_eq!(check(Loopback, true, Local, &none, &rules), Ok(()));
        assert_eq!(check(Public, true, Public, &none, &rules), Ok(()));
        assert_eq!(
            check(Public, true, Local, &none, &rules),
            Err(LocalNetworkBlock::Denied)
        );
    }

    #[test]
    fn engines_differ_on_prompts_and_insecure_pages() {
        use AddressSpace::*;
        let none = LocalNetworkPermissions::default();
        let granted = LocalNetworkPermissions::both(PermissionState::Granted);
        let chromium = Profile::chromium().local_network;
        let firefox = Profile::firefox().local_network;
        let webkit = Profile::webkit().local_network;
        assert_eq!(
            check(Public, false, Loopback, &granted, &chromium),
            Err(LocalNetworkBlock::InsecureContext)
        );
        assert_eq!(check(Public, false, Loopback, &granted, &firefox), Ok(()));
        assert_eq!(
            check(Public, true, Loopback, &none, &firefox),
            Err(LocalNetworkBlock::AwaitingPermission)
        );
        assert_eq!(check(Public, true, Loopback, &none, &webkit), Ok(()));
        let split = LocalNetworkPermissions {
            local: PermissionState::Granted,
            loopback: PermissionState::Denied,
        };
        assert_eq!(check(Public, true, Local, &split, &chromium), Ok(()));
        assert_eq!(
            check(Public, true, Loopback, &split, &chromium),
            Err(LocalNetworkBlock::Denied)
        );
    }
}
