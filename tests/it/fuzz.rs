//! Deterministic mutation fuzzer for the pure HTTP code: the request parser (checked against
//! httparse), the Range, Accept-Encoding, entity-tag and HTTP-date parsers, target
//! splitting, percent-decoding and path normalisation.
//!
//! Each target mutates a corpus of valid and tricky seeds with a seeded splitmix64 PRNG, so
//! one seed gives the same inputs on every machine and toolchain. `STATICD_FUZZ_ITERS` sets
//! the number of inputs over all targets together (default 50,000, what `cargo test` runs;
//! `make fuzz` runs 10,000,000 optimised), `STATICD_FUZZ_SEED` the seed. A failing input is
//! printed escaped, as a `STATICD_FUZZ_REPLAY='TARGET ARG INPUT'` line that the `replay`
//! test runs alone.
//!
//! Invariants: nothing panics; nothing reads out of bounds (Rust's bounds checks, plus every
//! slice a parser hands back lies inside its input); a normalised path never leaves ROOT and
//! equals a plain reference's; ranges are satisfiable, disjoint and the ones a plain reference
//! finds; Accept-Encoding picks an offered, acceptable coding; dates round-trip; and the
//! request parser agrees with httparse on acceptance wherever RFC 9110 and RFC 9112 leave a
//! server no choice (the choices left out are listed at [`shape`] and [`must_reject`]).

use crate::common;

use common::{Rng, WEEKDAYS};
use staticd::http::encoding::{self, Choice, Coding};
use staticd::http::request::{
    self, Framing, MAX_EMPTY_LINES, MAX_HEAD, MAX_HEADER_BYTES, MAX_HEADERS, MAX_REQUEST_LINE,
    Method, Parsed, Request, Version,
};
use staticd::http::{conditional, date, path, range};
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::fmt::Write as _;
use std::os::unix::ffi::OsStrExt as _;
use std::path::{Component, Path};
use std::sync::Once;
use std::time::Instant;

/// Inputs over all targets when `STATICD_FUZZ_ITERS` is not set.
const DEFAULT_ITERS: u64 = 50_000;

/// Seed when `STATICD_FUZZ_SEED` is not set.
const DEFAULT_SEED: u64 = 0x5eed_f022_57a7_1cd0;

// ---- harness --------------------------------------------------------------------------------

/// Counters a target reports at the end of its run, by name.
#[derive(Default)]
struct Stats(BTreeMap<&'static str, u64>);

impl Stats {
    /// Adds one to counter `name`.
    fn bump(&mut self, name: &'static str) {
        *self.0.entry(name).or_default() += 1;
    }

    /// The value of counter `name`.
    fn get(&self, name: &str) -> u64 {
        self.0.get(name).copied().unwrap_or(0)
    }
}

/// Seeds, a dictionary and recent outputs of one target, and the mutations over them.
struct Corpus {
    seeds: Vec<Vec<u8>>,
    dict: &'static [&'static [u8]],
    max_len: usize,
    /// Builds a new well-formed input from parts, for grammars mutation rarely keeps valid.
    fresh: Option<fn(&mut Rng) -> Vec<u8>>,
    recent: Vec<Vec<u8>>,
    next_slot: usize,
}

/// Bytes that sit on parser decisions, chosen for inserts and replacements.
const INTERESTING: &[u8] = b"\r\n \t\x00\x0b\x0c:;,=%./\\?#\"*-\x7f\x80\xff0123456789aAzZ";

/// How many generated inputs are kept to be mutated further.
const RECENT: usize = 64;

impl Corpus {
    /// A corpus over `seeds`, inserting `dict` tokens, keeping inputs up to `max_len` bytes.
    fn new(seeds: Vec<Vec<u8>>, dict: &'static [&'static [u8]], max_len: usize) -> Self {
        assert!(!seeds.is_empty() && !dict.is_empty());
        Corpus {
            seeds,
            dict,
            max_len,
            fresh: None,
            recent: Vec::with_capacity(RECENT),
            next_slot: 0,
        }
    }

    /// The same corpus, half of whose inputs `fresh` builds (a quarter of those mutated).
    fn with_fresh(mut self, fresh: fn(&mut Rng) -> Vec<u8>) -> Self {
        self.fresh = Some(fresh);
        self
    }

    /// The next input: a seed, a recent or a fresh input, with a few stacked mutations.
    fn generate(&mut self, rng: &mut Rng) -> Vec<u8> {
        let (mut s, intact) = match self.fresh {
            Some(fresh) if rng.one_in(2) => (fresh(rng), !rng.one_in(4)),
            _ if !self.recent.is_empty() && rng.one_in(4) => (
                self.recent[rng.index(self.recent.len())].clone(),
                rng.one_in(16),
            ),
            _ => (
                self.seeds[rng.index(self.seeds.len())].clone(),
                rng.one_in(16),
            ),
        };
        if !intact {
            // 1 to 8 mutations, fewer more likely.
            let n = 1 + (rng.next().trailing_zeros() as usize).min(7);
            for _ in 0..n {
                self.mutate(rng, &mut s);
                s.truncate(self.max_len);
            }
        }
        if self.recent.len() < RECENT {
            self.recent.push(s.clone());
        } else {
            self.recent[self.next_slot] = s.clone();
            self.next_slot = (self.next_slot + 1) % RECENT;
        }
        s
    }

    /// Applies one random mutation to `s`.
    fn mutate(&self, rng: &mut Rng, s: &mut Vec<u8>) {
        let at = rng.index(s.len() + 1);
        match rng.index(12) {
            // Bit flip.
            0 if at < s.len() => s[at] ^= 1 << rng.index(8),
            // Replace with an interesting byte, or any byte.
            1 if at < s.len() => s[at] = *rng.pick(INTERESTING),
            2 if at < s.len() => s[at] = rng.next() as u8,
            // Insert an interesting byte.
            3 => s.insert(at, *rng.pick(INTERESTING)),
            // Delete a few bytes.
            4 if at < s.len() => {
                let n = (1 + rng.index(8)).min(s.len() - at);
                s.drain(at..at + n);
            }
            // Insert or overwrite with a dictionary token.
            5 => {
                let token = *rng.pick(self.dict);
                s.splice(at..at, token.iter().copied());
            }
            6 => {
                let token = *rng.pick(self.dict);
                let end = (at + token.len()).min(s.len());
                s.splice(at..end, token.iter().copied());
            }
            // Splice: keep a prefix of `s`, then a suffix of another seed.
            7 => {
                let other = &self.seeds[rng.index(self.seeds.len())];
                let from = rng.index(other.len() + 1);
                s.truncate(at);
                s.extend_from_slice(&other[from..]);
            }
            // Insert a piece of another seed.
            8 => {
                let other = &self.seeds[rng.index(self.seeds.len())];
                let from = rng.index(other.len() + 1);
                let len = rng.index(other.len() - from + 1);
                s.splice(at..at, other[from..from + len].iter().copied());
            }
            // Duplicate the whole input (pipelining), or truncate it.
            9 => {
                if rng.one_in(2) {
                    s.extend_from_within(..);
                } else {
                    s.truncate(at);
                }
            }
            // Repeat a chunk, now and then many times (to reach the size limits).
            10 if at < s.len() => {
                let len = (1 + rng.index(16)).min(s.len() - at);
                let times = if rng.one_in(8) {
                    1 + rng.index(1024)
                } else {
                    1 + rng.index(8)
                };
                let chunk = s[at..at + len].to_vec();
                let repeated: Vec<u8> = chunk.iter().copied().cycle().take(len * times).collect();
                s.splice(at..at, repeated);
            }
            // Swap two bytes.
            11 if at < s.len() => {
                let other = rng.index(s.len());
                s.swap(at, other);
            }
            // The chosen mutation needs a byte at `at`: insert a random one instead.
            _ => s.insert(at, rng.next() as u8),
        }
    }
}

/// One thing to fuzz: its corpus, how to draw its extra argument, and its checks.
struct Target {
    name: &'static str,
    /// Percent of all inputs this target gets.
    weight: u64,
    corpus: fn() -> Corpus,
    /// Draws the check's extra argument (a length, a clock, a selector).
    arg: fn(&mut Rng) -> u64,
    check: fn(&[u8], u64, &mut Stats),
}

/// Every target; the weights add up to 100.
const TARGETS: &[Target] = &[
    Target {
        name: "request",
        weight: 40,
        corpus: request_corpus,
        arg: any_arg,
        check: check_request,
    },
    Target {
        name: "path",
        weight: 20,
        corpus: path_corpus,
        arg: any_arg,
        check: check_path,
    },
    Target {
        name: "range",
        weight: 15,
        corpus: range_corpus,
        arg: range_len,
        check: check_range,
    },
    Target {
        name: "encoding",
        weight: 15,
        corpus: encoding_corpus,
        arg: any_arg,
        check: check_encoding,
    },
    Target {
        name: "conditional",
        weight: 10,
        corpus: conditional_corpus,
        arg: any_arg,
        check: check_conditional,
    },
];

/// Any 64 bits.
fn any_arg(rng: &mut Rng) -> u64 {
    rng.next()
}

/// A representation length for the range parser, edge values often.
fn range_len(rng: &mut Rng) -> u64 {
    match rng.index(12) {
        0 => 0,
        1 => 1,
        2 => 2,
        3 => 99,
        4 => 100,
        5 => 1000,
        6 => 1 << 32,
        7 => u64::MAX,
        8 => u64::MAX - 1,
        9 => rng.next(),
        _ => rng.index(2000) as u64,
    }
}

/// The input being checked on this thread, for the panic hook to print.
#[derive(Default)]
struct Current {
    active: bool,
    target: &'static str,
    seed: u64,
    index: u64,
    arg: u64,
    input: Vec<u8>,
}

thread_local! {
    static CURRENT: RefCell<Current> = RefCell::new(Current::default());
}

/// Installs (once) a panic hook that prints the failing input as a replay line.
fn install_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let _ = CURRENT.try_with(|c| {
                if let Ok(c) = c.try_borrow()
                    && c.active
                {
                    eprintln!(
                        "fuzz: target {} failed on input #{} of seed {:#x} ({} bytes); replay:\n  \
                         STATICD_FUZZ_REPLAY='{} {:#x} {}' cargo test --test it fuzz::replay -- --nocapture",
                        c.target,
                        c.index,
                        c.seed,
                        c.input.len(),
                        c.target,
                        c.arg,
                        escape(&c.input),
                    );
                }
            });
            default(info);
        }));
    });
}

