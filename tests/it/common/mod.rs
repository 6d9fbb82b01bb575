//! Shared harness for the integration tests: temporary roots and the usual
//! test site, a running `staticd` child process, raw HTTP connections with a
//! buffered reader, a small response parser, IMF-fixdate checks, and the
//! seeded PRNG and test data the unit tests use too (src/testing/shared.rs).
#![allow(dead_code)]

use std::io::{BufRead, BufReader, ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// How long a socket read or write may block before the test fails.
pub const IO_TIMEOUT: Duration = Duration::from_secs(5);

/// How long the server gets to print its start-up line.
pub const START_TIMEOUT: Duration = Duration::from_secs(5);

/// The path of the staticd binary Cargo built for these tests.
pub const BIN: &str = env!("CARGO_BIN_EXE_staticd");

/// Hands out a distinct number to every temporary directory of this process.
static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// A unique temporary directory, removed (with everything in it) on drop.
pub struct TempDir {
    path: PathBuf,
}

impl TempDir {
    /// Creates an empty directory under the system temp dir, named after `tag`.
    pub fn new(tag: &str) -> TempDir {
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let path =
            std::env::temp_dir().join(format!("staticd-it-{}-{}-{}", std::process::id(), n, tag));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).expect("create temp dir");
        TempDir { path }
    }

    /// The directory's absolute path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes `contents` to `rel` (creating parent directories); returns its path.
    pub fn file(&self, rel: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let p = self.path.join(rel);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).expect("create parent dir");
        }
        std::fs::write(&p, contents).expect("write file");
        p
    }

    /// Creates the directory `rel` (and its parents); returns its path.
    pub fn dir(&self, rel: &str) -> PathBuf {
        let p = self.path.join(rel);
        std::fs::create_dir_all(&p).expect("create dir");
        p
    }

    /// Creates a symlink at `rel` pointing to `target` (taken verbatim).
    pub fn symlink(&self, target: impl AsRef<Path>, rel: &str) -> PathBuf {
        let p = self.path.join(rel);
        std::os::unix::fs::symlink(target, &p).expect("create symlink");
        p
    }

    /// Writes the usual test site under `rel` ("" for this directory itself):
    /// `hello.txt` ([`HELLO`]), `index.html` ([`INDEX`]) and `sub/index.html`
    /// ([`SUB_INDEX`]).
    pub fn usual_site(&self, rel: &str) {
        let dir = Path::new(rel);
        for (name, contents) in [
            ("hello.txt", HELLO),
            ("index.html", INDEX),
            ("sub/index.html", SUB_INDEX),
        ] {
            self.file(dir.join(name).to_str().expect("UTF-8 path"), contents);
        }
    }
}

/// The usual site's `hello.txt`.
pub const HELLO: &str = "hello, world\n";
/// The usual site's `index.html`.
pub const INDEX: &str = "<!DOCTYPE html><h1>home</h1>\n";
/// The usual site's `sub/index.html`.
pub const SUB_INDEX: &str = "<!DOCTYPE html><h1>sub</h1>\n";

/// A temporary root named after `tag` holding the usual test site
/// (see [`TempDir::usual_site`]); tests add their own files beside it.
pub fn site(tag: &str) -> TempDir {
    let root = TempDir::new(tag);
    root.usual_site("");
    root
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// `Command` for staticd with every `STATICD_*` variable removed, so the
/// environment the tests run in cannot change what is tested.
pub fn staticd() -> Command {
    let mut cmd = Command::new(BIN);
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("STATICD_") {
            cmd.env_remove(key);
        }
    }
    cmd
}

/// What a finished (non-serving) staticd run produced.
pub struct Outcome {
    /// How the process ended.
    pub status: ExitStatus,
    /// Everything written to stdout.
    pub stdout: String,
    /// Everything written to stderr.
    pub stderr: String,
}

/// Runs `cmd` to completion (killing it after `limit`, which fails the test)
/// and returns its status and output.
pub fn run_to_end(mut cmd: Command, limit: Duration) -> Outcome {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn staticd");
    let out = drain(child.stdout.take().unwrap());
    let err = drain(child.stderr.take().unwrap());
    let deadline = Instant::now() + limit;
    let status = loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "staticd {:?} still running after {limit:?}; stderr: {}",
                cmd.get_args().collect::<Vec<_>>(),
                err.join().unwrap()
            );
        }
        thread::sleep(Duration::from_millis(10));
    };
    let outcome = Outcome {
        status,
        stdout: out.join().unwrap(),
        stderr: err.join().unwrap(),
    };
    assert_no_panic(&outcome.stderr);
    outcome
}

