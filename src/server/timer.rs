//! A coarse timing wheel for connection deadlines, one per worker.
//!
//! Time is cut into ticks of `tick_ms`; bucket `t % BUCKETS` holds the
//! connections due at tick `t`. Deadlines only ever move while a connection is
//! in the wheel, and the wheel does not follow them: a bucket's entries are
//! checked when their tick comes, closed if their deadline has passed and put
//! back for the tick of their deadline if it has not. So a keep-alive request
//! that pushes a deadline later costs nothing, and each connection is looked
//! at about once per timeout period instead of at every tick. A deadline that
//! moves *earlier* than the tick a connection waits for is scheduled again,
//! and the older entry, no longer the connection's current one, is dropped
//! when its tick comes (see [`Wheel::due`]).
//!
//! Pure bookkeeping: no system calls; the worker passes the time in.

use alloc::vec::Vec;

/// Buckets in the wheel: deadlines further than this many ticks away are
/// parked in the last one and looked at again then.
const BUCKETS: u64 = 64;

/// What the wheel holds for a connection: its slot and the slot's
/// generation when it was queued.
pub type Ticket = (u32, u32);

/// The wheel: buckets of entries and the last tick already processed.
pub struct Wheel {
    buckets: [Vec<Ticket>; BUCKETS as usize],
    tick_ms: u64,
    /// Every tick up to and including this one has been handed out by [`Wheel::due`].
    done: u64,
    /// Entries queued, stale ones included.
    len: usize,
    /// The earliest tick with entries, when known: kept by `schedule`,
    /// forgotten when `due` drains past it, so the buckets are scanned at
    /// most once per tick rather than before every epoll wait.
    earliest: Option<u64>,
}

impl Wheel {
    /// An empty wheel with ticks of `tick_ms` (at least 1), starting at `now_ms`.
    pub fn new(tick_ms: u64, now_ms: u64) -> Wheel {
        let tick_ms = tick_ms.max(1);
        Wheel {
            buckets: core::array::from_fn(|_| Vec::new()),
            tick_ms,
            done: now_ms / tick_ms,
            len: 0,
            earliest: None,
        }
    }

    /// The tick a deadline is queued for: the first tick at or after it, but
    /// at least the next unprocessed tick and at most a wheel's turn ahead.
    pub fn tick_for(&self, deadline_ms: u64) -> u64 {
        deadline_ms
            .div_ceil(self.tick_ms)
            .clamp(self.done + 1, self.done + BUCKETS)
    }

    /// Queues `entry` for the tick of `deadline_ms` and returns that tick,
    /// which the caller keeps to recognise the entry as current later.
    pub fn schedule(&mut self, entry: Ticket, deadline_ms: u64) -> u64 {
        let tick = self.tick_for(deadline_ms);
        if let Some(bucket) = self.buckets.get_mut((tick % BUCKETS) as usize) {
            bucket.push(entry);
            self.len += 1;
            // With no entry before, this is the earliest; else keep what is known.
            self.earliest = if self.len == 1 {
                Some(tick)
            } else {
                self.earliest.map(|e| e.min(tick))
            };
        }
        tick
    }

    /// Whether any entry is queued (stale ones count: they expire harmlessly).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Milliseconds from `now_ms` until the next tick that has entries, if any;
    /// what the worker's epoll_wait may sleep.
    pub fn next_due_in(&mut self, now_ms: u64) -> Option<u64> {
        if self.is_empty() {
            return None;
        }
        if self.earliest.is_none() {
            self.earliest = (self.done + 1..=self.done + BUCKETS).find(|t| {
                self.buckets
                    .get((t % BUCKETS) as usize)
                    .is_some_and(|b| !b.is_empty())
            });
        }
        self.earliest
            .map(|t| (t * self.tick_ms).saturating_sub(now_ms))
    }

