// Test helpers that the unit tests (through src/testing.rs) and the integration tests (through
// tests/common) both compile in with `include!`, so there is one of each and the binary has
// none. Plain items only: no inner attributes or `//!` docs, no paths into either crate.

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

    /// `n` random bytes.
    pub fn bytes(&mut self, n: usize) -> Vec<u8> {
        let mut out = Vec::with_capacity(n + 8);
        while out.len() < n {
            out.extend_from_slice(&self.next().to_le_bytes());
        }
        out.truncate(n);
        out
    }
}

/// Framing header lines that are ambiguous or malformed (RFC 9112 §6.1, §6.3, §11.2): a request
/// carrying any of them must be refused with 400 before anything of it is served, so that no
/// byte can be read as the start of another request. The parser's unit tests and the server's
/// integration tests both go through all of them.
pub const SMUGGLING_FRAMINGS: &[&str] = &[
    "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n",
    "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n",
    "Transfer-Encoding: chunked\r\nContent-Length: 0\r\n",
    "Content-Length: 0\r\nTransfer-Encoding: chunked\r\n",
    "Transfer-Encoding: chunked, identity\r\n",
    "Transfer-Encoding: chunked, gzip\r\n",
    "Transfer-Encoding: chunked, chunked\r\n",
    "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n",
    "Transfer-Encoding: identity\r\nContent-Length: 5\r\n",
    "Transfer-Encoding: xchunked\r\n",
    "Transfer-Encoding : chunked\r\n",
    "Transfer-Encoding:\x0bchunked\r\n",
    "Transfer-Encoding: chunked\r\n Transfer-Encoding: gzip\r\n",
    "Content-Length: +5\r\n",
    "Content-Length: -1\r\n",
    "Content-Length: 5, 6\r\n",
    "Content-Length: 5\r\nContent-Length: 6\r\n",
    "Content-Length: 1_0\r\n",
    "Content-Length: 0x5\r\n",
    "Content-Length: 99999999999999999999999\r\n",
    "Content-Length\r\n: 5\r\n",
];
