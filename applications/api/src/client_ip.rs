//! The client address used for throttling: the TCP peer, or — behind trusted proxies — the
//! rightmost `X-Forwarded-For` hop that is not a trusted proxy.
//!
//! Why rightmost: each proxy appends the address it received the request from, so hops to the
//! right of the first untrusted one were written by our proxies and hops to its left by whoever
//! sent the request. Taking the leftmost would let a client pick any address it likes.

use std::net::IpAddr;

use actix_web::HttpRequest;
use ipnet::IpNet;

/// Which peers may tell us the client's address.
#[derive(Debug, Clone, Default)]
pub struct ProxyTrust {
    trusted: Vec<IpNet>,
}

impl ProxyTrust {
    /// From `server.behind_proxy` and `server.trusted_proxies` (validated at start; entries
    /// that do not parse are ignored). Not behind a proxy: the header is never read.
    pub fn new(behind_proxy: bool, trusted_proxies: &[String]) -> Self {
        let trusted = if behind_proxy {
            trusted_proxies.iter().filter_map(|c| cercat_config::parse_cidr(c)).collect()
        } else {
            Vec::new()
        };
        Self { trusted }
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.trusted.iter().any(|net| net.contains(&ip))
    }

    /// The client address of `req`.
    pub fn client_ip(&self, req: &HttpRequest) -> String {
        let Some(peer) = req.peer_addr().map(|a| a.ip()) else {
            return "unknown".to_owned();
        };
        let forwarded = req.headers().get_all("x-forwarded-for").filter_map(|v| v.to_str().ok());
        self.resolve(peer, forwarded).to_string()
    }

    /// The client address given the TCP peer and the `X-Forwarded-For` header lines in order.
    pub fn resolve<'a>(&self, peer: IpAddr, forwarded: impl Iterator<Item = &'a str>) -> IpAddr {
        let peer = canonical(peer);
        if !self.trusts(peer) {
            return peer;
        }
        let hops: Vec<&str> = forwarded.flat_map(|line| line.split(',')).map(str::trim).collect();
        let mut client = peer;
        for hop in hops.iter().rev() {
            // A hop our proxy wrote is an address; anything else was sent by the client, and the
            // last trusted hop is the best answer then.
            let Some(ip) = parse_hop(hop) else { return client };
            client = ip;
            if !self.trusts(ip) {
                return ip;
            }
        }
        client
    }
}

/// `1.2.3.4`, `1.2.3.4:5678`, `[::1]:80` or `::1`.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    if let Ok(ip) = hop.parse::<IpAddr>() {
        return Some(canonical(ip));
    }
    hop.parse::<std::net::SocketAddr>().ok().map(|a| canonical(a.ip()))
}

/// IPv4-mapped IPv6 (`::ffff:1.2.3.4`) as the IPv4 address it is.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}
