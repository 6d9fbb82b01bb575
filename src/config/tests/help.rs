//! The help text and the option table it is rendered from.

use super::*;

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
