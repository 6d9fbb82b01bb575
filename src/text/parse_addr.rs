//! IP and socket addresses read from text, without `core::net`'s `FromStr` (whose parser
//! costs kilobytes): each function accepts exactly what `str::parse` accepts for its type,
//! and gives the same value. IPv4 is four decimal octets without leading zeros; IPv6 is
//! up to eight groups of one to four hex digits, one `::` standing for at least one zero
//! group, and an IPv4 address in place of the last two groups. Pure: cannot panic.

use core::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};

/// `a.b.c.d`, as `Ipv4Addr::from_str` reads it.
pub fn ipv4(s: &[u8]) -> Option<Ipv4Addr> {
    whole(s, v4)
}

/// An IPv6 address (no brackets, no zone), as `Ipv6Addr::from_str` reads it.
pub fn ipv6(s: &[u8]) -> Option<Ipv6Addr> {
    whole(s, v6)
}

/// An IPv4 or IPv6 address, as `IpAddr::from_str` reads it.
pub fn ip(s: &[u8]) -> Option<IpAddr> {
    // A text that starts with an IPv4 address is never IPv6, so trying both whole
    // is what core's "IPv4 first, else IPv6" does.
    match ipv4(s) {
        Some(a) => Some(IpAddr::V4(a)),
        None => ipv6(s).map(IpAddr::V6),
    }
}

/// `a.b.c.d:port` or `[v6]:port`, the IPv6 one optionally with a numeric zone
/// (`[fe80::1%2]:80`), as `SocketAddr::from_str` reads it.
pub fn socket(s: &[u8]) -> Option<SocketAddr> {
    // No port has a colon, so the last one ends the address; each part is then read whole
    // by the readers above rather than by a walker of its own.
    let colon = s.iter().rposition(|&b| b == b':')?;
    let (host, port) = (&s[..colon], &s[colon + 1..]);
    let port = whole(port, |c| c.number(10, 65_535))?.0 as u16;
    let [b'[', inner @ .., b']'] = host else {
        return Some(SocketAddr::V4(SocketAddrV4::new(ipv4(host)?, port)));
    };
    // A zone is `%` and a number (core reads no names).
    let (ip, scope) = match inner.iter().position(|&b| b == b'%') {
        Some(at) => (
            &inner[..at],
            whole(&inner[at + 1..], |c| c.number(10, u32::MAX))?.0,
        ),
        None => (inner, 0),
    };
    Some(SocketAddr::V6(SocketAddrV6::new(ipv6(ip)?, port, 0, scope)))
}

/// What `read` reads from the start of `s`, if that is all of `s`.
fn whole<T>(s: &[u8], read: impl FnOnce(&mut Cursor<'_>) -> Option<T>) -> Option<T> {
    let mut c = Cursor(s);
    let v = read(&mut c)?;
    c.0.is_empty().then_some(v)
}

/// The text not read yet. A read that fails may leave it anywhere; a caller that
/// goes on after a failure reads from a copy.
#[derive(Clone, Copy)]
struct Cursor<'a>(&'a [u8]);

impl Cursor<'_> {
    /// Reads `b` if it comes next.
    fn eat(&mut self, b: u8) -> bool {
        match self.0 {
            [first, rest @ ..] if *first == b => {
                self.0 = rest;
                true
            }
            _ => false,
        }
    }

    /// Reads all the digits (in `radix`, at most 16) that come next: their value and
    /// how many there were; `None` if there are none or the value passes `max`.
    fn number(&mut self, radix: u32, max: u32) -> Option<(u32, usize)> {
        let (mut value, mut digits) = (0u32, 0);
        while let [b, rest @ ..] = self.0 {
            let d = match b {
                b'0'..=b'9' => b - b'0',
                b'a'..=b'f' => b - b'a' + 10,
                b'A'..=b'F' => b - b'A' + 10,
                _ => break,
            };
            if u32::from(d) >= radix {
                break;
            }
            value = value
                .checked_mul(radix)?
                .checked_add(u32::from(d))
                .filter(|&v| v <= max)?;
            digits += 1;
            self.0 = rest;
        }
        (digits > 0).then_some((value, digits))
    }
}

