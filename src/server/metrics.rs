//! `--metrics`: `GET /metrics` in the Prometheus text exposition format
//! (version 0.0.4), on a listener of its own that the control thread
//! watches in its epoll.
//!
//! The control thread also applies inotify invalidations, so a scrape never
//! makes it wait: sockets are non-blocking, a client gets [`SCRAPE_MS`] to
//! send a request of at most [`REQUEST_MAX`] bytes, its answer is written
//! once, and a client that does not take it all is dropped. At most
//! [`SCRAPES`] clients are heard at a time; another one pushes out the
//! oldest. The figures are the workers' published counters (see
//! [`stats`](super::stats)), the cache's usage and the open connections:
//! a scrape costs the serving threads nothing.

use crate::http::bytes::cut;
use crate::http::numfmt;
use crate::http::path;
use crate::http::request::{self, Method, Parsed};
use crate::http::response::{self, Connection, Head};
use crate::http::status::Status;
use crate::server::Shared;
use crate::server::clock::{self, Clock};
use crate::text::pack::unpack;
use alloc::vec::Vec;
use core::sync::atomic::Ordering;
use rustix::event::epoll::{self, EventData, EventFlags};
use rustix::fd::OwnedFd;
use rustix::io::Errno;
use rustix::net::{self, SocketFlags};

/// Clients heard at once.
pub const SCRAPES: usize = 8;
/// How long a client has to send its request, in milliseconds.
pub const SCRAPE_MS: u64 = 2_000;
/// The longest request head read; a longer one is dropped unanswered.
pub const REQUEST_MAX: usize = 4096;
/// The content type of the text exposition format.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// One client whose request has not fully arrived.
struct Scrape {
    fd: OwnedFd,
    head: Vec<u8>,
    /// When it is dropped, in monotonic milliseconds.
    deadline: u64,
}

/// The metrics listener and the clients being heard.
pub struct Metrics {
    listener: OwnedFd,
    clients: [Option<Scrape>; SCRAPES],
    /// The epoll token of client slot 0; slot `i` has `first_token + i`.
    first_token: u64,
}

impl Metrics {
    /// Serves on `listener` (bound and listening, non-blocking); client
    /// slots take the epoll tokens from `first_token` on.
    pub fn new(listener: OwnedFd, first_token: u64) -> Metrics {
        Metrics {
            listener,
            clients: Default::default(),
            first_token,
        }
    }

    /// The listener, for the control thread's epoll.
    pub fn listener(&self) -> &OwnedFd {
        &self.listener
    }

    /// The client slot of an epoll token, if it is one of ours.
    pub fn slot(&self, token: u64) -> Option<usize> {
        let i = usize::try_from(token.checked_sub(self.first_token)?).ok()?;
        (i < SCRAPES).then_some(i)
    }

    /// Takes the pending connections, each into a free slot or the oldest
    /// one's, and answers those whose request is already there.
    pub fn accept(&mut self, ep: &OwnedFd, shared: &Shared, now_ms: u64) {
        for _ in 0..SCRAPES {
            let fd = match net::accept_with(
                &self.listener,
                SocketFlags::NONBLOCK | SocketFlags::CLOEXEC,
            ) {
                Ok(fd) => fd,
                Err(Errno::INTR) => continue,
                Err(_) => return,
            };
            let i = self.free_or_oldest();
            // Dropping a client closes its socket, which leaves the epoll set.
            self.clients[i] = None;
            let token = EventData::new_u64(self.first_token + i as u64);
            if epoll::add(ep, &fd, token, EventFlags::IN | EventFlags::RDHUP).is_err() {
                continue;
            }
            self.clients[i] = Some(Scrape {
                fd,
                head: Vec::new(),
                deadline: now_ms + SCRAPE_MS,
            });
            self.on_readable(i, shared);
        }
    }

