//! The server: start-up (root, listeners, workers), the control thread that
//! turns SIGTERM/SIGINT into a drain (`--drain`) and a graceful stop and
//! serves `--metrics`, and the modules that serve.
//!
//! - [`listener`]: SO_REUSEPORT listening sockets, one per address per worker.
//! - [`worker`]: the per-worker epoll loop and connection slab.
//! - [`conn`]: one connection's state, buffers and request loop.
//! - [`respond`]: one request to one response.
//! - [`out`]: the output queue: writev (or sendmsg) of memory, sendfile of files.
//! - [`clock`]: the coarse clock and cached Date.
//! - [`access`]: the buffered access log and its writer thread.
//! - [`stats`]: the counters SIGUSR1 prints and `--metrics` reports.
//! - [`metrics`]: `--metrics`, the Prometheus scrape endpoint.
//! - [`timer`]: the timing wheel behind connection deadlines.
//! - [`token`]: the typed epoll token of listeners, the stop signal and connections.
//! - [`probe`]: `--probe`, the health check that needs no curl.
//! - [`sandbox`]: `--user` and the seccomp allow-list.
//! - [`cgroup`]: the container's memory limit, which sizes the default cache.
#![forbid(unsafe_code)]

pub mod access;
pub mod cgroup;
pub mod clock;
pub mod conn;
pub mod listener;
pub mod metrics;
pub mod out;
pub mod probe;
pub mod respond;
pub mod sandbox;
pub mod stats;
pub mod timer;
pub mod token;
pub mod worker;

use crate::cache::watch::Watcher;
use crate::cache::{self, Cache};
use crate::config::Config;
use crate::http::response::SiteHeaders;
use crate::rt::signal::{self, SignalFd};
use crate::rt::thread;
use crate::rt::time::clock_gettime;
use crate::text::Piece;
use alloc::string::String;
use alloc::vec::Vec;
use core::net::SocketAddr;
use core::sync::atomic::AtomicUsize;
use rustix::event::epoll::{self, CreateFlags, Event, EventData, EventFlags};
use rustix::event::{EventfdFlags, eventfd};
use rustix::fd::OwnedFd;
use rustix::time::{ClockId, Timespec};

/// What a connection may take: its timeouts, in milliseconds, and how many
/// may be open.
#[derive(Clone, Copy, Debug)]
pub struct ConnLimits {
    /// For a request head to arrive completely.
    pub header_ms: u64,
    /// For the next request on an idle keep-alive connection.
    pub keepalive_ms: u64,
    /// For a client that stops reading a response.
    pub send_ms: u64,
    /// For draining a rejected client's last bytes before closing.
    pub linger_ms: u64,
    /// Open connections allowed across all workers.
    pub max_connections: usize,
}

/// What every worker shares.
pub struct Shared {
    /// The file cache over the served root.
    pub cache: &'static Cache,
    /// Timeouts.
    pub limits: ConnLimits,
    /// Written once at stop; level-triggered in every worker's epoll.
    pub wake: OwnedFd,
    /// Open connections, all workers together.
    pub open: AtomicUsize,
    /// Where missing paths go.
    pub routes: respond::Routes,
    /// The access log, when there is one.
    pub access: Option<&'static access::Sink>,
    /// Each worker's published counters, by worker index.
    pub stats: Vec<stats::Published>,
    /// The memory request heads may take beyond each connection's first buffer.
    pub heads: conn::HeadBudget,
}

/// Directories watched at most before falling back to TTL revalidation.
const MAX_WATCHES: usize = 65_536;

/// The memory big request heads in progress may hold together, about 800
/// heads of the biggest size at once; a head that would grow past it is
/// answered 503.
const HEADS_MAX: usize = 16 << 20;

/// Worker thread stack size; request handling needs far less.
const STACK: usize = 256 * 1024;

/// Ends a failed start-up: logs `staticd: <message>` and exits 2. Nothing
/// done so far needs undoing: the kernel closes every descriptor and ends any
/// thread already spawned, as it would after a return from `main`.
#[cold]
#[inline(never)]
fn fail(template: &str, args: &[&dyn Piece]) -> ! {
    crate::rt::stdio::eprintln(template, args, false);
    crate::rt::sys::exit_group(2)
}

