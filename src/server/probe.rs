//! `--probe [URL]`: the health check a Docker HEALTHCHECK or a Kubernetes
//! exec probe runs in an image that has no curl. One GET with a 2 s budget
//! for everything; exit 0 on 2xx/3xx, 1 otherwise, one line either way.

use crate::config::Config;
use crate::text::Piece;
use alloc::string::String;
use core::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use rustix::event::{PollFd, PollFlags, poll};
use rustix::io::Errno;
use rustix::net::{self, AddressFamily, SocketFlags, SocketType};
use rustix::time::Timespec;

/// The whole probe's time budget.
const BUDGET_MS: i64 = 2000;

/// Where to send the probe: an address and the request target.
#[derive(Debug, PartialEq, Eq)]
pub struct Target<'a> {
    /// The server's address.
    pub addr: SocketAddr,
    /// Path and query, starting with `/`, borrowed from the URL or the configuration.
    pub path: &'a str,
}

/// Parses `http://IP[:PORT][/PATH]` (IPv6 in brackets; no host names, which
/// would need a resolver a scratch image does not have).
pub fn parse_url(url: &[u8]) -> Result<Target<'_>, &'static str> {
    let text = crate::rt::utf8::str(url).ok_or("the URL is not UTF-8")?;
    const SCHEME: &[u8] = b"http://";
    if !url.starts_with(SCHEME) {
        return Err("only http:// URLs are supported");
    }
    let rest = &url[SCHEME.len()..];
    let slash = rest.iter().position(|&b| b == b'/').unwrap_or(rest.len());
    let authority = &rest[..slash];
    // The path starts at a `/`, a character boundary, or is empty.
    let path = match text.get(SCHEME.len() + slash..) {
        Some(path) if !path.is_empty() => path,
        _ => "/",
    };
    if path.bytes().any(|b| b <= b' ' || b == 0x7f) {
        return Err("the path has spaces or control characters");
    }
    let addr = match crate::text::parse_addr::socket(authority) {
        Some(a) => a,
        None => match crate::text::parse_addr::ipv4(authority) {
            Some(ip) => SocketAddr::new(IpAddr::V4(ip), 80),
            None => {
                // IPv6 without a port, bracketed or not.
                let mut host = authority;
                while let [b'[', rest @ ..] = host {
                    host = rest;
                }
                while let [rest @ .., b']'] = host {
                    host = rest;
                }
                match crate::text::parse_addr::ipv6(host) {
                    Some(ip) => SocketAddr::new(IpAddr::V6(ip), 80),
                    None => return Err("the host must be an IP address (no name lookups)"),
                }
            }
        },
    };
    Ok(Target { addr, path })
}

/// The default target: the --health path (else `/`) on the first --listen
/// address, with a wildcard address replaced by loopback.
pub fn default_target(config: &Config) -> Target<'_> {
    // The parser never leaves `listen` empty: it holds its default at least.
    let mut addr = config.listen[0];
    match &mut addr {
        SocketAddr::V4(a) if a.ip().is_unspecified() => a.set_ip(Ipv4Addr::LOCALHOST),
        SocketAddr::V6(a) if a.ip().is_unspecified() => a.set_ip(Ipv6Addr::LOCALHOST),
        _ => {}
    }
    // Config lets only visible ASCII through as --health, so it is UTF-8.
    let path = config.health.as_deref().unwrap_or(b"/");
    Target {
        addr,
        path: crate::rt::utf8::str(path).unwrap_or("/"),
    }
}

/// The status code of a response's first line, if it is one.
pub fn status_code(line: &[u8]) -> Option<u16> {
    // Not `strip_prefix`: its instance for a 7-byte prefix would serve only the probe.
    const VERSION: &[u8] = b"HTTP/1.";
    if !line.starts_with(VERSION) {
        return None;
    }
    let rest = &line[VERSION.len()..];
    let code = rest.get(2..5)?;
    if rest.get(1) != Some(&b' ') {
        return None;
    }
    u16::try_from(crate::http::numfmt::parse(code)?).ok()
}

fn now_ms() -> i64 {
    crate::server::clock::monotonic_ms() as i64
}

/// Why a probe got no status line: the step that failed when it is named
/// (`"poll: "`), and what went wrong; fixed texts, so failing allocates nothing.
type Failure = (&'static str, &'static str);

/// Waits until `fd` is ready for `flags` or the deadline passes.
fn wait(fd: &rustix::fd::OwnedFd, flags: PollFlags, deadline: i64) -> Result<(), Failure> {
    loop {
        let left = deadline - now_ms();
        if left <= 0 {
            return Err(("", "timed out after 2 s"));
        }
        let timeout = Timespec {
            tv_sec: left / 1000,
            tv_nsec: (left % 1000) * 1_000_000,
        };
        let mut fds = [PollFd::new(fd, flags)];
        match poll(&mut fds, Some(&timeout)) {
            Ok(0) | Err(Errno::INTR) => continue,
            Ok(_) => return Ok(()),
            Err(e) => return Err(("poll: ", crate::rt::errno::describe(e))),
        }
    }
}

/// How much of a response the probe reads looking for the end of its status line.
const STATUS_MAX: usize = 4096;

