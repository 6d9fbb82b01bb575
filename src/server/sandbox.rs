//! What staticd gives up once it has started: root privileges (`--user`)
//! and every system call it does not need (the seccomp allow-list).
//!
//! Both happen in the main thread after binding and before the workers
//! start, so every thread inherits the dropped credentials and the filter.

use crate::rt::sys::nr;
use alloc::vec::Vec;
use rustix::io::{self, Errno};
use rustix::process::{Gid, Uid};

/// The system calls staticd makes after start-up, and the only ones the
/// filter lets through. The README lists them by name.
///
/// Audit (every rustix call in src/ and what the kernel does on its own):
/// - Calls after the filter, by rustix function: `fs::open` is `open` on
///   x86_64 (the watcher's directories, the access log's SIGHUP reopen);
///   `fs::openat2` + `fs::fstat` (every file), `fs::statat` is `newfstatat`,
///   `RawDir::next` is `getdents64`; `io::read`, `io::pread`, `io::write`,
///   `io::writev`, `fs::sendfile`, `net::sendmsg`, `net::shutdown`,
///   `net::accept_with`/`acceptfrom_with` (`accept4`, the `--metrics`
///   listener's too, whose clients are read and written like any
///   connection); `epoll::create`,
///   `add`/`modify`/`delete` (`epoll_ctl`), `epoll::wait` (`epoll_pwait`, or
///   `epoll_pwait2` for a timeout beyond i32 milliseconds); `event::poll` is
///   `ppoll` (the access log's full stdout); `inotify::add_watch`;
///   `futex::wait` (joining workers); `mm::mmap`/`munmap`/`mremap`/
///   `mprotect` (cache, allocator, thread stacks), `madvise` (for the
///   allocator to give memory back); `rand::getrandom` (hash seeds); `clock_gettime`
///   when the vDSO is missing; the raw calls of rt::sys: `clone`, `exit`,
///   `exit_group`. Everything else (socket, bind, listen, setsockopt, fcntl,
///   ioctl, rt_sigprocmask, signalfd4, eventfd2, inotify_init1, prlimit64,
///   sched_getaffinity, set*id, prctl, seccomp) runs before the filter.
/// - `restart_syscall`: the kernel resumes a timed sleep interrupted by a
///   stop (SIGSTOP/SIGTSTP then SIGCONT), a ptrace attach or detach
///   (`strace -p`) or the cgroup freezer with this call instead of the
///   original: here the main thread's timed futex wait for the workers
///   during a graceful stop (the only timed sleep besides the epoll waits).
///   Untimed waits (futex, ppoll without timeout) restart as themselves, and
///   epoll waits return EINTR, which every loop retries.
/// - Not needed: `rt_sigreturn` (no signal handler is ever installed: the
///   signals staticd uses are blocked and read from a signalfd, the others
///   keep their default action), `nanosleep`/`clock_nanosleep` (never
///   called). `epoll_wait`, `openat` and `sendto` are unused today (rustix
///   waits with `epoll_pwait`, opens with `open` on x86_64, and responses go
///   out with writev/sendmsg) and stay for code that may use them.
pub const ALLOWED_SYSCALLS: &[u32] = &[
    nr::READ,              // requests, signalfd, inotify, file bodies to compress
    nr::WRITE,             // stderr, the stop eventfd, the access log
    nr::OPEN,              // directories the watcher walks, the access log on SIGHUP
    nr::CLOSE,             // every descriptor staticd is done with
    nr::FSTAT,             // files after openat2
    nr::MMAP,              // cached files, allocator, thread stacks
    nr::MPROTECT,          // thread stack guard pages
    nr::MUNMAP,            // evicted files, the allocator, thread stacks
    nr::PREAD64,           // files read for compression
    nr::WRITEV,            // responses
    nr::MREMAP,            // allocator growth of big blocks
    nr::MADVISE,           // the allocator returning freed pages (MADV_DONTNEED)
    nr::SENDFILE,          // big files
    nr::SENDTO,            // unused, reserved for plain sends
    nr::SENDMSG,           // a head followed by sendfile (MSG_MORE)
    nr::SHUTDOWN,          // lingering close
    nr::CLONE,             // worker threads
    nr::EXIT,              // a worker thread ends
    nr::FUTEX,             // joining threads at stop, the access log's writer waiting for lines
    nr::GETDENTS64,        // directories the watcher walks, listings
    nr::RESTART_SYSCALL,   // the kernel resuming the timed join after a stop
    nr::CLOCK_GETTIME,     // when the vDSO is not there
    nr::EXIT_GROUP,        // the process ends
    nr::EPOLL_WAIT,        // unused (rustix calls epoll_pwait)
    nr::EPOLL_CTL,         // connections in and out of a worker's epoll
    nr::INOTIFY_ADD_WATCH, // new directories
    nr::OPENAT,            // unused (rustix's open is open on x86_64)
    nr::NEWFSTATAT,        // the watcher asking whether a changed file has other names
    nr::PPOLL,             // the access log's writer waiting for room in a pipe
    nr::EPOLL_PWAIT,       // the worker and control loops
    nr::ACCEPT4,           // new connections, scrapes of --metrics
    nr::EPOLL_CREATE1,     // each worker's epoll, made after the filter is on
    nr::GETRANDOM,         // hash seeds
    nr::OPENAT2,           // every file under the root
    nr::EPOLL_PWAIT2,      // an epoll wait longer than i32 milliseconds
];

/// A user to run as: numeric ids.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct User {
    /// User id.
    pub uid: u32,
    /// Group id.
    pub gid: u32,
}

