//! A keyed hash for the cache map. Request paths are chosen by clients, so
//! the hasher is seeded from getrandom at start-up: without the seed nobody
//! can build paths that all land in one probe sequence.
//!
//! The mixing is the folded 64x64->128 multiply used by foldhash and aHash's
//! fallback: fast on short keys, with every input bit reaching every output bit.
#![forbid(unsafe_code)]

use core::hash::{BuildHasher, Hasher};

const MUL: u64 = 0x9E37_79B9_7F4A_7C15;

/// Multiplies as 128 bits and folds the halves together.
#[inline(always)]
fn fold(a: u64, b: u64) -> u64 {
    let full = (a as u128).wrapping_mul(b as u128);
    (full as u64) ^ ((full >> 64) as u64)
}

/// The seeded builder stored in the map.
#[derive(Clone, Copy, Debug)]
pub struct KeyedHash {
    seed: [u64; 2],
}

impl KeyedHash {
    /// A builder with an explicit seed (tests, or a caller with its own randomness).
    pub const fn with_seed(seed: [u64; 2]) -> Self {
        KeyedHash { seed }
    }

    /// A builder seeded from the kernel's random pool; falls back to the
    /// address of a stack value if getrandom fails (it does not on Linux >= 3.17).
    pub fn random() -> Self {
        let mut bytes = [0u8; 16];
        if rustix::rand::getrandom(&mut bytes, rustix::rand::GetRandomFlags::empty()).is_err() {
            let fallback = &bytes as *const _ as u64;
            bytes[..8].copy_from_slice(&fallback.to_ne_bytes());
        }
        let (a, b) = bytes.split_at(8);
        let word = |s: &[u8]| u64::from_ne_bytes(s.try_into().unwrap_or([0; 8]));
        KeyedHash {
            seed: [word(a), word(b)],
        }
    }
}

impl BuildHasher for KeyedHash {
    type Hasher = FoldHasher;
    fn build_hasher(&self) -> FoldHasher {
        FoldHasher {
            state: self.seed[0],
            key: self.seed[1] | 1,
        }
    }
}

/// The hasher state for one key.
pub struct FoldHasher {
    state: u64,
    key: u64,
}

impl Hasher for FoldHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let w = u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
            self.state = fold(self.state ^ w, self.key ^ MUL);
        }
        let rest = chunks.remainder();
        let mut tail = [0u8; 8];
        tail[..rest.len()].copy_from_slice(rest);
        // The length goes in too, so "a" and "a\0" differ.
        let w = u64::from_le_bytes(tail) ^ ((bytes.len() as u64) << 56);
        self.state = fold(self.state ^ w, self.key ^ MUL);
    }

    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.state = fold(self.state ^ i as u64, self.key ^ MUL);
    }

    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.state = fold(self.state ^ i as u64, self.key ^ MUL);
    }

    #[inline]
    fn finish(&self) -> u64 {
        fold(self.state, self.key.rotate_left(23) ^ MUL)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    fn hash(b: &KeyedHash, key: &[u8]) -> u64 {
        b.hash_one(key)
    }

    #[test]
    fn same_key_same_hash_different_seed_different_hash() {
        let a = KeyedHash::with_seed([1, 2]);
        let b = KeyedHash::with_seed([3, 4]);
        assert_eq!(hash(&a, b"index.html"), hash(&a, b"index.html"));
        assert_ne!(hash(&a, b"index.html"), hash(&b, b"index.html"));
    }

    #[test]
    fn similar_keys_spread_over_buckets() {
        let b = KeyedHash::random();
        let mut low_bits = HashSet::new();
        let mut all = HashSet::new();
        for i in 0..4096 {
            let h = hash(&b, format!("assets/img{i}.png").as_bytes());
            all.insert(h);
            low_bits.insert(h & 0xfff);
        }
        assert_eq!(all.len(), 4096);
        // 4096 keys into 4096 buckets: a good hash fills about 63 % of them.
        assert!(low_bits.len() > 2300, "{}", low_bits.len());
        assert_ne!(hash(&b, b"a"), hash(&b, b"a\0"));
        assert_ne!(hash(&b, b""), hash(&b, b"\0"));
    }
}
