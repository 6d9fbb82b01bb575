//! A coarse clock and its cached `Date` header value, and epoll timeouts.
//!
//! Both clocks are read through the vDSO (no system call), once per event
//! loop turn; the date string is formatted only when the second changes.

use crate::http::date;
use crate::rt::time::clock_gettime;
use rustix::time::{ClockId, Timespec};

/// Milliseconds on the monotonic clock now (the precise one, through the vDSO),
/// for deadlines outside a worker's loop.
pub fn monotonic_ms() -> u64 {
    let t = clock_gettime(ClockId::Monotonic);
    t.tv_sec as u64 * 1000 + t.tv_nsec as u64 / 1_000_000
}

/// Milliseconds on the monotonic clock plus the current HTTP date.
pub struct Clock {
    now_ms: u64,
    second: i64,
    date: [u8; date::HTTP_DATE_LEN],
}

impl Clock {
    /// A clock read just now.
    pub fn new() -> Self {
        let mut c = Clock {
            now_ms: 0,
            second: i64::MIN,
            date: [0; date::HTTP_DATE_LEN],
        };
        c.update();
        c
    }

    /// Reads both clocks again, reformatting the date if the second changed.
    pub fn update(&mut self) {
        let mono = clock_gettime(ClockId::MonotonicCoarse);
        self.now_ms = mono.tv_sec as u64 * 1000 + mono.tv_nsec as u64 / 1_000_000;
        let real = clock_gettime(ClockId::RealtimeCoarse).tv_sec;
        if real != self.second {
            self.second = real;
            date::format(real, &mut self.date);
        }
    }

    /// Monotonic milliseconds at the last update.
    pub fn now_ms(&self) -> u64 {
        self.now_ms
    }

    /// Wall-clock seconds at the last update.
    pub fn secs(&self) -> i64 {
        self.second
    }

    /// The IMF-fixdate of the last update, for the `Date` header.
    pub fn date(&self) -> &[u8; date::HTTP_DATE_LEN] {
        &self.date
    }
}

impl Default for Clock {
    fn default() -> Self {
        Self::new()
    }
}

/// The sooner of two optional waits, in milliseconds; `None` if neither is set.
pub fn sooner(a: Option<u64>, b: Option<u64>) -> Option<u64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// An epoll timeout of `ms` milliseconds; `None` waits for ever.
pub fn timeout(ms: Option<u64>) -> Option<Timespec> {
    ms.map(|ms| Timespec {
        tv_sec: (ms / 1000) as i64,
        tv_nsec: ((ms % 1000) * 1_000_000) as i64,
    })
}
