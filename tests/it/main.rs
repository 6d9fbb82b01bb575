//! The integration tests of staticd, one test crate so that they build (and
//! compile the shared harness in [`common`]) once. Each module is one area;
//! run one with `cargo test --test it AREA::` (e.g. `cache::`).
//!
//! Every test starts its own server, and tests of all areas run in parallel
//! threads of this one process. The few that measure their own server
//! (timing windows, memory, descriptors, CPU ticks) or load the machine
//! heavily hold [`common::measuring`], so no two of them run at once. Waits
//! poll for their condition ([`common::wait_for`]) rather than sleep.

mod common;

mod cache;
mod cache_control_for;
mod cli;
mod compress;
mod container;
mod deploy;
mod etags;
mod faults;
mod files;
mod fuzz;
mod http;
mod last_modified;
mod limits;
mod listing;
mod logs;
mod oci;
mod ops;
mod pid1;
mod probe;
mod sandbox;
mod sidecars;
mod site;
mod strace;
mod wellknown_mime;