    /// Moves every entry whose tick has come by `now_ms` into `out`, each with
    /// the tick it was queued for. The caller drops those whose connection
    /// has since been closed or queued for another tick, closes those past
    /// their deadline and schedules the rest again.
    pub fn due(&mut self, now_ms: u64, out: &mut Vec<(Ticket, u64)>) {
        let target = now_ms / self.tick_ms;
        // After a long sleep every bucket is due once: each entry's tick lies
        // in (done, done + BUCKETS], so all of them are at or before `target`.
        let last = target.min(self.done + BUCKETS);
        for tick in self.done + 1..=last {
            if let Some(bucket) = self.buckets.get_mut((tick % BUCKETS) as usize) {
                self.len -= bucket.len();
                // A plain loop: an extend over a mapped drain compiles bigger.
                for &e in bucket.iter() {
                    out.push((e, tick));
                }
                bucket.clear();
            }
        }
        if self.earliest.is_some_and(|e| e <= last) {
            self.earliest = None;
        }
        self.done = self.done.max(target);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    /// A connection as the worker sees it: deadline and the tick it waits for.
    struct Conn {
        deadline: u64,
        scheduled: u64,
    }

    /// Runs the worker's part: drops stale entries, returns the expired.
    fn expire(wheel: &mut Wheel, conns: &mut HashMap<u32, Conn>, now: u64) -> Vec<u32> {
        let mut due = Vec::new();
        wheel.due(now, &mut due);
        let mut closed = Vec::new();
        for ((index, _), tick) in due {
            let Some(c) = conns.get_mut(&index) else {
                continue;
            };
            if c.scheduled != tick {
                continue;
            }
            if c.deadline <= now {
                conns.remove(&index);
                closed.push(index);
            } else {
                c.scheduled = wheel.schedule((index, 0), c.deadline);
            }
        }
        closed.sort_unstable();
        closed
    }

    fn add(wheel: &mut Wheel, conns: &mut HashMap<u32, Conn>, index: u32, deadline: u64) {
        let scheduled = wheel.schedule((index, 0), deadline);
        conns.insert(
            index,
            Conn {
                deadline,
                scheduled,
            },
        );
    }

    /// Moves a deadline the way the worker's settle() does.
    fn set(wheel: &mut Wheel, conns: &mut HashMap<u32, Conn>, index: u32, deadline: u64) {
        let c = conns.get_mut(&index).unwrap();
        c.deadline = deadline;
        if wheel.tick_for(deadline) < c.scheduled {
            c.scheduled = wheel.schedule((index, 0), deadline);
        }
    }

    #[test]
    fn closes_at_the_first_tick_at_or_after_the_deadline() {
        let mut w = Wheel::new(100, 1_000);
        let mut conns = HashMap::new();
        add(&mut w, &mut conns, 1, 1_250);
        add(&mut w, &mut conns, 2, 1_300);
        assert!(expire(&mut w, &mut conns, 1_299).is_empty());
        // 1,250 rounds up to tick 13 (1,300 ms), connection 2's tick.
        assert_eq!(expire(&mut w, &mut conns, 1_300), [1, 2]);
        assert!(expire(&mut w, &mut conns, 1_300).is_empty());
        assert!(conns.is_empty() && w.is_empty());
    }

    #[test]
    fn never_closes_before_the_deadline() {
        let mut w = Wheel::new(10, 0);
        let mut conns = HashMap::new();
        for i in 0..500u32 {
            add(&mut w, &mut conns, i, u64::from(i) * 7 + 1);
        }
        let mut closed_at = HashMap::new();
        for now in 0..=4_000 {
            for i in expire(&mut w, &mut conns, now) {
                closed_at.insert(i, now);
            }
        }
        assert_eq!(closed_at.len(), 500);
        for (i, at) in closed_at {
            let deadline = u64::from(i) * 7 + 1;
            assert!(at >= deadline, "{i} closed at {at}, deadline {deadline}");
            assert!(
                at < deadline + 10,
                "{i} closed at {at}, deadline {deadline}"
            );
        }
        assert!(w.is_empty());
    }

    #[test]
    fn a_later_deadline_costs_nothing_until_its_old_tick() {
        let mut w = Wheel::new(1_000, 0);
        let mut conns = HashMap::new();
        add(&mut w, &mut conns, 7, 15_000);
        // A thousand keep-alive requests, each pushing the deadline on.
        for t in 1..=1_000u64 {
            set(&mut w, &mut conns, 7, 15_000 + t * 10);
        }
        assert_eq!(w.len, 1);
        assert!(expire(&mut w, &mut conns, 15_000).is_empty());
        // Looked at once, queued again for its real deadline.
        assert_eq!(w.len, 1);
        assert_eq!(expire(&mut w, &mut conns, 25_000), [7]);
    }

    #[test]
    fn an_earlier_deadline_is_queued_again_and_the_old_entry_is_dropped() {
        let mut w = Wheel::new(1_000, 0);
        let mut conns = HashMap::new();
        add(&mut w, &mut conns, 3, 15_000);
        set(&mut w, &mut conns, 3, 2_000);
        assert_eq!(w.len, 2);
        assert_eq!(expire(&mut w, &mut conns, 2_000), [3]);
        // Reused slot: a new connection with the same index must not be
        // closed by the stale entry at 15 s.
        add(&mut w, &mut conns, 3, 40_000);
        assert!(expire(&mut w, &mut conns, 15_000).is_empty());
        assert_eq!(expire(&mut w, &mut conns, 40_000), [3]);
    }

    #[test]
    fn deadlines_beyond_one_turn_wait_in_rounds() {
        let mut w = Wheel::new(10, 0);
        let mut conns = HashMap::new();
        // 64 buckets of 10 ms: 640 ms per turn.
        add(&mut w, &mut conns, 1, 5_000);
        for now in (0..5_000).step_by(10) {
            assert!(expire(&mut w, &mut conns, now).is_empty(), "at {now}");
        }
        assert_eq!(expire(&mut w, &mut conns, 5_000), [1]);
    }

    #[test]
    fn a_long_sleep_processes_every_bucket_once() {
        let mut w = Wheel::new(10, 0);
        let mut conns = HashMap::new();
        for i in 0..64u32 {
            add(&mut w, &mut conns, i, 10 + u64::from(i) * 10);
        }
        add(&mut w, &mut conns, 100, 1_000_000);
        let closed = expire(&mut w, &mut conns, 900_000);
        assert_eq!(closed, (0..64).collect::<Vec<_>>());
        assert_eq!(conns.len(), 1);
        assert_eq!(expire(&mut w, &mut conns, 1_000_000), [100]);
    }

    #[test]
    fn past_deadlines_go_to_the_next_tick() {
        let w = Wheel::new(100, 10_000);
        assert_eq!(w.tick_for(0), 101);
        assert_eq!(w.tick_for(10_000), 101);
        assert_eq!(w.tick_for(10_101), 102);
        assert_eq!(w.tick_for(u64::MAX), 100 + BUCKETS);
    }

    #[test]
    fn next_due_in_says_how_long_to_sleep() {
        let mut w = Wheel::new(100, 1_000);
        assert_eq!(w.next_due_in(1_000), None);
        w.schedule((1, 0), 1_550);
        assert_eq!(w.next_due_in(1_000), Some(600));
        assert_eq!(w.next_due_in(1_650), Some(0));
        let mut out = Vec::new();
        w.due(1_600, &mut out);
        assert_eq!(out, [((1, 0), 16)]);
        assert_eq!(w.next_due_in(1_600), None);
        assert!(w.is_empty());
    }

    #[test]
    fn the_remembered_earliest_tick_matches_a_scan() {
        let scan = |w: &Wheel| {
            (w.done + 1..=w.done + BUCKETS).find(|t| !w.buckets[(t % BUCKETS) as usize].is_empty())
        };
        let mut rng = crate::testing::Rng::new(7);
        let mut w = Wheel::new(10, 0);
        let mut now = 0;
        let mut out = Vec::new();
        for _ in 0..20_000 {
            if rng.one_in(3) {
                now += rng.below(40);
                out.clear();
                w.due(now, &mut out);
            } else {
                w.schedule((0, 0), now + rng.below(1_000));
            }
            let want = scan(&w).map(|t| (t * 10).saturating_sub(now));
            assert_eq!(w.next_due_in(now), want, "at {now}");
        }
    }

    #[test]
    fn tick_zero_is_treated_as_one() {
        let mut w = Wheel::new(0, 5);
        assert_eq!(w.schedule((0, 0), 7), 7);
        let mut out = Vec::new();
        w.due(7, &mut out);
        assert_eq!(out, [((0, 0), 7)]);
    }
}
