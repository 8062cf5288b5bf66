//! Requests to addresses the public gave (a status page subscriber's webhook) must not reach
//! the server's own network: loopback, private, link-local and other non-global addresses
//! are refused, both as written in the URL and as a name resolves, and redirects are not
//! followed.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// Whether an address is reachable on the public internet (what `IpAddr::is_global`, still
/// unstable, says), as far as a webhook needs to know.
pub fn is_public(address: IpAddr) -> bool {
    match address {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => is_public_v4(v4),
            None => is_public_v6(v6),
        },
    }
}

fn is_public_v4(v4: Ipv4Addr) -> bool {
    let [a, b, ..] = v4.octets();
    !(v4.is_unspecified()
        || v4.is_loopback()
        || v4.is_private()
        || v4.is_link_local()
        || v4.is_broadcast()
        || v4.is_documentation()
        || v4.is_multicast()
        || a == 0
        // Shared address space (carrier-grade NAT), 100.64.0.0/10.
        || (a == 100 && (64..128).contains(&b))
        // Benchmarking, 198.18.0.0/15, and reserved, 240.0.0.0/4.
        || (a == 198 && (18..20).contains(&b))
        || a >= 240)
}

fn is_public_v6(v6: Ipv6Addr) -> bool {
    let segments = v6.segments();
    let first = segments[0];
    let last_v4 = || {
        let [.., a, b, c, d] = v6.octets();
        Ipv4Addr::new(a, b, c, d)
    };
    // Forms that carry an IPv4 address, judged by it: NAT64's well-known prefix
    // (64:ff9b::/96) and 6to4 (2002::/16, the address in its next 32 bits).
    if segments[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        return is_public_v4(last_v4());
    }
    if first == 0x2002 {
        let [_, _, a, b, c, d, ..] = v6.octets();
        return is_public_v4(Ipv4Addr::new(a, b, c, d));
    }
    !(v6.is_unspecified()
        // IPv4-compatible (::a.b.c.d, deprecated), which some stacks still reach as IPv4.
        || segments[..6] == [0; 6]
        // NAT64 for local use, 64:ff9b:1::/48, and Teredo, 2001::/32, whose IPv4 address
        // is hidden.
        || (first == 0x64 && segments[1] == 0xff9b && segments[2] == 1)
        || (first == 0x2001 && segments[1] == 0)
        || v6.is_loopback()
        || v6.is_multicast()
        // Unique local, fc00::/7, and link-local, fe80::/10.
        || (first & 0xfe00) == 0xfc00
        || (first & 0xffc0) == 0xfe80
        // Documentation, 2001:db8::/32.
        || (first == 0x2001 && v6.segments()[1] == 0x0db8))
}

/// Why a URL may not be called, judged from its text; names are judged when they resolve.
pub fn refuse_url(url: &reqwest::Url) -> Option<String> {
    match url.host() {
        None => Some("the address has no host".into()),
        Some(url::Host::Domain(name)) => {
            let name = name.trim_end_matches('.').to_ascii_lowercase();
            (name == "localhost" || name.ends_with(".localhost"))
                .then(|| format!("\"{name}\" is this machine"))
        }
        Some(url::Host::Ipv4(v4)) => {
            (!is_public(IpAddr::V4(v4))).then(|| format!("{v4} is not a public address"))
        }
        Some(url::Host::Ipv6(v6)) => {
            (!is_public(IpAddr::V6(v6))).then(|| format!("{v6} is not a public address"))
        }
    }
}

/// Resolves names as the system does and keeps only public addresses.
#[derive(Debug, Default)]
struct PublicOnly;

impl Resolve for PublicOnly {
    fn resolve(&self, name: Name) -> Resolving {
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let found = tokio::net::lookup_host((host.as_str(), 0)).await?;
            let public: Vec<SocketAddr> = found.filter(|a| is_public(a.ip())).collect();
            if public.is_empty() {
                return Err(format!("{host} has no public address").into());
            }
            let addrs: Addrs = Box::new(public.into_iter());
            Ok(addrs)
        })
    }
}

/// A client for addresses the public gave.
pub fn public_client() -> reqwest::Result<reqwest::Client> {
    reqwest::Client::builder()
        .user_agent(concat!("Firewatch/", env!("CARGO_PKG_VERSION")))
        .dns_resolver(Arc::new(PublicOnly))
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_public_addresses_pass() {
        for private in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "::127.0.0.1",
            "::10.0.0.1",
            "64:ff9b::127.0.0.1",
            "64:ff9b::a9fe:a9fe",
            "64:ff9b:1::1",
            "2002:7f00:1::1",
            "2002:c0a8:101::1",
            "2001:0:4136:e378:8000:63bf:3fff:fdd2",
        ] {
            assert!(!is_public(private.parse().unwrap()), "{private}");
        }
        for public in [
            "93.184.216.34",
            "1.1.1.1",
            "2606:4700::1111",
            "64:ff9b::5db8:d822",
            "2002:5db8:d822::1",
        ] {
            assert!(is_public(public.parse().unwrap()), "{public}");
        }
        let refused = |url: &str| refuse_url(&reqwest::Url::parse(url).unwrap());
        assert!(refused("http://127.0.0.1:8080/hook").is_some());
        assert!(refused("http://[::1]/hook").is_some());
        assert!(refused("http://[::127.0.0.1]/hook").is_some());
        assert!(refused("http://[64:ff9b::7f00:1]/hook").is_some());
        assert!(refused("http://[2002:7f00:1::]/hook").is_some());
        assert!(refused("http://LOCALHOST./hook").is_some());
        assert!(refused("https://hooks.example.com/x").is_none());
    }
}
