//! Listening sockets: one per address per worker, bound with SO_REUSEPORT so
//! the kernel spreads connections across workers without a shared accept lock.

use alloc::vec::Vec;
use core::net::SocketAddr;
use rustix::fd::OwnedFd;
use rustix::io;
use rustix::net::{self, AddressFamily, SocketFlags, SocketType, sockopt};

const BACKLOG: i32 = 4096;

/// Opens, binds and listens on one non-blocking socket for `addr`.
pub fn bind(addr: &SocketAddr) -> io::Result<OwnedFd> {
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
    sockopt::set_socket_reuseport(&fd, true)?;
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

/// The address a listener actually got (its port, when asked for port 0).
pub fn local_addr(fd: &OwnedFd) -> io::Result<SocketAddr> {
    SocketAddr::try_from(net::getsockname(fd)?).map_err(|_| io::Errno::AFNOSUPPORT)
}

/// Listeners per worker, and the addresses actually bound.
pub type Bound = (Vec<Vec<OwnedFd>>, Vec<SocketAddr>);

/// Binds `workers` listeners for every address, all on the same port: when an
/// address asks for port 0, the first listener's port is reused for the rest.
/// Returns the listeners per worker and the addresses actually bound; on
/// failure, the address that failed and why.
pub fn bind_all(addrs: &[SocketAddr], workers: usize) -> Result<Bound, (SocketAddr, io::Errno)> {
    let mut per_worker: Vec<Vec<OwnedFd>> = (0..workers)
        .map(|_| Vec::with_capacity(addrs.len()))
        .collect();
    let mut bound = Vec::with_capacity(addrs.len());
    for want in addrs {
        let mut addr = *want;
        for (i, list) in per_worker.iter_mut().enumerate() {
            let fd = bind(&addr).map_err(|e| (addr, e))?;
            if i == 0 {
                addr = local_addr(&fd).map_err(|e| (addr, e))?;
                bound.push(addr);
            }
            list.push(fd);
        }
    }
    Ok((per_worker, bound))
}