/// Reads four octets, each 0 to 255 in decimal without a leading zero (which some
/// readers take for octal), separated by dots.
fn v4(c: &mut Cursor<'_>) -> Option<Ipv4Addr> {
    let mut octets = [0u8; 4];
    for (i, octet) in octets.iter_mut().enumerate() {
        if i > 0 && !c.eat(b'.') {
            return None;
        }
        let zero_first = c.0.first() == Some(&b'0');
        let (n, digits) = c.number(10, 255)?;
        if zero_first && digits > 1 {
            return None;
        }
        *octet = n as u8;
    }
    Some(Ipv4Addr::from(octets))
}

/// Reads an IPv6 address: the groups before `::`, and unless they are all eight, the
/// `::` and the groups after it, which end the address.
fn v6(c: &mut Cursor<'_>) -> Option<Ipv6Addr> {
    let mut head = [0u16; 8];
    let (n, dotted) = groups(c, &mut head);
    if n == 8 {
        return Some(Ipv6Addr::from(head));
    }
    // An IPv4 part ends the address, so none can come before `::`.
    if dotted || !c.eat(b':') || !c.eat(b':') {
        return None;
    }
    // `::` stands for at least one group, so at most 7 - n follow it.
    let mut tail = [0u16; 7];
    let tail = tail.get_mut(..7 - n)?;
    let m = groups(c, tail).0;
    head.get_mut(8 - m..)?.copy_from_slice(tail.get(..m)?);
    Some(Ipv6Addr::from(head))
}

