//! The person's address, for the rate limits and the sign-in guard.
//!
//! `X-Forwarded-For` is believed only when the connection comes from a proxy
//! named in configuration (`--trusted-proxy`, `GRASSROOTS_TRUSTED_PROXIES`).
//! Anyone can send the header, so believing it from any local address would
//! let a neighbour on the estate's Wi-Fi pick a new address for every post.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::HeaderMap;
use axum::http::request::Parts;

use super::AppState;

/// One proxy's address, or a block of them: `10.0.0.5`, `10.0.0.0/24`,
/// `fd00::/8`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProxyNet {
    address: IpAddr,
    prefix: u8,
}

impl ProxyNet {
    pub fn parse(text: &str) -> Result<ProxyNet, String> {
        let text = text.trim();
        let (address, prefix) = match text.split_once('/') {
            Some((address, prefix)) => (address, Some(prefix)),
            None => (text, None),
        };
        let address: IpAddr = address
            .trim()
            .parse()
            .map_err(|_| format!("'{text}' is not an IP address or a block such as 10.0.0.0/24"))?;
        let address = address.to_canonical();
        let bits = if address.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => bits,
            Some(p) => p
                .trim()
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= bits)
                .ok_or_else(|| format!("'{text}': the block size is 0 to {bits}"))?,
        };
        Ok(ProxyNet { address, prefix })
    }

    fn contains(&self, ip: IpAddr) -> bool {
        // Both sides as 128-bit numbers: an IPv4 address in the low 32 bits.
        let (net, ip, width) = match (self.address, ip.to_canonical()) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                (u128::from(u32::from(net)), u128::from(u32::from(ip)), 32)
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => (u128::from(net), u128::from(ip), 128),
            _ => return false,
        };
        let host_bits = width - u32::from(self.prefix);
        let mask = u128::MAX.checked_shl(host_bits).unwrap_or(0);
        net & mask == ip & mask
    }
}

/// The proxies whose `X-Forwarded-For` is believed: none unless named.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(pub Vec<ProxyNet>);

impl TrustedProxies {
    pub fn trust(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        self.0.iter().any(|net| net.contains(ip))
    }

    /// The person's address: the connection's; or, when the connection
    /// comes from a trusted proxy, the nearest address in
    /// `X-Forwarded-For` that is not itself a trusted proxy.
    pub fn client_address(&self, peer: Option<IpAddr>, headers: &HeaderMap) -> String {
        let Some(peer) = peer.map(|p| p.to_canonical()) else {
            return "unknown".to_string();
        };
        if !self.trust(peer) {
            return peer.to_string();
        }
        let mut nearest = peer;
        let hops = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .collect::<Vec<_>>();
        for hop in hops.into_iter().rev() {
            let Ok(ip) = hop.trim().parse::<IpAddr>() else {
                // What the proxy could not vouch for is not believed further.
                break;
            };
            nearest = ip.to_canonical();
            if !self.trust(nearest) {
                break;
            }
        }
        nearest.to_string()
    }
}

/// Whoever sent this request, as the limits and the sign-in guard count
/// them: their address, as the trusted proxies say; an IPv6 address by its
/// /64, since one home or phone is given a whole /64 to pick from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientAddress(pub String);

impl ClientAddress {
    pub fn of(parts: &Parts, state: &AppState) -> ClientAddress {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip());
        let proxies = &state.config.trusted_proxies;
        if peer.is_some_and(|p| !proxies.trust(p) && on_this_network(p))
            && parts.headers.contains_key("x-forwarded-for")
        {
            warn_once_about_untrusted_proxy();
        }
        ClientAddress(counted_as(&proxies.client_address(peer, &parts.headers)))
    }
}

/// This machine or the local network (where a proxy or Prometheus runs).
pub fn on_this_network(ip: IpAddr) -> bool {
    match ip.to_canonical() {
        IpAddr::V4(ip) => ip.is_loopback() || ip.is_private(),
        IpAddr::V6(ip) => ip.is_loopback() || ip.is_unique_local(),
    }
}

/// A proxy on this machine or network that nobody named makes every person
/// one address: say so once, in the log, for whoever runs the site.
fn warn_once_about_untrusted_proxy() {
    static WARNED: std::sync::Once = std::sync::Once::new();
    WARNED.call_once(|| {
        tracing::warn!(
            "X-Forwarded-For came from a local proxy that is not named with --trusted-proxy \
             (GRASSROOTS_TRUSTED_PROXIES): everyone behind it counts as one address for the \
             rate limits and the sign-in guard"
        );
    });
}

