//! The client address behind trusted proxies (`--real-ip-from`): address ranges
//! ([`Cidr`]), and the address a request's `X-Forwarded-For` or `X-Real-IP` names
//! ([`client`]). Pure: no syscalls, no allocation.
//!
//! A member of `X-Forwarded-For` (or the value of `X-Real-IP`) is an IP address, IPv4
//! `1.2.3.4` or IPv6 `2001:db8::1`, optionally as `1.2.3.4:PORT`, `[2001:db8::1]` or
//! `[2001:db8::1]:PORT`, as proxies write them. An IPv4-mapped IPv6 address counts as
//! the IPv4 address it maps. Anything else (`unknown`, obfuscated identifiers, zone ids,
//! hostnames, stray bytes) is malformed, and a malformed value that would have decided
//! the answer leaves it at the peer: a client is never named from a value staticd
//! cannot read.

use crate::http::numfmt;
use crate::http::request::{items, trim_ows};
use crate::text::parse_addr;
use core::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// A range of addresses: an address and how many leading bits of it count.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cidr {
    addr: IpAddr,
    prefix: u8,
}

/// Why a `--real-ip-from` value is not a range.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CidrError {
    /// Not an address, or an address with a bad `/PREFIX`.
    Syntax,
    /// Bits are set past the prefix (`10.0.0.1/8`): a typo more often than not. The range
    /// it may have meant comes with it.
    HostBits(Cidr),
}

impl Cidr {
    /// Parses `ADDR` (one address) or `ADDR/PREFIX`, IPv4 or IPv6.
    pub fn parse(v: &[u8]) -> Result<Cidr, CidrError> {
        let (addr, prefix) = match v.iter().position(|&b| b == b'/') {
            Some(i) => (&v[..i], Some(&v[i + 1..])),
            None => (v, None),
        };
        let addr = parse_addr::ip(addr).ok_or(CidrError::Syntax)?;
        let max: u8 = match addr {
            IpAddr::V4(_) => 32,
            IpAddr::V6(_) => 128,
        };
        let prefix = match prefix {
            None => max,
            // No leading zeros, so no more than three digits.
            Some(p) => match numfmt::parse(p) {
                Some(n) if n <= u64::from(max) && !(p.len() > 1 && p[0] == b'0') => n as u8,
                _ => return Err(CidrError::Syntax),
            },
        };
        let cidr = Cidr { addr, prefix };
        if cidr.network() != cidr.addr {
            return Err(CidrError::HostBits(Cidr {
                addr: cidr.network(),
                prefix,
            }));
        }
        // A range within the IPv4-mapped block is that IPv4 range.
        Ok(match addr {
            IpAddr::V6(v6) if prefix >= 96 => v6.to_ipv4_mapped().map_or(cidr, |v4| Cidr {
                addr: IpAddr::V4(v4),
                prefix: prefix - 96,
            }),
            _ => cidr,
        })
    }

    /// The range's first address: its address with the bits past the prefix cleared.
    pub fn network(&self) -> IpAddr {
        // An IPv4 mask is the top 32 bits of the IPv6 one: one mask for both.
        let mask = mask128(self.prefix);
        match self.addr {
            IpAddr::V4(a) => IpAddr::V4(Ipv4Addr::from_bits(a.to_bits() & (mask >> 96) as u32)),
            IpAddr::V6(a) => IpAddr::V6(Ipv6Addr::from_bits(a.to_bits() & mask)),
        }
    }

    /// How many leading bits count.
    pub fn prefix(&self) -> u8 {
        self.prefix
    }
}

impl crate::text::Piece for Cidr {
    /// `ADDR/PREFIX`, the address as `Display` writes it.
    fn put(&self, out: &mut alloc::string::String) {
        self.addr.put(out);
        out.push('/');
        self.prefix.put(out);
    }
}

