//! A worker thread: its own listeners, epoll instance and connection slab.
//! It only moves bytes and calls [`Conn`]; it never blocks except in epoll_wait.
//!
//! A connection decides its own [`State`]; the worker follows it with the
//! socket's epoll interest and the state's timeout, and closes the socket
//! when the state says so. Events come back as a typed [`Token`] holding a
//! slot index and the slot's generation, so an event left over for a
//! connection closed earlier in the same batch is ignored.

use crate::server::Shared;
use crate::server::clock::{self, Clock};
use crate::server::conn::{Buffers, Conn, State};
use crate::server::respond::{Context, WorkerLocal};
use crate::server::timer::{self, Wheel};
use crate::server::token::{self, Token};
use alloc::vec::Vec;
use core::sync::atomic::Ordering;
use rustix::event::epoll::{self, CreateFlags, Event, EventData, EventFlags};
use rustix::fd::OwnedFd;
use rustix::io::{self, Errno};
use rustix::net::{self, SocketFlags};

const EVENTS: usize = 256;
/// Deadlines are kept to a tenth of the shortest timeout, but no finer than
/// [`TICK_MIN_MS`] and no coarser than this, in milliseconds.
const TICK_MS: u64 = 1000;
/// The finest deadline resolution.
const TICK_MIN_MS: u64 = 10;
/// Spare buffer sets a worker keeps for its next requests. A keep-alive
/// request takes a set and gives it back within one event, so a few cover
/// any load; each pinned set is about 8.5 KiB that a burst cannot give back.
const POOL_MAX: usize = 16;
/// How long accepting pauses when the process is out of descriptors.
const ACCEPT_PAUSE_MS: u64 = 100;
/// The most often a worker logs refused connections, in milliseconds.
const REFUSAL_LOG_MS: u64 = 10_000;

/// Which timeout a connection runs under.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Timeout {
    /// `--keepalive-timeout`, from the last response.
    KeepAlive,
    /// `--header-timeout`, from the first byte (or the connection's start).
    Header,
    /// `--send-timeout`, from the last progress.
    Send,
    /// The linger period, from its start.
    Linger,
}

impl Timeout {
    /// The timeout of a state; `None` for one that closes now.
    fn of(state: State) -> Option<Timeout> {
        match state {
            State::Idle => Some(Timeout::KeepAlive),
            State::Head | State::Body => Some(Timeout::Header),
            State::Writing => Some(Timeout::Send),
            State::Lingering { .. } => Some(Timeout::Linger),
            State::Closing => None,
        }
    }

    /// Its length under `limits`, in milliseconds.
    fn ms(self, limits: &crate::server::ConnLimits) -> u64 {
        match self {
            Timeout::KeepAlive => limits.keepalive_ms,
            Timeout::Header => limits.header_ms,
            Timeout::Send => limits.send_ms,
            Timeout::Linger => limits.linger_ms,
        }
    }

    /// Whether progress starts it again: an idle connection's deadline
    /// counts from its last response and a sending one's from its last
    /// progress, while bytes trickling into a head, a body or a linger buy
    /// no time.
    fn restarts(self) -> bool {
        matches!(self, Timeout::KeepAlive | Timeout::Send)
    }
}

/// A place in the slab: the worker's bookkeeping around one connection.
struct Slot {
    conn: Option<Conn>,
    /// Bumped for every connection the slot holds; within [`token::GENERATIONS`].
    generation: u32,
    /// What the socket is registered for; empty before it is in the epoll set.
    interest: EventFlags,
    /// The timeout running and when it ends, in monotonic ms.
    timeout: Option<Timeout>,
    deadline: u64,
    /// The timing-wheel tick the connection is queued for; 0 before it is.
    scheduled: u64,
}

/// One worker's state.
pub struct Worker {
    /// Index of this worker's counters in `Shared::stats`.
    id: usize,
    epoll: OwnedFd,
    listeners: Vec<OwnedFd>,
    slots: Vec<Slot>,
    free: Vec<usize>,
    pool: Vec<Buffers>,
    open: usize,
    shared: &'static Shared,
    clock: Clock,
    local: WorkerLocal,
    stopping: bool,
    /// Connection deadlines.
    wheel: Wheel,
    /// Entries the wheel hands back, kept to reuse its allocation.
    due: Vec<(timer::Ticket, u64)>,
    /// While out of descriptors, listeners are out of the epoll set until then.
    accept_paused_until: Option<u64>,
    /// How listeners are watched: exclusively when other workers share them.
    listen_flags: EventFlags,
    /// Connections refused over --max-connections since the last log line.
    refused: u64,
    /// When refusals were last logged.
    refusal_logged_ms: u64,
}

