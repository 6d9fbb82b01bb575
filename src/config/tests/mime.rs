//! `--mime`, `--default-type` and their variables: lists, order, quoting and every bad value.

use super::*;
use crate::http::mime::{BUILTIN, DEFAULT};

/// What `c` serves `path` as.
fn ct<'a>(c: &'a Config, path: &str) -> &'a str {
    c.types.content_type(path.as_bytes())
}

const NOT_TYPE: &str = "TYPE is not a media type like text/plain or 'text/plain; charset=utf-8'";
const BAD_EXT: &str =
    "EXT is a file name's end after its last dot: no '.', '/', ',', '\"', spaces or control bytes";

#[test]
fn defaults_are_the_built_in_table() {
    let c = serve(&[], &[]);
    assert_eq!(c.types, *BUILTIN);
    assert_eq!(ct(&c, "Makefile"), DEFAULT);
    // Giving the default explicitly changes nothing.
    assert_eq!(serve(&["--default-type", DEFAULT], &[]).types, *BUILTIN);
}

#[test]
fn mime_every_spelling_repeats_and_lists() {
    for args in spellings("mime", None, "md=text/x-md") {
        let c = serve_owned(&args, &[]);
        assert_eq!(ct(&c, "a.md"), "text/x-md", "{args:?}");
        assert_eq!(ct(&c, "a.html"), "text/html; charset=utf-8", "{args:?}");
    }
    let c = serve(
        &[
            "--mime",
            "MD=text/markdown; charset=utf-8",
            "--mime=php=text/plain , x=a/b;q=\"1,2\"",
            "--mime",
            "md=text/x-md",
        ],
        &[],
    );
    // The later for an extension wins; a comma inside quotes is the type's.
    assert_eq!(ct(&c, "a.MD"), "text/x-md");
    assert_eq!(ct(&c, "a.php"), "text/plain");
    assert_eq!(ct(&c, "a.x"), "a/b;q=\"1,2\"");
    let c = serve(&["--mime", "a=x/y; p=\"a\\\",b\", b=x/z"], &[]);
    assert_eq!(ct(&c, "f.a"), "x/y; p=\"a\\\",b\"");
    assert_eq!(ct(&c, "f.b"), "x/z");
    // Extensions are bytes a file name can end in; `=` in the type is a parameter's.
    let c = serve(&["--mime", "tar~=a/b; c=d", "--mime", "caf\u{e9}=a/b"], &[]);
    assert_eq!(ct(&c, "x.tar~"), "a/b; c=d");
    assert_eq!(ct(&c, "x.caf\u{e9}"), "a/b");
}

#[test]
fn default_type_every_spelling() {
    for args in spellings("default-type", None, "text/plain; charset=utf-8") {
        let c = serve_owned(&args, &[]);
        assert_eq!(ct(&c, "Makefile"), "text/plain; charset=utf-8", "{args:?}");
        assert_eq!(ct(&c, "a.png"), "image/png", "{args:?}");
    }
    // The last given wins, as for every single-valued option.
    let c = serve(&["--default-type", "a/b", "--default-type=c/d"], &[]);
    assert_eq!(ct(&c, "Makefile"), "c/d");
}

#[test]
fn variables_and_what_overrides_them() {
    let env = [
        "STATICD_MIME=md=text/markdown, wasm=application/x-wasm",
        "STATICD_DEFAULT_TYPE=text/plain",
    ];
    let c = serve(&[], &env);
    assert_eq!(ct(&c, "a.md"), "text/markdown");
    assert_eq!(ct(&c, "a.wasm"), "application/x-wasm");
    assert_eq!(ct(&c, "a"), "text/plain");
    // Any --mime replaces the whole variable, as --listen does.
    let c = serve(&["--mime", "x=a/b", "--default-type", "c/d"], &env);
    assert_eq!(ct(&c, "a.x"), "a/b");
    assert_eq!(ct(&c, "a.md"), "text/markdown; charset=utf-8");
    assert_eq!(ct(&c, "a"), "c/d");
    // Empty counts as unset; a bad variable overridden is not checked.
    let c = serve(&[], &["STATICD_MIME=", "STATICD_DEFAULT_TYPE="]);
    assert_eq!(c, Config::default());
    let bad = ["STATICD_MIME=x", "STATICD_DEFAULT_TYPE=text"];
    serve(&["--mime", "a=b/c", "--default-type", "a/b"], &bad);
    assert_eq!(
        fail(&[], &["STATICD_MIME=.md=text/markdown"]),
        "STATICD_MIME: '.md=text/markdown': EXT is written without its dot"
    );
    assert_eq!(
        fail(&[], &["STATICD_DEFAULT_TYPE=text"]),
        "STATICD_DEFAULT_TYPE: 'text' is not a media type like text/plain or \
         'text/plain; charset=utf-8'"
    );
}

