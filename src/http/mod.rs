//! Pure HTTP/1.1 wire handling: bytes in, typed views out, and heads back to bytes.
//! Nothing in this module tree makes a system call.
#![forbid(unsafe_code)]

pub mod access_log;
pub mod conditional;
pub mod date;
pub mod encoding;
pub mod glob;
pub mod listing;
pub mod mime;
pub mod numfmt;
pub mod path;
pub mod range;
pub mod request;
pub mod response;
pub mod status;
