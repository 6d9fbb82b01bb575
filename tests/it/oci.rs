//! staticd under a real OCI runtime, the way its `FROM scratch` image runs:
//! runc runs a bundle made from the Makefile's Dockerfile (its ENTRYPOINT,
//! CMD, USER and HEALTHCHECK) whose root file system holds only the binary
//! and the content, read-only, with no capabilities and no rlimits, in its
//! own pid, mount, ipc and uts namespaces on the host's network. runc runs in
//! the foreground as the test's child, so its exit status is staticd's.
//! Where runc cannot create namespaces at all the tests print `SKIPPED` past
//! the harness's capture; a missing runc fails them (`.ci/run` installs it).

use crate::common;

use common::{Server, TempDir, find, run_to_end};
use std::io::{ErrorKind, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4, TcpListener, TcpStream};
use std::path::Path;
use std::process::Command;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

/// How long a runc command may take (it starts a Go runtime, often twice).
const RUNC_LIMIT: Duration = Duration::from_secs(30);

/// staticd's default `--grace`, which the image keeps.
const GRACE: Duration = Duration::from_secs(10);

/// runc's words when it cannot create the namespaces: `unshare` refused by
/// the kernel or a seccomp filter, or no user namespace for a non-root user.
const NO_NAMESPACES: [&str; 2] = [
    "failed to unshare",
    "rootless container requires user namespaces",
];

/// Hands out a distinct number to every container of this process.
static CONTAINERS: AtomicUsize = AtomicUsize::new(0);

/// The runc program: on the PATH, or in an sbin directory a user's PATH lacks.
fn runc() -> &'static str {
    static FOUND: OnceLock<&str> = OnceLock::new();
    FOUND.get_or_init(|| {
        let runs = |path: &&str| {
            Command::new(path)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        };
        ["runc", "/usr/sbin/runc", "/usr/local/sbin/runc"]
            .into_iter()
            .find(runs)
            .expect("runc does not run here; install it: apt-get install runc (.ci/run does)")
    })
}

/// What the Makefile's Dockerfile says about running the image.
struct Image {
    /// The path the binary is copied to, the image's only file.
    binary: String,
    /// `USER`, numeric `uid:gid`.
    user: (u32, u32),
    /// `ENTRYPOINT` then `CMD`: the process `docker run IMAGE` starts.
    args: Vec<String>,
    /// The `HEALTHCHECK` command.
    health: Vec<String>,
}

/// Parses a Dockerfile exec-form array, `["a", "b"]`.
fn exec_form(text: &str) -> Vec<String> {
    let inner = text
        .trim()
        .strip_prefix('[')
        .and_then(|t| t.strip_suffix(']'))
        .unwrap_or_else(|| panic!("not an exec-form array: {text:?}"));
    assert!(!inner.contains('\\'), "escapes in {text:?}");
    inner
        .split(',')
        .map(|word| {
            let word = word.trim();
            word.strip_prefix('"')
                .and_then(|w| w.strip_suffix('"'))
                .unwrap_or_else(|| panic!("not a string: {word:?} in {text:?}"))
                .to_owned()
        })
        .collect()
}

/// Reads the Dockerfile `make image` builds from the Makefile.
fn image() -> Image {
    let makefile = Path::new(env!("CARGO_MANIFEST_DIR")).join("Makefile");
    let text = std::fs::read_to_string(&makefile).expect("read the Makefile");
    let body = text
        .split_once("define DOCKERFILE\n")
        .and_then(|(_, rest)| rest.split_once("\nendef"))
        .expect("a DOCKERFILE define in the Makefile")
        .0;
    let (mut from, mut copies) = (None, Vec::new());
    let (mut user, mut entrypoint, mut cmd, mut health) = (None, None, Vec::new(), None);
    for line in body.lines() {
        let (word, rest) = line.split_once(' ').unwrap_or((line, ""));
        match word {
            "FROM" => from = Some(rest),
            "COPY" => copies.push(rest),
            "USER" => {
                let (uid, gid) = rest.split_once(':').expect("USER uid:gid");
                user = Some((uid.parse().expect("numeric uid"), gid.parse().expect("gid")));
            }
            "ENTRYPOINT" => entrypoint = Some(exec_form(rest)),
            "CMD" => cmd = exec_form(rest),
            "HEALTHCHECK" => {
                let (_, command) = rest.split_once(" CMD ").expect("HEALTHCHECK ... CMD [...]");
                health = Some(exec_form(command));
            }
            _ => {}
        }
    }
    assert_eq!(from, Some("scratch"), "{body}");
    let [copy] = copies[..] else {
        panic!("the image should copy in one file: {copies:?}");
    };
    let binary = copy
        .strip_prefix("staticd ")
        .expect("COPY staticd PATH")
        .to_owned();
    let mut args = entrypoint.expect("an ENTRYPOINT");
    assert_eq!(args, [binary.as_str()], "the ENTRYPOINT runs the binary");
    args.extend(cmd);
    Image {
        binary,
        user: user.expect("a numeric USER"),
        args,
        health: health.expect("a HEALTHCHECK"),
    }
}