/// Runs `staticd --probe ARGS...` and returns its exit code and its one
/// line of output.
pub fn probe(args: &[&str]) -> (Option<i32>, String) {
    let mut cmd = staticd();
    cmd.arg("--probe").args(args);
    let out = run_to_end(cmd, Duration::from_secs(10));
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    (out.status.code(), out.stderr)
}

/// Reads `r` to its end in a thread; the handle yields the text.
fn drain(mut r: impl Read + Send + 'static) -> JoinHandle<String> {
    thread::spawn(move || {
        let mut v = Vec::new();
        let _ = r.read_to_end(&mut v);
        String::from_utf8_lossy(&v).into_owned()
    })
}

/// Fails if staticd's stderr shows a panic.
pub fn assert_no_panic(stderr: &str) {
    assert!(
        !stderr.to_ascii_lowercase().contains("panic"),
        "staticd panicked; stderr:\n{stderr}"
    );
}

/// Sends SIGTERM to process `pid` (std only has SIGKILL).
pub fn sigterm(pid: u32) {
    signal(pid, "TERM");
}

/// Sends the signal named `sig` (`"USR1"`) to process `pid`.
pub fn signal(pid: u32, sig: &str) {
    let ok = Command::new("kill")
        .args([&format!("-{sig}"), &pid.to_string()])
        .status()
        .expect("run kill")
        .success();
    assert!(ok, "kill -{sig} {pid} failed");
}

/// The resident memory of process `pid` in KiB (VmRSS in /proc/PID/status).
pub fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("read status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .expect("VmRSS in /proc/PID/status")
}

/// The CPU time process `pid` has used so far, user and system, in clock ticks.
pub fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let fields: Vec<&str> = stat
        .rsplit(')')
        .next()
        .unwrap()
        .split_whitespace()
        .collect();
    fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap()
}

/// A running staticd, its announced addresses and its collected stderr.
pub struct Server {
    child: Option<Child>,
    /// The sockets it held when it announced itself: its listeners.
    listeners: usize,
    addrs: Vec<SocketAddr>,
    announce: String,
    stderr: Arc<Mutex<String>>,
    reader: Option<JoinHandle<()>>,
}

impl Server {
    /// Starts `staticd -l 127.0.0.1:0 -t 2 EXTRA... ROOT` and waits until it announces itself.
    pub fn start(root: &Path, extra: &[&str]) -> Server {
        let mut cmd = staticd();
        cmd.args(["-l", "127.0.0.1:0", "-t", "2"])
            .args(extra)
            .arg(root);
        Server::launch(cmd)
    }

    /// Spawns `cmd` (a staticd command line) and waits for its start-up line.
    pub fn launch(mut cmd: Command) -> Server {
        let mut child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn staticd");
        let stderr = Arc::new(Mutex::new(String::new()));
        let (tx, rx) = mpsc::channel();
        let pipe = child.stderr.take().unwrap();
        let collected = stderr.clone();
        let reader = thread::spawn(move || {
            let mut first = true;
            for line in BufReader::new(pipe).lines() {
                let Ok(line) = line else { break };
                {
                    let mut all = collected.lock().unwrap();
                    all.push_str(&line);
                    all.push('\n');
                }
                if first {
                    let _ = tx.send(line);
                    first = false;
                }
            }
        });
        let announce = match rx.recv_timeout(START_TIMEOUT) {
            Ok(line) => line,
            Err(_) => {
                let status = child.try_wait().ok().flatten();
                let _ = child.kill();
                let _ = child.wait();
                let _ = reader.join();
                panic!(
                    "staticd {:?} did not announce itself (status {status:?}); stderr:\n{}",
                    cmd.get_args().collect::<Vec<_>>(),
                    stderr.lock().unwrap()
                );
            }
        };
        let addrs = parse_announce(&announce);
        let listeners = sockets_of(child.id()).unwrap_or(0);
        let mut server = Server {
            child: Some(child),
            listeners,
            addrs,
            announce,
            stderr,
            reader: Some(reader),
        };
        if server.addrs.is_empty() {
            let line = server.announce.clone();
            server.kill();
            panic!("no http://ADDR/ in the start-up line {line:?}");
        }
        server
    }

    /// The first address the server announced.
    pub fn addr(&self) -> SocketAddr {
        self.addrs[0]
    }

    /// Every address the server announced, in order.
    pub fn addrs(&self) -> &[SocketAddr] {
        &self.addrs
    }

    /// The port of the first announced address.
    pub fn port(&self) -> u16 {
        self.addrs[0].port()
    }

    /// The start-up line, e.g. `staticd: serving R on http://127.0.0.1:P/ with 2 workers`.
    pub fn announce(&self) -> &str {
        &self.announce
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.as_ref().expect("server running").id()
    }

