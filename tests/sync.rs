//! Sync with a real remote: a bare repository on this machine, and a second clone
//! changed with the git CLI by a colleague.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::{
    basic, fsck, git_in, git_over_http, git_status_in, git_status_in_with, keygen, public_key,
    Agent, Signed,
};

/// The ISM's repository (through isms), a bare remote, and a colleague's clone.
struct Team {
    ism: Signed,
    colleague: PathBuf,
}

/// The sample, committed, and an empty bare repository beside it (not yet a remote).
fn committed_with_empty_remote() -> (Signed, PathBuf) {
    let ism = Signed::new();
    ism.ok(&["commit", "-m", "Initial ISMS"]);
    let remote = ism.home.path().join("remote.git");
    git_in(
        &ism,
        ism.home.path(),
        &[
            "init",
            "-q",
            "--bare",
            "-b",
            "main",
            remote.to_str().expect("utf-8"),
        ],
    );
    (ism, remote)
}

impl Team {
    fn new() -> Team {
        let (ism, remote) = committed_with_empty_remote();
        ism.git(&["remote", "add", "origin", remote.to_str().expect("utf-8")]);
        assert_eq!(ism.ok(&["push"]), "Pushed refs/heads/main to origin.\n");
        let colleague = ism.home.path().join("colleague");
        git_in(
            &ism,
            ism.home.path(),
            &[
                "clone",
                "-q",
                remote.to_str().expect("utf-8"),
                colleague.to_str().expect("utf-8"),
            ],
        );
        let team = Team { ism, colleague };
        team.theirs(&["config", "user.name", "Jonas Lykke"]);
        team.theirs(&["config", "user.email", "jonas.lykke@kestrelcart.example"]);
        team.theirs(&["config", "commit.gpgsign", "false"]);
        team
    }

    fn theirs(&self, args: &[&str]) -> String {
        git_in(&self.ism, &self.colleague, args)
    }

    /// The colleague edits a file, commits and pushes with git.
    fn colleague_changes(&self, file: &str, from: &str, to: &str, message: &str) {
        let path = self.colleague.join(file);
        let text = fs::read_to_string(&path).expect("the file exists");
        assert!(text.contains(from), "{file} has no {from:?}");
        fs::write(&path, text.replacen(from, to, 1)).expect("writable");
        self.theirs(&["commit", "-q", "-am", message]);
        self.theirs(&["push", "-q", "origin", "main"]);
    }

    fn mine(&self, file: &str) -> String {
        self.ism.copy.read(file)
    }

    fn fsck(&self) {
        self.ism.fsck();
        fsck(&self.ism, &self.colleague);
    }
}

#[test]
fn a_pull_fast_forwards_and_the_index_follows() {
    let team = Team::new();
    team.colleague_changes(
        "risks/R-001.md",
        "\nimpact: 5",
        "\nimpact: 2",
        "R-001: impact lowered after the CDN change",
    );
    let out = team.ism.ok(&["pull"]);
    assert!(out.starts_with("Updated to "), "{out}");
    assert!(team.mine("risks/R-001.md").contains("\nimpact: 2\n"));
    let list = team.ism.ok(&["--format", "json", "list", "risks"]);
    let rows: serde_json::Value = serde_json::from_str(&list).expect("json");
    assert_eq!(rows[0]["impact"], 2);
    assert_eq!(team.ism.ok(&["pull"]), "Already up to date with origin.\n");
    assert_eq!(team.ism.git(&["status", "--porcelain"]), "");
    team.fsck();
}

#[test]
fn records_changed_on_one_side_and_fields_changed_on_both_merge_cleanly() {
    let team = Team::new();
    // The colleague: R-003, and R-004's impact.
    team.colleague_changes(
        "risks/R-003.md",
        "owner: sre-lead",
        "owner: head-of-product",
        "R-003 moves to product",
    );
    team.colleague_changes(
        "risks/R-004.md",
        "\nimpact: 5",
        "\nimpact: 4",
        "R-004: impact 4 after tenant isolation work",
    );
    // The ISM: R-002, and R-004's likelihood and body.
    team.ism.ok(&["set", "R-002", "likelihood=2"]);
    team.ism.ok(&["set", "R-004", "likelihood=3"]);
    let body = team.mine("risks/R-004.md").replace(
        "## Internal notes\n",
        "## Internal notes\n\nRetest planned for Q1.\n",
    );
    team.ism.copy.write("risks/R-004.md", &body);
    team.ism.ok(&["commit", "-m", "Autumn rescoring"]);
    let out = team.ism.ok(&["pull"]);
    assert!(out.starts_with("Merged origin in "), "{out}");
    assert!(
        out.ends_with("records merged field by field: R-004\n"),
        "{out}"
    );
    let r004 = team.mine("risks/R-004.md");
    assert!(
        r004.contains("\nlikelihood: 3\n") && r004.contains("\nimpact: 4\n"),
        "{r004}"
    );
    assert!(r004.contains("Retest planned for Q1."));
    assert!(team
        .mine("risks/R-003.md")
        .contains("owner: head-of-product"));
    assert!(team.mine("risks/R-002.md").contains("likelihood: 2\n"));
    // A signed merge commit with both parents; nothing left uncommitted or half-merged.
    assert_eq!(
        team.ism
            .git(&["log", "-1", "--format=%P"])
            .split_whitespace()
            .count(),
        2
    );
    assert_eq!(team.ism.git(&["status", "--porcelain"]), "");
    assert!(!team.ism.path().join(".git/MERGE_HEAD").exists());
    let (code, _, err) = git_status_in(
        &team.ism,
        team.ism.path(),
        &[
            "-c",
            "gpg.ssh.allowedSignersFile=.isms/allowed_signers",
            "verify-commit",
            "HEAD",
        ],
    );
    assert_eq!(code, 0, "{err}");
    // The same body changed on both sides in different places merges line by line.
    team.ism.ok(&["push"]);
    team.theirs(&["pull", "-q", "origin", "main"]);
    assert!(fs::read_to_string(team.colleague.join("risks/R-004.md"))
        .expect("exists")
        .contains("likelihood: 3\n"));
    team.fsck();
}