/// [`fail`] with a message in `log!`'s piece form: `fail!("listen ", addr, ": ", why)`.
macro_rules! fail {
    ($($piece:tt)+) => {
        crate::pieces!(fail [] [] [] $($piece)+)
    };
}

/// [`fail`] for a step that a system call failed: `<what>: <why>`; one call
/// site's worth of code for each, not a piece list.
#[cold]
#[inline(never)]
fn failed(what: &str, why: rustix::io::Errno) -> ! {
    explained(what, why, &[])
}

/// [`failed`], with the texts of `known` errors in place of strerror's.
#[cold]
#[inline(never)]
fn explained(what: &str, why: rustix::io::Errno, known: &[(rustix::io::Errno, &str)]) -> ! {
    for &(errno, text) in known {
        if errno == why {
            fail!(what, ": ", text)
        }
    }
    fail!(what, ": ", why)
}

fn cpu_count() -> usize {
    rustix::thread::sched_getaffinity(None)
        .map(|set| set.count() as usize)
        .unwrap_or(1)
        .max(1)
}

/// Starts the server and serves until SIGTERM or SIGINT, then exits: 0, or 1
/// when the control thread failed, or 2 when start-up failed. It exits rather
/// than return: all it holds is memory and descriptors, which need no drop
/// when the kernel takes them back at once.
// Owns `config`: what it hands on and never reads again (the index name,
// --listen, --real-ip-from, --cors, --cache-control, --cache-control-for) is
// moved out, not copied.
pub fn run(mut config: Config) -> ! {
    use rustix::io::Errno;
    let root_name = crate::text!(crate::text::Utf8(&config.root));
    let workers = config.threads.unwrap_or_else(cpu_count);
    // Passed sockets are taken over before anything else opens a descriptor,
    // so a missing one cannot be mistaken for one of staticd's own.
    let activated = config
        .listen_fds
        .filter(|fds| fds.pid == rustix::process::getpid().as_raw_nonzero().get() as u32);
    let inherited = activated.map(|fds| {
        listener::inherit(fds.count, workers).unwrap_or_else(|(fd, why)| {
            let what = crate::text!("LISTEN_FDS: descriptor ", fd);
            explained(
                &what,
                why,
                &[(Errno::NOTSUP, "not a listening stream socket")],
            )
        })
    });

    let signals = SignalFd::block(
        const {
            signal::set_of(&[
                signal::SIGTERM,
                signal::SIGINT,
                signal::SIGPIPE,
                signal::SIGHUP,
                signal::SIGUSR1,
            ])
        },
        const {
            signal::set_of(&[
                signal::SIGTERM,
                signal::SIGINT,
                signal::SIGHUP,
                signal::SIGUSR1,
            ])
        },
    )
    .unwrap_or_else(|why| failed("signals", why));
    raise_file_limit();
    let root = cache::root::Root::open(&config.root)
        .unwrap_or_else(|why| fail!("ROOT '", root_name, "': ", why));
    if let Err(why) = root.check_openat2() {
        const NOSYS: &str = "not supported by this kernel (Linux 5.6 or later is required)";
        explained("openat2", why, &[(Errno::NOSYS, NOSYS)]);
    }
    let (listeners, bound) = match inherited {
        Some(passed) => passed,
        None => listener::bind_all(core::mem::take(&mut config.listen), workers)
            .unwrap_or_else(|(addr, why)| fail!("listen ", addr, ": ", why)),
    };
    if let Some(name) = &config.tcp_congestion {
        let name = crate::rt::utf8::str(name).unwrap_or_default();
        if let Err(why) = listener::set_congestion(&listeners, name) {
            const KNOWN: &[(Errno, &str)] = &[
                (
                    Errno::NOENT,
                    "not in /proc/sys/net/ipv4/tcp_available_congestion_control",
                ),
                (
                    Errno::PERM,
                    "not in /proc/sys/net/ipv4/tcp_allowed_congestion_control",
                ),
            ];
            explained(&crate::text!("--tcp-congestion ", name), why, KNOWN);
        }
    }
    let wake = eventfd(0, EventfdFlags::CLOEXEC | EventfdFlags::NONBLOCK)
        .unwrap_or_else(|why| failed("eventfd", why));
    let (access, log_writer) = match &config.access_log {
        Some(path) => {
            let format = if config.log_json {
                crate::http::access_log::Format::Json
            } else {
                crate::http::access_log::Format::Common
            };
            let (sink, writer) =
                access::Sink::open(path, format, core::mem::take(&mut config.real_ip_from))
                    .unwrap_or_else(|why| {
                        fail!("--access-log '", crate::text::Utf8(path), "': ", why)
                    });
            (Some(sink), writer)
        }
        None => (None, None),
    };
    let (budget, from_cgroup) = cache_budget(&config);
    let types = forever(core::mem::take(&mut config.types));
    // Moved out of the config, not copied: they are not read again.
    let mut site = SiteHeaders::new(
        config.cache_control.take(),
        core::mem::take(&mut config.cache_control_for),
        &config.headers,
    );
    site.cors = core::mem::take(&mut config.cors);
    // Lives as long as the process: workers and threads use it until exit, so
    // it is leaked rather than counted (no drop code for a drop that never helps).
    let cache: &'static Cache = alloc::boxed::Box::leak(alloc::boxed::Box::new(Cache::new(
        root,
        core::mem::take(&mut config.index),
        settings(&config, types, budget),
        site,
    )));
    let mut watcher =
        Watcher::new(&config.root, cache, MAX_WATCHES).unwrap_or_else(|why| failed("inotify", why));
    // Leaked like the cache, and for the same reason: it lives until exit.
    let shared: &'static Shared = alloc::boxed::Box::leak(alloc::boxed::Box::new(Shared {
        cache,
        limits: ConnLimits {
            header_ms: config.header_timeout_ms,
            keepalive_ms: config.keepalive_timeout_ms,
            send_ms: config.send_timeout_ms,
            linger_ms: 2_000,
            max_connections: usize::try_from(config.max_connections).unwrap_or(usize::MAX),
        },
        open: AtomicUsize::new(0),
        routes: respond::Routes {
            fallback: route_key(config.fallback.as_deref()),
            not_found: route_key(config.not_found.as_deref()),
            health: route_key(config.health.as_deref()).map(|key| respond::Health {
                key,
                leaving: false.into(),
            }),
        },
        access,
        stats: stats::Published::for_workers(workers),
        heads: conn::HeadBudget::new(HEADS_MAX),
        wake,
    }));

    // Bound alone (no SO_REUSEPORT): a port another process holds is an
    // error, not a share of its scrapes.
    let mut metrics = config.metrics.map(|addr| {
        let fd =
            listener::bind(&addr, false).unwrap_or_else(|why| fail!("--metrics ", addr, ": ", why));
        let bound = listener::local_addr(rustix::fd::AsFd::as_fd(&fd)).unwrap_or(addr);
        (metrics::Metrics::new(fd, SCRAPES), bound)
    });
    // The control thread's own epoll is made now, before any worker accepts:
    // a burst of connections could otherwise take the last descriptor it needs.
    let control_ep = control_epoll(&signals, &watcher, metrics.as_ref().map(|m| &m.0))
        .unwrap_or_else(|why| failed("epoll", why));
    // Everything that needs privileges is done: drop them, then the system
    // calls never needed again, before any worker thread exists.
    if let Some(spec) = &config.user {
        let passwd = sandbox::read_passwd();
        let user = sandbox::resolve_user(spec, passwd.as_deref())
            .unwrap_or_else(|why| fail!("--user '", crate::text::Utf8(spec), "': ", why));
        sandbox::drop_privileges(user).unwrap_or_else(|why| failed("--user", why));
    }
    if !config.no_seccomp {
        use crate::rt::{seccomp, sys::SockFilter};
        const FILTER: [SockFilter; seccomp::program_len(sandbox::ALLOWED_SYSCALLS)] =
            seccomp::program(sandbox::ALLOWED_SYSCALLS);
        seccomp::allow_only(&FILTER).unwrap_or_else(|why| failed("seccomp", why));
    }
    // Each worker is made (its epoll and the calls that fill it are allowed
    // still) and started at once: no list of made workers to move them through.
    let mut handles = Vec::with_capacity(workers);
    for (id, list) in listeners.into_iter().enumerate() {
        let worker = worker::Worker::new(id, list, activated.is_some(), shared)
            .unwrap_or_else(|why| failed("epoll", why));
        let handle =
            thread::spawn(STACK, move || worker.run()).unwrap_or_else(|why| failed("thread", why));
        handles.push(handle);
    }
    // Hashes big files for their ETags; it never ends, and exit takes it.
    let hasher = shared.cache;
    let _hashing = thread::spawn(STACK, move || hasher.hashing.run())
        .unwrap_or_else(|why| failed("thread", why));
    let log_thread = log_writer.map(|writer| {
        thread::spawn(STACK, move || writer.run()).unwrap_or_else(|why| failed("thread", why))
    });
    announce(
        &root_name,
        &bound,
        activated.map_or(0, |f| f.count),
        workers,
        metrics.as_ref().map(|m| m.1),
        from_cgroup.then_some(budget),
    );
    // From here on the server has started: a failure exits 1, not 2.
    let mut control = Control {
        ep: &control_ep,
        signals: &signals,
        watcher: &mut watcher,
        shared,
        metrics: metrics.as_mut().map(|m| &mut m.0),
        drain_ms: u64::from(config.drain_secs) * 1000,
    };
    let code = match control.run() {
        Ok(()) => 0,
        Err(why) => {
            crate::log!("control thread: ", why);
            1
        }
    };

    // Every worker sees the eventfd become readable and starts its graceful stop.
    let _ = rustix::io::write(&shared.wake, &1u64.to_ne_bytes());
    let deadline = now_secs() + config.grace_secs as i64;
    for h in &handles {
        if !join_until(h, deadline, &signals) {
            crate::rt::sys::exit_group(code);
        }
    }
    // The workers have handed over their last lines: the log's writer
    // writes them out (or gives up on a stalled reader) and ends.
    if let (Some(sink), Some(h)) = (&shared.access, &log_thread) {
        sink.close();
        join_until(h, deadline, &signals);
    }
    crate::rt::sys::exit_group(code)
}

