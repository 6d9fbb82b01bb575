//! The command line and environment of `staticd [OPTIONS] [ROOT]`, parsed into a [`Command`].
//!
//! Pure: no syscalls. The caller passes argv without argv\[0\] and the raw `KEY=VALUE` environment.
//!
//! Every option is listed once, in `OPTIONS`; the parser, the environment fallbacks and [`HELP`]
//! (built at compile time) all come from that table, so a new option is one entry plus one arm
//! in `Parsed::apply`.
//!
//! Rules, where tools differ:
//! - `--name VALUE`, `--name=VALUE`, `-xVALUE`, `-x VALUE` and `-x=VALUE` all work; the value after
//!   the option is taken whatever it looks like (getopt style), so `--index -x` names a file `-x`.
//!   Flags without a value bundle: `-hV`. Long names must be spelled in full.
//! - Options and ROOT may come in any order; `--` ends options, after it everything is ROOT, which
//!   is the only way to give a ROOT starting with `-`. A lone `-` is an error.
//! - The first `-h`/`--help`/`-V`/`--version` wins over everything else, even errors in other
//!   arguments or in the environment: `--version --help` prints the version.
//! - A repeated option keeps its last value, except `--listen`, which adds addresses.
//!   Every value given is checked, even one later overridden.
//! - ADDR:PORT is `1.2.3.4:80` or `[::1]:80`; `PORT` and `:PORT` mean `0.0.0.0:PORT`; several
//!   may be given comma-separated (spaces around commas are ignored), in `--listen` as in
//!   `STATICD_LISTEN`.
//!   Port 0 is allowed (the kernel picks one); hostnames and IPv6 scope ids (`%eth0`) are not.
//!   The same address twice is an error (port 0 excepted).
//! - A flag on the command line replaces its variable: any `--listen` ignores `STATICD_LISTEN`.
//!   An empty variable counts as unset; of duplicate variables the first counts, like `getenv`.

use alloc::boxed::Box;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;
use core::net::{Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4};

/// What `--version` prints.
pub const VERSION: &str = concat!("staticd ", env!("CARGO_PKG_VERSION"));

/// The address served when neither `--listen` nor `STATICD_LISTEN` is given.
pub const DEFAULT_LISTEN: SocketAddr =
    SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, 8080));

/// The most worker threads `--threads` accepts.
pub const MAX_THREADS: usize = 1024;

/// The longest shutdown grace period `--grace` accepts, in seconds.
pub const MAX_GRACE_SECS: u32 = 86_400;

/// Linux's NAME_MAX: the longest `--index` that can name a file.
const NAME_MAX: usize = 255;

/// Linux's PATH_MAX less the NUL: the longest ROOT a syscall takes.
const ROOT_MAX: usize = 4095;

/// How many bytes of a bad value an error message shows.
const SHOW_MAX: usize = 64;

/// What the server should do, from the command line and environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// The directory to serve, as bytes (Linux paths need not be UTF-8).
    pub root: Vec<u8>,
    /// The addresses to listen on, in order, never empty, without duplicates (port 0 aside).
    pub listen: Vec<SocketAddr>,
    /// The number of worker threads; `None` means one per CPU, which the caller detects.
    pub threads: Option<usize>,
    /// The file served for a directory: a plain file name.
    pub index: Vec<u8>,
    /// How long shutdown waits for open connections, in seconds.
    pub grace_secs: u32,
    /// Files up to this many bytes are kept mapped in the cache.
    pub cache_max_file_size: u64,
    /// The cache's total budget in bytes.
    pub cache_max_bytes: u64,
    /// The most entries the cache holds.
    pub cache_max_entries: u64,
    /// How long an entry is trusted without a check when inotify cannot
    /// watch everything, in milliseconds.
    pub cache_ttl_ms: u64,
    /// Keep no compressed variants.
    pub no_compress: bool,
    /// Level of the gzip and deflate variants, 1 (fastest) to 9 (smallest).
    pub compress_level: u8,
    /// Files up to this many bytes get compressed variants.
    pub compress_max_size: u64,
    /// How long a request head may take to arrive, in milliseconds.
    pub header_timeout_ms: u64,
    /// How long an idle keep-alive connection is kept, in milliseconds.
    pub keepalive_timeout_ms: u64,
    /// How long a client may go without reading its response, in milliseconds.
    pub send_timeout_ms: u64,
    /// Open connections allowed across all workers.
    pub max_connections: u64,
    /// The user to run as after binding: `UID[:GID]` or a name from /etc/passwd.
    pub user: Option<Vec<u8>>,
    /// Run without the seccomp allow-list.
    pub no_seccomp: bool,
    /// `Cache-Control` value for every 200, 206 and 304.
    pub cache_control: Option<Vec<u8>>,
    /// Extra `Name: value` header lines for every response, checked.
    pub headers: Vec<Vec<u8>>,
    /// File served with 200 for paths that do not exist (single-page apps).
    pub fallback: Option<Vec<u8>>,
    /// File served as the body of 404 responses.
    pub not_found: Option<Vec<u8>>,
    /// Listening sockets passed by a supervisor (systemd's `LISTEN_PID`/`LISTEN_FDS`).
    pub listen_fds: Option<ListenFds>,
    /// HTML listings for directories without an index file.
    pub listing: bool,
    /// Where the access log goes: a file path, or `-` for stdout; none when unset.
    pub access_log: Option<Vec<u8>>,
    /// Access log lines as JSON rather than the Common (combined) Log Format.
    pub log_json: bool,
}

/// Sockets a supervisor passed as descriptors 3, 4, ... (socket activation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListenFds {
    /// The process they are meant for; anyone else ignores them.
    pub pid: u32,
    /// How many, starting at descriptor 3.
    pub count: u32,
}

