//! The command line and environment of `staticd [OPTIONS] [ROOT]`, parsed into a [`Command`].
//!
//! Pure: no syscalls. The caller passes argv without argv\[0\] and the raw `KEY=VALUE` environment.
//!
//! Every option is one entry of `OPTIONS`: its spellings, variable, help, default, and how a
//! value is checked and stored in [`Config`] (a `Store`). The parser, the environment
//! fallbacks, [`Config::default`] (each default parsed as if it were given) and [`HELP`]
//! (rendered at compile time, defaults included) all come from that table, so a new option is
//! one entry plus its `Config` field (and its row in README.md's option table, which a test
//! holds to the table). `args` reads argv and the environment, `values` holds the value
//! parsers, `help` renders the help.
//!
//! Rules, where tools differ:
//! - `--name VALUE`, `--name=VALUE`, `-xVALUE`, `-x VALUE` and `-x=VALUE` all work; the value after
//!   the option is taken whatever it looks like (getopt style), so `--index -x` names a file `-x`.
//!   Flags without a value bundle: `-hV`. Long names must be spelled in full.
//! - Options and ROOT may come in any order; `--` ends options, after it everything is ROOT, which
//!   is the only way to give a ROOT starting with `-`. A lone `-` is an error.
//! - The first `-h`/`--help`/`-V`/`--version` wins over everything else, even errors in other
//!   arguments or in the environment: `--version --help` prints the version.
//! - A repeated option keeps its last value, except `--listen`, `--header` and `--mime`, which
//!   add to what came before.
//!   Every value given is checked, even one later overridden.
//! - `--mime` takes `EXT=TYPE` items, comma-separated like `--listen` (a comma inside a quoted
//!   parameter value is the type's); EXT is matched in any case and TYPE must be a media type.
//! - ADDR:PORT is `1.2.3.4:80` or `[::1]:80`; `PORT` and `:PORT` mean `0.0.0.0:PORT`; several
//!   may be given comma-separated (spaces around commas are ignored), in `--listen` as in
//!   `STATICD_LISTEN`.
//!   Port 0 is allowed (the kernel picks one); hostnames and IPv6 scope ids (`%eth0`) are not.
//!   The same address twice is an error (port 0 excepted).
//! - A flag on the command line replaces its variable: any `--listen` ignores `STATICD_LISTEN`.
//!   An empty variable counts as unset; of duplicate variables the first counts, like `getenv`.
#![forbid(unsafe_code)]

mod args;
mod help;
#[cfg(test)]
mod tests;
mod values;

pub use args::parse;
pub use help::{HELP, help};

use crate::http::conditional::LastModifiedPolicy;
use crate::http::cors;
use crate::http::forwarded::Cidr;
use crate::http::mime::Types;
use crate::text;
use crate::text::Piece;
use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;
use core::net::SocketAddr;
use values::*;

/// What `--version` prints.
pub const VERSION: &str = concat!("staticd ", env!("CARGO_PKG_VERSION"));

/// The most worker threads `--threads` accepts.
pub const MAX_THREADS: usize = 1024;

/// The cache budget when `--cache-max-bytes` is not given and no cgroup memory limit
/// asks for less: 64 MiB.
pub const DEFAULT_CACHE_MAX_BYTES: u64 = 64 << 20;

/// The longest shutdown grace period `--grace` accepts, in seconds.
pub const MAX_GRACE_SECS: u32 = 86_400;