    /// Everything the server has written to stderr so far.
    pub fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// Sends SIGUSR1 until the newest stats line on stderr holds every one of
    /// `want` (workers publish their counters after each batch), and returns it.
    pub fn stats_with(&self, want: &[&str]) -> String {
        let mut line = String::new();
        eventually("a current stats line", || {
            signal(self.pid(), "USR1");
            thread::sleep(POLL_EVERY);
            let err = self.stderr();
            line = err
                .lines()
                .rev()
                .find(|l| l.contains("stats: "))
                .unwrap_or("")
                .to_string();
            want.iter()
                .all(|w| line.contains(w))
                .then_some(())
                .ok_or(line.clone())
        });
        line
    }

    /// Waits (up to 5 s) until the server holds exactly `n` client
    /// connections: it has accepted, or closed, what the test expects.
    pub fn await_connections(&self, n: usize, what: &str) {
        wait_for(what, Duration::from_secs(5), || {
            let sockets = sockets_of(self.pid()).expect("read /proc/PID/fd");
            let held = sockets.saturating_sub(self.listeners);
            (held == n)
                .then_some(())
                .ok_or(format!("{held} connections held, want {n}"))
        });
    }

    /// Opens a connection to the first address.
    pub fn connect(&self) -> Conn {
        Conn::open(self.addr())
    }

    /// Sends `raw` on a fresh connection and returns the raw bytes of the one response.
    pub fn request(&self, raw: &[u8]) -> Vec<u8> {
        self.exchange(raw).raw()
    }

    /// Sends `raw` on a fresh connection and parses the one response.
    pub fn exchange(&self, raw: &[u8]) -> Response {
        let mut c = self.connect();
        c.send(raw);
        c.read_response(raw.starts_with(b"HEAD "))
    }

    /// `GET path HTTP/1.1` with a Host header on a fresh connection.
    pub fn get(&self, path: &str) -> Response {
        self.exchange(get_req(path).as_bytes())
    }

    /// Sends SIGTERM to the server.
    pub fn term(&self) {
        sigterm(self.pid());
    }

    /// Waits up to `limit` for the server to exit; `None` if it is still running.
    pub fn wait_exit(&mut self, limit: Duration) -> Option<ExitStatus> {
        let child = self.child.as_mut().expect("server running");
        let deadline = Instant::now() + limit;
        loop {
            if let Some(status) = child.try_wait().expect("try_wait") {
                self.child = None;
                if let Some(r) = self.reader.take() {
                    let _ = r.join();
                }
                return Some(status);
            }
            if Instant::now() > deadline {
                return None;
            }
            thread::sleep(Duration::from_millis(5));
        }
    }

    /// The pid of staticd when it was launched under a wrapper (strace,
    /// unshare): the wrapper's only child.
    pub fn inner_pid(&self) -> u32 {
        let children = format!("/proc/{0}/task/{0}/children", self.pid());
        let list = std::fs::read_to_string(children).expect("read the wrapper's children");
        list.split_whitespace()
            .next()
            .expect("staticd under the wrapper")
            .parse()
            .unwrap()
    }

    /// Like [`Server::stop`], for staticd under a wrapper: SIGTERM goes to
    /// staticd itself, and the wrapper's exit status (staticd's) is returned.
    pub fn stop_inner(mut self) -> ExitStatus {
        sigterm(self.inner_pid());
        self.finish()
    }

    /// SIGTERMs the server, waits (up to 12 s) for it to exit, checks that
    /// stderr shows no panic and returns the exit status.
    pub fn stop(mut self) -> ExitStatus {
        self.term();
        self.finish()
    }

    /// Waits (up to 12 s) for an exit already asked for, checks that stderr
    /// shows no panic and returns the exit status.
    fn finish(&mut self) -> ExitStatus {
        let status = match self.wait_exit(Duration::from_secs(12)) {
            Some(s) => s,
            None => {
                self.kill();
                panic!("staticd did not exit within 12 s of SIGTERM");
            }
        };
        assert_no_panic(&self.stderr());
        status
    }

    /// SIGKILLs the server and reaps it.
    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        if let Some(r) = self.reader.take() {
            let _ = r.join();
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if self.child.is_some() {
            let _ = Command::new("kill")
                .args(["-TERM", &self.pid().to_string()])
                .status();
            if self.wait_exit(Duration::from_secs(3)).is_none() {
                self.kill();
            }
        }
        if !thread::panicking() {
            assert_no_panic(&self.stderr());
        }
    }
}

/// Extracts every `http://ADDR/` of a start-up line as a socket address.
pub fn parse_announce(line: &str) -> Vec<SocketAddr> {
    line.split("http://")
        .skip(1)
        .filter_map(|rest| rest.split('/').next()?.parse().ok())
        .collect()
}