/// Quotes `s` as a JSON string.
fn json(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            c if c < ' ' => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A JSON array of strings.
fn json_list(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|s| json(s)).collect();
    format!("[{}]", quoted.join(", "))
}

/// An OCI runtime config: `args` with `env` as `user`, root file system
/// `rootfs` read-only, no capabilities, no rlimits, new pid, mount, ipc and
/// uts namespaces and the host's network; /proc only because runc itself
/// needs it in the container.
fn config(args: &[String], env: &[String], user: (u32, u32)) -> String {
    format!(
        r#"{{
  "ociVersion": "1.0.2",
  "process": {{
    "terminal": false,
    "user": {{"uid": {uid}, "gid": {gid}}},
    "args": {args},
    "env": {env},
    "cwd": "/",
    "capabilities": {{"bounding": [], "effective": [], "inheritable": [], "permitted": [], "ambient": []}},
    "noNewPrivileges": true
  }},
  "root": {{"path": "rootfs", "readonly": true}},
  "hostname": "staticd",
  "mounts": [{{"destination": "/proc", "type": "proc", "source": "proc"}}],
  "linux": {{
    "namespaces": [{{"type": "pid"}}, {{"type": "mount"}}, {{"type": "ipc"}}, {{"type": "uts"}}]
  }}
}}
"#,
        uid = user.0,
        gid = user.1,
        args = json_list(args),
        env = json_list(env),
    )
}

/// A bundle directory (config.json and rootfs) with runc's state beside it,
/// all removed on drop.
struct Bundle {
    dir: TempDir,
    image: Image,
}

/// A container id, deleted with `runc delete --force` on drop whatever state
/// the container is in; it borrows its [`Bundle`], so it goes first.
struct Container<'a> {
    bundle: &'a Bundle,
    id: String,
}

impl Drop for Container<'_> {
    fn drop(&mut self) {
        let _ = self
            .bundle
            .runc()
            .args(["delete", "--force", &self.id])
            .output();
    }
}

impl Bundle {
    /// A bundle for the image with the content `files` (path, bytes) under
    /// the CMD's content directory; `None`, after saying so, where runc
    /// cannot create namespaces here.
    fn new(test: &str, files: &[(&str, &[u8])]) -> Option<Bundle> {
        let image = image();
        let dir = TempDir::new(test);
        let rootfs = dir.dir("rootfs");
        let binary = rootfs.join(image.binary.trim_start_matches('/'));
        std::fs::copy(common::BIN, &binary).expect("copy the binary");
        let content = image
            .args
            .last()
            .expect("CMD names the content directory")
            .clone();
        for (rel, bytes) in files {
            dir.file(&format!("rootfs{content}/{rel}"), bytes);
        }
        dir.dir("state");
        let bundle = Bundle { dir, image };
        let mut entries: Vec<_> = std::fs::read_dir(&rootfs)
            .unwrap()
            .map(|e| format!("/{}", e.unwrap().file_name().to_string_lossy()))
            .collect();
        entries.sort();
        // Checked before runc runs: it adds the mount points /proc and /dev.
        let mut want = [bundle.image.binary.clone(), content.clone()];
        want.sort();
        assert_eq!(entries, want, "the root file system: binary and content");

        // The binary runs at all in there, or runc cannot make the namespaces.
        let out = {
            let version = [bundle.image.binary.clone(), "--version".into()];
            let (cmd, _container) = bundle.run(&version, &[]);
            run_to_end(cmd, RUNC_LIMIT)
        };
        if !out.status.success() {
            if let Some(why) = NO_NAMESPACES.iter().find(|w| out.stderr.contains(*w)) {
                // Past the harness's capture of passing tests' output.
                let line = format!(
                    "SKIPPED oci::{test}: runc cannot create namespaces here ({why}); stderr:\n{}\n",
                    out.stderr.trim_end()
                );
                let _ = std::io::stderr().write_all(line.as_bytes());
                return None;
            }
            panic!(
                "runc run {{--version}}: {}; stderr:\n{}",
                out.status, out.stderr
            );
        }
        assert!(out.stdout.starts_with("staticd "), "{}", out.stdout);
        Some(bundle)
    }

    /// `runc` with its state kept in this bundle's directory.
    fn runc(&self) -> Command {
        let mut cmd = Command::new(runc());
        cmd.arg("--root").arg(self.dir.path().join("state"));
        cmd
    }

