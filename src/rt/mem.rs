//! memcpy, memmove, memset, memcmp, bcmp and strlen for a binary with no libc.
//!
//! The binary exports these under their C names (see `main.rs`). They are
//! written so the compiler cannot turn them back into calls to themselves:
//! copies and fills use `rep movsb`/`rep stosb`, comparisons read through
//! volatile loads, which no idiom recogniser rewrites.
#![allow(unsafe_code)]

use core::arch::asm;
use core::ptr::read_volatile;

/// Copies `n` bytes from `src` to `dst`; the regions must not overlap.
///
/// # Safety
/// `src` must be readable and `dst` writable for `n` bytes.
#[inline(always)]
pub unsafe fn copy(dst: *mut u8, src: *const u8, n: usize) -> *mut u8 {
    // SAFETY: the caller guarantees both ranges; the direction flag is clear per the ABI.
    unsafe {
        asm!("rep movsb", inout("rcx") n => _, inout("rdi") dst => _, inout("rsi") src => _,
             options(nostack, preserves_flags));
    }
    dst
}

/// Copies `n` bytes from `src` to `dst`; the regions may overlap.
///
/// # Safety
/// `src` must be readable and `dst` writable for `n` bytes.
#[inline(always)]
pub unsafe fn copy_overlapping(dst: *mut u8, src: *const u8, n: usize) -> *mut u8 {
    if (dst as usize).wrapping_sub(src as usize) >= n {
        // SAFETY: dst does not start inside [src, src+n), so a forward copy never
        // reads a byte it already overwrote.
        return unsafe { copy(dst, src, n) };
    }
    // SAFETY: copying backwards from the last byte is safe when dst is above src;
    // the direction flag is restored before returning.
    unsafe {
        asm!("std", "rep movsb", "cld",
             inout("rcx") n => _, inout("rdi") dst.add(n).wrapping_sub(1) => _,
             inout("rsi") src.add(n).wrapping_sub(1) => _, options(nostack));
    }
    dst
}

/// Fills `n` bytes at `dst` with `byte`.
///
/// # Safety
/// `dst` must be writable for `n` bytes.
#[inline(always)]
pub unsafe fn fill(dst: *mut u8, byte: u8, n: usize) -> *mut u8 {
    // SAFETY: the caller guarantees the range; the direction flag is clear per the ABI.
    unsafe {
        asm!("rep stosb", inout("rcx") n => _, inout("rdi") dst => _, in("al") byte,
             options(nostack, preserves_flags));
    }
    dst
}

/// Compares `n` bytes, returning <0, 0 or >0 like C's memcmp.
///
/// # Safety
/// Both pointers must be readable for `n` bytes.
#[inline(always)]
pub unsafe fn compare(a: *const u8, b: *const u8, n: usize) -> i32 {
    let mut i = 0;
    while i + 8 <= n {
        // SAFETY: i + 8 <= n, so both 8-byte reads are in range; [u8; 8] has alignment 1.
        let (x, y) = unsafe {
            (
                u64::from_be_bytes(read_volatile(a.add(i) as *const [u8; 8])),
                u64::from_be_bytes(read_volatile(b.add(i) as *const [u8; 8])),
            )
        };
        if x != y {
            return if x < y { -1 } else { 1 };
        }
        i += 8;
    }
    while i < n {
        // SAFETY: i < n, in range for both.
        let (x, y) = unsafe { (read_volatile(a.add(i)), read_volatile(b.add(i))) };
        if x != y {
            return x as i32 - y as i32;
        }
        i += 1;
    }
    0
}

/// Length of a NUL-terminated string (C's strlen; core's `CStr` calls it).
///
/// # Safety
/// `s` must point to a NUL-terminated string.
#[inline(always)]
pub unsafe fn c_len(s: *const u8) -> usize {
    let mut n = 0;
    // SAFETY: the caller guarantees a terminator, so every read up to it is in bounds.
    while unsafe { read_volatile(s.add(n)) } != 0 {
        n += 1;
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_and_fill() {
        let src: Vec<u8> = (0..=255).collect();
        for n in [0, 1, 7, 8, 9, 63, 64, 255] {
            let mut dst = vec![0u8; 256];
            // SAFETY: both buffers hold 256 bytes and n <= 255.
            unsafe { copy(dst.as_mut_ptr(), src.as_ptr(), n) };
            assert_eq!(&dst[..n], &src[..n]);
            assert!(dst[n..].iter().all(|&b| b == 0));
            // SAFETY: as above.
            unsafe { fill(dst.as_mut_ptr(), 0xAB, n) };
            assert!(dst[..n].iter().all(|&b| b == 0xAB));
        }
    }

    #[test]
    fn overlapping_copies_both_ways() {
        for (d, s, n) in [
            (0usize, 3usize, 10usize),
            (3, 0, 10),
            (1, 0, 1),
            (0, 0, 5),
            (5, 0, 5),
            (0, 5, 5),
        ] {
            let mut buf: Vec<u8> = (0..32).collect();
            let mut expected = buf.clone();
            expected.copy_within(s..s + n, d);
            let p = buf.as_mut_ptr();
            // SAFETY: both ranges lie within the 32-byte buffer.
            unsafe { copy_overlapping(p.add(d), p.add(s), n) };
            assert_eq!(buf, expected, "d={d} s={s} n={n}");
        }
    }

    #[test]
    fn c_len_stops_at_nul() {
        // SAFETY: C string literals end in NUL.
        let (empty, name) = unsafe {
            (
                c_len(c"".as_ptr().cast()),
                c_len(c"staticd".as_ptr().cast()),
            )
        };
        assert_eq!((empty, name), (0, 7));
    }

    #[test]
    fn compare_orders_like_memcmp() {
        let cases: &[(&[u8], &[u8])] = &[
            (b"", b""),
            (b"abc", b"abc"),
            (b"abc", b"abd"),
            (b"abd", b"abc"),
            (b"0123456789abcdef", b"0123456789abcdeg"),
            (b"0123456x89abcdef", b"0123456789abcdef"),
            (b"\xff", b"\x00"),
        ];
        for (a, b) in cases {
            // SAFETY: every pair has equal lengths.
            let got = unsafe { compare(a.as_ptr(), b.as_ptr(), a.len()) }.signum();
            assert_eq!(got, a.cmp(b) as i32, "{a:?} vs {b:?}");
        }
    }
}
