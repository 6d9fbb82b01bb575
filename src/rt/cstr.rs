//! NUL-terminated paths for system calls, checked by a plain loop: core's
//! check, and rustix's conversion of byte paths that calls it, search with a
//! vectorised memchr, some 700 bytes of code for paths a few dozen bytes long.
#![allow(unsafe_code)]

use alloc::ffi::CString;
use alloc::vec::Vec;
use core::ffi::CStr;

/// `bytes` as a C string, if it ends with its only NUL.
#[must_use]
pub fn c_str(bytes: &[u8]) -> Option<&CStr> {
    match bytes.split_last() {
        Some((0, rest)) if rest.iter().all(|&b| b != 0) => {
            // SAFETY: checked just above: the last byte is a NUL and no other is.
            Some(unsafe { CStr::from_bytes_with_nul_unchecked(bytes) })
        }
        _ => None,
    }
}

/// `path` and a NUL after it, if it holds no NUL itself.
#[must_use]
pub fn terminated(path: &[u8]) -> Option<CString> {
    let mut bytes = Vec::with_capacity(path.len() + 1);
    bytes.extend_from_slice(path);
    bytes.push(0);
    c_str(&bytes)?;
    // SAFETY: `c_str` found the NUL pushed to be the only one.
    Some(unsafe { CString::from_vec_with_nul_unchecked(bytes) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_final_nul_makes_a_c_str() {
        assert_eq!(c_str(b"a/b\0").map(CStr::to_bytes), Some(&b"a/b"[..]));
        assert_eq!(c_str(b"\0").map(CStr::to_bytes), Some(&b""[..]));
        for bad in [&b""[..], b"a", b"a\0b\0", b"\0\0", b"a\0b"] {
            assert_eq!(c_str(bad), None, "{bad:?}");
            assert_eq!(c_str(bad), CStr::from_bytes_with_nul(bad).ok(), "{bad:?}");
        }
    }

    #[test]
    fn a_path_with_a_nul_is_refused() {
        assert_eq!(
            terminated(b"/etc/passwd").unwrap().as_bytes(),
            b"/etc/passwd"
        );
        assert_eq!(terminated(b"").unwrap().as_bytes_with_nul(), b"\0");
        assert!(terminated(b"/etc\0/passwd").is_none());
        assert!(terminated(b"\0").is_none());
    }
}