impl Cidr {
    /// Whether `ip` is in the range; an IPv4 address is also in the IPv6 range that
    /// holds its mapped form (`::ffff:0:0/96`, `::/0`).
    pub fn contains(&self, ip: IpAddr) -> bool {
        // In the range: the first `prefix` bits agree, so their XOR has that many leading
        // zeros (smaller than building a mask to compare under). Both sides are compared as
        // IPv6, an IPv4 address (or range) as its mapped form, which another IPv6 address
        // differs from within the first 96 bits.
        let v6 = |ip: IpAddr| match ip {
            IpAddr::V4(v4) => v4.to_ipv6_mapped().to_bits(),
            IpAddr::V6(v6) => v6.to_bits(),
        };
        let prefix = match self.addr {
            IpAddr::V4(_) => 96 + u32::from(self.prefix),
            IpAddr::V6(_) => u32::from(self.prefix),
        };
        (v6(ip) ^ v6(self.addr)).leading_zeros() >= prefix
    }
}

fn mask128(prefix: u8) -> u128 {
    u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0)
}

/// `ip`, with an IPv4-mapped IPv6 address as the IPv4 address it maps.
pub fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// Whether `ip` is in any of `ranges`.
pub fn trusted(ranges: &[Cidr], ip: IpAddr) -> bool {
    ranges.iter().any(|r| r.contains(ip))
}

/// One address as a proxy writes it (see the module doc), OWS trimmed; `None` if
/// malformed. The address parsers are strict: no leading zeros, no zone ids, nothing extra.
pub fn parse_member(v: &[u8]) -> Option<IpAddr> {
    let v = trim_ows(v);
    // A bare address of either family (IPv6 with two or more colons, so no port can be told
    // apart), a bracketed IPv6 one, or either of those then `:` and a port, which follows
    // the last colon. The parsers take only address bytes, so nothing else gets through.
    if let Some(ip) = parse_addr::ip(v) {
        return Some(canonical(ip));
    }
    let mut host = v;
    if !matches!(v, [b'[', .., b']']) {
        let colon = v.iter().rposition(|&b| b == b':')?;
        if !is_port(&v[colon + 1..]) {
            return None;
        }
        host = &v[..colon];
    }
    let addr = match host {
        [b'[', inner @ .., b']'] => IpAddr::V6(parse_addr::ipv6(inner)?),
        _ => IpAddr::V4(parse_addr::ipv4(host)?),
    };
    Some(canonical(addr))
}

/// A port number, 0 to 65535, in at most five digits.
fn is_port(v: &[u8]) -> bool {
    v.len() <= 5 && numfmt::parse(v).is_some_and(|n| n <= 65_535)
}

