//! staticd: a tiny, Linux-only HTTP/1.1 static-file server with no libc.
//!
//! - [`rt`]: the runtime that replaces libc: start-up, allocator, mem functions,
//!   threads, signals and the few raw syscalls rustix does not expose.
//! - [`http`]: pure HTTP/1.1 wire handling: request parsing, response heads,
//!   dates, MIME types and path normalisation. No syscalls.
//! - [`config`]: the command line and environment, parsed into a [`config::Config`].
//! - [`cache`]: mmap'd small files with prebuilt heads, open big files, cached
//!   404s, invalidated by inotify.
//! - [`server`]: listeners, the per-worker epoll loop, connections and file sending.
//! - [`text`]: messages and addresses as text without `core::fmt`. No syscalls.
#![cfg_attr(not(test), no_std)]
// `unsafe` is denied everywhere a module does not allow it: only the runtime's
// modules that touch raw memory, descriptors or registers (rt/) and the cache's
// mapping edge (cache::mapping) do; http/, config/, server/ and the rest of the
// cache forbid it outright.
#![deny(unsafe_code)]

extern crate alloc;

pub mod cache;
pub mod config;
pub mod http;
pub mod rt;
pub mod server;
pub mod text;
// Helpers for the unit tests (a seeded PRNG, shared test data); documented in the module itself.
#[cfg(test)]
pub mod testing;

/// The program: parses the command line and runs the server; returns the exit code.
pub fn main(args: &[&'static [u8]], env: &[&'static [u8]]) -> i32 {
    match config::parse(args, env) {
        Ok(config::Command::Serve(config)) => server::run(*config),
        Ok(config::Command::Probe(url, config)) => {
            // Leaked: the process ends after the probe, and a drop would compile Config's drop code.
            server::probe::run(url.as_deref(), alloc::boxed::Box::leak(config))
        }
        Ok(config::Command::Help) => {
            rt::stdio::write_fd(1, &config::help());
            0
        }
        Ok(config::Command::Version) => {
            rt::stdio::write_fd(1, config::VERSION.as_bytes());
            rt::stdio::write_fd(1, b"\n");
            0
        }
        Err(e) => {
            log!(e);
            2
        }
    }
}