/// Declares [`Config`] and `Config::unset` from one list of fields, so a new field is
/// written once.
macro_rules! config {
    ($(#[$attr:meta])* pub struct Config {
        $($(#[doc = $doc:literal])+ pub $field:ident: $ty:ty,)+
    }) => {
        $(#[$attr])* pub struct Config {
            $($(#[doc = $doc])+ pub $field: $ty,)+
        }

        impl Config {
            /// Every field empty, zero or off: what the parser starts from.
            fn unset() -> Config {
                Config {
                    $($field: Default::default(),)+
                }
            }
        }
    };
}

config! {
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
        /// The cache's total budget in bytes; `None` leaves it to the server:
        /// [`DEFAULT_CACHE_MAX_BYTES`], less under a cgroup memory limit.
        pub cache_max_bytes: Option<u64>,
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
        /// TCP congestion control set on the listeners (accepted sockets inherit
        /// it); `None` leaves the host's default.
        pub tcp_congestion: Option<Vec<u8>>,
        /// The user to run as after binding: `UID[:GID]` or a name from /etc/passwd.
        pub user: Option<Vec<u8>>,
        /// Run without the seccomp allow-list.
        pub no_seccomp: bool,
        /// `Cache-Control` value for every 200, 206 and 304 no rule matches.
        pub cache_control: Option<Vec<u8>>,
        /// `(PATTERN, VALUE)` rules giving `Cache-Control` by URL path, first match first.
        pub cache_control_for: Vec<(Vec<u8>, Vec<u8>)>,
        /// SiteHeaders `Name: value` header lines for every response, checked.
        pub headers: Vec<Vec<u8>>,
        /// Content types by extension: the built-in table, with what `--mime` adds or
        /// overrides and `--default-type` for the rest (checked media types).
        pub types: Types,
        /// File served with 200 for paths that do not exist (single-page apps).
        pub fallback: Option<Vec<u8>>,
        /// File served as the body of 404 responses.
        pub not_found: Option<Vec<u8>>,
        /// Listening sockets passed by a supervisor (systemd's `LISTEN_PID`/`LISTEN_FDS`).
        pub listen_fds: Option<ListenFds>,
        /// Where the cgroup file system is, when not at /sys/fs/cgroup
        /// (`STATICD_CGROUP_ROOT`, for tests and unusual mounts).
        pub cgroup_root: Option<Vec<u8>>,
        /// HTML listings for directories without an index file.
        pub listing: bool,
        /// Where the access log goes: a file path, or `-` for stdout; none when unset.
        pub access_log: Option<Vec<u8>>,
        /// Access log lines as JSON rather than the Common (combined) Log Format.
        pub log_json: bool,
        /// When responses carry `Last-Modified`.
        pub last_modified: LastModifiedPolicy,
        /// The health path (`/healthz`), answered from memory: 200, or 503 once stopping.
        pub health: Option<Vec<u8>>,
        /// Seconds between SIGTERM and the graceful stop, serving on while health says 503.
        pub drain_secs: u32,
        /// Where `GET /metrics` is served in the Prometheus text format, apart from `listen`.
        pub metrics: Option<SocketAddr>,
        /// Proxies whose `X-Forwarded-For` / `X-Real-IP` name the client in the access log.
        pub real_ip_from: Vec<Cidr>,
        /// Which origins may read responses (CORS).
        pub cors: cors::Policy,
    }
}

/// Sockets a supervisor passed as descriptors 3, 4, ... (socket activation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListenFds {
    /// The process they are meant for; anyone else ignores them.
    pub pid: u32,
    /// How many, starting at descriptor 3.
    pub count: u32,
}

/// The most passed sockets accepted (systemd's own limit is far lower in practice).
const LISTEN_FDS_MAX: u64 = 1024;

impl Default for Config {
    /// What staticd does given no options: each option's default, parsed as if it were given.
    fn default() -> Self {
        let mut config = Config::unset();
        config.fill_defaults(0, false);
        config
    }
}

impl Config {
    /// Gives each option whose bit (by `OPTIONS` index) is clear in `set`, and ROOT unless
    /// `root_set`, its [`Preset::Value`], parsed.
    fn fill_defaults(&mut self, set: u64, root_set: bool) {
        for (i, opt) in PARSE.iter().enumerate() {
            if set & (1 << i) == 0
                && let (Some(v), Kind::Set) = (opt.default(), opt.kind)
            {
                let stored = opt.store.store(self, v.as_bytes());
                debug_assert!(stored.is_ok(), "--{}: bad default", opt.long());
            }
        }
        if !root_set && let Preset::Value(v) = ROOT.default {
            let stored = ROOT.set.store(self, v.as_bytes());
            debug_assert!(stored.is_ok(), "ROOT: bad default");
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

    /// `what` (an option, variable or `ROOT`) is wrong because of `why`.
    // Not generic and not inlined: one copy serves every error site.
    #[inline(never)]
    pub(super) fn new(what: &dyn Piece, why: String) -> Self {
        Error {
            what: text!(what),
            why,
        }
    }

    /// [`Error::new`] for a fixed `why`.
    #[inline(never)]
    pub(super) fn says(what: &dyn Piece, why: &str) -> Self {
        Error::new(what, why.into())
    }
}

/// `what: why`, the line staticd prints for it.
impl Piece for Error {
    fn put(&self, out: &mut String) {
        out.push_str(&self.what);
        out.push_str(": ");
        out.push_str(&self.why);
    }
}

/// One option: how it is spelt, its variable, its help and default, and what it does.
struct Opt {
    /// Without the leading `--`.
    long: &'static str,
    short: Option<u8>,
    /// The value's name in the help; `None` for a flag.
    value: Option<&'static str>,
    env: Option<&'static str>,
    /// May span lines with `\n`; the help appends the default and the variable.
    help: &'static str,
    /// What the option is when not given, as the help shows it.
    default: Preset,
    /// What giving it does.
    act: Act,
}

/// What parsing needs of an option: its [`Opt`] without the help, which only the
/// compile-time [`HELP`] reads, so the help's words are in the binary once, not twice; and
/// its texts as places in [`NAMES`], so the table holds no pointers but the action's.
#[derive(Clone, Copy)]
struct Parse {
    /// Where the option's texts start in [`NAMES`]: its long name, its default's text, its
    /// variable, one after another.
    at: u16,
    long_len: u8,
    /// 0 for none ([`Preset::Value`]s are never empty).
    default_len: u8,
    /// 0 for none.
    env_len: u8,
    /// 0 for none.
    short: u8,
    takes_value: bool,
    /// [`Act`], apart from its function, so that the table holds one pointer an option
    /// and no padding.
    kind: Kind,
    /// [`Act::Set`]'s function; for the other acts, one that does nothing.
    store: Store,
}

/// What an option does, as [`PARSE`] keeps it: [`Act`] without [`Act::Set`]'s function.
#[derive(Clone, Copy)]
enum Kind {
    Set,
    Probe,
    Help,
    Version,
}

impl Parse {
    /// `len` bytes of [`NAMES`] from `at`.
    fn name(at: usize, len: u8) -> &'static str {
        NAMES.get(at..at + usize::from(len)).unwrap_or_default()
    }

    /// The long name, without the leading `--`.
    fn long(&self) -> &'static str {
        Parse::name(usize::from(self.at), self.long_len)
    }

    /// [`Preset::Value`]'s text.
    fn default(&self) -> Option<&'static str> {
        let at = usize::from(self.at) + usize::from(self.long_len);
        (self.default_len > 0).then(|| Parse::name(at, self.default_len))
    }

    /// The environment variable.
    fn env(&self) -> Option<&'static str> {
        let at = usize::from(self.at) + usize::from(self.long_len) + usize::from(self.default_len);
        (self.env_len > 0).then(|| Parse::name(at, self.env_len))
    }
}