/// Records what is about to be checked, for the panic hook.
fn set_current(target: &'static str, seed: u64, index: u64, arg: u64, input: &[u8]) {
    CURRENT.with(|c| {
        let mut c = c.borrow_mut();
        c.active = true;
        c.target = target;
        c.seed = seed;
        c.index = index;
        c.arg = arg;
        c.input.clear();
        c.input.extend_from_slice(input);
    });
}

/// Forgets the current input once a run is over.
fn clear_current() {
    CURRENT.with(|c| c.borrow_mut().active = false);
}

/// `input` with printable ASCII kept (but `\` and `'`), everything else as `\r`, `\n`,
/// `\t` or `\xNN`: safe inside shell single quotes, and read back by [`unescape`].
fn escape(input: &[u8]) -> String {
    let mut s = String::with_capacity(input.len());
    for &b in input {
        match b {
            b'\\' => s.push_str("\\\\"),
            b'\r' => s.push_str("\\r"),
            b'\n' => s.push_str("\\n"),
            b'\t' => s.push_str("\\t"),
            b'\'' => s.push_str("\\x27"),
            0x20..=0x7e => s.push(char::from(b)),
            _ => {
                let _ = write!(s, "\\x{b:02x}");
            }
        }
    }
    s
}

/// The bytes [`escape`] wrote `s` from.
fn unescape(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'\\' || i + 1 == b.len() {
            out.push(b[i]);
            i += 1;
            continue;
        }
        match b[i + 1] {
            b'r' => out.push(b'\r'),
            b'n' => out.push(b'\n'),
            b't' => out.push(b'\t'),
            b'0' => out.push(0),
            b'x' => {
                let hex = s.get(i + 2..i + 4).expect("\\x needs two hex digits");
                out.push(u8::from_str_radix(hex, 16).expect("bad \\x escape"));
                i += 2;
            }
            other => out.push(other),
        }
        i += 2;
    }
    out
}

/// A number in decimal or `0x` hex, `_` allowed between digits.
fn parse_number(s: &str) -> Option<u64> {
    let s = s.trim().replace('_', "");
    match s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        Some(hex) => u64::from_str_radix(hex, 16).ok(),
        None => s.parse().ok(),
    }
}

/// The environment variable `name` as a number, or `default` when unset.
fn env_number(name: &str, default: u64) -> u64 {
    match std::env::var(name) {
        Ok(v) => parse_number(&v).unwrap_or_else(|| panic!("{name}={v:?} is not a number")),
        Err(_) => default,
    }
}

