//! `clock_gettime` through the vDSO, the kernel's code mapped into every
//! process: [`init`] finds `__vdso_clock_gettime` once at start-up, and a
//! clock read is then a plain call, no system call. Without a vDSO (or
//! before [`init`], as in unit tests) it is the system call.
//!
//! The lookup walks the vDSO's dynamic symbol table; the symbol count comes
//! from its `DT_HASH` table, which x86_64 kernels always link in
//! (`--hash-style=both`). Symbol versions are not checked: the vDSO exports
//! one `__vdso_clock_gettime`.
#![allow(unsafe_code)]

use crate::rt::sys;
use core::sync::atomic::{AtomicUsize, Ordering};
use rustix::time::{ClockId, Timespec};

/// The vDSO's `clock_gettime(clockid, *timespec) -> 0 | -errno`.
type VdsoClockGettime = unsafe extern "C" fn(i32, *mut Timespec) -> i32;

/// `__vdso_clock_gettime`'s address, or 0 while none is known.
static CLOCK_GETTIME: AtomicUsize = AtomicUsize::new(0);

/// The aux vector key of the vDSO's ELF header.
const AT_SYSINFO_EHDR: usize = 33;

/// Reads the clock `id`.
pub fn clock_gettime(id: ClockId) -> Timespec {
    let mut t = Timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    match CLOCK_GETTIME.load(Ordering::Relaxed) {
        0 => sys::clock_gettime(id as i32, &mut t),
        f => {
            // SAFETY: `f` is the vDSO's clock_gettime, found by `init`, which
            // has this C signature and writes one timespec through `t`.
            unsafe { core::mem::transmute::<usize, VdsoClockGettime>(f)(id as i32, &mut t) };
        }
    }
    t
}

/// Finds the vDSO's `clock_gettime` through the aux vector.
///
/// # Safety
/// `auxv` must point at the process's aux vector (key-value pairs ending
/// with key 0), whose `AT_SYSINFO_EHDR`, if any, the kernel mapped.
pub unsafe fn init(mut auxv: *const usize) {
    // SAFETY: per the caller, each pair up to key 0 is readable, and the
    // vDSO image is a whole mapped ELF object.
    unsafe {
        while *auxv != 0 {
            if *auxv == AT_SYSINFO_EHDR {
                let f = find(*auxv.add(1), b"__vdso_clock_gettime\0");
                CLOCK_GETTIME.store(f, Ordering::Relaxed);
            }
            auxv = auxv.add(2);
        }
    }
}

/// Reads a `T` at address `at` of the mapped vDSO.
///
/// # Safety
/// `at` must be an aligned address inside the vDSO image.
unsafe fn get<T: Copy + Into<u64>>(at: usize) -> usize {
    // SAFETY: per the caller.
    unsafe { (*(at as *const T)).into() as usize }
}

/// The address of the function `name` (NUL included) in the ELF64 object
/// mapped at `base`, or 0 when it has none.
///
/// # Safety
/// `base` must be where the kernel mapped the vDSO.
unsafe fn find(base: usize, name: &[u8]) -> usize {
    // SAFETY: every offset read below is one the ELF64 layout (elf(5)) puts
    // inside the headers and tables of the mapped object.
    unsafe {
        // Program headers: the first PT_LOAD gives where link addresses
        // land (at `base` without one: x86_64's vDSO is linked at 0), and
        // PT_DYNAMIC where the dynamic section is. Walked backwards, so the
        // first PT_LOAD is the one that stays.
        let (mut bias, mut dynamic) = (base, 0);
        let phdrs = base + get::<u64>(base + 32);
        for i in (0..get::<u16>(base + 56)).rev() {
            let ph = phdrs + i * 56;
            let at = base + get::<u64>(ph + 8);
            match get::<u32>(ph) {
                1 => bias = at.wrapping_sub(get::<u64>(ph + 16)),
                2 => dynamic = at,
                _ => {}
            }
        }
        if dynamic == 0 {
            return 0;
        }
        let (mut symtab, mut strtab, mut count) = (0, 0, 0);
        loop {
            let at = bias.wrapping_add(get::<u64>(dynamic + 8));
            match get::<u64>(dynamic) {
                0 => break,
                4 => count = get::<u32>(at + 4), // DT_HASH: nchain, the symbol count
                5 => strtab = at,
                6 => symtab = at,
                _ => {}
            }
            dynamic += 16;
        }
        for i in 0..count {
            let sym = symtab + i * 24;
            // A defined function (STT_FUNC, a section index) of that name.
            if get::<u8>(sym + 4) & 0xf == 2 && get::<u16>(sym + 6) != 0 {
                let s = (strtab + get::<u32>(sym)) as *const u8;
                // Byte by byte, so no read goes past the string's NUL.
                if name.iter().enumerate().all(|(k, &b)| *s.add(k) == b) {
                    return bias.wrapping_add(get::<u64>(sym + 8));
                }
            }
        }
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// This process's aux vector, as the kernel passed it.
    fn auxv() -> Vec<usize> {
        let bytes = std::fs::read("/proc/self/auxv").unwrap();
        let words = bytes.chunks_exact(8);
        words
            .map(|w| usize::from_ne_bytes(w.try_into().unwrap()))
            .collect()
    }

    #[test]
    fn the_vdso_clock_agrees_with_the_system_call() {
        let auxv = auxv();
        let ehdr = auxv.chunks(2).find(|kv| kv[0] == AT_SYSINFO_EHDR).unwrap()[1];
        // SAFETY: `ehdr` is where the kernel mapped this process's vDSO.
        let f = unsafe { find(ehdr, b"__vdso_clock_gettime\0") };
        assert_ne!(f, 0);
        // A prefix of the name, or a name it lacks, is not found.
        for name in [&b"__vdso_clock_gettim\0"[..], b"__vdso_nothing\0"] {
            // SAFETY: as above.
            assert_eq!(unsafe { find(ehdr, name) }, 0);
        }
        let mut by_syscall = Timespec::default();
        sys::clock_gettime(ClockId::Realtime as i32, &mut by_syscall);
        // SAFETY: `auxv` is this process's aux vector, ending with key 0.
        unsafe { init(auxv.as_ptr()) };
        assert_eq!(CLOCK_GETTIME.load(Ordering::Relaxed), f);
        let by_vdso = clock_gettime(ClockId::Realtime);
        let apart = by_vdso.tv_sec - by_syscall.tv_sec;
        assert!((0..=5).contains(&apart), "{by_syscall:?} then {by_vdso:?}");
        let mono = [ClockId::Monotonic, ClockId::MonotonicCoarse].map(clock_gettime);
        assert!(mono[0].tv_sec > 0 && mono[1].tv_sec > 0, "{mono:?}");
    }
}
