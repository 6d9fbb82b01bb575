//! Reading argv and the environment into a [`Command`]: option spellings, ROOT, the
//! environment fallbacks and the defaults, reporting the first error.

use super::values::{Shown, parse_uint, quote_then};
use super::{Command, Config, Error, Kind, LISTEN_FDS_MAX, ListenFds, PARSE, ROOT};
use crate::text;
use crate::text::Piece;
use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;
use core::mem::ManuallyDrop;

/// Where a value came from, for the error message.
#[derive(Clone, Copy)]
enum Origin {
    Flag(&'static str),
    Env(&'static str),
    Root,
}

impl Piece for Origin {
    fn put(&self, out: &mut String) {
        match self {
            Origin::Flag(long) => {
                out.push_str("--");
                out.push_str(long);
            }
            Origin::Env(name) => out.push_str(name),
            Origin::Root => out.push_str(ROOT.name),
        }
    }
}

/// One parser step: `Some` when help or version cut parsing short.
type Step = Result<Option<Command>, Error>;

/// The configuration as far as it is read, and what set it.
struct Parsed {
    /// Starts [`Config::unset`]; each value is stored as it is read. Boxed from the start, as
    /// [`Command`] holds it, so finishing moves a pointer, not the whole configuration. Never
    /// dropped: help, version and errors end the process, so no drop code is compiled for it.
    config: ManuallyDrop<Box<Config>>,
    /// One bit per option (index in `OPTIONS` and `PARSE`) given on the command line: those ignore their variable.
    given: u64,
    /// ROOT was given, as an argument or by its variable.
    root_given: bool,
    /// `--probe` was given, with its URL if one followed.
    probe: Option<Option<Vec<u8>>>,
}

impl Parsed {
    /// Stores the value of option `i`, checked, or notes `--probe`. Help and version are
    /// commands, which [`option`] returns; they have no variable, so the environment never
    /// gives them, and no result here holds a [`Command`] to drop.
    fn apply(&mut self, i: usize, origin: Origin, value: &[u8]) -> Result<(), Error> {
        let opt = &PARSE[i];
        if let Origin::Flag(_) = origin {
            self.given |= 1 << i;
        }
        if opt.takes_value && value.is_empty() {
            return Err(Error::says(&origin, "empty value"));
        }
        match opt.kind {
            Kind::Set => opt
                .store
                .store(&mut self.config, value)
                .map_err(|why| Error::new(&origin, why)),
            Kind::Probe => {
                self.probe.get_or_insert(None);
                Ok(())
            }
            Kind::Help | Kind::Version => Ok(()),
        }
    }

    fn root(&mut self, origin: Origin, value: &[u8]) -> Result<(), Error> {
        if let Origin::Root = origin
            && self.root_given
        {
            return Err(Error::says(&origin, "more than one given"));
        }
        ROOT.set
            .store(&mut self.config, value)
            .map_err(|why| Error::new(&origin, why))?;
        self.root_given = true;
        Ok(())
    }

    /// Fills what the command line left unset from the environment, then the defaults.
    fn finish(mut self, env: &[&[u8]]) -> Result<Box<Config>, Error> {
        let mut set = self.given;
        for (i, opt) in PARSE.iter().enumerate() {
            if let Some(name) = opt.env()
                && self.given & (1 << i) == 0
                && let Some(value) = getenv(env, name)
            {
                self.apply(i, Origin::Env(name), value)?;
                set |= 1 << i;
            }
        }
        if !self.root_given
            && let Some(name) = ROOT.env
            && let Some(value) = getenv(env, name)
        {
            self.root(Origin::Env(name), value)?;
        }
        self.config.listen_fds = listen_fds(env)?;
        self.config.cgroup_root = getenv(env, "STATICD_CGROUP_ROOT").map(<[u8]>::to_vec);
        self.config.fill_defaults(set, self.root_given);
        Ok(ManuallyDrop::into_inner(self.config))
    }
}

/// Parses the command line (`args`, without argv\[0\]) and the environment (`KEY=VALUE` entries).
pub fn parse(args: &[&[u8]], env: &[&[u8]]) -> Result<Command, Error> {
    let mut parsed = Parsed {
        config: ManuallyDrop::new(Box::new(Config::unset())),
        given: 0,
        root_given: false,
        probe: None,
    };
    let mut first_err = None;
    let mut rest = args.iter();
    let mut only_root = false;
    while let Some(&arg) = rest.next() {
        // `--probe [URL]`: a following http:// argument is its URL, not ROOT.
        if !only_root
            && arg == b"--probe"
            && let Some(&url) = rest.as_slice().first()
            && (url.starts_with(b"http://") || url.starts_with(b"https://"))
        {
            rest.next();
            parsed.probe = Some(Some(url.to_vec()));
            continue;
        }
        let step = if only_root {
            parsed.root(Origin::Root, arg).map(|()| None)
        } else if arg == b"--" {
            only_root = true;
            Ok(None)
        } else if let Some(body) = arg.strip_prefix(b"--") {
            long_option(&mut parsed, body, &mut rest)
        } else if arg == b"-" {
            Err(Error::says(
                &"-",
                "not an option; for a ROOT named '-', write -- -",
            ))
        } else if let Some(cluster) = arg.strip_prefix(b"-") {
            short_options(&mut parsed, cluster, &mut rest)
        } else {
            parsed.root(Origin::Root, arg).map(|()| None)
        };
        match step {
            Ok(Some(command)) => return Ok(command),
            Ok(None) => {}
            Err(e) => keep_first(&mut first_err, e),
        }
    }
    if let Some(e) = first_err {
        return Err(e);
    }
    let probe = parsed.probe.take();
    let config = parsed.finish(env)?;
    Ok(match probe {
        Some(url) => Command::Probe(url, config),
        None => Command::Serve(config),
    })
}

/// `--name`, `--name=VALUE` or `--name VALUE`; `body` is what follows `--`.
fn long_option<'a>(
    parsed: &mut Parsed,
    body: &'a [u8],
    rest: &mut core::slice::Iter<'_, &'a [u8]>,
) -> Step {
    let (name, inline) = match body.iter().position(|&b| b == b'=') {
        Some(eq) => (body.get(..eq).unwrap_or(body), body.get(eq + 1..)),
        None => (body, None),
    };
    let Some(i) = PARSE.iter().position(|o| o.long().as_bytes() == name) else {
        return Err(unknown("--", name));
    };
    option(parsed, i, inline, rest)
}

/// Option `i`, with the value written in the same argument (`inline`), if any: takes its
/// value from there or from the next argument, and applies it, or returns the command
/// (help, version) it is. The one path of long and short options alike.
fn option<'a>(
    parsed: &mut Parsed,
    i: usize,
    inline: Option<&'a [u8]>,
    rest: &mut core::slice::Iter<'_, &'a [u8]>,
) -> Step {
    let opt = &PARSE[i];
    let origin = Origin::Flag(opt.long());
    let value = match (opt.takes_value, inline) {
        (false, None) => Some(&[][..]),
        (false, Some(_)) => None,
        (true, Some(v)) => Some(v),
        (true, None) => rest.next().copied(),
    };
    match value {
        Some(_) if let Kind::Help = opt.kind => Ok(Some(Command::Help)),
        Some(_) if let Kind::Version = opt.kind => Ok(Some(Command::Version)),
        Some(value) => parsed.apply(i, origin, value).map(|()| None),
        None if opt.takes_value => Err(Error::says(&origin, "missing value")),
        None => Err(Error::says(&origin, "takes no value")),
    }
}

