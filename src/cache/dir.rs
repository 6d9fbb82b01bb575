//! Directory listings (`--listing`): reads a directory beneath the root and
//! renders it with [`crate::http::listing`]. The page is cached like a file
//! and dropped by inotify when anything in the directory changes (and
//! checked again after the TTL when it shows symlinks or hard links).
//!
//! A page is bounded ([`page_limit`]) so that it always fits the cache: the
//! names are read and sorted first, which is cheap, and only the entries
//! that fit on the page are stat'ed; a line counts the rest.
#![forbid(unsafe_code)]

use crate::cache::root::{Mtime, Root};
use crate::http::listing::{self, Budget, Item};
use alloc::vec::Vec;
use rustix::fd::OwnedFd;
use rustix::fs::{FileType, RawDir};
use rustix::io::Errno;

/// Names kept at most from one directory, to bound the memory a fill takes;
/// entries past it are only counted, so a page of a bigger directory shows
/// the first of the names read rather than the first of all.
pub const MAX_ENTRIES: usize = 100_000;

/// Bytes of directory entries one `getdents64` reads: several hundred names. `RawDir` over
/// this buffer rather than `Dir`, which copies every name into a `CString` and is 1.4 KB of code.
pub const DIRENT_BUF: usize = 32 * 1024;

/// The longest page, whatever the cache budget.
pub const MAX_PAGE: usize = 1 << 20;

/// The longest page for a cache of `max_bytes`: [`MAX_PAGE`], or an eighth
/// of the budget if that is less. An entry costs its page plus at most two
/// compressed forms, each kept only if 10 % smaller, so under 3 pages: a
/// listing always fits and leaves most of the cache to everything else.
pub fn page_limit(max_bytes: usize) -> usize {
    MAX_PAGE.min(max_bytes / 8)
}

/// A rendered listing and the newest modification time in it.
pub struct Listing {
    /// The HTML page.
    pub html: Vec<u8>,
    /// The newest of the directory's and its shown entries' mtimes, seconds.
    pub mtime: i64,
    /// Its nanoseconds.
    pub mtime_nsec: u32,
    /// Some shown entry is a symlink or a file with other names, whose
    /// changes inotify on this directory does not see.
    pub aliased: bool,
}

/// Lists the directory open as `fd` (last modified at `mtime`), whose normalised path
/// below the root is `key` (empty for the root, else ending in `/`), on a
/// page of at most `limit` bytes. Only what a request could be served is
/// listed: regular files and directories, no dot names (but `.well-known` at
/// the root), and symlinks only where they lead to one inside the root.
/// `path` is scratch space (the fill's).
pub fn list(
    root: &Root,
    fd: OwnedFd,
    mtime: Mtime,
    key: &[u8],
    limit: usize,
    path: &mut Vec<u8>,
) -> Option<Listing> {
    let mut buf: Vec<u8> = Vec::with_capacity(DIRENT_BUF);
    let mut entries = RawDir::new(&fd, buf.spare_capacity_mut());
    // Every kept name end to end, and an item for each, with where its name
    // ends in `size` until the names are done: one allocation each however
    // many entries there are.
    let mut names = Vec::new();
    let mut items: Vec<Item<'_>> = Vec::new();
    let mut uncounted = 0;
    loop {
        let entry = match entries.next() {
            Some(Ok(entry)) => entry,
            Some(Err(Errno::INTR)) => continue,
            // ENOENT: the directory was removed while it was read; what was read is listed.
            None | Some(Err(Errno::NOENT)) => break,
            Some(Err(_)) => return None,
        };
        let name = entry.file_name().to_bytes();
        if !listing::is_listed(name, key.is_empty()) {
            continue;
        }
        if items.len() == MAX_ENTRIES {
            uncounted += 1;
            continue;
        }
        // The type sorts directories first; only a symlink (or a file system
        // that does not say) needs a stat to learn it, and whether it is listed.
        let is_dir = match entry.file_type() {
            FileType::RegularFile => false,
            FileType::Directory => true,
            FileType::Symlink | FileType::Unknown => match resolve(root, key, name, path) {
                Some(found) => found.is_dir,
                None => continue,
            },
            _ => continue,
        };
        names.extend_from_slice(name);
        items.push(Item {
            name: &[],
            is_dir,
            size: names.len() as u64,
            mtime: 0,
        });
    }
    // Each item's name is set once `names` is whole and no longer moves.
    let mut start = 0;
    for item in &mut items {
        let end = item.size as usize;
        item.name = names.get(start..end).unwrap_or_default();
        item.size = 0;
        start = end;
    }
    // Names are unique, so this is the page's order before sizes are known.
    listing::sort(&mut items);
    // The page's path, in the dirent buffer now that it is read.
    let mut shown_path = buf;
    shown_path.clear();
    shown_path.push(b'/');
    shown_path.extend_from_slice(key);
    let mut budget = Budget::new(&shown_path, limit);
    let mut newest = mtime;
    let mut aliased = false;
    let mut shown = 0;
    let mut next = 0;
    while next < items.len() {
        let mut item = items[next];
        // Gone or changed into something unlisted since it was read: skipped.
        if let Some(found) = resolve(root, key, item.name, path) {
            item.is_dir = found.is_dir;
            item.size = found.size;
            item.mtime = found.mtime.0;
            if !budget.take(&item) {
                break;
            }
            aliased |= found.aliased;
            newest = newest.max(found.mtime);
            items[shown] = item;
            shown += 1;
        }
        next += 1;
    }
    let omitted = items.len() - next + uncounted;
    let mut html = Vec::new();
    listing::render(&shown_path, &items[..shown], omitted, &mut html);
    Some(Listing {
        html,
        mtime: newest.0,
        mtime_nsec: newest.1,
        aliased,
    })
}

/// What a listed name leads to.
struct Found {
    size: u64,
    mtime: Mtime,
    is_dir: bool,
    /// A symlink, or a file with other names.
    aliased: bool,
}

/// What `name` in the directory at `key` below the root leads to, if a
/// request could be served it: a regular file or a directory, or a symlink to
/// one inside the root. Resolved from the root as a request would be (one
/// walker for both), so a symlink is followed there too. `path` is scratch space.
fn resolve(root: &Root, key: &[u8], name: &[u8], path: &mut Vec<u8>) -> Option<Found> {
    path.clear();
    path.extend_from_slice(key);
    path.extend_from_slice(name);
    let mut linked = false;
    let found = root.stat_beneath(path, &mut linked)?;
    let is_dir = match found.kind {
        FileType::Directory => true,
        FileType::RegularFile => false,
        _ => return None,
    };
    Some(Found {
        size: found.meta.size,
        mtime: (found.meta.mtime, found.meta.mtime_nsec),
        is_dir,
        // A directory's other names are its entries' `..`: only a file's count.
        aliased: if is_dir { linked } else { found.aliased },
    })
}
