//! Test helpers shared by the unit tests of several modules (compiled only under `cfg(test)`).

/// A small deterministic PRNG (splitmix64): randomized tests need no crate and reproduce.
pub struct Rng(u64);

impl Rng {
    /// A generator whose sequence is fixed by `seed`.
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// The next 64 random bits.
    // Not `Iterator::next`: the stream never ends, so callers want a bare `u64`.
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n`; `n` must not be 0.
    pub fn below(&mut self, n: u64) -> u64 {
        assert!(n > 0, "Rng::below(0)");
        self.next() % n
    }

    /// An index in `0..n`; `n` must not be 0.
    pub fn index(&mut self, n: usize) -> usize {
        self.below(n as u64) as usize
    }

    /// True once in `n` times on average; `n` must not be 0.
    pub fn one_in(&mut self, n: u64) -> bool {
        self.below(n) == 0
    }

    /// Eight random bits.
    pub fn byte(&mut self) -> u8 {
        self.next() as u8
    }

    /// A number in `lo..=hi` (any span, up to all of `i64`); `lo` must not exceed `hi`.
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        assert!(lo <= hi, "Rng::range({lo}, {hi})");
        let span = hi.abs_diff(lo);
        let offset = match span.checked_add(1) {
            Some(n) => self.next() % n,
            None => self.next(),
        };
        lo.wrapping_add_unsigned(offset)
    }

    /// One element of a non-empty slice.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.index(items.len())]
    }
}

#[cfg(test)]
mod tests {
    use super::Rng;

    #[test]
    fn same_seed_same_sequence() {
        let (mut a, mut b, mut c) = (Rng::new(7), Rng::new(7), Rng::new(8));
        let xs: Vec<u64> = (0..100).map(|_| a.next()).collect();
        let ys: Vec<u64> = (0..100).map(|_| b.next()).collect();
        let zs: Vec<u64> = (0..100).map(|_| c.next()).collect();
        assert_eq!(xs, ys);
        assert_ne!(xs, zs);
        // Known splitmix64 output for seed 0.
        assert_eq!(Rng::new(0).next(), 0xE220_A839_7B1D_CDAF);
        // Seed 0 is not a fixed point.
        let mut z = Rng::new(0);
        assert!((0..10).map(|_| z.next()).any(|x| x != 0));
    }

    #[test]
    fn results_stay_in_bounds() {
        let mut rng = Rng::new(0x5EED);
        let mut seen = [false; 5];
        for _ in 0..10_000 {
            let b = rng.below(5);
            assert!(b < 5);
            seen[b as usize] = true;
            assert_eq!(rng.below(1), 0);
            assert!(rng.index(3) < 3);
            assert_eq!(rng.range(-4, -4), -4);
            let r = rng.range(-2, 2);
            assert!((-2..=2).contains(&r));
            // Spans that overflow `i64` must not panic or leave the bounds.
            let _ = rng.range(i64::MIN, i64::MAX);
            assert!(rng.range(i64::MIN, 0) <= 0);
            assert!(rng.range(-1, i64::MAX) >= -1);
            assert!(rng.range(i64::MAX - 1, i64::MAX) >= i64::MAX - 1);
            assert!(rng.range(i64::MIN, i64::MIN + 1) <= i64::MIN + 1);
            assert!(*rng.pick(&[1, 2, 3]) <= 3);
        }
        assert!(seen.iter().all(|&s| s), "below reaches every value");
        // The full span reaches both signs.
        let full: Vec<i64> = (0..100).map(|_| rng.range(i64::MIN, i64::MAX)).collect();
        assert!(full.iter().any(|&x| x < 0) && full.iter().any(|&x| x > 0));
        assert_eq!(*rng.pick(&["only"]), "only");
    }
}
