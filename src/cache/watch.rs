//! Cache invalidation with inotify: a watch on ROOT and every directory below
//! it, events mapped back to paths, and the matching entries dropped.
//!
//! The control thread owns the watcher (no lock: only it touches the watch
//! table). When a directory cannot be watched (the watch limit is reached),
//! the cache falls back to revalidating every entry after its TTL. Symlinks
//! and hard links need no fallback here: the cache marks what it reaches
//! through them (see [`crate::cache::root`]), and a link made later drops what
//! was cached under its name; a new name for a file already cached under
//! another one (a hard link) drops everything, as that other name is unknown.
#![forbid(unsafe_code)]

use crate::cache::Cache;
use crate::http::path;
use alloc::vec::Vec;
use core::ffi::CStr;
use core::mem::MaybeUninit;
use rustix::fd::{AsFd, BorrowedFd, OwnedFd};
use rustix::fs::inotify::{self, ReadFlags, WatchFlags};
use rustix::fs::{AtFlags, FileType, Mode, OFlags, RawDir};
use rustix::io::{self, Errno};

/// The events that can change what a path serves.
const EVENTS: WatchFlags = WatchFlags::MODIFY
    .union(WatchFlags::CLOSE_WRITE)
    .union(WatchFlags::ATTRIB)
    .union(WatchFlags::MOVED_FROM)
    .union(WatchFlags::MOVED_TO)
    .union(WatchFlags::CREATE)
    .union(WatchFlags::DELETE)
    .union(WatchFlags::DELETE_SELF)
    .union(WatchFlags::MOVE_SELF)
    .union(WatchFlags::DONT_FOLLOW)
    .union(WatchFlags::ONLYDIR)
    .union(WatchFlags::EXCL_UNLINK);

/// The inotify instance and the directory each watch stands for.
pub struct Watcher {
    fd: OwnedFd,
    tree: Tree,
}

/// What the watches stand for: apart from the descriptor they are read from, so that each
/// event is applied as it is read, without copying it out first.
struct Tree {
    /// Watch descriptor -> directory path relative to the root ("" is the root).
    dirs: Dirs,
    /// The root as given on the command line, for inotify_add_watch.
    root_path: Vec<u8>,
    cache: &'static Cache,
    max_watches: usize,
    degraded: bool,
}

impl Watcher {
    /// Creates the inotify instance and watches the whole tree.
    pub fn new(root_path: &[u8], cache: &'static Cache, max_watches: usize) -> io::Result<Watcher> {
        let fd = inotify::init(inotify::CreateFlags::CLOEXEC | inotify::CreateFlags::NONBLOCK)?;
        let mut tree = Tree {
            dirs: Dirs::default(),
            root_path: root_path.into(),
            cache,
            max_watches,
            degraded: false,
        };
        tree.watch_tree(fd.as_fd(), Vec::new());
        Ok(Watcher { fd, tree })
    }

    /// Number of directories watched.
    pub fn watched(&self) -> usize {
        self.tree.dirs.len()
    }

    /// Whether some change may go unseen, so the cache revalidates by TTL.
    pub fn degraded(&self) -> bool {
        self.tree.degraded
    }

    /// Reads and applies every pending event.
    pub fn on_readable(&mut self) {
        let mut buf = [MaybeUninit::<u8>::uninit(); 8192];
        let mut reader = inotify::Reader::new(&self.fd, &mut buf);
        let fd = self.fd.as_fd();
        // A batch of new hard links (`cp -al`) flushes the cache once.
        let mut new_link = false;
        let mut applied = 0;
        loop {
            match reader.next() {
                Ok(ev) => {
                    let name = ev.file_name().map(CStr::to_bytes);
                    new_link |= self.tree.apply(fd, ev.wd(), ev.events(), name);
                    applied += 1;
                }
                Err(Errno::INTR) => continue,
                Err(_) => break,
            }
            if reader.is_buffer_empty() && applied >= 256 {
                break;
            }
        }
        if new_link {
            self.tree.cache.clear();
        }
    }
}

impl Tree {
    fn degrade(&mut self) {
        if !self.degraded {
            self.degraded = true;
            self.cache.set_revalidate();
        }
    }

