//! Content hashes of big files, taken off the workers: a fill that did not
//! read its file (one sent with sendfile) queues the entry here, and one
//! thread reads and hashes it, then sets the entry's ETag. A worker never
//! spends a big file's reading time inside a request; until the hash is
//! known the file's responses carry no ETag.
//!
//! The queue holds weak references, so an entry evicted or invalidated
//! before its turn is skipped, and the hash leaves with the entry.
#![forbid(unsafe_code)]

use super::digest::Digest;
use super::entry::{Body, Entry};
use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU32, Ordering};
use rustix::fd::OwnedFd;
use rustix::thread::futex;

/// Entries waiting at most; a fill finding the queue full leaves its entry
/// without an ETag until it is filled again.
const QUEUE_MAX: usize = 4096;
/// Bytes read per pread: big enough to cost few calls, small enough that
/// the buffer, given back after each batch, is no burden.
const CHUNK: usize = 256 * 1024;

/// The queue of entries to hash and the counter the thread sleeps on.
#[derive(Default)]
pub struct Hashing {
    queue: spin::Mutex<Vec<Weak<Entry>>>,
    /// Bumped by every push, so a push between a batch and the wait is not
    /// slept through.
    pushed: AtomicU32,
}

impl Hashing {
    /// Queues `entry` and wakes the thread.
    pub fn push(&self, entry: &Arc<Entry>) {
        {
            let mut queue = self.queue.lock();
            if queue.len() >= QUEUE_MAX {
                return;
            }
            queue.push(Arc::downgrade(entry));
        }
        self.pushed.fetch_add(1, Ordering::Release);
        let _ = futex::wake(&self.pushed, futex::Flags::PRIVATE, 1);
    }

    /// Hashes every entry queued and still alive; returns how many got an ETag.
    pub fn run_once(&self) -> usize {
        let batch = core::mem::take(&mut *self.queue.lock());
        if batch.is_empty() {
            return 0;
        }
        let mut buf = alloc::vec![0u8; CHUNK];
        let mut done = 0;
        for entry in batch.iter().filter_map(Weak::upgrade) {
            if let Body::File(fd) = &entry.body
                && let Some(digest) = hash_file(fd, &entry, &mut buf)
            {
                entry.set_digest(digest);
                done += 1;
            }
        }
        done
    }

    /// The thread's loop: hashes what is queued, then sleeps until more is.
    pub fn run(&self) -> ! {
        loop {
            let seen = self.pushed.load(Ordering::Acquire);
            self.run_once();
            // Returns at once if anything was pushed since `seen`.
            let _ = futex::wait(&self.pushed, futex::Flags::PRIVATE, seen, None);
        }
    }
}

/// The content hash of the file open as `fd`, if it still is what `entry`
/// describes (size and ctime) before and after it is read whole.
fn hash_file(fd: &OwnedFd, entry: &Entry, buf: &mut [u8]) -> Option<u128> {
    let meta = entry.meta;
    if !entry.file_unchanged(fd) {
        return None;
    }
    let mut digest = Digest::new();
    let mut offset = 0u64;
    while offset < meta.size {
        let want = usize::try_from(meta.size - offset).map_or(buf.len(), |n| n.min(buf.len()));
        if !super::root::read_exact_at(fd, &mut buf[..want], offset) {
            return None;
        }
        digest.update(&buf[..want]);
        offset += want as u64;
    }
    entry.file_unchanged(fd).then(|| digest.finish())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cache::root::Root;
    use crate::cache::{Cache, Lookup, Settings};
    use crate::http::response::{Etag, SiteHeaders};
    use std::os::unix::ffi::OsStrExt;

    fn cache(dir: &std::path::Path) -> Cache {
        let limits = Settings {
            max_file_size: 1024,
            max_bytes: 1 << 20,
            max_entries: 16,
            ttl_ms: 1000,
            compress_level: None,
            compress_max_size: 0,
            listing: false,
            last_modified: Default::default(),
            types: &crate::http::mime::BUILTIN,
        };
        let root = Root::open(dir.as_os_str().as_bytes()).unwrap();
        Cache::new(root, b"index.html".to_vec(), limits, SiteHeaders::default())
    }

    fn entry(c: &Cache, key: &[u8]) -> Arc<Entry> {
        match c.lookup(key, &mut Vec::new(), 0) {
            Lookup::Entry(e) => e,
            _ => panic!("no entry for {key:?}"),
        }
    }

    #[test]
    fn big_files_get_their_etag_from_the_thread_small_ones_at_once() {
        let dir = std::env::temp_dir().join(format!("staticd-hashing-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let big: Vec<u8> = (0..1_000_000u32).map(|i| (i * 7 + i / 255) as u8).collect();
        std::fs::write(dir.join("big.bin"), &big).unwrap();
        std::fs::write(dir.join("small.txt"), b"small").unwrap();
        std::fs::write(dir.join("gone.bin"), &big[..5000]).unwrap();
        let c = cache(&dir);
        let small = entry(&c, b"small.txt");
        assert_eq!(small.etag(), Some(&Etag::from_digest(Digest::of(b"small"))));
        assert!(small.etag_in_head);
        let e = entry(&c, b"big.bin");
        assert!(!e.etag_in_head);
        assert_eq!(e.etag(), None);
        // A file changed after its fill is not hashed: its entry is stale.
        let gone = entry(&c, b"gone.bin");
        std::fs::write(dir.join("gone.bin"), b"different now").unwrap();
        assert_eq!(c.hashing.run_once(), 1);
        assert_eq!(e.etag(), Some(&Etag::from_digest(Digest::of(&big))));
        assert_eq!(gone.etag(), None);
        // The same hit later hands out the same entry, tag and all.
        assert!(Arc::ptr_eq(&entry(&c, b"big.bin"), &e));
        assert_eq!(c.hashing.run_once(), 0);
        // An entry dropped before its turn is skipped.
        std::fs::write(dir.join("other.bin"), &big[..3000]).unwrap();
        let other = entry(&c, b"other.bin");
        c.clear();
        drop(other);
        assert_eq!(c.hashing.run_once(), 0);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