/// A peer address as the access log shows it: the IP alone, `-` if unknown.
fn peer_text(addr: Option<&net::SocketAddrAny>) -> Option<alloc::boxed::Box<[u8]>> {
    let addr = addr?;
    // An IPv4 client of an IPv6 socket shows as plain IPv4.
    let ip = match net::SocketAddrV6::try_from(addr.clone()) {
        Ok(v6) => v6.ip().to_canonical(),
        Err(_) => core::net::IpAddr::V4(*net::SocketAddrV4::try_from(addr.clone()).ok()?.ip()),
    };
    Some(crate::text!(ip).into_bytes().into_boxed_slice())
}

/// The context a request is answered in: the worker's clock and what every worker shares.
fn context<'a>(clock: &'a Clock, shared: &'a Shared, stopping: bool) -> Context<'a> {
    Context {
        clock,
        stopping,
        site: shared.cache.site(),
        routes: &shared.routes,
        heads: &shared.heads,
        cors: crate::http::cors::Allow::Nothing,
    }
}

/// The token of the connection in slot `index` with `generation`.
fn conn_token(index: usize, generation: u32) -> EventData {
    EventData::new_u64(
        Token::Conn {
            index: index as u32,
            generation,
        }
        .encode(),
    )
}

/// The token of listener `i`.
fn listener_token(i: usize) -> EventData {
    EventData::new_u64(Token::Listener(i as u32).encode())
}

impl Worker {
    /// Sets up the epoll instance for `listeners` and the shared stop signal.
    /// `shared_listeners` says other workers accept on the same sockets: each
    /// connection then wakes one worker (EPOLLEXCLUSIVE), not all of them.
    /// The worker lives for the process (a failure here ends it): no drop code.
    pub fn new(
        id: usize,
        listeners: Vec<OwnedFd>,
        shared_listeners: bool,
        shared: &'static Shared,
    ) -> io::Result<&'static mut Worker> {
        let epoll = epoll::create(CreateFlags::CLOEXEC)?;
        let listen_flags = if shared_listeners {
            EventFlags::IN | EventFlags::EXCLUSIVE
        } else {
            EventFlags::IN
        };
        epoll::add(
            &epoll,
            &shared.wake,
            EventData::new_u64(Token::Wake.encode()),
            EventFlags::IN,
        )?;
        let clock = Clock::new();
        let l = shared.limits;
        // A timeout is then kept to within 10 %; finer ticks cost nothing
        // while no connection is due, as the wheel sleeps past empty ones.
        let shortest = l
            .header_ms
            .min(l.keepalive_ms)
            .min(l.send_ms)
            .min(l.linger_ms);
        let tick_ms = (shortest / 10).clamp(TICK_MIN_MS, TICK_MS);
        let wheel = Wheel::new(tick_ms, clock.now_ms());

