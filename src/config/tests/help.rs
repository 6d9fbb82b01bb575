//! The help text and the option table it is rendered from.

use super::*;
use crate::config::help::{HELP_LEN, HELP_PACKED, help};

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
        assert!(!a.long.is_empty() && !a.long.contains('=') && !a.long.starts_with('-'));
        assert!(a.short.is_none_or(|s| s.is_ascii_alphanumeric()));
        for b in &OPTIONS[i + 1..] {
            assert_ne!(a.long, b.long);
            assert!(a.short.is_none() || a.short != b.short);
            assert!(a.env.is_none() || a.env != b.env);
        }
    }
}

#[test]
fn the_parse_table_is_the_option_table() {
    assert_eq!(PARSE.len(), OPTIONS.len());
    for (p, o) in PARSE.iter().zip(OPTIONS) {
        assert_eq!(p.long(), o.long);
        assert_eq!(p.short, o.short.unwrap_or(0), "--{}", o.long);
        assert_eq!(p.takes_value, o.value.is_some(), "--{}", o.long);
        assert_eq!(p.env(), o.env, "--{}", o.long);
        let default = match o.default {
            Preset::Value(v) => Some(v),
            Preset::None | Preset::Note(_) => None,
        };
        assert_eq!(p.default(), default, "--{}", o.long);
        assert!(
            matches!(
                (o.act, p.kind),
                (Act::Set(_), Kind::Set)
                    | (Act::Probe, Kind::Probe)
                    | (Act::Help, Kind::Help)
                    | (Act::Version, Kind::Version)
            ),
            "--{}",
            o.long
        );
        if let Act::Set(store) = o.act {
            assert!(core::ptr::fn_addr_eq(store.0, p.store.0), "--{}", o.long);
        }
    }
}

#[test]
fn version() {
    assert_eq!(VERSION, format!("staticd {}", env!("CARGO_PKG_VERSION")));
}

#[test]
fn every_default_parses_and_is_what_giving_it_does() {
    for o in OPTIONS {
        let (Preset::Value(v), Act::Set(store)) = (o.default, o.act) else {
            continue;
        };
        assert_eq!(
            store.store(&mut Config::unset(), v.as_bytes()),
            Ok(()),
            "--{}",
            o.long
        );
        // Giving the default changes nothing, so the help's `[default: ...]` is the truth.
        let given = serve(&[&format!("--{}={v}", o.long)], &[]);
        assert_eq!(given, Config::default(), "--{}={v}", o.long);
    }
    let Preset::Value(root) = ROOT.default else {
        panic!("ROOT has a default");
    };
    assert_eq!(serve(&[root], &[]), Config::default());
    // An option without a value to parse is off, empty or unset by default.
    let unset = Config::unset();
    let d = Config::default();
    assert_eq!(
        (d.threads, d.no_compress, d.user, d.headers, d.access_log),
        (
            unset.threads,
            unset.no_compress,
            unset.user,
            unset.headers,
            unset.access_log
        )
    );
}

#[test]
fn help_puts_each_default_after_its_option() {
    for o in OPTIONS {
        let (Preset::Value(v) | Preset::Note(v)) = o.default else {
            continue;
        };
        let at = HELP.find(&format!("--{} ", o.long)).unwrap();
        let next = HELP[at..].find("\n  -").map_or(HELP.len(), |n| at + n);
        assert!(
            HELP[at..next].contains(&format!("[default: {v}]")),
            "--{}: {:?}",
            o.long,
            &HELP[at..next]
        );
    }
}

/// The option table of README.md: the cells of each row, `\|` unescaped.
fn readme_rows() -> Vec<Vec<String>> {
    let readme = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"));
    let table = readme
        .split_once("| option | default | meaning |\n|---|---|---|\n")
        .expect("README.md has its option table")
        .1;
    table
        .lines()
        .take_while(|l| l.starts_with('|'))
        .map(|row| {
            let row = row.replace("\\|", "\u{0}");
            let cells = row.trim_matches('|').split('|');
            cells.map(|c| c.trim().replace('\u{0}', "|")).collect()
        })
        .collect()
}

/// The `--long` names a README row's first cell spells.
fn long_names(cell: &str) -> Vec<String> {
    cell.split(['`', ',', ' '])
        .filter_map(|w| w.strip_prefix("--"))
        .map(String::from)
        .collect()
}

#[test]
fn readme_option_table_matches_the_options() {
    let rows = readme_rows();
    let row = |long: &str| {
        rows.iter()
            .find(|r| long_names(&r[0]).iter().any(|l| l == long))
            .unwrap_or_else(|| panic!("README.md's option table lacks --{long}"))
    };
    for o in OPTIONS {
        let r = row(o.long);
        let (spelling, default) = (r[0].replace('`', ""), r[1].as_str());
        let mut want = format!("--{}", o.long);
        if let Some(s) = o.short {
            want = format!("-{}, {want}", char::from(s));
        }
        if let Some(v) = o.value {
            want = format!("{want} {v}");
        }
        assert!(
            spelling.contains(&want),
            "README.md: {spelling:?}, want {want:?}"
        );
        match o.default {
            Preset::Value(v) => assert!(
                default.starts_with(&format!("`{v}`")),
                "README.md: --{} defaults to {default:?}, the table to {v:?}",
                o.long
            ),
            Preset::Note(note) => assert!(
                default.starts_with(note),
                "README.md: --{} defaults to {default:?}, the table to {note:?}",
                o.long
            ),
            // A flag's cell may say what it does unless given (--probe's URL); an option's
            // names its variable at most.
            Preset::None if o.value.is_some() => assert!(
                default.is_empty() || o.env.is_some() && default.starts_with("(env "),
                "--{}: {default:?}",
                o.long
            ),
            Preset::None => {}
        }
        if let Some(env) = o.env {
            assert!(default.contains(&format!("(env `{env}`")), "--{}", o.long);
        }
    }
    let root = rows
        .iter()
        .find(|r| r[0] == "`ROOT`")
        .expect("README.md lists ROOT");
    let Preset::Value(v) = ROOT.default else {
        panic!("ROOT has a default");
    };
    assert!(
        root[1].starts_with(&format!("`{v}` (env `STATICD_ROOT`")),
        "{root:?}"
    );
    // Nothing in the README that the table lacks.
    for r in &rows {
        for long in long_names(&r[0]) {
            assert!(
                OPTIONS.iter().any(|o| o.long == long),
                "README.md lists --{long}, which is no option"
            );
        }
    }
}

#[test]
fn the_packed_help_unpacks_to_the_help() {
    assert_eq!(help(), HELP.as_bytes());
    // The copies pay: spaces alone packed it to 62 %.
    assert!(
        HELP_PACKED.len() * 100 < HELP.len() * 35,
        "{}",
        HELP_PACKED.len()
    );
}