/// Resolves `--user UID[:GID]` or `NAME[:GID]`: names (and a missing group)
/// come from `passwd` (the text of /etc/passwd, if there is one). A numeric
/// UID without a group and without a passwd line uses GID = UID.
pub fn resolve_user(spec: &[u8], passwd: Option<&[u8]>) -> Result<User, &'static str> {
    use crate::http::bytes::cut;
    let (user, group) = cut(spec, b':');
    // A plain loop over the lines: smaller than an iterator chain.
    let mut entry = None;
    let mut lines = passwd;
    while let Some(rest) = lines {
        let (line, next) = cut(rest, b'\n');
        lines = next;
        let f = passwd_fields(line);
        if !line.is_empty() && (f[0] == user || f[2] == user) {
            entry = Some(f);
            break;
        }
    }
    let field = |n: usize| entry.and_then(|f| number(f[n]));
    let uid = match number(user) {
        Some(uid) => uid,
        None => field(2).ok_or("no such user (and no /etc/passwd entry for it)")?,
    };
    let gid = match group {
        Some(g) => number(g).ok_or("GID must be a number")?,
        None => field(3).unwrap_or(uid),
    };
    Ok(User { uid, gid })
}

/// The first four fields of a passwd line (name, password, UID, GID); empty
/// where the line has fewer.
fn passwd_fields(line: &[u8]) -> [&[u8]; 4] {
    let mut fields: [&[u8]; 4] = [&[]; 4];
    let mut rest = line;
    for field in &mut fields {
        let (value, next) = crate::http::bytes::cut(rest, b':');
        *field = value;
        rest = next.unwrap_or_default();
    }
    fields
}

/// A decimal id.
fn number(s: &[u8]) -> Option<u32> {
    u32::try_from(crate::http::numfmt::parse(s)?).ok()
}

/// Reads /etc/passwd if it exists (a `FROM scratch` image has none).
pub fn read_passwd() -> Option<Vec<u8>> {
    read_small_file(b"/etc/passwd")
}

/// Reads a whole (small) file at start-up; `None` if it cannot be opened or read.
pub fn read_small_file(path: &[u8]) -> Option<Vec<u8>> {
    let fd = rustix::fs::open(
        crate::rt::cstr::terminated(path)?,
        rustix::fs::OFlags::RDONLY | rustix::fs::OFlags::CLOEXEC,
        rustix::fs::Mode::empty(),
    )
    .ok()?;
    let mut out = Vec::new();
    loop {
        out.reserve(4096);
        match rustix::io::read(&fd, rustix::buffer::spare_capacity(&mut out)) {
            Ok(0) => return Some(out),
            Ok(_) | Err(Errno::INTR) => {}
            Err(_) => return None,
        }
    }
}

/// Drops to `user`: no supplementary groups, then the group, then the user,
/// and checks that root cannot be had back.
pub fn drop_privileges(user: User) -> io::Result<()> {
    rustix::thread::set_thread_groups(&[])?;
    rustix::thread::set_thread_gid(Gid::from_raw(user.gid))?;
    rustix::thread::set_thread_uid(Uid::from_raw(user.uid))?;
    if user.uid != 0 && rustix::thread::set_thread_uid(Uid::ROOT).is_ok() {
        return Err(Errno::PERM);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const PASSWD: &[u8] = b"root:x:0:0:root:/root:/bin/bash\n\
        daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n\
        www-data:x:33:33:www-data:/var/www:/usr/sbin/nologin\n\
        odd:x:1000:2000::/home/odd:/bin/sh\n";

    #[test]
    fn numeric_names_and_groups() {
        let u = |uid, gid| Ok(User { uid, gid });
        assert_eq!(resolve_user(b"1000", None), u(1000, 1000));
        assert_eq!(resolve_user(b"1000:50", None), u(1000, 50));
        assert_eq!(resolve_user(b"65534:65534", None), u(65534, 65534));
        assert_eq!(resolve_user(b"www-data", Some(PASSWD)), u(33, 33));
        assert_eq!(resolve_user(b"www-data:7", Some(PASSWD)), u(33, 7));
        assert_eq!(resolve_user(b"odd", Some(PASSWD)), u(1000, 2000));
        // A numeric uid with a passwd entry takes that entry's group.
        assert_eq!(resolve_user(b"1000", Some(PASSWD)), u(1000, 2000));
        assert_eq!(resolve_user(b"0", Some(PASSWD)), u(0, 0));
    }

    #[test]
    fn bad_specs_are_errors() {
        for spec in [
            &b"nobody-here"[..],
            b"",
            b"x:1",
            b"1:x",
            b"1:",
            b"99999999999",
            b"-1",
        ] {
            assert!(resolve_user(spec, Some(PASSWD)).is_err(), "{spec:?}");
        }
        assert!(resolve_user(b"www-data", None).is_err());
    }

    #[test]
    fn small_files_are_read_whole_across_reads() {
        let path = std::env::temp_dir().join(format!("staticd-small-{}", std::process::id()));
        let text: Vec<u8> = (0..10_000u32).map(|i| (i % 251) as u8).collect();
        std::fs::write(&path, &text).unwrap();
        let read = read_small_file(path.to_str().unwrap().as_bytes());
        std::fs::remove_file(&path).unwrap();
        assert_eq!(read, Some(text));
        assert_eq!(read_small_file(b"/nonexistent/staticd"), None);
    }

    #[test]
    fn the_allow_list_is_sorted_and_fits_one_filter() {
        assert!(ALLOWED_SYSCALLS.windows(2).all(|w| w[0] < w[1]));
        use crate::rt::seccomp::{program, program_len};
        program::<{ program_len(ALLOWED_SYSCALLS) }>(ALLOWED_SYSCALLS);
    }
}