/// Reads up to `out.len()` colon-separated groups into `out`, the last two possibly as
/// one IPv4 address: how many groups it read, and whether the IPv4 form ended them.
/// It stops before a separator that no group follows.
fn groups(c: &mut Cursor<'_>, out: &mut [u16]) -> (usize, bool) {
    let limit = out.len();
    for i in 0..limit {
        let mut next = *c;
        if i > 0 && !next.eat(b':') {
            return (i, false);
        }
        // An IPv4 address needs room for two groups.
        let mut dotted = next;
        if let (Some([hi, lo]), Some(a)) = (out.get_mut(i..i + 2), v4(&mut dotted)) {
            let [a, b, c2, d] = a.octets();
            (*hi, *lo) = (u16::from_be_bytes([a, b]), u16::from_be_bytes([c2, d]));
            *c = dotted;
            return (i + 2, true);
        }
        match next.number(16, 0xffff) {
            Some((g, digits)) if digits <= 4 => {
                out[i] = g as u16;
                *c = next;
            }
            _ => return (i, false),
        }
    }
    (limit, false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::Rng;
    use alloc::string::String;
    use alloc::vec::Vec;
    use core::str::FromStr;

    /// What core's `FromStr` makes of `b` (no non-UTF-8 text parses).
    fn core<T: FromStr>(b: &[u8]) -> Option<T> {
        core::str::from_utf8(b).ok()?.parse().ok()
    }

    /// Checks every parser here against core's on `b`; which of them accepted it.
    fn agree(b: &[u8]) -> [bool; 4] {
        let s = String::from_utf8_lossy(b);
        assert_eq!(ipv4(b), core::<Ipv4Addr>(b), "ipv4 {s:?}");
        assert_eq!(ipv6(b), core::<Ipv6Addr>(b), "ipv6 {s:?}");
        assert_eq!(ip(b), core::<IpAddr>(b), "ip {s:?}");
        // SocketAddr's equality takes in the zone (scope id) too.
        assert_eq!(socket(b), core::<SocketAddr>(b), "socket {s:?}");
        [
            ipv4(b).is_some(),
            ipv6(b).is_some(),
            ip(b).is_some(),
            socket(b).is_some(),
        ]
    }

    /// Runs `agree` on each text; how many each parser accepted.
    fn agree_all<'a>(texts: impl IntoIterator<Item = &'a [u8]>) -> [usize; 4] {
        let mut accepted = [0; 4];
        for t in texts {
            for (n, ok) in accepted.iter_mut().zip(agree(t)) {
                *n += usize::from(ok);
            }
        }
        accepted
    }

    const TABLE: &[&str] = &[
        // IPv4
        "0.0.0.0",
        "1.2.3.4",
        "255.255.255.255",
        "127.0.0.1",
        "10.20.30.40",
        "256.0.0.0",
        "1.2.3.256",
        "1.2.3.1000",
        "01.2.3.4",
        "1.2.3.04",
        "1.00.3.4",
        "1.0.3.4",
        "001.2.3.4",
        "1.2.3",
        "1.2.3.4.",
        ".1.2.3.4",
        "1.2.3.4.5",
        "1..2.3",
        "1.2.3.-4",
        "+1.2.3.4",
        "1.2.3.+4",
        " 1.2.3.4",
        "1.2.3.4 ",
        "1.2.3.4\n",
        "1.2.3.4x",
        "0x1.2.3.4",
        "a.b.c.d",
        "1.2.3.4/8",
        "4294967295",
        "1.2.3.99999999999999999999",
        "",
        ".",
        "...",
        // IPv6
        "::",
        "::1",
        "1::",
        "1::1",
        ":::",
        "::::",
        ":1::",
        "::1:",
        "1:",
        ":1",
        "1:2:3:4:5:6:7:8",
        "1:2:3:4:5:6:7:8:9",
        "1:2:3:4:5:6:7",
        "1:2:3:4:5:6:7::",
        "::2:3:4:5:6:7:8",
        "1:2:3:4:5:6:7:8::",
        "::1:2:3:4:5:6:7:8",
        "1:2:3::5:6:7:8",
        "1::3::5",
        "1:2:3:4::5:6:7:8",
        "ffff:FFFF:abcd:ABCD:0:00:000:0000",
        "00000::",
        "12345::",
        "0fff::",
        "g::",
        "2001:db8::1",
        "2001:DB8::1",
        "fe80::1%1",
        "fe80::1%eth0",
        "::ffff:192.0.2.1",
        "::ffff:192.0.2.01",
        "::ffff:192.0.2.256",
        "::192.0.2.1",
        "::1.2.3.4:5",
        "1.2.3.4::",
        "1.2.3.4::1",
        "1:2:3:4:5:6:1.2.3.4",
        "1:2:3:4:5:6:7:1.2.3.4",
        "1:2:3:4:5:1.2.3.4",
        "1:2:3:4:5::1.2.3.4",
        "1:2:3:4:5:6::1.2.3.4",
        "1::1.2.3.4",
        "1.2.3.4",
        "::1.2.3",
        "::1.2.3.4.5",
        "::01.2.3.4",
        "::1.2.3.4x",
        "1.2.3.4:5:6:7:8:9:10",
        "64:ff9b::192.0.2.33",
        "[::1]",
        "::1 ",
        "-::1",
        "::-1",
        "::+1",
        "1:2:3:4:5:6:7:8%1",
        // Sockets
        "1.2.3.4:80",
        "1.2.3.4:0",
        "1.2.3.4:65535",
        "1.2.3.4:65536",
        "1.2.3.4:00080",
        "1.2.3.4:0000000000000000000000080",
        "1.2.3.4:99999999999",
        "1.2.3.4:",
        "1.2.3.4:+80",
        "1.2.3.4:-1",
        "1.2.3.4: 80",
        "1.2.3.4:80 ",
        "1.2.3.4:8a",
        "1.2.3.4:0x50",
        "1.2.3.4::80",
        "01.2.3.4:80",
        "[::1]:80",
        "[::1]:",
        "[::1]",
        "[::1]80",
        "[::1]:65536",
        "[::]:0",
        "[1.2.3.4]:80",
        "[::1.2.3.4]:80",
        "[::ffff:1.2.3.4]:80",
        "[fe80::1%2]:80",
        "[fe80::1%0]:80",
        "[fe80::1%0002]:80",
        "[fe80::1%4294967295]:80",
        "[fe80::1%4294967296]:80",
        "[fe80::1%]:80",
        "[fe80::1%eth0]:80",
        "[fe80::1%-1]:80",
        "[fe80::1%%1]:80",
        "[fe80::1%1%2]:80",
        "[fe80::1]%1:80",
        "[fe80::1:80",
        "fe80::1]:80",
        "::1:80",
        "[[::1]]:80",
        "[ ::1]:80",
        "[::1 ]:80",
        "[]:80",
        "[:]:80",
        "[::1]:80:80",
        "[1:2:3:4:5:6:7:8]:1",
        "[1:2:3:4:5:6:7:8:9]:1",
        "localhost:80",
        "[::1]:٣",
        "١.2.3.4",
        "1.2.3.4:８０",
    ];

    #[test]
    fn the_table_parses_as_core_parses_it() {
        let accepted = agree_all(TABLE.iter().map(|s| s.as_bytes()));
        // The table is worth something only if every parser accepts some of it and
        // refuses some of it.
        for (n, name) in accepted.iter().zip(["ipv4", "ipv6", "ip", "socket"]) {
            assert!(*n >= 5 && *n + 20 < TABLE.len(), "{name} accepted {n}");
        }
        assert_eq!(agree(b"1.2.3.\xff"), [false; 4]);
        assert_eq!(agree(b"\xff::"), [false; 4]);
    }

    #[test]
    fn values_are_the_ones_written() {
        assert_eq!(ipv4(b"192.0.2.1"), Some(Ipv4Addr::new(192, 0, 2, 1)));
        assert_eq!(
            ipv6(b"1:2::ffff:1.2.3.4"),
            Some(Ipv6Addr::new(1, 2, 0, 0, 0, 0xffff, 0x0102, 0x0304))
        );
        assert_eq!(
            socket(b"[fe80::1%7]:443"),
            Some(SocketAddr::V6(SocketAddrV6::new(
                Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 1),
                443,
                0,
                7
            )))
        );
        assert_eq!(ip(b"::"), Some(IpAddr::V6(Ipv6Addr::UNSPECIFIED)));
    }

    /// A random address in one of the forms core prints or reads, sometimes with a port.
    fn valid(rng: &mut Rng) -> String {
        let mut groups = [0u16; 8];
        for g in &mut groups {
            // Mostly zeros and small values, so that `::` and short groups come often.
            *g = match rng.below(4) {
                0 | 1 => 0,
                2 => rng.below(16) as u16,
                _ => rng.next() as u16,
            };
        }
        let v6 = Ipv6Addr::from(groups);
        let v4 = Ipv4Addr::from(rng.next() as u32);
        let port = if rng.one_in(2) {
            rng.below(10) as u16
        } else {
            rng.next() as u16
        };
        match rng.below(7) {
            0 => format!("{v4}"),
            1 => format!("{v6}"),
            // Every group written out, zeros and case as they come.
            2 => groups
                .iter()
                .map(|g| format!("{g:X}"))
                .collect::<Vec<_>>()
                .join(":"),
            3 => format!("{v4}:{port}"),
            4 => format!("[{v6}]:{port}"),
            5 => format!("[{v6}%{}]:{port}", rng.below(100)),
            _ => format!("{}:{v4}", format!("{v6}").trim_end_matches(|c| c != ':')),
        }
    }

    #[test]
    fn random_texts_parse_as_core_parses_them() {
        // Separators several times over, so that some texts come out well formed.
        const ALPHABET: &[u8] = b"0123456789abcdefABCDEF::::::....[]%x -+";
        let mut rng = Rng::new(0x5eed_add5);
        let mut text = Vec::new();
        let texts = (0..300_000).map(|_| {
            text.clear();
            for _ in 0..rng.below(20) {
                text.push(*rng.pick(ALPHABET));
            }
            text.clone()
        });
        let texts: Vec<Vec<u8>> = texts.collect();
        let accepted = agree_all(texts.iter().map(Vec::as_slice));
        // Blind letters rarely make an address; the next test makes many.
        assert!(accepted[1] > 1000, "{accepted:?}");
    }

    #[test]
    fn near_miss_texts_parse_as_core_parses_them() {
        // Valid addresses, and the same with a few bytes changed, dropped, added or
        // moved: the texts where a parser's edge cases are.
        const ALPHABET: &[u8] = b"0123456789aAfFgx:.[]% +-\xff";
        const TOKENS: &[&str] = &[
            "::", ":", ".", "0", "00", "1", "255", "256", "65535", "65536", "ffff", "10000", "[",
            "]", "%", "1.2.3.4", "0.0.0.0",
        ];
        let mut rng = Rng::new(0xadd2_e55e);
        let mut texts = Vec::new();
        for _ in 0..200_000 {
            let mut t = valid(&mut rng).into_bytes();
            for _ in 0..rng.below(3) {
                let at = rng.index(t.len() + 1);
                match rng.below(5) {
                    0 if at < t.len() => t[at] = *rng.pick(ALPHABET),
                    1 if at < t.len() => {
                        t.remove(at);
                    }
                    2 => t.insert(at, *rng.pick(ALPHABET)),
                    3 => {
                        let token = rng.pick(TOKENS).as_bytes();
                        t.splice(at..at, token.iter().copied());
                    }
                    _ if !t.is_empty() => {
                        let from = rng.index(t.len());
                        let b = t.remove(from);
                        t.insert(at.min(t.len()), b);
                    }
                    _ => {}
                }
            }
            texts.push(t);
        }
        let accepted = agree_all(texts.iter().map(Vec::as_slice));
        for n in accepted {
            assert!(n > 10_000, "{accepted:?}");
        }
    }
}
