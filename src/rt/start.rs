//! Process start-up and the panic path.
//!
//! The binary's naked `_start` passes the initial stack pointer to [`start`],
//! which reads argc, argv, envp and the aux vector from it (System V x86_64
//! ABI: `argc`, `argv[0..argc]`, NULL, `envp[..]`, NULL, auxv pairs), hands the
//! aux vector to rustix and to [`crate::rt::time`] (which finds the vDSO's
//! `clock_gettime`) and runs `main`.
#![allow(unsafe_code)]

use crate::rt::sys;
use alloc::vec::Vec;

/// The program's entry point as the runtime calls it: arguments (without
/// argv[0]) and `KEY=VALUE` environment entries, returning the exit code.
pub type Main = fn(args: &[&'static [u8]], env: &[&'static [u8]]) -> i32;

/// Collects a NULL-terminated array of C strings as byte slices.
///
/// # Safety
/// `list` must point to a NULL-terminated array of NUL-terminated strings that
/// live for the whole program, as the kernel's argv and envp do.
unsafe fn collect(mut list: *const *const u8) -> (Vec<&'static [u8]>, *const *const u8) {
    let mut out = Vec::new();
    // SAFETY: per the caller, each entry up to the NULL is a live C string.
    unsafe {
        while !(*list).is_null() {
            let s = *list;
            out.push(core::slice::from_raw_parts(s, crate::rt::mem::c_len(s)));
            list = list.add(1);
        }
    }
    (out, list)
}

/// Reads the initial process stack, initialises rustix and runs `main`.
///
/// # Safety
/// `sp` must be the stack pointer the kernel gave `_start`.
pub unsafe fn start(sp: *const usize, main: Main) -> ! {
    // SAFETY: the kernel lays out argc, argv, envp and auxv at `sp` as described above.
    let (args, env) = unsafe {
        let argc = *sp;
        let argv = sp.add(1) as *const *const u8;
        let envp = argv.add(argc + 1);
        rustix::param::init(envp as *mut *mut u8);
        let (args, _) = collect(argv);
        let (env, auxv) = collect(envp);
        crate::rt::time::init(auxv.add(1) as *const usize);
        (args, env)
    };
    let code = main(args.get(1..).unwrap_or(&[]), &env);
    sys::exit_group(code)
}

/// Reports a panic as one line on stderr and exits with status 101.
///
/// A release build says only that it panicked: reading anything of `info` keeps
/// the formatting machinery of every panic site in core (assertions print both
/// sides with `Debug`) in the binary, 29 KB of a 128 KiB budget for a line that
/// should never be seen. Debug builds, which the tests run, name the place and
/// a plain message.
pub fn panic(info: &core::panic::PanicInfo<'_>) -> ! {
    #[cfg(debug_assertions)]
    match info.location() {
        Some(loc) => crate::log!(
            "panic at ",
            loc.file(),
            ":",
            loc.line(),
            ": ",
            info.message().as_str().unwrap_or("(formatted message)")
        ),
        None => crate::log!("panic"),
    }
    #[cfg(not(debug_assertions))]
    {
        let _ = info;
        crate::log!("panic (a bug; a debug build names where)");
    }
    sys::exit_group(101)
}
