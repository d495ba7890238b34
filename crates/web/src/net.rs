//! Who is asking, as far as the network tells: the client's address (from a trusted proxy's
//! `X-Forwarded-For` only when the deployment names that proxy), and the key that connection and
//! rate limits count by (an IPv6 client by its /64, which one subscriber usually holds whole).

use axum::http::HeaderMap;
use std::net::{IpAddr, Ipv6Addr};

/// The client's address, put on every request by the server loop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientIp(pub IpAddr);

/// The client address the server loop put on a request (unspecified when there is none, as in
/// tests that call the router directly).
pub fn client_of(ext: &axum::http::Extensions) -> IpAddr {
    ext.get::<ClientIp>()
        .map_or(IpAddr::from([0, 0, 0, 0]), |c| c.0)
}

/// An address or a network (`10.0.0.1`, `10.0.0.0/8`, `::1`, `fd00::/8`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Net {
    addr: IpAddr,
    prefix: u8,
}

impl Net {
    pub fn parse(s: &str) -> Option<Net> {
        let (a, p) = match s.trim().split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s.trim(), None),
        };
        let addr: IpAddr = a.parse().ok()?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match p {
            Some(p) => p.parse::<u8>().ok().filter(|&p| p <= max)?,
            None => max,
        };
        Some(Net { addr, prefix })
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, canonical(ip)) {
            (IpAddr::V4(n), IpAddr::V4(a)) => {
                masked(u32::from(n).into(), self.prefix, 32)
                    == masked(u32::from(a).into(), self.prefix, 32)
            }
            (IpAddr::V6(n), IpAddr::V6(a)) => {
                masked(u128::from(n), self.prefix, 128) == masked(u128::from(a), self.prefix, 128)
            }
            _ => false,
        }
    }
}

fn masked(v: u128, prefix: u8, bits: u8) -> u128 {
    if prefix == 0 { 0 } else { v >> (bits - prefix) }
}

/// An IPv4-mapped IPv6 address (`::ffff:1.2.3.4`) as the IPv4 address it is.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// The client of a request from `peer`: when `peer` is a trusted proxy, the right-most address
/// in `X-Forwarded-For` that is not itself a trusted proxy (what the proxy saw), else `peer`.
/// A client cannot choose its address by sending the header itself: it is read only from
/// proxies the deployment named, from the right, and an entry that cannot be read stops the
/// walk with an unknown address (`0.0.0.0`) rather than skipping to what the client wrote.
pub fn client_ip(peer: IpAddr, headers: &HeaderMap, trusted: &[Net]) -> IpAddr {
    let peer = canonical(peer);
    let is_trusted = |a: IpAddr| trusted.iter().any(|n| n.contains(a));
    if !is_trusted(peer) {
        return peer;
    }
    let unknown = IpAddr::from([0, 0, 0, 0]);
    let mut entries: Vec<Option<IpAddr>> = Vec::new();
    // Entries are split on the raw bytes: a bad byte a client put in its own entry must not
    // hide the entry the proxy appended to the same line.
    for line in headers.get_all("x-forwarded-for") {
        entries.extend(line.as_bytes().split(|b| *b == b',').map(|e| {
            std::str::from_utf8(e)
                .ok()
                .and_then(|e| parse_hop(e.trim()))
        }));
    }
    for hop in entries.into_iter().rev() {
        match hop {
            Some(a) if is_trusted(a) => continue,
            Some(a) => return a,
            None => return unknown,
        }
    }
    peer
}

/// One `X-Forwarded-For` entry: an address, or an address with a port (`1.2.3.4:5678`,
/// `[2001:db8::1]:443`).
fn parse_hop(e: &str) -> Option<IpAddr> {
    e.parse::<IpAddr>()
        .ok()
        .or_else(|| e.parse::<std::net::SocketAddr>().ok().map(|s| s.ip()))
        .map(canonical)
}