/// A plain `GET path HTTP/1.1` request with a Host header.
pub fn get_req(path: &str) -> String {
    format!("GET {path} HTTP/1.1\r\nHost: test\r\n\r\n")
}

/// A plain `HEAD path HTTP/1.1` request with a Host header.
pub fn head_req(path: &str) -> String {
    format!("HEAD {path} HTTP/1.1\r\nHost: test\r\n\r\n")
}

/// A `METHOD path HTTP/1.1` request with a Host header and the given extra fields.
pub fn request_with(method: &str, path: &str, fields: &[(&str, &str)]) -> String {
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: test\r\n");
    for (name, value) in fields {
        req.push_str(&format!("{name}: {value}\r\n"));
    }
    req.push_str("\r\n");
    req
}

/// Sends `req` on `conn` and reads its one response (no body for HEAD).
pub fn ask(conn: &mut Conn, req: &str) -> Response {
    conn.send(req.as_bytes());
    conn.read_response(req.starts_with("HEAD "))
}

/// The ETag staticd gives a representation whose bytes are `body`: the
/// content hash, the same on any machine for the same bytes.
pub fn content_etag(body: &[u8]) -> String {
    let digest = staticd::cache::digest::Digest::of(body);
    let tag = staticd::http::response::Etag::from_digest(digest);
    String::from_utf8_lossy(tag.as_bytes()).into_owned()
}

/// [`ask`] again until the answer carries an ETag: a file sent with
/// sendfile gets its tag once the hashing thread has read it.
pub fn ask_until_etag(conn: &mut Conn, req: &str) -> Response {
    let start = Instant::now();
    loop {
        let r = ask(conn, req);
        if r.header("etag").is_some() || start.elapsed() >= POLL_LIMIT {
            return r;
        }
        thread::sleep(POLL_EVERY);
    }
}

/// Like [`Server::exchange`] for a GET request `req`, but a connection that
/// closes, fails or stalls before the whole response has come is an `Err`
/// (naming the request), so that a poll can try again.
pub fn try_exchange(server: &Server, req: &str) -> Result<Response, String> {
    let target = req.split(' ').take(2).collect::<Vec<_>>().join(" ");
    let mut stream = TcpStream::connect(server.addr()).map_err(|e| e.to_string())?;
    stream.set_read_timeout(Some(IO_TIMEOUT)).unwrap();
    stream
        .write_all(req.as_bytes())
        .map_err(|e| format!("sending {target}: {e}"))?;
    let mut buf = Vec::new();
    let mut chunk = vec![0u8; 64 * 1024];
    loop {
        if let Some(end) = find(&buf, b"\r\n\r\n") {
            let mut r = Response::from_head(buf[..end + 4].to_vec());
            let len = r
                .content_length()
                .ok_or_else(|| format!("no Content-Length: {}", show(&r)))?;
            if buf.len() >= end + 4 + len {
                r.body = buf[end + 4..end + 4 + len].to_vec();
                return Ok(r);
            }
        }
        match stream.read(&mut chunk) {
            Ok(0) => {
                return Err(format!(
                    "{target}: connection closed after {} bytes: {:?}",
                    buf.len(),
                    String::from_utf8_lossy(&buf[..buf.len().min(300)])
                ));
            }
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
            Err(e) => return Err(format!("{target}: {e} after {} bytes", buf.len())),
        }
    }
}

/// One client connection that buffers what it has read but not yet consumed.
pub struct Conn {
    /// The socket, with read and write timeouts set.
    pub stream: TcpStream,
    buf: Vec<u8>,
}

impl Conn {
    /// Connects to `addr` with [`IO_TIMEOUT`] on reads and writes.
    pub fn open(addr: SocketAddr) -> Conn {
        let stream = TcpStream::connect_timeout(&addr, IO_TIMEOUT)
            .unwrap_or_else(|e| panic!("connect to {addr}: {e}"));
        stream.set_read_timeout(Some(IO_TIMEOUT)).unwrap();
        stream.set_write_timeout(Some(IO_TIMEOUT)).unwrap();
        stream.set_nodelay(true).unwrap();
        Conn {
            stream,
            buf: Vec::new(),
        }
    }

    /// Writes all of `raw`, failing the test on any error.
    pub fn send(&mut self, raw: &[u8]) {
        self.stream.write_all(raw).expect("send request");
    }

    /// Writes `raw` but ignores a reset or broken pipe (the server may close
    /// early when it rejects a request before reading all of it).
    pub fn send_lenient(&mut self, raw: &[u8]) {
        if let Err(e) = self.stream.write_all(raw) {
            assert!(
                matches!(e.kind(), ErrorKind::BrokenPipe | ErrorKind::ConnectionReset),
                "send request: {e}"
            );
        }
    }