/// GETs the target and returns the length of the response's status line, which starts `got`.
fn fetch(target: &Target<'_>, got: &mut [u8; STATUS_MAX + 256]) -> Result<usize, Failure> {
    let deadline = now_ms() + BUDGET_MS;
    let family = if target.addr.is_ipv4() {
        AddressFamily::INET
    } else {
        AddressFamily::INET6
    };
    let why = |e: Errno| ("", crate::rt::errno::describe(e));
    let fd = net::socket_with(
        family,
        SocketType::STREAM,
        SocketFlags::NONBLOCK | SocketFlags::CLOEXEC,
        None,
    )
    .map_err(why)?;
    match net::connect(&fd, &target.addr) {
        Ok(()) | Err(Errno::INPROGRESS) => {}
        Err(e) => return Err(why(e)),
    }
    // A connect that fails sets the socket's error, which the first send returns: no
    // SO_ERROR query needed.
    wait(&fd, PollFlags::OUT, deadline)?;
    let mut request = String::from("GET ");
    request.push_str(target.path);
    request.push_str(" HTTP/1.1\r\nHost: ");
    target.addr.put(&mut request);
    request.push_str("\r\nUser-Agent: staticd-probe\r\nConnection: close\r\n\r\n");
    let mut sent = 0;
    while sent < request.len() {
        match net::send(&fd, &request.as_bytes()[sent..], net::SendFlags::NOSIGNAL) {
            Ok(n) => sent += n,
            Err(Errno::AGAIN) => wait(&fd, PollFlags::OUT, deadline)?,
            Err(Errno::INTR) => {}
            Err(Errno::CONNREFUSED) => return Err(("", "connection refused")),
            Err(e) => return Err(why(e)),
        }
    }
    let mut len = 0;
    loop {
        if let Some(end) = got[..len].windows(2).position(|w| w == b"\r\n") {
            return Ok(end);
        }
        // Past this, at least 256 bytes are left to read into.
        if len > STATUS_MAX {
            return Err(("", "no status line"));
        }
        match rustix::io::read(&fd, &mut got[len..]) {
            Ok(0) => return Err(("", "the server closed the connection without a response")),
            Ok(n) => len += n,
            Err(Errno::AGAIN) => wait(&fd, PollFlags::IN, deadline)?,
            Err(Errno::INTR) => {}
            Err(e) => return Err(why(e)),
        }
    }
}

/// Runs the probe; returns the exit code after printing one line.
pub fn run(url: Option<&[u8]>, config: &Config) -> i32 {
    let target = match url.map(parse_url) {
        None => default_target(config),
        Some(Ok(t)) => t,
        Some(Err(why)) => {
            crate::log!("--probe: ", why);
            return 2;
        }
    };
    // One line either way: the status line as it came, or why there is none.
    let mut line = String::from("probe http://");
    target.addr.put(&mut line);
    line.push_str(target.path);
    let mut got = [0; STATUS_MAX + 256];
    let healthy = match fetch(&target, &mut got) {
        Ok(end) => {
            let status = &got[..end];
            let healthy = matches!(status_code(status), Some(200..=399));
            line.push_str(if healthy { ": " } else { ": unhealthy: " });
            crate::text::Escaped(status).put(&mut line);
            healthy
        }
        Err((step, why)) => {
            line.push_str(": unhealthy: ");
            line.push_str(step);
            line.push_str(why);
            false
        }
    };
    crate::log!(line);
    i32::from(!healthy)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        let t = |u: &str| parse_url(u.as_bytes()).map(|t| (t.addr.to_string(), t.path.to_string()));
        assert_eq!(
            t("http://127.0.0.1:8080/healthz"),
            Ok(("127.0.0.1:8080".into(), "/healthz".into()))
        );
        assert_eq!(
            t("http://127.0.0.1"),
            Ok(("127.0.0.1:80".into(), "/".into()))
        );
        assert_eq!(
            t("http://[::1]:81/a?b=c"),
            Ok(("[::1]:81".into(), "/a?b=c".into()))
        );
        assert_eq!(t("http://[::1]/"), Ok(("[::1]:80".into(), "/".into())));
        for bad in [
            "https://127.0.0.1/",
            "http://localhost:80/",
            "ftp://x",
            "127.0.0.1:80",
            "http://1.2.3.4:99999/",
            "http://1.2.3.4/a b",
        ] {
            assert!(t(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn wildcard_listen_addresses_probe_loopback() {
        let mut c = Config::default();
        assert_eq!(default_target(&c).addr.to_string(), "127.0.0.1:8080");
        c.listen = alloc::vec!["[::]:9000".parse().unwrap()];
        assert_eq!(default_target(&c).addr.to_string(), "[::1]:9000");
        c.listen = alloc::vec!["10.1.2.3:80".parse().unwrap()];
        assert_eq!(default_target(&c).addr.to_string(), "10.1.2.3:80");
        assert_eq!(default_target(&c).path, "/");
        c.health = Some(b"/healthz".to_vec());
        assert_eq!(default_target(&c).path, "/healthz");
    }

    #[test]
    fn status_lines() {
        assert_eq!(status_code(b"HTTP/1.1 200 OK"), Some(200));
        assert_eq!(status_code(b"HTTP/1.0 301 Moved"), Some(301));
        assert_eq!(status_code(b"HTTP/1.1 503"), Some(503));
        for bad in [
            &b""[..],
            b"HTTP/2 200",
            b"HTTP/1.1 2x0 OK",
            b"HTTP/1.1  200",
            b"SSH-2.0",
        ] {
            assert_eq!(status_code(bad), None, "{bad:?}");
        }
    }
}
