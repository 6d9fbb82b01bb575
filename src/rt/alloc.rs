//! The global allocator: power-of-two size classes below a page carved from
//! mmap'd chunks; a page or more mmap'd on its own.
//!
//! Each class has its own spin lock, a free list threaded through freed
//! blocks, and a bump pointer into its current chunk, so fresh memory is only
//! touched (and counted in RSS) when it is handed out. Blocks of a class are
//! aligned to their size because chunks are page aligned.
//!
//! A free list keeps its blocks for good, so classes stop below a page: the
//! big buffers a burst takes (request heads, listings, compressed variants)
//! are their own mappings, unmapped when freed, and the memory comes back.
#![allow(unsafe_code)]

use core::alloc::{GlobalAlloc, Layout};
use core::ptr::{self, null_mut};
use rustix::mm::{MapFlags, MremapFlags, ProtFlags};
use spin::Mutex;

const PAGE: usize = 4096;
const MIN_SHIFT: u32 = 4;
/// The biggest class, 2 KiB: anything bigger is a mapping of its own.
const MAX_SHIFT: u32 = 11;
const CLASSES: usize = (MAX_SHIFT - MIN_SHIFT + 1) as usize;
/// Chunks are at least this big, so small classes map memory rarely.
const CHUNK: usize = 64 * 1024;

/// Free blocks and untouched chunk space of one size class.
struct Class {
    free: *mut Free,
    bump: usize,
    end: usize,
}

/// The link stored in the first word of a freed block.
struct Free {
    next: *mut Free,
}

/// A class behind its lock; raw pointers into our own mappings are fine to share.
struct Locked(Mutex<Class>);
// SAFETY: the pointers only reach memory this allocator owns, always under the lock.
unsafe impl Sync for Locked {}

#[allow(clippy::declare_interior_mutable_const)]
const EMPTY: Locked = Locked(Mutex::new(Class {
    free: null_mut(),
    bump: 0,
    end: 0,
}));
static CLASS: [Locked; CLASSES] = [EMPTY; CLASSES];

/// The size class for a layout, or `None` when it goes straight to mmap.
fn class_of(layout: Layout) -> Option<usize> {
    let size = layout.size().max(layout.align()).max(1 << MIN_SHIFT);
    if size > 1 << MAX_SHIFT {
        return None;
    }
    let shift = usize::BITS - (size - 1).leading_zeros();
    Some((shift - MIN_SHIFT) as usize)
}

fn round_to_page(n: usize) -> Option<usize> {
    n.checked_add(PAGE - 1).map(|n| n & !(PAGE - 1))
}

fn map(len: usize) -> *mut u8 {
    // SAFETY: a fresh private anonymous mapping aliases nothing.
    match unsafe {
        rustix::mm::mmap_anonymous(
            null_mut(),
            len,
            ProtFlags::READ | ProtFlags::WRITE,
            MapFlags::PRIVATE,
        )
    } {
        Ok(p) => p.cast(),
        Err(_) => null_mut(),
    }
}

/// The allocator registered by the binary with `#[global_allocator]`.
pub struct Allocator;

