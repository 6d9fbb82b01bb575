//! Pure HTTP/1.1 wire handling: bytes in, typed views out, and heads back to bytes.
//! Nothing in this module tree makes a system call.
//!
//! The contract, as smoltcp's wire module states its own: every function here
//! takes any bytes a client can send and returns a value or an error, never a
//! panic; no input indexes out of bounds, overflows or loops without end, and
//! what one allocates is bounded by its input. The unit tests beside
//! each module and `make fuzz` (millions of mutated inputs through every
//! parser, checked against httparse and reference models) hold it to that.
#![forbid(unsafe_code)]

pub mod access_log;
pub mod bytes;
pub mod conditional;
pub mod cors;
pub mod date;
pub mod encoding;
pub mod forwarded;
pub mod glob;
pub mod listing;
pub mod mime;
pub mod numfmt;
pub mod path;
pub mod range;
pub mod request;
pub mod response;
pub mod status;