/// The texts [`PARSE`] points into.
const NAMES: &str = match core::str::from_utf8(&NAMES_BYTES) {
    Ok(s) => s,
    Err(_) => panic!("option names are not UTF-8"),
};

// Its own constant: a reference into `TABLES` would put all of it in the binary.
const NAMES_BYTES: [u8; NAMES_LEN] = TABLES.1;

/// [`OPTIONS`] as parsing reads it, in the same order.
static PARSE: [Parse; OPTIONS.len()] = TABLES.0;

/// [`PARSE`] and the bytes of [`NAMES`], built from [`OPTIONS`].
const TABLES: ([Parse; OPTIONS.len()], [u8; NAMES_LEN]) = tables();

/// The length of [`NAMES`].
const NAMES_LEN: usize = {
    let (mut i, mut len) = (0, 0);
    while i < OPTIONS.len() {
        let (long, default, env) = texts(&OPTIONS[i]);
        len += long.len() + default.len() + env.len();
        i += 1;
    }
    len
};

/// The texts of `o` that [`NAMES`] holds: long name, default (or nothing) and variable (or
/// nothing).
const fn texts(o: &Opt) -> (&'static str, &'static str, &'static str) {
    let default = match o.default {
        Preset::Value(v) => v,
        Preset::None | Preset::Note(_) => "",
    };
    let env = match o.env {
        Some(env) => env,
        None => "",
    };
    (o.long, default, env)
}

