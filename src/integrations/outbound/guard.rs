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
    let first = v6.segments()[0];
    !(v6.is_unspecified()
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
        ] {
            assert!(!is_public(private.parse().unwrap()), "{private}");
        }
        for public in ["93.184.216.34", "1.1.1.1", "2606:4700::1111"] {
            assert!(is_public(public.parse().unwrap()), "{public}");
        }
        let refused = |url: &str| refuse_url(&reqwest::Url::parse(url).unwrap());
        assert!(refused("http://127.0.0.1:8080/hook").is_some());
        assert!(refused("http://[::1]/hook").is_some());
        assert!(refused("http://LOCALHOST./hook").is_some());
        assert!(refused("https://hooks.example.com/x").is_none());
    }
}
