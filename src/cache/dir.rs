//! Directory listings (`--listing`): reads a directory beneath the root and
//! renders it with [`crate::http::listing`]. The page is cached like a file
//! and dropped by inotify when anything in the directory changes (and
//! checked again after the TTL when it shows symlinks or hard links).

use crate::cache::root::Root;
use crate::http::listing::{self, Item};
use alloc::vec::Vec;
use rustix::fd::OwnedFd;
use rustix::fs::{AtFlags, Dir, FileType, Stat};

/// Entries read at most from one directory, so a huge one cannot make a
/// page bigger than the cache could hold.
pub const MAX_ENTRIES: usize = 100_000;

/// A rendered listing and the newest modification time in it.
pub struct Listing {
    /// The HTML page.
    pub html: Vec<u8>,
    /// The newest of the directory's and its entries' mtimes, seconds.
    pub mtime: i64,
    /// Its nanoseconds.
    pub mtime_nsec: u32,
    /// Some entry is a symlink or a file with other names, whose changes
    /// inotify on this directory does not see.
    pub aliased: bool,
}

/// Lists the directory open as `fd` (with `stat`), whose normalised path
/// below the root is `key` (empty for the root, else ending in `/`). Only
/// what a request could be served is listed: regular files and directories,
/// no dotfiles, and symlinks only where they lead to one inside the root.
pub fn list(root: &Root, fd: OwnedFd, stat: &Stat, key: &[u8]) -> Option<Listing> {
    // Name, whether a directory, size, mtime: what each listed entry leads to.
    let mut found: Vec<(Vec<u8>, bool, u64, i64)> = Vec::new();
    let mut considered = 0;
    let mut newest = (stat.st_mtime, stat.st_mtime_nsec as u32);
    let mut aliased = false;
    let mut path = Vec::with_capacity(key.len() + 256);
    let mut dir = Dir::new(fd).ok()?;
    while let Some(entry) = dir.read() {
        let entry = entry.ok()?;
        let name = entry.file_name().to_bytes();
        if !listing::is_listed(name) || considered == MAX_ENTRIES {
            continue;
        }
        considered += 1;
        let st = match entry.file_type() {
            FileType::RegularFile | FileType::Directory => {
                rustix::fs::statat(dir.fd().ok()?, name, AtFlags::SYMLINK_NOFOLLOW).ok()
            }
            // A symlink is listed as what it leads to, if a request could reach that.
            FileType::Symlink | FileType::Unknown => {
                aliased = true;
                path.clear();
                path.extend_from_slice(key);
                path.extend_from_slice(name);
                root.stat_beneath(&mut path)
            }
            _ => None,
        };
        let Some(st) = st else { continue };
        let is_dir = match FileType::from_raw_mode(st.st_mode) {
            FileType::Directory => true,
            FileType::RegularFile => {
                aliased |= st.st_nlink > 1;
                false
            }
            _ => continue,
        };
        newest = newest.max((st.st_mtime, st.st_mtime_nsec as u32));
        found.push((name.to_vec(), is_dir, st.st_size as u64, st.st_mtime));
    }
    let mut items: Vec<Item<'_>> = found
        .iter()
        .map(|(name, is_dir, size, mtime)| Item {
            name,
            is_dir: *is_dir,
            size: *size,
            mtime: *mtime,
        })
        .collect();
    let mut shown = Vec::with_capacity(key.len() + 1);
    shown.push(b'/');
    shown.extend_from_slice(key);
    let mut html = Vec::new();
    listing::render(&shown, &mut items, &mut html);
    Some(Listing {
        html,
        mtime: newest.0,
        mtime_nsec: newest.1,
        aliased,
    })
}