/// FNV-1a of a target name, to give each target its own stream from one seed.
fn name_hash(name: &str) -> u64 {
    name.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Runs target `name` for its share of the inputs, prints its rate and counters, returns them.
fn run(name: &str) -> (u64, Stats) {
    install_hook();
    let target = TARGETS.iter().find(|t| t.name == name).expect("target");
    let total = env_number("STATICD_FUZZ_ITERS", DEFAULT_ITERS);
    let seed = env_number("STATICD_FUZZ_SEED", DEFAULT_SEED);
    let iters = (total * target.weight / 100).max(1);
    let mut rng = Rng::new(seed ^ name_hash(name));
    let mut corpus = (target.corpus)();
    let mut stats = Stats::default();
    let start = Instant::now();
    for index in 0..iters {
        let input = corpus.generate(&mut rng);
        let arg = (target.arg)(&mut rng);
        set_current(target.name, seed, index, arg, &input);
        (target.check)(&input, arg, &mut stats);
    }
    clear_current();
    let secs = start.elapsed().as_secs_f64();
    let mut report = format!(
        "fuzz {name}: seed {seed:#x}, {iters} inputs in {secs:.2} s ({:.0} inputs/s)",
        iters as f64 / secs.max(1e-9)
    );
    for (counter, n) in &stats.0 {
        let _ = write!(report, "\n  {n:>9}  {counter}");
    }
    println!("{report}");
    (iters, stats)
}

/// Asserts that `counter` was reached at least once per `per` inputs, when the run is long
/// enough to tell: a generator that never reaches an outcome proves nothing about it.
fn assert_reached(iters: u64, stats: &Stats, counter: &str, per: u64) {
    if iters >= 5_000 {
        let n = stats.get(counter);
        assert!(
            n * per >= iters,
            "only {n} of {iters} inputs reached {counter:?}"
        );
    }
}

/// Whether `part` lies inside `whole` (pointer comparison, so a copy does not pass).
fn within(part: &[u8], whole: &[u8]) -> bool {
    let (p, w) = (part.as_ptr() as usize, whole.as_ptr() as usize);
    p >= w && p + part.len() <= w + whole.len()
}

/// `s` without leading and trailing SP and HTAB (RFC 9110 OWS).
fn trim_ows(mut s: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = s {
        s = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = s {
        s = rest;
    }
    s
}

/// tchar (RFC 9110 §5.6.2), written independently of the parser's table.
fn tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// Bytes of uri-host [":" port] (RFC 3986 reg-name, IPv4, IP-literal), as staticd admits them.
fn host_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"-._~%!$&'()*+,;=:[]".contains(&b)
}

// ---- request parser ---------------------------------------------------------------------

/// Requests both parsers must accept.
const VALID_REQUESTS: &[&[u8]] = &[
    b"GET / HTTP/1.1\r\nHost: example.com\r\n\r\n",
    b"HEAD /index.html HTTP/1.0\r\n\r\n",
    b"GET /a/b/c.txt?x=1&y=2 HTTP/1.1\r\nHost: localhost:8080\r\nUser-Agent: curl/8.5.0\r\n\
Accept: */*\r\n\r\n",
    b"GET /big.bin HTTP/1.1\r\nHost: [::1]:8080\r\nConnection: keep-alive\r\n\
Range: bytes=0-99,200-,-50\r\nIf-Range: \"5f3a-1b2c\"\r\n\
If-None-Match: W/\"a\", \"b\"\r\nIf-Modified-Since: Sun, 06 Nov 1994 08:49:37 GMT\r\n\
Accept-Encoding: gzip;q=0.8, br, *;q=0\r\nCookie: a=b; c=d\r\nX-Empty:\r\n\
X-Tab:\tv\t\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: h\r\n\r\nGET /2 HTTP/1.1\r\nHost: h\r\n\r\nHEAD /3 HTTP/1.1\r\n\
Host: h\r\nConnection: close\r\n\r\n",
    b"GET http://example.com/x?y HTTP/1.1\r\nHost: example.com\r\n\r\n",
    b"OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n",
    b"CONNECT h:443 HTTP/1.1\r\nHost: h:443\r\n\r\n",
    b"POST /form HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello",
    b"POST /up HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
    b"PUT /u HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
    b"PUT /u HTTP/1.1\r\nHost: h\r\nContent-Length: 5, 5\r\nContent-Length: 5\r\n\r\n",
    b"GET /%2e%2e/%2e%2e/etc/passwd HTTP/1.1\r\nHost: h\r\n\r\n",
    b"GET /../../etc/passwd HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n",
    b"\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n",
    b"get / HTTP/1.1\r\nHost: \r\n\r\n",
    b"M-SEARCH * HTTP/1.1\r\nHost: 239.255.255.250:1900\r\nX-Obs: caf\xc3\xa9 \x80\xff\r\n\r\n",
    b"GET /?q=%22%3C%3E HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\n\r\n",
    b"GET / HTTP/1.1\nHost: h\n\n",
    b"GET /caf\xc3\xa9 HTTP/1.1\r\nHost: h\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: h\r\nConnection: close, keep-alive\r\n\r\n",
];

/// Requests staticd must refuse, some by the grammar and some by its own rules.
const INVALID_REQUESTS: &[&[u8]] = &[
    b"GET / HTTP/1.1\r\nHost: h\r\n folded\r\n\r\n",
    b"GET / HTTP/1.1\r\n Host: h\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost : h\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: h\r\nNoColon\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: a b\r\n\r\n",
    b"GET / HTTP/1.1\r\n\r\n",
    b"GET / HTTP/2.0\r\nHost: h\r\n\r\n",
    b"GET / HTTP/1.2\r\nHost: h\r\n\r\n",
    b"GET / http/1.1\r\nHost: h\r\n\r\n",
    b"GET  / HTTP/1.1\r\nHost: h\r\n\r\n",
    b"GET\t/ HTTP/1.1\r\nHost: h\r\n\r\n",
    b"GET / HTTP/1.1 \r\nHost: h\r\n\r\n",
    b"GET /\x00 HTTP/1.1\r\nHost: h\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: h\r\nX: a\x00b\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: h\r\nX: a\x7fb\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: h\r\nX: a\rb\r\n\r\n",
    b"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
    b"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n",
    b"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
    b"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: +5\r\n\r\n",
    b"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 18446744073709551616\r\n\r\n",
    b"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked, gzip\r\n\r\n",
    b"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
    b"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n",
    b"\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: h\r\n:empty-name\r\n\r\n",
    b" GET / HTTP/1.1\r\nHost: h\r\n\r\n",
];

/// Tokens for the request mutator.
const REQUEST_DICT: &[&[u8]] = &[
    b"\r\n",
    b"\r\n\r\n",
    b"\n",
    b" ",
    b"\t",
    b":",
    b": ",
    b"Host: h\r\n",
    b"Host: ",
    b"Content-Length: 0\r\n",
    b"Content-Length: ",
    b"Transfer-Encoding: chunked\r\n",
    b"Transfer-Encoding: ",
    b"Connection: close\r\n",
    b"Connection: keep-alive\r\n",
    b"Range: bytes=0-1\r\n",
    b"Accept-Encoding: gzip\r\n",
    b"If-None-Match: \"e\"\r\n",
    b"HTTP/1.1",
    b"HTTP/1.0",
    b"GET ",
    b"HEAD ",
    b"POST ",
    b"%",
    b"%2e",
    b"..",
    b"/",
    b"?",
    b"#",
    b"http://",
    b",",
    b"chunked",
    b"18446744073709551616",
    b"[::1]",
    b"\xc3\xa9",
];

/// The request seeds, with large ones at and just past every size limit.
fn request_corpus() -> Corpus {
    let mut seeds: Vec<Vec<u8>> = VALID_REQUESTS
        .iter()
        .chain(INVALID_REQUESTS)
        .map(|s| s.to_vec())
        .collect();
    for line_len in [MAX_REQUEST_LINE, MAX_REQUEST_LINE + 1] {
        let pad = line_len - b"GET / HTTP/1.1".len();
        let mut s = b"GET /".to_vec();
        s.resize(s.len() + pad, b'a');
        s.extend_from_slice(b" HTTP/1.1\r\nHost: h\r\n\r\n");
        seeds.push(s);
    }
    for fields in [MAX_HEADERS, MAX_HEADERS + 1] {
        let mut s = b"GET / HTTP/1.1\r\nHost: h\r\n".to_vec();
        for i in 1..fields {
            s.extend_from_slice(format!("X-F{i}: {i}\r\n").as_bytes());
        }
        s.extend_from_slice(b"\r\n");
        seeds.push(s);
    }
    for section in [MAX_HEADER_BYTES, MAX_HEADER_BYTES + 1] {
        let host = b"Host: h\r\n";
        let mut s = b"GET / HTTP/1.1\r\n".to_vec();
        s.extend_from_slice(host);
        s.extend_from_slice(b"X-Big: ");
        let pad = section - host.len() - b"X-Big: \r\n".len();
        s.resize(s.len() + pad, b'v');
        s.extend_from_slice(b"\r\n\r\n");
        seeds.push(s);
    }
    Corpus::new(seeds, REQUEST_DICT, 2 * MAX_HEAD).with_fresh(fresh_request)
}

/// A field name, the values it is drawn with, and how many of those (the first) are valid.
type FieldValues = (&'static [u8], &'static [&'static [u8]], usize);

/// Fields for [`fresh_request`], with values on every side of the Host and framing rules.
const FRESH_FIELDS: &[FieldValues] = &[
    (
        b"Host",
        &[
            b"h",
            b"h:80",
            b"[::1]:8080",
            b"",
            b"a b",
            b"a@b",
            b"h/x",
            b"caf\xc3\xa9",
            b"h, h",
        ],
        4,
    ),
    (
        b"Content-Length",
        &[
            b"0",
            b"5",
            b"5, 5",
            b"5 ,5",
            b"007",
            b"18446744073709551615",
            b"5,",
            b",5",
            b"+5",
            b"-1",
            b"",
            b"5, 6",
            b"18446744073709551616",
            b"0x5",
            b"1 2",
        ],
        6,
    ),
    (
        b"Transfer-Encoding",
        &[
            b"chunked",
            b"CHUNKED",
            b"gzip, chunked",
            b" chunked ",
            b"chunked, gzip",
            b"chunked,",
            b",chunked",
            b"chunked, chunked",
            b"",
            b"gzip",
            b"x;y=1, chunked",
            b"chunked;x=1",
        ],
        4,
    ),
    (
        b"Connection",
        &[
            b"close",
            b"keep-alive",
            b"Keep-Alive, close",
            b"upgrade",
            b"",
            b",,close,,",
        ],
        6,
    ),
    (
        b"Range",
        &[b"bytes=0-99", b"bytes=-5", b"items=1-2", b" bytes=1-"],
        4,
    ),
    (
        b"If-Range",
        &[b"\"e\"", b"Sun, 06 Nov 1994 08:49:37 GMT"],
        2,
    ),
    (b"If-None-Match", &[b"\"e\"", b"W/\"e\", \"f\"", b"*"], 3),
    (
        b"If-Modified-Since",
        &[b"Sun, 06 Nov 1994 08:49:37 GMT", b"yesterday"],
        2,
    ),
    (
        b"Accept-Encoding",
        &[b"gzip, br;q=0.5", b"identity;q=0", b"*"],
        3,
    ),
    (
        b"X-Other",
        &[b"v", b"", b" padded ", b"a\tb", b"\x80\xff", b"a: b"],
        6,
    ),
];

/// A request head assembled from parts chosen to hit the Host and framing rules, which
/// byte mutations of the seeds rarely leave otherwise well-formed.
fn fresh_request(rng: &mut Rng) -> Vec<u8> {
    const METHODS: &[&[u8]] = &[
        b"GET",
        b"GET",
        b"HEAD",
        b"POST",
        b"PUT",
        b"get",
        b"M-SEARCH",
    ];
    const TARGETS: &[&[u8]] = &[
        b"/",
        b"/a/b?c=d",
        b"*",
        b"http://h/x",
        b"h:443",
        b"/%2e%2e/x",
        b"/\"<>{}|",
    ];
    const VERSIONS: &[&[u8]] = &[
        b"HTTP/1.1",
        b"HTTP/1.1",
        b"HTTP/1.0",
        b"HTTP/1.2",
        b"HTTP/2.0",
        b"HTTP/0.9",
    ];
    const SEPARATORS: &[&[u8]] = &[b": ", b": ", b": ", b":", b":\t", b":  "];
    let mut s = Vec::new();
    s.extend_from_slice(rng.pick::<&[u8]>(METHODS));
    s.push(b' ');
    s.extend_from_slice(rng.pick::<&[u8]>(TARGETS));
    s.push(b' ');
    s.extend_from_slice(rng.pick::<&[u8]>(VERSIONS));
    s.extend_from_slice(b"\r\n");
    let count = rng.index(7);
    let host_at = if rng.one_in(10) {
        usize::MAX
    } else {
        rng.index(count + 1)
    };
    for i in 0..=count {
        let (name, values, good) = if i == host_at || (i > 0 && rng.one_in(20)) {
            FRESH_FIELDS[0]
        } else if i == count {
            continue;
        } else {
            *rng.pick(&FRESH_FIELDS[1..])
        };
        s.extend_from_slice(name);
        s.extend_from_slice(rng.pick::<&[u8]>(SEPARATORS));
        // Mostly a valid value, so that a head breaks one rule at a time.
        let valid = if rng.one_in(4) { values.len() } else { good };
        s.extend_from_slice(values[rng.index(valid)]);
        s.extend_from_slice(b"\r\n");
    }
    s.extend_from_slice(b"\r\n");
    s
}

/// The request line's length, the header section's length and its number of field lines in
/// `buf`, split on LF the plain way (after any empty lines); the section ends at the empty
/// line, or at the end of `buf`, whose last line counts even if it is cut short.
fn measure(buf: &[u8]) -> (usize, usize, usize) {
    let mut start = 0;
    loop {
        match buf[start..] {
            [b'\r', b'\n', ..] => start += 2,
            [b'\n', ..] => start += 1,
            _ => break,
        }
    }
    let line_end = |from: usize| {
        buf[from..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(buf.len(), |i| from + i)
    };
    let end = line_end(start);
    let line = &buf[start..end];
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let section = (end + 1).min(buf.len());
    let mut pos = section;
    let mut fields = 0;
    while pos < buf.len() {
        let end = line_end(pos);
        if end < buf.len() && matches!(&buf[pos..end], b"" | b"\r") {
            return (line.len(), pos - section, fields);
        }
        fields += 1;
        pos = end + 1;
    }
    (line.len(), buf.len() - section, fields)
}

/// Checks what holds for any answer: sizes, slices inside the head, the head alone deciding.
fn check_answer(buf: &[u8], answer: &Result<Parsed<'_>, request::Error>) {
    let (line, section, fields) = measure(buf);
    match *answer {
        Ok(Parsed::Partial) => assert!(buf.len() < MAX_HEAD, "Partial for {} bytes", buf.len()),
        Err(request::Error::UriTooLong) => assert!(line > MAX_REQUEST_LINE, "414 for {line}"),
        Err(request::Error::HeadersTooLarge) => assert!(
            section >= MAX_HEADER_BYTES || fields > MAX_HEADERS,
            "431 for {section} bytes in {fields} fields"
        ),
        Err(_) => {}
        Ok(Parsed::Complete(r, n)) => {
            assert!(n > 0 && n <= buf.len() && n <= MAX_HEAD, "consumed {n}");
            let (line, section, fields) = measure(&buf[..n]);
            assert!(line <= MAX_REQUEST_LINE, "a request line of {line} bytes");
            assert!(
                section <= MAX_HEADER_BYTES,
                "a header section of {section} bytes"
            );
            assert!(fields <= MAX_HEADERS, "{fields} fields");
            let head = &buf[..n];
            let slices = [Some(r.method_bytes), Some(r.target), r.host]
                .into_iter()
                .chain([r.if_none_match, r.if_modified_since, r.range, r.if_range])
                .chain([r.accept_encoding])
                .flatten();
            for s in slices {
                assert!(within(s, head), "a returned slice lies outside the head");
            }
            assert_eq!(r.method, Method::of(r.method_bytes));
            assert!(r.version == Version::Http10 || r.host.is_some());
            assert!(r.version == Version::Http11 || r.framing != Framing::Chunked);
            // What follows the head changes nothing.
            assert_eq!(request::parse(head), Ok(Parsed::Complete(r, n)));
        }
    }
}

/// Checks that the answer for `buf[..cut]` does not contradict the answer for all of `buf`.
fn check_prefix(buf: &[u8], cut: usize, full: &Result<Parsed<'_>, request::Error>) {
    let part = request::parse(&buf[..cut]);
    check_answer(&buf[..cut], &part);
    match (full, part) {
        (Ok(Parsed::Complete(r, n)), Ok(Parsed::Complete(r2, n2))) if cut >= *n => {
            assert_eq!((*r, *n), (r2, n2), "prefix {cut}");
        }
        (Ok(Parsed::Complete(_, n)), Ok(Parsed::Partial)) if cut < *n => {}
        (Ok(Parsed::Partial), Ok(Parsed::Partial)) => {}
        (Err(_), Ok(Parsed::Partial)) => {}
        (Err(a), Err(b)) => assert_eq!(*a, b, "prefix {cut}"),
        (full, part) => panic!("prefix {cut} gave {part:?}, the whole input {full:?}"),
    }
}

/// Fuzzes [`request::parse`]: answer invariants, a prefix, pipelined heads, httparse, and the
/// parsed fields fed on to the other parsers.
fn check_request(buf: &[u8], arg: u64, stats: &mut Stats) {
    let full = request::parse(buf);
    check_answer(buf, &full);
    let cut = (arg % (buf.len() as u64 + 1)) as usize;
    check_prefix(buf, cut, &full);
    compare_with_httparse(buf, &full, stats, false);
    compare_with_httparse(&buf[..cut], &request::parse(&buf[..cut]), stats, true);
    let mut scratch = Stats::default();
    let mut rest = buf;
    let mut answer = full;
    for _ in 0..8 {
        let Ok(Parsed::Complete(r, n)) = answer else {
            break;
        };
        stats.bump("request: complete");
        check_path(r.target, arg, &mut scratch);
        if let Some(h) = r.range {
            check_range(h, range_len(&mut Rng::new(arg)), &mut scratch);
        }
        if let Some(h) = r.accept_encoding {
            check_encoding(h, arg, &mut scratch);
        }
        let _ = conditional::evaluate(
            r.if_none_match,
            r.if_modified_since,
            b"\"5f3a-1b2c\"",
            Some(784_111_777),
            arg as i64,
        );
        let _ = conditional::if_range_allows(r.if_range, b"\"5f3a-1b2c\"", Some(784_111_777));
        // The next pipelined request (a body, if any, is left to be misread: that too must
        // not panic).
        rest = &rest[n..];
        answer = request::parse(rest);
        check_answer(rest, &answer);
    }
}

// Comparison with httparse. It applies where RFC 9110 / 9112 leave a server no choice, so
// [`shape`] leaves out every input that uses one of these freedoms, and [`must_reject`]
// names the rules above the syntax that staticd enforces and httparse leaves to its caller.

/// Over 8 empty lines before the request line: RFC 9112 §2.2 says a server SHOULD skip at
/// least one; staticd skips 8 then answers 400, httparse skips any number.
const X_EMPTY_LINES: &str = "excluded: over 8 leading empty lines (RFC 9112 §2.2)";
/// A bare LF line ending, which RFC 9112 §2.2 lets a recipient accept (both do).
const X_BARE_LF: &str = "excluded: bare LF (RFC 9112 §2.2 MAY)";
/// A bare CR, which RFC 9112 §2.2 lets a recipient replace with SP instead of rejecting.
const X_BARE_CR: &str = "excluded: bare CR (RFC 9112 §2.2 may become SP)";
/// Whitespace other than single SPs in the request line: RFC 9112 §3 lets a recipient split
/// the line on any run of SP, HTAB, VT, FF (staticd and httparse do not).
const X_LINE_WS: &str = "excluded: request-line whitespace (RFC 9112 §3 MAY)";
/// A request line over 8 KiB: staticd answers 414, httparse has no limit (RFC 9112 §3 lets a
/// server choose its limit).
const X_LONG_LINE: &str = "excluded: request line over 8 KiB (414, a server's limit)";
/// A target with bytes above 0x7F: invalid, so RFC 9112 §3.2 allows 400 or a 301 to the
/// encoded form; staticd takes any obs-text, httparse only UTF-8.
const X_NON_ASCII_TARGET: &str = "excluded: non-ASCII target (RFC 9112 §3.2 400 or 301)";
/// A field line starting with SP or HTAB (obs-fold, or whitespace before the first field):
/// RFC 9112 §5.2 and §2.2 let a server unfold or skip it instead of answering 400.
const X_FOLD: &str = "excluded: obs-fold or leading whitespace (RFC 9112 §5.2 / §2.2)";
/// NUL in a field value: RFC 9110 §5.5 lets a recipient replace it with SP.
const X_NUL_VALUE: &str = "excluded: NUL in a field value (RFC 9110 §5.5 may become SP)";
/// A header section over 16 KiB: staticd answers 431, httparse has no size limit.
const X_LARGE_SECTION: &str = "excluded: header section over 16 KiB (431, a server's limit)";

/// Sorts a buffer for the httparse comparison: `Err(reason)` when it uses a freedom the RFCs
/// leave (or crosses a size limit httparse does not have), else `Ok(complete)`: whether it
/// holds a whole head. The count limit needs no exclusion: httparse is given exactly
/// [`MAX_HEADERS`] slots, so both reject field 101. Nor does obs-text in field values:
/// RFC 9110 §5.5 makes it part of a field value, so both must take it.
fn shape(buf: &[u8]) -> Result<bool, &'static str> {
    let mut start = 0;
    let mut empty = 0;
    while buf[start..].starts_with(b"\r\n") {
        start += 2;
        empty += 1;
    }
    if empty > MAX_EMPTY_LINES {
        return Err(X_EMPTY_LINES);
    }
    let head_end = buf[start..]
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|i| start + i + 4);
    let head = &buf[..head_end.unwrap_or(buf.len())];
    for (i, &b) in head.iter().enumerate() {
        if b == b'\n' && (i == 0 || head[i - 1] != b'\r') {
            return Err(X_BARE_LF);
        }
        if b == b'\r' && head.get(i + 1).is_some_and(|&n| n != b'\n') {
            return Err(X_BARE_CR);
        }
    }
    let rest = &head[start..];
    let line_len = rest
        .windows(2)
        .position(|w| w == b"\r\n")
        .unwrap_or(rest.len());
    let line = &rest[..line_len];
    let line_done = line_len < rest.len();
    if line.len() > MAX_REQUEST_LINE {
        return Err(X_LONG_LINE);
    }
    if line.iter().any(|&b| matches!(b, b'\t' | 0x0b | 0x0c))
        || line.windows(2).any(|w| w == b"  ")
        || line.first() == Some(&b' ')
        || (line_done && line.last() == Some(&b' '))
    {
        return Err(X_LINE_WS);
    }
    // A CTL or DEL cannot be part of a target at all (it ends the request-line grammar's
    // words), so those stay in: both parsers must reject them.
    let mut words = line.splitn(3, |&b| b == b' ');
    if words.nth(1).is_some_and(|t| !t.is_ascii()) {
        return Err(X_NON_ASCII_TARGET);
    }
    if !line_done {
        return Ok(false);
    }
    let fields_start = start + line_len + 2;
    let section = match head_end {
        Some(end) => &buf[fields_start.min(end - 2)..end - 2],
        None => &buf[fields_start.min(buf.len())..],
    };
    if section.len() > MAX_HEADER_BYTES || (head_end.is_none() && section.len() == MAX_HEADER_BYTES)
    {
        return Err(X_LARGE_SECTION);
    }
    for field in section.split(|&b| b == b'\n') {
        if matches!(field.first(), Some(b' ' | b'\t')) {
            return Err(X_FOLD);
        }
        if let Some(colon) = field.iter().position(|&b| b == b':')
            && field[colon..].contains(&0)
        {
            return Err(X_NUL_VALUE);
        }
    }
    Ok(head_end.is_some())
}

/// The values of every field named `name`, OWS trimmed, in order.
fn values<'a>(headers: &[httparse::Header<'a>], name: &str) -> Vec<&'a [u8]> {
    headers
        .iter()
        .filter(|h| h.name.eq_ignore_ascii_case(name))
        .map(|h| trim_ows(h.value))
        .collect()
}