    /// A free slot, else the one whose client has waited longest: the first
    /// with the earliest deadline, a free one counting as 0.
    fn free_or_oldest(&self) -> usize {
        let mut best = 0;
        let mut best_deadline = u64::MAX;
        for (i, slot) in self.clients.iter().enumerate() {
            let deadline = slot.as_ref().map_or(0, |c| c.deadline);
            if deadline < best_deadline {
                best = i;
                best_deadline = deadline;
            }
        }
        best
    }

    /// Reads what client `i` sent; once its request head is complete,
    /// answers it and lets it go.
    pub fn on_readable(&mut self, i: usize, shared: &Shared) {
        let Some(client) = self.clients.get_mut(i).and_then(Option::as_mut) else {
            return;
        };
        let mut buf = [0u8; 1024];
        let keep = loop {
            match rustix::io::read(&client.fd, &mut buf) {
                Ok(0) => break false,
                Ok(n) if client.head.len() + n <= REQUEST_MAX => {
                    client.head.extend_from_slice(&buf[..n]);
                }
                Ok(_) => break false,
                Err(Errno::INTR) => {}
                Err(Errno::AGAIN) => break true,
                Err(_) => break false,
            }
        };
        let answer = match request::parse(&client.head) {
            Ok(Parsed::Partial) if keep => return,
            Ok(Parsed::Partial) => None,
            Ok(Parsed::Complete(req, _)) => Some(answer(Ok(&req), shared)),
            Err(e) => Some(answer(Err(e.into()), shared)),
        };
        if let Some(bytes) = answer {
            // One try: a client that cannot take a few KiB at once is not
            // waited for.
            let _ = rustix::io::write(&client.fd, &bytes);
        }
        self.clients[i] = None;
    }

    /// Drops clients whose time to send a request is up.
    pub fn expire(&mut self, now_ms: u64) {
        for slot in &mut self.clients {
            if slot.as_ref().is_some_and(|c| c.deadline <= now_ms) {
                *slot = None;
            }
        }
    }

    /// Milliseconds until the next client's time is up, if one is heard.
    pub fn next_due_in(&self, now_ms: u64) -> Option<u64> {
        let mut next = None;
        for c in self.clients.iter().flatten() {
            let left = c.deadline.saturating_sub(now_ms);
            next = clock::sooner(next, Some(left));
        }
        next
    }
}

/// The whole response to a complete request, or to one that could not be
/// parsed (its error status): the figures for `GET /metrics` (their head
/// alone for `HEAD`), 404 for another path, 405 for another method.
fn answer(req: Result<&request::Request<'_>, Status>, shared: &Shared) -> Vec<u8> {
    let (status, head_only) = match req {
        Err(status) => (status, false),
        Ok(req) => {
            let is_metrics = path::split_target(req.target).is_ok_and(|t| t.path == b"/metrics");
            match req.method {
                _ if !is_metrics => (Status::NotFound, false),
                Method::Get => (Status::Ok, false),
                Method::Head => (Status::Ok, true),
                _ => (Status::MethodNotAllowed, false),
            }
        }
    };
    let clock = Clock::new();
    let mut head = Head {
        allow: status == Status::MethodNotAllowed,
        ..Head::new(status, clock.date(), Connection::Close)
    };
    let mut out = Vec::new();
    if status != Status::Ok {
        response::write_error(&mut out, &head, false);
        return out;
    }
    let body = render(&Figures::of(shared));
    head.content_type = Some(CONTENT_TYPE);
    head.content_length = body.len() as u64;
    head.extra = b"Cache-Control: no-store\r\n";
    response::write_head(&mut out, &head);
    if !head_only {
        out.extend_from_slice(&body);
    }
    out
}

/// What a scrape reports, gathered at one moment.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Figures {
    /// The workers' counters, summed.
    pub counters: crate::server::stats::Counters,
    /// The cache's counters and contents.
    pub cache: crate::cache::Usage,
    /// Connections open now.
    pub open: u64,
    /// Access log lines dropped under pressure.
    pub log_dropped: u64,
}

