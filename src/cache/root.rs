//! Opening files under the served root: every open is an openat2 relative to
//! the root descriptor with RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS, so no
//! path, `..` or symlink can reach outside it, while symlinks inside work.
//!
//! Each resolution also tells whether what it found is aliased: reached
//! through a symlink, or a file with more than one name. inotify watches
//! names, so a change made under another name goes unseen by it; the cache
//! checks such entries again after its TTL instead.
//!
//! Start-up checks that openat2 works at all (Linux 5.6 or later).
#![forbid(unsafe_code)]

use crate::cache::Error;
use crate::cache::entry::Meta;
use alloc::vec::Vec;
use rustix::fd::OwnedFd;
use rustix::fs::{self, FileType, Mode, OFlags, ResolveFlags, Stat};
use rustix::io::Errno;

/// An open file with its metadata (a regular file, once resolved).
pub struct File {
    /// The open descriptor.
    pub fd: OwnedFd,
    /// Its size and times when it was opened (or last read whole).
    pub meta: Meta,
    /// Reached through a symlink, or has other names (hard links).
    pub aliased: bool,
    /// What it is.
    pub kind: FileType,
}

/// What a request path leads to.
pub enum Resolved {
    /// A regular file; the path buffer now names it (index appended for directories).
    File(File),
    /// A directory asked for without its trailing slash.
    Redirect,
    /// A directory with its slash but no index file: its open descriptor and
    /// modification time, for a listing (or a 404 without `--listing`).
    Directory(OwnedFd, Mtime),
    /// Nothing to serve, and why.
    Error(Error),
}

/// A modification time: seconds since the epoch and nanoseconds.
pub type Mtime = (i64, u32);

/// The descriptor of the served root, opened once with O_PATH.
pub struct Root(OwnedFd);

/// How every path beneath the root is resolved.
const BENEATH: ResolveFlags = ResolveFlags::BENEATH.union(ResolveFlags::NO_MAGICLINKS);

impl Root {
    /// Opens `path` as the root; it must be a directory.
    pub fn open(path: &[u8]) -> Result<Root, Errno> {
        let path = crate::rt::cstr::terminated(path).ok_or(Errno::INVAL)?;
        let fd = fs::open(
            path,
            OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC,
            Mode::empty(),
        )?;
        Ok(Root(fd))
    }

    /// Opens the root itself through openat2: an error here (ENOSYS before
    /// Linux 5.6, or a sandbox refusing the call) would turn every request
    /// into a 404, so start-up stops on it instead.
    pub fn check_openat2(&self) -> Result<(), Errno> {
        fs::openat2(
            &self.0,
            c".",
            OFlags::PATH | OFlags::CLOEXEC,
            Mode::empty(),
            BENEATH,
        )
        .map(drop)
    }

    /// Opens `path` (relative, normalised, no NUL) beneath the root; sets
    /// `linked` if a symlink was followed on the way.
    fn open_beneath(&self, path: &mut Vec<u8>, linked: &mut bool) -> Result<File, Error> {
        // O_NONBLOCK keeps a FIFO from blocking the worker on open.
        self.open_with(
            path,
            OFlags::RDONLY | OFlags::CLOEXEC | OFlags::NONBLOCK | OFlags::NOCTTY,
            linked,
        )
    }

    /// What `path` beneath the root is, as a request would find it (symlinks
    /// followed, but not out of the root), without opening it for reading;
    /// sets `linked` if a symlink was followed on the way.
    pub fn stat_beneath(&self, path: &mut Vec<u8>, linked: &mut bool) -> Option<File> {
        self.open_with(path, OFlags::PATH | OFlags::CLOEXEC, linked)
            .ok()
    }

    /// Opens without following symlinks first, so only a path that meets one
    /// (ELOOP) pays a second openat2; that sets `linked`, whatever the
    /// outcome (a 404 behind a symlink is aliased too).
    fn open_with(
        &self,
        path: &mut Vec<u8>,
        flags: OFlags,
        linked: &mut bool,
    ) -> Result<File, Error> {
        let len = path.len();
        if len == 0 {
            path.push(b'.');
        }
        path.push(0);
        let opened = match crate::rt::cstr::c_str(path) {
            Some(name) => {
                // A loop, not two calls: one inlined openat2.
                let mut resolve = BENEATH | ResolveFlags::NO_SYMLINKS;
                let fd = loop {
                    match fs::openat2(&self.0, name, flags, Mode::empty(), resolve) {
                        Err(Errno::LOOP) if resolve != BENEATH => {
                            *linked = true;
                            resolve = BENEATH;
                        }
                        other => break other,
                    }
                };
                // One mapping of errno for the open and the fstat.
                fd.and_then(|fd| fs::fstat(&fd).map(|stat| File::new(fd, &stat, *linked)))
                    .map_err(error_of)
            }
            None => Err(Error::BadName),
        };
        path.truncate(len);
        opened
    }

