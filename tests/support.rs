//! Shared helpers: temporary copies of the sample ISMS and the `isms` binary.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use chrono::NaiveDate;

/// The date every test checks against.
pub fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 21).expect("a valid date")
}

/// The sample ISMS in the source tree (read-only).
pub fn sample() -> PathBuf {
    hermetic();
    Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-isms")
}

/// Makes in-process git read no configuration but a repository's own: libgit2's
/// global, XDG and system search paths point at an empty folder, so a developer's
/// ~/.gitconfig (a user.name, a signing key) cannot change what a test sees. The
/// subprocess tests get a HOME of their own ([`Signed`]).
pub fn hermetic() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let empty = std::env::temp_dir().join(format!(
            "isms-desk-tests-{}-no-git-config",
            std::process::id()
        ));
        fs::create_dir_all(&empty).expect("an empty folder for git's search paths");
        for level in [
            git2::ConfigLevel::System,
            git2::ConfigLevel::XDG,
            git2::ConfigLevel::Global,
            git2::ConfigLevel::ProgramData,
        ] {
            // SAFETY: called once, before any test of this process opens a repository
            // through this helper; libgit2 reads the paths when it opens a config.
            #[allow(unsafe_code)]
            unsafe { git2::opts::set_search_path(level, &empty) }
                .expect("libgit2 takes a search path");
        }
    });
}

/// A temporary copy of the sample ISMS, git-initialised.
pub struct Copy {
    pub dir: tempfile::TempDir,
}

impl Copy {
    pub fn new() -> Copy {
        let dir = tempfile::tempdir().expect("a temporary directory");
        copy_dir(&sample(), dir.path());
        git2::Repository::init(dir.path()).expect("git init works in a temporary directory");
        Copy { dir }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn file(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    pub fn read(&self, rel: &str) -> String {
        fs::read_to_string(self.file(rel)).expect("the file exists in the copy")
    }

    pub fn write(&self, rel: &str, text: &str) {
        fs::write(self.file(rel), text).expect("the copy is writable");
    }

    /// The sample under another methodology (`tests/methodologies/<name>.yaml`): its
    /// `methodology:` block in place of the sample's, and every level of every risk
    /// brought onto the new scales (a level above a scale's top becomes the top).
    pub fn with_methodology(name: &str) -> Copy {
        let copy = Copy::new();
        copy.reshape(name);
        copy
    }

    /// This copy under another methodology, as [`Copy::with_methodology`] makes it.
    pub fn reshape(&self, name: &str) {
        let copy = self;
        copy.use_methodology(name);
        let text = methodology_fixture(name);
        let size = |key: &str| {
            let block = text
                .split(&format!("  {key}:\n"))
                .nth(1)
                .expect("the scale is there");
            block
                .lines()
                .take_while(|l| l.starts_with("    - "))
                .count() as u8
        };
        let (l, i) = (size("likelihood"), size("impact"));
        for entry in fs::read_dir(copy.file("risks")).expect("risks/") {
            let path = entry.expect("an entry").path();
            let clamped: Vec<String> = fs::read_to_string(&path)
                .expect("a risk")
                .split('\n')
                .map(|line| {
                    for (key, top) in [
                        ("likelihood", l),
                        ("impact", i),
                        ("residual_likelihood", l),
                        ("residual_impact", i),
                    ] {
                        if let Some(n) = line
                            .strip_prefix(&format!("{key}: "))
                            .and_then(|n| n.trim().parse::<u8>().ok())
                        {
                            return format!("{key}: {}", n.min(top));
                        }
                    }
                    if let Some(at) = line.find("as_scored: {") {
                        let inner = &line[at + 12..line.len() - 1];
                        let levels: Vec<String> = inner
                            .split(", ")
                            .map(|kv| {
                                let (k, v) = kv.split_once(": ").expect("key: value");
                                let top = if k.contains("likelihood") { l } else { i };
                                format!("{k}: {}", v.parse::<u8>().expect("a level").min(top))
                            })
                            .collect();
                        return format!("{}as_scored: {{{}}}", &line[..at], levels.join(", "));
                    }
                    line.to_string()
                })
                .collect();
            fs::write(&path, clamped.join("\n")).expect("writable");
        }
    }

    /// Puts the methodology of `tests/methodologies/<name>.yaml` in isms.yaml, in
    /// place of the one there; the risks are left as they are.
    pub fn use_methodology(&self, name: &str) {
        let text = methodology_fixture(name);
        let block = &text[text.find("methodology:").expect("a methodology block")..];
        let config = self.read("isms.yaml");
        let start = config
            .find("\nmethodology:")
            .expect("isms.yaml has a methodology")
            + 1;
        let end = start
            + config[start..]
                .find("\nroles:")
                .expect("roles follow the methodology")
            + 1;
        self.write(
            "isms.yaml",
            &format!(
                "{}{}\n{}",
                &config[..start],
                block.trim_end(),
                &config[end - 1..]
            ),
        );
    }

    /// Replaces `from` with `to` in a file; the text must be there.
    pub fn edit(&self, rel: &str, from: &str, to: &str) {
        let text = self.read(rel);
        assert!(text.contains(from), "{rel} does not contain {from:?}");
        self.write(rel, &text.replacen(from, to, 1));
    }
}

/// The text of `tests/methodologies/<name>.yaml`.
pub fn methodology_fixture(name: &str) -> String {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/methodologies/{name}.yaml"));
    fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).expect("can create folders");
    for entry in fs::read_dir(from).expect("the sample is readable") {
        let entry = entry.expect("a directory entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("a file type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), target).expect("can copy a file");
        }
    }
}