impl Figures {
    /// The figures now.
    pub fn of(shared: &Shared) -> Figures {
        Figures {
            counters: crate::server::stats::total(&shared.stats),
            cache: shared.cache.usage(),
            open: shared.open.load(Ordering::Relaxed) as u64,
            log_dropped: shared.access.as_ref().map_or(0, |log| log.dropped()),
        }
    }
}

/// Every family, in the order [`render`] lists the values: a line `NAME KIND
/// HELP` for its HELP and TYPE lines, then a line `=LABELS` per sample (LABELS
/// written as given, braces included). Text, not code per family.
const FAMILIES: &str = concat!(
    "staticd_build_info gauge The running version; always 1.\n",
    "={version=\"",
    env!("CARGO_PKG_VERSION"),
    "\"}\n",
    "staticd_requests_total counter Requests answered, malformed ones included.\n",
    "=\n",
    "staticd_responses_total counter Responses by status class.\n",
    "={class=\"1xx\"}\n",
    "={class=\"2xx\"}\n",
    "={class=\"3xx\"}\n",
    "={class=\"4xx\"}\n",
    "={class=\"5xx\"}\n",
    "staticd_bytes_sent_total counter Bytes written to client sockets.\n",
    "=\n",
    "staticd_compressed_responses_total counter Responses with a compressed body.\n",
    "=\n",
    "staticd_connections_accepted_total counter ",
    "Connections accepted, those refused over --max-connections included.\n",
    "=\n",
    "staticd_connections_open gauge Client connections open now.\n",
    "=\n",
    "staticd_cache_hits_total counter Cache lookups answered from memory.\n",
    "=\n",
    "staticd_cache_misses_total counter Cache lookups that went to the file system.\n",
    "=\n",
    "staticd_cache_evictions_total counter Entries evicted to stay within the cache's limits.\n",
    "=\n",
    "staticd_cache_entries gauge Paths the cache holds now.\n",
    "=\n",
    "staticd_cache_bytes gauge Memory the cache holds now, in bytes.\n",
    "=\n",
    "staticd_access_log_dropped_lines_total counter ",
    "Access log lines dropped because the log could not keep up.\n",
    "=",
);

/// [`FAMILIES`] as the binary holds it: packed at compile time, about half its size
/// (every name starts `staticd_`, every help line repeats a kind), unpacked per scrape.
fn families_packed() -> &'static [u8] {
    crate::packed!(FAMILIES)
}

