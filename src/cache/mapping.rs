//! The mapping edge: a small file's bytes, mapped, and the one accessor that
//! lends them out. The only module of the cache allowed `unsafe`.
//!
//! The invariant everything here rests on: the bytes of a mapped file are
//! never read in user space, only handed to the kernel in iovecs. Another
//! process may truncate the file after it is mapped; a read of a page past
//! the new end raises SIGBUS and kills the server, while the kernel, copying
//! from an iovec, turns the same fault into EFAULT: the writev fails and that
//! one connection closes. Whatever the file's bytes become meanwhile, they
//! are only ever copied, never interpreted.
#![allow(unsafe_code)]

use alloc::boxed::Box;
use core::ptr::NonNull;
use rustix::fd::OwnedFd;
use rustix::mm::{MapFlags, ProtFlags};

/// A body's bytes: a file mapped read-only, or bytes held in memory.
pub enum Mapping {
    /// A file's bytes, mapped read-only and shared.
    File(FileMap),
    /// Bytes held in memory: a directory listing, a copy of a file inotify
    /// may not see change, or an empty file.
    Memory(Box<[u8]>),
}

/// A read-only shared mapping of a whole, non-empty file, unmapped on drop.
pub struct FileMap {
    ptr: NonNull<u8>,
    len: usize,
}

// SAFETY: the mapping is read-only and nothing in the process writes through
// it; its address may be shared and used from any thread, and it is unmapped
// once, in Drop, by whichever thread drops the last owner.
unsafe impl Send for FileMap {}
// SAFETY: as above: shared access only ever reads the address and length.
unsafe impl Sync for FileMap {}

impl Mapping {
    /// Maps `len` bytes of `fd` read-only; a zero length maps nothing.
    pub fn new(fd: &OwnedFd, len: usize) -> rustix::io::Result<Mapping> {
        if len == 0 {
            return Ok(Mapping::Memory(Box::default()));
        }
        // SAFETY: a fresh shared read-only mapping of a file aliases no Rust object.
        let ptr = unsafe {
            rustix::mm::mmap(
                core::ptr::null_mut(),
                len,
                ProtFlags::READ,
                MapFlags::SHARED,
                fd,
                0,
            )?
        };
        let ptr = NonNull::new(ptr.cast()).ok_or(rustix::io::Errno::NOMEM)?;
        Ok(Mapping::File(FileMap { ptr, len }))
    }

    /// The bytes, for the kernel only: to go out in an iovec, never to be
    /// read here (see the module doc: a mapped file truncated meanwhile
    /// would raise SIGBUS on a read, and only the kernel turns that fault
    /// into an error return).
    pub fn bytes(&self) -> &[u8] {
        match self {
            // SAFETY: `ptr` and `len` describe a live mapping, unmapped only
            // when `self` drops, which cannot happen while the slice borrows
            // it. What another process does to the file (a write, a
            // truncation) no Rust type can rule out for a shared mapping;
            // hence the module's invariant, which this function's contract
            // passes on: the slice only goes to the kernel, which copies from
            // it and reports a fault as EFAULT, and is never read here.
            Mapping::File(map) => unsafe { core::slice::from_raw_parts(map.ptr.as_ptr(), map.len) },
            Mapping::Memory(bytes) => bytes,
        }
    }
}

impl Drop for FileMap {
    fn drop(&mut self) {
        // SAFETY: the mapping is ours, and every slice lent by `Mapping::bytes`
        // borrowed its owner, so none outlives this.
        let _ = unsafe { rustix::mm::munmap(self.ptr.as_ptr().cast(), self.len) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_maps_and_an_empty_one_is_empty_memory() {
        let text = b"0123456789";
        let fd = rustix::fs::memfd_create("mapping", rustix::fs::MemfdFlags::CLOEXEC).unwrap();
        rustix::io::write(&fd, text).unwrap();
        let m = Mapping::new(&fd, text.len()).unwrap();
        assert!(matches!(m, Mapping::File(_)));
        assert_eq!(m.bytes(), text);
        let empty = Mapping::new(&fd, 0).unwrap();
        assert!(matches!(empty, Mapping::Memory(_)));
        assert!(empty.bytes().is_empty());
    }
}
