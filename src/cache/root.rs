//! Opening files under the served root: every open is an openat2 relative to
//! the root descriptor with RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS, so no
//! path, `..` or symlink can reach outside it, while symlinks inside work.
//! Start-up checks that openat2 works at all (Linux 5.6 or later).

use crate::http::status::Status;
use alloc::vec::Vec;
use rustix::fd::OwnedFd;
use rustix::fs::{self, FileType, Mode, OFlags, ResolveFlags, Stat};
use rustix::io::Errno;

/// An open regular file with its metadata.
pub struct File {
    /// The open descriptor.
    pub fd: OwnedFd,
    /// Its size in bytes when it was opened.
    pub size: u64,
    /// Modification time, seconds since the epoch.
    pub mtime: i64,
    /// Nanoseconds part of the modification time.
    pub mtime_nsec: u32,
}

/// What a request path leads to.
pub enum Resolved {
    /// A regular file; the path buffer now names it (index appended for directories).
    File(File),
    /// A directory asked for without its trailing slash.
    Redirect,
    /// A directory with its slash but no index file: its open descriptor,
    /// for a listing (or a 404 without `--listing`).
    Directory(OwnedFd, Stat),
    /// An error status (404, 403, 503).
    Error(Status),
}

/// The descriptor of the served root, opened once with O_PATH.
pub struct Root(OwnedFd);

/// How every path beneath the root is resolved.
const BENEATH: ResolveFlags = ResolveFlags::BENEATH.union(ResolveFlags::NO_MAGICLINKS);

impl Root {
    /// Opens `path` as the root; it must be a directory.
    pub fn open(path: &[u8]) -> Result<Root, Errno> {
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

    /// Opens `path` (relative, normalised, no NUL) beneath the root.
    fn open_beneath(&self, path: &mut Vec<u8>) -> Result<(OwnedFd, Stat), Status> {
        // O_NONBLOCK keeps a FIFO from blocking the worker on open.
        self.open_with(
            path,
            OFlags::RDONLY | OFlags::CLOEXEC | OFlags::NONBLOCK | OFlags::NOCTTY,
        )
    }

    /// What `path` beneath the root is, as a request would find it (symlinks
    /// followed, but not out of the root), without opening it for reading.
    pub fn stat_beneath(&self, path: &mut Vec<u8>) -> Option<Stat> {
        self.open_with(path, OFlags::PATH | OFlags::CLOEXEC)
            .ok()
            .map(|(_, stat)| stat)
    }

    fn open_with(&self, path: &mut Vec<u8>, flags: OFlags) -> Result<(OwnedFd, Stat), Status> {
        let len = path.len();
        if len == 0 {
            path.push(b'.');
        }
        path.push(0);
        let name = core::ffi::CStr::from_bytes_with_nul(path).map_err(|_| Status::BadRequest);
        let opened = name.and_then(|name| {
            fs::openat2(&self.0, name, flags, Mode::empty(), BENEATH).map_err(status_of)
        });
        path.truncate(len);
        let fd = opened?;
        let stat = fs::fstat(&fd).map_err(status_of)?;
        Ok((fd, stat))
    }

    /// Resolves a normalised request path to something to send. A path that
    /// ends with `/` (or is empty, the root itself) names a directory, served
    /// through its `index` file.
    pub fn resolve(&self, path: &mut Vec<u8>, index: &[u8]) -> Resolved {
        let wants_dir = path.is_empty() || path.ends_with(b"/");
        let (fd, stat) = match self.open_beneath(path) {
            Ok(x) => x,
            Err(s) => return Resolved::Error(s),
        };
        let (fd, stat) = match FileType::from_raw_mode(stat.st_mode) {
            FileType::RegularFile if !wants_dir => (fd, stat),
            FileType::Directory if !wants_dir => return Resolved::Redirect,
            FileType::Directory => {
                let len = path.len();
                path.extend_from_slice(index);
                match self.open_beneath(path) {
                    Ok((index_fd, index_stat))
                        if FileType::from_raw_mode(index_stat.st_mode) == FileType::RegularFile =>
                    {
                        (index_fd, index_stat)
                    }
                    Ok(_) => return Resolved::Error(Status::NotFound),
                    Err(Status::NotFound) => {
                        path.truncate(len);
                        return Resolved::Directory(fd, stat);
                    }
                    Err(s) => return Resolved::Error(s),
                }
            }
            _ => return Resolved::Error(Status::NotFound),
        };
        Resolved::File(File::new(fd, &stat))
    }

    /// Opens `path` beneath the root if it is a regular file.
    pub fn open_file(&self, path: &mut Vec<u8>) -> Option<File> {
        match self.open_beneath(path) {
            Ok((fd, stat)) if FileType::from_raw_mode(stat.st_mode) == FileType::RegularFile => {
                Some(File::new(fd, &stat))
            }
            _ => None,
        }
    }
}

impl File {
    fn new(fd: OwnedFd, stat: &Stat) -> File {
        File {
            fd,
            size: stat.st_size as u64,
            mtime: stat.st_mtime,
            mtime_nsec: stat.st_mtime_nsec as u32,
        }
    }

    /// Reads the whole file (as big as it was when opened) with pread; `None`
    /// if it is shorter now, i.e. being truncated.
    pub fn read_all(&self) -> Option<Vec<u8>> {
        let mut data = alloc::vec![0u8; usize::try_from(self.size).ok()?];
        let mut filled = 0;
        while filled < data.len() {
            match rustix::io::pread(&self.fd, &mut data[filled..], filled as u64) {
                Ok(0) => return None,
                Ok(n) => filled += n,
                Err(Errno::INTR) => continue,
                Err(_) => return None,
            }
        }
        Some(data)
    }
}

/// The status for a failed open: nothing reveals whether a path outside the
/// root or a forbidden symlink exists.
fn status_of(e: Errno) -> Status {
    match e {
        Errno::ACCESS | Errno::PERM => Status::Forbidden,
        Errno::MFILE | Errno::NFILE | Errno::NOMEM | Errno::AGAIN => Status::ServiceUnavailable,
        // ENOENT, ENOTDIR, ELOOP, EXDEV (escaping the root), ENAMETOOLONG, ENXIO...
        _ => Status::NotFound,
    }
}