    /// Watches `rel` and every directory below it, depth first.
    fn watch_tree(&mut self, fd: BorrowedFd<'_>, rel: Vec<u8>) {
        let mut stack = alloc::vec![rel];
        let mut buf = Vec::with_capacity(crate::cache::dir::DIRENT_BUF);
        while let Some(dir) = stack.pop() {
            if !self.watch_dir(fd, &dir) {
                continue;
            }
            let Ok(fd) = self.open_dir(&dir) else {
                continue;
            };
            let mut list = RawDir::new(&fd, buf.spare_capacity_mut());
            loop {
                let item = match list.next() {
                    Some(Ok(item)) => item,
                    Some(Err(Errno::INTR)) => continue,
                    _ => break,
                };
                let name = item.file_name().to_bytes();
                // Hidden names are never served, so nothing below them is cached.
                if path::is_hidden(name, dir.is_empty()) {
                    continue;
                }
                let kind = item.file_type();
                if !matches!(kind, FileType::Directory | FileType::Unknown) {
                    continue;
                }
                let sub = join(&dir, name);
                // A file system that does not say: a directory is what opens as one.
                if kind == FileType::Unknown {
                    match self.open_dir(&sub) {
                        Ok(_) => {}
                        // Not a directory, or a symlink (O_NOFOLLOW).
                        Err(Errno::NOTDIR) | Err(Errno::LOOP) => continue,
                        Err(_) => {
                            self.degrade();
                            continue;
                        }
                    }
                }
                stack.push(sub);
            }
        }
    }

    /// `rel` beneath the root as given, NUL-terminated here rather than by each system call's
    /// wrapper (one copy of that code); a NUL inside is EINVAL, as rustix would answer.
    fn full_path(&self, rel: &[u8]) -> Vec<u8> {
        let mut p = Vec::with_capacity(self.root_path.len() + rel.len() + 2);
        p.extend_from_slice(&self.root_path);
        if !rel.is_empty() {
            p.push(b'/');
            p.extend_from_slice(rel);
        }
        p.push(0);
        p
    }

    fn open_dir(&self, rel: &[u8]) -> io::Result<OwnedFd> {
        let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC;
        rustix::fs::open(c_path(&self.full_path(rel))?, flags, Mode::empty())
    }

    /// Adds one watch; false (and the TTL fallback) when it cannot be had.
    fn watch_dir(&mut self, fd: BorrowedFd<'_>, rel: &[u8]) -> bool {
        if self.dirs.len() >= self.max_watches {
            self.degrade();
            return false;
        }
        let path = self.full_path(rel);
        match c_path(&path).and_then(|p| inotify::add_watch(fd, p, EVENTS)) {
            Ok(wd) => {
                // A directory moved within the tree keeps its watch; only its name changes.
                self.dirs.insert(wd, rel.into());
                true
            }
            Err(Errno::NOTDIR) | Err(Errno::NOENT) => false,
            Err(_) => {
                self.degrade();
                false
            }
        }
    }

    /// Applies one event; true if it made a new name for a file with others.
    fn apply(&mut self, fd: BorrowedFd<'_>, wd: i32, mask: ReadFlags, name: Option<&[u8]>) -> bool {
        if mask.contains(ReadFlags::QUEUE_OVERFLOW) {
            self.cache.clear();
            return false;
        }
        if mask.contains(ReadFlags::IGNORED) {
            self.dirs.remove(wd);
            return false;
        }
        let Some(dir) = self.dirs.get(wd) else {
            return false;
        };
        let Some(name) = name.filter(|n| !n.is_empty()) else {
            // The directory itself was deleted, moved or changed.
            self.cache.invalidate(dir, false, b"");
            return false;
        };
        let path = join(dir, name);
        let is_dir = mask.contains(ReadFlags::ISDIR);
        let arrived = mask.intersects(ReadFlags::CREATE | ReadFlags::MOVED_TO);
        // Dot names too: a change made through any name reaches none of the others.
        let new_link = arrived && !is_dir && self.has_other_names(&path);
        if path::is_hidden(name, dir.is_empty()) {
            return new_link;
        }
        self.cache
            .invalidate(&path, !is_dir && self.cache.is_index(name), dir);
        // A precompressed sidecar belongs to the entry of the file it compresses.
        if let Some(stem) = crate::cache::SIDECARS
            .iter()
            .find_map(|(_, ext)| name.strip_suffix(*ext))
        {
            // The stem's key is the event's without the extension: no second join.
            let key = &path[..path.len() - (name.len() - stem.len())];
            self.cache.invalidate(key, self.cache.is_index(stem), dir);
        }
        if arrived && is_dir {
            self.watch_tree(fd, path);
        }
        new_link
    }

    /// Whether `rel` is a regular file with more than one name: a hard link
    /// just made, or moved in, whose other names may be cached as trusted.
    fn has_other_names(&self, rel: &[u8]) -> bool {
        let path = self.full_path(rel);
        let stat = c_path(&path)
            .and_then(|p| rustix::fs::statat(rustix::fs::CWD, p, AtFlags::SYMLINK_NOFOLLOW));
        stat.is_ok_and(|st| {
            FileType::from_raw_mode(st.st_mode) == FileType::RegularFile && st.st_nlink > 1
        })
    }
}