/// The first descriptor of socket activation, after stdin, stdout and stderr.
pub const LISTEN_FDS_START: i32 = 3;

/// The most passed sockets accepted (systemd's own limit is far lower in practice).
const LISTEN_FDS_MAX: u64 = 1024;

impl Default for Config {
    fn default() -> Self {
        Config {
            root: b".".to_vec(),
            listen: alloc::vec![DEFAULT_LISTEN],
            threads: None,
            index: b"index.html".to_vec(),
            grace_secs: 10,
            cache_max_file_size: 16 * 1024,
            cache_max_bytes: 64 << 20,
            cache_max_entries: 4096,
            cache_ttl_ms: 1000,
            no_compress: false,
            compress_level: 6,
            compress_max_size: 1 << 20,
            header_timeout_ms: 10_000,
            keepalive_timeout_ms: 15_000,
            send_timeout_ms: 30_000,
            max_connections: 10_000,
            user: None,
            no_seccomp: false,
            cache_control: None,
            headers: Vec::new(),
            fallback: None,
            not_found: None,
            listen_fds: None,
            listing: false,
            access_log: None,
            log_json: false,
        }
    }
}

/// What the command line asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Check a running server (`--probe [URL]`): the URL, if given, and the
    /// configuration whose first --listen address is the default target.
    Probe(Option<Vec<u8>>, Box<Config>),
    /// Serve files with this configuration (boxed: it is much bigger than the others).
    Serve(Box<Config>),
    /// Print [`HELP`] and exit successfully.
    Help,
    /// Print [`VERSION`] and exit successfully.
    Version,
}

/// A bad command line or environment: which option, variable or argument, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    what: String,
    why: String,
}

impl Error {
    /// The option (long form, e.g. `--threads`), variable or `ROOT` at fault.
    pub fn what(&self) -> &str {
        &self.what
    }

    /// What is wrong with it, quoting the value (escaped and truncated).
    pub fn why(&self) -> &str {
        &self.why
    }

    fn new(what: impl fmt::Display, why: String) -> Self {
        Error {
            what: format!("{what}"),
            why,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.what, self.why)
    }
}

/// Which option an `Opt` is; also its bit in `Parsed::given`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Id {
    Listen,
    Threads,
    Index,
    Grace,
    CacheMaxFileSize,
    CacheMaxBytes,
    CacheMaxEntries,
    CacheTtl,
    NoCompress,
    CompressLevel,
    CompressMaxSize,
    HeaderTimeout,
    KeepaliveTimeout,
    SendTimeout,
    MaxConnections,
    User,
    NoSeccomp,
    Probe,
    CacheControl,
    Header,
    Fallback,
    NotFound,
    Listing,
    AccessLog,
    LogFormat,
    Help,
    Version,
}

/// One option: how it is spelt, whether it takes a value, its variable and its help.
struct Opt {
    id: Id,
    /// Without the leading `--`.
    long: &'static str,
    short: Option<u8>,
    /// The value's name in the help; `None` for a flag.
    value: Option<&'static str>,
    env: Option<&'static str>,
    /// May span lines with `\n`; the help appends `[env: VAR]` to the last line.
    help: &'static str,
}

/// A positional argument.
struct Positional {
    name: &'static str,
    env: Option<&'static str>,
    help: &'static str,
}