/// The list elements of every field named `name`, OWS trimmed (empty ones kept).
fn items<'a>(headers: &[httparse::Header<'a>], name: &str) -> Vec<&'a [u8]> {
    values(headers, name)
        .into_iter()
        .flat_map(|v| v.split(|&b| b == b','))
        .map(trim_ows)
        .collect()
}

/// `1*DIGIT` as a number (a Content-Length element, a range bound); `None` if it does not
/// fit a `u64`.
fn decimal(item: &[u8]) -> Option<u64> {
    if item.is_empty() || !item.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(item).ok()?.parse().ok()
}

/// Why staticd must answer 400 to a head httparse accepts: the Host and framing rules that
/// RFC 9112 puts above the syntax and httparse leaves to its caller. `None`: must accept.
fn must_reject(version: u8, headers: &[httparse::Header<'_>]) -> Option<&'static str> {
    let hosts = values(headers, "host");
    if hosts.len() > 1 {
        return Some("400: duplicate Host (RFC 9112 §3.2 MUST)");
    }
    if version == 1 && hosts.is_empty() {
        return Some("400: HTTP/1.1 without Host (RFC 9112 §3.2 MUST)");
    }
    if hosts.iter().any(|h| !h.iter().all(|&b| host_byte(b))) {
        return Some("400: invalid Host (RFC 9112 §3.2 MUST)");
    }
    let mut lengths = Vec::new();
    for item in items(headers, "content-length") {
        match decimal(item) {
            Some(n) => lengths.push(n),
            None => return Some("400: invalid Content-Length (RFC 9112 §6.3 MUST)"),
        }
    }
    if lengths.windows(2).any(|w| w[0] != w[1]) {
        return Some("400: conflicting Content-Lengths (RFC 9112 §6.3 MUST)");
    }
    if values(headers, "transfer-encoding").is_empty() {
        return None;
    }
    if version == 0 {
        // §6.1: faulty framing; staticd cannot read such a body safely, so 400.
        return Some("400: Transfer-Encoding in HTTP/1.0 (RFC 9112 §6.1)");
    }
    if !lengths.is_empty() {
        // §6.1 lets a server reject this smuggling pattern; staticd does.
        return Some("400: Transfer-Encoding with Content-Length (RFC 9112 §6.1 MAY)");
    }
    let codings = items(headers, "transfer-encoding");
    if codings
        .iter()
        .any(|c| c.is_empty() || !c.iter().all(|&b| tchar(b)))
    {
        return Some("400: malformed Transfer-Encoding (RFC 9112 §6.1)");
    }
    let chunked = |c: &[u8]| c.eq_ignore_ascii_case(b"chunked");
    if !codings.last().is_some_and(|c| chunked(c))
        || codings.iter().filter(|c| chunked(c)).count() != 1
    {
        return Some("400: chunked not last, or twice (RFC 9112 §6.3 MUST)");
    }
    None
}

/// Checks a head both parsers accepted: the same request line, fields, framing, keep-alive.
fn check_same_request(r: &Request<'_>, theirs: &httparse::Request<'_, '_>) {
    let hs = &*theirs.headers;
    assert_eq!(Some(r.method_bytes), theirs.method.map(str::as_bytes));
    assert_eq!(Some(r.target), theirs.path.map(str::as_bytes));
    let version = match r.version {
        Version::Http10 => 0,
        Version::Http11 => 1,
    };
    assert_eq!(Some(version), theirs.version);
    let first = |name: &str| values(hs, name).first().copied();
    assert_eq!(r.host, first("host"));
    assert_eq!(r.range, first("range"));
    assert_eq!(r.if_range, first("if-range"));
    assert_eq!(r.if_none_match, first("if-none-match"));
    assert_eq!(r.if_modified_since, first("if-modified-since"));
    assert_eq!(r.accept_encoding, first("accept-encoding"));
    let connection = items(hs, "connection");
    let has = |t: &[u8]| connection.iter().any(|c| c.eq_ignore_ascii_case(t));
    // RFC 9112 §9.3: 1.1 persists unless "close"; 1.0 only with "keep-alive".
    let keep_alive = !has(b"close") && (version == 1 || has(b"keep-alive"));
    assert_eq!(r.keep_alive, keep_alive);
    let body = if !values(hs, "transfer-encoding").is_empty() {
        Framing::Chunked
    } else if let Some(&n) = items(hs, "content-length").first() {
        Framing::Length(decimal(n).expect("checked by must_reject"))
    } else {
        Framing::None
    };
    assert_eq!(r.framing, body);
}

/// Compares staticd's answer for `buf` with httparse's where the RFCs leave no choice;
/// `prefix` counts it apart, as the cut-short copy of an input already compared whole.
fn compare_with_httparse(
    buf: &[u8],
    ours: &Result<Parsed<'_>, request::Error>,
    stats: &mut Stats,
    prefix: bool,
) {
    let complete = match shape(buf) {
        Ok(complete) => complete,
        Err(reason) => {
            if !prefix {
                stats.bump(reason);
            }
            return;
        }
    };
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut theirs = httparse::Request::new(&mut headers);
    let status = theirs.parse(buf);
    let outcome = match (&status, ours) {
        (Ok(httparse::Status::Partial), Ok(Parsed::Partial)) => "both partial",
        (Err(_), Err(_)) => "both reject",
        // One parser saw the error sooner; no complete head may be left undecided.
        (Err(_), Ok(Parsed::Partial)) | (Ok(httparse::Status::Partial), Err(_)) => {
            assert!(
                !complete,
                "a whole head: httparse {status:?}, staticd {ours:?}"
            );
            "one rejects, one wants more"
        }
        (Ok(httparse::Status::Complete(n)), _) => {
            match (
                must_reject(theirs.version.unwrap_or(1), theirs.headers),
                ours,
            ) {
                (Some(reason), Err(request::Error::BadRequest)) => reason,
                (Some(reason), _) => panic!("must answer 400 ({reason}), staticd gave {ours:?}"),
                (None, Ok(Parsed::Complete(r, m))) => {
                    assert_eq!(
                        *n, *m,
                        "httparse and staticd end the head at different bytes"
                    );
                    check_same_request(r, &theirs);
                    "both accept"
                }
                (None, _) => panic!("httparse accepts ({n} bytes), staticd {ours:?}"),
            }
        }
        _ => panic!("httparse {status:?}, staticd {ours:?}"),
    };
    if !prefix {
        stats.bump(outcome);
    } else {
        stats.bump(match outcome {
            "both partial" => "prefix: both partial",
            "both reject" => "prefix: both reject",
            "both accept" => "prefix: both accept",
            _ => "prefix: other agreement",
        });
    }
}

// ---- paths ----------------------------------------------------------------------------

/// Request targets: traversal, encodings, every form.
const PATH_SEEDS: &[&[u8]] = &[
    b"/",
    b"/index.html",
    b"/a/b/c",
    b"/a/../b",
    b"/../../etc/passwd",
    b"/%2e%2e/%2e%2e/etc/passwd",
    b"/%2E%2E%2F%2E%2E%2Fetc%2Fpasswd",
    b"/a/./b/../../c/",
    b"/.git/config",
    b"/a/.well-known/x",
    b"/%252e%252e/",
    b"/a%00b",
    b"/%c0%ae%c0%ae/",
    b"/a\\..\\b",
    b"//a//b//",
    b"/a/b/..",
    b"/a/b/.",
    b"/.",
    b"/..",
    b"/.a/../b",
    b"/./.././x",
    b"/..%2f..%2f",
    b"/a/%2e/b",
    b"http://h/x/../y?q",
    b"https://h",
    b"HTTP://h?x",
    b"http:///x",
    b"*",
    b"h:443",
    b"/a?b#c",
    b"/a#b?c",
    b"/%",
    b"/%2",
    b"/%zz",
    b"/%7f",
    b"/caf%C3%A9",
    b"/a b",
    b"/\xff\x80",
    b"",
];

/// Tokens for the path mutator.
const PATH_DICT: &[&[u8]] = &[
    b"/",
    b"..",
    b".",
    b"%2e",
    b"%2E",
    b"%2f",
    b"%2F",
    b"%00",
    b"%25",
    b"%5c",
    b"%c0%ae",
    b"?",
    b"#",
    b"http://",
    b"https://h",
    b"\\",
    b"/../",
    b"/./",
    b"%%",
    b"%1f",
    b"%7F",
    b"%ff",
];

/// The path corpus.
fn path_corpus() -> Corpus {
    Corpus::new(
        PATH_SEEDS.iter().map(|s| s.to_vec()).collect(),
        PATH_DICT,
        4096,
    )
}

/// What [`path::normalize`] must give, the plain way: decode everything, then resolve
/// dot-segments on a stack that cannot go below the root.
fn reference_normalize(raw: &[u8]) -> Result<Vec<u8>, path::Error> {
    let Some(rest) = raw.strip_prefix(b"/") else {
        return Err(path::Error::BadRequest);
    };
    let hex = |b: Option<&u8>| b.and_then(|&b| char::from(b).to_digit(16));
    let mut decoded = Vec::new();
    let mut i = 0;
    while i < rest.len() {
        let b = if rest[i] == b'%' {
            let (Some(hi), Some(lo)) = (hex(rest.get(i + 1)), hex(rest.get(i + 2))) else {
                return Err(path::Error::BadRequest);
            };
            i += 3;
            (hi * 16 + lo) as u8
        } else {
            i += 1;
            rest[i - 1]
        };
        if b < 0x20 || b == 0x7f {
            return Err(path::Error::BadRequest);
        }
        decoded.push(b);
    }
    let segments: Vec<&[u8]> = decoded.split(|&b| b == b'/').collect();
    let mut stack: Vec<&[u8]> = Vec::new();
    for s in &segments {
        match *s {
            b"" | b"." => {}
            b".." => {
                stack.pop();
            }
            name => stack.push(name),
        }
    }
    // Dot names are hidden, except `.well-known` at the root.
    let hidden = |(i, s): (usize, &&[u8])| s.starts_with(b".") && (i > 0 || *s != b".well-known");
    if stack.iter().enumerate().any(hidden) {
        return Err(path::Error::NotFound);
    }
    let mut out = stack.join(&b'/');
    let last = segments.last().copied().unwrap_or_default();
    if !stack.is_empty() && matches!(last, b"" | b"." | b"..") {
        out.push(b'/');
    }
    Ok(out)
}

/// Checks a normalised path: relative, no empty, dot or dot-prefixed segment, no control
/// byte, and so (lexically) inside ROOT whatever ROOT is.
fn check_normalized(out: &[u8]) {
    assert!(!out.starts_with(b"/"), "absolute: {}", escape(out));
    assert!(!out.iter().any(|&b| b < 0x20 || b == 0x7f), "control byte");
    let body = out.strip_suffix(b"/").unwrap_or(out);
    if body.is_empty() {
        assert!(out.is_empty(), "{}", escape(out));
        return;
    }
    for (i, seg) in body.split(|&b| b == b'/').enumerate() {
        assert!(!seg.is_empty(), "empty segment in {}", escape(out));
        let well_known = i == 0 && seg == b".well-known";
        assert!(
            !seg.starts_with(b".") || well_known,
            "dot segment in {}",
            escape(out)
        );
    }
    let root = Path::new("/srv/root");
    let joined = root.join(OsStr::from_bytes(out));
    assert!(
        joined.starts_with(root)
            && joined
                .components()
                .skip(3)
                .all(|c| matches!(c, Component::Normal(_))),
        "{} leaves ROOT",
        escape(out)
    );
}

/// Fuzzes [`path::split_target`] and [`path::normalize`] against [`reference_normalize`].
fn check_path(target: &[u8], _arg: u64, stats: &mut Stats) {
    let mut out = Vec::new();
    match path::split_target(target) {
        Ok(t) => {
            assert!(t.path.starts_with(b"/"));
            assert!(within(t.path, target) || t.path == b"/");
            assert!(t.query.is_none_or(|q| within(q, target)));
            assert!(!t.path.contains(&b'?') && !t.path.contains(&b'#'));
            if target.starts_with(b"/") {
                let plain = target.split(|&b| b == b'#').next().unwrap_or_default();
                let mut again = t.path.to_vec();
                if let Some(q) = t.query {
                    again.push(b'?');
                    again.extend_from_slice(q);
                }
                assert_eq!(again, plain);
            }
            let got = path::normalize(t.path, &mut out);
            assert_eq!(got.map(|()| out.clone()), reference_normalize(t.path));
            match got {
                Ok(()) => {
                    check_normalized(&out);
                    stats.bump("path: normalised");
                }
                Err(path::Error::NotFound) => stats.bump("path: hidden segment (404)"),
                Err(path::Error::BadRequest) => stats.bump("path: bad path (400)"),
            }
            assert!(got.is_ok() || out.is_empty());
        }
        Err(_) => stats.bump("path: bad target (400)"),
    }
    // The raw input as a path, too: more of it reaches the decoder this way.
    let got = path::normalize(target, &mut out);
    assert_eq!(got.map(|()| out.clone()), reference_normalize(target));
    if got.is_ok() {
        check_normalized(&out);
    }
}

// ---- ranges -----------------------------------------------------------------------------

/// Range field values.
const RANGE_SEEDS: &[&[u8]] = &[
    b"bytes=0-99",
    b"bytes=0-",
    b"bytes=-500",
    b"bytes=0-0,-1",
    b"bytes=500-600,601-999",
    b"bytes=0-1,1-2,3-4,10-20,5-9",
    b"bytes= 0-1 , , 5-9 ,",
    b"BYTES=1-2",
    b"bytes=18446744073709551615-",
    b"bytes=18446744073709551616-",
    b"bytes=-18446744073709551615",
    b"bytes=5-1",
    b"bytes=-0",
    b"bytes=0-0",
    b"items=0-1",
    b"bytes=0-1,2-3,4-5,6-7,8-9,10-11,12-13,14-15,16-17,18-19,20-21,22-23,24-25,26-27,28-29,30-31",
    b"bytes=0-1,2-3,4-5,6-7,8-9,10-11,12-13,14-15,16-17,18-19,20-21,22-23,24-25,26-27,28-29,30-31,32-33",
    b"bytes=\t1-2\t",
    b"bytes=1000-2000",
    b"bytes=0 - 1",
    b"bytes=1-2-3",
    b"bytes=",
    b"",
];

/// Tokens for the range mutator.
const RANGE_DICT: &[&[u8]] = &[
    b",",
    b"-",
    b"bytes=",
    b"0",
    b"1",
    b"18446744073709551615",
    b"18446744073709551616",
    b" ",
    b"\t",
    b"999",
    b"100",
    b"-1",
    b"0-",
];

/// The range corpus.
fn range_corpus() -> Corpus {
    Corpus::new(
        RANGE_SEEDS.iter().map(|s| s.to_vec()).collect(),
        RANGE_DICT,
        4096,
    )
    .with_fresh(fresh_range)
}

/// A number for a range spec: small ones (near the usual lengths) mostly.
fn range_number(rng: &mut Rng) -> u64 {
    match rng.index(10) {
        0 => 0,
        1 => u64::MAX,
        2 => rng.next(),
        3 => rng.index(4) as u64,
        _ => rng.index(1100) as u64,
    }
}

/// Optional whitespace, now and then.
fn ows(rng: &mut Rng) -> &'static str {
    rng.pick::<&str>(&["", "", "", "", " ", "\t", "  "])
}

/// A well-formed Range value of 1 to 18 specs (over [`range::MAX_RANGES`] now and then).
fn fresh_range(rng: &mut Rng) -> Vec<u8> {
    let mut s = String::from(*rng.pick(&["bytes=", "bytes=", "bytes=", "Bytes=", "BYTES="]));
    let specs = if rng.one_in(4) {
        1 + rng.index(18)
    } else {
        1 + rng.index(3)
    };
    for i in 0..specs {
        if i > 0 {
            s.push_str(ows(rng));
            s.push(',');
            if rng.one_in(10) {
                s.push(',');
            }
        }
        s.push_str(ows(rng));
        let a = range_number(rng);
        match rng.index(4) {
            0 => {
                let _ = write!(s, "{a}-");
            }
            1 => {
                let _ = write!(s, "-{a}");
            }
            _ => {
                let b = a.saturating_add(range_number(rng) / 4);
                let _ = write!(s, "{a}-{b}");
            }
        }
    }
    s.push_str(ows(rng));
    s.into_bytes()
}

/// What [`reference_ranges`] finds.
#[derive(Debug, PartialEq)]
enum Want {
    /// Serve the whole representation (200).
    Ignore,
    /// 416.
    Unsatisfiable,
    /// These merged ranges, in the order of their earliest member (206).
    Ranges(Vec<range::ByteRange>),
}

/// What [`range::parse`] must find, the plain way: split, parse, drop what lies past the end,
/// then merge overlapping or adjacent ranges sorted by start.
fn reference_ranges(header: &[u8], len: u64) -> Want {
    let h = trim_ows(header);
    if h.len() < 6 || !h[..6].eq_ignore_ascii_case(b"bytes=") {
        return Want::Ignore;
    }
    let specs: Vec<&[u8]> = h[6..]
        .split(|&b| b == b',')
        .map(trim_ows)
        .filter(|s| !s.is_empty())
        .collect();
    if specs.is_empty() || specs.len() > range::MAX_RANGES {
        return Want::Ignore;
    }
    // (index of the spec, range)
    let mut ranges = Vec::new();
    let mut empty_whole = false;
    for (i, spec) in specs.iter().enumerate() {
        let Some(dash) = spec.iter().position(|&b| b == b'-') else {
            return Want::Ignore;
        };
        let (first, last) = (&spec[..dash], &spec[dash + 1..]);
        if first.is_empty() {
            let Some(n) = decimal(last) else {
                return Want::Ignore;
            };
            if n > 0 && len == 0 {
                empty_whole = true;
            } else if n > 0 {
                ranges.push((i, len - n.min(len), len));
            }
            continue;
        }
        let Some(first) = decimal(first) else {
            return Want::Ignore;
        };
        let last = if last.is_empty() {
            None
        } else {
            match decimal(last) {
                Some(l) if l >= first => Some(l),
                _ => return Want::Ignore,
            }
        };
        if first < len {
            let end = last.map_or(len, |l| l.min(len - 1) + 1);
            ranges.push((i, first, end));
        }
    }
    if ranges.is_empty() {
        return if empty_whole {
            Want::Ignore
        } else {
            Want::Unsatisfiable
        };
    }
    ranges.sort_by_key(|&(_, start, _)| start);
    let mut groups: Vec<(usize, u64, u64)> = Vec::new();
    for (i, start, end) in ranges {
        match groups.last_mut() {
            Some(g) if start <= g.2 => {
                g.0 = g.0.min(i);
                g.2 = g.2.max(end);
            }
            _ => groups.push((i, start, end)),
        }
    }
    groups.sort_by_key(|&(i, _, _)| i);
    Want::Ranges(
        groups
            .into_iter()
            .map(|(_, start, end)| range::ByteRange { start, end })
            .collect(),
    )
}

/// Fuzzes [`range::parse`] for a representation of `len` bytes against [`reference_ranges`],
/// and checks the multipart length the ranges would be sent with.
fn check_range(header: &[u8], len: u64, stats: &mut Stats) {
    let got = range::parse(header, len);
    let list: Vec<range::ByteRange> = match got {
        range::Ranges::Single(r) => vec![r],
        range::Ranges::Multi(list) => {
            assert!(list.len() >= 2 && list.len() <= range::MAX_RANGES);
            list.iter().copied().collect()
        }
        range::Ranges::Ignore | range::Ranges::Unsatisfiable => Vec::new(),
    };
    for r in &list {
        assert!(r.start < r.end && r.end <= len, "{r:?} for length {len}");
    }
    let mut sorted = list.clone();
    sorted.sort_by_key(|r| r.start);
    assert!(
        sorted.windows(2).all(|w| w[0].end < w[1].start),
        "overlapping or adjacent: {list:?}"
    );
    let found = match got {
        range::Ranges::Ignore => Want::Ignore,
        range::Ranges::Unsatisfiable => Want::Unsatisfiable,
        _ => Want::Ranges(list.clone()),
    };
    assert_eq!(found, reference_ranges(header, len));
    stats.bump(match got {
        range::Ranges::Ignore => "range: ignored (200)",
        range::Ranges::Single(_) => "range: single (206)",
        range::Ranges::Multi(_) => "range: multipart (206)",
        range::Ranges::Unsatisfiable => "range: unsatisfiable (416)",
    });
    if list.len() >= 2 {
        let content_type = if len.is_multiple_of(2) {
            "text/plain"
        } else {
            ""
        };
        let mut heads = Vec::new();
        for &r in &list {
            range::part_head(&mut heads, range::BOUNDARY, content_type, r, len);
        }
        range::closing(&mut heads, range::BOUNDARY);
        let bodies: u128 = list.iter().map(|r| u128::from(r.len())).sum();
        let want = (heads.len() as u128 + bodies).min(u128::from(u64::MAX)) as u64;
        let got = range::multipart_length(&list, range::BOUNDARY, content_type, len);
        assert_eq!(got, want, "multipart length of {list:?}");
    }
    if let [r] = list[..] {
        let mut value = Vec::new();
        range::write_content_range(&mut value, r, len);
        assert_eq!(
            value,
            format!("bytes {}-{}/{len}", r.start, r.end - 1).as_bytes()
        );
    }
}

// ---- Accept-Encoding ----------------------------------------------------------------------

/// Accept-Encoding field values.
const ENCODING_SEEDS: &[&[u8]] = &[
    b"gzip",
    b"gzip, deflate, br, zstd",
    b"br;q=1.0, gzip;q=0.8, *;q=0.1",
    b"identity;q=0",
    b"*;q=0",
    b"*",
    b"x-gzip",
    b"gzip;q=0.5;level=1",
    b"gzip;q=\"0.5\"",
    b"gzip; q=0.5",
    b"gzip;q =0.5",
    b"gzip;q=1.001",
    b"gzip;q=0.1234",
    b"GZIP;Q=0.5",
    b"deflate;foo=\"a,b\", br",
    b"gzip;x=\"unterminated, br",
    b"gzip;x=\"a\\\"b\", br;q=0.3",
    b"",
    b",,,",
    b"compress, gzip;q=0",
    b"identity;q=0.001, br;q=0.001",
    b"gzip;q=0, gzip;q=0.7",
    b"*;q=0, identity",
    b"gzip;q=0.5;q=0.6",
];

/// Tokens for the Accept-Encoding mutator.
const ENCODING_DICT: &[&[u8]] = &[
    b",",
    b";",
    b"q=",
    b"q=0",
    b"q=1",
    b"q=0.5",
    b"q=1.000",
    b"=",
    b"\"",
    b"\\",
    b"*",
    b"gzip",
    b"br",
    b"identity",
    b"zstd",
    b"deflate",
    b"x-gzip",
    b" ",
    b"\t",
    b";q=0.001",
];

/// The Accept-Encoding corpus.
fn encoding_corpus() -> Corpus {
    Corpus::new(
        ENCODING_SEEDS.iter().map(|s| s.to_vec()).collect(),
        ENCODING_DICT,
        4096,
    )
    .with_fresh(fresh_encoding)
}

/// A well-formed Accept-Encoding value: codings, `*`, q-values, other parameters.
fn fresh_encoding(rng: &mut Rng) -> Vec<u8> {
    const CODINGS: &[&str] = &[
        "gzip", "x-gzip", "deflate", "br", "zstd", "identity", "*", "compress", "GZip",
    ];
    const QS: &[&str] = &[
        "0", "1", "0.5", "0.001", "0.999", "1.000", "0.8", "0.80", "0.0",
    ];
    let mut s = String::new();
    for i in 0..1 + rng.index(5) {
        if i > 0 {
            s.push(',');
            s.push_str(ows(rng));
        }
        s.push_str(rng.pick::<&str>(CODINGS));
        if rng.one_in(6) {
            s.push_str(";level=\"a,b\"");
        }
        if !rng.one_in(3) {
            s.push_str(";q=");
            s.push_str(rng.pick::<&str>(QS));
        }
    }
    s.into_bytes()
}

/// RFC 9110 §12.4.2 `qvalue`, from the grammar: `0[.ddd]` or `1[.000]`, in thousandths.
fn reference_qvalue(v: &[u8]) -> Option<u16> {
    let (int, frac) = match v.iter().position(|&b| b == b'.') {
        Some(dot) => (&v[..dot], &v[dot + 1..]),
        None => (v, &b""[..]),
    };
    if frac.len() > 3 || !frac.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let thousandths = frac
        .iter()
        .chain(b"000")
        .take(3)
        .fold(0u16, |acc, &d| acc * 10 + u16::from(d - b'0'));
    match int {
        b"0" => Some(thousandths),
        b"1" if thousandths == 0 => Some(1000),
        _ => None,
    }
}

/// The q-value per coding (in [`Coding::ALL`] order) of an Accept-Encoding value without
/// quotes, the plain way: split on commas, then semicolons; a malformed element counts for
/// nothing, and a coding the value does not name gets `*`'s q, or 1000 for identity, or 0.
fn reference_accept(header: &[u8]) -> [u16; 5] {
    let mut listed: [Option<u16>; 5] = [None; 5];
    let mut star = None;
    'elements: for element in header.split(|&b| b == b',') {
        let mut parts = element.split(|&b| b == b';');
        let coding = trim_ows(parts.next().unwrap_or_default());
        if coding.is_empty() || !coding.iter().all(|&b| tchar(b)) {
            continue;
        }
        let mut q = None;
        for param in parts.map(trim_ows).filter(|p| !p.is_empty()) {
            let Some(eq) = param.iter().position(|&b| b == b'=') else {
                continue 'elements;
            };
            let (name, value) = (&param[..eq], &param[eq + 1..]);
            let token = |t: &[u8]| !t.is_empty() && t.iter().all(|&b| tchar(b));
            if !token(name) || !token(value) {
                continue 'elements;
            }
            if name.eq_ignore_ascii_case(b"q") {
                match (q, reference_qvalue(value)) {
                    (None, Some(v)) => q = Some(v),
                    _ => continue 'elements,
                }
            }
        }
        let q = q.unwrap_or(1000);
        let slot = match coding.to_ascii_lowercase().as_slice() {
            b"*" => &mut star,
            b"identity" => &mut listed[0],
            b"gzip" | b"x-gzip" => &mut listed[1],
            b"deflate" => &mut listed[2],
            b"br" => &mut listed[3],
            b"zstd" => &mut listed[4],
            _ => continue,
        };
        *slot = Some(slot.map_or(q, |old: u16| old.max(q)));
    }
    let mut q = [0; 5];
    for (i, out) in q.iter_mut().enumerate() {
        *out = listed[i].or(star).unwrap_or(if i == 0 { 1000 } else { 0 });
    }
    q
}