/// Waits for thread `h` until `deadline` (monotonic seconds); false if a
/// second SIGTERM/SIGINT cut the grace period short.
fn join_until(h: &thread::JoinHandle, deadline: i64, signals: &SignalFd) -> bool {
    loop {
        let left = deadline - now_secs();
        if left <= 0
            || h.join_timeout(Some(Timespec {
                tv_sec: left.min(1),
                tv_nsec: 0,
            }))
        {
            return true;
        }
        if matches!(signals.read(), Ok(Some(signal::SIGTERM | signal::SIGINT))) {
            return false;
        }
    }
}

/// The cache key of a --fallback or --404 path (checked by the config parser).
fn route_key(path: Option<&[u8]>) -> Option<Vec<u8>> {
    let mut key = Vec::new();
    crate::http::path::normalize(path?, &mut key).ok()?;
    Some(key)
}

/// Raises the soft limit on open files to the hard limit: every connection
/// and every big cached file holds a descriptor.
fn raise_file_limit() {
    use rustix::process::{Resource, getrlimit, setrlimit};
    let mut limit = getrlimit(Resource::Nofile);
    if limit.current != limit.maximum {
        limit.current = limit.maximum;
        let _ = setrlimit(Resource::Nofile, limit);
    }
}

/// The cache budget: `--cache-max-bytes`, else the default or, under a cgroup
/// memory limit, a quarter of it when that is less (then `true`).
fn cache_budget(config: &Config) -> (u64, bool) {
    use crate::config::DEFAULT_CACHE_MAX_BYTES;
    match config.cache_max_bytes {
        Some(n) => (n, false),
        None => {
            let root = config.cgroup_root.as_deref().unwrap_or(cgroup::ROOT);
            cgroup::cache_budget(DEFAULT_CACHE_MAX_BYTES, cgroup::memory_limit(root))
        }
    }
}