/// The exposition of `f`: every family with its HELP and TYPE lines.
pub fn render(f: &Figures) -> Vec<u8> {
    let c = &f.counters;
    let r = &c.responses;
    let values = [
        1,
        c.requests,
        r[0],
        r[1],
        r[2],
        r[3],
        r[4],
        c.sent,
        c.compressed,
        c.accepted,
        f.open,
        f.cache.hits,
        f.cache.misses,
        f.cache.evictions,
        f.cache.entries as u64,
        f.cache.bytes as u64,
        f.log_dropped,
    ];
    let mut values = values.iter();
    let mut out = Vec::with_capacity(2048);
    let mut name: &[u8] = b"";
    // A plain loop over the lines, each taken apart by `cut`: smaller than `split`'s iterator.
    let families = unpack(b"", families_packed());
    let mut lines = Some(&families[..]);
    while let Some(text) = lines {
        let (line, next) = cut(text, b'\n');
        lines = next;
        if let Some((b'=', labels)) = line.split_first() {
            out.extend_from_slice(name);
            out.extend_from_slice(labels);
            out.push(b' ');
            numfmt::push(&mut out, values.next().copied().unwrap_or(0));
            out.push(b'\n');
        } else {
            let (family, rest) = cut(line, b' ');
            let (kind, help) = cut(rest.unwrap_or_default(), b' ');
            let help = help.unwrap_or_default();
            name = family;
            for (prefix, text) in [(b"# HELP ", help), (b"# TYPE ", kind)] {
                out.extend_from_slice(prefix);
                out.extend_from_slice(name);
                out.push(b' ');
                out.extend_from_slice(text);
                out.push(b'\n');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The binary holds the families packed; they unpack to the text, byte for byte.
    #[test]
    fn the_packed_families_unpack_to_the_text() {
        assert_eq!(unpack(b"", families_packed()), FAMILIES.as_bytes());
        assert!(families_packed().len() * 3 < FAMILIES.len() * 2);
    }

    #[test]
    fn every_family_has_help_and_type_before_its_samples() {
        let mut f = Figures::default();
        f.counters.requests = 12;
        f.counters.responses = [0, 9, 1, 2, 0];
        f.cache.bytes = 4096;
        let text = String::from_utf8(render(&f)).unwrap();
        assert!(text.ends_with('\n'));
        let mut declared: Vec<&str> = Vec::new();
        let mut samples = Vec::new();
        for line in text.lines() {
            if let Some(rest) = line.strip_prefix("# HELP ") {
                let name = rest.split(' ').next().unwrap();
                assert!(!declared.contains(&name), "{name} declared twice");
                declared.push(name);
            } else if let Some(rest) = line.strip_prefix("# TYPE ") {
                let (name, kind) = rest.split_once(' ').unwrap();
                assert_eq!(Some(&name), declared.last(), "{line}");
                assert!(kind == "counter" || kind == "gauge", "{line}");
                assert_eq!(kind == "counter", name.ends_with("_total"), "{line}");
            } else {
                let (series, value) = line.rsplit_once(' ').unwrap();
                let name = series.split('{').next().unwrap();
                assert_eq!(Some(&name), declared.last(), "{line}");
                value.parse::<u64>().unwrap();
                assert!(!samples.contains(&series), "{series} twice");
                samples.push(series);
            }
        }
        assert_eq!(declared.len(), 13);
        assert!(text.contains("\nstaticd_requests_total 12\n"));
        assert!(text.contains("\nstaticd_responses_total{class=\"2xx\"} 9\n"));
        assert!(text.contains("\nstaticd_responses_total{class=\"4xx\"} 2\n"));
        assert!(text.contains("\nstaticd_cache_bytes 4096\n"));
        let info = concat!("staticd_build_info{version=\"", env!("CARGO_PKG_VERSION"));
        assert!(text.contains(&format!("\n{info}\"}} 1\n")));
    }

    #[test]
    fn every_figure_is_the_value_of_its_own_sample() {
        let mut f = Figures::default();
        f.counters.requests = 11;
        f.counters.responses = [21, 22, 23, 24, 25];
        f.counters.sent = 31;
        f.counters.compressed = 32;
        f.counters.accepted = 33;
        f.open = 41;
        f.cache.hits = 51;
        f.cache.misses = 52;
        f.cache.evictions = 53;
        f.cache.entries = 54;
        f.cache.bytes = 55;
        f.log_dropped = 61;
        let text = String::from_utf8(render(&f)).unwrap();
        for sample in [
            "staticd_requests_total 11",
            "staticd_responses_total{class=\"1xx\"} 21",
            "staticd_responses_total{class=\"2xx\"} 22",
            "staticd_responses_total{class=\"3xx\"} 23",
            "staticd_responses_total{class=\"4xx\"} 24",
            "staticd_responses_total{class=\"5xx\"} 25",
            "staticd_bytes_sent_total 31",
            "staticd_compressed_responses_total 32",
            "staticd_connections_accepted_total 33",
            "staticd_connections_open 41",
            "staticd_cache_hits_total 51",
            "staticd_cache_misses_total 52",
            "staticd_cache_evictions_total 53",
            "staticd_cache_entries 54",
            "staticd_cache_bytes 55",
            "staticd_access_log_dropped_lines_total 61",
        ] {
            assert!(
                text.contains(&format!("\n{sample}\n")),
                "{sample} in\n{text}"
            );
        }
    }
}
