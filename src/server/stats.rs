//! Counters for SIGUSR1 and `--metrics`: each worker counts in plain
//! integers as it serves and publishes them to its own cache lines after
//! every epoll batch; the control thread adds them up when asked. No shared
//! atomic on the hot path.

use core::sync::atomic::{AtomicU64, Ordering};

/// Status classes counted apart: 1xx to 5xx.
pub const CLASSES: usize = 5;

/// What one worker has done since start.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counters {
    /// Requests answered, malformed ones included.
    pub requests: u64,
    /// Responses by status class: `[0]` counts 1xx, `[4]` 5xx.
    pub responses: [u64; CLASSES],
    /// Connections accepted, those refused over --max-connections included.
    pub accepted: u64,
    /// Responses with a compressed body.
    pub compressed: u64,
    /// Bytes written to sockets.
    pub sent: u64,
}

impl Counters {
    /// Counts a response with status `code` in its class.
    pub fn respond(&mut self, code: u16) {
        let class = usize::from(code / 100).clamp(1, CLASSES) - 1;
        self.responses[class] += 1;
    }
}

/// One worker's published counters, on cache lines of their own.
#[repr(align(64))]
#[derive(Default)]
pub struct Published {
    requests: AtomicU64,
    responses: [AtomicU64; CLASSES],
    accepted: AtomicU64,
    compressed: AtomicU64,
    sent: AtomicU64,
}

impl Published {
    /// Zeroed counters for each of `workers` workers: a Vec made to size,
    /// not shrunk into a boxed slice (no reallocation code for a no-op).
    pub fn for_workers(workers: usize) -> alloc::vec::Vec<Published> {
        let mut all = alloc::vec::Vec::with_capacity(workers);
        for _ in 0..workers {
            all.push(Published::default());
        }
        all
    }

    /// Makes `c` visible to the control thread (only its worker writes here).
    pub fn publish(&self, c: &Counters) {
        self.requests.store(c.requests, Ordering::Relaxed);
        for (slot, &n) in self.responses.iter().zip(&c.responses) {
            slot.store(n, Ordering::Relaxed);
        }
        self.accepted.store(c.accepted, Ordering::Relaxed);
        self.compressed.store(c.compressed, Ordering::Relaxed);
        self.sent.store(c.sent, Ordering::Relaxed);
    }

    /// Adds the counters as last published to `sum`.
    fn add_to(&self, sum: &mut Counters) {
        sum.requests += self.requests.load(Ordering::Relaxed);
        for (n, slot) in sum.responses.iter_mut().zip(&self.responses) {
            *n += slot.load(Ordering::Relaxed);
        }
        sum.accepted += self.accepted.load(Ordering::Relaxed);
        sum.compressed += self.compressed.load(Ordering::Relaxed);
        sum.sent += self.sent.load(Ordering::Relaxed);
    }
}

/// The sum over all workers.
pub fn total(workers: &[Published]) -> Counters {
    let mut sum = Counters::default();
    for w in workers {
        w.add_to(&mut sum);
    }
    sum
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn publishes_and_sums() {
        let workers: [Published; 3] = Default::default();
        let mut first = Counters {
            requests: 5,
            accepted: 2,
            compressed: 1,
            sent: 1000,
            ..Counters::default()
        };
        for code in [200, 200, 304, 404, 503] {
            first.respond(code);
        }
        workers[0].publish(&first);
        let mut third = Counters {
            requests: 2,
            accepted: 1,
            sent: 30,
            ..Counters::default()
        };
        third.respond(101);
        third.respond(500);
        workers[2].publish(&third);
        assert_eq!(
            total(&workers),
            Counters {
                requests: 7,
                responses: [1, 2, 1, 1, 2],
                accepted: 3,
                compressed: 1,
                sent: 1030
            }
        );
        assert_eq!(core::mem::align_of::<Published>(), 64);
    }
}
