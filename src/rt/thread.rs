//! Threads started with clone(2) on an mmap'd stack with a guard page.
//!
//! The kernel writes the thread id into the handle at start and clears it
//! (with a futex wake) when the thread exits, which is how [`JoinHandle`]
//! waits; the stack is unmapped only after that.
#![allow(unsafe_code)]

use crate::rt::sys;
use alloc::boxed::Box;
use core::sync::atomic::{AtomicU32, Ordering};
use rustix::io;
use rustix::mm::{MapFlags, MprotectFlags, ProtFlags};
use rustix::thread::futex;
use rustix::time::Timespec;

const GUARD: usize = 4096;

type Task = Box<dyn FnOnce() + Send + 'static>;

/// A running thread: its tid word and its stack mapping.
pub struct JoinHandle {
    tid: Box<AtomicU32>,
    stack: *mut u8,
    len: usize,
}

// SAFETY: the stack pointer is only used to unmap the stack after the thread has exited.
unsafe impl Send for JoinHandle {}

extern "C" fn thread_main(arg: *mut u8) -> ! {
    // SAFETY: `arg` is the slot above this thread's stack where `spawn_task`
    // moved the task; nothing else reads it, and the stack grows away from it.
    let task = unsafe { arg.cast::<Task>().read() };
    task();
    sys::exit_thread(0)
}

/// Starts `f` on a new thread with a stack of `stack_size` bytes (plus a guard page).
pub fn spawn<F: FnOnce() + Send + 'static>(stack_size: usize, f: F) -> io::Result<JoinHandle> {
    spawn_task(stack_size, Box::new(f))
}

/// [`spawn`] past boxing the closure: one copy, not one per closure type.
#[inline(never)]
fn spawn_task(stack_size: usize, task: Task) -> io::Result<JoinHandle> {
    let size = (stack_size + 4095) & !4095;
    let len = size + GUARD;
    // SAFETY: a fresh private anonymous mapping aliases nothing.
    let stack = unsafe {
        rustix::mm::mmap_anonymous(
            core::ptr::null_mut(),
            len,
            ProtFlags::READ | ProtFlags::WRITE,
            MapFlags::PRIVATE | MapFlags::NORESERVE | MapFlags::STACK,
        )?
    };
    // SAFETY: the lowest page of our own mapping becomes the guard page.
    if let Err(e) = unsafe { rustix::mm::mprotect(stack, GUARD, MprotectFlags::empty()) } {
        // SAFETY: the mapping is ours and unused.
        let _ = unsafe { rustix::mm::munmap(stack, len) };
        return Err(e);
    }
    let handle = JoinHandle {
        tid: Box::new(AtomicU32::new(0)),
        stack: stack.cast(),
        len,
    };
    // The task (a boxed closure, two words) goes in the top 16 bytes of the
    // new stack, where the thread takes it from: no second box to hand it over.
    // SAFETY: `len` is the mapping's length, so this is 16 bytes below its end.
    let slot = unsafe { stack.cast::<u8>().add(len - 16) }.cast::<Task>();
    // SAFETY: the slot is ours, unused, and 16-byte aligned like the mapping's end.
    unsafe { slot.write(task) };
    // SAFETY: the stack below the slot is 16-byte aligned at its top and lives
    // until after the thread exits (join unmaps it only then); the tid word is
    // boxed, so its address is stable for as long as the handle lives; the
    // slot holds the task `thread_main` takes, exactly once.
    match unsafe { sys::clone_thread(slot.cast(), handle.tid.as_ptr(), thread_main, slot.cast()) } {
        Ok(_) => Ok(handle),
        Err(e) => {
            // SAFETY: the thread never started, so the task is still ours to drop.
            drop(unsafe { slot.read() });
            Err(e)
        }
    }
}

impl JoinHandle {
    /// Waits until the thread exits or `timeout` passes; true if it exited.
    pub fn join_timeout(&self, timeout: Option<Timespec>) -> bool {
        loop {
            let tid = self.tid.load(Ordering::Acquire);
            if tid == 0 {
                return true;
            }
            // The kernel's CLONE_CHILD_CLEARTID wake is a shared (non-private) futex wake.
            match futex::wait(&self.tid, futex::Flags::empty(), tid, timeout.as_ref()) {
                Err(io::Errno::TIMEDOUT) => return self.tid.load(Ordering::Acquire) == 0,
                _ => continue,
            }
        }
    }
}

impl Drop for JoinHandle {
    fn drop(&mut self) {
        if self.tid.load(Ordering::Acquire) == 0 {
            // SAFETY: the thread has exited, so nothing runs on this stack any more.
            let _ = unsafe { rustix::mm::munmap(self.stack.cast(), self.len) };
        }
        // A thread still running keeps its stack: leaking it beats pulling it from under the thread.
    }
}
