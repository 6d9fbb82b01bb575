//! The content hash behind strong ETags: 128 bits from the bytes alone, with
//! a fixed key, so the same bytes get the same ETag on every replica, path,
//! inode and mtime, and any change of a byte or of the length gets another.
//!
//! Four independent lanes take 8-byte words in turn, each mixed by the
//! folded 64x64->128 multiply also used by the map's hasher ([`super::hash`]);
//! the lanes run in parallel on one core (about 1 GiB/s even at opt-level
//! "z"). Words are read little-endian, so every machine computes the same
//! value. Not cryptographic: the content comes from the operator, and a
//! collision would only cost a client a stale validator match.
//! Pure computation: no system calls.
#![forbid(unsafe_code)]

const MUL: u64 = 0x9E37_79B9_7F4A_7C15;
/// The fixed key: one odd constant per lane (the fractional digits of pi).
const KEYS: [u64; 4] = [
    0x243F_6A88_85A3_08D3,
    0x1319_8A2E_0370_7345,
    0xA409_3822_299F_31D1,
    0x082E_FA98_EC4E_6C89,
];

fn fold(a: u64, b: u64) -> u64 {
    let full = (a as u128).wrapping_mul(b as u128);
    (full as u64) ^ ((full >> 64) as u64)
}

/// A hash over bytes given in any number of pieces.
#[derive(Clone, Debug)]
pub struct Digest {
    lanes: [u64; 4],
    /// Bytes of the current 32-byte block not yet mixed.
    block: [u8; 32],
    filled: usize,
    len: u64,
}

impl Default for Digest {
    fn default() -> Self {
        Self::new()
    }
}

impl Digest {
    /// The hash of nothing yet.
    pub const fn new() -> Digest {
        Digest {
            lanes: KEYS,
            block: [0; 32],
            filled: 0,
            len: 0,
        }
    }

    fn mix(&mut self, block: &[u8; 32]) {
        for (i, lane) in self.lanes.iter_mut().enumerate() {
            let mut w = [0u8; 8];
            w.copy_from_slice(&block[i * 8..i * 8 + 8]);
            *lane = fold(*lane ^ u64::from_le_bytes(w), KEYS[i] ^ MUL);
        }
    }

    /// Adds `bytes` after everything added so far.
    pub fn update(&mut self, mut bytes: &[u8]) {
        self.len += bytes.len() as u64;
        if self.filled > 0 {
            let take = (32 - self.filled).min(bytes.len());
            self.block[self.filled..self.filled + take].copy_from_slice(&bytes[..take]);
            self.filled += take;
            bytes = &bytes[take..];
            if self.filled < 32 {
                return;
            }
            let block = self.block;
            self.mix(&block);
            self.filled = 0;
        }
        let mut blocks = bytes.chunks_exact(32);
        for b in &mut blocks {
            let mut block = [0u8; 32];
            block.copy_from_slice(b);
            self.mix(&block);
        }
        let rest = blocks.remainder();
        self.block[..rest.len()].copy_from_slice(rest);
        self.filled = rest.len();
    }

    /// The 128-bit hash of everything added; the length goes in too, so
    /// trailing zero bytes change it.
    pub fn finish(mut self) -> u128 {
        // The last block, zero-padded in place: the digest is used up.
        self.block[self.filled..].fill(0);
        let block = self.block;
        self.mix(&block);
        let [a, b, c, e] = self.lanes;
        let len = self.len ^ MUL;
        let hi = fold(fold(a ^ len, KEYS[2]) ^ c, KEYS[0] ^ MUL);
        let lo = fold(fold(b ^ len.rotate_left(32), KEYS[3]) ^ e, KEYS[1] ^ MUL);
        // Each half takes in all four lanes, so no lane's change cancels out.
        let hi = fold(hi ^ lo.rotate_left(17), KEYS[1]);
        let lo = fold(lo ^ hi.rotate_left(29), KEYS[2]);
        ((hi as u128) << 64) | lo as u128
    }

    /// The hash of `bytes` in one piece.
    pub fn of(bytes: &[u8]) -> u128 {
        let mut d = Digest::new();
        d.update(bytes);
        d.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::Rng;

    #[test]
    fn pinned_values_never_change() {
        // ETags must agree across builds, machines and versions: these
        // values are the format, and changing them invalidates every cache.
        let cases: [(&[u8], u128); 4] = [
            (b"", 0x666f4ab254d4899c630dab5e7d76be90),
            (b"a", 0x77a8306aa298a8df78eaf79eb100ba46),
            (b"hello, world\n", 0x006aec3333265b02955c7f47dbf527a8),
            (&[0u8; 100], 0xe8952d24232d81d63c3b9156f0dd5e7c),
        ];
        let mut wrong = Vec::new();
        for (bytes, want) in cases {
            let got = Digest::of(bytes);
            if got != want {
                wrong.push(format!("{:?}: {got:#034x}", String::from_utf8_lossy(bytes)));
            }
        }
        assert!(wrong.is_empty(), "{wrong:#?}");
    }

    #[test]
    fn pieces_make_no_difference() {
        let mut rng = Rng::new(7);
        let data: Vec<u8> = (0..5000).map(|_| rng.byte()).collect();
        let whole = Digest::of(&data);
        for _ in 0..200 {
            let mut d = Digest::new();
            let mut rest = &data[..];
            while !rest.is_empty() {
                let n = rng.index(rest.len().min(100)) + 1;
                d.update(&rest[..n]);
                rest = &rest[n..];
            }
            assert_eq!(d.finish(), whole);
        }
    }

    #[test]
    fn every_byte_and_the_length_count() {
        let mut rng = Rng::new(11);
        let data: Vec<u8> = (0..300).map(|_| rng.byte()).collect();
        let base = Digest::of(&data);
        let mut seen = std::collections::HashSet::new();
        seen.insert(base);
        for i in 0..data.len() {
            for bit in 0..8 {
                let mut changed = data.clone();
                changed[i] ^= 1 << bit;
                assert!(seen.insert(Digest::of(&changed)), "byte {i} bit {bit}");
            }
        }
        // Prefixes and zero-extensions all differ.
        for n in 0..data.len() {
            assert!(seen.insert(Digest::of(&data[..n])), "prefix {n}");
        }
        let mut longer = data.clone();
        for _ in 0..64 {
            longer.push(0);
            assert!(seen.insert(Digest::of(&longer)), "{} zeros", longer.len());
        }
        // Swapped words (the lanes are not interchangeable).
        let mut swapped = data.clone();
        swapped[..16].rotate_left(8);
        assert_ne!(Digest::of(&swapped), base);
    }

    #[test]
    fn each_half_changes_with_any_bit() {
        let base = Digest::of(&[0u8; 64]);
        for i in 0..64 {
            let mut d = [0u8; 64];
            d[i] = 1;
            let h = Digest::of(&d);
            assert_ne!(h >> 64, base >> 64, "byte {i}: high half");
            assert_ne!(h as u64, base as u64, "byte {i}: low half");
        }
    }
}
