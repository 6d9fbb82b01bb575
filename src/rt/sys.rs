//! Raw x86_64 Linux syscalls that rustix keeps private (its `runtime` module is
//! hidden on purpose): exit_group, exit, clone, rt_sigprocmask, signalfd4,
//! seccomp, and clock_gettime for when there is no vDSO.
//!
//! This is the only module with `asm!` syscalls. Each wrapper has typed
//! arguments and returns `io::Result` like rustix does.
#![allow(unsafe_code)]

use core::arch::asm;
use rustix::fd::{FromRawFd, OwnedFd};
use rustix::io;

/// x86_64 system call numbers (`asm/unistd_64.h`): the one table both the raw calls below and
/// the seccomp allow-list (`server::sandbox`) name them from.
pub mod nr {
    /// `read`
    pub const READ: u32 = 0;
    /// `write`
    pub const WRITE: u32 = 1;
    /// `open`
    pub const OPEN: u32 = 2;
    /// `close`
    pub const CLOSE: u32 = 3;
    /// `fstat`
    pub const FSTAT: u32 = 5;
    /// `mmap`
    pub const MMAP: u32 = 9;
    /// `mprotect`
    pub const MPROTECT: u32 = 10;
    /// `munmap`
    pub const MUNMAP: u32 = 11;
    /// `rt_sigprocmask`
    pub const RT_SIGPROCMASK: u32 = 14;
    /// `pread64`
    pub const PREAD64: u32 = 17;
    /// `writev`
    pub const WRITEV: u32 = 20;
    /// `mremap`
    pub const MREMAP: u32 = 25;
    /// `madvise`
    pub const MADVISE: u32 = 28;
    /// `sendfile`
    pub const SENDFILE: u32 = 40;
    /// `sendto`
    pub const SENDTO: u32 = 44;
    /// `sendmsg`
    pub const SENDMSG: u32 = 46;
    /// `shutdown`
    pub const SHUTDOWN: u32 = 48;
    /// `clone`
    pub const CLONE: u32 = 56;
    /// `exit`
    pub const EXIT: u32 = 60;
    /// `futex`
    pub const FUTEX: u32 = 202;
    /// `getdents64`
    pub const GETDENTS64: u32 = 217;
    /// `restart_syscall`
    pub const RESTART_SYSCALL: u32 = 219;
    /// `clock_gettime`
    pub const CLOCK_GETTIME: u32 = 228;
    /// `exit_group`
    pub const EXIT_GROUP: u32 = 231;
    /// `epoll_wait`
    pub const EPOLL_WAIT: u32 = 232;
    /// `epoll_ctl`
    pub const EPOLL_CTL: u32 = 233;
    /// `inotify_add_watch`
    pub const INOTIFY_ADD_WATCH: u32 = 254;
    /// `openat`
    pub const OPENAT: u32 = 257;
    /// `newfstatat`
    pub const NEWFSTATAT: u32 = 262;
    /// `ppoll`
    pub const PPOLL: u32 = 271;
    /// `epoll_pwait`
    pub const EPOLL_PWAIT: u32 = 281;
    /// `accept4`
    pub const ACCEPT4: u32 = 288;
    /// `signalfd4`
    pub const SIGNALFD4: u32 = 289;
    /// `epoll_create1`
    pub const EPOLL_CREATE1: u32 = 291;
    /// `seccomp`
    pub const SECCOMP: u32 = 317;
    /// `getrandom`
    pub const GETRANDOM: u32 = 318;
    /// `openat2`
    pub const OPENAT2: u32 = 437;
    /// `epoll_pwait2`
    pub const EPOLL_PWAIT2: u32 = 441;
}

/// Turns a raw syscall return value into `io::Result`.
fn check(ret: isize) -> io::Result<usize> {
    if (-4095..0).contains(&ret) {
        Err(io::Errno::from_raw_os_error(-ret as i32))
    } else {
        Ok(ret as usize)
    }
}

/// Ends the whole process with `code` ([exit_group(2)](https://man7.org/linux/man-pages/man2/exit_group.2.html)).
pub fn exit_group(code: i32) -> ! {
    // SAFETY: exit_group takes one integer and never returns; no memory is touched.
    unsafe {
        asm!("syscall", in("rax") nr::EXIT_GROUP as usize, in("rdi") code as isize, options(noreturn, nostack));
    }
}

/// Ends the calling thread only ([exit(2)](https://man7.org/linux/man-pages/man2/exit.2.html)).
pub fn exit_thread(code: i32) -> ! {
    // SAFETY: exit takes one integer and never returns; the kernel clears and
    // wakes the CLONE_CHILD_CLEARTID word, which the joiner owns.
    unsafe {
        asm!("syscall", in("rax") nr::EXIT as usize, in("rdi") code as isize, options(noreturn, nostack));
    }
}

/// Reads clock `id` into `t` ([clock_gettime(2)](https://man7.org/linux/man-pages/man2/clock_gettime.2.html)):
/// the system call that [`crate::rt::time`] makes only without a vDSO. The
/// clocks asked for always exist, so the result is not checked.
pub fn clock_gettime(id: i32, t: &mut rustix::time::Timespec) {
    // SAFETY: `t` is a live, writable timespec the kernel fills in.
    unsafe {
        asm!("syscall", inlateout("rax") nr::CLOCK_GETTIME as usize => _,
             in("rdi") id as isize, in("rsi") t as *mut rustix::time::Timespec,
             lateout("rcx") _, lateout("r11") _, options(nostack));
    }
}