#[test]
fn a_true_conflict_is_reported_per_field_changes_nothing_and_is_resolved_explicitly() {
    let team = Team::new();
    team.colleague_changes(
        "risks/R-005.md",
        "likelihood: 3",
        "likelihood: 4",
        "R-005 is more likely",
    );
    team.ism.ok(&["set", "R-005", "likelihood=2", "owner=ism"]);
    team.ism.ok(&["commit", "-m", "R-005 is less likely"]);
    let head = team.ism.git(&["rev-parse", "HEAD"]);
    let before = team.mine("risks/R-005.md");
    let (code, out, _) = team.ism.isms(&["pull"]);
    assert_eq!(code, 1, "{out}");
    assert_eq!(
        out,
        "Nothing was changed: both sides changed the same fields differently.\n  R-005.likelihood: mine 2 | theirs 4 (was 3)\nResolve each with --resolve <id>.<field>=mine|theirs|value:<new value> and pull again.\n"
    );
    assert_eq!(team.ism.git(&["rev-parse", "HEAD"]), head, "no commit");
    assert_eq!(team.mine("risks/R-005.md"), before, "no file changed");
    assert_eq!(team.ism.git(&["status", "--porcelain"]), "");
    assert!(!team.ism.path().join(".git/MERGE_HEAD").exists());
    // JSON names the record and field for the app.
    let (_, json, _) = team.ism.isms(&["--format", "json", "pull"]);
    let v: serde_json::Value = serde_json::from_str(&json).expect("json");
    assert_eq!(v["outcome"], "conflicts");
    assert_eq!(v["conflicts"][0]["field"], "likelihood");
    assert_eq!(v["conflicts"][0]["path"], "risks/R-005.md");

    // Resolving with a new value; the ISM's other change (owner) is kept.
    team.ism
        .ok(&["pull", "--resolve", "R-005.likelihood=value:5"]);
    let r005 = team.mine("risks/R-005.md");
    assert!(
        r005.contains("likelihood: 5\n") && r005.contains("owner: ism\n"),
        "{r005}"
    );
    team.fsck();

    // Keep theirs, for an SoA entry (whose id has a dot in it).
    team.ism.ok(&["push"]);
    team.theirs(&["pull", "-q", "origin", "main"]);
    team.colleague_changes(
        "controls/8.13.md",
        "status: implemented",
        "status: partial",
        "8.13: restore test failed",
    );
    team.ism.ok(&["set", "8.13", "status=planned"]);
    team.ism.ok(&["commit", "-m", "8.13 planned"]);
    let (code, out, _) = team.ism.isms(&["pull"]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("8.13.status: mine planned | theirs partial (was implemented)"),
        "{out}"
    );
    team.ism.ok(&["pull", "--resolve", "8.13.status=theirs"]);
    assert!(team.mine("controls/8.13.md").contains("status: partial\n"));
    team.fsck();
}

#[test]
fn push_is_refused_when_the_remote_moved_and_pull_refuses_uncommitted_changes() {
    let team = Team::new();
    team.colleague_changes(
        "risks/R-001.md",
        "\nimpact: 5",
        "\nimpact: 3",
        "R-001 impact 3",
    );
    team.ism.ok(&["set", "R-002", "likelihood=2"]);
    let (code, _, err) = team.ism.isms(&["pull"]);
    assert_eq!(code, 2);
    assert_eq!(
        err,
        "isms: commit or discard your changes first; these files have changes: risks/R-002.md\n"
    );
    team.ism.ok(&["commit", "-m", "R-002"]);
    let (code, err) = team.ism.isms_error(&["push"], &[]);
    assert_eq!(code, "sync");
    assert!(err.contains("pull first, then push"), "{err}");
    team.ism.ok(&["pull"]);
    team.ism.ok(&["push"]);
    team.theirs(&["pull", "-q", "origin", "main"]);
    let (code, _, err) = team.ism.isms(&["pull", "no-such-remote"]);
    assert_eq!(
        (code, err.as_str()),
        (2, "isms: there is no remote `no-such-remote`\n")
    );
    team.fsck();
}

#[test]
fn a_treatments_actions_merge_action_by_action_and_field_by_field() {
    let team = Team::new();
    // The colleague marks A1 done; the ISM moves A1's due date (the line above, so a
    // line-based merge would conflict) and starts A3.
    team.colleague_changes(
        "treatments/T-001.md",
        "due: 2026-12-15\n    status: in_progress",
        "due: 2026-12-15\n    status: done",
        "T-001 A1 done",
    );
    team.ism.ok(&[
        "set",
        "T-001",
        "actions.A1.due=2027-01-15",
        "actions.A3.status=in_progress",
    ]);
    team.ism
        .ok(&["commit", "-m", "T-001: A1 moved, A3 started"]);
    let out = team.ism.ok(&["pull"]);
    assert!(
        out.ends_with("records merged field by field: T-001\n"),
        "{out}"
    );
    let t001 = team.mine("treatments/T-001.md");
    for expected in [
        "due: 2027-01-15\n    status: done",
        "due: 2026-09-30\n    status: in_progress",
        "due: 2027-01-31\n    status: in_progress",
    ] {
        assert!(t001.contains(expected), "{expected:?} missing:\n{t001}");
    }
    assert_eq!(team.ism.git(&["status", "--porcelain"]), "");
    team.ism.ok(&["push"]);
    team.theirs(&["pull", "-q", "origin", "main"]);

    // The same field of the same action, changed differently: a conflict named like
    // `isms set` names the field, and nothing is written until it is resolved.
    team.colleague_changes(
        "treatments/T-001.md",
        "due: 2026-09-30\n    status: in_progress",
        "due: 2026-09-30\n    status: done",
        "T-001 A2 done",
    );
    team.ism
        .ok(&["set", "T-001", "actions.A2.status=cancelled"]);
    team.ism.ok(&["commit", "-m", "T-001 A2 dropped"]);
    let before = team.mine("treatments/T-001.md");
    let (code, out, _) = team.ism.isms(&["pull"]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("T-001.actions.A2.status: mine cancelled | theirs done (was in_progress)"),
        "{out}"
    );
    assert_eq!(team.mine("treatments/T-001.md"), before, "nothing written");
    team.ism
        .ok(&["pull", "--resolve", "T-001.actions.A2.status=theirs"]);
    let t001 = team.mine("treatments/T-001.md");
    assert!(t001.contains("due: 2026-09-30\n    status: done"), "{t001}");
    team.fsck();
}

