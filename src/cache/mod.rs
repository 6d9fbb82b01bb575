//! The file cache, lwan-style: small files stay mmap'd with their response
//! head prebuilt, so a hit costs no file syscall; big files keep their open
//! descriptor for sendfile; missing paths are remembered as 404s.
//!
//! - [`map`]: the bounded map and its CLOCK eviction (behind one spin lock,
//!   held only to look up or insert, never across a syscall: entries that
//!   leave the map are dropped, unmapped and closed after it is let go).
//! - [`entry`]: what a path resolves to, reference counted.
//! - [`mapping`]: a small file's mapped bytes, lent to the kernel only; the
//!   one module of the cache allowed `unsafe`.
//! - [`root`]: opening files beneath the root with openat2.
//! - [`watch`]: inotify invalidation, run by the control thread.
//! - [`hash`]: the keyed hash of the map.
//! - [`compress`]: gzip and zlib framing around miniz_oxide (for compressed variants).
//! - [`dir`]: directory listings (`--listing`).

pub mod compress;
pub mod digest;
pub mod dir;
pub mod entry;
pub mod hash;
pub mod hashing;
pub mod map;
pub mod mapping;
pub mod root;
pub mod watch;

use crate::http::conditional::LastModifiedPolicy;
use crate::http::encoding::Coding;
use crate::http::mime;
use crate::http::response::SiteHeaders;
use crate::http::status::Status;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, Ordering};
use digest::Digest;
use entry::{Body, Entry, Found, Variant};
use map::Map;
use mapping::Mapping;
use root::{Resolved, Root};
use spin::Mutex;

/// How the cache fills and bounds itself: sizes, TTL, compression,
/// listings, `Last-Modified` and content types.
#[derive(Clone, Copy, Debug)]
pub struct Settings {
    /// Files up to this size are mapped; bigger ones are sent with sendfile.
    pub max_file_size: u64,
    /// Total cost of all entries.
    pub max_bytes: usize,
    /// Number of entries (each big file holds a descriptor).
    pub max_entries: usize,
    /// How old an entry may get before it is checked again, when inotify
    /// may miss its changes (see [`entry::Entry::aliased`]).
    pub ttl_ms: u64,
    /// The compression level for gzip and deflate variants; `None` keeps none.
    pub compress_level: Option<u8>,
    /// Files up to this size get compressed variants.
    pub compress_max_size: u64,
    /// Directories without an index file get an HTML listing instead of 404.
    pub listing: bool,
    /// When responses carry `Last-Modified`.
    pub last_modified: LastModifiedPolicy,
    /// The content types files are served with.
    pub types: &'static mime::Types,
}

/// The precompressed sidecars a file `f` may have, `f.br`, `f.zst` and
/// `f.gz`, in the order they are offered, with their codings.
pub const SIDECARS: [(Coding, &[u8]); 3] = [
    (Coding::Br, b".br"),
    (Coding::Zstd, b".zst"),
    (Coding::Gzip, b".gz"),
];

/// Files smaller than this are not worth compressing.
const COMPRESS_MIN_SIZE: u64 = 256;

/// Whether a cached entry may still be used as it is. An aliased big file
/// is sent from its descriptor, so a change inotify missed would go out
/// under the old head: fstat tells (one syscall, on that path only).
fn unchanged(e: &Entry) -> bool {
    match &e.body {
        Body::File(fd) if e.aliased => e.file_unchanged(fd),
        _ => true,
    }
}

/// What a path resolves to.
pub enum Lookup {
    /// An entry (a file, or a cached 404).
    Entry(Arc<Entry>),
    /// A directory named without its trailing slash.
    Redirect,
    /// What cannot be served and is not cached (403, 503).
    Error(Error),
}

/// Why a path has nothing to send; [`Status::from`] says how it is answered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Error {
    /// Nothing a request may reach is there: missing, outside the root,
    /// behind a forbidden symlink, or neither a regular file nor a directory.
    Missing,
    /// The file system refused access.
    Denied,
    /// Out of descriptors or memory, or the file kept changing while read.
    Busy,
    /// The path cannot name a file (it holds a NUL byte).
    BadName,
}

impl From<Error> for Status {
    fn from(e: Error) -> Status {
        match e {
            // Nothing tells a path outside the root from one that is not there.
            Error::Missing => Status::NotFound,
            Error::Denied => Status::Forbidden,
            Error::Busy => Status::ServiceUnavailable,
            Error::BadName => Status::BadRequest,
        }
    }
}

/// The cache's size and counters, for SIGUSR1 and `--metrics`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
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
    limits: Settings,
    /// Header lines every response gets, prebuilt heads included.
    site: SiteHeaders,
    /// Set when some directory could not be watched: every entry filled
    /// from then on is aliased, i.e. revalidated after `ttl_ms` instead of
    /// trusted until invalidated.
    revalidate: AtomicBool,
    /// Big files whose content hash is still to be taken.
    pub hashing: hashing::Hashing,
}