/// How [`sigprocmask`] changes the blocked set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(usize)]
pub enum How {
    /// Adds the given signals to the mask.
    Block = 0,
    /// Removes the given signals from the mask.
    Unblock = 1,
    /// Replaces the mask.
    SetMask = 2,
}

/// Changes the calling thread's blocked-signal mask, returning the old one
/// ([rt_sigprocmask(2)](https://man7.org/linux/man-pages/man2/rt_sigprocmask.2.html)).
pub fn sigprocmask(how: How, set: u64) -> io::Result<u64> {
    let mut old: u64 = 0;
    let ret: isize;
    // SAFETY: both pointers refer to live 8-byte locals and sigsetsize is 8,
    // the kernel's sigset size on x86_64.
    unsafe {
        asm!("syscall", inlateout("rax") nr::RT_SIGPROCMASK as isize => ret,
             in("rdi") how as usize, in("rsi") &set as *const u64, in("rdx") &mut old as *mut u64,
             in("r10") 8usize, lateout("rcx") _, lateout("r11") _, options(nostack));
    }
    check(ret).map(|_| old)
}

/// Creates a non-blocking, close-on-exec signalfd for the signals in `set`
/// ([signalfd(2)](https://man7.org/linux/man-pages/man2/signalfd.2.html)).
pub fn signalfd(set: u64) -> io::Result<OwnedFd> {
    const SFD_NONBLOCK: usize = 0o4000;
    const SFD_CLOEXEC: usize = 0o2000000;
    let ret: isize;
    // SAFETY: `set` is a live 8-byte local and sigsetsize is 8; fd -1 asks for a new descriptor.
    unsafe {
        asm!("syscall", inlateout("rax") nr::SIGNALFD4 as isize => ret,
             in("rdi") -1isize, in("rsi") &set as *const u64, in("rdx") 8usize,
             in("r10") SFD_NONBLOCK | SFD_CLOEXEC, lateout("rcx") _, lateout("r11") _, options(nostack));
    }
    let fd = check(ret)?;
    // SAFETY: the kernel just returned this descriptor to us and nobody else owns it.
    Ok(unsafe { OwnedFd::from_raw_fd(fd as i32) })
}

/// Flags for a thread that shares everything with its parent and clears
/// `child_tid` (waking futex waiters) when it exits.
pub const CLONE_THREAD_FLAGS: usize = 0x100 // CLONE_VM
    | 0x200 // CLONE_FS
    | 0x400 // CLONE_FILES
    | 0x800 // CLONE_SIGHAND
    | 0x10000 // CLONE_THREAD
    | 0x40000 // CLONE_SYSVSEM
    | 0x100000 // CLONE_PARENT_SETTID
    | 0x200000; // CLONE_CHILD_CLEARTID

/// Starts a thread running `entry(arg)` on `stack_top`
/// ([clone(2)](https://man7.org/linux/man-pages/man2/clone.2.html)); returns its tid.
///
/// # Safety
/// `stack_top` must be the 16-byte aligned top of a writable stack that lives
/// until the thread exits, `tid` must stay valid until then, and `entry` must
/// never return (it ends with [`exit_thread`]).
pub unsafe fn clone_thread(
    stack_top: *mut u8,
    tid: *mut u32,
    entry: extern "C" fn(*mut u8) -> !,
    arg: *mut u8,
) -> io::Result<u32> {
    let ret: isize;
    // SAFETY: the caller guarantees the stack and tid word; the child starts on
    // the new stack with r12/r13 inherited and jumps straight into `entry`,
    // touching nothing of the parent's frame.
    unsafe {
        asm!(
            "syscall",
            "test rax, rax",
            "jnz 2f",
            "xor ebp, ebp",
            "mov rdi, r13",
            "call r12",
            "ud2",
            "2:",
            inlateout("rax") nr::CLONE as isize => ret,
            in("rdi") CLONE_THREAD_FLAGS,
            in("rsi") stack_top,
            in("rdx") tid,
            in("r10") tid,
            in("r8") 0usize,
            in("r12") entry,
            in("r13") arg,
            lateout("rcx") _,
            lateout("r11") _,
            options(nostack),
        );
    }
    check(ret).map(|t| t as u32)
}

/// One classic-BPF instruction (`struct sock_filter`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(C)]
pub struct SockFilter {
    /// Operation code.
    pub code: u16,
    /// Jump offset if true.
    pub jt: u8,
    /// Jump offset if false.
    pub jf: u8,
    /// Operand.
    pub k: u32,
}

/// A BPF program (`struct sock_fprog`).
#[repr(C)]
struct SockFprog {
    len: u16,
    filter: *const SockFilter,
}

/// Installs `program` as this thread's seccomp filter, inherited by threads
/// it starts ([seccomp(2)](https://man7.org/linux/man-pages/man2/seccomp.2.html),
/// SECCOMP_SET_MODE_FILTER). The caller must have set no_new_privs first.
pub fn seccomp_set_filter(program: &[SockFilter]) -> io::Result<()> {
    const SECCOMP_SET_MODE_FILTER: usize = 1;
    let len = u16::try_from(program.len()).map_err(|_| io::Errno::INVAL)?;
    let prog = SockFprog {
        len,
        filter: program.as_ptr(),
    };
    let ret: isize;
    // SAFETY: `prog` points at `program`, which outlives the call; the kernel
    // copies the filter before returning.
    unsafe {
        asm!("syscall", inlateout("rax") nr::SECCOMP as isize => ret,
             in("rdi") SECCOMP_SET_MODE_FILTER, in("rsi") 0usize, in("rdx") &prog as *const SockFprog,
             lateout("rcx") _, lateout("r11") _, options(nostack));
    }
    check(ret).map(|_| ())
}
