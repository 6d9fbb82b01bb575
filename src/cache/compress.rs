//! Compressed variants for the cache: gzip (RFC 1952) and zlib (RFC 1950, what HTTP calls
//! "deflate") framing around miniz_oxide's raw DEFLATE, the CRC-32 and Adler-32 checksums those
//! frames carry, and the rule for whether a variant is worth keeping. Pure: no system calls.
//!
//! Levels are miniz_oxide's 0..=10 (higher values act as 10): 0 would only store, so it makes
//! no variant; 1..=9 match lazily (miniz's greedy flag is masked off in `deflate`) with
//! ever more match probes; 10 is miniz's slowest "uber" setting. 6 and 9 match zlib's 6 and 9
//! in size. Above 6 the gain on text is a fraction of a percent.
#![forbid(unsafe_code)]

use alloc::boxed::Box;
use alloc::vec::Vec;
use miniz_oxide::deflate::core::deflate_flags::{
    TDEFL_COMPUTE_ADLER32, TDEFL_FORCE_ALL_RAW_BLOCKS, TDEFL_GREEDY_PARSING_FLAG,
};
use miniz_oxide::deflate::core::{
    CompressorOxide, TDEFLFlush, TDEFLStatus, compress_to_output, create_comp_flags_from_zip_params,
};

/// The highest level miniz_oxide knows; anything above behaves as this.
const MAX_LEVEL: u8 = 10;

/// CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320) of `data`, as gzip stores it;
/// slicing by 8 (eight table lookups per 8 bytes).
#[must_use]
pub fn crc32(data: &[u8]) -> u32 {
    // Made per call, on the stack: a few microseconds next to the deflate it
    // goes with, and neither 8 KiB kept nor a once-only guard.
    let t = &crc_tables();
    let mut c = !0u32;
    let (blocks, rest) = data.as_chunks::<8>();
    for b in blocks {
        let lo = u32::from_le_bytes([b[0], b[1], b[2], b[3]]) ^ c;
        let hi = u32::from_le_bytes([b[4], b[5], b[6], b[7]]);
        c = t[7][(lo & 0xff) as usize]
            ^ t[6][((lo >> 8) & 0xff) as usize]
            ^ t[5][((lo >> 16) & 0xff) as usize]
            ^ t[4][(lo >> 24) as usize]
            ^ t[3][(hi & 0xff) as usize]
            ^ t[2][((hi >> 8) & 0xff) as usize]
            ^ t[1][((hi >> 16) & 0xff) as usize]
            ^ t[0][(hi >> 24) as usize];
    }
    for &b in rest {
        c = t[0][((c ^ u32::from(b)) & 0xff) as usize] ^ (c >> 8);
    }
    !c
}

/// The slicing-by-8 tables: `[0]` is the classic byte table; `[k][b]` is the CRC of byte `b`
/// followed by `k` zeros.
const fn crc_tables() -> [[u32; 256]; 8] {
    let mut t = [[0u32; 256]; 8];
    let mut i = 0;
    while i < 256 {
        let mut c = i as u32;
        let mut bit = 0;
        while bit < 8 {
            c = if c & 1 == 1 {
                (c >> 1) ^ 0xedb8_8320
            } else {
                c >> 1
            };
            bit += 1;
        }
        t[0][i] = c;
        i += 1;
    }
    let mut k = 1;
    while k < 8 {
        let mut i = 0;
        while i < 256 {
            let prev = t[k - 1][i];
            t[k][i] = (prev >> 8) ^ t[0][(prev & 0xff) as usize];
            i += 1;
        }
        k += 1;
    }
    t
}

/// Adler-32 (RFC 1950) of `data`, as zlib stores it (for stored blocks; miniz takes it of what it
/// compresses as it reads).
#[cfg(test)]
#[must_use]
pub fn adler32(data: &[u8]) -> u32 {
    const MOD: u32 = 65_521;
    // The most bytes that can be summed before `b` may overflow a u32 (zlib's NMAX).
    const NMAX: usize = 5552;
    let (mut a, mut b) = (1u32, 0u32);
    for chunk in data.chunks(NMAX) {
        for &x in chunk {
            a += u32::from(x);
            b += a;
        }
        a %= MOD;
        b %= MOD;
    }
    (b << 16) | a
}

