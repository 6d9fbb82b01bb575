//! The integration tests of staticd, one test crate so that they build (and
//! compile the shared harness in [`common`]) once. Each module is one area;
//! run one with `cargo test --test it AREA::` (e.g. `cache::`).

mod common;

mod cache;
mod cli;
mod compress;
mod deploy;
mod faults;
mod files;
mod fuzz;
mod http;
mod limits;
mod listing;
mod logs;
mod pid1;
mod probe;
mod sandbox;
mod sidecars;
mod site;
mod strace;