/// How an address is counted: IPv4 whole, IPv6 by its /64.
fn counted_as(address: &str) -> String {
    match address.parse::<IpAddr>() {
        Ok(IpAddr::V6(ip)) => {
            let net = std::net::Ipv6Addr::from(u128::from(ip) & (u128::MAX << 64));
            format!("{net}/64")
        }
        _ => address.to_string(),
    }
}

impl FromRequestParts<AppState> for ClientAddress {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(ClientAddress::of(parts, state))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn forwarded(value: &'static str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", HeaderValue::from_static(value));
        headers
    }

    fn ip(text: &str) -> Option<IpAddr> {
        Some(text.parse().expect("ip"))
    }

    fn trusting(nets: &[&str]) -> TrustedProxies {
        TrustedProxies(
            nets.iter()
                .map(|n| ProxyNet::parse(n).expect("net"))
                .collect(),
        )
    }

    #[test]
    fn with_no_proxy_named_the_header_is_never_believed() {
        let none = TrustedProxies::default();
        let headers = forwarded("203.0.113.9");
        for peer in ["127.0.0.1", "10.0.0.5", "192.168.1.20", "::1", "fd00::1"] {
            assert_eq!(
                none.client_address(ip(peer), &headers),
                ip(peer).expect("ip").to_string(),
                "{peer} cannot choose its address"
            );
        }
        assert_eq!(none.client_address(None, &headers), "unknown");
    }

    #[test]
    fn behind_a_named_proxy_the_nearest_untrusted_hop_is_the_person() {
        let proxies = trusting(&["10.0.0.5", "172.16.0.0/12"]);
        let headers = forwarded("198.51.100.1, 203.0.113.9, 172.16.4.4");
        assert_eq!(
            proxies.client_address(ip("10.0.0.5"), &headers),
            "203.0.113.9",
            "the person's own first entry is theirs to invent, so it is skipped"
        );
        assert_eq!(
            proxies.client_address(ip("10.0.0.6"), &headers),
            "10.0.0.6",
            "a proxy not named is a client like any other"
        );
        assert_eq!(
            proxies.client_address(ip("10.0.0.5"), &HeaderMap::new()),
            "10.0.0.5"
        );
        assert_eq!(
            proxies.client_address(ip("10.0.0.5"), &forwarded("nonsense, 203.0.113.9")),
            "203.0.113.9"
        );
        assert_eq!(
            proxies.client_address(ip("10.0.0.5"), &forwarded("203.0.113.9, nonsense")),
            "10.0.0.5",
            "garbage from the proxy ends the walk"
        );
        assert_eq!(
            proxies.client_address(ip("::ffff:10.0.0.5"), &forwarded("203.0.113.9")),
            "203.0.113.9",
            "an IPv4 proxy seen through an IPv6 socket"
        );
    }

    #[test]
    fn an_ipv6_address_counts_by_its_64() {
        assert_eq!(counted_as("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::/64");
        assert_eq!(
            counted_as("2001:db8:1:2:bbbb::9"),
            counted_as("2001:db8:1:2:aaaa::1"),
            "one home picks any address in its /64"
        );
        assert_ne!(counted_as("2001:db8:1:3::1"), counted_as("2001:db8:1:2::1"));
        assert_eq!(counted_as("203.0.113.9"), "203.0.113.9");
        assert_eq!(counted_as("unknown"), "unknown");
    }

    #[test]
    fn blocks_are_read_and_matched_bit_by_bit() {
        let net = ProxyNet::parse("10.1.2.0/23").expect("net");
        assert!(net.contains("10.1.3.255".parse().expect("ip")));
        assert!(!net.contains("10.1.4.0".parse().expect("ip")));
        assert!(
            ProxyNet::parse("0.0.0.0/0")
                .expect("net")
                .contains("8.8.8.8".parse().expect("ip"))
        );
        let v6 = ProxyNet::parse("fd00::/8").expect("net");
        assert!(v6.contains("fdab::1".parse().expect("ip")));
        assert!(!v6.contains("fe80::1".parse().expect("ip")));
        assert!(!v6.contains("10.0.0.1".parse().expect("ip")));
        for wrong in ["", "proxy", "10.0.0.0/33", "fd00::/129", "10.0.0.1/x"] {
            assert!(ProxyNet::parse(wrong).is_err(), "{wrong}");
        }
    }
}