/// `data` deflated once at one miniz level, framed on demand as gzip and as zlib: both
/// frames carry the same DEFLATE stream, so it is made once for the two.
pub struct Deflated<'a> {
    data: &'a [u8],
    /// The level, clamped to [`MAX_LEVEL`].
    level: u8,
    /// The raw DEFLATE stream (RFC 1951).
    raw: Vec<u8>,
    /// Adler-32 of `data`, for the zlib trailer.
    adler: u32,
}

impl<'a> Deflated<'a> {
    /// Compresses `data` at miniz level `level` (higher than 10 acts as 10). `None` for
    /// level 0, which only stores and so never saves a byte, and if miniz fails, which it
    /// only does on misuse (never seen).
    #[must_use]
    pub fn new(data: &'a [u8], level: u8) -> Option<Deflated<'a>> {
        let level = level.min(MAX_LEVEL);
        let (raw, adler) = deflate(data, level)?;
        Some(Deflated {
            data,
            level,
            raw,
            adler,
        })
    }

    /// `data` in stored blocks (level 0), uncompressed: the tests' reference for level 0.
    #[cfg(test)]
    #[must_use]
    pub fn stored(data: &'a [u8]) -> Deflated<'a> {
        let mut raw = Vec::new();
        stored_into(&mut raw, data);
        Deflated {
            data,
            level: 0,
            raw,
            adler: adler32(data),
        }
    }

    /// As a gzip member (RFC 1952): no name, MTIME 0, OS Unix.
    #[must_use]
    pub fn gzip(&self) -> Vec<u8> {
        // XFL as zlib sets it: 2 = slowest, 4 = fastest.
        let xfl = match self.level {
            0 | 1 => 4,
            9.. => 2,
            _ => 0,
        };
        // CRC-32, then ISIZE: the length modulo 2^32 by definition, so the truncation is intended.
        let trailer = (u64::from(self.data.len() as u32) << 32) | u64::from(crc32(self.data));
        self.framed(
            &[0x1f, 0x8b, 8, 0, 0, 0, 0, 0, xfl, 3],
            &trailer.to_le_bytes(),
        )
    }

    /// As a zlib stream (RFC 1950; HTTP's "deflate").
    #[must_use]
    pub fn zlib(&self) -> Vec<u8> {
        // The level is clamped to 10, so the mask only spares a bounds check.
        let header = ZLIB_HEADERS[usize::from(self.level) & 15];
        self.framed(&header, &self.adler.to_be_bytes())
    }

    /// The stream between `header` and `trailer`, in a vector of just that size.
    fn framed(&self, header: &[u8], trailer: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(header.len() + self.raw.len() + trailer.len());
        out.extend_from_slice(header);
        out.extend_from_slice(&self.raw);
        out.extend_from_slice(trailer);
        out
    }
}

/// `data` as a gzip member compressed at miniz level `level` (see [`Deflated::gzip`]).
#[cfg(test)]
#[must_use]
pub fn gzip(data: &[u8], level: u8) -> Vec<u8> {
    Deflated::new(data, level)
        .unwrap_or_else(|| Deflated::stored(data))
        .gzip()
}

/// `data` as a zlib stream compressed at miniz level `level` (see [`Deflated::zlib`]).
#[cfg(test)]
#[must_use]
pub fn zlib(data: &[u8], level: u8) -> Vec<u8> {
    Deflated::new(data, level)
        .unwrap_or_else(|| Deflated::stored(data))
        .zlib()
}

/// Says whether a compressed variant saves at least 10 % of the original's size.
#[must_use]
pub const fn worth_keeping(original: u64, compressed: u64) -> bool {
    // compressed * 10 <= original * 9, without the overflow near u64::MAX:
    // floor(0.9 * original) is original minus a tenth rounded up. `<` rules out 0 -> 0.
    compressed < original && compressed <= original - original.div_ceil(10)
}

/// [`zlib_header`] of every level, looked up rather than worked out per stream.
const ZLIB_HEADERS: [[u8; 2]; 16] = {
    let mut t = [[0; 2]; 16];
    let mut level = 0;
    while level < 16 {
        t[level] = zlib_header(level as u8);
        level += 1;
    }
    t
};

/// CMF and FLG: deflate with a 32 KiB window (miniz's), no dictionary, FLEVEL as zlib derives
/// it from the level, FCHECK making the pair a multiple of 31.
const fn zlib_header(level: u8) -> [u8; 2] {
    const CMF: u8 = 0x78;
    let flevel: u8 = match level {
        0 | 1 => 0,
        2..=5 => 1,
        6 => 2,
        _ => 3,
    };
    let flg = flevel << 6;
    let rem = ((CMF as u16) * 256 + flg as u16) % 31;
    [CMF, flg + ((31 - rem) % 31) as u8]
}

/// `data` as raw DEFLATE (RFC 1951) at `level` (already clamped), if it compresses at all,
/// and its Adler-32, taken by miniz as it reads.
fn deflate(data: &[u8], level: u8) -> Option<(Vec<u8>, u32)> {
    if level == 0 {
        return None;
    }
    // Never stored blocks, which level 0 alone makes, and lazy matching at every
    // level: miniz's paths for stored blocks and for greedy one-probe matching
    // (its level 1) go unused, the second 1,520 bytes of code. Measured on jquery.js
    // (290 KB), level 1 then makes a variant 15 % smaller at the same CPU; on a
    // 16 KiB piece of it, 11 % smaller at 258 µs against 189. Levels 2 and 3
    // also match lazily: 2-6 % smaller, 5-45 % slower. Variants are made once
    // per fill, and level 6, the default, is unchanged.
    let flags = create_comp_flags_from_zip_params(level.into(), 0, 0)
        & !(TDEFL_FORCE_ALL_RAW_BLOCKS | TDEFL_GREEDY_PARSING_FLAG)
        | TDEFL_COMPUTE_ADLER32;
    // Boxed: the compressor holds 64 KiB inline, a big bite of a worker's 256 KiB stack.
    let mut compressor = Box::new(CompressorOxide::new(flags));
    let mut out = Vec::new();
    // One call: miniz hands over each block as it is made, so no output room is guessed.
    let (status, _) = compress_to_output(&mut compressor, data, TDEFLFlush::Finish, |block| {
        out.extend_from_slice(block);
        true
    });
    (status == TDEFLStatus::Done).then(|| (out, compressor.adler32()))
}

/// Appends `data` as uncompressed DEFLATE blocks (RFC 1951 §3.2.4), each at most 65535 bytes.
#[cfg(test)]
fn stored_into(out: &mut Vec<u8>, data: &[u8]) {
    let mut blocks = data.chunks(usize::from(u16::MAX)).peekable();
    if blocks.peek().is_none() {
        out.extend_from_slice(&[1, 0, 0, 0xff, 0xff]);
        return;
    }
    while let Some(block) = blocks.next() {
        // chunks() caps the length at u16::MAX.
        let len = block.len() as u16;
        out.push(u8::from(blocks.peek().is_none()));
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&(!len).to_le_bytes());
        out.extend_from_slice(block);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::Rng;
    use std::io::{Read, Write};
    use std::process::{Command, Stdio};

    /// The textbook bit-at-a-time CRC-32, the reference for the table-driven one.
    fn crc32_bitwise(data: &[u8]) -> u32 {
        let mut c = !0u32;
        for &b in data {
            c ^= u32::from(b);
            for _ in 0..8 {
                c = if c & 1 == 1 {
                    (c >> 1) ^ 0xedb8_8320
                } else {
                    c >> 1
                };
            }
        }
        !c
    }

    /// Adler-32 reduced after every byte, the reference for the batched one.
    fn adler32_naive(data: &[u8]) -> u32 {
        let (mut a, mut b) = (1u32, 0u32);
        for &x in data {
            a = (a + u32::from(x)) % 65_521;
            b = (b + a) % 65_521;
        }
        (b << 16) | a
    }

    /// HTML-ish English-like text, compressible like a real page.
    fn text(len: usize) -> Vec<u8> {
        const WORDS: &[&str] = &[
            "the",
            "server",
            "static",
            "file",
            "<p>",
            "</p>",
            "request",
            "response",
            "header",
            "cache",
            "compress",
            "gzip",
            "of",
            "and",
            "a",
            "to",
            "in",
            "is",
            "that",
            "for",
            "<div class=\"content\">",
            "</div>",
            "\n",
            "HTTP/1.1",
            "connection",
            "keep-alive",
            "quick",
            "brown",
            "fox",
            "jumps",
            "over",
            "lazy",
            "dog",
            "Lorem",
            "ipsum",
            "dolor",
        ];
        let picks = Rng::new(0x1234_5678).bytes(len);
        let mut out = Vec::with_capacity(len + 32);
        let mut i = 0;
        while out.len() < len {
            out.extend_from_slice(
                WORDS[usize::from(picks[i % picks.len()]) % WORDS.len()].as_bytes(),
            );
            out.push(b' ');
            i += 1;
        }
        out.truncate(len);
        out
    }

    /// One input compressed at one level, both ways.
    struct Case {
        /// The input's name and the level, for failure messages.
        what: String,
        data: std::sync::Arc<Vec<u8>>,
        gz: Vec<u8>,
        zl: Vec<u8>,
    }

    /// Every input at every level (and clamped ones); the 1 MiB inputs at level 6 only,
    /// as miniz is slow in unoptimised test builds. Built once, shared by the decoder tests.
    fn cases() -> &'static [Case] {
        static CASES: std::sync::LazyLock<Vec<Case>> = std::sync::LazyLock::new(|| {
            let inputs = [
                ("empty", Vec::new()),
                ("one byte", b"x".to_vec()),
                ("short text", b"Hello, Hello, Hello, world!\n".to_vec()),
                ("64 KiB text", text(64 * 1024)),
                // Incompressible, one byte over a stored block's 65535.
                ("random 64 KiB + 1", Rng::new(7).bytes(65_536)),
                ("1 MiB text", text(1 << 20)),
                ("1 MiB zeros", vec![0; 1 << 20]),
            ];
            let mut cases = Vec::new();
            for (name, data) in inputs {
                let levels: Vec<u8> = if data.len() > 100_000 {
                    vec![6]
                } else {
                    (0..=MAX_LEVEL).chain([11, u8::MAX]).collect()
                };
                let data = std::sync::Arc::new(data);
                for level in levels {
                    let (gz, zl) = (gzip(&data, level), zlib(&data, level));
                    cases.push(Case {
                        what: format!("{name} level {level}"),
                        data: data.clone(),
                        gz,
                        zl,
                    });
                }
            }
            cases
        });
        &CASES
    }

    fn gunzip(z: &[u8]) -> std::io::Result<Vec<u8>> {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(z).read_to_end(&mut out)?;
        Ok(out)
    }

    fn unzlib(z: &[u8]) -> std::io::Result<Vec<u8>> {
        let mut out = Vec::new();
        flate2::read::ZlibDecoder::new(z).read_to_end(&mut out)?;
        Ok(out)
    }

    fn inflate(z: &[u8]) -> std::io::Result<Vec<u8>> {
        let mut out = Vec::new();
        flate2::read::DeflateDecoder::new(z).read_to_end(&mut out)?;
        Ok(out)
    }

    /// Runs `cmd args` with `input` on stdin; None when the program is missing.
    fn pipe(cmd: &str, args: &[&str], input: &[u8]) -> Option<(bool, Vec<u8>)> {
        let mut child = Command::new(cmd)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .ok()?;
        let mut stdin = child.stdin.take()?;
        let input = input.to_vec();
        let writer = std::thread::spawn(move || {
            let _ = stdin.write_all(&input);
        });
        let out = child.wait_with_output().ok()?;
        writer.join().ok()?;
        Some((out.status.success(), out.stdout))
    }

    #[test]
    fn crc32_known_vectors() {
        assert_eq!(crc32(b""), 0);
        assert_eq!(crc32(b"a"), 0xe8b7_be43);
        assert_eq!(crc32(b"abc"), 0x3524_41c2);
        assert_eq!(crc32(b"123456789"), 0xcbf4_3926);
        assert_eq!(
            crc32(b"The quick brown fox jumps over the lazy dog"),
            0x414f_a339
        );
        let zeros = vec![0u8; 1 << 20];
        assert_eq!(crc32(&zeros), crc32_bitwise(&zeros));
        assert_eq!(crc32(&zeros), 0xa738_ea1c);
        assert_eq!(crc_tables()[0][1], 0x7707_3096);
        assert_eq!(crc_tables()[0][255], 0x2d02_ef8d);
    }

    #[test]
    fn crc32_matches_references_at_every_length_and_alignment() {
        let data = Rng::new(1).bytes(4096);
        for start in 0..8 {
            for len in (0..300).chain([1000, 4000]) {
                let s = &data[start..start + len];
                let mut reference = flate2::Crc::new();
                reference.update(s);
                assert_eq!(crc32(s), reference.sum(), "start {start} len {len}");
                assert_eq!(crc32(s), crc32_bitwise(s), "start {start} len {len}");
            }
        }
    }

    #[test]
    fn adler32_known_vectors() {
        assert_eq!(adler32(b""), 1);
        assert_eq!(adler32(b"a"), 0x0062_0062);
        assert_eq!(adler32(b"abc"), 0x024d_0127);
        assert_eq!(adler32(b"Wikipedia"), 0x11e6_0398);
        assert_eq!(adler32(b"123456789"), 0x091e_01de);
        // All 0xff is the worst case for the deferred reduction; cross NMAX many times.
        for len in [5551, 5552, 5553, 11_104, 1 << 20] {
            let ff = vec![0xffu8; len];
            assert_eq!(adler32(&ff), adler32_naive(&ff), "len {len}");
            assert_eq!(
                adler32(&ff),
                miniz_oxide::mz_adler32_oxide(1, &ff),
                "len {len}"
            );
        }
        let data = Rng::new(3).bytes(20_000);
        for len in (0..200).chain([5552, 5553, 20_000]) {
            assert_eq!(
                adler32(&data[..len]),
                adler32_naive(&data[..len]),
                "len {len}"
            );
        }
    }

    #[test]
    fn gzip_round_trips_at_every_level() {
        for Case { what, data, gz, .. } in cases() {
            assert_eq!(gunzip(gz).unwrap(), **data, "{what}");
            let n = gz.len();
            assert_eq!(gz[n - 8..n - 4], crc32(data).to_le_bytes(), "{what}");
            assert_eq!(gz[n - 4..], (data.len() as u32).to_le_bytes(), "{what}");
        }
    }

    #[test]
    fn zlib_round_trips_at_every_level() {
        for Case { what, data, zl, .. } in cases() {
            assert_eq!(unzlib(zl).unwrap(), **data, "{what}");
            assert_eq!(zl[zl.len() - 4..], adler32(data).to_be_bytes(), "{what}");
        }
    }

    /// Levels 1 to 3 match lazily, as 4 to 9 do: the stream is miniz's with its greedy
    /// flag cleared, which at level 1 is smaller than miniz's greedy fast path makes.
    #[test]
    fn every_level_matches_lazily() {
        use miniz_oxide::deflate::core::deflate_flags::TDEFL_GREEDY_PARSING_FLAG;
        let miniz = |data: &[u8], level: u8, greedy: bool| {
            let mut flags = create_comp_flags_from_zip_params(level.into(), 0, 0);
            if !greedy {
                flags &= !TDEFL_GREEDY_PARSING_FLAG;
            }
            let mut c = Box::new(CompressorOxide::new(flags));
            let mut out = Vec::new();
            compress_to_output(&mut c, data, TDEFLFlush::Finish, |b| {
                out.extend_from_slice(b);
                true
            });
            out
        };
        let data = text(64 * 1024);
        for level in 1..=3 {
            let ours = Deflated::new(&data, level).unwrap().raw;
            assert_eq!(ours, miniz(&data, level, false), "level {level}");
        }
        let (lazy, greedy) = (miniz(&data, 1, false), miniz(&data, 1, true));
        assert!(lazy.len() < greedy.len(), "{} {}", lazy.len(), greedy.len());
    }

    #[test]
    fn gzip_headers() {
        for (level, xfl) in [
            (0, 4),
            (1, 4),
            (2, 0),
            (6, 0),
            (8, 0),
            (9, 2),
            (10, 2),
            (200, 2),
        ] {
            let z = gzip(b"abc", level);
            assert_eq!(
                z[..10],
                [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, xfl, 3],
                "level {level}"
            );
        }
        // The smallest member: header, the empty final block, CRC 0, ISIZE 0.
        let z = gzip(b"", 6);
        assert_eq!(z.len(), 10 + 2 + 8, "{z:02x?}");
        assert_eq!(z[12..], [0; 8]);
    }

    #[test]
    fn zlib_headers() {
        for level in 0..=u8::MAX {
            let z = zlib(b"abc", level);
            let (cmf, flg) = (z[0], z[1]);
            assert_eq!(cmf & 0x0f, 8, "CM, level {level}");
            assert_eq!(cmf >> 4, 7, "CINFO, level {level}");
            assert_eq!(
                (u16::from(cmf) * 256 + u16::from(flg)) % 31,
                0,
                "FCHECK, level {level}"
            );
            assert_eq!(flg & 0x20, 0, "FDICT, level {level}");
            let flevel = match level {
                0 | 1 => 0,
                2..=5 => 1,
                6 => 2,
                _ => 3,
            };
            assert_eq!(flg >> 6, flevel, "FLEVEL, level {level}");
        }
        // The well-known pairs zlib itself writes.
        assert_eq!(zlib_header(1), [0x78, 0x01]);
        assert_eq!(zlib_header(5), [0x78, 0x5e]);
        assert_eq!(zlib_header(6), [0x78, 0x9c]);
        assert_eq!(zlib_header(9), [0x78, 0xda]);
        // The body between header and trailer is plain DEFLATE, the same one gzip carries.
        let data = text(10_000);
        let (g, z) = (gzip(&data, 6), zlib(&data, 6));
        assert_eq!(g[10..g.len() - 8], z[2..z.len() - 4]);
        assert_eq!(inflate(&z[2..z.len() - 4]).unwrap(), data);
    }

    #[test]
    fn corrupt_trailers_are_caught() {
        // Proves the decoders used above really check the trailers.
        let data = text(5000);
        let mut g = gzip(&data, 6);
        let n = g.len();
        g[n - 5] ^= 1;
        assert!(gunzip(&g).is_err(), "bad CRC");
        let mut g = gzip(&data, 6);
        g[n - 1] ^= 1;
        assert!(gunzip(&g).is_err(), "bad ISIZE");
        let mut z = zlib(&data, 6);
        let n = z.len();
        z[n - 1] ^= 1;
        assert!(unzlib(&z).is_err(), "bad Adler-32");
        let mut z = zlib(&data, 6);
        z[1] ^= 1;
        assert!(unzlib(&z).is_err(), "bad FCHECK");
    }

    #[test]
    fn system_gzip_agrees() {
        let Some(_) = pipe("gzip", &["--version"], b"") else {
            eprintln!("gzip not installed: skipped");
            return;
        };
        for Case { what, data, gz, .. } in cases() {
            let (ok, _) = pipe("gzip", &["-t"], gz).unwrap();
            assert!(ok, "gzip -t: {what}");
            let (ok, out) = pipe("gzip", &["-dc"], gz).unwrap();
            assert!(ok && out == **data, "gzip -dc: {what}");
        }
        // gzip -lv reads the header and trailer back.
        let z = gzip(&text(1000), 6);
        let mut bad = z.clone();
        let n = bad.len();
        bad[n - 8] ^= 0x80;
        assert!(
            !pipe("gzip", &["-t"], &bad).unwrap().0,
            "gzip -t must reject a bad CRC"
        );
    }

    #[test]
    fn system_zlib_agrees() {
        // One interpreter for all cases: each stream goes in, and comes back inflated, behind a
        // 4-byte big-endian length.
        const PY: &str = "import sys, struct, zlib\n\
            i, o = sys.stdin.buffer, sys.stdout.buffer\n\
            while h := i.read(4):\n\
            \x20   d = zlib.decompress(i.read(struct.unpack('>I', h)[0]))\n\
            \x20   o.write(struct.pack('>I', len(d)) + d)\n";
        let mut input = Vec::new();
        for Case { zl, .. } in cases() {
            input.extend_from_slice(&(zl.len() as u32).to_be_bytes());
            input.extend_from_slice(zl);
        }
        let Some((ok, out)) = pipe("python3", &["-c", PY], &input) else {
            eprintln!("python3 not installed: skipped");
            return;
        };
        assert!(ok, "python3 failed");
        let mut rest = &out[..];
        for Case { what, data, .. } in cases() {
            let len = u32::from_be_bytes(rest[..4].try_into().unwrap()) as usize;
            assert_eq!(rest[4..4 + len], data[..], "python zlib: {what}");
            rest = &rest[4 + len..];
        }
        assert!(rest.is_empty());
    }

    #[test]
    fn incompressible_data_barely_grows() {
        let data = Rng::new(9).bytes(256 * 1024);
        for level in [1, 4, 6, 9, 10] {
            let z = gzip(&data, level);
            // miniz falls back to stored blocks: 5 bytes per 64 KiB block plus framing.
            assert!(
                z.len() <= data.len() + data.len() / 1000 + 64,
                "level {level}: {}",
                z.len()
            );
            assert!(!worth_keeping(data.len() as u64, z.len() as u64));
        }
        let z = gzip(&text(256 * 1024), 6);
        assert!(worth_keeping(256 * 1024, z.len() as u64), "{}", z.len());
    }

    #[test]
    fn levels_trade_speed_for_size() {
        let data = text(64 * 1024);
        let size = |level| gzip(&data, level).len();
        // Stored is larger than the input; 1 compresses; 6 beats 1; 9 is no worse than 6.
        assert!(size(0) > data.len());
        assert!(size(1) < data.len() / 2);
        assert!(size(6) < size(1));
        assert!(size(9) <= size(6));
        assert!(size(10) <= size(9) + size(9) / 100);
    }

    #[test]
    fn output_is_deterministic_and_compact() {
        let data = text(100_000);
        assert_eq!(gzip(&data, 6), gzip(&data, 6));
        assert_eq!(zlib(&data, 6), zlib(&data, 6));
        let z = gzip(&data, 6);
        assert!(
            z.capacity() - z.len() < 64,
            "shrunk: {} of {}",
            z.len(),
            z.capacity()
        );
    }

    #[test]
    fn level_0_makes_nothing_as_stored_blocks_never_save() {
        for len in [0, 1, 256, 65_535, 65_536, 200_000] {
            let data = text(len);
            assert!(Deflated::new(&data, 0).is_none(), "len {len}");
            let stored = Deflated::stored(&data);
            let n = len as u64;
            assert!(!worth_keeping(n, stored.gzip().len() as u64), "len {len}");
            assert!(!worth_keeping(n, stored.zlib().len() as u64), "len {len}");
            assert_eq!(gunzip(&stored.gzip()).unwrap(), data, "len {len}");
            let both = Deflated::new(&data, 1).unwrap();
            assert_eq!((both.gzip(), both.zlib()), (gzip(&data, 1), zlib(&data, 1)));
        }
    }

    #[test]
    fn stored_blocks_decode() {
        for len in [0, 1, 65_534, 65_535, 65_536, 200_000] {
            let data = Rng::new(5).bytes(len);
            let mut out = Vec::new();
            stored_into(&mut out, &data);
            let blocks = len.div_ceil(65_535).max(1);
            assert_eq!(out.len(), len + 5 * blocks, "len {len}");
            assert_eq!(inflate(&out).unwrap(), data, "len {len}");
        }
    }

    #[test]
    fn worth_keeping_boundaries() {
        assert!(worth_keeping(100, 90)); // exactly 10 % saved
        assert!(!worth_keeping(100, 91));
        assert!(worth_keeping(1000, 900));
        assert!(!worth_keeping(1000, 901));
        assert!(worth_keeping(10, 9));
        assert!(worth_keeping(9, 8)); // 11.1 %
        assert!(!worth_keeping(9, 9));
        assert!(!worth_keeping(19, 18)); // 5.3 %
        assert!(worth_keeping(20, 18));
        assert!(!worth_keeping(20, 19));
        assert!(worth_keeping(1, 0));
        assert!(!worth_keeping(0, 0));
        assert!(!worth_keeping(0, 1));
        assert!(!worth_keeping(5, 20));
        assert!(!worth_keeping(u64::MAX, u64::MAX));
        // floor(0.9 * u64::MAX) = 16602069666338596453.
        assert!(worth_keeping(u64::MAX, 16_602_069_666_338_596_453));
        assert!(!worth_keeping(u64::MAX, 16_602_069_666_338_596_454));
        assert!(worth_keeping(u64::MAX, 0));
        for original in 0..2000u64 {
            for compressed in 0..=original + 1 {
                let want = original > 0 && compressed as f64 <= original as f64 * 0.9 + 1e-9;
                assert_eq!(
                    worth_keeping(original, compressed),
                    want,
                    "{original} {compressed}"
                );
            }
        }
    }

    #[test]
    fn compressor_size() {
        // Why deflate_into boxes the compressor.
        let size = size_of::<CompressorOxide>();
        eprintln!("CompressorOxide: {size} bytes");
        assert!(size > 32 * 1024, "{size}");
    }

    /// `cargo test --release -- --ignored --nocapture speed`
    #[test]
    #[ignore = "timing only"]
    fn speed() {
        use std::time::Instant;
        // STATICD_BENCH_FILE=path measures the first 64 KiB of a real file instead.
        let data = match std::env::var_os("STATICD_BENCH_FILE") {
            Some(path) => std::fs::read(path).unwrap()[..64 * 1024].to_vec(),
            None => text(64 * 1024),
        };
        let rounds = 200;
        for level in 0..=MAX_LEVEL {
            let t = Instant::now();
            let mut len = 0;
            for _ in 0..rounds {
                len = std::hint::black_box(gzip(std::hint::black_box(&data), level)).len();
            }
            let secs = t.elapsed().as_secs_f64();
            let mbs = (data.len() * rounds) as f64 / secs / 1e6;
            eprintln!(
                "level {level:2}: {len:6} bytes ({:.1} %), {mbs:7.1} MB/s",
                len as f64 * 100.0 / data.len() as f64
            );
        }
        for (name, f) in [("crc32", crc32 as fn(&[u8]) -> u32), ("adler32", adler32)] {
            let big = Rng::new(4).bytes(16 << 20);
            let t = Instant::now();
            std::hint::black_box(f(std::hint::black_box(&big)));
            eprintln!(
                "{name}: {:.0} MB/s",
                big.len() as f64 / t.elapsed().as_secs_f64() / 1e6
            );
        }
    }
}