/// The variants on offer for selector `arg`: some codings.
fn offered(arg: u64) -> Vec<Coding> {
    Coding::ALL
        .iter()
        .enumerate()
        .filter(|&(i, _)| arg >> i & 1 == 1)
        .map(|(_, &c)| c)
        .collect()
}

/// Checks that `choice` is an acceptable variant of `available` with the highest q (identity
/// only by default may rank below), br > zstd > gzip > deflate > identity among equals.
fn check_choice(accepted: &encoding::Accepted, available: &[Coding], choice: Choice) {
    let q = |c: Coding| accepted.q(c);
    let rank = |c: Coding| {
        [
            Coding::Identity,
            Coding::Deflate,
            Coding::Gzip,
            Coding::Zstd,
            Coding::Br,
        ]
        .iter()
        .position(|&d| d == c)
    };
    match choice {
        Choice::NotAcceptable => {
            assert!(available.iter().all(|&c| q(c) == 0), "{available:?}");
        }
        Choice::Use(c) => {
            assert!(
                available.contains(&c),
                "chose a coding that was not offered"
            );
            assert!(q(c) > 0, "chose refused {c:?}");
            for &d in available {
                if d == Coding::Identity {
                    // Identity by default (q reported 1000) ranks below every listed coding.
                    assert!(c == d || q(d) <= q(c) || q(d) == 1000, "{c:?} over {d:?}");
                } else if c != Coding::Identity {
                    assert!(q(d) <= q(c), "{c:?} (q {}) over {d:?} (q {})", q(c), q(d));
                    assert!(
                        q(d) < q(c) || rank(d) <= rank(c),
                        "{c:?} over {d:?} at equal q"
                    );
                } else {
                    assert!(q(d) < q(c), "identity over {d:?}");
                }
            }
        }
    }
}

