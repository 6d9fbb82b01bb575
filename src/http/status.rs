//! HTTP status codes staticd sends, their reason phrases, and which of them
//! end the connection; and the one mapping of every wire error to its
//! status (the cache's errors map in `cache`, which this module cannot see).
//! No syscalls.

/// A status code staticd sends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u16)]
pub enum Status {
    /// 200: the file follows.
    Ok = 200,
    /// 204: a CORS preflight is answered.
    NoContent = 204,
    /// 206: part of the file follows.
    PartialContent = 206,
    /// 301: a directory was asked for without its trailing slash.
    MovedPermanently = 301,
    /// 304: the client's copy is current.
    NotModified = 304,
    /// 400: the request is malformed.
    BadRequest = 400,
    /// 403: the file exists but may not be read.
    Forbidden = 403,
    /// 404: nothing servable at this path.
    NotFound = 404,
    /// 405: a known method other than GET or HEAD.
    MethodNotAllowed = 405,
    /// 406: no acceptable representation.
    NotAcceptable = 406,
    /// 408: the request did not arrive in time.
    RequestTimeout = 408,
    /// 412: a precondition failed.
    PreconditionFailed = 412,
    /// 414: the request line is too long.
    UriTooLong = 414,
    /// 416: the range cannot be satisfied.
    RangeNotSatisfiable = 416,
    /// 431: the header section is too large.
    HeadersTooLarge = 431,
    /// 500: the server failed.
    InternalServerError = 500,
    /// 501: an unknown method.
    NotImplemented = 501,
    /// 503: the server is overloaded or stopping.
    ServiceUnavailable = 503,
    /// 505: an HTTP version other than 1.0 and 1.1.
    VersionNotSupported = 505,
}

impl Status {
    /// The numeric code.
    pub const fn code(self) -> u16 {
        self as u16
    }

    /// The code and the reason phrase of RFC 9110 §15, as a status line ends them
    /// (`404 Not Found`); an error page's title too.
    pub fn text(self) -> &'static str {
        // One string, each line found by the code it starts with: a match arm per phrase
        // compiles to a jump table and a load per arm.
        const LINES: &str = "200 OK|204 No Content|206 Partial Content|\
            301 Moved Permanently|304 Not Modified|400 Bad Request|403 Forbidden|404 Not Found|\
            405 Method Not Allowed|406 Not Acceptable|408 Request Timeout|\
            412 Precondition Failed|414 URI Too Long|416 Range Not Satisfiable|\
            431 Request Header Fields Too Large|500 Internal Server Error|501 Not Implemented|\
            503 Service Unavailable|505 HTTP Version Not Supported";
        let mut code = [0u8; 3];
        crate::http::numfmt::put_fixed(&mut code, u32::from(self.code()));
        let lines = LINES.as_bytes();
        let mut start = 0;
        loop {
            let rest = lines.get(start..).unwrap_or_default();
            let end = start + rest.iter().position(|&b| b == b'|').unwrap_or(rest.len());
            // Every code is in the table; the last line stands in should one not be.
            if rest.starts_with(&code) || end == lines.len() {
                return LINES.get(start..end).unwrap_or_default();
            }
            start = end + 1;
        }
    }

    /// The reason phrase of RFC 9110 §15.
    pub fn reason(self) -> &'static str {
        self.text().get(4..).unwrap_or_default()
    }

    /// Whether the response must not carry a body (RFC 9110 §6.4.1).
    pub const fn is_bodiless(self) -> bool {
        matches!(self, Status::NoContent | Status::NotModified)
    }

    /// Whether the request that led here may have broken the framing, so the
    /// connection is closed after the response rather than reused.
    pub const fn closes_connection(self) -> bool {
        matches!(
            self,
            Status::BadRequest
                | Status::RequestTimeout
                | Status::UriTooLong
                | Status::HeadersTooLarge
                | Status::InternalServerError
                | Status::NotImplemented
                | Status::ServiceUnavailable
                | Status::VersionNotSupported
        )
    }
}

impl From<crate::http::request::Error> for Status {
    fn from(e: crate::http::request::Error) -> Status {
        use crate::http::request::Error;
        match e {
            Error::BadRequest => Status::BadRequest,
            Error::UriTooLong => Status::UriTooLong,
            Error::HeadersTooLarge => Status::HeadersTooLarge,
            Error::VersionNotSupported => Status::VersionNotSupported,
        }
    }
}

impl From<crate::http::path::Error> for Status {
    fn from(e: crate::http::path::Error) -> Status {
        use crate::http::path::Error;
        match e {
            Error::BadRequest => Status::BadRequest,
            Error::NotFound => Status::NotFound,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [Status; 19] = [
        Status::Ok,
        Status::NoContent,
        Status::PartialContent,
        Status::MovedPermanently,
        Status::NotModified,
        Status::BadRequest,
        Status::Forbidden,
        Status::NotFound,
        Status::MethodNotAllowed,
        Status::NotAcceptable,
        Status::RequestTimeout,
        Status::PreconditionFailed,
        Status::UriTooLong,
        Status::RangeNotSatisfiable,
        Status::HeadersTooLarge,
        Status::InternalServerError,
        Status::NotImplemented,
        Status::ServiceUnavailable,
        Status::VersionNotSupported,
    ];

    #[test]
    fn codes_and_reasons_match_rfc_9110() {
        let expected = [
            (200, "OK"),
            (204, "No Content"),
            (206, "Partial Content"),
            (301, "Moved Permanently"),
            (304, "Not Modified"),
            (400, "Bad Request"),
            (403, "Forbidden"),
            (404, "Not Found"),
            (405, "Method Not Allowed"),
            (406, "Not Acceptable"),
            (408, "Request Timeout"),
            (412, "Precondition Failed"),
            (414, "URI Too Long"),
            (416, "Range Not Satisfiable"),
            (431, "Request Header Fields Too Large"),
            (500, "Internal Server Error"),
            (501, "Not Implemented"),
            (503, "Service Unavailable"),
            (505, "HTTP Version Not Supported"),
        ];
        for (s, (code, reason)) in ALL.iter().zip(expected) {
            assert_eq!((s.code(), s.reason()), (code, reason));
            assert_eq!(s.text(), format!("{code} {reason}"));
        }
    }

    #[test]
    fn every_wire_error_maps_to_its_status() {
        use crate::http::{path, request};
        for (e, code) in [
            (request::Error::BadRequest, 400),
            (request::Error::UriTooLong, 414),
            (request::Error::HeadersTooLarge, 431),
            (request::Error::VersionNotSupported, 505),
        ] {
            assert_eq!(Status::from(e).code(), code, "{e:?}");
        }
        assert_eq!(Status::from(path::Error::BadRequest), Status::BadRequest);
        assert_eq!(Status::from(path::Error::NotFound), Status::NotFound);
    }

    #[test]
    fn only_framing_errors_close() {
        for s in ALL {
            let closes = s.closes_connection();
            let expected = s.code() == 400
                || s.code() == 408
                || s.code() == 414
                || s.code() == 431
                || s.code() >= 500;
            assert_eq!(closes, expected, "{s:?}");
        }
    }
}