        let mut local = WorkerLocal::default();
        local.log = shared.access.map(crate::server::access::Lines::new);
        let worker = alloc::boxed::Box::leak(alloc::boxed::Box::new(Worker {
            id,
            epoll,
            listeners,
            slots: Vec::new(),
            free: Vec::new(),
            pool: Vec::new(),
            open: 0,
            shared,
            clock,
            local,
            stopping: false,
            wheel,
            due: Vec::new(),
            accept_paused_until: None,
            listen_flags,
            refused: 0,
            refusal_logged_ms: 0,
        }));
        worker.add_listeners()?;
        Ok(worker)
    }

    /// Runs until the server stops and every connection is done.
    pub fn run(&mut self) {
        let mut events: Vec<Event> = Vec::with_capacity(EVENTS);
        loop {
            // With no deadline pending and nothing paused, an idle worker
            // sleeps until something happens: no wake-ups for nothing.
            let now = self.clock.now_ms();
            let paused = self
                .accept_paused_until
                .map(|until| until.saturating_sub(now));
            let log = self.local.log.as_ref().and_then(|l| l.due_in(now));
            let wait_ms = clock::sooner(clock::sooner(self.wheel.next_due_in(now), paused), log);
            let timeout = clock::timeout(wait_ms);
            events.clear();
            if let Err(e) = epoll::wait(
                &self.epoll,
                rustix::buffer::spare_capacity(&mut events),
                timeout.as_ref(),
            ) && e != Errno::INTR
            {
                crate::log_nowait!("epoll_wait: ", e);
                break;
            }
            self.clock.update();
            for ev in events.iter() {
                match Token::decode(ev.data.u64()) {
                    Some(Token::Listener(i)) => self.accept(i as usize),
                    Some(Token::Wake) => self.begin_stop(),
                    Some(Token::Conn { index, generation }) => {
                        self.on_event(index as usize, generation, ev.flags)
                    }
                    None => {}
                }
            }
            self.expire();
            if let Some(log) = self.local.log.as_mut() {
                // While stopping, every line goes out at once: the process
                // may end as soon as the last connection closes.
                if self.stopping {
                    log.flush();
                } else {
                    log.flush_if_due(self.clock.now_ms());
                }
            }
            if let Some(published) = self.shared.stats.get(self.id) {
                published.publish(&self.local.counters);
            }
            if let Some(until) = self.accept_paused_until
                && self.clock.now_ms() >= until
            {
                self.resume_accepting();
            }
            if self.stopping && self.open == 0 {
                break;
            }
        }
        if let Some(log) = self.local.log.as_mut() {
            log.flush();
        }
        // The process exits once every worker is done, and exit_group frees
        // and closes what is left (the epoll instance, spare buffers).
    }

    fn accept(&mut self, which: usize) {
        let Some(listener) = self.listeners.get(which) else {
            return;
        };
        let flags = SocketFlags::NONBLOCK | SocketFlags::CLOEXEC;
        let (fd, addr) = match net::acceptfrom_with(listener, flags) {
            Ok(accepted) => accepted,
            Err(Errno::MFILE | Errno::NFILE | Errno::NOBUFS | Errno::NOMEM) => {
                return self.pause_accepting();
            }
            Err(_) => return,
        };
        self.local.counters.accepted += 1;
        // The limit is shared by all workers; the kernel's backlog would only
        // make the refused wait, so they are closed at once.
        if self.shared.open.fetch_add(1, Ordering::Relaxed) >= self.shared.limits.max_connections {
            self.shared.open.fetch_sub(1, Ordering::Relaxed);
            drop(fd);
            self.refused += 1;
            let now = self.clock.now_ms();
            if self.refusal_logged_ms == 0 || now - self.refusal_logged_ms >= REFUSAL_LOG_MS {
                crate::log_nowait!(
                    "--max-connections ",
                    self.shared.limits.max_connections,
                    " reached: ",
                    self.refused,
                    " connections refused"
                );
                self.refused = 0;
                self.refusal_logged_ms = now.max(1);
            }
            return;
        }
        let index = match self.free.pop() {
            Some(i) => i,
            None => {
                self.slots.push(Slot {
                    conn: None,
                    generation: 0,
                    interest: EventFlags::empty(),
                    timeout: None,
                    deadline: 0,
                    scheduled: 0,
                });
                self.slots.len() - 1
            }
        };
        let slot = &mut self.slots[index];
        slot.generation = token::next_generation(slot.generation);
        slot.interest = EventFlags::empty();
        slot.timeout = None;
        slot.scheduled = 0;
        let conn = slot.conn.insert(Conn::new(fd));
        // The address is turned into text only when it will be logged.
        if self.local.log.is_some() {
            conn.peer = peer_text(addr.as_ref());
        }
        self.open += 1;
        // Clients send their request right after connecting, so it is usually
        // here already: answering it now, as if epoll had said it is readable,
        // saves an epoll round trip, and a `Connection: close` request never
        // enters the epoll set at all.
        let generation = slot.generation;
        self.on_event(index, generation, EventFlags::IN);
    }

    fn on_event(&mut self, index: usize, generation: u32, flags: EventFlags) {
        let Some(slot) = self.slots.get_mut(index) else {
            return;
        };
        if slot.generation != generation {
            return;
        }
        let Some(conn) = slot.conn.as_mut() else {
            return;
        };
        if !conn.has_buffers() {
            conn.attach(&mut self.pool);
        }
        let cache = &self.shared.cache;
        let cx = context(&self.clock, self.shared, self.stopping);
        // A socket in error while a response waits for room will never take it.
        if conn.state() == State::Writing && flags.intersects(EventFlags::ERR) {
            return self.close(index);
        }
        conn.on_ready(cache, cx, &mut self.local);
        self.settle(index);
    }

    /// Follows a connection's state: epoll interest, deadline, or closing.
    fn settle(&mut self, index: usize) {
        let now = self.clock.now_ms();
        let slot = &mut self.slots[index];
        let Some(conn) = slot.conn.as_mut() else {
            return;
        };
        let state = conn.state();
        let Some(timeout) = Timeout::of(state) else {
            return self.close(index);
        };
        // Room in the send buffer, or request bytes and the client closing.
        let interest = if state == State::Writing {
            EventFlags::OUT
        } else {
            EventFlags::IN | EventFlags::RDHUP
        };
        if slot.interest != interest {
            let data = conn_token(index, slot.generation);
            let done = if slot.interest.is_empty() {
                epoll::add(&self.epoll, &conn.fd, data, interest)
            } else {
                epoll::modify(&self.epoll, &conn.fd, data, interest)
            };
            if done.is_err() {
                return self.close(index);
            }
            slot.interest = interest;
        }
        if slot.timeout != Some(timeout) || timeout.restarts() {
            slot.timeout = Some(timeout);
            slot.deadline = now + timeout.ms(&self.shared.limits);
        }
        // A later deadline waits for the tick already queued (the wheel looks
        // again then); an earlier one, or a new connection, is queued now.
        if slot.scheduled == 0 || self.wheel.tick_for(slot.deadline) < slot.scheduled {
            slot.scheduled = self
                .wheel
                .schedule((index as u32, slot.generation), slot.deadline);
        }
        if let Some(bufs) = conn.spare() {
            self.give_back(bufs);
        }
    }

    /// Returns a connection's buffers to the pool at their first size,
    /// keeping at most [`POOL_MAX`] spare sets so a burst does not pin its
    /// peak memory.
    fn give_back(&mut self, mut bufs: Buffers) {
        self.shared.heads.give(bufs.shrink());
        if self.pool.len() < POOL_MAX {
            self.pool.push(bufs);
        }
    }

    /// Out of descriptors: takes the listeners out of the epoll set for a
    /// moment instead of spinning on a readiness that accept cannot serve.
    fn pause_accepting(&mut self) {
        if self.accept_paused_until.is_some() {
            return;
        }
        for l in &self.listeners {
            let _ = epoll::delete(&self.epoll, l);
        }
        self.accept_paused_until = Some(self.clock.now_ms() + ACCEPT_PAUSE_MS);
    }

    /// Puts the listeners back after a pause.
    fn resume_accepting(&mut self) {
        self.accept_paused_until = None;
        let _ = self.add_listeners();
    }

    /// Adds every listener to the epoll set, each whether or not one before
    /// it failed (a resumed worker accepts on what it can); the first error.
    fn add_listeners(&self) -> io::Result<()> {
        let mut result = Ok(());
        for (i, l) in self.listeners.iter().enumerate() {
            let added = epoll::add(&self.epoll, l, listener_token(i), self.listen_flags);
            result = result.and(added);
        }
        result
    }

    fn close(&mut self, index: usize) {
        let slot = &mut self.slots[index];
        if let Some(conn) = slot.conn.take() {
            self.shared.open.fetch_sub(1, Ordering::Relaxed);
            // Closing the descriptor also removes it from the epoll set.
            if let Some(bufs) = conn.into_buffers() {
                self.give_back(bufs);
            }
            self.free.push(index);
            self.open -= 1;
        }
    }

    /// Closes connections whose deadline has passed, among those the wheel
    /// says are due; the others are queued again for their deadline.
    fn expire(&mut self) {
        let now = self.clock.now_ms();
        self.wheel.due(now, &mut self.due);
        // By position: closing a connection needs the whole worker.
        for i in 0..self.due.len() {
            let ((index, generation), tick) = self.due[i];
            let index = index as usize;
            let Some(slot) = self.slots.get_mut(index) else {
                continue;
            };
            // A closed connection's entry, or one superseded by an earlier tick.
            if slot.conn.is_none() || slot.generation != generation || slot.scheduled != tick {
                continue;
            }
            if slot.deadline <= now {
                self.close(index);
            } else {
                slot.scheduled = self
                    .wheel
                    .schedule((index as u32, generation), slot.deadline);
            }
        }
        self.due.clear();
    }

    /// Stops accepting, closes idle connections and lets the others finish.
    fn begin_stop(&mut self) {
        if self.stopping {
            return;
        }
        self.stopping = true;
        let _ = epoll::delete(&self.epoll, &self.shared.wake);
        self.listeners.clear();
        for index in 0..self.slots.len() {
            if let Some(conn) = self.slots[index].conn.as_mut()
                && conn.stop() == State::Closing
            {
                self.close(index);
            }
        }
    }
}
