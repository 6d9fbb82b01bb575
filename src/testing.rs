//! Test helpers for the unit tests (compiled only under `cfg(test)`): a seeded PRNG and the
//! request-smuggling framings, from testing/shared.rs, which the integration tests include too.

include!("testing/shared.rs");

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

    #[test]
    fn bytes_are_the_stream_in_little_endian() {
        for n in [0usize, 1, 7, 8, 9, 100] {
            let mut words = Rng::new(3);
            let want: Vec<u8> = (0..n.div_ceil(8))
                .flat_map(|_| words.next().to_le_bytes())
                .take(n)
                .collect();
            assert_eq!(Rng::new(3).bytes(n), want, "{n}");
        }
        assert_ne!(Rng::new(3).bytes(64), Rng::new(4).bytes(64));
    }
}
