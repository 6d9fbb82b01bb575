//! Listening sockets: one per address per worker, bound with SO_REUSEPORT so
//! the kernel spreads connections across workers without a shared accept lock;
//! or the sockets a supervisor passed (socket activation), shared by all
//! workers through duplicated descriptors.

use alloc::vec::Vec;
use core::net::SocketAddr;
use rustix::fd::{AsFd, OwnedFd};
use rustix::io;
use rustix::net::{self, AddressFamily, SocketFlags, SocketType, sockopt};

const BACKLOG: i32 = 4096;

/// Opens, binds and listens on one non-blocking socket for `addr`;
/// `share` sets SO_REUSEPORT, for one socket per worker on the same port.
pub fn bind(addr: &SocketAddr, share: bool) -> io::Result<OwnedFd> {
    let family = match addr {
        SocketAddr::V4(_) => AddressFamily::INET,
        SocketAddr::V6(_) => AddressFamily::INET6,
    };
    let fd = net::socket_with(
        family,
        SocketType::STREAM,
        SocketFlags::NONBLOCK | SocketFlags::CLOEXEC,
        None,
    )?;
    sockopt::set_socket_reuseaddr(&fd, true)?;
    if share {
        sockopt::set_socket_reuseport(&fd, true)?;
    }
    if family == AddressFamily::INET6 {
        // [::]:PORT must not swallow 0.0.0.0:PORT, or both could not be listed.
        sockopt::set_ipv6_v6only(&fd, true)?;
    }
    // Accepted sockets inherit TCP_NODELAY, saving a setsockopt per connection.
    sockopt::set_tcp_nodelay(&fd, true)?;
    net::bind(&fd, addr)?;
    net::listen(&fd, BACKLOG)?;
    Ok(fd)
}

/// Sets the TCP congestion control `name` on every listener: the sockets
/// they accept inherit it, so no connection pays a setsockopt. A Unix socket
/// passed by a supervisor has no such option and is left alone.
pub fn set_congestion(listeners: &[Vec<OwnedFd>], name: &str) -> io::Result<()> {
    for fd in listeners.iter().flatten() {
        match sockopt::set_tcp_congestion(fd, name) {
            Ok(()) | Err(io::Errno::OPNOTSUPP) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// The address a listener actually got (its port, when asked for port 0).
pub fn local_addr(fd: rustix::fd::BorrowedFd<'_>) -> io::Result<SocketAddr> {
    SocketAddr::try_from(net::getsockname(fd)?).map_err(|_| io::Errno::AFNOSUPPORT)
}

/// Listeners per worker, and the addresses actually bound.
pub type Bound = (Vec<Vec<OwnedFd>>, Vec<SocketAddr>);

/// Binds `workers` listeners for every address of `bound`, all on the same
/// port: when an address asks for port 0, the first listener's port is reused
/// for the rest. Returns the listeners per worker and the addresses actually
/// bound (`bound` itself, with the ports got filled in); on failure, the
/// address that failed and why.
pub fn bind_all(
    mut bound: Vec<SocketAddr>,
    workers: usize,
) -> Result<Bound, (SocketAddr, io::Errno)> {
    let mut first = Vec::with_capacity(bound.len());
    for addr in &mut bound {
        let fd = bind(addr, true).map_err(|e| (*addr, e))?;
        *addr = local_addr(fd.as_fd()).map_err(|e| (*addr, e))?;
        first.push(fd);
    }
    let per_worker = spread(first, workers, Some(&bound)).map_err(|(i, e)| (bound[i], e))?;
    Ok((per_worker, bound))
}

/// Takes over the `count` listening sockets a supervisor passed (socket
/// activation) and gives every worker a duplicate of each. Returns the
/// listeners per worker and the addresses of the Internet ones (a passed
/// Unix socket serves too, but has no address to announce); on failure, the
/// descriptor at fault and why (NOTSUP: not a listening stream socket).
pub fn inherit(count: u32, workers: usize) -> Result<Bound, (i32, io::Errno)> {
    let mut bound = Vec::new();
    let passed = crate::rt::passed::adopt(count, |fd| {
        match sockopt::socket_type(fd) {
            Ok(SocketType::STREAM) if sockopt::socket_acceptconn(fd)? => {}
            Ok(_) | Err(io::Errno::NOTSOCK) => return Err(io::Errno::NOTSUP),
            Err(e) => return Err(e),
        }
        // Made as `bind` would have made it.
        io::ioctl_fionbio(fd, true)?;
        // Accepted sockets inherit TCP_NODELAY; a Unix socket has no such option.
        let _ = sockopt::set_tcp_nodelay(fd, true);
        if let Ok(addr) = local_addr(fd) {
            bound.push(addr);
        }
        Ok(())
    })?;
    let raw = |i: usize| crate::rt::passed::FIRST + i as i32;
    let per_worker = spread(passed, workers, None).map_err(|(i, e)| (raw(i), e))?;
    Ok((per_worker, bound))
}

/// Listeners for `workers` workers: for all but one, a socket of its own
/// bound to each of `addrs` (SO_REUSEPORT), or without `addrs`, a duplicate
/// of each of `first`; for the last one, `first` itself (any worker could
/// have it: all of them accept alike). On failure, the index in `first` of
/// the one that failed, and why.
fn spread(
    first: Vec<OwnedFd>,
    workers: usize,
    addrs: Option<&[SocketAddr]>,
) -> Result<Vec<Vec<OwnedFd>>, (usize, io::Errno)> {
    let mut per_worker = Vec::with_capacity(workers);
    for _ in 1..workers {
        let mut list = Vec::with_capacity(first.len());
        for (i, fd) in first.iter().enumerate() {
            let made = match addrs {
                Some(addrs) => bind(&addrs[i], true),
                None => io::fcntl_dupfd_cloexec(fd, 0),
            };
            list.push(made.map_err(|e| (i, e))?);
        }
        per_worker.push(list);
    }
    per_worker.push(first);
    Ok(per_worker)
}