/// What limits count by: an IPv4 address, or an IPv6 address's /64.
pub fn limit_key(ip: IpAddr) -> IpAddr {
    match canonical(ip) {
        IpAddr::V6(v6) => IpAddr::V6(Ipv6Addr::from(u128::from(v6) & !((1u128 << 64) - 1))),
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn networks_contain_their_addresses() {
        let n = Net::parse("10.0.0.0/8").unwrap();
        assert!(n.contains(ip("10.200.1.1")) && !n.contains(ip("11.0.0.1")));
        assert!(n.contains(ip("::ffff:10.1.2.3")));
        let one = Net::parse("127.0.0.1").unwrap();
        assert!(one.contains(ip("127.0.0.1")) && !one.contains(ip("127.0.0.2")));
        let v6 = Net::parse("fd00::/8").unwrap();
        assert!(v6.contains(ip("fd12::1")) && !v6.contains(ip("fe80::1")));
        assert!(Net::parse("0.0.0.0/0").unwrap().contains(ip("8.8.8.8")));
        for bad in ["", "10.0.0.0/33", "::/129", "x/8", "10.0.0.0/"] {
            assert_eq!(Net::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn forwarded_for_is_read_from_trusted_proxies_only() {
        let mut h = HeaderMap::new();
        h.insert(
            "x-forwarded-for",
            "6.6.6.6, 1.2.3.4, 10.0.0.5".parse().unwrap(),
        );
        let trusted = [Net::parse("10.0.0.0/8").unwrap()];
        // Through the proxy: the last address the proxies did not add.
        assert_eq!(client_ip(ip("10.0.0.9"), &h, &trusted), ip("1.2.3.4"));
        // Straight from a client: the header is the client's own claim and is ignored.
        assert_eq!(client_ip(ip("5.5.5.5"), &h, &trusted), ip("5.5.5.5"));
        assert_eq!(client_ip(ip("10.0.0.9"), &h, &[]), ip("10.0.0.9"));
        // A proxy that sent no header: the proxy itself.
        assert_eq!(
            client_ip(ip("10.0.0.9"), &HeaderMap::new(), &trusted),
            ip("10.0.0.9")
        );
        // An entry the proxy added with a port is read; an unreadable one stops the walk instead
        // of reaching what the client wrote to the left of it.
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-for", "6.6.6.6, 1.2.3.4:5678".parse().unwrap());
        assert_eq!(client_ip(ip("10.0.0.9"), &h, &trusted), ip("1.2.3.4"));
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-for", "6.6.6.6, garbage".parse().unwrap());
        assert_eq!(client_ip(ip("10.0.0.9"), &h, &trusted), ip("0.0.0.0"));
        let bytes = |b: &[u8]| axum::http::HeaderValue::from_bytes(b).unwrap();
        let mut h = HeaderMap::new();
        h.append("x-forwarded-for", bytes(b"6.6.6.6"));
        h.append("x-forwarded-for", bytes(b"\xff, 7.7.7.7"));
        assert_eq!(client_ip(ip("10.0.0.9"), &h, &trusted), ip("7.7.7.7"));
        let mut h = HeaderMap::new();
        h.append("x-forwarded-for", bytes(b"7.7.7.7, \xff"));
        assert_eq!(client_ip(ip("10.0.0.9"), &h, &trusted), ip("0.0.0.0"));
        let mut h = HeaderMap::new();
        h.append("x-forwarded-for", bytes(b"\xff"));
        h.append("x-forwarded-for", bytes(b"7.7.7.7"));
        assert_eq!(client_ip(ip("10.0.0.9"), &h, &trusted), ip("7.7.7.7"));
    }

    #[test]
    fn ipv6_counts_by_its_64() {
        assert_eq!(limit_key(ip("2001:db8:1:2:aaaa::1")), ip("2001:db8:1:2::"));
        assert_eq!(limit_key(ip("2001:db8:1:2:ffff::9")), ip("2001:db8:1:2::"));
        assert_ne!(limit_key(ip("2001:db8:1:3::1")), ip("2001:db8:1:2::"));
        assert_eq!(limit_key(ip("1.2.3.4")), ip("1.2.3.4"));
        assert_eq!(limit_key(ip("::ffff:1.2.3.4")), ip("1.2.3.4"));
    }
}