// SAFETY: GlobalAlloc's contract holds. A block is either a class block,
// whose size is a power of two no smaller than the layout's size and
// alignment, handed out once (from the bump pointer or the free list) at a
// multiple of that size within a page-aligned chunk, so it is aligned and
// overlaps no live block; or a fresh mapping of whole pages, page aligned.
// Alignments above a page are refused with null. `dealloc` and `realloc`
// find the block's class from the same layout that allocated it, as the
// contract requires callers to pass. Nothing here panics or unwinds.
unsafe impl GlobalAlloc for Allocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if layout.align() > PAGE {
            return null_mut();
        }
        let Some(c) = class_of(layout) else {
            return match round_to_page(layout.size()) {
                Some(len) => map(len),
                None => null_mut(),
            };
        };
        let size = 1usize << (c as u32 + MIN_SHIFT);
        let mut class = CLASS[c].0.lock();
        if !class.free.is_null() {
            let block = class.free;
            // SAFETY: blocks on the free list are ours and at least one word long.
            class.free = unsafe { (*block).next };
            return block.cast();
        }
        if class.bump + size > class.end {
            let len = CHUNK.max(size * 4);
            let chunk = map(len);
            if chunk.is_null() {
                return null_mut();
            }
            class.bump = chunk as usize;
            class.end = chunk as usize + len;
        }
        let block = class.bump;
        class.bump += size;
        block as *mut u8
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        match class_of(layout) {
            Some(c) => {
                let mut class = CLASS[c].0.lock();
                let block = ptr.cast::<Free>();
                // SAFETY: the block came from this class and is at least one aligned word.
                unsafe { (*block).next = class.free };
                class.free = block;
            }
            None => {
                if let Some(len) = round_to_page(layout.size()) {
                    // SAFETY: big blocks are whole mappings of exactly this length.
                    let _ = unsafe { rustix::mm::munmap(ptr.cast(), len) };
                }
            }
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let Ok(new_layout) = Layout::from_size_align(new_size, layout.align()) else {
            return null_mut();
        };
        match (class_of(layout), class_of(new_layout)) {
            (Some(a), Some(b)) if a == b => ptr,
            (None, None) => {
                let (Some(old), Some(new)) =
                    (round_to_page(layout.size()), round_to_page(new_size))
                else {
                    return null_mut();
                };
                if old == new {
                    return ptr;
                }
                // SAFETY: `ptr` is a whole mapping of `old` bytes; MAYMOVE keeps the contents.
                match unsafe { rustix::mm::mremap(ptr.cast(), old, new, MremapFlags::MAYMOVE) } {
                    Ok(p) => p.cast(),
                    Err(_) => null_mut(),
                }
            }
            _ => {
                // SAFETY: alloc, copy and dealloc uphold GlobalAlloc's contract for both layouts.
                unsafe {
                    let new = self.alloc(new_layout);
                    if !new.is_null() {
                        ptr::copy_nonoverlapping(ptr, new, layout.size().min(new_size));
                        self.dealloc(ptr, layout);
                    }
                    new
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_cover_sizes_and_alignment() {
        let l = |s, a| Layout::from_size_align(s, a).unwrap();
        assert_eq!(class_of(l(0, 1)), Some(0));
        assert_eq!(class_of(l(16, 1)), Some(0));
        assert_eq!(class_of(l(17, 1)), Some(1));
        assert_eq!(class_of(l(1, 64)), Some(2));
        assert_eq!(class_of(l(2048, 8)), Some(CLASSES - 1));
        assert_eq!(class_of(l(2049, 8)), None);
        assert_eq!(class_of(l(4096, 8)), None);
        assert_eq!(class_of(l(32768, 8)), None);
    }

    #[test]
    fn allocates_reuses_and_grows() {
        let a = Allocator;
        // SAFETY: every block is used within its layout's size and freed once,
        // with the layout it was allocated (or last reallocated) with.
        unsafe {
            let mut seen = Vec::new();
            for size in [1usize, 15, 16, 100, 4000, 5000, 32768, 40000, 1 << 20] {
                let layout = Layout::from_size_align(size, 8).unwrap();
                let p = a.alloc(layout);
                assert!(!p.is_null());
                assert_eq!(p as usize % 8, 0);
                ptr::write_bytes(p, 0x5A, size);
                seen.push((p, layout));
            }
            for (p, layout) in seen.drain(..) {
                a.dealloc(p, layout);
            }
            // Growing through every kind of transition keeps the contents.
            let mut layout = Layout::from_size_align(10, 1).unwrap();
            let mut p = a.alloc(layout);
            for i in 0..10 {
                *p.add(i) = i as u8;
            }
            for new_size in [12usize, 100, 30000, 70000, 300000, 50, 10] {
                p = a.realloc(p, layout, new_size);
                assert!(!p.is_null());
                layout = Layout::from_size_align(new_size, 1).unwrap();
                for i in 0..10 {
                    assert_eq!(*p.add(i), i as u8);
                }
            }
            a.dealloc(p, layout);
        }
    }

    /// Whether `len` bytes at `addr` are free address space: a mapping
    /// there that must not replace anything succeeds only then.
    fn unmapped(addr: *mut u8, len: usize) -> bool {
        // SAFETY: FIXED_NOREPLACE never replaces a mapping; one made is unmapped at once.
        unsafe {
            match rustix::mm::mmap_anonymous(
                addr.cast(),
                len,
                ProtFlags::READ,
                MapFlags::PRIVATE | MapFlags::FIXED_NOREPLACE,
            ) {
                Ok(p) => {
                    let _ = rustix::mm::munmap(p, len);
                    true
                }
                Err(_) => false,
            }
        }
    }

    #[test]
    fn a_page_or_more_is_unmapped_when_freed() {
        let a = Allocator;
        for size in [4096usize, 8192, 20_000, 32768] {
            let layout = Layout::from_size_align(size, 8).unwrap();
            // SAFETY: the block is written within its size and freed once.
            unsafe {
                let p = a.alloc(layout);
                assert!(!p.is_null());
                ptr::write_bytes(p, 1, size);
                assert!(!unmapped(p, PAGE));
                a.dealloc(p, layout);
                assert!(unmapped(p, PAGE), "{size} bytes still mapped");
            }
        }
    }

    #[test]
    fn freed_block_is_reused() {
        let a = Allocator;
        let layout = Layout::from_size_align(1000, 8).unwrap();
        // SAFETY: each block is freed once, with its layout.
        unsafe {
            let p = a.alloc(layout);
            a.dealloc(p, layout);
            let q = a.alloc(layout);
            // Another test thread may take it first, but the block must be valid either way.
            assert!(!q.is_null());
            a.dealloc(q, layout);
        }
    }

    #[test]
    fn threads_do_not_corrupt_lists() {
        let handles: Vec<_> = (0..4)
            .map(|t| {
                std::thread::spawn(move || {
                    let a = Allocator;
                    let layout = Layout::from_size_align(48, 8).unwrap();
                    for round in 0..2000 {
                        // SAFETY: the block is 48 bytes, written and read
                        // within them, then freed once with its layout.
                        unsafe {
                            let p = a.alloc(layout);
                            ptr::write_bytes(p, (t + round) as u8, 48);
                            let bytes = std::slice::from_raw_parts(p, 48);
                            assert!(bytes.iter().all(|&b| b == (t + round) as u8));
                            a.dealloc(p, layout);
                        }
                    }
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
    }
}