const OPTIONS: &[Opt] = &[
    Opt {
        id: Id::Listen,
        long: "listen",
        short: Some(b'l'),
        value: Some("ADDR:PORT"),
        env: Some("STATICD_LISTEN"),
        help: "address to listen on: 1.2.3.4:80,\n\
               [::1]:80, or PORT for 0.0.0.0:PORT;\n\
               repeatable, or comma-separated\n\
               [default: 0.0.0.0:8080]",
    },
    Opt {
        id: Id::Threads,
        long: "threads",
        short: Some(b't'),
        value: Some("N"),
        env: Some("STATICD_THREADS"),
        help: "worker threads, 1 to 1024\n[default: one per CPU]",
    },
    Opt {
        id: Id::Index,
        long: "index",
        short: None,
        value: Some("NAME"),
        env: None,
        help: "file served for a directory\n[default: index.html]",
    },
    Opt {
        id: Id::Grace,
        long: "grace",
        short: None,
        value: Some("SECONDS"),
        env: None,
        help: "seconds open connections get to finish\non shutdown, 0 to 86400 [default: 10]",
    },
    Opt {
        id: Id::CacheMaxFileSize,
        long: "cache-max-file-size",
        short: None,
        value: Some("SIZE"),
        env: None,
        help: "files up to this size stay mmap'd in the\n\
               cache, bigger ones go out with sendfile\n\
               (K, M, G suffixes) [default: 16K]",
    },
    Opt {
        id: Id::CacheMaxBytes,
        long: "cache-max-bytes",
        short: None,
        value: Some("SIZE"),
        env: None,
        help: "memory the cache may hold [default: 64M]",
    },
    Opt {
        id: Id::CacheMaxEntries,
        long: "cache-max-entries",
        short: None,
        value: Some("N"),
        env: None,
        help: "paths the cache may hold [default: 4096]",
    },
    Opt {
        id: Id::CacheTtl,
        long: "cache-ttl",
        short: None,
        value: Some("SECONDS"),
        env: None,
        help: "how often entries are rechecked when\n\
               inotify cannot watch every directory\n\
               (e.g. 0.5) [default: 1]",
    },
    Opt {
        id: Id::NoCompress,
        long: "no-compress",
        short: None,
        value: None,
        env: None,
        help: "keep no gzip or deflate variants",
    },
    Opt {
        id: Id::CompressLevel,
        long: "compress-level",
        short: None,
        value: Some("N"),
        env: None,
        help: "gzip and deflate level, 1 (fast) to 9\n(small) [default: 6]",
    },
    Opt {
        id: Id::CompressMaxSize,
        long: "compress-max-size",
        short: None,
        value: Some("SIZE"),
        env: None,
        help: "files up to this size get compressed\nvariants [default: 1M]",
    },
    Opt {
        id: Id::HeaderTimeout,
        long: "header-timeout",
        short: None,
        value: Some("SECONDS"),
        env: None,
        help: "time a request head may take to arrive\n[default: 10]",
    },
    Opt {
        id: Id::KeepaliveTimeout,
        long: "keepalive-timeout",
        short: None,
        value: Some("SECONDS"),
        env: None,
        help: "time an idle connection is kept open\n[default: 15]",
    },
    Opt {
        id: Id::SendTimeout,
        long: "send-timeout",
        short: None,
        value: Some("SECONDS"),
        env: None,
        help: "time a client may stop reading its\nresponse [default: 30]",
    },
    Opt {
        id: Id::MaxConnections,
        long: "max-connections",
        short: None,
        value: Some("N"),
        env: None,
        help: "open connections, all workers together;\nmore are closed at once [default: 10000]",
    },
    Opt {
        id: Id::User,
        long: "user",
        short: None,
        value: Some("UID[:GID]"),
        env: None,
        help: "drop root for this user after binding\n(numeric, or a name in /etc/passwd)",
    },
    Opt {
        id: Id::NoSeccomp,
        long: "no-seccomp",
        short: None,
        value: None,
        env: None,
        help: "run without the system call allow-list",
    },
    Opt {
        id: Id::CacheControl,
        long: "cache-control",
        short: None,
        value: Some("VALUE"),
        env: None,
        help: "Cache-Control for every 200/206/304,\ne.g. 'public, max-age=3600'",
    },
    Opt {
        id: Id::Header,
        long: "header",
        short: None,
        value: Some("'NAME: VALUE'"),
        env: None,
        help: "add this header to every response;\nrepeatable",
    },
    Opt {
        id: Id::Fallback,
        long: "fallback",
        short: None,
        value: Some("FILE"),
        env: None,
        help: "serve FILE (a path under ROOT, e.g.\n/index.html) with 200 for missing paths",
    },
    Opt {
        id: Id::NotFound,
        long: "404",
        short: None,
        value: Some("FILE"),
        env: None,
        help: "serve FILE (a path under ROOT) as the\nbody of 404 responses",
    },
    Opt {
        id: Id::Listing,
        long: "listing",
        short: None,
        value: None,
        env: None,
        help: "list directories that have no index file",
    },
    Opt {
        id: Id::AccessLog,
        long: "access-log",
        short: None,
        value: Some("PATH|-"),
        env: None,
        help: "append an access log to PATH (- for\nstdout); off by default",
    },
    Opt {
        id: Id::LogFormat,
        long: "log-format",
        short: None,
        value: Some("common|json"),
        env: None,
        help: "access log lines: combined log format\nor JSON [default: common]",
    },
    Opt {
        id: Id::Probe,
        long: "probe",
        short: None,
        value: None,
        env: None,
        help: "check a running staticd instead: GET URL\n(given after it; default: the first\n--listen address) within 2 s; exit 0 on\n2xx/3xx, else 1",
    },
    Opt {
        id: Id::Help,
        long: "help",
        short: Some(b'h'),
        value: None,
        env: None,
        help: "print this help and exit",
    },
    Opt {
        id: Id::Version,
        long: "version",
        short: Some(b'V'),
        value: None,
        env: None,
        help: "print the version and exit",
    },
];

const ROOT: Positional = Positional {
    name: "ROOT",
    env: Some("STATICD_ROOT"),
    help: "directory to serve (-- before one that\nstarts with '-')\n[default: .]",
};

const USAGE: &str =
    "Usage: staticd [OPTIONS] [ROOT]\n\nServe the files under ROOT over HTTP/1.1.\n";

const FOOTER: &str = "\nAn option on the command line overrides its environment variable.\n\
Sockets passed by a supervisor (LISTEN_PID, LISTEN_FDS) replace --listen.\n";

/// The usage text, generated from the option table.
pub const HELP: &str = match core::str::from_utf8(&HELP_BYTES) {
    Ok(s) => s,
    Err(_) => panic!("help text is not UTF-8"),
};

const HELP_LEN: usize = render(&mut []);
const HELP_BYTES: [u8; HELP_LEN] = {
    let mut buf = [0; HELP_LEN];
    render(&mut buf);
    buf
};

/// A const-evaluable writer that counts what does not fit, so one pass sizes the buffer.
struct Out<'a> {
    buf: &'a mut [u8],
    len: usize,
    col: usize,
}

impl Out<'_> {
    const fn byte(&mut self, b: u8) {
        if self.len < self.buf.len() {
            self.buf[self.len] = b;
        }
        self.len += 1;
        self.col = if b == b'\n' { 0 } else { self.col + 1 };
    }

    const fn str(&mut self, s: &str) {
        let b = s.as_bytes();
        let mut i = 0;
        while i < b.len() {
            self.byte(b[i]);
            i += 1;
        }
    }

    const fn pad_to(&mut self, col: usize) {
        while self.col < col {
            self.byte(b' ');
        }
    }

    /// Writes help text at `col`, indenting its continuation lines, then its variable.
    const fn describe(&mut self, col: usize, help: &str, env: Option<&str>) {
        self.pad_to(col);
        let b = help.as_bytes();
        let mut i = 0;
        while i < b.len() {
            self.byte(b[i]);
            if b[i] == b'\n' {
                self.pad_to(col);
            }
            i += 1;
        }
        if let Some(env) = env {
            self.str(" [env: ");
            self.str(env);
            self.byte(b']');
        }
        self.byte(b'\n');
    }
}