/// Watch descriptor -> directory, as a vector sorted by descriptor rather than a hash map (a
/// table of another key type is another kilobyte of hashbrown code). The kernel hands out
/// descriptors in ascending order, so adding one is a push; a removed one leaves a tombstone
/// until tombstones outnumber the live entries, so removing a whole tree stays linear.
#[derive(Default)]
struct Dirs {
    sorted: Vec<(i32, Option<Vec<u8>>)>,
    live: usize,
}

impl Dirs {
    fn len(&self) -> usize {
        self.live
    }

    /// Where `wd` is in `sorted`, or where it would go. Out of line: one
    /// copy of the search for the three callers.
    #[inline(never)]
    fn find(&self, wd: i32) -> Result<usize, usize> {
        self.sorted.binary_search_by_key(&wd, |d| d.0)
    }

    fn get(&self, wd: i32) -> Option<&Vec<u8>> {
        let i = self.find(wd).ok()?;
        self.sorted.get(i)?.1.as_ref()
    }

    /// Sets `wd`'s directory, over the one it had if any.
    fn insert(&mut self, wd: i32, dir: Vec<u8>) {
        // A new descriptor gets a tombstone first, then is set as a known one is.
        let i = self.find(wd).unwrap_or_else(|i| {
            self.sorted.insert(i, (wd, None));
            i
        });
        if let Some((_, slot)) = self.sorted.get_mut(i) {
            self.live += usize::from(slot.is_none());
            *slot = Some(dir);
        }
    }

    fn remove(&mut self, wd: i32) {
        let Ok(i) = self.find(wd) else {
            return;
        };
        if let Some((_, slot)) = self.sorted.get_mut(i)
            && slot.take().is_some()
        {
            self.live -= 1;
            if self.sorted.len() > 2 * self.live + 64 {
                // Order kept; tombstones hold nothing to drop, so `retain`
                // is less code here than a hand-written compaction.
                self.sorted.retain(|d| d.1.is_some());
            }
        }
    }
}

impl AsFd for Watcher {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

/// A path [`Watcher::full_path`] made; a NUL inside is EINVAL, as rustix would answer.
fn c_path(p: &[u8]) -> io::Result<&CStr> {
    crate::rt::cstr::c_str(p).ok_or(Errno::INVAL)
}

/// `dir/name`, or `name` at the root (`dir/` for an empty name).
fn join(dir: &[u8], name: &[u8]) -> Vec<u8> {
    let mut p = Vec::with_capacity(dir.len() + 1 + name.len());
    p.extend_from_slice(dir);
    if !dir.is_empty() {
        p.push(b'/');
    }
    p.extend_from_slice(name);
    p
}

#[cfg(test)]
mod tests {
    use super::{Dirs, join};

    #[test]
    fn dirs_map_descriptors_in_any_order_through_removals() {
        let mut d = Dirs::default();
        let mut model = std::collections::HashMap::new();
        let mut rng = crate::testing::Rng::new(5);
        // Ascending descriptors mostly, wrapping back to low ones now and then, with removals.
        let mut next = 1;
        for step in 0..20_000 {
            let wd = if step % 97 == 0 {
                (rng.below(50) + 1) as i32
            } else {
                next += 1;
                next
            };
            if rng.below(3) == 0 {
                let victim = (rng.below(next as u64) + 1) as i32;
                d.remove(victim);
                model.remove(&victim);
            }
            let dir = format!("d{step}").into_bytes();
            d.insert(wd, dir.clone());
            model.insert(wd, dir);
            assert_eq!(d.len(), model.len());
        }
        for wd in 0..=next + 1 {
            assert_eq!(d.get(wd), model.get(&wd), "{wd}");
        }
        // Tombstones are dropped once they outnumber the live entries.
        for wd in 0..=next {
            d.remove(wd);
        }
        assert_eq!(d.len(), 0);
        assert!(d.sorted.len() <= 64);
    }

    #[test]
    fn join_handles_the_root() {
        assert_eq!(join(b"", b"a"), b"a");
        assert_eq!(join(b"d", b"a"), b"d/a");
        assert_eq!(join(b"d/e", b"a.txt"), b"d/e/a.txt");
        // An empty name gives the directory's own key.
        assert_eq!(join(b"d/e", b""), b"d/e/");
        assert_eq!(join(b"", b""), b"");
    }
}