impl Cache {
    /// An empty cache over `root`.
    pub fn new(root: Root, index: Vec<u8>, limits: Settings, site: SiteHeaders) -> Cache {
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
            hashing: hashing::Hashing::default(),
        }
    }

    /// The site-wide header additions.
    pub fn site(&self) -> &SiteHeaders {
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
            let found = map
                .get(key)
                .filter(|e| !e.aliased || e.fresh(now_ms, self.limits.ttl_ms));
            if found.is_some() {
                map.hits += 1;
            } else {
                map.misses += 1;
            }
            (found, map.epoch())
        };
        if let Some(e) = found.filter(|e| unchanged(e)) {
            return Lookup::Entry(e);
        }
        self.fill(key, scratch, now_ms, epoch)
    }

    /// Fills the entry for `key` from the disk (a miss, or an entry no
    /// longer to be trusted) and keeps it unless an invalidation since
    /// `epoch` made it stale. Out of line: the hit path stays short.
    #[cold]
    #[inline(never)]
    fn fill(&self, key: &[u8], scratch: &mut Vec<u8>, now_ms: u64, epoch: u64) -> Lookup {
        scratch.clear();
        scratch.extend_from_slice(key);
        let (resolved, aliased) = self.root.resolve(scratch, &self.index);
        let aliased = aliased || self.revalidate.load(Ordering::Relaxed);
        // One `Found`, filled in by the branch that has something: a
        // cached 404 is what is left.
        let mut found = Found {
            aliased,
            ..Found::missing()
        };
        // A big file's content hash is taken later, by the hashing thread.
        let mut hash = false;
        match resolved {
            Resolved::File(mut file) => {
                let small = file.meta.size <= self.limits.max_file_size;
                // What inotify may not see change is copied, not mapped: a
                // mapping would show new bytes under the old head.
                let copy = if aliased && small {
                    let Some(data) = file.snapshot() else {
                        return Lookup::Error(Error::Busy);
                    };
                    Some(data)
                } else {
                    None
                };
                let content_type = self.limits.types.content_type(scratch);
                let compressible = mime::is_compressible(content_type);
                let compress = compressible
                    && self.limits.compress_level.is_some()
                    && self.worth_compressing(file.meta.size);
                // The bytes are read once, with pread, for all that needs
                // them: a cached body's content hash, and compression. The
                // read is checked against the file's size and ctime after it,
                // so a file rewritten meanwhile is read again under its new
                // metadata, never mixed; one still changing gives neither.
                // pread, never a mapping: a truncation cannot raise SIGBUS.
                let read = match copy {
                    None if small || compress => file.snapshot(),
                    _ => None,
                };
                let small = file.meta.size <= self.limits.max_file_size;
                found.meta = file.meta;
                let data = copy.as_deref().or(read.as_deref());
                found.digest = data.map(Digest::of);
                let (compressed, sidecar_aliased) =
                    self.variants(&file, data.filter(|_| compress), scratch);
                found.vary = self.limits.compress_level.is_some()
                    && (compressible || !compressed.is_empty());
                found.body = match copy {
                    Some(data) => Body::Mapped(Mapping::Memory(data.into_boxed_slice())),
                    None if small => match Mapping::new(&file.fd, file.meta.size as usize) {
                        Ok(m) => Body::Mapped(m),
                        Err(_) => return Lookup::Error(Error::Busy),
                    },
                    None => {
                        hash = found.digest.is_none();
                        Body::File(file.fd)
                    }
                };
                found.content_type = content_type;
                found.compressed = compressed;
                found.aliased |= sidecar_aliased;
            }
            Resolved::Directory(fd, mtime) if self.limits.listing => {
                let limit = dir::page_limit(self.limits.max_bytes);
                let Some(page) = dir::list(&self.root, fd, mtime, key, limit, scratch) else {
                    return Lookup::Error(Error::Busy);
                };
                found.meta.size = page.html.len() as u64;
                found.meta.mtime = page.mtime;
                found.meta.mtime_nsec = page.mtime_nsec;
                if self.worth_compressing(found.meta.size) {
                    self.compress(&page.html, &mut found.compressed, true);
                }
                found.digest = Some(Digest::of(&page.html));
                found.body = Body::Mapped(Mapping::Memory(page.html.into_boxed_slice()));
                found.content_type = mime::HTML;
                found.vary = self.limits.compress_level.is_some();
                found.aliased |= page.aliased;
            }
            Resolved::Error(Error::Missing) | Resolved::Directory(..) => {}
            Resolved::Error(e) => return Lookup::Error(e),
            Resolved::Redirect => return Lookup::Redirect,
        }
        let entry = Entry::new(found, &self.site, self.limits.last_modified, key, now_ms);
        self.keep(key, entry, epoch, hash)
    }

    /// Puts a filled entry in the map (unless an invalidation since
    /// `epoch` made it stale) and hands it out; one whose content hash is
    /// still to be taken goes to the hashing thread too. Inlined into its
    /// one caller, the fill.
    #[inline(always)]
    fn keep(&self, key: &[u8], entry: Arc<Entry>, epoch: u64, hash: bool) -> Lookup {
        let mut map = self.map.lock();
        let kept = map.insert(key, entry.clone(), epoch);
        unlock(map);
        if kept && hash {
            self.hashing.push(&entry);
        }
        Lookup::Entry(entry)
    }

    /// The compressed forms to keep for `file` (named by `path`): the
    /// precompressed sidecars `path.br`, `path.zst`, `path.gz` that are not
    /// older than it, then gzip and deflate made here from `data` when
    /// given (each kept only if at least 10 % smaller; gzip only without a
    /// `.gz`); and whether a sidecar kept is aliased. Sidecars are read with
    /// pread; a short read (truncation) keeps nothing of one.
    fn variants(
        &self,
        file: &root::File,
        data: Option<&[u8]>,
        path: &mut Vec<u8>,
    ) -> (Vec<Variant>, bool) {
        if self.limits.compress_level.is_none() {
            return (Vec::new(), false);
        }
        let max = self.limits.compress_max_size;
        let mut kept = Vec::new();
        let mut aliased = false;
        let len = path.len();
        for &(coding, ext) in &SIDECARS {
            path.extend_from_slice(ext);
            if let Some(side) = self.root.open_file(path)
                && (side.meta.mtime, side.meta.mtime_nsec)
                    >= (file.meta.mtime, file.meta.mtime_nsec)
                && side.meta.size <= max
                && let Some(bytes) = side.read_all()
            {
                aliased |= side.aliased;
                kept.push(Variant::new(coding, bytes));
            }
            path.truncate(len);
        }
        let Some(data) = data else {
            return (kept, aliased);
        };
        let gzip = !kept.iter().any(|v| v.coding == Coding::Gzip);
        self.compress(data, &mut kept, gzip);
        (kept, aliased)
    }

    /// Whether a body of `size` bytes gets compressed forms made here.
    fn worth_compressing(&self, size: u64) -> bool {
        (COMPRESS_MIN_SIZE..=self.limits.compress_max_size).contains(&size)
    }

    /// Adds the deflate variant of `data`, and the gzip one if `gzip`, to
    /// `kept`: each only if it saves at least 10 %.
    fn compress(&self, data: &[u8], kept: &mut Vec<Variant>, gzip: bool) {
        let Some(level) = self.limits.compress_level else {
            return;
        };
        // Level 0 makes nothing: stored blocks never save a byte.
        let Some(deflated) = compress::Deflated::new(data, level) else {
            return;
        };
        let size = data.len() as u64;
        if gzip {
            let gz = deflated.gzip();
            if compress::worth_keeping(size, gz.len() as u64) {
                kept.push(Variant::new(Coding::Gzip, gz));
            }
        }
        let zz = deflated.zlib();
        if compress::worth_keeping(size, zz.len() as u64) {
            kept.push(Variant::new(Coding::Deflate, zz));
        }
    }

    /// Forgets what is cached for `path` (a file or directory name relative
    /// to the root, `dir/name`, or `dir` itself when `dir` is empty) and, for
    /// a directory, everything below it.
    pub fn invalidate(&self, path: &[u8], is_index: bool, dir: &[u8]) {
        // The directory's own key ("dir/", or "" for the root) is where
        // `path` starts: sliced, not built (and allocated) under the lock.
        let key = path
            .get(..dir.len() + usize::from(!dir.is_empty()))
            .unwrap_or_default();
        let mut map = self.map.lock();
        map.remove_tree(path);
        if is_index || self.limits.listing {
            // That key served this index file, or lists this name.
            map.remove(key);
            // The parent's listing shows this directory's mtime, which changed.
            if self.limits.listing && !dir.is_empty() {
                let parent = dir.iter().rposition(|&b| b == b'/').map_or(0, |i| i + 1);
                map.remove(&key[..parent]);
            }
        }
        unlock(map);
    }

    /// Forgets everything (inotify lost events).
    pub fn clear(&self) {
        let mut map = self.map.lock();
        map.clear();
        unlock(map);
    }

    /// Switches to revalidating entries after the TTL: every entry is
    /// filled again as an aliased one.
    pub fn set_revalidate(&self) {
        if !self.revalidate.swap(true, Ordering::Relaxed) {
            self.clear();
        }
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

/// Lets the map go, then drops the entries removed under it: the last
/// reference to one unmaps or closes its file, which must not hold up every
/// worker waiting on the lock.
fn unlock(mut map: spin::MutexGuard<'_, Map>) {
    let released = map.take_released();
    drop(map);
    drop(released);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_cache_error_maps_to_its_status() {
        for (e, status) in [
            (Error::Missing, Status::NotFound),
            (Error::Denied, Status::Forbidden),
            (Error::Busy, Status::ServiceUnavailable),
            (Error::BadName, Status::BadRequest),
        ] {
            assert_eq!(Status::from(e), status, "{e:?}");
        }
    }
}