/// Fuzzes [`encoding::parse`] and [`encoding::choose`]: q-values in range, case-blindness,
/// one field split in two gives the same, and the choice is an acceptable offered variant.
fn check_encoding(header: &[u8], arg: u64, stats: &mut Stats) {
    let accepted = encoding::parse(Some(header));
    for c in Coding::ALL {
        assert!(accepted.q(c) <= 1000);
    }
    assert_eq!(
        encoding::parse(Some(&header.to_ascii_uppercase())),
        accepted,
        "case changes the answer"
    );
    // Two field lines are one list (RFC 9110 §5.3); a quoted string could hide the comma.
    if !header.contains(&b'"') {
        let got: Vec<u16> = Coding::ALL.iter().map(|&c| accepted.q(c)).collect();
        assert_eq!(
            got,
            reference_accept(header),
            "q-values for {:?}",
            Coding::ALL
        );
        let commas: Vec<usize> = (0..header.len()).filter(|&i| header[i] == b',').collect();
        if !commas.is_empty() {
            let at = commas[(arg >> 20) as usize % commas.len()];
            let split = encoding::parse_fields([&header[..at], &header[at + 1..]]);
            assert_eq!(split, accepted, "split at {at}");
        }
    }
    let available = offered(arg);
    let choice = encoding::choose(&accepted, &available);
    check_choice(&accepted, &available, choice);
    let none = encoding::parse(None);
    check_choice(&none, &available, encoding::choose(&none, &available));
    stats.bump(match choice {
        Choice::Use(Coding::Identity) => "encoding: identity",
        Choice::Use(_) => "encoding: a coding",
        Choice::NotAcceptable => "encoding: not acceptable (406)",
    });
}