/// The cache's limits from the command line, with the content types `types`
/// and the budget `max_bytes`.
fn settings(
    config: &Config,
    types: &'static crate::http::mime::Types,
    max_bytes: u64,
) -> cache::Settings {
    let clamp = |n: u64| usize::try_from(n).unwrap_or(usize::MAX);
    cache::Settings {
        max_file_size: config.cache_max_file_size,
        max_bytes: clamp(max_bytes),
        max_entries: clamp(config.cache_max_entries),
        ttl_ms: config.cache_ttl_ms,
        compress_level: (!config.no_compress).then_some(config.compress_level),
        compress_max_size: config.compress_max_size,
        listing: config.listing,
        last_modified: config.last_modified,
        types,
    }
}

/// The cache's limits from the command line (the budget as if no cgroup
/// limited it), with a copy of its content types: for tests, as start-up
/// moves the types out with [`settings`].
#[cfg(test)]
impl From<&Config> for cache::Settings {
    fn from(config: &Config) -> Self {
        let max_bytes = config
            .cache_max_bytes
            .unwrap_or(crate::config::DEFAULT_CACHE_MAX_BYTES);
        settings(config, forever(config.types.clone()), max_bytes)
    }
}

/// The content types of `--mime` and `--default-type`, kept for the life of the
/// process, since every cached entry borrows its type from them.
fn forever(types: crate::http::mime::Types) -> &'static crate::http::mime::Types {
    alloc::boxed::Box::leak(alloc::boxed::Box::new(types))
}

