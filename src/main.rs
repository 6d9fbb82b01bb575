//! Entry glue for the static `staticd` binary: the process entry point, the
//! allocator, the panic handler and the C symbols the compiler expects.
//! Everything else lives in the library.
#![cfg_attr(not(test), no_std)]
#![cfg_attr(not(test), no_main)]

#[cfg(not(test))]
mod entry {
    use staticd::rt;

    /// The process entry point: hands the kernel's stack pointer to the runtime.
    #[unsafe(naked)]
    #[unsafe(no_mangle)]
    unsafe extern "C" fn _start() -> ! {
        core::arch::naked_asm!(
            "xor ebp, ebp",
            "mov rdi, rsp",
            "and rsp, -16",
            "call {start}",
            "ud2",
            start = sym start,
        )
    }

    unsafe extern "C" fn start(sp: *const usize) -> ! {
        // SAFETY: `_start` passes the untouched initial stack pointer.
        unsafe { rt::start::start(sp, staticd::main) }
    }

    #[global_allocator]
    static ALLOCATOR: rt::alloc::Allocator = rt::alloc::Allocator;

    #[panic_handler]
    fn panic(info: &core::panic::PanicInfo<'_>) -> ! {
        rt::start::panic(info)
    }

    // The C memory functions the compiler emits calls to; no libc provides them.

    #[unsafe(no_mangle)]
    unsafe extern "C" fn memcpy(dst: *mut u8, src: *const u8, n: usize) -> *mut u8 {
        // SAFETY: the compiler calls this with memcpy's contract.
        unsafe { rt::mem::copy(dst, src, n) }
    }

    #[unsafe(no_mangle)]
    unsafe extern "C" fn memmove(dst: *mut u8, src: *const u8, n: usize) -> *mut u8 {
        // SAFETY: the compiler calls this with memmove's contract.
        unsafe { rt::mem::copy_overlapping(dst, src, n) }
    }

    #[unsafe(no_mangle)]
    unsafe extern "C" fn memset(dst: *mut u8, c: i32, n: usize) -> *mut u8 {
        // SAFETY: the compiler calls this with memset's contract.
        unsafe { rt::mem::fill(dst, c as u8, n) }
    }

    #[unsafe(no_mangle)]
    unsafe extern "C" fn memcmp(a: *const u8, b: *const u8, n: usize) -> i32 {
        // SAFETY: the compiler calls this with memcmp's contract.
        unsafe { rt::mem::compare(a, b, n) }
    }

    #[unsafe(no_mangle)]
    unsafe extern "C" fn bcmp(a: *const u8, b: *const u8, n: usize) -> i32 {
        // SAFETY: the compiler calls this with bcmp's contract.
        unsafe { rt::mem::compare(a, b, n) }
    }

    #[unsafe(no_mangle)]
    unsafe extern "C" fn strlen(s: *const u8) -> usize {
        // SAFETY: callers pass a NUL-terminated string, as strlen requires.
        unsafe { rt::mem::c_len(s) }
    }

    // core and alloc are prebuilt with unwind tables that name these even with
    // panic = "abort"; nothing ever unwinds, so they only need to exist.

    #[unsafe(no_mangle)]
    extern "C" fn rust_eh_personality() {}

    #[unsafe(no_mangle)]
    extern "C" fn _Unwind_Resume() -> ! {
        rt::sys::exit_group(101)
    }
}

#[cfg(test)]
fn main() {}