    /// Reads once more from the socket into the buffer; returns the count (0 at EOF).
    fn fill(&mut self) -> std::io::Result<usize> {
        let mut chunk = vec![0u8; 64 * 1024];
        // A read with a timeout that a stop and continue of this process
        // interrupts fails with EINTR (signal(7)): not the connection's fault.
        let n = loop {
            match self.stream.read(&mut chunk) {
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                read => break read?,
            }
        };
        self.buf.extend_from_slice(&chunk[..n]);
        Ok(n)
    }

    /// Reads until one response head is complete and consumes it (no body).
    pub fn read_head(&mut self) -> Response {
        loop {
            if let Some(end) = find(&self.buf, b"\r\n\r\n") {
                let head: Vec<u8> = self.buf.drain(..end + 4).collect();
                return Response::from_head(head);
            }
            match self.fill() {
                Ok(0) => panic!(
                    "connection closed before a complete response head; got {:?}",
                    String::from_utf8_lossy(&self.buf)
                ),
                Ok(_) => {}
                Err(e) => panic!(
                    "reading response head: {e}; got so far {:?}",
                    String::from_utf8_lossy(&self.buf)
                ),
            }
        }
    }

    /// Reads and consumes exactly `n` bytes.
    pub fn take(&mut self, n: usize) -> Vec<u8> {
        while self.buf.len() < n {
            match self.fill() {
                Ok(0) => panic!(
                    "connection closed after {} of {n} expected bytes",
                    self.buf.len()
                ),
                Ok(_) => {}
                Err(e) => panic!("reading {n} bytes (have {}): {e}", self.buf.len()),
            }
        }
        self.buf.drain(..n).collect()
    }

    /// Reads one response; `head_only` (the request was HEAD) means no body
    /// follows, otherwise the body is exactly Content-Length bytes.
    pub fn read_response(&mut self, head_only: bool) -> Response {
        let mut r = self.read_head();
        if !head_only && !matches!(r.status, 100..=199 | 204 | 304) {
            let len = r.content_length().unwrap_or_else(|| {
                panic!(
                    "response without a valid Content-Length: {:?}",
                    String::from_utf8_lossy(&r.head)
                )
            });
            r.body = self.take(len);
        }
        r
    }

    /// Reads everything until the peer closes (a reset after data counts as a close).
    pub fn read_to_eof(&mut self) -> Vec<u8> {
        loop {
            match self.fill() {
                Ok(0) => break,
                Ok(_) => {}
                Err(e) if e.kind() == ErrorKind::ConnectionReset => break,
                Err(e) => panic!(
                    "connection not closed by the server ({e}); read so far {:?}",
                    String::from_utf8_lossy(&self.buf)
                ),
            }
        }
        std::mem::take(&mut self.buf)
    }

    /// Fails unless the server closes the connection with nothing more to read.
    pub fn assert_closed(&mut self) {
        let rest = self.read_to_eof();
        assert!(
            rest.is_empty(),
            "unexpected bytes after the response before close: {:?}",
            String::from_utf8_lossy(&rest)
        );
    }

    /// Fails if any byte arrives (or the peer closes) within `ms` milliseconds:
    /// the connection is open with nothing unread.
    pub fn assert_idle(&mut self, ms: u64) {
        assert!(
            self.buf.is_empty(),
            "unexpected extra bytes: {:?}",
            String::from_utf8_lossy(&self.buf)
        );
        self.stream
            .set_read_timeout(Some(Duration::from_millis(ms)))
            .unwrap();
        let got = self.fill();
        self.stream.set_read_timeout(Some(IO_TIMEOUT)).unwrap();
        match got {
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Ok(0) => panic!("connection closed, expected it to stay open"),
            Ok(_) => panic!(
                "unexpected extra bytes: {:?}",
                String::from_utf8_lossy(&self.buf)
            ),
            Err(e) => panic!("connection failed, expected it to stay open: {e}"),
        }
    }

    /// Shuts down the sending half, telling the server no more requests follow.
    pub fn shutdown_write(&self) {
        let _ = self.stream.shutdown(Shutdown::Write);
    }
}

/// Reads exactly `methods.len()` responses from `conn` (pipelining); a
/// `HEAD` entry means that response has no body.
pub fn read_responses(conn: &mut Conn, methods: &[&str]) -> Vec<Response> {
    methods
        .iter()
        .map(|m| conn.read_response(m.eq_ignore_ascii_case("HEAD")))
        .collect()
}