fn now_secs() -> i64 {
    clock_gettime(ClockId::Monotonic).tv_sec
}

/// Logs where the server listens; `passed` counts sockets from a supervisor, and
/// `cgroup_budget` is the cache budget a cgroup memory limit set.
fn announce(
    root: &str,
    bound: &[SocketAddr],
    passed: u32,
    workers: usize,
    metrics: Option<SocketAddr>,
    cgroup_budget: Option<u64>,
) {
    // Each piece is put straight into the line: no message joined per part.
    let mut line = String::from("serving ");
    line.push_str(root);
    line.push_str(" on ");
    for (i, addr) in bound.iter().enumerate() {
        line.push_str(if i == 0 { "http://" } else { ", http://" });
        addr.put(&mut line);
        line.push('/');
    }
    if passed > 0 {
        line.push_str(" (");
        passed.put(&mut line);
        line.push_str(" passed by LISTEN_FDS)");
    }
    line.push_str(" with ");
    workers.put(&mut line);
    line.push_str(if workers == 1 { " worker" } else { " workers" });
    if let Some(addr) = metrics {
        line.push_str(", metrics on http://");
        addr.put(&mut line);
        line.push_str("/metrics");
    }
    if let Some(budget) = cgroup_budget {
        let (shift, unit) = budget_unit(budget);
        line.push_str(", cache budget ");
        (budget >> shift).put(&mut line);
        line.push_str(unit);
        line.push_str(" (a quarter of the cgroup memory limit)");
    }
    crate::log!(line);
}

/// How many bits to shift a size by and the suffix to write after it, as
/// `--cache-max-bytes` reads sizes: the largest of M and K that divides it.
fn budget_unit(n: u64) -> (u32, &'static str) {
    match n {
        0 => (0, ""),
        n if n.trailing_zeros() >= 20 => (20, "M"),
        n if n.trailing_zeros() >= 10 => (10, "K"),
        _ => (0, ""),
    }
}

/// Logs the SIGUSR1 line: connections, requests, cache use, bytes,
/// compression, access log lines dropped. A stderr that cannot take it at
/// once loses it rather than hold up the cache's invalidation.
fn report(shared: &Shared) {
    let f = metrics::Figures::of(shared);
    crate::log_nowait!(
        "stats: connections=",
        f.open,
        " requests=",
        f.counters.requests,
        " cache_hits=",
        f.cache.hits,
        " cache_misses=",
        f.cache.misses,
        " evictions=",
        f.cache.evictions,
        " cache_entries=",
        f.cache.entries,
        " cache_bytes=",
        f.cache.bytes,
        " bytes_sent=",
        f.counters.sent,
        " compressed=",
        f.counters.compressed,
        " log_dropped=",
        f.log_dropped
    );
}

/// What the control thread's epoll tells apart: the signals, inotify, the
/// metrics listener, and from [`SCRAPES`] on the metrics clients.
const SIGNALS: u64 = 0;
const INOTIFY: u64 = 1;
const METRICS: u64 = 2;
const SCRAPES: u64 = 3;