/// The width of an option's `  -x, --long VALUE` column.
const fn opt_width(o: &Opt) -> usize {
    let value = match o.value {
        Some(v) => 1 + v.len(),
        None => 0,
    };
    "  -x, --".len() + o.long.len() + value
}

/// Writes the help into `buf` as far as it fits; returns its full length.
const fn render(buf: &mut [u8]) -> usize {
    let mut col = "  [".len() + ROOT.name.len() + "]".len();
    let mut i = 0;
    while i < OPTIONS.len() {
        let w = opt_width(&OPTIONS[i]);
        if w > col {
            col = w;
        }
        i += 1;
    }
    col += 2;

    let mut out = Out {
        buf,
        len: 0,
        col: 0,
    };
    out.str(USAGE);
    out.str("\nArguments:\n  [");
    out.str(ROOT.name);
    out.byte(b']');
    out.describe(col, ROOT.help, ROOT.env);
    out.str("\nOptions:\n");
    let mut i = 0;
    while i < OPTIONS.len() {
        let o = &OPTIONS[i];
        match o.short {
            Some(s) => {
                out.str("  -");
                out.byte(s);
                out.str(", --");
            }
            None => out.str("      --"),
        }
        out.str(o.long);
        if let Some(v) = o.value {
            out.byte(b' ');
            out.str(v);
        }
        out.describe(col, o.help, o.env);
        i += 1;
    }
    out.str(FOOTER);
    out.len
}

/// Where a value came from, for the error message.
#[derive(Clone, Copy)]
enum Origin {
    Flag(&'static str),
    Env(&'static str),
    Root,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Flag(long) => write!(f, "--{long}"),
            Origin::Env(name) => f.write_str(name),
            Origin::Root => f.write_str(ROOT.name),
        }
    }
}

/// User bytes shown safely on one line: printable ASCII as is, the rest `\xNN`, cut after
/// `SHOW_MAX` bytes with `...`; quoted unless it names an option.
struct Shown<'a> {
    bytes: &'a [u8],
    quoted: bool,
}

/// `'value'`, escaped and truncated, for error messages.
fn q(bytes: &[u8]) -> Shown<'_> {
    Shown {
        bytes,
        quoted: true,
    }
}

impl fmt::Display for Shown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use fmt::Write as _;
        let (shown, cut) = match self.bytes.get(..SHOW_MAX) {
            Some(head) if self.bytes.len() > SHOW_MAX => (head, true),
            _ => (self.bytes, false),
        };
        if self.quoted {
            f.write_char('\'')?;
        }
        for &b in shown {
            match b {
                b'\\' => f.write_str("\\\\")?,
                b'\'' if self.quoted => f.write_str("\\'")?,
                b' '..=b'~' => f.write_char(char::from(b))?,
                _ => write!(f, "\\x{b:02x}")?,
            }
        }
        if self.quoted {
            f.write_char('\'')?;
        }
        if cut {
            f.write_str("...")?;
        }
        Ok(())
    }
}

/// One parser step: `Some` when help or version cut parsing short.
type Step = Result<Option<Command>, Error>;

/// What the command line set so far; `None`/unset fields fall back to the environment.
#[derive(Default)]
struct Parsed {
    root: Option<Vec<u8>>,
    listen: Vec<SocketAddr>,
    threads: Option<usize>,
    index: Option<Vec<u8>>,
    grace: Option<u32>,
    cache_max_file_size: Option<u64>,
    cache_max_bytes: Option<u64>,
    cache_max_entries: Option<u64>,
    cache_ttl_ms: Option<u64>,
    no_compress: bool,
    compress_level: Option<u8>,
    compress_max_size: Option<u64>,
    header_timeout_ms: Option<u64>,
    keepalive_timeout_ms: Option<u64>,
    send_timeout_ms: Option<u64>,
    max_connections: Option<u64>,
    user: Option<Vec<u8>>,
    no_seccomp: bool,
    cache_control: Option<Vec<u8>>,
    headers: Vec<Vec<u8>>,
    fallback: Option<Vec<u8>>,
    not_found: Option<Vec<u8>>,
    listing: bool,
    access_log: Option<Vec<u8>>,
    log_json: bool,
    /// `--probe` was given, with its URL if one followed.
    probe: Option<Option<Vec<u8>>>,
    /// One bit per `Id` given on the command line.
    given: u32,
}

