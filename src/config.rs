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
        help: "how often entries inotify cannot vouch\n\
               for (behind symlinks, hard-linked, in\n\
               unwatched directories) are rechecked\n\
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
mod tests {
    use super::*;
    use std::string::ToString;

    fn parse_with(args: &[&[u8]], env: &[&[u8]]) -> Result<Command, Error> {
        parse(args, env)
    }

    fn run(args: &[&str], env: &[&str]) -> Result<Command, Error> {
        let args: Vec<&[u8]> = args.iter().map(|a| a.as_bytes()).collect();
        let env: Vec<&[u8]> = env.iter().map(|e| e.as_bytes()).collect();
        parse_with(&args, &env)
    }

    fn serve(args: &[&str], env: &[&str]) -> Config {
        match run(args, env) {
            Ok(Command::Serve(c)) => *c,
            other => panic!("{args:?} {env:?}: expected Serve, got {other:?}"),
        }
    }

    fn fail(args: &[&str], env: &[&str]) -> String {
        match run(args, env) {
            Err(e) => e.to_string(),
            other => panic!("{args:?} {env:?}: expected an error, got {other:?}"),
        }
    }

    fn fail_bytes(args: &[&[u8]], env: &[&[u8]]) -> String {
        match parse_with(args, env) {
            Err(e) => e.to_string(),
            other => panic!("{args:?}: expected an error, got {other:?}"),
        }
    }

    fn sa(s: &str) -> SocketAddr {
        s.parse().unwrap()
    }

    /// Every way to write `--NAME VALUE`, for an option with a short `-S` (if any).
    fn spellings(long: &str, short: Option<char>, value: &str) -> Vec<Vec<String>> {
        let mut v = vec![
            vec![format!("--{long}"), value.to_string()],
            vec![format!("--{long}={value}")],
        ];
        if let Some(s) = short {
            v.push(vec![format!("-{s}"), value.to_string()]);
            if !value.is_empty() {
                // `-t` with nothing attached takes the next argument instead.
                v.push(vec![format!("-{s}{value}")]);
            }
            v.push(vec![format!("-{s}={value}")]);
        }
        v
    }

    fn serve_owned(args: &[String], env: &[&str]) -> Config {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        serve(&args, env)
    }

    fn fail_owned(args: &[String], env: &[&str]) -> String {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        fail(&args, env)
    }

    // ---- defaults ----

    #[test]
    fn defaults() {
        let c = serve(&[], &[]);
        assert_eq!(c, Config::default());
        assert_eq!(c.root, b".");
        assert_eq!(c.listen, vec![sa("0.0.0.0:8080")]);
        assert_eq!(c.threads, None);
        assert_eq!(c.index, b"index.html");
        assert_eq!(c.grace_secs, 10);
    }