/// The control thread's epoll, watching the signals, inotify and the
/// metrics listener.
fn control_epoll(
    signals: &SignalFd,
    watcher: &Watcher,
    metrics: Option<&metrics::Metrics>,
) -> rustix::io::Result<OwnedFd> {
    let ep = epoll::create(CreateFlags::CLOEXEC)?;
    epoll::add(&ep, signals, EventData::new_u64(SIGNALS), EventFlags::IN)?;
    epoll::add(&ep, watcher, EventData::new_u64(INOTIFY), EventFlags::IN)?;
    if let Some(m) = metrics {
        epoll::add(
            &ep,
            m.listener(),
            EventData::new_u64(METRICS),
            EventFlags::IN,
        )?;
    }
    Ok(ep)
}

/// The control thread: what it watches and answers until the stop.
struct Control<'a> {
    ep: &'a OwnedFd,
    signals: &'a SignalFd,
    watcher: &'a mut Watcher,
    shared: &'a Shared,
    metrics: Option<&'a mut metrics::Metrics>,
    /// `--drain` in milliseconds.
    drain_ms: u64,
}

impl Control<'_> {
    /// Applies inotify events to the cache, answers SIGUSR1, SIGHUP and
    /// scrapes, until SIGINT, a second SIGTERM, or the end of the drain
    /// that the first SIGTERM starts (at once without `--drain`).
    fn run(&mut self) -> rustix::io::Result<()> {
        let mut events: Vec<Event> = Vec::with_capacity(8);
        let mut drain_until: Option<u64> = None;
        loop {
            let now = clock::monotonic_ms();
            if drain_until.is_some_and(|until| now >= until) {
                return Ok(());
            }
            let scrapes = self.metrics.as_ref().and_then(|m| m.next_due_in(now));
            let wait_ms = clock::sooner(drain_until.map(|until| until - now), scrapes);
            let timeout = clock::timeout(wait_ms);
            events.clear();
            match epoll::wait(
                self.ep,
                rustix::buffer::spare_capacity(&mut events),
                timeout.as_ref(),
            ) {
                Ok(_) | Err(rustix::io::Errno::INTR) => {}
                Err(e) => return Err(e),
            }
            for ev in events.iter() {
                match (ev.data.u64(), self.metrics.as_deref_mut()) {
                    (INOTIFY, _) => self.watcher.on_readable(),
                    (METRICS, Some(m)) => m.accept(self.ep, self.shared, clock::monotonic_ms()),
                    (token, Some(m)) => {
                        if let Some(i) = m.slot(token) {
                            m.on_readable(i, self.shared);
                        }
                    }
                    _ => {}
                }
            }
            if let Some(m) = self.metrics.as_deref_mut() {
                m.expire(clock::monotonic_ms());
            }
            while let Some(sig) = self.signals.read()? {
                match sig {
                    signal::SIGTERM if drain_until.is_none() && self.drain_ms > 0 => {
                        self.leave();
                        drain_until = Some(clock::monotonic_ms() + self.drain_ms);
                        crate::log_nowait!(
                            "SIGTERM: draining for ",
                            self.drain_ms / 1000,
                            " s, then stopping"
                        );
                    }
                    signal::SIGTERM | signal::SIGINT => {
                        self.leave();
                        return Ok(());
                    }
                    signal::SIGUSR1 => report(self.shared),
                    signal::SIGHUP => reopen_log(self.shared),
                    _ => {}
                }
            }
        }
    }

    /// The server is leaving: the health path answers 503 from now on.
    fn leave(&self) {
        if let Some(health) = &self.shared.routes.health {
            health
                .leaving
                .store(true, core::sync::atomic::Ordering::Relaxed);
        }
    }
}

/// SIGHUP: reopens the access log, if there is one.
fn reopen_log(shared: &Shared) {
    let Some(log) = &shared.access else {
        return;
    };
    match log.reopen() {
        Ok(()) => crate::log_nowait!("SIGHUP: access log reopened"),
        Err(e) => crate::log_nowait!("SIGHUP: access log not reopened: ", e),
    }
}