const fn tables() -> ([Parse; OPTIONS.len()], [u8; NAMES_LEN]) {
    let mut table = [Parse {
        at: 0,
        long_len: 0,
        default_len: 0,
        env_len: 0,
        short: 0,
        takes_value: false,
        kind: Kind::Help,
        store: Store(|_, _| Ok(())),
    }; OPTIONS.len()];
    let mut names = [0; NAMES_LEN];
    let (mut i, mut at) = (0, 0);
    while i < OPTIONS.len() {
        let o = &OPTIONS[i];
        let (long, default, env) = texts(o);
        assert!(long.len() < 256 && default.len() < 256 && env.len() < 256 && at < 65_536);
        if let Preset::Value(v) = o.default {
            assert!(!v.is_empty(), "an empty default would read as none");
        }
        table[i] = Parse {
            at: at as u16,
            long_len: long.len() as u8,
            default_len: default.len() as u8,
            env_len: env.len() as u8,
            short: match o.short {
                Some(s) => s,
                None => 0,
            },
            takes_value: o.value.is_some(),
            kind: match o.act {
                Act::Set(_) => Kind::Set,
                Act::Probe => Kind::Probe,
                Act::Help => Kind::Help,
                Act::Version => Kind::Version,
            },
            store: match o.act {
                Act::Set(store) => store,
                Act::Probe | Act::Help | Act::Version => Store(|_, _| Ok(())),
            },
        };
        let mut k = 0;
        while k < 3 {
            let text = [long, default, env][k].as_bytes();
            let mut j = 0;
            while j < text.len() {
                names[at] = text[j];
                at += 1;
                j += 1;
            }
            k += 1;
        }
        i += 1;
    }
    (table, names)
}