/// `-x`, bundled flags `-hV`, and `-xVALUE`, `-x=VALUE` or `-x VALUE`; `cluster` follows the `-`.
fn short_options<'a>(
    parsed: &mut Parsed,
    cluster: &'a [u8],
    rest: &mut core::slice::Iter<'_, &'a [u8]>,
) -> Step {
    let mut first_err = None;
    let mut i = 0;
    while let Some(&c) = cluster.get(i) {
        i += 1;
        let Some(n) = PARSE.iter().position(|o| o.short == c) else {
            keep_first(&mut first_err, unknown("-", &[c]));
            continue;
        };
        let mut inline = None;
        if PARSE[n].takes_value {
            // The value ends the cluster. `-t=4` means `-t 4`, as no short option's value
            // can start with '='.
            let attached = cluster.get(i..).unwrap_or_default();
            i = cluster.len();
            if !attached.is_empty() {
                inline = Some(attached.strip_prefix(b"=").unwrap_or(attached));
            }
        }
        match option(parsed, n, inline, rest) {
            Ok(Some(command)) => return Ok(Some(command)),
            Ok(None) => {}
            Err(e) => keep_first(&mut first_err, e),
        }
    }
    first_err.map_or(Ok(None), Err)
}

/// `--NAME` or `-X` is no option: `dashes` and the name as given, escaped.
#[inline(never)]
fn unknown(dashes: &str, name: &[u8]) -> Error {
    let shown = Shown {
        bytes: name,
        quoted: false,
    };
    Error::says(&text!(dashes, shown), "unknown option")
}

/// Keeps `e` if it is the first error. A later one is forgotten rather than dropped: the
/// first error ends the process, so freeing the others would only add drop code.
fn keep_first(first: &mut Option<Error>, e: Error) {
    match first {
        None => *first = Some(e),
        Some(_) => core::mem::forget(e),
    }
}

/// The first non-empty value of `name` in `env`, as `getenv` would find it.
fn getenv<'a>(env: &[&'a [u8]], name: &str) -> Option<&'a [u8]> {
    for entry in env {
        if let Some(v) = entry.strip_prefix(name.as_bytes())
            && let Some(v) = v.strip_prefix(b"=")
        {
            return Some(v).filter(|v| !v.is_empty());
        }
    }
    None
}

// The LISTEN_FDS message spells the limit out, so it goes in the shared quoting helper.
const _: () = assert!(LISTEN_FDS_MAX == 1024);

/// `LISTEN_PID` and `LISTEN_FDS`, as sd_listen_fds(3) reads them: both or
/// neither, decimal, the count at least one.
fn listen_fds(env: &[&[u8]]) -> Result<Option<ListenFds>, Error> {
    // Which variable is wrong and why, so that one place makes the error.
    let (name, why) = match (getenv(env, "LISTEN_PID"), getenv(env, "LISTEN_FDS")) {
        (None, None) => return Ok(None),
        (Some(_), None) => ("LISTEN_PID", "set without LISTEN_FDS".into()),
        (None, Some(_)) => ("LISTEN_FDS", "set without LISTEN_PID".into()),
        (Some(pid_text), Some(count_text)) => {
            let pid = parse_uint(pid_text)
                .filter(|&p| p > 0)
                .and_then(|p| u32::try_from(p).ok());
            let count = parse_uint(count_text).filter(|n| (1..=LISTEN_FDS_MAX).contains(n));
            match (pid, count) {
                (Some(pid), Some(count)) => {
                    return Ok(Some(ListenFds {
                        pid,
                        count: count as u32,
                    }));
                }
                (None, _) => ("LISTEN_PID", quote_then(pid_text, " is not a process id")),
                (Some(_), None) => (
                    "LISTEN_FDS",
                    quote_then(count_text, " is not a count from 1 to 1024"),
                ),
            }
        }
    };
    Err(Error::new(&name, why))
}