/// Splits a byte stream of complete responses to GET requests into responses.
pub fn parse_responses(mut bytes: &[u8]) -> Vec<Response> {
    let mut out = Vec::new();
    while !bytes.is_empty() {
        let end = find(bytes, b"\r\n\r\n").unwrap_or_else(|| {
            panic!(
                "trailing bytes are not a response head: {:?}",
                String::from_utf8_lossy(bytes)
            )
        });
        let mut r = Response::from_head(bytes[..end + 4].to_vec());
        bytes = &bytes[end + 4..];
        let len = r.content_length().expect("Content-Length");
        assert!(bytes.len() >= len, "response body cut short");
        r.body = bytes[..len].to_vec();
        bytes = &bytes[len..];
        out.push(r);
    }
    out
}

/// The index of the first occurrence of `needle` in `hay`.
pub fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// One parsed HTTP response.
#[derive(Clone, Debug)]
pub struct Response {
    /// The raw head, status line through the blank line.
    pub head: Vec<u8>,
    /// The protocol version of the status line, e.g. `HTTP/1.1`.
    pub version: String,
    /// The status code.
    pub status: u16,
    /// The header fields in order, names as sent.
    pub headers: Vec<(String, String)>,
    /// The body (empty for HEAD).
    pub body: Vec<u8>,
}

impl Response {
    /// Parses a complete raw response to a non-HEAD request (body by Content-Length, exact).
    pub fn parse(raw: &[u8]) -> Response {
        let end = find(raw, b"\r\n\r\n").expect("response head end");
        let mut r = Response::from_head(raw[..end + 4].to_vec());
        r.body = raw[end + 4..].to_vec();
        if let Some(len) = r.content_length() {
            assert_eq!(r.body.len(), len, "body length vs Content-Length");
        }
        r
    }

    /// Parses a head (status line, fields, blank line); the body is left empty.
    pub fn from_head(head: Vec<u8>) -> Response {
        let text = String::from_utf8_lossy(&head).into_owned();
        assert!(
            text.ends_with("\r\n\r\n"),
            "head must end with CRLF CRLF: {text:?}"
        );
        let mut lines = text[..text.len() - 4].split("\r\n");
        let status_line = lines.next().unwrap();
        let mut parts = status_line.splitn(3, ' ');
        let version = parts.next().unwrap_or("").to_string();
        assert!(
            version == "HTTP/1.1" || version == "HTTP/1.0",
            "bad status line {status_line:?}"
        );
        let status: u16 = parts
            .next()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("bad status line {status_line:?}"));
        let headers = lines
            .map(|l| {
                let (name, value) = l
                    .split_once(':')
                    .unwrap_or_else(|| panic!("bad header line {l:?} in {text:?}"));
                assert!(
                    !name.is_empty() && !name.contains(' '),
                    "bad header name in {l:?}"
                );
                (name.to_string(), value.trim().to_string())
            })
            .collect();
        Response {
            head,
            version,
            status,
            headers,
            body: Vec::new(),
        }
    }

    /// The value of the first field named `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Every value of fields named `name` (case-insensitive), in order.
    pub fn header_all(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// Content-Length as a number, if present and valid.
    pub fn content_length(&self) -> Option<usize> {
        self.header("content-length")?.parse().ok()
    }

    /// The body as (lossy) text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The head and body as one byte string.
    pub fn raw(&self) -> Vec<u8> {
        let mut v = self.head.clone();
        v.extend_from_slice(&self.body);
        v
    }

    /// Whether the `Connection` field lists `token` (case-insensitive).
    pub fn connection_has(&self, token: &str) -> bool {
        self.header_all("connection")
            .iter()
            .any(|v| v.split(',').any(|t| t.trim().eq_ignore_ascii_case(token)))
    }

    /// Fails unless this is an error page: `status`, an HTML body, short, whose
    /// length matches Content-Length (for HEAD, only the headers are checked).
    pub fn assert_error_page(&self, status: u16, head_only: bool) {
        assert_eq!(self.status, status, "response: {self:?}");
        let ct = self.header("content-type").unwrap_or("");
        assert!(ct.starts_with("text/html"), "error Content-Type {ct:?}");
        let len = self.content_length().expect("error Content-Length");
        assert!(
            len > 0 && len < 1024,
            "error body should be short HTML: {len}"
        );
        if !head_only {
            assert_eq!(self.body.len(), len);
            let text = self.text();
            assert!(
                text.contains("<html") || text.contains("<!DOCTYPE"),
                "error body is not HTML: {text:?}"
            );
            assert!(
                text.contains(&status.to_string()),
                "error body does not mention {status}: {text:?}"
            );
        }
    }
}