/// What an option is when neither its flag nor its variable is given.
#[derive(Clone, Copy)]
enum Preset {
    /// Unset: empty, off or `None` in [`Config`].
    None,
    /// This value, parsed as if given; the help shows it as `[default: VALUE]`.
    Value(&'static str),
    /// Unset in [`Config`], leaving the choice to the code that uses it (`--threads` counts
    /// CPUs); the help shows the text as `[default: TEXT]`.
    Note(&'static str),
}

/// Checks an option's value (empty for a flag) and stores it; `Err` says why it is wrong.
///
/// The common kinds of option share one storing function ([`set_bytes`], [`set_number`],
/// [`set_secs`], [`turn_on`]), to which each option's function passes its field.
#[derive(Clone, Copy)]
struct Store(fn(&mut Config, &[u8]) -> Result<(), String>);

impl Store {
    /// Checks `v` and stores it in `config`.
    fn store(self, config: &mut Config, v: &[u8]) -> Result<(), String> {
        (self.0)(config, v)
    }
}

/// Stores a copy of `v` in `field` once `check` accepts it.
#[inline(never)]
fn set_bytes(
    field: &mut Option<Vec<u8>>,
    v: &[u8],
    check: fn(&[u8]) -> Result<(), String>,
) -> Result<(), String> {
    check(v).map(|()| *field = Some(v.to_vec()))
}

/// Stores in `field` the number `parse` reads from `v`.
#[inline(never)]
fn set_number(
    field: &mut u64,
    v: &[u8],
    parse: fn(&[u8]) -> Result<u64, String>,
) -> Result<(), String> {
    parse(v).map(|n| *field = n)
}

/// Stores in `field` the period in whole seconds read from `v` (see [`parse_grace`]).
#[inline(never)]
fn set_secs(field: &mut u32, v: &[u8]) -> Result<(), String> {
    parse_grace(v).map(|n| *field = n)
}

/// Turns a flag on.
#[inline(never)]
fn turn_on(field: &mut bool) -> Result<(), String> {
    *field = true;
    Ok(())
}

/// Sets `field` to a copy of `v`: one copy of that code for the byte fields set outright.
#[inline(never)]
fn replace(field: &mut Vec<u8>, v: &[u8]) {
    *field = v.to_vec();
}

/// What an option does.
#[derive(Clone, Copy)]
enum Act {
    /// Store the value in [`Config`].
    Set(Store),
    /// Check a running server instead of serving (`--probe [URL]`).
    Probe,
    /// Print the help: ends parsing.
    Help,
    /// Print the version: ends parsing.
    Version,
}

/// The positional argument.
struct Positional {
    name: &'static str,
    env: Option<&'static str>,
    help: &'static str,
    default: Preset,
    set: Store,
}

const ROOT: Positional = Positional {
    name: "ROOT",
    env: Some("STATICD_ROOT"),
    help: "directory to serve (-- before one that\nstarts with '-')",
    default: Preset::Value("."),
    set: Store(|c, v| check_path(v).map(|()| replace(&mut c.root, v))),
};

/// Every option, in the order of the help.
const OPTIONS: &[Opt] = &[
    Opt {
        long: "listen",
        short: Some(b'l'),
        value: Some("ADDR:PORT"),
        env: Some("STATICD_LISTEN"),
        help: "address to listen on: 1.2.3.4:80,\n\
               [::1]:80, or PORT for 0.0.0.0:PORT;\n\
               repeatable, or comma-separated",
        default: Preset::Value("0.0.0.0:8080"),
        act: Act::Set(Store(|c, v| add_addrs(&mut c.listen, v))),
    },
    Opt {
        long: "threads",
        short: Some(b't'),
        value: Some("N"),
        env: Some("STATICD_THREADS"),
        help: "worker threads, 1 to 1024",
        default: Preset::Note("one per CPU"),
        act: Act::Set(Store(|c, v| parse_threads(v).map(|n| c.threads = Some(n)))),
    },
    Opt {
        long: "index",
        short: None,
        value: Some("NAME"),
        env: None,
        help: "file served for a directory",
        default: Preset::Value("index.html"),
        act: Act::Set(Store(|c, v| {
            check_index(v).map(|()| replace(&mut c.index, v))
        })),
    },
    Opt {
        long: "grace",
        short: None,
        value: Some("SECONDS"),
        env: None,
        help: "seconds open connections get to finish\non shutdown, 0 to 86400",
        default: Preset::Value("10"),
        act: Act::Set(Store(|c, v| set_secs(&mut c.grace_secs, v))),
    },
    Opt {
        long: "drain",
        short: None,
        value: Some("SECONDS"),
        env: Some("STATICD_DRAIN"),
        help: "seconds to keep serving after SIGTERM\n\
               while --health answers 503, before the\n\
               graceful stop; 0 to 86400",
        default: Preset::Value("0"),
        act: Act::Set(Store(|c, v| set_secs(&mut c.drain_secs, v))),
    },
    Opt {
        long: "cache-max-file-size",
        short: None,
        value: Some("SIZE"),
        env: None,
        help: "files up to this size stay mmap'd in the\n\
               cache, bigger ones go out with sendfile\n\
               (K, M, G suffixes)",
        default: Preset::Value("16K"),
        act: Act::Set(Store(|c, v| {
            set_number(&mut c.cache_max_file_size, v, parse_size)
        })),
    },
    Opt {
        long: "cache-max-bytes",
        short: None,
        value: Some("SIZE"),
        env: None,
        help: "memory the cache may hold",
        default: Preset::Note("64M, at most 1/4 of a cgroup limit"),
        act: Act::Set(Store(|c, v| {
            parse_size(v).map(|n| c.cache_max_bytes = Some(n))
        })),
    },
    Opt {
        long: "cache-max-entries",
        short: None,
        value: Some("N"),
        env: None,
        help: "paths the cache may hold",
        default: Preset::Value("4096"),
        act: Act::Set(Store(|c, v| {
            set_number(&mut c.cache_max_entries, v, parse_count)
        })),
    },
    Opt {
        long: "cache-ttl",
        short: None,
        value: Some("SECONDS"),
        env: None,
        help: "how often entries inotify cannot vouch\n\
               for (behind symlinks, hard-linked, in\n\
               unwatched directories) are rechecked\n\
               (e.g. 0.5)",
        default: Preset::Value("1"),
        act: Act::Set(Store(|c, v| {
            set_number(&mut c.cache_ttl_ms, v, parse_millis)
        })),
    },
    Opt {
        long: "no-compress",
        short: None,
        value: None,
        env: None,
        help: "keep no gzip or deflate variants",
        default: Preset::None,
        act: Act::Set(Store(|c, _| turn_on(&mut c.no_compress))),
    },
    Opt {
        long: "compress-level",
        short: None,
        value: Some("N"),
        env: None,
        help: "gzip and deflate level, 1 (fast) to 9\n(small)",
        default: Preset::Value("6"),
        act: Act::Set(Store(|c, v| parse_level(v).map(|n| c.compress_level = n))),
    },
    Opt {
        long: "compress-max-size",
        short: None,
        value: Some("SIZE"),
        env: None,
        help: "files up to this size get compressed\nvariants",
        default: Preset::Value("1M"),
        act: Act::Set(Store(|c, v| {
            set_number(&mut c.compress_max_size, v, parse_size)
        })),
    },
    Opt {
        long: "header-timeout",
        short: None,
        value: Some("SECONDS"),
        env: None,
        help: "time a request head may take to arrive",
        default: Preset::Value("10"),
        act: Act::Set(Store(|c, v| {
            set_number(&mut c.header_timeout_ms, v, parse_timeout)
        })),
    },
    Opt {
        long: "keepalive-timeout",
        short: None,
        value: Some("SECONDS"),
        env: None,
        help: "time an idle connection is kept open",
        default: Preset::Value("15"),
        act: Act::Set(Store(|c, v| {
            set_number(&mut c.keepalive_timeout_ms, v, parse_timeout)
        })),
    },
    Opt {
        long: "send-timeout",
        short: None,
        value: Some("SECONDS"),
        env: None,
        help: "time a client may stop reading its\nresponse",
        default: Preset::Value("30"),
        act: Act::Set(Store(|c, v| {
            set_number(&mut c.send_timeout_ms, v, parse_timeout)
        })),
    },
    Opt {
        long: "max-connections",
        short: None,
        value: Some("N"),
        env: None,
        help: "open connections, all workers together;\nmore are closed at once",
        default: Preset::Value("10000"),
        act: Act::Set(Store(|c, v| {
            set_number(&mut c.max_connections, v, parse_count)
        })),
    },
    Opt {
        long: "tcp-congestion",
        short: None,
        value: Some("NAME"),
        env: Some("STATICD_TCP_CONGESTION"),
        help: "TCP congestion control of connections,\n\
               e.g. reno (cheaper on fast local links)",
        default: Preset::Note("the host's"),
        act: Act::Set(Store(|c, v| {
            set_bytes(&mut c.tcp_congestion, v, check_congestion)
        })),
    },
    Opt {
        long: "user",
        short: None,
        value: Some("UID[:GID]"),
        env: None,
        help: "drop root for this user after binding\n(numeric, or a name in /etc/passwd)",
        default: Preset::None,
        act: Act::Set(Store(|c, v| set_bytes(&mut c.user, v, check_user))),
    },
    Opt {
        long: "no-seccomp",
        short: None,
        value: None,
        env: None,
        help: "run without the system call allow-list",
        default: Preset::None,
        act: Act::Set(Store(|c, _| turn_on(&mut c.no_seccomp))),
    },
    Opt {
        long: "cache-control",
        short: None,
        value: Some("VALUE"),
        env: None,
        help: "Cache-Control for every 200/206/304,\ne.g. 'public, max-age=3600'",
        default: Preset::None,
        act: Act::Set(Store(|c, v| {
            set_bytes(&mut c.cache_control, v, check_field_value)
        })),
    },
    Opt {
        long: "cache-control-for",
        short: None,
        value: Some("RULE"),
        env: Some("STATICD_CACHE_CONTROL_FOR"),
        help: "RULE is PATTERN=VALUE: Cache-Control\n\
               VALUE for URL paths matching PATTERN\n\
               (* within a segment, ** across), e.g.\n\
               '/assets/**=max-age=31536000';\n\
               repeatable (first match wins), or one\n\
               per line",
        default: Preset::None,
        act: Act::Set(Store(|c, v| add_cache_rules(&mut c.cache_control_for, v))),
    },
    Opt {
        long: "last-modified",
        short: None,
        value: Some("auto|on|off"),
        env: Some("STATICD_LAST_MODIFIED"),
        help: "send Last-Modified: auto leaves it out\nfor mtimes before 1980-01-02, which\nreproducible builds pin",
        default: Preset::Value("auto"),
        act: Act::Set(Store(|c, v| {
            parse_last_modified(v).map(|p| c.last_modified = p)
        })),
    },
    Opt {
        long: "header",
        short: None,
        value: Some("'NAME: VALUE'"),
        env: None,
        help: "add this header to every response;\nrepeatable",
        default: Preset::None,
        act: Act::Set(Store(|c, v| {
            check_header(v).map(|()| c.headers.push(v.to_vec()))
        })),
    },
    Opt {
        long: "cors",
        short: None,
        value: Some("ORIGIN"),
        env: Some("STATICD_CORS"),
        help: "let pages from ORIGIN (e.g.\n\
               https://app.example), or * for any, read\n\
               responses (CORS), preflights included;\n\
               repeatable, or comma-separated",
        default: Preset::None,
        act: Act::Set(Store(|c, v| add_origins(&mut c.cors, v))),
    },
    Opt {
        long: "mime",
        short: None,
        value: Some("EXT=TYPE"),
        env: Some("STATICD_MIME"),
        help: "serve *.EXT as TYPE, over the built-in\n\
               table; repeatable, or comma-separated",
        default: Preset::None,
        act: Act::Set(Store(|c, v| add_types(&mut c.types, v))),
    },
    Opt {
        long: "default-type",
        short: None,
        value: Some("TYPE"),
        env: Some("STATICD_DEFAULT_TYPE"),
        help: "type of files with no known extension",
        default: Preset::Value(crate::http::mime::DEFAULT),
        act: Act::Set(Store(|c, v| {
            check_default_type(v).map(|t| c.types.set_default(t))
        })),
    },
    Opt {
        long: "fallback",
        short: None,
        value: Some("FILE"),
        env: None,
        help: "serve FILE (a path under ROOT, e.g.\n/index.html) with 200 for missing paths",
        default: Preset::None,
        act: Act::Set(Store(|c, v| set_bytes(&mut c.fallback, v, check_site_path))),
    },
    Opt {
        long: "404",
        short: None,
        value: Some("FILE"),
        env: None,
        help: "serve FILE (a path under ROOT) as the\nbody of 404 responses",
        default: Preset::None,
        act: Act::Set(Store(|c, v| {
            set_bytes(&mut c.not_found, v, check_site_path)
        })),
    },
    Opt {
        long: "listing",
        short: None,
        value: None,
        env: None,
        help: "list directories that have no index file",
        default: Preset::None,
        act: Act::Set(Store(|c, _| turn_on(&mut c.listing))),
    },
    Opt {
        long: "access-log",
        short: None,
        value: Some("PATH|-"),
        env: None,
        help: "append an access log to PATH (- for\nstdout); off by default",
        default: Preset::None,
        act: Act::Set(Store(|c, v| set_bytes(&mut c.access_log, v, check_path))),
    },
    Opt {
        long: "log-format",
        short: None,
        value: Some("common|json"),
        env: None,
        help: "access log lines: combined log format\nor JSON",
        default: Preset::Value("common"),
        act: Act::Set(Store(|c, v| {
            parse_log_format(v).map(|json| c.log_json = json)
        })),
    },
    Opt {
        long: "health",
        short: None,
        value: Some("PATH"),
        env: Some("STATICD_HEALTH"),
        help: "answer PATH (e.g. /healthz) from memory:\n\
               200 while serving, 503 from SIGTERM on;\n\
               never logged",
        default: Preset::None,
        act: Act::Set(Store(|c, v| set_bytes(&mut c.health, v, check_health_path))),
    },
    Opt {
        long: "metrics",
        short: None,
        value: Some("ADDR:PORT"),
        env: Some("STATICD_METRICS"),
        help: "serve GET /metrics (Prometheus text\n\
               format) on this address, apart from\n\
               --listen",
        default: Preset::None,
        act: Act::Set(Store(|c, v| parse_one_addr(v).map(|a| c.metrics = Some(a)))),
    },
    Opt {
        long: "real-ip-from",
        short: None,
        value: Some("CIDR"),
        env: Some("STATICD_REAL_IP_FROM"),
        help: "proxies (e.g. 10.0.0.0/8) whose\n\
               X-Forwarded-For or X-Real-IP names the\n\
               client in the access log; repeatable,\n\
               or comma-separated",
        default: Preset::None,
        act: Act::Set(Store(|c, v| add_cidrs(&mut c.real_ip_from, v))),
    },
    Opt {
        long: "probe",
        short: None,
        value: None,
        env: None,
        help: "check a running staticd instead: GET URL\n(given after it; default: --health, or /,\non the first --listen address) within\n2 s; exit 0 on 2xx/3xx, else 1",
        default: Preset::None,
        act: Act::Probe,
    },
    Opt {
        long: "help",
        short: Some(b'h'),
        value: None,
        env: None,
        help: "print this help and exit",
        default: Preset::None,
        act: Act::Help,
    },
    Opt {
        long: "version",
        short: Some(b'V'),
        value: None,
        env: None,
        help: "print the version and exit",
        default: Preset::None,
        act: Act::Version,
    },
];

// `Parsed::given` and `Config::fill_defaults` keep one bit per option.
const _: () = assert!(OPTIONS.len() <= u64::BITS as usize);