/// An OpenSSH server on a loopback port, with its own host key and authorized keys,
/// serving the repositories of this machine's current user; stopped when dropped.
struct Sshd {
    child: std::process::Child,
    dir: tempfile::TempDir,
    port: u16,
}

impl Sshd {
    fn start() -> Sshd {
        let sshd = Path::new("/usr/sbin/sshd");
        assert!(
            sshd.is_file(),
            "the SSH sync test needs sshd: install openssh-server (scripts/setup.sh does)"
        );
        let dir = tempfile::tempdir().expect("a temporary directory");
        let host_key = keygen(dir.path(), "host_ed25519", "");
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let config = dir.path().join("sshd_config");
        fs::write(
            &config,
            format!(
                "Port {port}\nListenAddress 127.0.0.1\nHostKey {}\nPidFile {}\n\
                 AuthorizedKeysFile {}\nStrictModes no\nUsePAM no\n\
                 PasswordAuthentication no\nKbdInteractiveAuthentication no\n\
                 PubkeyAuthentication yes\nPermitRootLogin prohibit-password\n\
                 LogLevel VERBOSE\n",
                host_key.display(),
                dir.path().join("sshd.pid").display(),
                dir.path().join("authorized_keys").display(),
            ),
        )
        .expect("writable");
        fs::write(dir.path().join("authorized_keys"), "").expect("writable");
        // Run as root, sshd wants its privilege-separation directory.
        let _ = fs::create_dir_all("/run/sshd");
        let log = fs::File::create(dir.path().join("sshd.log")).expect("writable");
        let child = Command::new(sshd)
            .args(["-D", "-e", "-f"])
            .arg(&config)
            .stderr(log)
            .spawn()
            .expect("sshd runs");
        let server = Sshd { child, dir, port };
        for _ in 0..200 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return server;
            }
            std::thread::sleep(std::time::Duration::from_millis(25));
        }
        panic!("sshd did not listen on {port}: {}", server.log());
    }

    /// Only these public keys may log in.
    fn authorize(&self, keys: &[&Path]) {
        let lines: Vec<String> = keys.iter().map(|k| public_key(k) + "\n").collect();
        fs::write(self.dir.path().join("authorized_keys"), lines.concat()).expect("writable");
    }

    /// The `known_hosts` line for this server.
    fn known_host(&self) -> String {
        format!(
            "[127.0.0.1]:{} {}\n",
            self.port,
            public_key(&self.dir.path().join("host_ed25519"))
        )
    }

    fn url(&self, path: &Path) -> String {
        let user = Command::new("id").arg("-un").output().expect("id runs");
        let user = String::from_utf8_lossy(&user.stdout).trim().to_string();
        format!("ssh://{user}@127.0.0.1:{}{}", self.port, path.display())
    }

    fn log(&self) -> String {
        fs::read_to_string(self.dir.path().join("sshd.log")).unwrap_or_default()
    }
}

impl Drop for Sshd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn sync_over_ssh_with_a_key_file_and_with_ssh_agent_and_never_with_an_unknown_host() {
    let sshd = Sshd::start();
    let (ism, remote) = committed_with_empty_remote();
    ism.git(&["remote", "add", "origin", &sshd.url(&remote)]);
    sshd.authorize(&[&ism.key]);

    // A server whose host key is not known is refused before any key is offered.
    let (code, err) = ism.isms_error(&["push"], &[]);
    assert_eq!(code, "sync");
    assert!(
        err.contains("host key is not in ~/.ssh/known_hosts"),
        "{err}"
    );
    assert!(!sshd.log().contains("Accepted publickey"), "{}", sshd.log());
    let known_hosts = ism.home.path().join(".ssh/known_hosts");
    fs::create_dir_all(known_hosts.parent().expect("a folder")).expect("creatable");
    // A known host name with another key (a changed or spoofed server) is refused too.
    let other = keygen(ism.home.path(), "not-the-host", "");
    fs::write(
        &known_hosts,
        format!("[127.0.0.1]:{} {}\n", sshd.port, public_key(&other)),
    )
    .expect("writable");
    let (code, err) = ism.isms_error(&["push"], &[]);
    assert_eq!(code, "sync");
    assert!(err.contains("or it has changed"), "{err}");

    // Known host; the key file is git's user.signingkey (no agent here).
    fs::write(&known_hosts, sshd.known_host()).expect("writable");
    assert_eq!(ism.ok(&["push"]), "Pushed refs/heads/main to origin.\n");
    let head = ism.git(&["rev-parse", "HEAD"]);
    assert_eq!(git_in(&ism, &remote, &["rev-parse", "main"]), head);
    assert!(sshd.log().contains("Accepted publickey"), "{}", sshd.log());

    // A colleague clones and pushes over SSH with the git CLI and OpenSSH.
    let colleague_key = keygen(ism.home.path(), "colleague-key", "");
    sshd.authorize(&[&ism.key, &colleague_key]);
    let ssh = format!(
        "ssh -i {} -o IdentitiesOnly=yes -o BatchMode=yes -o UserKnownHostsFile={}",
        colleague_key.display(),
        known_hosts.display()
    );
    let colleague = ism.home.path().join("colleague");
    let git_ssh = |dir: &Path, args: &[&str]| {
        let (code, out, err) = git_status_in_with(&ism, dir, args, &[("GIT_SSH_COMMAND", &ssh)]);
        assert_eq!(code, 0, "git {args:?}: {out}{err}");
    };
    git_ssh(
        ism.home.path(),
        &[
            "clone",
            "-q",
            &sshd.url(&remote),
            colleague.to_str().expect("utf-8"),
        ],
    );
    let file = colleague.join("risks/R-002.md");
    let text = fs::read_to_string(&file).expect("the colleague has R-002");
    fs::write(&file, text.replacen("likelihood: 3", "likelihood: 2", 1)).expect("writable");
    for args in [
        &["config", "user.name", "Jonas Lykke"][..],
        &["config", "user.email", "jonas.lykke@kestrelcart.example"],
        &["config", "commit.gpgsign", "false"],
        &["commit", "-q", "-am", "R-002 is less likely"],
    ] {
        git_in(&ism, &colleague, args);
    }
    git_ssh(&colleague, &["push", "-q", "origin", "main"]);