/// A short printable description of a response (its head, body size and
/// first 80 body bytes), for failure messages.
pub fn show(r: &Response) -> String {
    let body = &r.body[..r.body.len().min(80)];
    format!(
        "{}[{} body bytes: {:?}]",
        String::from_utf8_lossy(&r.head),
        r.body.len(),
        String::from_utf8_lossy(body)
    )
}

/// The value of the field `name` of `r`, failing the test if it is missing.
pub fn must<'a>(r: &'a Response, name: &str) -> &'a str {
    r.header(name)
        .unwrap_or_else(|| panic!("no {name} in {}", show(r)))
}

/// Fails (without printing megabytes) unless `got` equals `want` byte for byte.
pub fn assert_same_bytes(got: &[u8], want: &[u8]) {
    if got != want {
        let first = got.iter().zip(want).position(|(a, b)| a != b);
        panic!(
            "bodies differ: got {} bytes, want {}; first difference at {:?}",
            got.len(),
            want.len(),
            first
        );
    }
}

// The seeded PRNG and the smuggling framings, shared with the unit tests.
include!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/src/testing/shared.rs"
));

/// `n` deterministic pseudo-random bytes from `seed`.
pub fn random_bytes(n: usize, seed: u64) -> Vec<u8> {
    Rng::new(seed).bytes(n)
}

/// `n` bytes made cheaply from one random MiB repeated, each MiB stamped
/// with its index so that misplaced chunks are still detected.
pub fn patterned_bytes(n: usize, seed: u64) -> Vec<u8> {
    let base = random_bytes(1 << 20, seed);
    let mut out = Vec::with_capacity(n + base.len());
    let mut i = 0u64;
    while out.len() < n {
        let start = out.len();
        out.extend_from_slice(&base);
        out[start..start + 8].copy_from_slice(&i.to_le_bytes());
        i += 1;
    }
    out.truncate(n);
    out
}

/// Full weekday names, Sunday first (HTTP-dates use the first three letters,
/// RFC 850 dates the whole name).
pub const WEEKDAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];