impl Parsed {
    fn apply(&mut self, opt: &Opt, origin: Origin, value: &[u8]) -> Step {
        if let Origin::Flag(_) = origin {
            self.given |= 1 << opt.id as u32;
        }
        if opt.value.is_some() && value.is_empty() {
            return Err(Error::new(origin, "empty value".into()));
        }
        let why = match opt.id {
            Id::Help => return Ok(Some(Command::Help)),
            Id::Version => return Ok(Some(Command::Version)),
            Id::Listen => add_addrs(&mut self.listen, value),
            Id::Threads => parse_threads(value).map(|n| self.threads = Some(n)),
            Id::Index => check_index(value).map(|()| self.index = Some(value.to_vec())),
            Id::Grace => parse_grace(value).map(|n| self.grace = Some(n)),
            Id::CacheMaxFileSize => parse_size(value).map(|n| self.cache_max_file_size = Some(n)),
            Id::CacheMaxBytes => parse_size(value).map(|n| self.cache_max_bytes = Some(n)),
            Id::CacheMaxEntries => parse_count(value).map(|n| self.cache_max_entries = Some(n)),
            Id::CacheTtl => parse_millis(value).map(|n| self.cache_ttl_ms = Some(n)),
            Id::NoCompress => {
                self.no_compress = true;
                Ok(())
            }
            Id::CompressLevel => parse_level(value).map(|n| self.compress_level = Some(n)),
            Id::CompressMaxSize => parse_size(value).map(|n| self.compress_max_size = Some(n)),
            Id::HeaderTimeout => parse_timeout(value).map(|n| self.header_timeout_ms = Some(n)),
            Id::KeepaliveTimeout => {
                parse_timeout(value).map(|n| self.keepalive_timeout_ms = Some(n))
            }
            Id::SendTimeout => parse_timeout(value).map(|n| self.send_timeout_ms = Some(n)),
            Id::MaxConnections => parse_count(value).map(|n| self.max_connections = Some(n)),
            Id::User => check_user(value).map(|()| self.user = Some(value.to_vec())),
            Id::CacheControl => {
                check_field_value(value).map(|()| self.cache_control = Some(value.to_vec()))
            }
            Id::Header => check_header(value).map(|()| self.headers.push(value.to_vec())),
            Id::Fallback => check_site_path(value).map(|()| self.fallback = Some(value.to_vec())),
            Id::NotFound => check_site_path(value).map(|()| self.not_found = Some(value.to_vec())),
            Id::NoSeccomp => {
                self.no_seccomp = true;
                Ok(())
            }
            Id::Listing => {
                self.listing = true;
                Ok(())
            }
            Id::AccessLog => check_log_path(value).map(|()| self.access_log = Some(value.to_vec())),
            Id::LogFormat => parse_log_format(value).map(|json| self.log_json = json),
            Id::Probe => {
                self.probe.get_or_insert(None);
                Ok(())
            }
        };
        why.map(|()| None).map_err(|why| Error::new(origin, why))
    }

    fn root(&mut self, origin: Origin, value: &[u8]) -> Step {
        if let Origin::Root = origin
            && self.root.is_some()
        {
            return Err(Error::new(origin, "more than one given".into()));
        }
        check_root(value).map_err(|why| Error::new(origin, why))?;
        self.root = Some(value.to_vec());
        Ok(None)
    }

    /// Fills what the command line left unset from the environment, then the defaults.
    fn finish(mut self, env: &[&[u8]]) -> Result<Config, Error> {
        for opt in OPTIONS {
            if let Some(name) = opt.env
                && self.given & (1 << opt.id as u32) == 0
                && let Some(value) = getenv(env, name)
            {
                self.apply(opt, Origin::Env(name), value)?;
            }
        }
        if self.root.is_none()
            && let Some(name) = ROOT.env
            && let Some(value) = getenv(env, name)
        {
            self.root(Origin::Env(name), value)?;
        }
        let mut config = Config::default();
        if let Some(root) = self.root {
            config.root = root;
        }
        if !self.listen.is_empty() {
            config.listen = self.listen;
        }
        config.threads = self.threads;
        if let Some(index) = self.index {
            config.index = index;
        }
        if let Some(grace) = self.grace {
            config.grace_secs = grace;
        }
        config.cache_max_file_size = self
            .cache_max_file_size
            .unwrap_or(config.cache_max_file_size);
        config.cache_max_bytes = self.cache_max_bytes.unwrap_or(config.cache_max_bytes);
        config.cache_max_entries = self.cache_max_entries.unwrap_or(config.cache_max_entries);
        config.cache_ttl_ms = self.cache_ttl_ms.unwrap_or(config.cache_ttl_ms);
        config.no_compress = self.no_compress;
        config.compress_level = self.compress_level.unwrap_or(config.compress_level);
        config.compress_max_size = self.compress_max_size.unwrap_or(config.compress_max_size);
        config.header_timeout_ms = self.header_timeout_ms.unwrap_or(config.header_timeout_ms);
        config.keepalive_timeout_ms = self
            .keepalive_timeout_ms
            .unwrap_or(config.keepalive_timeout_ms);
        config.send_timeout_ms = self.send_timeout_ms.unwrap_or(config.send_timeout_ms);
        config.max_connections = self.max_connections.unwrap_or(config.max_connections);
        config.user = self.user;
        config.no_seccomp = self.no_seccomp;
        config.cache_control = self.cache_control;
        config.headers = self.headers;
        config.fallback = self.fallback;
        config.not_found = self.not_found;
        config.listen_fds = listen_fds(env)?;
        config.listing = self.listing;
        config.access_log = self.access_log;
        config.log_json = self.log_json;
        Ok(config)
    }
}

/// Parses the command line (`args`, without argv\[0\]) and the environment (`KEY=VALUE` entries).
pub fn parse(args: &[&[u8]], env: &[&[u8]]) -> Result<Command, Error> {
    let mut parsed = Parsed::default();
    let mut first_err = None;
    let mut rest = args.iter().copied().peekable();
    let mut only_root = false;
    while let Some(arg) = rest.next() {
        // `--probe [URL]`: a following http:// argument is its URL, not ROOT.
        if !only_root
            && arg == b"--probe"
            && let Some(url) =
                rest.next_if(|next| next.starts_with(b"http://") || next.starts_with(b"https://"))
        {
            parsed.probe = Some(Some(url.to_vec()));
            continue;
        }
        let step = if only_root {
            parsed.root(Origin::Root, arg)
        } else if arg == b"--" {
            only_root = true;
            Ok(None)
        } else if let Some(body) = arg.strip_prefix(b"--") {
            long_option(&mut parsed, body, &mut rest)
        } else if arg == b"-" {
            Err(Error::new(
                "-",
                "not an option; for a ROOT named '-', write -- -".into(),
            ))
        } else if let Some(cluster) = arg.strip_prefix(b"-") {
            short_options(&mut parsed, cluster, &mut rest)
        } else {
            parsed.root(Origin::Root, arg)
        };
        match step {
            Ok(Some(command)) => return Ok(command),
            Ok(None) => {}
            Err(e) => {
                first_err.get_or_insert(e);
            }
        }
    }
    match first_err {
        Some(e) => Err(e),
        None => match parsed.probe.take() {
            Some(url) => parsed.finish(env).map(|c| Command::Probe(url, Box::new(c))),
            None => parsed.finish(env).map(|c| Command::Serve(Box::new(c))),
        },
    }
}