#[test]
fn bad_mime_values() {
    let cases: &[(&str, &str)] = &[
        ("md", "'md': not EXT=TYPE, e.g. md=text/markdown"),
        (
            "text/markdown",
            "'text/markdown': not EXT=TYPE, e.g. md=text/markdown",
        ),
        ("=text/plain", "'=text/plain': empty EXT"),
        (
            ".md=text/plain",
            "'.md=text/plain': EXT is written without its dot",
        ),
        ("md=", "'md=': TYPE"),
        ("md=text", "'md=text': TYPE"),
        ("md=text/", "'md=text/': TYPE"),
        ("md= text/plain", "'md= text/plain': TYPE"),
        ("md=text/plain;charset", "'md=text/plain;charset': TYPE"),
        ("md=text/plain; a=\"b", "'md=text/plain; a=\"b': TYPE"),
        ("md=text/pl\u{e9}in", "'md=text/pl\\xc3\\xa9in': TYPE"),
        ("md=text/plain,", "'md=text/plain,': empty entry in list"),
        (",md=text/plain", "',md=text/plain': empty entry in list"),
        ("a=b/c,,d=e/f", "'a=b/c,,d=e/f': empty entry in list"),
        ("a=b/c, ,d=e/f", "'a=b/c, ,d=e/f': empty entry in list"),
    ];
    for (v, why) in cases {
        let why = match why.strip_suffix("TYPE") {
            Some(quoted) => format!("{quoted}{NOT_TYPE}"),
            None => why.to_string(),
        };
        assert_eq!(fail(&["--mime", v], &[]), format!("--mime: {why}"), "{v:?}");
    }
    assert_eq!(fail(&["--mime", ""], &[]), "--mime: empty value");
    for ext in ["tar.gz", "a/b", "m d", "md ", "m\"d,x\"", "a.", "a\u{7f}"] {
        let v = format!("{ext}=text/plain");
        let e = fail(&["--mime", &v], &[]);
        assert!(e.ends_with(BAD_EXT), "{v:?}: {e}");
    }
    let long = format!("{}=a/b", "x".repeat(256));
    assert!(fail(&["--mime", &long], &[]).ends_with(BAD_EXT));
    let c = serve(&["--mime", &long[1..]], &[]);
    assert_eq!(ct(&c, &format!("f.{}", "x".repeat(255))), "a/b");
    // Control bytes anywhere, including ones that would split a header.
    for b in (0u8..0x20).chain([0x7f]) {
        let in_ext = [b"m".as_slice(), &[b], b"=text/plain"].concat();
        let in_type = [b"md=text/pl".as_slice(), &[b], b"ain"].concat();
        let crlf = [b"md=text/plain".as_slice(), &[b], b"X-A: b"].concat();
        for v in [in_ext, in_type, crlf] {
            let e = fail_bytes(&[b"--mime", &v], &[]);
            assert!(e.starts_with("--mime: '"), "{e}");
        }
    }
}

#[test]
fn bad_default_types() {
    for v in [
        "text",
        "text/",
        "/plain",
        "text/plain ",
        "text/plain;x",
        "text/plain\r\nX-A: b",
        "a/b, c/d",
        "te xt/plain",
        "text/plain; a=\"\u{e9}\"",
    ] {
        let e = fail(&["--default-type", v], &[]);
        assert!(
            e.starts_with("--default-type: '")
                && e.ends_with(
                    "is not a media type like text/plain or 'text/plain; charset=utf-8'"
                ),
            "{v:?}: {e}"
        );
    }
    assert_eq!(
        fail(&["--default-type="], &[]),
        "--default-type: empty value"
    );
}