/// The address to log for a request from `peer`: the peer itself unless it is in
/// `ranges`; else the rightmost member of the `X-Forwarded-For` list (`forwarded_for`
/// yields its field values in order, as one list) that is not in `ranges`, the leftmost
/// when all are, or without such a list the `X-Real-IP` address. A malformed member on
/// the way, or a malformed `X-Real-IP`, gives the peer. Empty members are skipped
/// (RFC 9110 §5.6.1), so a list of nothing counts as no list. The values come through
/// `dyn`, so callers with different iterators share one copy.
pub fn client(
    peer: IpAddr,
    ranges: &[Cidr],
    forwarded_for: &mut dyn Iterator<Item = &[u8]>,
    real_ip: Option<&[u8]>,
) -> IpAddr {
    if !trusted(ranges, peer) {
        return peer;
    }
    // Read left to right, the answer is the last member that stops a right-to-left walk
    // (untrusted or malformed), or the first member if none does: so a member is picked
    // when it stops the walk or when nothing is picked yet.
    let mut pick: Option<Option<IpAddr>> = None;
    for value in forwarded_for {
        for member in items(value) {
            if member.is_empty() {
                continue;
            }
            let ip = parse_member(member);
            if pick.is_none() || !ip.is_some_and(|ip| trusted(ranges, ip)) {
                pick = Some(ip);
            }
        }
    }
    match pick {
        Some(ip) => ip.unwrap_or(peer),
        None => real_ip.and_then(parse_member).unwrap_or(peer),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The member grammar read case by case, as parse_member first did: brackets, then the
    /// number of colons.
    fn reference(v: &[u8]) -> Option<IpAddr> {
        let v = trim_ows(v);
        if !v.iter().all(|&b| b.is_ascii_graphic()) {
            return None;
        }
        let (addr, port) = match v.strip_prefix(b"[") {
            Some(rest) => {
                let close = rest.iter().position(|&b| b == b']')?;
                let (addr, after) = (&rest[..close], &rest[close + 1..]);
                let port = match after {
                    [] => None,
                    [b':', port @ ..] => Some(port),
                    _ => return None,
                };
                (IpAddr::V6(parse_addr::ipv6(addr)?), port)
            }
            None => match v.iter().position(|&b| b == b':') {
                None => (IpAddr::V4(parse_addr::ipv4(v)?), None),
                Some(colon) if v[colon + 1..].contains(&b':') => {
                    (IpAddr::V6(parse_addr::ipv6(v)?), None)
                }
                Some(colon) => (
                    IpAddr::V4(parse_addr::ipv4(&v[..colon])?),
                    Some(&v[colon + 1..]),
                ),
            },
        };
        if port.is_some_and(|p| !is_port(p)) {
            return None;
        }
        Some(canonical(addr))
    }

    #[test]
    fn members_read_as_the_grammar_says() {
        let mut rng = crate::testing::Rng::new(11);
        let pieces: [&[u8]; 18] = [
            b"1", b"0", b"255", b"256", b".", b":", b"::", b"[", b"]", b"ffff", b"80", b"65536",
            b" ", b"\t", b"%1", b"1.2.3.4", b"::ffff:", b"x",
        ];
        for _ in 0..200_000 {
            let n = rng.below(9);
            let v: Vec<u8> = (0..n)
                .flat_map(|_| rng.pick(&pieces).iter().copied())
                .collect();
            assert_eq!(
                parse_member(&v),
                reference(&v),
                "{:?}",
                String::from_utf8_lossy(&v)
            );
        }
        for v in [
            "[::1]",
            "[::1]:80",
            "1.2.3.4:80",
            "::1",
            "::ffff:1.2.3.4",
            "[::ffff:1.2.3.4]:1",
        ] {
            assert!(parse_member(v.as_bytes()).is_some(), "{v}");
            assert_eq!(parse_member(v.as_bytes()), reference(v.as_bytes()), "{v}");
        }
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn cidr(s: &str) -> Cidr {
        Cidr::parse(s.as_bytes()).unwrap_or_else(|e| panic!("{s}: {e:?}"))
    }

    #[test]
    fn ranges_parse_with_and_without_prefix() {
        assert_eq!(cidr("10.0.0.0/8").network(), ip("10.0.0.0"));
        assert_eq!(cidr("10.0.0.0/8").prefix(), 8);
        assert_eq!(cidr("192.168.1.7").prefix(), 32);
        assert_eq!(cidr("0.0.0.0/0").prefix(), 0);
        assert_eq!(cidr("fd00::/8").prefix(), 8);
        assert_eq!(cidr("::1").prefix(), 128);
        assert_eq!(cidr("::/0").prefix(), 0);
        assert_eq!(cidr("2001:db8::/32").network(), ip("2001:db8::"));
        // The mapped form of an IPv4 address is that address.
        assert_eq!(cidr("::ffff:10.1.2.3"), cidr("10.1.2.3"));
    }

    #[test]
    fn bad_ranges_are_refused() {
        for bad in [
            "",
            "/",
            "/8",
            "10.0.0.0/",
            "10.0.0.0/33",
            "::/129",
            "10.0.0.0/08",
            "10.0.0.0/+8",
            "10.0.0.0/-1",
            "10.0.0.0/8/8",
            "10.0.0.0/ 8",
            " 10.0.0.0/8",
            "10.0.0/8",
            "10.0.0.256",
            "010.0.0.0/8",
            "10.0.0.0/1234",
            "fe80::1%eth0",
            "[::1]",
            "[::1]/128",
            "10.0.0.0:80",
            "localhost",
            "unknown",
            "*",
            "10.0.0.0\n/8",
            "10.0.0.0/8\0",
            "\u{ff}",
        ] {
            assert_eq!(
                Cidr::parse(bad.as_bytes()),
                Err(CidrError::Syntax),
                "{bad:?}"
            );
        }
        for (host_bits, meant) in [
            ("10.0.0.1/8", "10.0.0.0/8"),
            ("192.168.1.1/24", "192.168.1.0/24"),
            ("::1/64", "::/64"),
            ("2001:db8::1/32", "2001:db8::/32"),
            ("128.0.0.0/0", "0.0.0.0/0"),
        ] {
            assert_eq!(
                Cidr::parse(host_bits.as_bytes()),
                Err(CidrError::HostBits(cidr(meant))),
                "{host_bits:?}"
            );
            assert_eq!(crate::text!(cidr(meant)), meant);
        }
        assert_eq!(Cidr::parse(b"\xff\xfe"), Err(CidrError::Syntax));
    }

    #[test]
    fn a_range_as_text_is_its_address_and_prefix() {
        for r in [
            "10.0.0.0/8",
            "0.0.0.0/0",
            "2001:db8::/32",
            "::/0",
            "fe80::1",
        ] {
            let c = cidr(r);
            let text = crate::text!(c);
            assert_eq!(text, format!("{}/{}", c.network(), c.prefix()));
            assert_eq!(cidr(&text), c);
        }
        // An IPv4-mapped range reads as the IPv4 range it is.
        assert_eq!(crate::text!(cidr("::ffff:10.0.0.0/104")), "10.0.0.0/8");
    }

    #[test]
    fn membership_at_the_edges_of_a_range() {
        let r = cidr("10.1.0.0/16");
        assert!(r.contains(ip("10.1.0.0")));
        assert!(r.contains(ip("10.1.255.255")));
        assert!(!r.contains(ip("10.0.255.255")));
        assert!(!r.contains(ip("10.2.0.0")));
        assert!(!r.contains(ip("::ffff:10.2.0.0")));
        assert!(r.contains(ip("::ffff:10.1.2.3")));
        assert!(
            !r.contains(ip("::a01:203")),
            "IPv4-compatible is not mapped"
        );
        let one = cidr("127.0.0.1");
        assert!(one.contains(ip("127.0.0.1")));
        assert!(!one.contains(ip("127.0.0.2")));
        assert!(cidr("0.0.0.0/0").contains(ip("255.255.255.255")));
        assert!(!cidr("0.0.0.0/0").contains(ip("::1")));
        let v6 = cidr("fd00::/8");
        assert!(v6.contains(ip("fdff:ffff::1")));
        assert!(!v6.contains(ip("fe00::")));
        assert!(!v6.contains(ip("10.0.0.1")));
        assert!(cidr("::/0").contains(ip("10.0.0.1")), "every address");
        assert!(cidr("::ffff:0:0/96").contains(ip("1.2.3.4")));
        assert!(cidr("::1").contains(ip("::1")));
        assert!(!cidr("::1").contains(ip("127.0.0.1")));
    }

    #[test]
    fn members_as_proxies_write_them() {
        for (member, want) in [
            ("1.2.3.4", "1.2.3.4"),
            (" 1.2.3.4\t", "1.2.3.4"),
            ("1.2.3.4:5678", "1.2.3.4"),
            ("1.2.3.4:0", "1.2.3.4"),
            ("1.2.3.4:65535", "1.2.3.4"),
            ("2001:db8::1", "2001:db8::1"),
            ("[2001:db8::1]", "2001:db8::1"),
            ("[2001:db8::1]:443", "2001:db8::1"),
            ("::ffff:1.2.3.4", "1.2.3.4"),
            ("[::ffff:1.2.3.4]:80", "1.2.3.4"),
            ("::1", "::1"),
            // Without brackets the last group is part of the address, not a port.
            ("::1:80", "::1:80"),
        ] {
            assert_eq!(
                parse_member(member.as_bytes()),
                Some(ip(want)),
                "{member:?}"
            );
        }
    }

    #[test]
    fn malformed_members() {
        for bad in [
            "",
            " ",
            "unknown",
            "_hidden",
            "localhost",
            "example.com:80",
            "1.2.3.4:",
            "1.2.3.4:65536",
            "1.2.3.4:123456",
            "1.2.3.4:-1",
            "1.2.3.4:http",
            "1.2.3.4 5.6.7.8",
            "1.2.3.4\r\n 5.6.7.8",
            "\r\n 1.2.3.4",
            "1.2.3.4\0",
            "1.2.3",
            "1.2.3.4.5",
            "01.2.3.4",
            "256.1.1.1",
            "[1.2.3.4]",
            "[1.2.3.4]:80",
            "[::1",
            "::1]",
            "[::1]80",
            "[::1]:",
            "[::1]:x",
            "[[::1]]",
            "[]",
            "fe80::1%eth0",
            "[fe80::1%25eth0]",
            "2001:db8::g",
            "2001:db8:::1",
            "\"1.2.3.4\"",
            "for=1.2.3.4",
            "1.2.3.4/32",
            "\u{661}.2.3.4",
        ] {
            assert_eq!(parse_member(bad.as_bytes()), None, "{bad:?}");
        }
        assert_eq!(parse_member(b"1.2.3.\xff"), None);
    }

    const PROXIES: &[&str] = &["10.0.0.0/8", "fd00::/8"];

    fn ranges() -> Vec<Cidr> {
        PROXIES.iter().map(|s| cidr(s)).collect()
    }

    /// The client for a request from `peer` with these X-Forwarded-For lines and X-Real-IP.
    fn who(peer: &str, xff: &[&str], real: Option<&str>) -> IpAddr {
        client(
            ip(peer),
            &ranges(),
            &mut xff.iter().map(|v| v.as_bytes()),
            real.map(str::as_bytes),
        )
    }

    #[test]
    fn untrusted_peers_are_logged_as_themselves() {
        assert_eq!(who("1.1.1.1", &["2.2.2.2"], Some("3.3.3.3")), ip("1.1.1.1"));
        assert_eq!(who("::2", &["2.2.2.2"], None), ip("::2"));
        assert_eq!(
            client(
                ip("10.0.0.1"),
                &[],
                &mut [&b"2.2.2.2"[..]].into_iter(),
                None
            ),
            ip("10.0.0.1"),
            "no ranges, no trust"
        );
    }

    #[test]
    fn the_rightmost_untrusted_member_is_the_client() {
        assert_eq!(who("10.0.0.1", &["2.2.2.2"], None), ip("2.2.2.2"));
        assert_eq!(who("10.0.0.1", &["6.6.6.6, 2.2.2.2"], None), ip("2.2.2.2"));
        assert_eq!(
            who("10.0.0.1", &["6.6.6.6, 2.2.2.2, 10.9.9.9"], None),
            ip("2.2.2.2")
        );
        assert_eq!(
            who("fd00::1", &["2001:db8::7, fd12::1, 10.1.1.1"], None),
            ip("2001:db8::7")
        );
        assert_eq!(who("::ffff:10.0.0.1", &["2.2.2.2"], None), ip("2.2.2.2"));
        // X-Forwarded-For wins over X-Real-IP.
        assert_eq!(
            who("10.0.0.1", &["2.2.2.2"], Some("3.3.3.3")),
            ip("2.2.2.2")
        );
        // A spoofed left part is never reached.
        assert_eq!(who("10.0.0.1", &["garbage, 2.2.2.2"], None), ip("2.2.2.2"));
        assert_eq!(who("10.0.0.1", &["unknown,2.2.2.2"], None), ip("2.2.2.2"));
    }

    #[test]
    fn several_field_lines_are_one_list() {
        assert_eq!(
            who("10.0.0.1", &["6.6.6.6", "2.2.2.2, 10.0.0.5"], None),
            ip("2.2.2.2")
        );
        assert_eq!(
            who("10.0.0.1", &["6.6.6.6, 10.0.0.9", "10.0.0.5"], None),
            ip("6.6.6.6")
        );
        assert_eq!(who("10.0.0.1", &["6.6.6.6", "junk"], None), ip("10.0.0.1"));
        assert_eq!(who("10.0.0.1", &["junk", "6.6.6.6"], None), ip("6.6.6.6"));
    }

    #[test]
    fn all_trusted_gives_the_leftmost() {
        assert_eq!(
            who("10.0.0.1", &["10.0.0.2, 10.0.0.3"], None),
            ip("10.0.0.2")
        );
        assert_eq!(
            who("10.0.0.1", &["10.0.0.2", "fd00::3"], None),
            ip("10.0.0.2")
        );
    }

    #[test]
    fn members_with_ports_and_brackets() {
        assert_eq!(who("10.0.0.1", &["2.2.2.2:5555"], None), ip("2.2.2.2"));
        assert_eq!(
            who("10.0.0.1", &["[2001:db8::1]:5555"], None),
            ip("2001:db8::1")
        );
        assert_eq!(who("10.0.0.1", &["[::ffff:2.2.2.2]"], None), ip("2.2.2.2"));
        assert_eq!(
            who("10.0.0.1", &["2.2.2.2, [::ffff:10.0.0.3]:1"], None),
            ip("2.2.2.2"),
            "a mapped proxy address is trusted as its IPv4 form"
        );
    }

    #[test]
    fn malformed_values_give_the_peer() {
        for xff in [
            "unknown",
            "2.2.2.2, unknown",
            "2.2.2.2 3.3.3.3",
            "2.2.2.2;3.3.3.3",
            "_gazonk",
            "2.2.2.2,\r\n 3.3.3.3",
            "1.2.3.4:99999",
            "[2.2.2.2]",
            "\"2.2.2.2\"",
            "2.2.2.2, garbage, 10.0.0.4",
        ] {
            assert_eq!(
                who("10.0.0.1", &[xff], Some("3.3.3.3")),
                ip("10.0.0.1"),
                "{xff:?}"
            );
        }
        assert_eq!(who("10.0.0.1", &[], Some("nope")), ip("10.0.0.1"));
        assert_eq!(
            who("10.0.0.1", &[], Some("3.3.3.3, 4.4.4.4")),
            ip("10.0.0.1")
        );
        assert_eq!(who("10.0.0.1", &[], Some("")), ip("10.0.0.1"));
    }

    #[test]
    fn empty_members_are_skipped() {
        assert_eq!(who("10.0.0.1", &[", ,2.2.2.2,,"], None), ip("2.2.2.2"));
        assert_eq!(who("10.0.0.1", &["", "2.2.2.2"], None), ip("2.2.2.2"));
        assert_eq!(
            who("10.0.0.1", &["6.6.6.6,", " , 10.0.0.8"], None),
            ip("6.6.6.6")
        );
        // A list of nothing is no list: X-Real-IP, else the peer.
        assert_eq!(who("10.0.0.1", &[" , ,"], Some("3.3.3.3")), ip("3.3.3.3"));
        assert_eq!(who("10.0.0.1", &[""], None), ip("10.0.0.1"));
    }

    #[test]
    fn x_real_ip_without_a_list() {
        assert_eq!(who("10.0.0.1", &[], Some("3.3.3.3")), ip("3.3.3.3"));
        assert_eq!(
            who("10.0.0.1", &[], Some(" [2001:db8::2]:80 ")),
            ip("2001:db8::2")
        );
        assert_eq!(who("10.0.0.1", &[], Some("::ffff:3.3.3.3")), ip("3.3.3.3"));
        // It is taken as the proxy says, trusted range or not.
        assert_eq!(who("10.0.0.1", &[], Some("10.0.0.7")), ip("10.0.0.7"));
        assert_eq!(who("10.0.0.1", &[], None), ip("10.0.0.1"));
    }

    #[test]
    fn any_bytes_give_an_address_and_never_panic() {
        let mut rng = crate::testing::Rng::new(0xF0_5EED);
        let alphabet = b"0123456789abcdef.:[], \t\r\nx%/";
        for _ in 0..20_000 {
            let len = rng.below(40) as usize;
            let v: Vec<u8> = (0..len).map(|_| *rng.pick(alphabet)).collect();
            let _ = Cidr::parse(&v);
            let got = client(
                ip("10.0.0.1"),
                &ranges(),
                &mut [v.as_slice()].into_iter(),
                Some(&v),
            );
            // Whatever it names came from the value or is the peer.
            assert!(got == ip("10.0.0.1") || !v.is_empty(), "{v:?}");
        }
    }
}