/// `--name`, `--name=VALUE` or `--name VALUE`; `body` is what follows `--`.
fn long_option<'a>(
    parsed: &mut Parsed,
    body: &'a [u8],
    rest: &mut impl Iterator<Item = &'a [u8]>,
) -> Step {
    let (name, inline) = match body.iter().position(|&b| b == b'=') {
        Some(eq) => (body.get(..eq).unwrap_or(body), body.get(eq + 1..)),
        None => (body, None),
    };
    let Some(opt) = OPTIONS.iter().find(|o| o.long.as_bytes() == name) else {
        let shown = Shown {
            bytes: name,
            quoted: false,
        };
        return Err(Error::new(format!("--{shown}"), "unknown option".into()));
    };
    let origin = Origin::Flag(opt.long);
    let value = match (opt.value, inline) {
        (None, None) => &[][..],
        (None, Some(_)) => return Err(Error::new(origin, "takes no value".into())),
        (Some(_), Some(v)) => v,
        (Some(_), None) => rest
            .next()
            .ok_or_else(|| Error::new(origin, "missing value".into()))?,
    };
    parsed.apply(opt, origin, value)
}

/// `-x`, bundled flags `-hV`, and `-xVALUE`, `-x=VALUE` or `-x VALUE`; `cluster` follows the `-`.
fn short_options<'a>(
    parsed: &mut Parsed,
    cluster: &'a [u8],
    rest: &mut impl Iterator<Item = &'a [u8]>,
) -> Step {
    let mut first_err = None;
    let mut i = 0;
    while let Some(&c) = cluster.get(i) {
        i += 1;
        let Some(opt) = OPTIONS.iter().find(|o| o.short == Some(c)) else {
            let shown = Shown {
                bytes: &[c],
                quoted: false,
            };
            first_err.get_or_insert(Error::new(format!("-{shown}"), "unknown option".into()));
            continue;
        };
        let origin = Origin::Flag(opt.long);
        let step = if opt.value.is_none() {
            parsed.apply(opt, origin, &[])
        } else {
            // The value ends the cluster. `-t=4` means `-t 4`, as no short option's value
            // can start with '='.
            let attached = cluster.get(i..).unwrap_or_default();
            i = cluster.len();
            if attached.is_empty() {
                match rest.next() {
                    Some(v) => parsed.apply(opt, origin, v),
                    None => Err(Error::new(origin, "missing value".into())),
                }
            } else {
                let v = attached.strip_prefix(b"=").unwrap_or(attached);
                parsed.apply(opt, origin, v)
            }
        };
        match step {
            Ok(Some(command)) => return Ok(Some(command)),
            Ok(None) => {}
            Err(e) => {
                first_err.get_or_insert(e);
            }
        }
    }
    first_err.map_or(Ok(None), Err)
}

/// The first non-empty value of `name` in `env`, as `getenv` would find it.
fn getenv<'a>(env: &[&'a [u8]], name: &str) -> Option<&'a [u8]> {
    env.iter()
        .find_map(|entry| entry.strip_prefix(name.as_bytes())?.strip_prefix(b"="))
        .filter(|v| !v.is_empty())
}

/// `LISTEN_PID` and `LISTEN_FDS`, as sd_listen_fds(3) reads them: both or
/// neither, decimal, the count at least one.
fn listen_fds(env: &[&[u8]]) -> Result<Option<ListenFds>, Error> {
    let (pid, count) = match (getenv(env, "LISTEN_PID"), getenv(env, "LISTEN_FDS")) {
        (None, None) => return Ok(None),
        (Some(_), None) => {
            return Err(Error::new("LISTEN_PID", "set without LISTEN_FDS".into()));
        }
        (None, Some(_)) => {
            return Err(Error::new("LISTEN_FDS", "set without LISTEN_PID".into()));
        }
        (Some(pid), Some(count)) => (pid, count),
    };
    let pid = parse_uint(pid)
        .filter(|&p| p > 0)
        .and_then(|p| u32::try_from(p).ok())
        .ok_or_else(|| Error::new("LISTEN_PID", format!("{} is not a process id", q(pid))))?;
    let count = parse_uint(count)
        .filter(|n| (1..=LISTEN_FDS_MAX).contains(n))
        .ok_or_else(|| {
            Error::new(
                "LISTEN_FDS",
                format!("{} is not a count from 1 to {LISTEN_FDS_MAX}", q(count)),
            )
        })?;
    Ok(Some(ListenFds {
        pid,
        count: count as u32,
    }))
}

/// Digits only, no sign or spaces; saturates, so huge numbers read as out of range.
fn parse_uint(v: &[u8]) -> Option<u64> {
    if v.is_empty() {
        return None;
    }
    v.iter().try_fold(0u64, |n, &b| {
        b.is_ascii_digit()
            .then(|| n.saturating_mul(10).saturating_add(u64::from(b - b'0')))
    })
}

fn parse_threads(v: &[u8]) -> Result<usize, String> {
    let n = parse_uint(v).ok_or_else(|| format!("{} is not a positive integer", q(v)))?;
    match usize::try_from(n) {
        Ok(n) if (1..=MAX_THREADS).contains(&n) => Ok(n),
        _ => Err(format!("{} is out of range (1 to {MAX_THREADS})", q(v))),
    }
}

fn parse_grace(v: &[u8]) -> Result<u32, String> {
    let n = parse_uint(v).ok_or_else(|| format!("{} is not a whole number of seconds", q(v)))?;
    match u32::try_from(n) {
        Ok(n) if n <= MAX_GRACE_SECS => Ok(n),
        _ => Err(format!("{} is out of range (0 to {MAX_GRACE_SECS})", q(v))),
    }
}