// ---- dates and conditionals -----------------------------------------------------------------

/// Entity-tags the server might have, valid and not.
const ETAGS: &[&[u8]] = &[
    b"\"5f3a-1b2c\"",
    b"W/\"5f3a-1b2c\"",
    b"\"\"",
    b"\"5f3a-1b2c-gz\"",
    b"unquoted",
    b"\"a\"b\"",
];

/// Dates in every format, entity-tag lists and junk.
fn conditional_corpus() -> Corpus {
    let mut seeds: Vec<Vec<u8>> = [
        &b"Sun, 06 Nov 1994 08:49:37 GMT"[..],
        b"Sunday, 06-Nov-94 08:49:37 GMT",
        b"Sun Nov  6 08:49:37 1994",
        b"Thu, 01 Jan 1970 00:00:00 GMT",
        b"Mon, 01 Jan 0000 00:00:00 GMT",
        b"Fri, 31 Dec 9999 23:59:59 GMT",
        b"Thu, 29 Feb 2024 12:00:00 GMT",
        b"Thursday, 01-Jan-70 00:00:00 GMT",
        b"Wed Feb 29 23:59:59 2000",
        b"Sun, 06 Nov 1994 08:49:60 GMT",
        b"*",
        b"\"5f3a-1b2c\"",
        b"W/\"5f3a-1b2c\"",
        b"\"a\", W/\"5f3a-1b2c\" , \"b\"",
        b"\"a,b\", \"5f3a-1b2c\"",
        b"\"unterminated, \"5f3a-1b2c\"",
        b" \"5f3a-1b2c\" ",
        b"w/\"5f3a-1b2c\"",
        b"",
    ]
    .iter()
    .map(|s| s.to_vec())
    .collect();
    for t in [0, 784_111_777, 951_782_400, date::MIN_SECS, date::MAX_SECS] {
        let mut out = [0u8; date::HTTP_DATE_LEN];
        date::format(t, &mut out);
        seeds.push(out.to_vec());
    }
    Corpus::new(seeds, CONDITIONAL_DICT, 1024).with_fresh(fresh_conditional)
}

/// The parts of an HTTP-date: short weekday, two-digit day, month, four-digit year, time.
struct DateParts {
    weekday: String,
    day: String,
    month: String,
    year: String,
    time: String,
}

impl DateParts {
    /// The parts of the instant `secs`, taken from its IMF-fixdate.
    fn of(secs: i64) -> Self {
        let mut imf = [0u8; date::HTTP_DATE_LEN];
        date::format(secs, &mut imf);
        // "Sun, 06 Nov 1994 08:49:37 GMT"
        let imf = String::from_utf8_lossy(&imf).into_owned();
        DateParts {
            weekday: imf[0..3].to_string(),
            day: imf[5..7].to_string(),
            month: imf[8..11].to_string(),
            year: imf[12..16].to_string(),
            time: imf[17..25].to_string(),
        }
    }

