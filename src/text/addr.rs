//! IP and socket addresses as text, without `core::fmt`: the forms `Display` gives
//! (RFC 5952 for IPv6: lowercase, no leading zeros, the longest run of two or more
//! zero groups as `::`, IPv4-mapped addresses as `::ffff:a.b.c.d`). Pure.

use alloc::string::String;
use core::net::{Ipv4Addr, Ipv6Addr, SocketAddr};

use super::{HEX, put_u64};

/// Appends `a` in dotted decimal.
pub fn put_v4(out: &mut String, a: Ipv4Addr) {
    for (i, octet) in a.octets().into_iter().enumerate() {
        if i > 0 {
            out.push('.');
        }
        put_u64(out, u64::from(octet));
    }
}

/// Appends `a` in RFC 5952's canonical form.
pub fn put_v6(out: &mut String, a: Ipv6Addr) {
    // Groups read from the octets where needed: `segments` swaps all eight up front.
    let octets = a.octets();
    if let [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, a, b, c, d] = octets {
        out.push_str("::ffff:");
        return put_v4(out, Ipv4Addr::new(a, b, c, d));
    }
    let group = |i: usize| u16::from_be_bytes([octets[2 * i], octets[2 * i + 1]]);
    // The longest run of two or more zero groups (the first of equal ones); `best` stays
    // past the end when there is none, so no position matches it.
    let (mut best, mut best_len, mut run) = (8, 1, 0);
    for i in 0..8 {
        run = if group(i) == 0 { run + 1 } else { 0 };
        if run > best_len {
            best_len = run;
            best = i + 1 - run;
        }
    }
    let mut i = 0;
    while i < 8 {
        if i == best {
            out.push_str("::");
            i += best_len;
            continue;
        }
        if i > 0 && i != best + best_len {
            out.push(':');
        }
        let g = group(i);
        // No leading zeros: from the highest non-zero digit, or the last one.
        let mut shift = 12;
        while shift > 0 && g >> shift == 0 {
            shift -= 4;
        }
        loop {
            out.push(char::from(HEX[usize::from((g >> shift) & 15)]));
            if shift == 0 {
                break;
            }
            shift -= 4;
        }
        i += 1;
    }
}

/// Appends `a` as `a.b.c.d:port` or `[v6]:port` (with `%scope` when it has one).
pub fn put_socket(out: &mut String, a: SocketAddr) {
    match a {
        SocketAddr::V4(v4) => put_v4(out, *v4.ip()),
        SocketAddr::V6(v6) => {
            out.push('[');
            put_v6(out, *v6.ip());
            if v6.scope_id() != 0 {
                out.push('%');
                put_u64(out, u64::from(v6.scope_id()));
            }
            out.push(']');
        }
    }
    out.push(':');
    put_u64(out, u64::from(a.port()));
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::format;
    use core::net::{SocketAddrV4, SocketAddrV6};

    fn v6(a: Ipv6Addr) -> String {
        let mut s = String::new();
        put_v6(&mut s, a);
        s
    }

    #[test]
    fn ipv6_matches_display_on_every_zero_pattern() {
        // Every choice of zero/non-zero groups, with two different non-zero values.
        for mask in 0u32..256 {
            for value in [1u16, 0xabcd, 0x10] {
                let mut g = [0u16; 8];
                for (i, slot) in g.iter_mut().enumerate() {
                    if mask & (1 << i) != 0 {
                        *slot = value.wrapping_add(i as u16);
                    }
                }
                let a = Ipv6Addr::from(g);
                assert_eq!(v6(a), format!("{a}"), "groups {g:x?}");
            }
        }
    }

    #[test]
    fn ipv6_special_forms_match_display() {
        for text in [
            "::",
            "::1",
            "::ffff:192.0.2.1",
            "::ffff:0.0.0.0",
            "::192.0.2.1",
            "64:ff9b::192.0.2.1",
            "fe80::1",
            "2001:db8::",
            "2001:db8:0:0:1:0:0:1",
            "2001:db8::ffff:0:1",
            "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
            "0:0:0:0:0:ffff:0:1",
            "1:0:0:0:0:0:0:0",
        ] {
            let a: Ipv6Addr = text.parse().unwrap();
            assert_eq!(v6(a), format!("{a}"), "{text}");
        }
    }

    #[test]
    fn ipv4_and_sockets_match_display() {
        for a in [
            SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::new(0, 0, 0, 0), 0)),
            SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::new(255, 255, 255, 255), 65535)),
            SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::new(127, 0, 10, 1), 8080)),
            SocketAddr::V6(SocketAddrV6::new(Ipv6Addr::LOCALHOST, 443, 0, 0)),
            SocketAddr::V6(SocketAddrV6::new("fe80::1".parse().unwrap(), 80, 0, 3)),
        ] {
            let mut s = String::new();
            put_socket(&mut s, a);
            assert_eq!(s, format!("{a}"));
        }
    }
}