/// The largest size `--cache-max-*` accepts: 1 TiB.
const SIZE_MAX: u64 = 1 << 40;

/// A byte count: digits with an optional binary suffix K, M or G (case-insensitive).
fn parse_size(v: &[u8]) -> Result<u64, String> {
    let bad = || {
        format!(
            "{} is not a size (digits, optionally followed by K, M or G)",
            q(v)
        )
    };
    let (digits, shift) = match v.last().map(u8::to_ascii_uppercase) {
        Some(b'K') => (&v[..v.len() - 1], 10),
        Some(b'M') => (&v[..v.len() - 1], 20),
        Some(b'G') => (&v[..v.len() - 1], 30),
        _ => (v, 0),
    };
    let n = parse_uint(digits).ok_or_else(bad)?;
    match n.checked_mul(1 << shift) {
        Some(n) if n <= SIZE_MAX => Ok(n),
        _ => Err(format!("{} is out of range (at most 1T)", q(v))),
    }
}

/// A timeout: seconds as for [`parse_millis`], but never zero.
fn parse_timeout(v: &[u8]) -> Result<u64, String> {
    match parse_millis(v)? {
        0 => Err(format!("{} must be more than 0", q(v))),
        ms => Ok(ms),
    }
}

/// A `--user` value: a name or UID, optionally `:GID`; resolved at start-up.
fn check_user(v: &[u8]) -> Result<(), String> {
    let (user, group) = match v.iter().position(|&b| b == b':') {
        Some(i) => (&v[..i], Some(&v[i + 1..])),
        None => (v, None),
    };
    let name_ok = !user.is_empty()
        && user
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || b"._-".contains(&b));
    let group_ok =
        group.is_none_or(|g| !g.is_empty() && g.len() <= 10 && g.iter().all(u8::is_ascii_digit));
    if name_ok && group_ok {
        Ok(())
    } else {
        Err(format!("{} is not UID[:GID] or a user name", q(v)))
    }
}

/// A compression level, 1 to 9 as in gzip.
fn parse_level(v: &[u8]) -> Result<u8, String> {
    match parse_uint(v) {
        Some(n @ 1..=9) => Ok(n as u8),
        Some(_) => Err(format!("{} is out of range (1 to 9)", q(v))),
        None => Err(format!("{} is not a level from 1 to 9", q(v))),
    }
}

/// A count of at least one.
fn parse_count(v: &[u8]) -> Result<u64, String> {
    match parse_uint(v) {
        Some(n) if (1..=u32::MAX as u64).contains(&n) => Ok(n),
        Some(_) => Err(format!("{} is out of range (1 to {})", q(v), u32::MAX)),
        None => Err(format!("{} is not a positive integer", q(v))),
    }
}

/// Seconds with up to three decimals, as milliseconds (at most a day).
fn parse_millis(v: &[u8]) -> Result<u64, String> {
    let bad = || format!("{} is not a number of seconds (e.g. 1 or 0.25)", q(v));
    let (whole, frac) = match v.iter().position(|&b| b == b'.') {
        Some(i) => (&v[..i], &v[i + 1..]),
        None => (v, &b""[..]),
    };
    if frac.len() > 3 || (v.contains(&b'.') && frac.is_empty()) {
        return Err(bad());
    }
    let secs = parse_uint(whole).ok_or_else(bad)?;
    let mut ms = 0;
    for i in 0..3 {
        let d = match frac.get(i) {
            Some(b) if b.is_ascii_digit() => u64::from(b - b'0'),
            Some(_) => return Err(bad()),
            None => 0,
        };
        ms = ms * 10 + d;
    }
    match secs.checked_mul(1000).and_then(|s| s.checked_add(ms)) {
        Some(total) if total <= 86_400_000 => Ok(total),
        _ => Err(format!("{} is out of range (0 to 86400)", q(v))),
    }
}

/// A header field value (RFC 9110 §5.5): visible ASCII, spaces and tabs
/// inside, nothing that could end the line or smuggle another.
fn check_field_value(v: &[u8]) -> Result<(), String> {
    let inner_ok = v
        .iter()
        .all(|&b| b == b' ' || b == b'\t' || (0x21..=0x7e).contains(&b));
    let edges_ok =
        !v.starts_with(b" ") && !v.starts_with(b"\t") && !v.ends_with(b" ") && !v.ends_with(b"\t");
    if !v.is_empty() && inner_ok && edges_ok {
        Ok(())
    } else {
        Err(format!("{} is not a valid header value", q(v)))
    }
}

/// A `Name: value` header line; names that staticd sets itself (framing,
/// caching validators, encoding) are refused, since two of them would
/// contradict each other.
fn check_header(v: &[u8]) -> Result<(), String> {
    let Some(colon) = v.iter().position(|&b| b == b':') else {
        return Err(format!("{} is not 'NAME: VALUE'", q(v)));
    };
    let name = &v[..colon];
    if name.is_empty() || !name.iter().all(|&b| crate::http::request::is_tchar(b)) {
        return Err(format!("{} has an invalid header name", q(v)));
    }
    const OWN: &[&str] = &[
        "content-length",
        "transfer-encoding",
        "connection",
        "content-type",
        "content-encoding",
        "content-range",
        "etag",
        "last-modified",
        "date",
        "server",
        "vary",
        "accept-ranges",
        "location",
        "allow",
        "cache-control",
    ];
    if OWN
        .iter()
        .any(|own| own.as_bytes().eq_ignore_ascii_case(name))
    {
        return Err(format!(
            "{} is set by staticd itself (for Cache-Control use --cache-control)",
            q(v)
        ));
    }
    let value = v[colon + 1..].trim_ascii();
    if value.is_empty() {
        return Err(format!("{} has an empty value", q(v)));
    }
    check_field_value(value)
}

