//! The file cache, lwan-style: small files stay mmap'd with their response
//! head prebuilt, so a hit costs no file syscall; big files keep their open
//! descriptor for sendfile; missing paths are remembered as 404s.
//!
//! - [`map`]: the bounded map and its CLOCK eviction (behind one spin lock,
//!   held only to look up or insert, never across a syscall).
//! - [`entry`]: what a path resolves to, reference counted.
//! - [`root`]: opening files beneath the root with openat2.
//! - [`watch`]: inotify invalidation, run by the control thread.
//! - [`hash`]: the keyed hash of the map.
//! - [`compress`]: gzip and zlib framing around miniz_oxide (for compressed variants).
//! - [`dir`]: directory listings (`--listing`).

pub mod compress;
pub mod dir;
pub mod entry;
pub mod hash;
pub mod map;
pub mod root;
pub mod watch;

use crate::http::encoding::Coding;
use crate::http::mime;
use crate::http::response::Extra;
use crate::http::status::Status;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, Ordering};
use entry::{Body, Entry, Found, Meta};
use map::Map;
use root::{Resolved, Root};
use spin::Mutex;

/// Cache limits and behaviour.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Files up to this size are mapped; bigger ones are sent with sendfile.
    pub max_file_size: u64,
    /// Total cost of all entries.
    pub max_bytes: usize,
    /// Number of entries (each big file holds a descriptor).
    pub max_entries: usize,
    /// How old an entry may get before it is checked again, when inotify
    /// cannot watch every directory.
    pub ttl_ms: u64,
    /// The compression level for gzip and deflate variants; `None` keeps none.
    pub compress_level: Option<u8>,
    /// Files up to this size get compressed variants.
    pub compress_max_size: u64,
    /// Directories without an index file get an HTML listing instead of 404.
    pub listing: bool,
}

/// Files smaller than this are not worth compressing.
const COMPRESS_MIN_SIZE: u64 = 256;

/// What a path resolves to.
pub enum Lookup {
    /// An entry (a file, or a cached 404).
    Entry(Arc<Entry>),
    /// A directory named without its trailing slash.
    Redirect,
    /// An error that is not cached (403, 503).
    Error(Status),
}

/// The cache's size and counters, for SIGUSR1.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Usage {
    /// Entries held.
    pub entries: usize,
    /// Bytes of entry cost held.
    pub bytes: usize,
    /// Entries evicted so far.
    pub evictions: u64,
    /// Lookups answered from the map so far.
    pub hits: u64,
    /// Lookups that went to the disk so far.
    pub misses: u64,
}

/// The cache shared by every worker.
pub struct Cache {
    map: Mutex<Map>,
    root: Root,
    index: Vec<u8>,
    limits: Limits,
    /// Header lines every response gets, prebuilt heads included.
    site: Extra,
    /// Set when some directory could not be watched: entries are then
    /// revalidated after `ttl_ms` instead of trusted until invalidated.
    revalidate: AtomicBool,
}

impl Cache {
    /// An empty cache over `root`.
    pub fn new(root: Root, index: Vec<u8>, limits: Limits, site: Extra) -> Cache {
        let map = Map::new(
            hash::KeyedHash::random(),
            limits.max_bytes,
            limits.max_entries,
        );
        Cache {
            map: Mutex::new(map),
            site,
            root,
            index,
            limits,
            revalidate: AtomicBool::new(false),
        }
    }

    /// The site-wide header additions.
    pub fn site(&self) -> &Extra {
        &self.site
    }

    /// The served root.
    pub fn root(&self) -> &Root {
        &self.root
    }

    /// The entry for the normalised path `key`, from the map or filled from
    /// the disk; `scratch` is reused for the file name.
    pub fn lookup(&self, key: &[u8], scratch: &mut Vec<u8>, now_ms: u64) -> Lookup {
        let (found, epoch) = {
            let mut map = self.map.lock();
            let found = map.get(key).filter(|e| {
                !self.revalidate.load(Ordering::Relaxed) || e.fresh(now_ms, self.limits.ttl_ms)
            });
            if found.is_some() {
                map.hits += 1;
            } else {
                map.misses += 1;
            }
            (found, map.epoch())
        };
        if let Some(e) = found {
            return Lookup::Entry(e);
        }
        scratch.clear();
        scratch.extend_from_slice(key);
        let entry = match self.root.resolve(scratch, &self.index) {
            Resolved::File(file) => {
                let meta = Meta {
                    size: file.size,
                    mtime: file.mtime,
                    mtime_nsec: file.mtime_nsec,
                };
                let content_type = mime::content_type(scratch);
                let compressible = mime::is_compressible(content_type);
                // Compressed before mapping, from read(): a file truncated
                // meanwhile gives a short read and no variants, never SIGBUS.
                let compressed = self.variants(&file, scratch, compressible);
                let vary = self.limits.compress_level.is_some()
                    && (compressible || !compressed.is_empty());
                let body = if file.size <= self.limits.max_file_size {
                    match entry::Mapping::new(&file.fd, file.size as usize) {
                        Ok(m) => Body::Mapped(m),
                        Err(_) => return Lookup::Error(Status::ServiceUnavailable),
                    }
                } else {
                    Body::File(file.fd)
                };
                let found = Found {
                    body,
                    meta,
                    content_type,
                    vary,
                    compressed,
                };
                Entry::new(found, &self.site, key.len(), now_ms)
            }
            Resolved::Directory(fd, stat) if self.limits.listing => {
                let limit = dir::page_limit(self.limits.max_bytes);
                let Some(page) = dir::list(&self.root, fd, &stat, key, limit) else {
                    return Lookup::Error(Status::ServiceUnavailable);
                };
                let meta = Meta {
                    size: page.html.len() as u64,
                    mtime: page.mtime,
                    mtime_nsec: page.mtime_nsec,
                };
                let mut compressed = Vec::new();
                if self.worth_compressing(meta.size) {
                    self.compress(&page.html, &mut compressed, true);
                }
                let found = Found {
                    body: Body::Mapped(entry::Mapping::from_bytes(page.html.into_boxed_slice())),
                    meta,
                    content_type: mime::content_type(b"index.html"),
                    vary: self.limits.compress_level.is_some(),
                    compressed,
                };
                Entry::new(found, &self.site, key.len(), now_ms)
            }
            Resolved::Error(Status::NotFound) | Resolved::Directory(..) => {
                Entry::new(Found::missing(), &self.site, key.len(), now_ms)
            }
            Resolved::Error(status) => return Lookup::Error(status),
            Resolved::Redirect => return Lookup::Redirect,
        };
        let entry = Arc::new(entry);
        self.map.lock().insert(key, entry.clone(), epoch);
        Lookup::Entry(entry)
    }

