//! Unsigned numbers as ASCII decimal, without `core::fmt` (whose machinery costs kilobytes):
//! the one place heads, ranges, logs, listings and dates turn numbers into digits, and
//! lengths, ranges and ports digits into numbers. Pure byte work; makes no system calls and
//! cannot panic.

use alloc::vec::Vec;

/// Room for the longest form: `u64::MAX` grouped is 20 digits and 6 commas.
const ROOM: usize = 26;

/// The decimal digits of one number, held on the stack.
#[derive(Clone, Copy, Debug)]
pub struct Decimal {
    buf: [u8; ROOM],
    start: usize,
}

impl Decimal {
    /// `v` in plain decimal, as in `18734`.
    pub fn new(v: u64) -> Decimal {
        Decimal::write(v, false)
    }

    /// `v` with a comma between groups of three digits, as in `18,734`.
    pub fn grouped(v: u64) -> Decimal {
        Decimal::write(v, true)
    }

    fn write(mut v: u64, grouped: bool) -> Decimal {
        let mut buf = [0u8; ROOM];
        let mut start = ROOM;
        // Digits written since the last comma.
        let mut run = 0;
        for slot in buf.iter_mut().rev() {
            start -= 1;
            if grouped && run == 3 {
                *slot = b',';
                run = 0;
                continue;
            }
            *slot = b'0' + (v % 10) as u8;
            v /= 10;
            run += 1;
            if v == 0 {
                break;
            }
        }
        Decimal { buf, start }
    }

    /// The digits (and commas, if grouped).
    pub fn as_bytes(&self) -> &[u8] {
        self.buf.get(self.start..).unwrap_or_default()
    }
}

/// Appends `v` in plain decimal.
pub fn push(out: &mut Vec<u8>, v: u64) {
    out.extend_from_slice(Decimal::new(v).as_bytes());
}

/// `1*DIGIT` as a `u64`; `None` if empty, not all digits, or too large.
pub fn parse(s: &[u8]) -> Option<u64> {
    if s.is_empty() {
        return None;
    }
    let mut v: u64 = 0;
    for &b in s {
        if !b.is_ascii_digit() {
            return None;
        }
        v = v.checked_mul(10)?.checked_add(u64::from(b - b'0'))?;
    }
    Some(v)
}

/// How many bytes [`push`] appends for `v`: its number of decimal digits.
pub const fn len(mut v: u64) -> u64 {
    // A loop: `checked_ilog10` compiles to several times its size.
    let mut n = 1;
    while v >= 10 {
        v /= 10;
        n += 1;
    }
    n
}

/// Fills all of `out` with the last `out.len()` decimal digits of `v`, zero-padded: the
/// fixed-width fields of dates (`07`, `1994`) and status codes.
pub fn put_fixed(out: &mut [u8], mut v: u32) {
    for slot in out.iter_mut().rev() {
        *slot = b'0' + (v % 10) as u8;
        v /= 10;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::Rng;

    /// Every power of ten and its neighbours, the extremes, and random values of every size.
    fn values() -> Vec<u64> {
        let mut vals = vec![
            0,
            1,
            9,
            10,
            11,
            99,
            100,
            101,
            999,
            1000,
            u64::MAX - 1,
            u64::MAX,
        ];
        for p in 0..20 {
            let x = 10u64.pow(p);
            vals.extend([x - 1, x, x + 1]);
        }
        vals.extend((0..64).map(|s| 1u64 << s));
        let mut rng = Rng::new(77);
        vals.extend((0..2000).map(|_| rng.next() >> rng.below(64)));
        vals
    }

    /// The reference for grouping: std's digits, commas inserted from the right.
    fn grouped_by_std(v: u64) -> String {
        let digits = v.to_string();
        let mut out = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push(',');
            }
            out.push(c);
        }
        out
    }

    #[test]
    fn plain_agrees_with_std() {
        for v in values() {
            let want = v.to_string();
            assert_eq!(Decimal::new(v).as_bytes(), want.as_bytes(), "{v}");
            assert_eq!(len(v), want.len() as u64, "{v}");
            // And back.
            assert_eq!(parse(want.as_bytes()), Some(v), "{v}");
            assert_eq!(parse(format!("00{v}").as_bytes()), Some(v), "{v}");
            // `push` appends rather than overwrites.
            let mut out = b"x=".to_vec();
            push(&mut out, v);
            assert_eq!(out, format!("x={v}").as_bytes());
        }
        assert_eq!(Decimal::new(u64::MAX).as_bytes(), b"18446744073709551615");
    }

    #[test]
    fn parse_takes_only_digits_that_fit() {
        for bad in [
            &b""[..],
            b" 1",
            b"1 ",
            b"+1",
            b"-1",
            b"1a",
            b"0x10",
            b"18446744073709551616",
            b"99999999999999999999",
        ] {
            assert_eq!(parse(bad), None, "{bad:?}");
        }
        assert_eq!(parse(b"0"), Some(0));
        assert_eq!(parse(b"000"), Some(0));
    }

    #[test]
    fn grouped_agrees_with_a_reference() {
        for v in values() {
            let got = Decimal::grouped(v);
            assert_eq!(got.as_bytes(), grouped_by_std(v).as_bytes(), "{v}");
        }
        for (v, want) in [
            (0, "0"),
            (9, "9"),
            (10, "10"),
            (999, "999"),
            (1_000, "1,000"),
            (18_734, "18,734"),
            (100_000, "100,000"),
            (1_000_000, "1,000,000"),
            (u64::MAX, "18,446,744,073,709,551,615"),
        ] {
            assert_eq!(Decimal::grouped(v).as_bytes(), want.as_bytes(), "{v}");
        }
    }

    #[test]
    fn fixed_width_pads_and_keeps_the_last_digits() {
        let put = |width: usize, v: u32| {
            let mut out = vec![b'?'; width];
            put_fixed(&mut out, v);
            String::from_utf8(out).unwrap()
        };
        assert_eq!(put(2, 0), "00");
        assert_eq!(put(2, 7), "07");
        assert_eq!(put(2, 9), "09");
        assert_eq!(put(2, 10), "10");
        assert_eq!(put(2, 59), "59");
        assert_eq!(put(2, 99), "99");
        assert_eq!(put(2, 100), "00");
        assert_eq!(put(2, 1994), "94");
        assert_eq!(put(3, 200), "200");
        assert_eq!(put(3, 5), "005");
        assert_eq!(put(4, 0), "0000");
        assert_eq!(put(4, 1994), "1994");
        assert_eq!(put(4, 9999), "9999");
        assert_eq!(put(10, u32::MAX), "4294967295");
        assert_eq!(put(12, u32::MAX), "004294967295");
        assert_eq!(put(0, 5), "");
        for v in 0..10_000 {
            assert_eq!(put(4, v), format!("{v:04}"));
            assert_eq!(put(2, v), format!("{:02}", v % 100));
        }
    }
}
