//! UTF-8 checked by one small loop, and the conversion to `str` after it: core's
//! validator is vectorised into 512 bytes of code for texts that are a path, a
//! header value or a line of configuration. Pure (the pure modules call it); it
//! lives in the runtime because the unchecked conversion is `unsafe`.
#![allow(unsafe_code)]

/// Checks that `bytes` is UTF-8, as [`core::str::from_utf8`] does; when it is not,
/// says where it stops being UTF-8 and how long the bad sequence there is: `None`
/// when the input ends inside a sequence that was valid so far.
pub fn check(bytes: &[u8]) -> Result<(), (usize, Option<usize>)> {
    let mut i = 0;
    while let Some(&lead) = bytes.get(i) {
        // The width the lead byte announces and the range of its second byte
        // (RFC 3629 §4: no overlong forms, no surrogates, nothing above U+10FFFF).
        let (width, low, high) = match lead {
            0x00..=0x7f => (1, 0, 0),
            0xc2..=0xdf => (2, 0x80, 0xbf),
            0xe0 => (3, 0xa0, 0xbf),
            0xed => (3, 0x80, 0x9f),
            0xe1..=0xef => (3, 0x80, 0xbf),
            0xf0 => (4, 0x90, 0xbf),
            0xf1..=0xf3 => (4, 0x80, 0xbf),
            0xf4 => (4, 0x80, 0x8f),
            _ => return Err((i, Some(1))),
        };
        let mut k = 1;
        while k < width {
            let Some(&c) = bytes.get(i + k) else {
                return Err((i, None));
            };
            let (low, high) = if k == 1 { (low, high) } else { (0x80, 0xbf) };
            if c < low || c > high {
                return Err((i, Some(k)));
            }
            k += 1;
        }
        i += width;
    }
    Ok(())
}

/// `bytes` as a `str`, if it is UTF-8.
#[must_use]
pub fn str(bytes: &[u8]) -> Option<&str> {
    check(bytes).ok()?;
    // SAFETY: `check` found `bytes` to be UTF-8, by the same rules as core's check.
    Some(unsafe { core::str::from_utf8_unchecked(bytes) })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What core says of `bytes`, in [`check`]'s terms.
    fn core_says(bytes: &[u8]) -> Result<(), (usize, Option<usize>)> {
        core::str::from_utf8(bytes)
            .map(drop)
            .map_err(|e| (e.valid_up_to(), e.error_len()))
    }

    #[test]
    fn every_sequence_of_up_to_three_bytes_agrees_with_core() {
        for a in 0..=255u8 {
            assert_eq!(check(&[a]), core_says(&[a]), "{a:02x}");
            for b in 0..=255u8 {
                assert_eq!(check(&[a, b]), core_says(&[a, b]), "{a:02x} {b:02x}");
                for c in 0..=255u8 {
                    let s = [a, b, c];
                    assert_eq!(check(&s), core_says(&s), "{s:02x?}");
                }
            }
        }
    }

    #[test]
    fn four_byte_sequences_and_random_texts_agree_with_core() {
        // Every lead byte from 0xE0 up, with every second byte and the boundary
        // values of the third and fourth.
        for a in 0xe0..=255u8 {
            for b in 0..=255u8 {
                for c in [0x00, 0x7f, 0x80, 0x9f, 0xa0, 0xbf, 0xc0, 0xff] {
                    for d in [0x00, 0x7f, 0x80, 0xbf, 0xc0, 0xff] {
                        let s = [a, b, c, d];
                        assert_eq!(check(&s), core_says(&s), "{s:02x?}");
                        assert_eq!(check(&s[..3]), core_says(&s[..3]), "{s:02x?}");
                    }
                }
            }
        }
        // Texts mixing ASCII, whole characters and pieces of them.
        let pieces: [&[u8]; 12] = [
            b"a",
            b"/",
            "é".as_bytes(),
            "€".as_bytes(),
            "𝄞".as_bytes(),
            b"\x80",
            b"\xc3",
            b"\xe2\x82",
            b"\xf0\x9d\x84",
            b"\xed\xa0\x80",
            b"\xf4\x90\x80\x80",
            b"\xff",
        ];
        let mut rng = crate::testing::Rng::new(1);
        for _ in 0..200_000 {
            let mut s = std::vec::Vec::new();
            for _ in 0..rng.below(8) {
                let piece: &&[u8] = rng.pick(&pieces);
                s.extend_from_slice(piece);
            }
            assert_eq!(check(&s), core_says(&s), "{s:02x?}");
            assert_eq!(str(&s), core::str::from_utf8(&s).ok(), "{s:02x?}");
        }
    }
}