    /// The parts as an IMF-fixdate, an RFC 850 date and an asctime date (day padded with a
    /// space, and with a zero, which the parser also takes).
    fn render(&self) -> [Vec<u8>; 4] {
        let DateParts {
            weekday,
            day,
            month,
            year,
            time,
        } = self;
        let long = WEEKDAYS
            .iter()
            .find(|d| d.starts_with(weekday.as_str()))
            .copied()
            .unwrap_or(weekday);
        let short_year = year.get(2..).unwrap_or(year);
        let spaced = match day.strip_prefix('0') {
            Some(d) => format!(" {d}"),
            None => day.clone(),
        };
        [
            format!("{weekday}, {day} {month} {year} {time} GMT"),
            format!("{long}, {day}-{month}-{short_year} {time} GMT"),
            format!("{weekday} {month} {spaced} {time} {year}"),
            format!("{weekday} {month} {day} {time} {year}"),
        ]
        .map(String::into_bytes)
    }
}

/// A date in one of the three HTTP-date formats, a field of it now and then pushed past its
/// range, or an entity-tag list.
fn fresh_conditional(rng: &mut Rng) -> Vec<u8> {
    if rng.one_in(4) {
        let mut list = String::new();
        for i in 0..1 + rng.index(4) {
            if i > 0 {
                list.push_str(rng.pick::<&str>(&[",", ", ", " , ", ",,"]));
            }
            list.push_str(rng.pick::<&str>(&["", "", "W/"]));
            list.push('"');
            list.push_str(rng.pick::<&str>(&["5f3a-1b2c", "a", "", "5f3a-1b2c-gz", "x,y"]));
            list.push('"');
        }
        return list.into_bytes();
    }
    let secs = match rng.index(4) {
        0 => instant(rng),
        1 => (rng.index(200 * 366) as i64 - 100 * 366) * 86_400 + rng.index(86_400) as i64,
        _ => date::MIN_SECS + (rng.next() % (date::MAX_SECS - date::MIN_SECS + 1) as u64) as i64,
    };
    let mut parts = DateParts::of(secs);
    let edge = |rng: &mut Rng, values: &[&str]| rng.pick(values).to_string();
    match rng.index(8) {
        0 => parts.day = edge(rng, &["00", "01", "28", "29", "30", "31", "32", "99", " 1"]),
        1 => {
            parts.time = edge(
                rng,
                &[
                    "23:59:59", "24:00:00", "00:60:00", "00:00:60", "99:99:99", "0:00:00",
                ],
            )
        }
        2 => parts.weekday = edge(rng, &["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]),
        3 => {
            parts.year = edge(
                rng,
                &["0000", "9999", "1900", "2000", "2100", "0400", "1969"],
            )
        }
        4 => parts.month = edge(rng, &["Feb", "Apr", "Dec", "feb", "Jan"]),
        _ => {}
    }
    let formats = parts.render();
    formats[rng.index(formats.len())].clone()
}

/// Tokens for the date and entity-tag mutator.
const CONDITIONAL_DICT: &[&[u8]] = &[
    b"GMT", b"Sun", b"Feb", b"29", b"Monday", b"-", b":", b", ", b"\"", b"W/", b"*", b"9999",
    b"0000", b"00", b"59", b"60", b"24", b" ",
];

/// A clock reading for the conditional checks, edge values often.
fn instant(rng: &mut Rng) -> i64 {
    match rng.index(9) {
        0 => 0,
        1 => 784_111_777,
        2 => 1_700_000_000,
        3 => date::MIN_SECS,
        4 => date::MAX_SECS,
        5 => i64::MIN,
        6 => i64::MAX,
        7 => rng.next() as i64,
        _ => (rng.index(1 << 20) as i64 - (1 << 19)) * 86_400,
    }
}

/// Checks a parsed date: representable, read back from its IMF-fixdate, and the input one of
/// its renderings (the grammar is strict: no other spelling of an instant is a date).
fn check_date(input: &[u8], secs: i64) {
    assert!((date::MIN_SECS..=date::MAX_SECS).contains(&secs), "{secs}");
    let mut out = [0u8; date::HTTP_DATE_LEN];
    date::format(secs, &mut out);
    assert_eq!(date::parse(&out), Some(secs), "{}", escape(&out));
    let renderings = DateParts::of(secs).render();
    assert!(
        renderings.iter().any(|r| r == input),
        "read as {}, which is written {:?}",
        escape(&out),
        renderings.map(|r| escape(&r))
    );
}

/// Fuzzes [`date::parse`], [`date::parse_at`], [`conditional::evaluate`] and the entity-tag
/// comparisons with `input` as every header at once, under clocks drawn from `arg`.
fn check_conditional(input: &[u8], arg: u64, stats: &mut Stats) {
    let mut rng = Rng::new(arg);
    let now = instant(&mut rng);
    // None: a file whose Last-Modified --last-modified leaves out.
    let last_modified = (!rng.one_in(8)).then(|| instant(&mut rng));
    let etag = *rng.pick(ETAGS);
    if let Some(t) = date::parse(input) {
        check_date(input, t);
        stats.bump("conditional: a date");
    }
    if let Some(t) = date::parse_at(input, now) {
        check_date(input, t);
    }
    let matches = conditional::etag_matches_weak(input, etag);
    if trim_ows(input) == b"*" {
        assert!(matches);
    }
    if matches {
        stats.bump("conditional: etag matches");
    }
    let by_etag = conditional::evaluate(Some(input), Some(input), etag, last_modified, now);
    assert_eq!(by_etag == conditional::Outcome::NotModified, matches);
    let by_date = conditional::evaluate(None, Some(input), etag, last_modified, now);
    let since = date::parse_at(trim_ows(input), now);
    let want = since.is_some_and(|s| s <= now && last_modified.is_some_and(|lm| lm <= s));
    assert_eq!(by_date == conditional::Outcome::NotModified, want);
    let neither = conditional::evaluate(None, None, etag, last_modified, now);
    assert_eq!(neither, conditional::Outcome::Proceed);
    if conditional::if_range_allows(Some(input), etag, last_modified) {
        let v = trim_ows(input);
        if v.iter().take(3).any(|&b| b == b'"') {
            assert!(
                v == etag && !etag.starts_with(b"W/"),
                "If-Range matched {etag:?}"
            );
        } else {
            assert!(last_modified.is_some());
            assert_eq!(date::parse(v), last_modified);
        }
        stats.bump("conditional: If-Range holds");
    }
    assert!(conditional::if_range_allows(None, etag, last_modified));
    // A valid tag listed after anything still matches (`, ` ends any malformed member).
    if matches!(etag.first(), Some(b'"' | b'W')) && conditional::etag_matches_weak(etag, etag) {
        let mut list = input.to_vec();
        list.extend_from_slice(b", ");
        list.extend_from_slice(etag);
        assert!(
            conditional::etag_matches_weak(&list, etag),
            "tag after {input:?}"
        );
    }
}

// ---- tests -----------------------------------------------------------------------------------

#[test]
fn request_parser_agrees_with_httparse() {
    let (iters, stats) = run("request");
    assert_reached(iters, &stats, "both accept", 50);
    assert_reached(iters, &stats, "both reject", 50);
    assert_reached(iters, &stats, "request: complete", 20);
}

#[test]
fn paths_never_leave_the_root() {
    let (iters, stats) = run("path");
    assert_reached(iters, &stats, "path: normalised", 20);
    assert_reached(iters, &stats, "path: hidden segment (404)", 200);
    assert_reached(iters, &stats, "path: bad path (400)", 50);
}

#[test]
fn ranges_are_satisfiable_and_disjoint() {
    let (iters, stats) = run("range");
    assert_reached(iters, &stats, "range: single (206)", 50);
    assert_reached(iters, &stats, "range: multipart (206)", 50);
    assert_reached(iters, &stats, "range: unsatisfiable (416)", 200);
}

#[test]
fn accept_encoding_picks_an_offered_coding() {
    let (iters, stats) = run("encoding");
    assert_reached(iters, &stats, "encoding: a coding", 50);
    assert_reached(iters, &stats, "encoding: not acceptable (406)", 500);
}

#[test]
fn dates_and_conditionals_hold() {
    let (iters, stats) = run("conditional");
    assert_reached(iters, &stats, "conditional: a date", 200);
    assert_reached(iters, &stats, "conditional: etag matches", 200);
}

#[test]
fn same_seed_same_inputs() {
    let draw = |seed: u64| {
        let mut rng = Rng::new(seed);
        let mut corpus = request_corpus();
        (0..500)
            .map(|_| corpus.generate(&mut rng))
            .collect::<Vec<_>>()
    };
    assert_eq!(draw(1), draw(1));
    assert_ne!(draw(1), draw(2));
}

#[test]
fn seeds_are_what_they_claim() {
    for &seed in VALID_REQUESTS {
        let Ok(Parsed::Complete(r, n)) = request::parse(seed) else {
            panic!("staticd refuses {}", escape(seed));
        };
        let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
        let mut theirs = httparse::Request::new(&mut headers);
        assert_eq!(theirs.parse(seed), Ok(httparse::Status::Complete(n)));
        check_same_request(&r, &theirs);
    }
    for &seed in INVALID_REQUESTS {
        assert!(
            request::parse(seed).is_err(),
            "staticd takes {}",
            escape(seed)
        );
    }
}

#[test]
fn escapes_read_back() {
    let all: Vec<u8> = (0..=255).collect();
    assert_eq!(unescape(&escape(&all)), all);
    assert!(!escape(&all).contains('\''));
}

/// Runs the one input named by `STATICD_FUZZ_REPLAY='TARGET ARG INPUT'`, if set.
#[test]
fn replay() {
    let Ok(line) = std::env::var("STATICD_FUZZ_REPLAY") else {
        return;
    };
    let (name, rest) = line.split_once(' ').expect("TARGET ARG INPUT");
    let (arg, input) = rest.split_once(' ').unwrap_or((rest, ""));
    let arg = parse_number(arg).expect("ARG is a number");
    let input = unescape(input);
    let target = TARGETS
        .iter()
        .find(|t| t.name == name)
        .unwrap_or_else(|| panic!("no target {name:?}"));
    install_hook();
    set_current(target.name, 0, 0, arg, &input);
    (target.check)(&input, arg, &mut Stats::default());
    clear_current();
    println!("replay {name} {arg:#x} ({} bytes): passed", input.len());
}