/// Month abbreviations, January first.
pub const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Days since 1970-01-01 of a proleptic Gregorian date.
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (i64::from(m) + 9) % 12;
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Parses a strict IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`) into Unix
/// seconds; `None` if the format or the weekday is wrong.
pub fn parse_imf_fixdate(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() != 29 || &s[3..5] != ", " || &s[25..] != " GMT" {
        return None;
    }
    if b[7] != b' ' || b[11] != b' ' || b[16] != b' ' || b[19] != b':' || b[22] != b':' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let t = &s[r];
        t.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| t.parse().ok())
            .flatten()
    };
    let day = num(5..7)?;
    let month = MONTHS.iter().position(|m| *m == &s[8..11])? as u32 + 1;
    let year = num(12..16)?;
    let (h, mi, sec) = (num(17..19)?, num(20..22)?, num(23..25)?);
    if !(1..=31).contains(&day) || h > 23 || mi > 59 || sec > 60 {
        return None;
    }
    let days = days_from_civil(year, month, day as u32);
    if WEEKDAYS[(days + 4).rem_euclid(7) as usize][..3] != s[..3] {
        return None;
    }
    Some(days * 86_400 + h * 3600 + mi * 60 + sec)
}

/// The current time in Unix seconds.
pub fn now_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// Overwrites the first bytes of `path` with `data` without truncating it.
pub fn write_in_place(path: &Path, data: &[u8]) {
    let mut f = std::fs::OpenOptions::new().write(true).open(path).unwrap();
    f.write_all(data).unwrap();
}

/// The modification time of `path` in whole Unix seconds.
pub fn mtime_secs(path: &Path) -> i64 {
    std::fs::metadata(path)
        .unwrap()
        .modified()
        .unwrap()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// How long a change on disk may take to show (1 s, plus slack).
pub const POLL_LIMIT: Duration = Duration::from_millis(1500);

/// How often a change on disk is polled for.
pub const POLL_EVERY: Duration = Duration::from_millis(20);

/// Polls `check` every [`POLL_EVERY`] until it passes, failing after
/// [`POLL_LIMIT`] with its last complaint; once it passes it must keep passing.
pub fn eventually(what: &str, mut check: impl FnMut() -> Result<(), String>) {
    let start = Instant::now();
    loop {
        match check() {
            Ok(()) => break,
            Err(e) if start.elapsed() >= POLL_LIMIT => {
                panic!(
                    "{what}: still wrong {:?} after the change: {e}",
                    start.elapsed()
                )
            }
            Err(_) => thread::sleep(POLL_EVERY),
        }
    }
    for _ in 0..3 {
        if let Err(e) = check() {
            panic!("{what}: right once, then wrong again: {e}");
        }
    }
}

/// Takes the lock of the tests that measure their own server (timing, memory,
/// descriptors, CPU ticks) or load the machine heavily, so that no two of them
/// run at once: all areas share this process and run in parallel threads.
pub fn measuring() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

/// Polls `check` every [`POLL_EVERY`] until it passes, failing after `limit`
/// with `what` and its last complaint.
pub fn wait_for(what: &str, limit: Duration, mut check: impl FnMut() -> Result<(), String>) {
    let start = Instant::now();
    loop {
        match check() {
            Ok(()) => return,
            Err(e) if start.elapsed() >= limit => {
                panic!("still not {what} after {:?}: {e}", start.elapsed())
            }
            Err(_) => thread::sleep(POLL_EVERY),
        }
    }
}

/// How many sockets process `pid` holds; `None` if its descriptors cannot be read.
pub fn sockets_of(pid: u32) -> Option<usize> {
    let fds = std::fs::read_dir(format!("/proc/{pid}/fd")).ok()?;
    let sockets = fds
        .filter_map(|e| std::fs::read_link(e.ok()?.path()).ok())
        .filter(|target| target.to_string_lossy().starts_with("socket:"));
    Some(sockets.count())
}

/// Waits (up to 5 s) until a response arrives on `stream`, which the test
/// does not read, and stops growing: the socket buffers between the server
/// and the test are full, so the server waits for the reader.
pub fn await_stalled(stream: &TcpStream) {
    // Peeking copies what is queued, so the buffer must hold all of it.
    let mut buf = vec![0u8; 32 << 20];
    stream.set_nonblocking(true).expect("set non-blocking");
    let mut last = 0;
    wait_for("a full receive queue", Duration::from_secs(5), || {
        let now = match stream.peek(&mut buf) {
            Ok(n) => n,
            Err(e) if e.kind() == ErrorKind::WouldBlock => 0,
            Err(e) => panic!("peek: {e}"),
        };
        let full = now > 0 && now == last;
        last = now;
        full.then_some(())
            .ok_or(format!("{now} bytes queued, still growing"))
    });
    stream.set_nonblocking(false).expect("set blocking");
}

/// Waits (up to 1 s) until the file system clock has moved past `path`'s
/// modification time, so that a write from now on gives it another one.
pub fn tick_past(path: &Path) {
    let mtime = std::fs::metadata(path).unwrap().modified().unwrap();
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    let probe = std::env::temp_dir().join(format!("staticd-it-{}-{n}-clock", std::process::id()));
    let deadline = Instant::now() + Duration::from_secs(1);
    loop {
        let _ = std::fs::remove_file(&probe);
        std::fs::File::create(&probe).expect("create the clock probe");
        let now = std::fs::metadata(&probe).unwrap().modified().unwrap();
        if now > mtime {
            break;
        }
        assert!(Instant::now() < deadline, "the file clock stands still");
        thread::sleep(Duration::from_millis(1));
    }
    let _ = std::fs::remove_file(&probe);
}

/// `sh -c SCRIPT staticd ARGS...`: SCRIPT runs the shell commands `setup`,
/// then execs staticd with `vars` set (`$$` is staticd's own pid, as exec
/// keeps it).
pub fn supervised(setup: &str, vars: &str, args: &[&str]) -> Command {
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg(format!("{setup}{vars} exec \"$0\" \"$@\""))
        .arg(BIN)
        .args(args);
    cmd
}

/// The shell commands that move descriptor `fd` to descriptor 3.
fn move_to_fd3(fd: i32) -> String {
    if fd == 3 {
        String::new()
    } else {
        format!("exec 3<&{fd} {fd}<&-; ")
    }
}

/// `supervised(...)` handing `listener` down as descriptor 3. The listener
/// turns inheritable in the child only: an inheritable descriptor in this
/// process would leak into the children that tests of other areas spawn
/// meanwhile.
pub fn passing(listener: &TcpListener, vars: &str, args: &[&str]) -> Command {
    use std::os::fd::AsRawFd;
    use std::os::unix::process::CommandExt;
    let fd = listener.as_raw_fd();
    let mut cmd = supervised(&move_to_fd3(fd), vars, args);
    // SAFETY: the closure runs in the forked child before exec and makes one
    // fcntl system call on a descriptor the parent keeps open until spawn
    // returns; it allocates nothing.
    unsafe {
        cmd.pre_exec(move || {
            let os = |e: rustix::io::Errno| std::io::Error::from_raw_os_error(e.raw_os_error());
            // SAFETY: `fd` is open in the child, a copy of the parent's listener.
            let fd = rustix::fd::BorrowedFd::borrow_raw(fd);
            rustix::io::fcntl_setfd(fd, rustix::io::FdFlags::empty()).map_err(os)
        });
    }
    cmd
}
