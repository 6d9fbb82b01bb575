//! The runtime that stands in for libc: process start-up, memory allocation,
//! the mem* functions, C-string paths, UTF-8 checks, threads, signals, the
//! descriptors the process is started with, clock reads through the vDSO, and
//! the raw syscalls rustix lacks.
//!
//! Everything here except [`sys`] goes through rustix; [`sys`] is the only
//! place with `asm!` syscalls.

pub mod alloc;
pub mod cstr;
pub mod errno;
pub mod mem;
pub mod passed;
pub mod seccomp;
pub mod signal;
pub mod start;
pub mod stdio;
pub mod sys;
pub mod thread;
pub mod time;
pub mod utf8;