    #[test]
    fn cache_options() {
        let c = serve_owned(&[], &[]);
        assert_eq!(
            (
                c.cache_max_file_size,
                c.cache_max_bytes,
                c.cache_max_entries,
                c.cache_ttl_ms
            ),
            (16384, 64 << 20, 4096, 1000)
        );
        let args: Vec<String> = [
            "--cache-max-file-size=64K",
            "--cache-max-bytes",
            "1g",
            "--cache-max-entries=10",
            "--cache-ttl",
            "0.25",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let c = serve_owned(&args, &[]);
        assert_eq!(
            (
                c.cache_max_file_size,
                c.cache_max_bytes,
                c.cache_max_entries,
                c.cache_ttl_ms
            ),
            (65536, 1 << 30, 10, 250)
        );
        assert_eq!(parse_size(b"0"), Ok(0));
        assert_eq!(parse_size(b"12"), Ok(12));
        assert_eq!(parse_size(b"2M"), Ok(2 << 20));
        assert_eq!(parse_size(b"1024G"), Ok(1 << 40));
        for bad in [
            &b""[..],
            b"K",
            b"1.5M",
            b"-1",
            b"1KB",
            b"1T",
            b"1025G",
            b" 1",
            b"99999999999999999999",
        ] {
            assert!(parse_size(bad).is_err(), "{bad:?}");
        }
        assert_eq!(parse_millis(b"1"), Ok(1000));
        assert_eq!(parse_millis(b"0"), Ok(0));
        assert_eq!(parse_millis(b"0.5"), Ok(500));
        assert_eq!(parse_millis(b"2.125"), Ok(2125));
        assert_eq!(parse_millis(b"86400"), Ok(86_400_000));
        for bad in [
            &b""[..],
            b".",
            b"1.",
            b".5",
            b"0.1234",
            b"1e3",
            b"-1",
            b"86400.001",
            b"1,5",
        ] {
            assert!(parse_millis(bad).is_err(), "{bad:?}");
        }
        assert_eq!(parse_level(b"1"), Ok(1));
        assert_eq!(parse_level(b"9"), Ok(9));
        for bad in [&b"0"[..], b"10", b"", b"x", b"-1"] {
            assert!(parse_level(bad).is_err(), "{bad:?}");
        }
        let c = serve(
            &[
                "--no-compress",
                "--compress-level",
                "1",
                "--compress-max-size=2M",
            ],
            &[],
        );
        assert_eq!(
            (c.no_compress, c.compress_level, c.compress_max_size),
            (true, 1, 2 << 20)
        );
        let c = serve(&[], &[]);
        assert_eq!(
            (c.no_compress, c.compress_level, c.compress_max_size),
            (false, 6, 1 << 20)
        );
        let c = serve(
            &[
                "--header-timeout",
                "2.5",
                "--keepalive-timeout=1",
                "--send-timeout",
                "0.1",
                "--max-connections",
                "5",
            ],
            &[],
        );
        assert_eq!(
            (
                c.header_timeout_ms,
                c.keepalive_timeout_ms,
                c.send_timeout_ms,
                c.max_connections
            ),
            (2500, 1000, 100, 5)
        );
        let c = serve(&[], &[]);
        assert_eq!(
            (
                c.header_timeout_ms,
                c.keepalive_timeout_ms,
                c.send_timeout_ms,
                c.max_connections
            ),
            (10_000, 15_000, 30_000, 10_000)
        );
        assert!(parse_timeout(b"0").is_err());
        assert!(parse_timeout(b"0.000").is_err());
        assert_eq!(parse_timeout(b"0.001"), Ok(1));
        let c = serve(&["--user", "1000:1000", "--no-seccomp"], &[]);
        assert_eq!(
            (c.user.as_deref(), c.no_seccomp),
            (Some(&b"1000:1000"[..]), true)
        );
        let c = serve(&[], &[]);
        assert_eq!((c.user, c.no_seccomp), (None, false));
        for good in [&b"www-data"[..], b"65534", b"nobody:65534", b"a.b_c-d"] {
            assert!(check_user(good).is_ok(), "{good:?}");
        }
        for bad in [&b""[..], b":1", b"1:", b"1:x", b"a b", b"a/b", b"1:2:3"] {
            assert!(check_user(bad).is_err(), "{bad:?}");
        }
        let c = serve(
            &[
                "--cache-control",
                "public, max-age=3600",
                "--header",
                "Content-Security-Policy: default-src 'self'",
                "--header=X-Frame-Options: DENY",
                "--fallback",
                "/index.html",
                "--404",
                "/errors/404.html",
            ],
            &[],
        );
        assert_eq!(
            c.cache_control.as_deref(),
            Some(&b"public, max-age=3600"[..])
        );
        assert_eq!(
            c.headers,
            vec![
                b"Content-Security-Policy: default-src 'self'".to_vec(),
                b"X-Frame-Options: DENY".to_vec()
            ]
        );
        assert_eq!(c.fallback.as_deref(), Some(&b"/index.html"[..]));
        assert_eq!(c.not_found.as_deref(), Some(&b"/errors/404.html"[..]));
        for bad in [
            &b"no colon"[..],
            b": v",
            b"Bad Name: v",
            b"X:",
            b"X: a\r\nY: b",
            b"X: \x7f",
            b"Content-Length: 5",
            b"etag: x",
            b"X: a\nb",
        ] {
            assert!(check_header(bad).is_err(), "{bad:?}");
        }
        assert!(check_header(b"X-A:b").is_ok());
        for bad in [&b""[..], b" x", b"x ", b"a\rb", b"a\x00b", b"\xc3\xa9"] {
            assert!(check_field_value(bad).is_err(), "{bad:?}");
        }
        for bad in [
            &b"index.html"[..],
            b"/",
            b"/a/",
            b"/../x",
            b"/.env",
            b"/a//b",
            b"/a/./b",
            b"/a\x00",
        ] {
            assert!(check_site_path(bad).is_err(), "{bad:?}");
        }
        let err = parse(&[b"--header", b"X: a\r\nSet-Cookie: x"], &[]).unwrap_err();
        assert_eq!(err.what(), "--header");
        let probe = |args: &[&[u8]]| match parse(args, &[]) {
            Ok(Command::Probe(url, c)) => (url, c.listen[0]),
            other => panic!("{other:?}"),
        };
        assert_eq!(probe(&[b"--probe"]), (None, DEFAULT_LISTEN));
        assert_eq!(
            probe(&[b"--probe", b"http://127.0.0.1:81/health"])
                .0
                .as_deref(),
            Some(&b"http://127.0.0.1:81/health"[..])
        );
        assert_eq!(
            probe(&[b"-l", b"127.0.0.1:9000", b"--probe"]).1.to_string(),
            "127.0.0.1:9000"
        );
        // Not a URL: it stays ROOT.
        assert!(
            matches!(parse(&[b"--probe", b"www"], &[]), Ok(Command::Probe(None, c)) if c.root == b"www")
        );
        assert_eq!(parse_count(b"1"), Ok(1));
        assert!(parse_count(b"0").is_err());
        assert!(parse_count(b"x").is_err());
        let err = parse(&[b"--cache-max-bytes", b"lots"], &[]).unwrap_err();
        assert_eq!(err.what(), "--cache-max-bytes");
    }

    #[test]
    fn help_shows_the_real_defaults() {
        let d = Config::default();
        assert!(HELP.contains(&format!("[default: {}]", d.listen[0])));
        assert!(HELP.contains(&format!(
            "[default: {}]",
            core::str::from_utf8(&d.index).unwrap()
        )));
        assert!(HELP.contains(&format!("[default: {}]", d.grace_secs)));
        assert!(HELP.contains(&format!(
            "[default: {}]",
            core::str::from_utf8(&d.root).unwrap()
        )));
        assert!(HELP.contains("[default: one per CPU]"));
        assert!(HELP.contains(&format!("1 to {MAX_THREADS}")));
        assert!(HELP.contains(&format!("0 to {MAX_GRACE_SECS}")));
    }

    // ---- --listen ----

    #[test]
    fn listen_every_spelling() {
        for addr in ["1.2.3.4:80", "[::1]:8080", "[::]:80"] {
            for args in spellings("listen", Some('l'), addr) {
                assert_eq!(serve_owned(&args, &[]).listen, vec![sa(addr)], "{args:?}");
            }
        }
    }

    #[test]
    fn listen_accepted_forms() {
        let cases: &[(&str, &str)] = &[
            ("1.2.3.4:80", "1.2.3.4:80"),
            ("127.0.0.1:8080", "127.0.0.1:8080"),
            ("0.0.0.0:0", "0.0.0.0:0"),
            ("255.255.255.255:65535", "255.255.255.255:65535"),
            ("1.2.3.4:080", "1.2.3.4:80"),
            ("[::1]:80", "[::1]:80"),
            ("[::]:80", "[::]:80"),
            ("[::]:0", "[::]:0"),
            ("[2001:db8::1]:443", "[2001:db8::1]:443"),
            ("[::ffff:1.2.3.4]:80", "[::ffff:1.2.3.4]:80"),
            ("[fe80::1]:80", "[fe80::1]:80"),
            ("8080", "0.0.0.0:8080"),
            (":8080", "0.0.0.0:8080"),
            ("0", "0.0.0.0:0"),
            (":0", "0.0.0.0:0"),
            ("65535", "0.0.0.0:65535"),
            ("00080", "0.0.0.0:80"),
            (" 1.2.3.4:80 ", "1.2.3.4:80"),
        ];
        for &(input, want) in cases {
            assert_eq!(serve(&["-l", input], &[]).listen, vec![sa(want)], "{input}");
        }
    }

    #[test]
    fn listen_repeats_and_lists_add_in_order() {
        let c = serve(&["-l", "1.2.3.4:80", "--listen=[::1]:81", "-l82"], &[]);
        assert_eq!(
            c.listen,
            vec![sa("1.2.3.4:80"), sa("[::1]:81"), sa("0.0.0.0:82")]
        );
        let c = serve(&["-l", "1.2.3.4:80,[::1]:81 , 82", "-l", "83"], &[]);
        assert_eq!(
            c.listen,
            vec![
                sa("1.2.3.4:80"),
                sa("[::1]:81"),
                sa("0.0.0.0:82"),
                sa("0.0.0.0:83")
            ]
        );
    }

    #[test]
    fn listen_duplicates() {
        assert_eq!(
            fail(&["-l", "1.2.3.4:80", "-l", "1.2.3.4:80"], &[]),
            "--listen: '1.2.3.4:80' is given more than once"
        );
        assert_eq!(
            fail(&["-l", ":80", "-l", "0.0.0.0:80"], &[]),
            "--listen: '0.0.0.0:80' is given more than once"
        );
        assert_eq!(
            fail(&["-l", "[::1]:80,[0:0::1]:80"], &[]),
            "--listen: '[::1]:80' is given more than once"
        );
        assert_eq!(
            fail(&[], &["STATICD_LISTEN=80,80"]),
            "STATICD_LISTEN: '0.0.0.0:80' is given more than once"
        );
        // Port 0 means a fresh kernel-chosen port each time.
        assert_eq!(serve(&["-l", "0", "-l", ":0"], &[]).listen.len(), 2);
        // Same port, different addresses: the server's bind decides.
        assert_eq!(
            serve(&["-l", "[::]:80", "-l", "0.0.0.0:80"], &[])
                .listen
                .len(),
            2
        );
    }

    #[test]
    fn listen_errors() {
        let cases: &[(&str, &str)] = &[
            (
                "1.2.3.4",
                "'1.2.3.4': missing port, e.g. 1.2.3.4:8080 or [::1]:8080",
            ),
            (
                "1.2.3.4:",
                "'1.2.3.4:': missing port, e.g. 1.2.3.4:8080 or [::1]:8080",
            ),
            (
                "[::1]",
                "'[::1]': missing port, e.g. 1.2.3.4:8080 or [::1]:8080",
            ),
            (
                "[::1]:",
                "'[::1]:': missing port, e.g. 1.2.3.4:8080 or [::1]:8080",
            ),
            (
                "1.2.3.4:99999",
                "'1.2.3.4:99999': port must be a number from 0 to 65535",
            ),
            (
                "1.2.3.4:65536",
                "'1.2.3.4:65536': port must be a number from 0 to 65535",
            ),
            (
                "1.2.3.4:-1",
                "'1.2.3.4:-1': port must be a number from 0 to 65535",
            ),
            (
                "1.2.3.4:+80",
                "'1.2.3.4:+80': port must be a number from 0 to 65535",
            ),
            (
                "1.2.3.4:http",
                "'1.2.3.4:http': port must be a number from 0 to 65535",
            ),
            (
                "1.2.3.4:8 0",
                "'1.2.3.4:8 0': port must be a number from 0 to 65535",
            ),
            (
                "[::1]:99999",
                "'[::1]:99999': port must be a number from 0 to 65535",
            ),
            (
                "[::1]:x",
                "'[::1]:x': port must be a number from 0 to 65535",
            ),
            ("99999", "'99999': port must be a number from 0 to 65535"),
            (":65536", "':65536': port must be a number from 0 to 65535"),
            (
                "99999999999999999999999",
                "'99999999999999999999999': port must be a number from 0 to 65535",
            ),
            (
                "::1:80",
                "'::1:80': IPv6 addresses need brackets, e.g. [::1]:8080",
            ),
            (
                "::1",
                "'::1': IPv6 addresses need brackets, e.g. [::1]:8080",
            ),
            ("::", "'::': IPv6 addresses need brackets, e.g. [::1]:8080"),
            (
                "fe80::1:80",
                "'fe80::1:80': IPv6 addresses need brackets, e.g. [::1]:8080",
            ),
            (
                "2001:db8::1",
                "'2001:db8::1': IPv6 addresses need brackets, e.g. [::1]:8080",
            ),
            (
                "host:80",
                "'host:80': hostnames are not supported, use an IP address",
            ),
            (
                "localhost:8080",
                "'localhost:8080': hostnames are not supported, use an IP address",
            ),
            (
                "localhost",
                "'localhost': hostnames are not supported, use an IP address",
            ),
            (
                "example.com:443",
                "'example.com:443': hostnames are not supported, use an IP address",
            ),
            (
                "my-host",
                "'my-host': hostnames are not supported, use an IP address",
            ),
            (
                "[localhost]:80",
                "'[localhost]:80': hostnames are not supported, use an IP address",
            ),
            (
                "[fe80::1%eth0]:80",
                "'[fe80::1%eth0]:80': IPv6 scope ids (%...) are not supported",
            ),
            (
                "[fe80::1%2]:80",
                "'[fe80::1%2]:80': IPv6 scope ids (%...) are not supported",
            ),
            (
                "[::1%0]:80",
                "'[::1%0]:80': IPv6 scope ids (%...) are not supported",
            ),
            ("[1.2.3.4]:80", "'[1.2.3.4]:80': not a valid IPv6 address"),
            ("[::g]:80", "'[::g]:80': not a valid IPv6 address"),
            ("[]:80", "'[]:80': not a valid IPv6 address"),
            (
                "[::1:80",
                "'[::1:80': not an IP address and port, e.g. 1.2.3.4:8080 or [::1]:8080",
            ),
            (
                "[::1]80",
                "'[::1]80': not an IP address and port, e.g. 1.2.3.4:8080 or [::1]:8080",
            ),
            (
                "1.2.3:80",
                "'1.2.3:80': not an IP address and port, e.g. 1.2.3.4:8080 or [::1]:8080",
            ),
            (
                "1.2.3.4.5:80",
                "'1.2.3.4.5:80': not an IP address and port, e.g. 1.2.3.4:8080 or [::1]:8080",
            ),
            (
                "256.1.1.1:80",
                "'256.1.1.1:80': not an IP address and port, e.g. 1.2.3.4:8080 or [::1]:8080",
            ),
            (
                "01.2.3.4:80",
                "'01.2.3.4:80': not an IP address and port, e.g. 1.2.3.4:8080 or [::1]:8080",
            ),
            (
                "1:2",
                "'1:2': not an IP address and port, e.g. 1.2.3.4:8080 or [::1]:8080",
            ),
            (
                "::80::",
                "'::80::': not an IP address and port, e.g. 1.2.3.4:8080 or [::1]:8080",
            ),
            (
                "*:80",
                "'*:80': not an IP address and port, e.g. 1.2.3.4:8080 or [::1]:8080",
            ),
            (
                "1.2.3.4 :80",
                "'1.2.3.4 :80': not an IP address and port, e.g. 1.2.3.4:8080 or [::1]:8080",
            ),
            (
                "h\u{e9}:80",
                "'h\\xc3\\xa9:80': not an IP address and port, e.g. 1.2.3.4:8080 or [::1]:8080",
            ),
            ("1.2.3.4:80,", "'1.2.3.4:80,': empty entry in list"),
            (",80", "',80': empty entry in list"),
            ("80,,81", "'80,,81': empty entry in list"),
            (",", "',': empty entry in list"),
            (" ", "' ': empty entry in list"),
            ("", "empty value"),
        ];
        for &(input, why) in cases {
            for args in spellings("listen", Some('l'), input) {
                assert_eq!(
                    fail_owned(&args, &[]),
                    format!("--listen: {why}"),
                    "{args:?}"
                );
            }
            if !input.is_empty() {
                assert_eq!(
                    fail(&[], &[&format!("STATICD_LISTEN={input}")]),
                    format!("STATICD_LISTEN: {why}"),
                    "{input}"
                );
            }
        }
    }

    #[test]
    fn listen_non_utf8() {
        assert_eq!(
            fail_bytes(&[b"-l", b"1.2.3.4:8\xff"], &[]),
            "--listen: '1.2.3.4:8\\xff': not an IP address and port, e.g. 1.2.3.4:8080 or [::1]:8080"
        );
    }

    #[test]
    fn listen_bad_entry_in_list_names_the_entry() {
        assert_eq!(
            fail(&["-l", "80,host:81,82"], &[]),
            "--listen: 'host:81': hostnames are not supported, use an IP address"
        );
    }

    // ---- --threads ----

    #[test]
    fn threads_every_spelling() {
        for n in ["1", "4", "1024", "0007"] {
            for args in spellings("threads", Some('t'), n) {
                let want = n.parse::<usize>().unwrap();
                assert_eq!(serve_owned(&args, &[]).threads, Some(want), "{args:?}");
            }
        }
    }

    #[test]
    fn threads_errors() {
        let cases: &[(&str, &str)] = &[
            ("abc", "'abc' is not a positive integer"),
            ("-1", "'-1' is not a positive integer"),
            ("+1", "'+1' is not a positive integer"),
            (" 1", "' 1' is not a positive integer"),
            ("1 ", "'1 ' is not a positive integer"),
            ("1.5", "'1.5' is not a positive integer"),
            ("4x", "'4x' is not a positive integer"),
            ("0x10", "'0x10' is not a positive integer"),
            ("0", "'0' is out of range (1 to 1024)"),
            ("000", "'000' is out of range (1 to 1024)"),
            ("1025", "'1025' is out of range (1 to 1024)"),
            ("4294967297", "'4294967297' is out of range (1 to 1024)"),
            (
                "99999999999999999999999999",
                "'99999999999999999999999999' is out of range (1 to 1024)",
            ),
            ("", "empty value"),
        ];
        for &(input, why) in cases {
            for args in spellings("threads", Some('t'), input) {
                assert_eq!(
                    fail_owned(&args, &[]),
                    format!("--threads: {why}"),
                    "{args:?}"
                );
            }
            if !input.is_empty() {
                assert_eq!(
                    fail(&[], &[&format!("STATICD_THREADS={input}")]),
                    format!("STATICD_THREADS: {why}")
                );
            }
        }
    }

    #[test]
    fn repeated_value_options_keep_the_last() {
        assert_eq!(serve(&["-t", "2", "--threads=3"], &[]).threads, Some(3));
        assert_eq!(serve(&["-t", "3", "-t", "2"], &[]).threads, Some(2));
        assert_eq!(serve(&["--index", "a", "--index", "b"], &[]).index, b"b");
        assert_eq!(serve(&["--grace", "5", "--grace=0"], &[]).grace_secs, 0);
    }

    #[test]
    fn overridden_values_are_still_checked() {
        assert_eq!(
            fail(&["-t", "x", "-t", "2"], &[]),
            "--threads: 'x' is not a positive integer"
        );
        assert_eq!(
            fail(&["--grace", "-1", "--grace", "2"], &[]),
            "--grace: '-1' is not a whole number of seconds"
        );
    }

    // ---- --index ----

    #[test]
    fn index_every_spelling() {
        for name in [
            "index.htm",
            "default",
            ".hidden",
            "...",
            "a b",
            "-x",
            "ind\\ex",
        ] {
            for args in spellings("index", None, name) {
                assert_eq!(serve_owned(&args, &[]).index, name.as_bytes(), "{args:?}");
            }
        }
        assert_eq!(serve(&["--index", &"a".repeat(255)], &[]).index.len(), 255);
        let c = parse_with(&[b"--index", b"\xff\xfe.html"], &[]).unwrap();
        assert_eq!(
            c,
            Command::Serve(Box::new(Config {
                index: b"\xff\xfe.html".to_vec(),
                ..Config::default()
            }))
        );
    }

    #[test]
    fn index_errors() {
        let long = "a".repeat(256);
        let long_shown = format!("'{}'...", "a".repeat(64));
        let cases: Vec<(&str, String)> = vec![
            ("", "empty value".into()),
            ("a/b", "'a/b' must be a plain file name".into()),
            ("/", "'/' must be a plain file name".into()),
            (
                "/index.html",
                "'/index.html' must be a plain file name".into(),
            ),
            (
                "index.html/",
                "'index.html/' must be a plain file name".into(),
            ),
            (".", "'.' must be a plain file name".into()),
            ("..", "'..' must be a plain file name".into()),
            ("a\0b", "'a\\x00b' contains a NUL byte".into()),
            (&long, format!("{long_shown} is longer than 255 bytes")),
        ];
        for (input, why) in &cases {
            for args in spellings("index", None, input) {
                assert_eq!(
                    fail_owned(&args, &[]),
                    format!("--index: {why}"),
                    "{args:?}"
                );
            }
        }
    }

    // ---- --grace ----

    #[test]
    fn grace_every_spelling() {
        for n in ["0", "1", "30", "86400"] {
            for args in spellings("grace", None, n) {
                let want = n.parse::<u32>().unwrap();
                assert_eq!(serve_owned(&args, &[]).grace_secs, want, "{args:?}");
            }
        }
    }

    #[test]
    fn grace_errors() {
        let cases: &[(&str, &str)] = &[
            ("x", "'x' is not a whole number of seconds"),
            ("-1", "'-1' is not a whole number of seconds"),
            ("1.5", "'1.5' is not a whole number of seconds"),
            ("10s", "'10s' is not a whole number of seconds"),
            ("86401", "'86401' is out of range (0 to 86400)"),
            ("4294967296", "'4294967296' is out of range (0 to 86400)"),
            ("", "empty value"),
        ];
        for &(input, why) in cases {
            for args in spellings("grace", None, input) {
                assert_eq!(
                    fail_owned(&args, &[]),
                    format!("--grace: {why}"),
                    "{args:?}"
                );
            }
        }
    }

    // ---- missing values, unknown options, flags with values ----

    #[test]
    fn missing_values() {
        for (args, what) in [
            (&["-l"][..], "--listen"),
            (&["--listen"], "--listen"),
            (&["-t"], "--threads"),
            (&["--threads"], "--threads"),
            (&["--index"], "--index"),
            (&["--grace"], "--grace"),
            (&["/srv", "-t", "2", "-l"], "--listen"),
        ] {
            assert_eq!(
                fail(args, &[]),
                format!("{what}: missing value"),
                "{args:?}"
            );
        }
    }

    #[test]
    fn value_is_taken_even_if_it_looks_like_an_option() {
        assert_eq!(serve(&["--index", "-h"], &[]).index, b"-h");
        assert_eq!(serve(&["--index", "--"], &[]).index, b"--");
        assert_eq!(
            fail(&["-l", "-h"], &[]),
            "--listen: '-h': not an IP address and port, e.g. 1.2.3.4:8080 or [::1]:8080"
        );
        assert_eq!(
            fail(&["-t", "--help"], &[]),
            "--threads: '--help' is not a positive integer"
        );
    }

    #[test]
    fn unknown_options() {
        let cases: &[(&str, &str)] = &[
            ("--bogus", "--bogus: unknown option"),
            ("--bogus=1", "--bogus: unknown option"),
            ("--lis", "--lis: unknown option"),
            ("--LISTEN", "--LISTEN: unknown option"),
            ("--Help", "--Help: unknown option"),
            ("---listen", "---listen: unknown option"),
            ("--=x", "--: unknown option"),
            ("--listen\n", "--listen\\x0a: unknown option"),
            ("-x", "-x: unknown option"),
            ("-L", "-L: unknown option"),
            ("-H", "-H: unknown option"),
            ("-v", "-v: unknown option"),
            ("-T4", "-T: unknown option"),
            ("-=", "-=: unknown option"),
            ("-\u{7f}", "-\\x7f: unknown option"),
            ("-", "-: not an option; for a ROOT named '-', write -- -"),
        ];
        for &(arg, msg) in cases {
            assert_eq!(fail(&[arg], &[]), msg, "{arg:?}");
        }
        assert_eq!(fail_bytes(&[b"-\xff"], &[]), "-\\xff: unknown option");
        let long = format!("--{}", "x".repeat(100));
        assert_eq!(
            fail(&[&long], &[]),
            format!("--{}...: unknown option", "x".repeat(64))
        );
    }

    #[test]
    fn flags_take_no_value() {
        assert_eq!(fail(&["--help=yes"], &[]), "--help: takes no value");
        assert_eq!(fail(&["--version="], &[]), "--version: takes no value");
    }

    #[test]
    fn short_clusters() {
        // A value ends the cluster.
        assert_eq!(
            fail(&["-t4l80"], &[]),
            "--threads: '4l80' is not a positive integer"
        );
        assert_eq!(
            fail(&["-l80t4"], &[]),
            "--listen: '80t4': hostnames are not supported, use an IP address"
        );
        assert_eq!(fail(&["-xy"], &[]), "-x: unknown option");
        assert_eq!(fail(&["-t="], &[]), "--threads: empty value");
        assert_eq!(
            fail(&["-t==4"], &[]),
            "--threads: '=4' is not a positive integer"
        );
        assert_eq!(fail(&["-xt"], &[]), "-x: unknown option");
        assert_eq!(run(&["-hx"], &[]).unwrap(), Command::Help);
    }

    // ---- help and version ----

    #[test]
    fn help_and_version_every_spelling() {
        for a in ["-h", "--help"] {
            assert_eq!(run(&[a], &[]).unwrap(), Command::Help);
        }
        for a in ["-V", "--version"] {
            assert_eq!(run(&[a], &[]).unwrap(), Command::Version);
        }
    }

    #[test]
    fn first_of_help_and_version_wins() {
        assert_eq!(run(&["-h", "-V"], &[]).unwrap(), Command::Help);
        assert_eq!(run(&["-V", "-h"], &[]).unwrap(), Command::Version);
        assert_eq!(
            run(&["--version", "--help"], &[]).unwrap(),
            Command::Version
        );
        assert_eq!(run(&["-hV"], &[]).unwrap(), Command::Help);
        assert_eq!(run(&["-Vh"], &[]).unwrap(), Command::Version);
    }

    #[test]
    fn help_and_version_beat_everything_else() {
        let bad_env = [
            "STATICD_THREADS=x",
            "STATICD_LISTEN=host:1",
            "STATICD_ROOT=a\0",
        ];
        for (args, want) in [
            (&["-h", "/srv", "-t", "4"][..], Command::Help),
            (&["/srv", "-l", "80", "--help"], Command::Help),
            (&["--bogus", "-h"], Command::Help),
            (&["-t", "x", "--help"], Command::Help),
            (&["a", "b", "--version"], Command::Version),
            (&["-xh"], Command::Help),
            (&["-Vt4"], Command::Version),
            (&["-hl"], Command::Help),
            (&["-V", "--listen"], Command::Version),
            (&["--help", "--bogus"], Command::Help),
        ] {
            assert_eq!(run(args, &[]).unwrap(), want, "{args:?}");
            assert_eq!(run(args, &bad_env).unwrap(), want, "{args:?}");
        }
        // Without help, the first bad variable in option-table order is reported.
        assert_eq!(
            fail(&[], &bad_env),
            "STATICD_LISTEN: 'host:1': hostnames are not supported, use an IP address"
        );
    }

    #[test]
    fn help_after_double_dash_is_a_root() {
        assert_eq!(serve(&["--", "-h"], &[]).root, b"-h");
        assert_eq!(serve(&["--", "--version"], &[]).root, b"--version");
    }

    // ---- ROOT ----

    #[test]
    fn root_positions() {
        assert_eq!(serve(&["/srv"], &[]).root, b"/srv");
        assert_eq!(serve(&["/srv", "-t", "2"], &[]).root, b"/srv");
        assert_eq!(serve(&["-t", "2", "/srv", "-l", "80"], &[]).root, b"/srv");
        assert_eq!(serve(&["--", "-dir"], &[]).root, b"-dir");
        assert_eq!(serve(&["--", "-"], &[]).root, b"-");
        assert_eq!(serve(&["--", "--"], &[]).root, b"--");
        assert_eq!(serve(&["-t", "2", "--"], &[]).root, b".");
        assert_eq!(serve(&["--", "a b"], &[]).root, b"a b");
        let c = parse_with(&[b"/srv/\xff\xfe"], &[]).unwrap();
        assert_eq!(
            c,
            Command::Serve(Box::new(Config {
                root: b"/srv/\xff\xfe".to_vec(),
                ..Config::default()
            }))
        );
        assert_eq!(serve(&[&"r".repeat(ROOT_MAX)], &[]).root.len(), ROOT_MAX);
    }

    #[test]
    fn options_after_double_dash_are_roots() {
        assert_eq!(fail(&["--", "-t", "4"], &[]), "ROOT: more than one given");
    }

    #[test]
    fn root_errors() {
        assert_eq!(fail(&["a", "b"], &[]), "ROOT: more than one given");
        assert_eq!(fail(&["a", "--", "b"], &[]), "ROOT: more than one given");
        assert_eq!(fail(&["--", "a", "b"], &[]), "ROOT: more than one given");
        assert_eq!(fail(&[""], &[]), "ROOT: empty value");
        assert_eq!(fail(&["--", ""], &[]), "ROOT: empty value");
        assert_eq!(fail(&["a\0b"], &[]), "ROOT: 'a\\x00b' contains a NUL byte");
        assert_eq!(
            fail(&[&"r".repeat(ROOT_MAX + 1)], &[]),
            format!("ROOT: '{}'... is longer than 4095 bytes", "r".repeat(64))
        );
        assert_eq!(fail(&["-dir"], &[]), "-d: unknown option");
    }

    // ---- the environment ----

    #[test]
    fn env_fallbacks() {
        let c = serve(
            &[],
            &[
                "PATH=/bin",
                "STATICD_LISTEN=1.2.3.4:80, [::1]:81",
                "STATICD_THREADS=3",
                "STATICD_ROOT=/srv/www",
            ],
        );
        assert_eq!(c.listen, vec![sa("1.2.3.4:80"), sa("[::1]:81")]);
        assert_eq!(c.threads, Some(3));
        assert_eq!(c.root, b"/srv/www");
        assert_eq!(c.index, b"index.html");
        assert_eq!(c.grace_secs, 10);
    }

    #[test]
    fn command_line_beats_env() {
        let env = [
            "STATICD_LISTEN=1.2.3.4:80,81",
            "STATICD_THREADS=3",
            "STATICD_ROOT=/env",
        ];
        let c = serve(&["-l", "90", "-t", "5", "/arg"], &env);
        assert_eq!(c.listen, vec![sa("0.0.0.0:90")]);
        assert_eq!(c.threads, Some(5));
        assert_eq!(c.root, b"/arg");
        // Only what the command line sets is overridden.
        let c = serve(&["-t", "5"], &env);
        assert_eq!(c.listen, vec![sa("1.2.3.4:80"), sa("0.0.0.0:81")]);
        assert_eq!(c.root, b"/env");
    }

    #[test]
    fn overridden_env_is_not_checked() {
        let bad = [
            "STATICD_LISTEN=host:80",
            "STATICD_THREADS=x",
            "STATICD_ROOT=a\0",
        ];
        let c = serve(&["-l", "80", "-t", "2", "/srv"], &bad);
        assert_eq!(c.threads, Some(2));
        // `--listen` replaces the variable even when it lists an address the variable also has.
        assert_eq!(
            serve(&["-l", "80"], &["STATICD_LISTEN=80"]).listen,
            vec![sa("0.0.0.0:80")]
        );
    }

    #[test]
    fn env_errors_name_the_variable() {
        assert_eq!(
            fail(&[], &["STATICD_THREADS=x"]),
            "STATICD_THREADS: 'x' is not a positive integer"
        );
        assert_eq!(
            fail(&[], &["STATICD_THREADS=0"]),
            "STATICD_THREADS: '0' is out of range (1 to 1024)"
        );
        assert_eq!(
            fail(&[], &["STATICD_LISTEN=localhost:80"]),
            "STATICD_LISTEN: 'localhost:80': hostnames are not supported, use an IP address"
        );
        assert_eq!(
            fail(&[], &["STATICD_ROOT=a\0b"]),
            "STATICD_ROOT: 'a\\x00b' contains a NUL byte"
        );
        assert_eq!(
            fail_bytes(&[], &[b"STATICD_THREADS=\x1b[31m"]),
            "STATICD_THREADS: '\\x1b[31m' is not a positive integer"
        );
    }

    #[test]
    fn listing_and_access_log_options() {
        let c = serve(&[], &[]);
        assert_eq!((c.listing, c.access_log, c.log_json), (false, None, false));
        let c = serve(
            &["--listing", "--access-log", "-", "--log-format", "json"],
            &[],
        );
        assert_eq!(
            (c.listing, c.access_log.as_deref(), c.log_json),
            (true, Some(&b"-"[..]), true)
        );
        let c = serve(
            &[
                "--access-log=/var/log/a b.log",
                "--log-format=json",
                "--log-format",
                "common",
            ],
            &[],
        );
        assert_eq!(
            (c.access_log.as_deref(), c.log_json),
            (Some(&b"/var/log/a b.log"[..]), false)
        );
        assert_eq!(fail(&["--listing=yes"], &[]), "--listing: takes no value");
        assert_eq!(fail(&["--access-log"], &[]), "--access-log: missing value");
        assert_eq!(
            fail(&["--access-log", ""], &[]),
            "--access-log: empty value"
        );
        assert_eq!(
            fail(&["--access-log", "a\0b"], &[]),
            "--access-log: 'a\\x00b' contains a NUL byte"
        );
        assert_eq!(
            fail(&["--log-format", "xml"], &[]),
            "--log-format: 'xml' is not 'common' or 'json'"
        );
        assert_eq!(
            fail(&["--log-format", "JSON"], &[]),
            "--log-format: 'JSON' is not 'common' or 'json'"
        );
    }

    #[test]
    fn socket_activation_variables() {
        assert_eq!(serve(&[], &[]).listen_fds, None);
        assert_eq!(
            serve(&[], &["LISTEN_PID=42", "LISTEN_FDS=2"]).listen_fds,
            Some(ListenFds { pid: 42, count: 2 })
        );
        // systemd also sets LISTEN_FDNAMES; it is not needed.
        assert_eq!(
            serve(&[], &["LISTEN_FDNAMES=web", "LISTEN_FDS=1", "LISTEN_PID=7"]).listen_fds,
            Some(ListenFds { pid: 7, count: 1 })
        );
        assert_eq!(serve(&[], &["LISTEN_PID=", "LISTEN_FDS="]).listen_fds, None);
        for (env, want) in [
            (&["LISTEN_PID=1"][..], "LISTEN_PID: set without LISTEN_FDS"),
            (&["LISTEN_FDS=1"][..], "LISTEN_FDS: set without LISTEN_PID"),
            (
                &["LISTEN_PID=x", "LISTEN_FDS=1"][..],
                "LISTEN_PID: 'x' is not a process id",
            ),
            (
                &["LISTEN_PID=0", "LISTEN_FDS=1"][..],
                "LISTEN_PID: '0' is not a process id",
            ),
            (
                &["LISTEN_PID=99999999999", "LISTEN_FDS=1"][..],
                "LISTEN_PID: '99999999999' is not a process id",
            ),
            (
                &["LISTEN_PID=1", "LISTEN_FDS=0"][..],
                "LISTEN_FDS: '0' is not a count from 1 to 1024",
            ),
            (
                &["LISTEN_PID=1", "LISTEN_FDS=-1"][..],
                "LISTEN_FDS: '-1' is not a count from 1 to 1024",
            ),
            (
                &["LISTEN_PID=1", "LISTEN_FDS=1025"][..],
                "LISTEN_FDS: '1025' is not a count from 1 to 1024",
            ),
        ] {
            assert_eq!(fail(&[], env), want, "{env:?}");
        }
    }

    #[test]
    fn command_line_errors_come_before_env_errors() {
        assert_eq!(
            fail(&["--bogus"], &["STATICD_THREADS=x"]),
            "--bogus: unknown option"
        );
    }

    #[test]
    fn first_error_is_reported() {
        assert_eq!(
            fail(&["--bogus", "-t", "x", "a", "b"], &[]),
            "--bogus: unknown option"
        );
        assert_eq!(
            fail(&["-t", "x", "--bogus"], &[]),
            "--threads: 'x' is not a positive integer"
        );
    }

    #[test]
    fn env_lookup_details() {
        // Empty counts as unset.
        assert_eq!(serve(&[], &["STATICD_THREADS="]).threads, None);
        assert_eq!(
            serve(&[], &["STATICD_LISTEN="]).listen,
            vec![DEFAULT_LISTEN]
        );
        assert_eq!(serve(&[], &["STATICD_ROOT="]).root, b".");
        // The first of duplicates counts, as with getenv, even when empty.
        assert_eq!(
            serve(&[], &["STATICD_THREADS=2", "STATICD_THREADS=3"]).threads,
            Some(2)
        );
        assert_eq!(
            serve(&[], &["STATICD_THREADS=", "STATICD_THREADS=3"]).threads,
            None
        );
        // Names match exactly.
        for e in [
            "STATICD_THREADSX=5",
            "XSTATICD_THREADS=5",
            "staticd_threads=5",
            "STATICD_THREADS",
            "STATICD_THREADS 5",
            "=5",
            "",
        ] {
            assert_eq!(serve(&[], &[e]).threads, None, "{e:?}");
        }
        // Only the first '=' separates the name.
        assert_eq!(serve(&[], &["STATICD_ROOT=a=b"]).root, b"a=b");
        // Options without a variable ignore look-alikes.
        let c = serve(
            &[],
            &["STATICD_INDEX=x/y", "STATICD_GRACE=x", "STATICD_HELP=1"],
        );
        assert_eq!(c, Config::default());
    }

    // ---- error formatting ----

    #[test]
    fn error_parts() {
        let e = run(&["--threads", "abc"], &[]).unwrap_err();
        assert_eq!(e.what(), "--threads");
        assert_eq!(e.why(), "'abc' is not a positive integer");
        assert_eq!(e.to_string(), "--threads: 'abc' is not a positive integer");
        let e = run(&["-t", "abc"], &[]).unwrap_err();
        assert_eq!(e.what(), "--threads");
    }

    #[test]
    fn values_are_escaped() {
        assert_eq!(
            fail(&["-t", "a\nb"], &[]),
            "--threads: 'a\\x0ab' is not a positive integer"
        );
        assert_eq!(
            fail(&["-t", "it's"], &[]),
            "--threads: 'it\\'s' is not a positive integer"
        );
        assert_eq!(
            fail(&["-t", "a\\b"], &[]),
            "--threads: 'a\\\\b' is not a positive integer"
        );
        assert_eq!(
            fail(&["-t", "\t\r\u{7f}"], &[]),
            "--threads: '\\x09\\x0d\\x7f' is not a positive integer"
        );
        assert_eq!(
            fail(&["-t", "\u{e9}"], &[]),
            "--threads: '\\xc3\\xa9' is not a positive integer"
        );
        assert_eq!(
            fail_bytes(&[b"-t", b"\xff\x00"], &[]),
            "--threads: '\\xff\\x00' is not a positive integer"
        );
    }

    #[test]
    fn values_are_truncated() {
        let exact = "a".repeat(SHOW_MAX);
        assert_eq!(
            fail(&["-t", &exact], &[]),
            format!("--threads: '{exact}' is not a positive integer")
        );
        let long = "a".repeat(SHOW_MAX + 1);
        assert_eq!(
            fail(&["-t", &long], &[]),
            format!("--threads: '{exact}'... is not a positive integer")
        );
        let huge = "\n".repeat(100_000);
        let msg = fail(&["-t", &huge], &[]);
        assert_eq!(
            msg.len(),
            "--threads: ''... is not a positive integer".len() + 4 * SHOW_MAX
        );
    }

    /// A tiny deterministic generator, so the fuzz test is reproducible.
    fn lcg(state: &mut u64) -> u64 {
        *state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        *state >> 33
    }

    #[test]
    fn fuzz_never_panics_and_errors_are_one_short_line() {
        const PIECES: &[&[u8]] = &[
            b"-",
            b"--",
            b"-l",
            b"-t",
            b"-h",
            b"-V",
            b"--listen",
            b"--threads",
            b"--index",
            b"--grace",
            b"--help",
            b"--version",
            b"=",
            b":",
            b"[",
            b"]",
            b"::1",
            b"1.2.3.4",
            b"80",
            b"0",
            b",",
            b" ",
            b"\n",
            b"\0",
            b"\xff",
            b"/",
            b".",
            b"%",
            b"a",
            b"99999",
        ];
        let mut state = 0x5eed;
        let mut errors = 0;
        for _ in 0..20_000 {
            let nargs = lcg(&mut state) % 5;
            let mut args: Vec<Vec<u8>> = Vec::new();
            for _ in 0..nargs {
                let mut a = Vec::new();
                for _ in 0..lcg(&mut state) % 4 {
                    let i = usize::try_from(lcg(&mut state)).unwrap() % PIECES.len();
                    a.extend_from_slice(PIECES[i]);
                }
                args.push(a);
            }
            let mut env_var = b"STATICD_LISTEN=".to_vec();
            env_var.extend_from_slice(args.first().map_or(&b"80"[..], |a| a));
            let refs: Vec<&[u8]> = args.iter().map(Vec::as_slice).collect();
            match parse(&refs, &[&env_var]) {
                Ok(Command::Serve(c)) => {
                    assert!(!c.listen.is_empty());
                    assert!(!c.root.is_empty() && !c.root.contains(&0));
                    assert!(c.threads.is_none_or(|n| (1..=MAX_THREADS).contains(&n)));
                    assert!(c.grace_secs <= MAX_GRACE_SECS);
                }
                Ok(_) => {}
                Err(e) => {
                    errors += 1;
                    let msg = e.to_string();
                    assert!(msg.len() < 400, "{msg}");
                    assert!(msg.bytes().all(|b| (b' '..=b'~').contains(&b)), "{msg:?}");
                    assert!(!e.what().is_empty() && !e.why().is_empty());
                }
            }
        }
        assert!(
            errors > 1000,
            "the fuzz inputs should reach the error paths"
        );
    }

    // ---- help text and the option table ----

    #[test]
    fn help_mentions_every_option() {
        for o in OPTIONS {
            assert!(HELP.contains(&format!("--{}", o.long)), "{}", o.long);
            if let Some(s) = o.short {
                let spelled = format!("-{}, --{}", char::from(s), o.long);
                assert!(HELP.contains(&spelled), "{spelled}");
            }
            if let Some(v) = o.value {
                assert!(HELP.contains(&format!("--{} {v}", o.long)), "{v}");
            }
            if let Some(env) = o.env {
                assert!(HELP.contains(&format!("[env: {env}]")), "{env}");
            }
            assert!(HELP.contains(o.help.lines().next().unwrap()));
        }
        for s in [
            "-l, --listen ADDR:PORT",
            "-t, --threads N",
            "--index NAME",
            "--grace SECONDS",
        ] {
            assert!(HELP.contains(s), "{s}");
        }
        for s in [
            "-h, --help",
            "-V, --version",
            "[ROOT]",
            "[env: STATICD_ROOT]",
        ] {
            assert!(HELP.contains(s), "{s}");
        }
        assert!(HELP.starts_with("Usage: staticd [OPTIONS] [ROOT]\n"));
    }

    #[test]
    fn help_layout() {
        assert_eq!(HELP.len(), HELP_LEN);
        assert!(HELP.ends_with('\n') && !HELP.ends_with("\n\n"));
        for line in HELP.lines() {
            assert!(line.len() <= 80, "too wide: {line:?}");
            assert_eq!(line, line.trim_end(), "trailing space: {line:?}");
            assert!(line.is_ascii());
        }
        // Descriptions and their continuation lines share one column.
        let mut cols = Vec::new();
        for line in HELP.lines().filter(|l| l.starts_with("  ")) {
            let lead = line.len() - line.trim_start().len();
            let col = if lead > 8 {
                lead
            } else {
                let gap = lead + line[lead..].find("  ").unwrap();
                gap + line[gap..].len() - line[gap..].trim_start().len()
            };
            cols.push(col);
        }
        assert!(cols.len() > OPTIONS.len());
        assert!(cols.iter().all(|&c| c == cols[0]), "{cols:?}");
    }

    #[test]
    fn option_table_is_consistent() {
        for (i, a) in OPTIONS.iter().enumerate() {
            assert!((a.id as u32) < u32::BITS);
            assert!(!a.long.is_empty() && !a.long.contains('=') && !a.long.starts_with('-'));
            assert!(a.short.is_none_or(|s| s.is_ascii_alphanumeric()));
            for b in &OPTIONS[i + 1..] {
                assert_ne!(a.id, b.id);
                assert_ne!(a.long, b.long);
                assert!(a.short.is_none() || a.short != b.short);
                assert!(a.env.is_none() || a.env != b.env);
            }
        }
    }

    #[test]
    fn version() {
        assert_eq!(VERSION, format!("staticd {}", env!("CARGO_PKG_VERSION")));
    }
}