    /// The compressed forms to keep for `file` (named by `path`): the
    /// precompressed sidecars `path.br`, `path.zst`, `path.gz` that are not
    /// older than it, then gzip and deflate made here for a compressible type
    /// (each kept only if at least 10 % smaller; gzip only without a `.gz`).
    /// Files are read with pread; a short read (truncation) keeps nothing of it.
    fn variants(
        &self,
        file: &root::File,
        path: &mut Vec<u8>,
        compressible: bool,
    ) -> Vec<(Coding, Vec<u8>)> {
        if self.limits.compress_level.is_none() {
            return Vec::new();
        }
        let max = self.limits.compress_max_size;
        let mut kept = Vec::new();
        let len = path.len();
        for (coding, ext) in [
            (Coding::Br, &b".br"[..]),
            (Coding::Zstd, b".zst"),
            (Coding::Gzip, b".gz"),
        ] {
            path.extend_from_slice(ext);
            if let Some(side) = self.root.open_file(path)
                && (side.mtime, side.mtime_nsec) >= (file.mtime, file.mtime_nsec)
                && side.size <= max
                && let Some(bytes) = side.read_all()
            {
                kept.push((coding, bytes));
            }
            path.truncate(len);
        }
        if !compressible || !self.worth_compressing(file.size) {
            return kept;
        }
        let Some(data) = file.read_all() else {
            return kept;
        };
        let gzip = !kept.iter().any(|(c, _)| *c == Coding::Gzip);
        self.compress(&data, &mut kept, gzip);
        kept
    }

    /// Whether a body of `size` bytes gets compressed forms made here.
    fn worth_compressing(&self, size: u64) -> bool {
        (COMPRESS_MIN_SIZE..=self.limits.compress_max_size).contains(&size)
    }

    /// Adds the deflate variant of `data`, and the gzip one if `gzip`, to
    /// `kept`: each only if it saves at least 10 %.
    fn compress(&self, data: &[u8], kept: &mut Vec<(Coding, Vec<u8>)>, gzip: bool) {
        let Some(level) = self.limits.compress_level else {
            return;
        };
        let size = data.len() as u64;
        if gzip {
            let gz = compress::gzip(data, level);
            if compress::worth_keeping(size, gz.len() as u64) {
                kept.push((Coding::Gzip, gz));
            }
        }
        let zz = compress::zlib(data, level);
        if compress::worth_keeping(size, zz.len() as u64) {
            kept.push((Coding::Deflate, zz));
        }
    }

    /// Forgets what is cached for `path` (a file or directory name relative
    /// to the root) and, for a directory, everything below it.
    pub fn invalidate(&self, path: &[u8], is_index: bool, dir: &[u8]) {
        let mut map = self.map.lock();
        map.remove_tree(path);
        if is_index || self.limits.listing {
            // The directory's own key ("dir/", or "" for the root) served
            // this index file, or lists this name.
            let mut key = Vec::with_capacity(dir.len() + 1);
            key.extend_from_slice(dir);
            if !dir.is_empty() {
                key.push(b'/');
            }
            map.remove(&key);
            // The parent's listing shows this directory's mtime, which changed.
            if self.limits.listing && !dir.is_empty() {
                let parent = dir.iter().rposition(|&b| b == b'/').map_or(0, |i| i + 1);
                map.remove(&key[..parent]);
            }
        }
    }

    /// Forgets everything (inotify lost events).
    pub fn clear(&self) {
        self.map.lock().clear();
    }

    /// Switches to revalidating entries after the TTL.
    pub fn set_revalidate(&self) {
        self.revalidate.store(true, Ordering::Relaxed);
    }

    /// Whether the given name is the index file name.
    pub fn is_index(&self, name: &[u8]) -> bool {
        name == self.index.as_slice()
    }

    /// What the cache holds now and what it has done so far.
    pub fn usage(&self) -> Usage {
        let map = self.map.lock();
        Usage {
            entries: map.len(),
            bytes: map.bytes(),
            evictions: map.evictions,
            hits: map.hits,
            misses: map.misses,
        }
    }
}
