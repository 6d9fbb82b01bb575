//! Turning one parsed request into a response: method and target checks, file
//! resolution, the head, and the body (inline bytes or a file to stream).
//! The only system calls are the file's open, stat, read and close.

use crate::http::request::{self, Method, Request, Version};
use crate::http::response::{self, Connection, Head};
use crate::http::status::Status;
use crate::http::{date, mime, path};
use crate::server::file::{Resolved, Root};
use alloc::vec::Vec;
use rustix::fd::OwnedFd;

/// Files up to this size are read into the output buffer, so pipelined
/// responses leave together in one write; bigger ones go out with sendfile.
pub const INLINE_MAX: u64 = 16 * 1024;
/// Output buffered beyond this is flushed before more requests are answered.
pub const OUT_HIGH_WATER: usize = 64 * 1024;
/// A request body longer than this is not worth reading to keep the connection.
pub const DISCARD_MAX: u64 = 64 * 1024;

/// What is served and how.
pub struct Site {
    /// The root directory.
    pub root: Root,
    /// The file served for a directory.
    pub index: Vec<u8>,
}

/// A file body still to stream after the head.
pub struct FileBody {
    /// The open file.
    pub fd: OwnedFd,
    /// Next byte to send.
    pub offset: u64,
    /// One past the last byte to send.
    pub end: u64,
}

/// How a response left things.
pub struct Reply {
    /// A file to stream after the buffered output.
    pub body: Option<FileBody>,
    /// Close the connection once everything is sent.
    pub close: bool,
}

/// Per-worker scratch space reused by every request.
#[derive(Default)]
pub struct Scratch {
    path: Vec<u8>,
}

fn connection(close: bool, version: Version) -> Connection {
    match (close, version) {
        (true, _) => Connection::Close,
        (false, Version::Http10) => Connection::KeepAlive,
        (false, Version::Http11) => Connection::Default,
    }
}

fn bare_head(status: Status, date: &[u8], connection: Connection) -> Head<'_> {
    Head {
        status,
        date,
        content_type: None,
        content_length: 0,
        last_modified: None,
        etag: None,
        location: None,
        allow: false,
        connection,
    }
}

/// Appends an error response for a request that could not be parsed; the
/// connection always closes after it.
pub fn parse_error(err: request::Error, date: &[u8], out: &mut Vec<u8>) {
    let status = match err {
        request::Error::BadRequest => Status::BadRequest,
        request::Error::UriTooLong => Status::UriTooLong,
        request::Error::HeadersTooLarge => Status::HeadersTooLarge,
        request::Error::VersionNotSupported => Status::VersionNotSupported,
    };
    response::write_error(out, &bare_head(status, date, Connection::Close), false);
}

/// Appends the response to `req` to `out`. `closing` forces the connection
/// to close afterwards (the server is stopping, or the request's body cannot
/// be skipped).
pub fn respond(
    site: &Site,
    req: &Request<'_>,
    date: &[u8],
    closing: bool,
    scratch: &mut Scratch,
    out: &mut Vec<u8>,
) -> Reply {
    let head_only = req.method == Method::Head;
    let error = |status: Status, out: &mut Vec<u8>| {
        let close = closing || !req.keep_alive || status.closes_connection();
        let head = Head {
            allow: status == Status::MethodNotAllowed,
            ..bare_head(status, date, connection(close, req.version))
        };
        response::write_error(out, &head, head_only);
        Reply { body: None, close }
    };
    match req.method {
        Method::Get | Method::Head => {}
        Method::Other => return error(Status::MethodNotAllowed, out),
        Method::Unknown => return error(Status::NotImplemented, out),
    }
    let target = match path::split_target(req.target) {
        Ok(t) => t,
        Err(e) => return error(path_status(e), out),
    };
    let rel = &mut scratch.path;
    if let Err(e) = path::normalize(target.path, rel) {
        return error(path_status(e), out);
    }
    let file = match site.root.resolve(rel, &site.index) {
        Resolved::File(f) => f,
        Resolved::Redirect => {
            let close = closing || !req.keep_alive;
            let head = Head {
                location: Some((rel.as_slice(), target.query)),
                ..bare_head(
                    Status::MovedPermanently,
                    date,
                    connection(close, req.version),
                )
            };
            response::write_error(out, &head, head_only);
            return Reply { body: None, close };
        }
        Resolved::Error(status) => return error(status, out),
    };

    let mut close = closing || !req.keep_alive;
    let mut modified = [0u8; date::HTTP_DATE_LEN];
    date::format(file.mtime, &mut modified);
    let etag = response::Etag::new(file.mtime, file.mtime_nsec, file.size);
    let head = Head {
        content_type: Some(mime::content_type(rel)),
        content_length: file.size,
        last_modified: Some(&modified),
        etag: Some(etag.as_bytes()),
        ..bare_head(Status::Ok, date, connection(close, req.version))
    };
    response::write_head(out, &head);
    if head_only || file.size == 0 {
        return Reply { body: None, close };
    }
    if file.size <= INLINE_MAX && out.len() + (file.size as usize) <= OUT_HIGH_WATER {
        if !read_inline(&file.fd, file.size as usize, out) {
            // The file shrank after fstat: the short body tells the client, and
            // closing keeps the framing honest.
            close = true;
        }
        return Reply { body: None, close };
    }
    Reply {
        body: Some(FileBody {
            fd: file.fd,
            offset: 0,
            end: file.size,
        }),
        close,
    }
}

/// Appends exactly `size` bytes of `fd` to `out`; false if the file ended early.
fn read_inline(fd: &OwnedFd, size: usize, out: &mut Vec<u8>) -> bool {
    let start = out.len();
    out.resize(start + size, 0);
    let mut filled = 0;
    while filled < size {
        match rustix::io::read(fd, &mut out[start + filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(rustix::io::Errno::INTR) => continue,
            Err(_) => break,
        }
    }
    out.truncate(start + filled);
    filled == size
}

fn path_status(e: path::Error) -> Status {
    match e {
        path::Error::BadRequest => Status::BadRequest,
        path::Error::NotFound => Status::NotFound,
    }
}