    /// Resolves a normalised request path to something to send, and tells
    /// whether it is aliased (see the module doc). A path that ends with `/`
    /// (or is empty, the root itself) names a directory, served through its
    /// `index` file.
    pub fn resolve(&self, path: &mut Vec<u8>, index: &[u8]) -> (Resolved, bool) {
        let mut linked = false;
        let found = self.resolve_linked(path, index, &mut linked);
        let aliased = match &found {
            Resolved::File(file) => file.aliased,
            _ => linked,
        };
        (found, aliased)
    }

    fn resolve_linked(&self, path: &mut Vec<u8>, index: &[u8], linked: &mut bool) -> Resolved {
        let wants_dir = matches!(path.last(), None | Some(b'/'));
        let file = match self.open_beneath(path, linked) {
            Ok(x) => x,
            Err(s) => return Resolved::Error(s),
        };
        match file.kind {
            FileType::RegularFile if !wants_dir => Resolved::File(file),
            FileType::Directory if !wants_dir => Resolved::Redirect,
            FileType::Directory => {
                let len = path.len();
                path.extend_from_slice(index);
                match self.open_beneath(path, linked) {
                    Ok(index) if index.kind == FileType::RegularFile => Resolved::File(index),
                    Ok(_) => Resolved::Error(Error::Missing),
                    Err(Error::Missing) => {
                        path.truncate(len);
                        Resolved::Directory(file.fd, (file.meta.mtime, file.meta.mtime_nsec))
                    }
                    Err(s) => Resolved::Error(s),
                }
            }
            _ => Resolved::Error(Error::Missing),
        }
    }

    /// Opens `path` beneath the root if it is a regular file.
    pub fn open_file(&self, path: &mut Vec<u8>) -> Option<File> {
        let mut linked = false;
        match self.open_beneath(path, &mut linked) {
            Ok(file) if file.kind == FileType::RegularFile => Some(file),
            _ => None,
        }
    }
}

impl File {
    fn new(fd: OwnedFd, stat: &Stat, linked: bool) -> File {
        let mut file = File {
            fd,
            meta: Meta::default(),
            aliased: linked,
            kind: FileType::from_raw_mode(stat.st_mode),
        };
        file.take_stat(stat);
        file
    }

    /// Takes size, times and link count from `stat`.
    fn take_stat(&mut self, stat: &Stat) {
        self.meta.size = stat.st_size as u64;
        self.meta.mtime = stat.st_mtime;
        self.meta.mtime_nsec = stat.st_mtime_nsec as u32;
        self.meta.ctime = stat.st_ctime;
        self.meta.ctime_nsec = stat.st_ctime_nsec as u32;
        self.aliased |= stat.st_nlink > 1;
    }

    /// Whether `stat` (of the open file, taken later) shows it unchanged.
    fn unchanged(&self, stat: &Stat) -> bool {
        stamp(stat) == (self.meta.size, self.meta.ctime, self.meta.ctime_nsec)
    }

    /// The whole file read into memory, true to its metadata: read, then
    /// checked unchanged with fstat; a file that changed meanwhile is read
    /// again, under its new metadata, a few times before giving up (`None`).
    pub fn snapshot(&mut self) -> Option<Vec<u8>> {
        for _ in 0..3 {
            let data = self.read_all();
            let stat = fs::fstat(&self.fd).ok()?;
            if let Some(data) = data
                && self.unchanged(&stat)
            {
                return Some(data);
            }
            self.take_stat(&stat);
        }
        None
    }

    /// Reads the whole file (as big as it was when opened) with pread; `None`
    /// if it is shorter now, i.e. being truncated.
    pub fn read_all(&self) -> Option<Vec<u8>> {
        let mut data = alloc::vec![0u8; usize::try_from(self.meta.size).ok()?];
        read_exact_at(&self.fd, &mut data, 0).then_some(data)
    }
}

/// Fills `buf` from `fd` at `offset` with pread, as many calls as it takes;
/// false if the file ends first (being truncated) or a read fails.
pub fn read_exact_at(fd: &OwnedFd, buf: &mut [u8], offset: u64) -> bool {
    let mut filled = 0;
    while filled < buf.len() {
        match rustix::io::pread(fd, &mut buf[filled..], offset + filled as u64) {
            Ok(0) => return false,
            Ok(n) => filled += n,
            Err(Errno::INTR) => {}
            Err(_) => return false,
        }
    }
    true
}

/// What tells one state of an open file from the next: its size and ctime,
/// which every write, truncate, link and utimes moves on.
pub fn stamp(stat: &Stat) -> (u64, i64, u32) {
    (
        stat.st_size as u64,
        stat.st_ctime,
        stat.st_ctime_nsec as u32,
    )
}

/// Why an open failed, as the cache tells it: nothing reveals whether a
/// path outside the root or a forbidden symlink exists.
fn error_of(e: Errno) -> Error {
    match e {
        Errno::ACCESS | Errno::PERM => Error::Denied,
        Errno::MFILE | Errno::NFILE | Errno::NOMEM | Errno::AGAIN => Error::Busy,
        // ENOENT, ENOTDIR, ELOOP, EXDEV (escaping the root), ENAMETOOLONG, ENXIO...
        _ => Error::Missing,
    }
}