    // ssh-agent: the server now accepts only a key the agent holds (with a passphrase
    // the app is never told), so the pull can only have been authorised by the agent.
    let agent = Agent::start(&ism);
    let held = keygen(ism.home.path(), "agent-held", "held by the agent only");
    agent.add(&ism, &held, "held by the agent only");
    sshd.authorize(&[&held]);
    let (code, out, err) = ism.isms_with(&["pull"], &[("SSH_AUTH_SOCK", agent.sock())]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(ism.copy.read("risks/R-002.md").contains("likelihood: 2"));
    // Without the agent, the key file is refused, and the message says what was tried.
    let (code, err) = ism.isms_error(&["fetch"], &[]);
    assert_eq!(code, "sync");
    assert!(
        err.contains("accepted none of the SSH keys offered"),
        "{err}"
    );
    drop(agent);
    ism.fsck();
    fsck(&ism, &colleague);
}

#[test]
fn sync_over_http_takes_the_password_from_gits_credential_helper() {
    let ism = Signed::new();
    ism.ok(&["commit", "-m", "Initial ISMS"]);
    let root = ism.home.path().join("served");
    fs::create_dir_all(&root).expect("creatable");
    git_in(
        &ism,
        &root,
        &["init", "-q", "--bare", "-b", "main", "remote.git"],
    );
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let server = git_over_http(root.clone(), seen.clone());
    ism.git(&["remote", "add", "origin", &server.url("/remote.git")]);

    // No helper: refused, with what to do, and nothing pushed.
    let (code, err) = ism.isms_error(&["push"], &[]);
    assert_eq!(code, "sync");
    assert!(err.contains("git credential helper"), "{err}");
    let remote = root.join("remote.git");
    let (code, _, _) = git_status_in(&ism, &remote, &["rev-parse", "--verify", "main"]);
    assert_ne!(code, 0, "nothing reached the remote");

    // A helper with the wrong password: refused, and not asked forever.
    let store = ism.home.path().join("git-credentials");
    let helper = format!("store --file={}", store.display());
    ism.git(&["config", "credential.helper", &helper]);
    let host = format!("127.0.0.1:{}", server.port);
    fs::write(&store, format!("http://jonas:wrong@{host}\n")).expect("writable");
    let (code, err) = ism.isms_error(&["push"], &[]);
    assert_eq!(code, "sync");
    assert!(err.contains("no credential was accepted"), "{err}");

    // The right password in the helper: pushed, and git agrees.
    fs::write(&store, format!("http://jonas:s3cret@{host}\n")).expect("writable");
    assert_eq!(ism.ok(&["push"]), "Pushed refs/heads/main to origin.\n");
    assert_eq!(
        git_in(&ism, &remote, &["rev-parse", "main"]),
        ism.git(&["rev-parse", "HEAD"])
    );
    assert!(seen
        .lock()
        .expect("not poisoned")
        .contains(&basic("jonas", "s3cret")));
    // And fetched back the same way.
    ism.ok(&["fetch"]);
    fsck(&ism, &remote);
    ism.fsck();
}

/// The id of a process that has ended.
fn dead_pid() -> u32 {
    let mut child = Command::new("true").spawn().expect("true runs");
    let pid = child.id();
    child.wait().expect("waitable");
    pid
}

/// What an ISMS Desk process killed in a git operation leaves: its operation record
/// (`.git/isms-desk/operation`, ARCHITECTURE.md "Invariants") naming a dead process.
fn killed_operation(s: &Signed, record: &str) {
    let dir = s.path().join(".git/isms-desk");
    fs::create_dir_all(&dir).expect("creatable");
    fs::write(
        dir.join("operation"),
        format!("pid {}\n{record}", dead_pid()),
    )
    .expect("writable");
}

#[test]
fn lock_files_left_by_a_killed_isms_desk_commit_are_cleared() {
    let s = Signed::new();
    s.ok(&["commit", "-m", "Initial"]);
    s.ok(&["set", "R-004", "title=Tenant data seen by another tenant"]);
    killed_operation(&s, "");
    let git = s.path().join(".git");
    fs::copy(git.join("index"), git.join("index.lock")).expect("copyable");
    fs::write(git.join("refs/heads/main.lock"), "").expect("writable");
    let out = s.ok(&["commit", "-m", "R-004 rescored"]);
    assert!(out.starts_with("Committed "), "{out}");
    for lock in ["index.lock", "refs/heads/main.lock", "isms-desk/operation"] {
        assert!(!git.join(lock).exists(), "{lock} is still there");
    }
    assert_eq!(s.git(&["status", "--porcelain"]), "");
    s.fsck();
}

#[test]
fn lock_files_left_by_a_killed_fetch_are_cleared() {
    // libgit2's fetch locks `shallow` and `FETCH_HEAD` while it runs; a pull killed
    // then leaves both (found by the kill harness of `isms pull`).
    let s = Signed::new();
    s.ok(&["commit", "-m", "Initial"]);
    killed_operation(&s, "");
    let git = s.path().join(".git");
    for lock in ["shallow.lock", "FETCH_HEAD.lock"] {
        fs::write(git.join(lock), "").expect("writable");
    }
    s.ok(&["set", "R-004", "title=Tenant data seen by another tenant"]);
    let out = s.ok(&["commit", "-m", "R-004 renamed"]);
    assert!(out.starts_with("Committed "), "{out}");
    for lock in ["shallow.lock", "FETCH_HEAD.lock", "isms-desk/operation"] {
        assert!(!git.join(lock).exists(), "{lock} is still there");
    }
}

#[test]
fn a_lock_file_of_another_program_is_named_and_nothing_changes() {
    let s = Signed::new();
    s.ok(&["commit", "-m", "Initial"]);
    s.ok(&["set", "R-004", "title=Tenant data seen by another tenant"]);
    let head = s.git(&["rev-parse", "HEAD"]);
    // A git command that is running (or was killed) holds the index: not ours to delete.
    let lock = s.path().join(".git/index.lock");
    fs::write(&lock, "").expect("writable");
    let (code, message) = s.isms_error(&["commit", "-m", "R-004 rescored"], &[]);
    assert_eq!(code, "git_locked");
    assert!(
        message.contains(".git/index.lock exists") && message.contains("delete that file"),
        "{message}"
    );
    assert!(lock.exists());
    assert_eq!(s.git(&["rev-parse", "HEAD"]), head);
    // Also a lock file older than the killed ISMS Desk operation is someone else's.
    fs::File::options()
        .write(true)
        .open(&lock)
        .and_then(|f| {
            f.set_modified(std::time::SystemTime::now() - std::time::Duration::from_secs(60))
        })
        .expect("the lock's time can be set");
    killed_operation(&s, "");
    let (code, _) = s.isms_error(&["commit", "-m", "R-004 rescored"], &[]);
    assert_eq!(code, "git_locked");
    fs::remove_file(&lock).expect("removable");
    s.ok(&["commit", "-m", "R-004 rescored"]);
}

/// A pull killed after writing R-004 of the colleague's commit and before moving the
/// branch: the team, where the branch was, and where the pull was going.
fn interrupted_pull() -> (Team, String, String) {
    let team = Team::new();
    team.colleague_changes(
        "risks/R-004.md",
        "\nimpact: 5",
        "\nimpact: 4",
        "R-004 impact",
    );
    team.colleague_changes("risks/R-005.md", "\nimpact: ", "\nimpact: 1\nx: ", "R-005");
    team.ism.git(&["fetch", "-q", "origin"]);
    let head = team.ism.git(&["rev-parse", "HEAD"]).trim().to_string();
    let target = team
        .ism
        .git(&["rev-parse", "origin/main"])
        .trim()
        .to_string();
    let r004 = team.ism.git(&["show", "origin/main:risks/R-004.md"]);
    team.ism.copy.write("risks/R-004.md", &r004);
    killed_operation(
        &team.ism,
        &format!("branch refs/heads/main\nhead {head}\ntarget {target}\n"),
    );
    (team, head, target)
}

#[test]
fn an_interrupted_pull_is_named_and_can_be_finished() {
    let (team, _head, target) = interrupted_pull();
    for args in [&["pull"][..], &["commit", "-m", "Anything"]] {
        let (code, message) = team.ism.isms_error(args, &[]);
        assert_eq!(code, "interrupted_pull", "{args:?}");
        assert!(
            message.contains("isms pull --finish") && message.contains("isms pull --undo"),
            "{message}"
        );
    }
    let out = team.ism.ok(&["pull", "--finish"]);
    assert!(out.starts_with("Finished the interrupted pull"), "{out}");
    assert_eq!(team.ism.git(&["rev-parse", "HEAD"]).trim(), target);
    assert_eq!(team.ism.git(&["status", "--porcelain"]), "");
    assert!(team.mine("risks/R-005.md").contains("\nx: "));
    assert_eq!(team.ism.ok(&["pull"]), "Already up to date with origin.\n");
    team.fsck();
}

#[test]
fn an_interrupted_pull_can_be_undone_and_never_overwrites_a_later_edit() {
    let (team, head, _target) = interrupted_pull();
    let pulled = team.mine("risks/R-004.md");
    // An edit made after the interruption is neither side's: nothing may overwrite it.
    team.ism
        .copy
        .write("risks/R-004.md", &pulled.replace("impact: 4", "impact: 3"));
    let (code, message) = team.ism.isms_error(&["pull", "--undo"], &[]);
    assert_eq!(code, "uncommitted_changes");
    assert!(message.contains("risks/R-004.md"), "{message}");
    assert!(team.mine("risks/R-004.md").contains("impact: 3"));
    team.ism.copy.write("risks/R-004.md", &pulled);
    let out = team.ism.ok(&["pull", "--undo"]);
    assert!(out.starts_with("Undid the interrupted pull"), "{out}");
    assert_eq!(team.ism.git(&["rev-parse", "HEAD"]).trim(), head);
    assert_eq!(team.ism.git(&["status", "--porcelain"]), "");
    assert!(team.mine("risks/R-004.md").contains("\nimpact: 5"));
    // And the pull, run again, completes.
    assert!(team.ism.ok(&["pull"]).starts_with("Updated to "));
    team.fsck();
}

#[test]
fn a_pull_names_files_that_arrive_with_conflict_markers_and_check_names_their_line() {
    let team = Team::new();
    // A colleague resolved a conflict with plain git by committing both sides.
    team.colleague_changes(
        "risks/R-003.md",
        "\n## ",
        "\n<<<<<<< HEAD\nRetest in March.\n=======\nRetest in April.\n>>>>>>> origin/main\n\n## ",
        "Merge origin/main",
    );
    let (code, out, err) = team.ism.isms(&["pull"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.starts_with("Updated to "), "{out}");
    let line = team
        .mine("risks/R-003.md")
        .lines()
        .position(|l| l.starts_with("<<<<<<<"))
        .expect("the marker arrived")
        + 1;
    assert!(
        err.contains("git conflict markers") && err.contains(&format!("risks/R-003.md:{line}")),
        "{err}"
    );
    let (code, out, _) = team.ism.isms(&["--format", "json", "check"]);
    assert_ne!(code, 0, "{out}");
    let findings: serde_json::Value = serde_json::from_str(&out).expect("json");
    let finding = findings["report"]["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["path"] == "risks/R-003.md")
        .unwrap_or_else(|| panic!("no finding on R-003: {out}"));
    assert_eq!(finding["line"], line, "{finding}");
    assert!(
        finding["message"]
            .as_str()
            .is_some_and(|m| m.contains("conflict markers")),
        "{finding}"
    );
}

#[test]
fn isms_yaml_merges_field_by_field_and_its_conflicts_are_resolvable_by_name() {
    let team = Team::new();
    // Adjacent lines, different fields: the colleague renames a role, the ISM another.
    team.colleague_changes(
        "isms.yaml",
        "title: Head of Product",
        "title: Head of Product and Engineering",
        "Head of Product also leads engineering",
    );
    team.ism.copy.edit(
        "isms.yaml",
        "title: Chief Executive Officer",
        "title: Chief Executive",
    );
    team.ism.ok(&["commit", "-m", "Shorter CEO title"]);
    let out = team.ism.ok(&["pull"]);
    assert!(out.starts_with("Merged origin in "), "{out}");
    let yaml = team.mine("isms.yaml");
    assert!(
        yaml.contains("title: Head of Product and Engineering\n")
            && yaml.contains("title: Chief Executive\n"),
        "{yaml}"
    );
    team.ism.ok(&["push"]);
    team.theirs(&["pull", "-q", "origin", "main"]);

    // The same role changed differently on both sides: one conflict, named by its path.
    team.colleague_changes(
        "isms.yaml",
        "title: SRE Lead",
        "title: Site Reliability Lead",
        "SRE title spelled out",
    );
    team.ism
        .copy
        .edit("isms.yaml", "title: SRE Lead", "title: Platform Lead");
    team.ism
        .ok(&["commit", "-m", "SRE lead is the platform lead"]);
    let (code, out, _) = team.ism.isms(&["pull"]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("  isms.yaml.roles.sre-lead: mine - id: sre-lead / title: Platform Lead | theirs - id: sre-lead / title: Site Reliability Lead (was - id: sre-lead / title: SRE Lead)"),
        "{out}"
    );
    // A typo is an error naming the conflicts that exist, and changes nothing.
    let head = team.ism.git(&["rev-parse", "HEAD"]);
    let (code, message) = team
        .ism
        .isms_error(&["pull", "--resolve", "isms.yaml.roles.sre=theirs"], &[]);
    assert_eq!(code, "usage");
    assert_eq!(
        message,
        "no conflict is named isms.yaml.roles.sre; the conflicts are: isms.yaml.roles.sre-lead"
    );
    assert_eq!(team.ism.git(&["rev-parse", "HEAD"]), head);
    team.ism
        .ok(&["pull", "--resolve", "isms.yaml.roles.sre-lead=theirs"]);
    let yaml = team.mine("isms.yaml");
    assert!(yaml.contains("title: Site Reliability Lead\n"), "{yaml}");
    assert_eq!(team.ism.git(&["status", "--porcelain"]), "");
    team.fsck();
}

#[test]
fn a_resolution_for_a_conflict_that_does_not_exist_is_an_error() {
    let team = Team::new();
    team.colleague_changes("risks/R-005.md", "likelihood: 3", "likelihood: 4", "R-005");
    let (code, message) = team
        .ism
        .isms_error(&["pull", "--resolve", "R-005.likelyhood=mine"], &[]);
    assert_eq!(code, "usage");
    assert_eq!(
        message,
        "no conflict is named R-005.likelyhood; there are no conflicts to resolve"
    );
    assert!(team.ism.ok(&["pull"]).starts_with("Updated to "));
}

#[test]
fn two_risks_added_under_one_id_are_both_kept_and_the_local_one_is_renumbered() {
    let team = Team::new();
    // The colleague adds R-018 and T-007 with isms in their clone, and pushes.
    let colleague = |args: &[&str]| {
        let out = team
            .ism
            .command(crate::support::isms_bin())
            .arg("--repo")
            .arg(&team.colleague)
            .args(args)
            .output()
            .expect("isms runs");
        assert!(out.status.success(), "{out:?}");
    };
    colleague(&[
        "new",
        "risk",
        "--title",
        "Card skimming on checkout pages",
        "owner=head-of-product",
        "domain=technical",
        "likelihood=2",
        "impact=3",
    ]);
    colleague(&[
        "new",
        "treatment",
        "--title",
        "Script integrity on checkout",
        "risks=[R-018]",
        "option=mitigate",
    ]);
    team.theirs(&["add", "-A"]);
    team.theirs(&["commit", "-q", "-m", "Skimming risk"]);
    team.theirs(&["push", "-q", "origin", "main"]);
    // The ISM adds a different R-018 and T-007, points R-003 at the new risk, commits.
    team.ism.ok(&[
        "new",
        "risk",
        "--title",
        "Office Wi-Fi shared with the café",
        "owner=ism",
        "domain=technical",
        "likelihood=2",
        "impact=3",
    ]);
    team.ism.ok(&[
        "new",
        "treatment",
        "--title",
        "Separate office network",
        "risks=[R-018]",
        "option=mitigate",
    ]);
    team.ism.ok(&["set", "R-003", "related+=R-018"]);
    team.ism.ok(&["commit", "-m", "Wi-Fi risk"]);
    let out = team.ism.ok(&["pull"]);
    assert!(
        out.contains("Both sides added R-018: origin's keeps the id, yours is now R-019 (references changed in risks/R-003.md, treatments/T-008.md).")
            && out.contains("Both sides added T-007: origin's keeps the id, yours is now T-008."),
        "{out}"
    );
    let title = |file: &str| {
        team.mine(file)
            .lines()
            .find_map(|l| l.strip_prefix("title: ").map(str::to_string))
            .unwrap_or_else(|| panic!("{file} has a title"))
    };
    assert_eq!(title("risks/R-018.md"), "Card skimming on checkout pages");
    assert_eq!(title("risks/R-019.md"), "Office Wi-Fi shared with the café");
    assert!(team.mine("risks/R-019.md").starts_with("---\nid: R-019\n"));
    assert_eq!(title("treatments/T-007.md"), "Script integrity on checkout");
    assert_eq!(title("treatments/T-008.md"), "Separate office network");
    assert!(team.mine("treatments/T-007.md").contains("risks: [R-018]"));
    assert!(team.mine("treatments/T-008.md").contains("risks: [R-019]"));
    assert!(team.mine("risks/R-003.md").contains("R-019"));
    assert!(!team.mine("risks/R-003.md").contains("R-018"));
    // Nothing is wrong with the records kept (the summary's counts are stale now, as
    // two risks were added: that is the narrative check's finding, not the merge's).
    let (_, out, _) = team.ism.isms(&["check"]);
    let errors: Vec<&str> = out
        .lines()
        .filter(|l| l.contains(": error [") && !l.contains("[narrative-figures]"))
        .collect();
    assert!(errors.is_empty(), "{out}");
    assert!(
        out.contains(
            "[narrative-figures] the narrative says \"Sixteen active risks\", but there are 18"
        ),
        "{out}"
    );
    assert_eq!(team.ism.git(&["status", "--porcelain"]), "");
    team.ism.ok(&["push"]);
    team.fsck();
}

/// One side of the sync suite: the ISM's clone (through isms) or the colleague's (isms
/// on their clone, committed and pushed with git).
#[derive(Clone, Copy, PartialEq)]
enum Who {
    Ism,
    Colleague,
}

impl Team {
    fn dir(&self, who: Who) -> PathBuf {
        match who {
            Who::Ism => self.ism.path().to_path_buf(),
            Who::Colleague => self.colleague.clone(),
        }
    }

    /// Runs isms on one side's clone; it must succeed.
    fn on(&self, who: Who, args: &[&str]) {
        let out = self
            .ism
            .command(crate::support::isms_bin())
            .arg("--repo")
            .arg(self.dir(who))
            .args(args)
            .output()
            .expect("isms runs");
        assert!(out.status.success(), "isms {args:?}: {out:?}");
    }

    fn delete(&self, who: Who, file: &str) {
        fs::remove_file(self.dir(who).join(file)).expect("the file exists");
    }

    fn edit(&self, who: Who, file: &str, from: &str, to: &str) {
        let path = self.dir(who).join(file);
        let text = fs::read_to_string(&path).expect("readable");
        assert!(text.contains(from), "{file} has no {from:?}");
        fs::write(&path, text.replacen(from, to, 1)).expect("writable");
    }

    /// Both sides commit what they changed; the colleague pushes; the ISM pulls,
    /// settling any conflict with `keep` for every field, and pushes. Then nothing may
    /// fail to load, and both clones must be identical and clean.
    fn sync(&self, keep: &str) -> Vec<String> {
        self.ism.ok(&["commit", "-m", "The ISM's changes"]);
        self.theirs(&["add", "-A"]);
        self.theirs(&["commit", "-q", "-m", "The colleague's changes"]);
        self.theirs(&["push", "-q", "origin", "main"]);
        let (_, json, _) = self.ism.isms(&["--format", "json", "pull"]);
        let outcome: serde_json::Value = serde_json::from_str(&json).expect("json");
        let mut conflicts = Vec::new();
        if outcome["outcome"] == "conflicts" {
            let mut args = vec!["pull".to_string()];
            for c in outcome["conflicts"].as_array().expect("conflicts") {
                let name = format!(
                    "{}.{}",
                    c["id"].as_str().expect("id"),
                    c["field"].as_str().expect("field")
                );
                args.push("--resolve".into());
                args.push(format!("{name}={keep}"));
                conflicts.push(name);
            }
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            self.ism.ok(&args);
        }
        self.ism.ok(&["push"]);
        self.theirs(&["pull", "-q", "--no-rebase", "origin", "main"]);
        let loaded = isms_core::Isms::open(self.ism.path())
            .expect("opens")
            .load()
            .expect("loads");
        assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
        assert_eq!(self.ism.git(&["status", "--porcelain"]), "");
        assert_eq!(
            self.ism.git(&["rev-parse", "HEAD"]),
            self.theirs(&["rev-parse", "HEAD"])
        );
        self.fsck();
        conflicts
    }

    /// The value of a top-level field of a record file, as written.
    fn field(&self, file: &str, key: &str) -> Option<String> {
        let path = self.ism.path().join(file);
        let text = fs::read_to_string(path).ok()?;
        text.lines()
            .find_map(|l| l.strip_prefix(&format!("{key}: ")).map(str::to_string))
    }
}

#[test]
fn two_clones_adding_editing_closing_and_deleting_lose_nothing_and_blend_nothing() {
    use Who::{Colleague, Ism};
    // Edits of different records, and of different fields of one record: all kept.
    let team = Team::new();
    team.on(Ism, &["set", "R-002", "likelihood=1"]);
    team.on(Colleague, &["set", "R-003", "impact=1"]);
    team.on(Ism, &["set", "R-004", "likelihood=1"]);
    team.on(Colleague, &["set", "R-004", "impact=2"]);
    assert_eq!(team.sync("mine"), Vec::<String>::new());
    assert_eq!(
        team.field("risks/R-002.md", "likelihood").as_deref(),
        Some("1")
    );
    assert_eq!(team.field("risks/R-003.md", "impact").as_deref(), Some("1"));
    assert_eq!(
        team.field("risks/R-004.md", "likelihood").as_deref(),
        Some("1")
    );
    assert_eq!(team.field("risks/R-004.md", "impact").as_deref(), Some("2"));

    // One closes a risk while the other retitles it: both kept.
    let team = Team::new();
    team.on(Ism, &["set", "R-005", "status=closed"]);
    team.on(
        Colleague,
        &["set", "R-005", "title=Payment webhook forgery"],
    );
    assert_eq!(team.sync("mine"), Vec::<String>::new());
    assert_eq!(
        team.field("risks/R-005.md", "status").as_deref(),
        Some("closed")
    );
    assert_eq!(
        team.field("risks/R-005.md", "title").as_deref(),
        Some("Payment webhook forgery")
    );

    // The same field, two values: one conflict, settled as asked, nothing else touched.
    let team = Team::new();
    team.on(Ism, &["set", "R-004", "likelihood=1", "owner=ism"]);
    team.on(Colleague, &["set", "R-004", "likelihood=4"]);
    assert_eq!(team.sync("theirs"), ["R-004.likelihood"]);
    assert_eq!(
        team.field("risks/R-004.md", "likelihood").as_deref(),
        Some("4")
    );
    assert_eq!(
        team.field("risks/R-004.md", "owner").as_deref(),
        Some("ism")
    );

    // A delete on one side, an edit of another record on the other: both happen.
    let team = Team::new();
    team.delete(Ism, "risks/R-016.md");
    team.on(Colleague, &["set", "R-007", "impact=3"]);
    assert_eq!(team.sync("mine"), Vec::<String>::new());
    assert!(team.field("risks/R-016.md", "title").is_none());
    assert_eq!(team.field("risks/R-007.md", "impact").as_deref(), Some("3"));

    // A delete against an edit of the same record: a conflict, never a silent loss.
    let team = Team::new();
    team.delete(Ism, "risks/R-016.md");
    team.on(Colleague, &["set", "R-016", "impact=1"]);
    assert_eq!(team.sync("theirs"), ["R-016.(file)"]);
    assert_eq!(team.field("risks/R-016.md", "impact").as_deref(), Some("1"));

    // Both delete the same record: gone, no conflict.
    let team = Team::new();
    team.delete(Ism, "risks/R-016.md");
    team.delete(Colleague, "risks/R-016.md");
    assert_eq!(team.sync("mine"), Vec::<String>::new());
    assert!(team.field("risks/R-016.md", "title").is_none());

    // Both add a risk and a treatment: four records, none blended.
    let team = Team::new();
    for (who, title) in [
        (Ism, "Office network shared"),
        (Colleague, "Checkout skimming"),
    ] {
        team.on(
            who,
            &[
                "new",
                "risk",
                "--title",
                title,
                "domain=technical",
                "owner=ism",
                "likelihood=2",
                "impact=2",
            ],
        );
        team.on(who, &["set", "R-018", "treatment=mitigate"]);
        team.on(
            who,
            &[
                "new",
                "treatment",
                "--title",
                title,
                "risks=[R-018]",
                "option=mitigate",
            ],
        );
    }
    assert_eq!(team.sync("mine"), Vec::<String>::new());
    assert_eq!(
        team.field("risks/R-018.md", "title").as_deref(),
        Some("Checkout skimming")
    );
    assert_eq!(
        team.field("risks/R-019.md", "title").as_deref(),
        Some("Office network shared")
    );
    assert_eq!(
        team.field("treatments/T-007.md", "risks").as_deref(),
        Some("[R-018]")
    );
    assert_eq!(
        team.field("treatments/T-008.md", "risks").as_deref(),
        Some("[R-019]")
    );

    // isms.yaml: one renames the organisation, the other adds a role and a risk it owns.
    let team = Team::new();
    team.edit(
        Ism,
        "isms.yaml",
        "  name: Kestrel Cart\n",
        "  name: Kestrel Cart Group\n",
    );
    team.edit(
        Colleague,
        "isms.yaml",
        "  - id: dpo\n    title: Data Protection Officer\n",
        "  - id: dpo\n    title: Data Protection Officer\n  - id: privacy-lead\n    title: Privacy Lead\n",
    );
    team.edit(
        Colleague,
        "isms.yaml",
        "    roles: [cfo]\n",
        "    roles: [cfo, privacy-lead]\n",
    );
    team.on(
        Colleague,
        &[
            "new",
            "risk",
            "--title",
            "Consent records incomplete",
            "domain=technical",
            "owner=privacy-lead",
            "likelihood=2",
            "impact=3",
        ],
    );
    assert_eq!(team.sync("mine"), Vec::<String>::new());
    let yaml = team.mine("isms.yaml");
    assert!(
        yaml.contains("  name: Kestrel Cart Group\n") && yaml.contains("  - id: privacy-lead\n"),
        "{yaml}"
    );
    assert_eq!(
        team.field("risks/R-018.md", "owner").as_deref(),
        Some("privacy-lead")
    );
    let (code, out, _) = team.ism.isms(&["check"]);
    assert!(code == 0 || !out.contains("privacy-lead"), "{out}");
}

#[test]
fn a_pull_replaces_each_file_whole_and_never_writes_over_local_work() {
    // A pull killed half-way must leave every file as it was or as it will be: so each
    // file arrives by an atomic replace (a new file renamed over the old one), never
    // by truncating the old one and writing into it. A hard link made before the pull
    // tells them apart: an in-place write would show through it.
    use std::os::unix::fs::MetadataExt;
    let team = Team::new();
    team.colleague_changes(
        "risks/R-001.md",
        "\nimpact: 5",
        "\nimpact: 2",
        "R-001: impact lowered",
    );
    let file = team.ism.path().join("risks/R-001.md");
    let before = fs::read_to_string(&file).expect("readable");
    let inode = fs::metadata(&file).expect("metadata").ino();
    let witness = team.ism.home.path().join("R-001.witness");
    fs::hard_link(&file, &witness).expect("a hard link");
    team.ism.ok(&["pull"]);
    assert!(team.mine("risks/R-001.md").contains("\nimpact: 2\n"));
    assert_ne!(
        fs::metadata(&file).expect("metadata").ino(),
        inode,
        "a new file"
    );
    assert_eq!(
        fs::read_to_string(&witness).expect("readable"),
        before,
        "the old file was not written into"
    );
    assert_eq!(team.ism.git(&["status", "--porcelain"]), "");
    // A file outside the ISMS folders that the pull would change, edited locally, is
    // never overwritten: the pull refuses and writes nothing.
    team.colleague_changes(".gitignore", ".*.tmp", ".*.tmp\n*.bak", "Ignore backups");
    team.colleague_changes(
        "risks/R-002.md",
        "\nimpact: 4",
        "\nimpact: 3",
        "R-002 rescored",
    );
    let ignore = team.ism.path().join(".gitignore");
    let mine = format!(
        "{}/scratch/\n",
        fs::read_to_string(&ignore).expect("readable")
    );
    fs::write(&ignore, &mine).expect("writable");
    let r002 = team.mine("risks/R-002.md");
    let (code, _, err) = team.ism.isms(&["pull"]);
    assert_ne!(code, 0, "refused: {err}");
    assert!(err.contains(".gitignore"), "{err}");
    assert_eq!(fs::read_to_string(&ignore).expect("readable"), mine);
    assert_eq!(
        team.mine("risks/R-002.md"),
        r002,
        "nothing else was written"
    );
    team.fsck();
}