    /// Writes config.json for `args` with `env` as the image's user, and
    /// returns `runc run` of it in the foreground (stdio passed through) with
    /// the guard of its unique container id.
    fn run(&self, args: &[String], env: &[String]) -> (Command, Container<'_>) {
        let config = config(args, env, self.image.user);
        self.dir.file("config.json", config);
        let n = CONTAINERS.fetch_add(1, Ordering::SeqCst);
        let id = format!("staticd-{}-{n}", std::process::id());
        let mut cmd = self.runc();
        cmd.arg("run").arg("--bundle").arg(self.dir.path()).arg(&id);
        (cmd, Container { bundle: self, id })
    }

    /// `runc exec`s `args` in container `id` (the config's user, env and
    /// capabilities); returns the exit code and stderr.
    fn exec(&self, id: &str, args: &[String]) -> (Option<i32>, String) {
        let mut cmd = self.runc();
        cmd.args(["exec", id]).args(args);
        let out = run_to_end(cmd, RUNC_LIMIT);
        (out.status.code(), out.stderr)
    }

    /// `runc kill ID SIGNAL`.
    fn kill(&self, id: &str, signal: &str) {
        let out = self.runc().args(["kill", id, signal]).output().unwrap();
        assert!(
            out.status.success(),
            "runc kill {id} {signal}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// The host pid of container `id`'s first process, which must be running.
    fn pid(&self, id: &str) -> u32 {
        // runc says "created" until it has removed its exec FIFO, which may be
        // a moment after the process is already serving.
        let deadline = Instant::now() + RUNC_LIMIT;
        let (out, state) = loop {
            let out = self.runc().args(["state", id]).output().unwrap();
            let state = String::from_utf8_lossy(&out.stdout).into_owned();
            if state.contains(r#""status": "running""#) || Instant::now() > deadline {
                break (out, state);
            }
            thread::sleep(Duration::from_millis(20));
        };
        assert!(
            state.contains(r#""status": "running""#),
            "runc state {id}: {state}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let field = state
            .split(r#""pid": "#)
            .nth(1)
            .expect("a pid in runc state");
        let digits: String = field.chars().take_while(char::is_ascii_digit).collect();
        digits.parse().expect("a numeric pid")
    }

    /// The ids of the containers runc keeps state for.
    fn containers(&self) -> Vec<String> {
        let state = self.dir.path().join("state");
        std::fs::read_dir(state)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect()
    }

    /// Starts the image's own command, staticd listening on a free loopback
    /// port named by `STATICD_LISTEN` (which the health check also reads).
    fn serve(&self) -> (Server, Container<'_>) {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let env = [format!("STATICD_LISTEN=127.0.0.1:{port}")];
        let (cmd, container) = self.run(&self.image.args, &env);
        let server = Server::launch(cmd);
        assert_eq!(
            server.addrs(),
            [SocketAddr::from(([127, 0, 0, 1], port))],
            "{}",
            server.announce()
        );
        (server, container)
    }
}

/// The fields of /proc/PID/status named `name`, whitespace-separated.
fn status_field(pid: u32, name: &str) -> Vec<String> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status
        .lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(':'))
        .unwrap_or_else(|| panic!("no {name} in /proc/{pid}/status"));
    line.split_whitespace().map(str::to_owned).collect()
}

/// Whether process `pid` is in the namespace `ns` of this test.
fn shares_namespace(pid: u32, ns: &str) -> bool {
    let link = |p: &str| std::fs::read_link(format!("/proc/{p}/ns/{ns}")).unwrap();
    link(&pid.to_string()) == link("self")
}

/// A loopback port that refuses connections for as long as the socket
/// lives: bound, so nobody else takes it, but not listening.
fn refusing_port() -> (rustix::fd::OwnedFd, u16) {
    use rustix::net::{AddressFamily, SocketType, bind, getsockname, socket};
    let fd = socket(AddressFamily::INET, SocketType::STREAM, None).expect("socket");
    bind(&fd, &SocketAddrV4::new(Ipv4Addr::LOCALHOST, 0)).expect("bind");
    let addr = SocketAddrV4::try_from(getsockname(&fd).expect("getsockname")).unwrap();
    (fd, addr.port())
}

/// Polls `check` every 20 ms until it holds, failing after `limit`.
fn wait_for(what: &str, limit: Duration, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + limit;
    while !check() {
        assert!(Instant::now() < deadline, "{what}: not after {limit:?}");
        thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn the_image_serves_and_its_health_check_answers_under_runc() {
    let Some(bundle) = Bundle::new(
        "the_image_serves_and_its_health_check_answers_under_runc",
        &[
            ("index.html", b"<h1>home</h1>"),
            ("hello.txt", b"Hello, World!"),
        ],
    ) else {
        return;
    };
    let (mut server, container) = bundle.serve();
    let r = server.get("/hello.txt");
    assert_eq!((r.status, r.body.as_slice()), (200, &b"Hello, World!"[..]));

    // The process is what the bundle says: PID 1 of its own namespaces, on
    // the host's network, the image's user, no capabilities, a read-only root.
    let pid = bundle.pid(&container.id);
    assert_eq!(status_field(pid, "NSpid").last().unwrap(), "1");
    for ns in ["pid", "mnt", "ipc", "uts"] {
        assert!(!shares_namespace(pid, ns), "{ns} namespace shared");
    }
    assert!(shares_namespace(pid, "net"), "not on the host's network");
    let (uid, gid) = bundle.image.user;
    assert_eq!(status_field(pid, "Uid"), vec![uid.to_string(); 4]);
    assert_eq!(status_field(pid, "Gid"), vec![gid.to_string(); 4]);
    for caps in ["CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"] {
        assert_eq!(status_field(pid, caps), ["0000000000000000"], "{caps}");
    }
    assert_eq!(status_field(pid, "NoNewPrivs"), ["1"]);
    let mounts = std::fs::read_to_string(format!("/proc/{pid}/mountinfo")).unwrap();
    let root = mounts
        .lines()
        .map(|l| l.split(' ').collect::<Vec<_>>())
        .find(|f| f[4] == "/")
        .expect("a root mount");
    assert!(root[5].split(',').any(|o| o == "ro"), "root {root:?}");

    // The HEALTHCHECK as the engine runs it: exec'd in the container with its
    // environment, so the probe finds the server where STATICD_LISTEN put it.
    let (code, line) = bundle.exec(&container.id, &bundle.image.health);
    assert_eq!(code, Some(0), "{line}");
    assert!(line.contains("200 OK"), "{line}");
    let (_refusing, port) = refusing_port();
    let url = format!("http://127.0.0.1:{port}/");
    let (code, line) = bundle.exec(
        &container.id,
        &[bundle.image.binary.clone(), "--probe".into(), url],
    );
    assert_eq!(code, Some(1), "{line}");
    assert!(line.contains("refused"), "{line}");

    bundle.kill(&container.id, "TERM");
    let status = server
        .wait_exit(GRACE)
        .expect("staticd still running under runc after SIGTERM and --grace");
    assert!(status.success(), "{status}; stderr:\n{}", server.stderr());
    assert_eq!(bundle.containers(), Vec::<String>::new(), "runc state left");
}

#[test]
fn a_download_in_flight_finishes_after_runc_kill_term() {
    let big = common::patterned_bytes(64 << 20, 17);
    let Some(bundle) = Bundle::new(
        "a_download_in_flight_finishes_after_runc_kill_term",
        &[("index.html", b"home"), ("big.bin", &big)],
    ) else {
        return;
    };
    let (mut server, container) = bundle.serve();
    let mut dl = TcpStream::connect(server.addr()).unwrap();
    dl.set_read_timeout(Some(common::IO_TIMEOUT)).unwrap();
    dl.write_all(common::get_req("/big.bin").as_bytes())
        .unwrap();
    let mut got = Vec::new();
    let mut chunk = vec![0u8; 64 << 10];
    while got.len() < 1 << 20 {
        let n = dl.read(&mut chunk).expect("the download starts");
        assert!(n > 0, "closed after {} bytes", got.len());
        got.extend_from_slice(&chunk[..n]);
    }

    bundle.kill(&container.id, "TERM");
    let killed = Instant::now();
    let before = got.len();
    // The stop has begun once the listeners are closed; the download waits.
    wait_for(
        "the listeners closed after SIGTERM",
        GRACE,
        || matches!(TcpStream::connect(server.addr()), Err(e) if e.kind() == ErrorKind::ConnectionRefused),
    );
    loop {
        match dl.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => got.extend_from_slice(&chunk[..n]),
            Err(e) => panic!("download: {e} after {} bytes", got.len()),
        }
    }
    let end = find(&got, b"\r\n\r\n").expect("a response head");
    let head = String::from_utf8_lossy(&got[..end]).into_owned();
    assert!(head.starts_with("HTTP/1.1 200 "), "{head}");
    common::assert_same_bytes(&got[end + 4..], &big);

    let left = GRACE.saturating_sub(killed.elapsed());
    let status = server
        .wait_exit(left)
        .unwrap_or_else(|| panic!("still running {GRACE:?} (--grace) after runc kill TERM"));
    assert!(status.success(), "{status}; stderr:\n{}", server.stderr());
    eprintln!(
        "runc kill TERM to {status} in {:?}; {} of {} bytes read after the signal",
        killed.elapsed(),
        got.len() - before,
        got.len()
    );
    assert_eq!(bundle.containers(), Vec::<String>::new(), "runc state left");
}