/// A path under ROOT for --fallback and --404: absolute in URL terms
/// (`/index.html`), without `..` or dot segments, no NUL.
fn check_site_path(v: &[u8]) -> Result<(), String> {
    let ok = v.first() == Some(&b'/')
        && !v.ends_with(b"/")
        && !v.contains(&0)
        && v[1..]
            .split(|&b| b == b'/')
            .all(|seg| !seg.is_empty() && seg[0] != b'.');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{} is not a file path under ROOT like /index.html",
            q(v)
        ))
    }
}

fn check_log_path(v: &[u8]) -> Result<(), String> {
    if v.contains(&0) {
        Err(format!("{} contains a NUL byte", q(v)))
    } else if v.len() > ROOT_MAX {
        Err(format!("{} is longer than {ROOT_MAX} bytes", q(v)))
    } else {
        Ok(())
    }
}

/// `common` or `json`: whether lines are JSON.
fn parse_log_format(v: &[u8]) -> Result<bool, String> {
    match v {
        b"common" => Ok(false),
        b"json" => Ok(true),
        _ => Err(format!("{} is not 'common' or 'json'", q(v))),
    }
}

fn check_index(v: &[u8]) -> Result<(), String> {
    if v.contains(&0) {
        Err(format!("{} contains a NUL byte", q(v)))
    } else if v.contains(&b'/') || v == b"." || v == b".." {
        Err(format!("{} must be a plain file name", q(v)))
    } else if v.len() > NAME_MAX {
        Err(format!("{} is longer than {NAME_MAX} bytes", q(v)))
    } else {
        Ok(())
    }
}

fn check_root(v: &[u8]) -> Result<(), String> {
    if v.is_empty() {
        Err("empty value".into())
    } else if v.contains(&0) {
        Err(format!("{} contains a NUL byte", q(v)))
    } else if v.len() > ROOT_MAX {
        Err(format!("{} is longer than {ROOT_MAX} bytes", q(v)))
    } else {
        Ok(())
    }
}

/// Adds each address of a comma-separated list to `list`.
fn add_addrs(list: &mut Vec<SocketAddr>, value: &[u8]) -> Result<(), String> {
    for item in value.split(|&b| b == b',') {
        let item = item.trim_ascii();
        if item.is_empty() {
            return Err(format!("{}: empty entry in list", q(value)));
        }
        let addr = parse_addr(item).map_err(|why| format!("{}: {why}", q(item)))?;
        if addr.port() != 0 && list.contains(&addr) {
            return Err(format!("'{addr}' is given more than once"));
        }
        list.push(addr);
    }
    Ok(())
}

const NOT_ADDR: &str = "not an IP address and port, e.g. 1.2.3.4:8080 or [::1]:8080";
const NOT_V6: &str = "not a valid IPv6 address";
const HOSTNAME: &str = "hostnames are not supported, use an IP address";
const SCOPE: &str = "IPv6 scope ids (%...) are not supported";
const MISSING_PORT: &str = "missing port, e.g. 1.2.3.4:8080 or [::1]:8080";
const BAD_PORT: &str = "port must be a number from 0 to 65535";
const BRACKETS: &str = "IPv6 addresses need brackets, e.g. [::1]:8080";

/// One `ADDR:PORT`, `PORT` or `:PORT`.
fn parse_addr(item: &[u8]) -> Result<SocketAddr, &'static str> {
    let s = core::str::from_utf8(item).map_err(|_| NOT_ADDR)?;
    if s.contains('%') {
        // core accepts numeric scope ids, but a scope is meaningless without interface lookup.
        return Err(SCOPE);
    }
    let port = s.strip_prefix(':').unwrap_or(s);
    if !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) {
        return port
            .parse::<u16>()
            .map(|p| SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, p)))
            .map_err(|_| BAD_PORT);
    }
    s.parse::<SocketAddr>().map_err(|_| diagnose(s))
}

/// Why `s`, which is not a valid socket address, is not.
fn diagnose(s: &str) -> &'static str {
    if let Some(bracketed) = s.strip_prefix('[') {
        let Some((host, after)) = bracketed.split_once(']') else {
            return NOT_ADDR;
        };
        if host.parse::<Ipv6Addr>().is_err() {
            return if is_hostname(host) { HOSTNAME } else { NOT_V6 };
        }
        return match after.strip_prefix(':') {
            Some(port) => port_problem(port),
            None if after.is_empty() => MISSING_PORT,
            None => NOT_ADDR,
        };
    }
    if s.bytes().filter(|&b| b == b':').count() >= 2 {
        let v6 = s.parse::<Ipv6Addr>().is_ok()
            || s.rsplit_once(':')
                .is_some_and(|(h, _)| h.parse::<Ipv6Addr>().is_ok());
        return if v6 { BRACKETS } else { NOT_ADDR };
    }
    let (host, port) = match s.split_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (s, None),
    };
    if host.parse::<Ipv4Addr>().is_err() {
        return if is_hostname(host) {
            HOSTNAME
        } else {
            NOT_ADDR
        };
    }
    port.map_or(MISSING_PORT, port_problem)
}

fn port_problem(port: &str) -> &'static str {
    if port.is_empty() {
        MISSING_PORT
    } else {
        BAD_PORT
    }
}

/// Looks like a DNS name: letters, digits, dots and dashes, starting with a letter or digit and
/// with at least one letter.
fn is_hostname(s: &str) -> bool {
    s.bytes().next().is_some_and(|b| b.is_ascii_alphanumeric())
        && s.bytes().any(|b| b.is_ascii_alphabetic())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
}

#[cfg(test)]
mod tests;
