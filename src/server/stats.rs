//! Counters for SIGUSR1: each worker counts in plain integers as it serves
//! and publishes them to its own cache line after every epoll batch; the
//! control thread adds them up when asked. No shared atomic on the hot path.

use core::sync::atomic::{AtomicU64, Ordering};

/// What one worker has done since start.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counters {
    /// Requests answered, malformed ones included.
    pub requests: u64,

    /// Responses with a compressed body.
    pub compressed: u64,
    /// Bytes written to sockets.
    pub sent: u64,
}

/// One worker's published counters, alone on a cache line.
#[repr(align(64))]
#[derive(Default)]
pub struct Published {
    requests: AtomicU64,

    compressed: AtomicU64,
    sent: AtomicU64,
}

impl Published {
    /// Makes `c` visible to the control thread (only its worker writes here).
    pub fn publish(&self, c: &Counters) {
        self.requests.store(c.requests, Ordering::Relaxed);

        self.compressed.store(c.compressed, Ordering::Relaxed);
        self.sent.store(c.sent, Ordering::Relaxed);
    }

    /// The counters as last published.
    pub fn read(&self) -> Counters {
        Counters {
            requests: self.requests.load(Ordering::Relaxed),

            compressed: self.compressed.load(Ordering::Relaxed),
            sent: self.sent.load(Ordering::Relaxed),
        }
    }
}

/// The sum over all workers.
pub fn total(workers: &[Published]) -> Counters {
    workers
        .iter()
        .map(Published::read)
        .fold(Counters::default(), |a, c| Counters {
            requests: a.requests + c.requests,

            compressed: a.compressed + c.compressed,
            sent: a.sent + c.sent,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn publishes_and_sums() {
        let workers: [Published; 3] = Default::default();
        workers[0].publish(&Counters {
            requests: 5,

            compressed: 1,
            sent: 1000,
        });
        workers[2].publish(&Counters {
            requests: 2,

            compressed: 0,
            sent: 30,
        });
        assert_eq!(
            total(&workers),
            Counters {
                requests: 7,

                compressed: 1,
                sent: 1030
            }
        );
        assert_eq!(core::mem::align_of::<Published>(), 64);
    }
}