/// The `isms` binary, built once per test run (it lives in another package, so
/// cargo does not hand us its path).
pub fn isms_bin() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        // Another build of `isms` (an older commit's, to see a new test fail
        // against the code before a fix): ISMS_BIN=/path/to/isms.
        if let Some(bin) = std::env::var_os("ISMS_BIN") {
            return PathBuf::from(bin);
        }
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let status = Command::new(cargo)
            .args(["build", "-q", "-p", "isms-cli", "--bin", "isms"])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .status()
            .expect("cargo runs");
        assert!(status.success(), "building the isms binary failed");
        let exe = std::env::current_exe().expect("the test binary has a path");
        // target/<profile>/deps/main-<hash> → target/<profile>/isms
        exe.parent()
            .and_then(Path::parent)
            .expect("target/<profile>")
            .join("isms")
    })
}

/// Runs `isms` and returns (exit code, stdout, stderr).
pub fn isms(args: &[&str]) -> (i32, String, String) {
    static LOGS: OnceLock<tempfile::TempDir> = OnceLock::new();
    let logs = LOGS.get_or_init(|| tempfile::tempdir().expect("a folder for the log files"));
    let out = Command::new(isms_bin())
        .args(args)
        // Never the developer's own log folder.
        .env("ISMS_DESK_LOG_DIR", logs.path())
        .output()
        .expect("the isms binary runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Runs `isms --repo <repo> args…` → (exit code, stdout as bytes: a PDF or an xlsx is
/// printed too, stderr).
pub fn isms_in(repo: &Path, args: &[&str]) -> (i32, Vec<u8>, String) {
    let out = Command::new(isms_bin())
        .arg("--repo")
        .arg(repo)
        .args(args)
        .output()
        .expect("isms runs");
    (
        out.status.code().unwrap_or(-1),
        out.stdout,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Runs git in `dir` as the sample's ISM at `seconds` (author, committer and date
/// fixed, so the same commits have the same ids every run) → stdout, trimmed.
pub fn git_as_ism(dir: &Path, args: &[&str], seconds: i64) -> String {
    let date = format!("@{seconds} +0200");
    let out = Command::new("git")
        .current_dir(dir)
        .args(args)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", dir)
        .env("GIT_AUTHOR_NAME", "Ingrid Solberg")
        .env("GIT_AUTHOR_EMAIL", "ingrid.solberg@kestrelcart.example")
        .env("GIT_COMMITTER_NAME", "Ingrid Solberg")
        .env("GIT_COMMITTER_EMAIL", "ingrid.solberg@kestrelcart.example")
        .env("GIT_AUTHOR_DATE", &date)
        .env("GIT_COMMITTER_DATE", &date)
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// Commits everything in `dir` on `main` as the sample's ISM at `seconds` → the
/// commit's id.
pub fn commit_all(dir: &Path, message: &str, seconds: i64) -> String {
    git_as_ism(dir, &["symbolic-ref", "HEAD", "refs/heads/main"], seconds);
    git_as_ism(dir, &["add", "-A"], seconds);
    git_as_ism(
        dir,
        &["commit", "-q", "--no-gpg-sign", "-m", message],
        seconds,
    );
    git_as_ism(dir, &["rev-parse", "HEAD"], seconds)
}

/// The `{"error": {"code", "message"}}` that `isms --format json` prints on failure.
pub fn error_of(stderr: &str) -> (String, String) {
    let v: serde_json::Value = serde_json::from_str(stderr.trim())
        .unwrap_or_else(|e| panic!("not a JSON error ({e}): {stderr}"));
    let field = |name: &str| {
        v["error"][name]
            .as_str()
            .unwrap_or_else(|| panic!("no error.{name} in {stderr}"))
            .to_string()
    };
    (field("code"), field("message"))
}

/// Compares text with a golden file; `UPDATE_GOLDEN=1` rewrites it.
pub fn golden(name: &str, actual: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        fs::write(&path, actual).expect("golden files are writable");
    }
    let expected = fs::read_to_string(&path).unwrap_or_else(|_| {
        panic!(
            "missing golden file {}; run with UPDATE_GOLDEN=1",
            path.display()
        )
    });
    if actual != expected {
        panic!(
            "output differs from {} (UPDATE_GOLDEN=1 rewrites it after review):\n{}",
            path.display(),
            first_difference(&expected, actual)
        );
    }
}

/// The first place two texts differ, as a few numbered lines of each around it.
fn first_difference(expected: &str, actual: &str) -> String {
    let (e, a): (Vec<&str>, Vec<&str>) = (expected.lines().collect(), actual.lines().collect());
    let same_start = e.iter().zip(&a).take_while(|(x, y)| x == y).count();
    let same_end = e[same_start..]
        .iter()
        .rev()
        .zip(a[same_start..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let from = same_start.saturating_sub(2);
    let mut out = String::new();
    for (i, line) in e.iter().enumerate().take(e.len() - same_end).skip(from) {
        let mark = if i < same_start { ' ' } else { '-' };
        out.push_str(&format!("{mark}{:>5} | {line}\n", i + 1));
    }
    for (i, line) in a
        .iter()
        .enumerate()
        .take(a.len() - same_end)
        .skip(same_start)
    {
        out.push_str(&format!("+{:>5} | {line}\n", i + 1));
    }
    if expected.ends_with('\n') != actual.ends_with('\n') {
        out.push_str("(the two differ in the newline at the end)\n");
    }
    out
}

/// A git repository of the sample ISMS with a person's SSH key, in a sandbox with its
/// own HOME (no global git config leaks in) and its own ISMS Desk settings.
pub struct Signed {
    pub copy: Copy,
    pub home: tempfile::TempDir,
    /// Ingrid Solberg's (ISM) private key, whose public half is in isms.yaml.
    pub key: PathBuf,
}

/// Generates an ed25519 key with ssh-keygen; returns the private key path.
pub fn keygen(dir: &Path, name: &str, passphrase: &str) -> PathBuf {
    let path = dir.join(name);
    let out = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-C", name, "-N", passphrase, "-f"])
        .arg(&path)
        .output()
        .expect("ssh-keygen runs");
    assert!(
        out.status.success(),
        "ssh-keygen: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    path
}

/// The `ssh-ed25519 AAAA…` part of a key's public half.
pub fn public_key(private: &Path) -> String {
    let text = fs::read_to_string(private.with_extension("pub")).expect("the .pub file exists");
    text.split_whitespace()
        .take(2)
        .collect::<Vec<_>>()
        .join(" ")
}

/// The SHA-256 fingerprint of a key (`SHA256:…`), as ssh-keygen prints it.
pub fn fingerprint(private: &Path) -> String {
    let out = Command::new("ssh-keygen")
        .arg("-lf")
        .arg(private.with_extension("pub"))
        .output()
        .expect("ssh-keygen runs");
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .nth(1)
        .expect("ssh-keygen -l prints a fingerprint")
        .to_string()
}

pub const INGRID_KEY: &str =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIO43SEeqqOZiF6DI7yf76j1RKxfpLk3QJwwf9nDBKgAO";

impl Signed {
    /// The sample with a fresh key for Ingrid, git configured to sign with it, nothing committed.
    pub fn new() -> Signed {
        let copy = Copy::new();
        let home = tempfile::tempdir().expect("a temporary HOME");
        let key = keygen(home.path(), "ingrid", "");
        copy.edit("isms.yaml", INGRID_KEY, &public_key(&key));
        let s = Signed { copy, home, key };
        for (k, v) in [
            ("user.name", "Ingrid Solberg"),
            ("user.email", "ingrid.solberg@kestrelcart.example"),
            ("gpg.format", "ssh"),
        ] {
            s.git(&["config", k, v]);
        }
        let key = s.key.to_str().expect("utf-8 path").to_string();
        s.git(&["config", "user.signingkey", &key]);
        s.git(&["symbolic-ref", "HEAD", "refs/heads/main"]);
        s
    }

    pub fn path(&self) -> &Path {
        self.copy.path()
    }

    /// A command with the sandbox's environment.
    pub fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut c = Command::new(program);
        c.env("HOME", self.home.path())
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("ISMS_DESK_CONFIG", self.home.path().join("settings.json"))
            .env("GIT_COMMITTER_DATE", "@1795000000 +0100")
            .env_remove("SSH_AUTH_SOCK")
            // Never the person's own keyring: tests that need one start their own.
            .env_remove("DBUS_SESSION_BUS_ADDRESS")
            .env_remove("SSH_ASKPASS")
            .env_remove("GIT_DIR")
            // The log file goes under this HOME, where a test can read it.
            .env_remove("XDG_STATE_HOME")
            .env_remove("ISMS_DESK_LOG_DIR")
            .stdin(std::process::Stdio::null());
        c
    }

    /// Runs `isms --repo <copy> --format json …` expecting it to fail, and reads the
    /// error it prints: (its code, its message).
    pub fn isms_error(&self, args: &[&str], env: &[(&str, &str)]) -> (String, String) {
        let mut all = vec!["--format", "json"];
        all.extend_from_slice(args);
        let (code, out, err) = self.isms_with(&all, env);
        assert_eq!(code, 2, "isms {args:?} should fail: {out}{err}");
        error_of(&err)
    }

    /// Runs `isms --repo <copy> …` → (code, stdout, stderr).
    pub fn isms(&self, args: &[&str]) -> (i32, String, String) {
        self.isms_with(args, &[])
    }

    pub fn isms_with(&self, args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
        let mut c = self.command(isms_bin());
        c.arg("--repo").arg(self.path()).args(args);
        for (k, v) in env {
            c.env(k, v);
        }
        let out = c.output().expect("isms runs");
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    /// Runs `isms`, which must succeed; returns stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let (code, out, err) = self.isms(args);
        assert_eq!(code, 0, "isms {args:?}: {out}{err}");
        out
    }

    /// Runs git in the copy, which must succeed; returns stdout.
    pub fn git(&self, args: &[&str]) -> String {
        git_in(self, self.path(), args)
    }

    /// `git fsck --strict` must be clean.
    pub fn fsck(&self) {
        fsck(self, self.path());
    }
}

/// Runs git in `dir` with the sandbox's environment; it must succeed.
pub fn git_in(s: &Signed, dir: &Path, args: &[&str]) -> String {
    let (code, out, err) = git_status_in(s, dir, args);
    assert_eq!(code, 0, "git {args:?} in {}: {out}{err}", dir.display());
    out
}

/// Runs git in `dir` → (code, stdout, stderr).
pub fn git_status_in(s: &Signed, dir: &Path, args: &[&str]) -> (i32, String, String) {
    git_status_in_with(s, dir, args, &[])
}

/// Runs git in `dir` with extra environment → (code, stdout, stderr).
pub fn git_status_in_with(
    s: &Signed,
    dir: &Path,
    args: &[&str],
    env: &[(&str, &str)],
) -> (i32, String, String) {
    let mut c = s.command("git");
    c.arg("-C").arg(dir).args(args);
    for (k, v) in env {
        c.env(k, v);
    }
    let out = c.output().expect("git runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `git fsck --strict` in `dir` reports no problem.
pub fn fsck(s: &Signed, dir: &Path) {
    let (code, out, err) = git_status_in(s, dir, &["fsck", "--strict", "--no-dangling"]);
    assert_eq!(
        code,
        0,
        "git fsck --strict in {}: {out}{err}",
        dir.display()
    );
    assert!(
        !err.contains("error") && !err.contains("warning"),
        "git fsck: {err}"
    );
}

/// An ssh-agent of the sandbox's own, on a socket in its HOME; killed when dropped.
pub struct Agent {
    child: std::process::Child,
    pub socket: PathBuf,
}

impl Agent {
    pub fn start(s: &Signed) -> Agent {
        let socket = s.home.path().join("agent.sock");
        let child = s
            .command("ssh-agent")
            .args(["-D", "-a"])
            .arg(&socket)
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("ssh-agent runs");
        for _ in 0..100 {
            if socket.exists() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        Agent { child, socket }
    }

    /// `SSH_AUTH_SOCK` for this agent.
    pub fn sock(&self) -> &str {
        self.socket.to_str().expect("a UTF-8 temporary path")
    }

    /// `ssh-add <key>`, answering its passphrase question through SSH_ASKPASS.
    pub fn add(&self, s: &Signed, key: &Path, passphrase: &str) {
        let askpass = s.home.path().join("askpass");
        fs::write(&askpass, format!("#!/bin/sh\necho '{passphrase}'\n")).expect("writable");
        fs::set_permissions(
            &askpass,
            std::os::unix::fs::PermissionsExt::from_mode(0o755),
        )
        .expect("chmod");
        let added = s
            .command("ssh-add")
            .arg(key)
            .env("SSH_AUTH_SOCK", self.sock())
            .env("SSH_ASKPASS", &askpass)
            .env("SSH_ASKPASS_REQUIRE", "force")
            .env("DISPLAY", ":0")
            .output()
            .expect("ssh-add runs");
        assert!(
            added.status.success(),
            "ssh-add: {}",
            String::from_utf8_lossy(&added.stderr)
        );
    }
}

impl Drop for Agent {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A small HTTP/1.1 server on a loopback port for tests: each connection carries one
/// request (answered with `Connection: close`), handled on its own thread. It stops
/// accepting when dropped.
pub mod http {
    use std::io::{BufRead, BufReader, Read, Write};
    use std::net::{TcpListener, TcpStream};
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;

    /// One request as the server read it.
    #[derive(Debug, Clone)]
    pub struct Request {
        pub method: String,
        /// The path with the query string.
        pub target: String,
        pub headers: Vec<(String, String)>,
        /// The body, de-chunked.
        pub body: Vec<u8>,
    }

    impl Request {
        pub fn header(&self, name: &str) -> Option<&str> {
            self.headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.as_str())
        }
    }

    /// A response: status line code and reason, headers, body.
    pub struct Response {
        pub status: u16,
        pub headers: Vec<(String, String)>,
        pub body: Vec<u8>,
    }

    pub struct Server {
        pub port: u16,
        stop: Arc<AtomicBool>,
    }

    impl Server {
        pub fn start(handler: impl Fn(Request) -> Response + Send + Sync + 'static) -> Server {
            let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
            let port = listener.local_addr().expect("an address").port();
            let stop = Arc::new(AtomicBool::new(false));
            let stopped = stop.clone();
            let handler = Arc::new(handler);
            std::thread::spawn(move || {
                for stream in listener.incoming() {
                    if stopped.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(stream) = stream else { continue };
                    let handler = handler.clone();
                    std::thread::spawn(move || serve(stream, &*handler));
                }
            });
            Server { port, stop }
        }

        pub fn url(&self, path: &str) -> String {
            format!("http://127.0.0.1:{}{path}", self.port)
        }
    }

    impl Drop for Server {
        fn drop(&mut self) {
            self.stop.store(true, Ordering::SeqCst);
            // Wake the accept loop so that it sees the flag.
            let _ = TcpStream::connect(("127.0.0.1", self.port));
        }
    }

    fn serve(stream: TcpStream, handler: &dyn Fn(Request) -> Response) {
        let mut reader = BufReader::new(stream.try_clone().expect("a socket clones"));
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let mut parts = line.split_whitespace();
        let method = parts.next().unwrap_or_default().to_string();
        let target = parts.next().unwrap_or_default().to_string();
        let mut headers = Vec::new();
        loop {
            let mut h = String::new();
            if reader.read_line(&mut h).unwrap_or(0) == 0 || h.trim().is_empty() {
                break;
            }
            if let Some((k, v)) = h.split_once(':') {
                headers.push((k.trim().to_string(), v.trim().to_string()));
            }
        }
        let find = |name: &str| {
            headers
                .iter()
                .find(|(k, _): &&(String, String)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.clone())
        };
        let mut body = Vec::new();
        if find("transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked")) {
            loop {
                let mut size = String::new();
                reader.read_line(&mut size).expect("a chunk size");
                let size = usize::from_str_radix(size.trim(), 16).expect("a hex chunk size");
                let mut chunk = vec![0; size + 2];
                reader.read_exact(&mut chunk).expect("a chunk");
                if size == 0 {
                    break;
                }
                body.extend_from_slice(&chunk[..size]);
            }
        } else if let Some(length) = find("content-length").and_then(|v| v.parse().ok()) {
            body.resize(length, 0);
            reader.read_exact(&mut body).expect("the body");
        }
        let response = handler(Request {
            method,
            target,
            headers,
            body,
        });
        let mut out = format!("HTTP/1.1 {} X\r\n", response.status).into_bytes();
        for (k, v) in &response.headers {
            out.extend_from_slice(format!("{k}: {v}\r\n").as_bytes());
        }
        out.extend_from_slice(
            format!(
                "Content-Length: {}\r\nConnection: close\r\n\r\n",
                response.body.len()
            )
            .as_bytes(),
        );
        out.extend_from_slice(&response.body);
        let mut stream = stream;
        let _ = stream.write_all(&out);
        let _ = stream.flush();
    }
}

/// A Secret Service of the sandbox's own: a private D-Bus session bus and GNOME
/// Keyring on it, with its keyrings under the sandbox's HOME, never the user's.
/// Commands get it through [`SecretService::env`]. Stopped when dropped.
pub struct SecretService {
    bus: std::process::Child,
    keyring: std::process::Child,
    address: String,
}

impl SecretService {
    pub fn start(s: &Signed) -> SecretService {
        for program in ["/usr/bin/dbus-daemon", "/usr/bin/gnome-keyring-daemon"] {
            assert!(
                Path::new(program).is_file(),
                "the keyring test needs {program}: install dbus-daemon and gnome-keyring (scripts/setup.sh does)"
            );
        }
        let home = s.home.path();
        let runtime = home.join("run");
        fs::create_dir_all(&runtime).expect("creatable");
        fs::set_permissions(
            &runtime,
            std::os::unix::fs::PermissionsExt::from_mode(0o700),
        )
        .expect("chmod");
        let socket = runtime.join("bus");
        let address = format!("unix:path={}", socket.display());
        let bus = Command::new("dbus-daemon")
            .args(["--session", "--nofork", "--nopidfile"])
            .arg(format!("--address={address}"))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("dbus-daemon runs");
        for _ in 0..200 {
            if socket.exists() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(25));
        }
        let mut keyring = s
            .command("gnome-keyring-daemon")
            .args(["--foreground", "--unlock", "--components=secrets"])
            .env("DBUS_SESSION_BUS_ADDRESS", &address)
            .env("XDG_RUNTIME_DIR", &runtime)
            .env("XDG_DATA_HOME", home.join("data"))
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("gnome-keyring-daemon runs");
        {
            use std::io::Write;
            let mut stdin = keyring.stdin.take().expect("a pipe");
            stdin
                .write_all(b"the sandbox's login keyring")
                .expect("the keyring's password is written");
        }
        let service = SecretService {
            bus,
            keyring,
            address,
        };
        // Ready once the Secret Service answers on the bus.
        for _ in 0..200 {
            let named = Command::new("dbus-send")
                .arg(format!("--bus={}", service.address))
                .args([
                    "--print-reply",
                    "--dest=org.freedesktop.DBus",
                    "/org/freedesktop/DBus",
                    "org.freedesktop.DBus.NameHasOwner",
                    "string:org.freedesktop.secrets",
                ])
                .output()
                .expect("dbus-send runs");
            if String::from_utf8_lossy(&named.stdout).contains("boolean true") {
                return service;
            }
            std::thread::sleep(std::time::Duration::from_millis(25));
        }
        panic!("GNOME Keyring did not come up on the private bus");
    }

    /// The environment that points a command at this Secret Service.
    pub fn env(&self) -> [(&str, &str); 1] {
        [("DBUS_SESSION_BUS_ADDRESS", self.address.as_str())]
    }
}

impl Drop for SecretService {
    fn drop(&mut self) {
        let _ = self.keyring.kill();
        let _ = self.keyring.wait();
        let _ = self.bus.kill();
        let _ = self.bus.wait();
    }
}

/// `user:password` in base64, as HTTP Basic authentication sends it.
pub fn basic(user: &str, password: &str) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let bytes = format!("{user}:{password}").into_bytes();
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    format!("Basic {out}")
}

/// git's smart HTTP protocol for the repositories under `root`, served by the real
/// `git http-backend` behind Basic authentication (`jonas` / `s3cret`). Every
/// request's Authorization header (or "none") is recorded in `seen`.
pub fn git_over_http(
    root: PathBuf,
    seen: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
) -> http::Server {
    http::Server::start(move |request| {
        let authorization = request.header("authorization").unwrap_or("none");
        seen.lock()
            .expect("not poisoned")
            .push(authorization.to_string());
        if authorization != basic("jonas", "s3cret") {
            return http::Response {
                status: 401,
                headers: vec![("WWW-Authenticate".into(), "Basic realm=\"isms\"".into())],
                body: b"authentication required".to_vec(),
            };
        }
        let (path, query) = request
            .target
            .split_once('?')
            .unwrap_or((&request.target, ""));
        let mut cgi = Command::new("git")
            .arg("http-backend")
            .env("GIT_PROJECT_ROOT", &root)
            .env("GIT_HTTP_EXPORT_ALL", "1")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("REQUEST_METHOD", &request.method)
            .env("PATH_INFO", path)
            .env("QUERY_STRING", query)
            .env("CONTENT_TYPE", request.header("content-type").unwrap_or(""))
            .env("CONTENT_LENGTH", request.body.len().to_string())
            .env("REMOTE_USER", "jonas")
            .env("REMOTE_ADDR", "127.0.0.1")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("git http-backend runs");
        let mut stdin = cgi.stdin.take().expect("a pipe");
        let body = request.body.clone();
        let writer = std::thread::spawn(move || {
            use std::io::Write;
            let _ = stdin.write_all(&body);
        });
        let out = cgi.wait_with_output().expect("git http-backend ends");
        writer.join().expect("the body is written");
        let split = out
            .stdout
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .map(|i| (i, i + 4))
            .expect("CGI headers end in a blank line");
        let head = String::from_utf8_lossy(&out.stdout[..split.0]).into_owned();
        let mut status = 200;
        let mut headers = Vec::new();
        for line in head.lines() {
            if let Some((k, v)) = line.split_once(':') {
                if k.eq_ignore_ascii_case("status") {
                    status = v.trim()[..3].parse().expect("a status code");
                } else {
                    headers.push((k.trim().to_string(), v.trim().to_string()));
                }
            }
        }
        http::Response {
            status,
            headers,
            body: out.stdout[split.1..].to_vec(),
        }
    })
}

/// Runs a stock tool (`ssh-keygen`, `sha256sum`, `tidy`, …) in `dir` with nothing of
/// ISMS Desk's around it: no HOME, no ISMS Desk settings, PATH the system's only; its
/// standard input from `stdin`. → (whether it succeeded, its stdout and stderr).
pub fn stock_tool(
    dir: &Path,
    program: &str,
    args: &[&str],
    stdin: Option<&Path>,
) -> (bool, String) {
    let mut c = Command::new(program);
    c.current_dir(dir)
        .args(args)
        .env_clear()
        .env("PATH", "/usr/bin:/bin");
    if let Some(file) = stdin {
        c.stdin(fs::File::open(file).expect("the input file opens"));
    }
    let out = c.output().expect("the stock tool runs");
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

/// Every file under `dir`, as its path relative to `dir` and its bytes, sorted.
pub fn files_under(dir: &Path) -> Vec<(String, Vec<u8>)> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<(String, Vec<u8>)>) {
        for entry in fs::read_dir(dir).expect("readable") {
            let path = entry.expect("an entry").path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                let rel = path.strip_prefix(root).expect("under root");
                out.push((
                    rel.to_string_lossy().into_owned(),
                    fs::read(&path).expect("readable"),
                ));
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

/// The text of a PDF as poppler's `pdftotext` reads it (`layout`: keeping the page's
/// columns).
pub fn pdf_text(pdf: &Path, layout: bool) -> String {
    let mut c = Command::new("pdftotext");
    if layout {
        c.arg("-layout");
    }
    let out = c.arg(pdf).arg("-").output().expect("pdftotext runs");
    assert!(
        out.status.success(),
        "pdftotext {}: {}",
        pdf.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}
