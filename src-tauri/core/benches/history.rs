//! A record's timeline on a long history: 5,000 commits over a register of 200 risks,
//! one risk file changed per commit, the risk under test changed in every 50th commit
//! (100 timeline entries). Compared with what git itself does for the same question,
//! `git log -p -- risks/R-00007.md`. Run with `cargo bench -p isms-core --bench history`;
//! figures go in docs/performance.md.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use isms_core::Isms;

fn main() {
    divan::main();
}

const COMMITS: usize = 5_000;
const RISKS: usize = 200;
const TARGET: &str = "R-00007";

fn repo() -> &'static Path {
    static REPO: OnceLock<tempfile::TempDir> = OnceLock::new();
    REPO.get_or_init(|| {
        let dir = tempfile::tempdir().expect("a temporary directory");
        isms_core::synthetic::generate(dir.path(), RISKS, 20).expect("generates");
        let repo = git2::Repository::init(dir.path()).expect("git init");
        let who = git2::Signature::new(
            "Bench",
            "bench@example.invalid",
            &git2::Time::new(1_790_000_000, 0),
        )
        .expect("a signature");
        let mut index = repo.index().expect("index");
        index
            .add_all(["*"], git2::IndexAddOption::DEFAULT, None)
            .expect("add");
        let tree = repo
            .find_tree(index.write_tree().expect("tree"))
            .expect("tree");
        let mut parent = repo
            .commit(Some("HEAD"), &who, &who, "Initial", &tree, &[])
            .expect("commit");
        let target_number: usize = TARGET[2..].parse().expect("a number");
        for n in 1..=COMMITS {
            // Every 50th commit changes the target; the others change another risk.
            let number = if n % 50 == 0 {
                target_number
            } else {
                1 + (n * 7919) % RISKS
            };
            let number = if number == target_number && n % 50 != 0 {
                1 + number % RISKS
            } else {
                number
            };
            let rel = format!("risks/R-{number:05}.md");
            let path = dir.path().join(&rel);
            let mut text = std::fs::read_to_string(&path).expect("readable");
            text = text.replacen(
                "likelihood: ",
                &format!(
                    "reviewed_on: 2026-{:02}-{:02}\nlikelihood: ",
                    1 + n % 12,
                    1 + n % 28
                ),
                1,
            );
            if let Some(start) = text.find("reviewed_on: ") {
                // Keep exactly one reviewed_on line.
                let rest = &text[start + 13..];
                if let Some(second) = rest.find("reviewed_on: ") {
                    let end = start + 13 + second;
                    let line_end = text[end..].find('\n').map_or(text.len(), |i| end + i + 1);
                    text.replace_range(end..line_end, "");
                }
            }
            text.push_str(&format!("\nNote {n}.\n"));
            std::fs::write(&path, &text).expect("writable");
            index.add_path(Path::new(&rel)).expect("add");
            let tree = repo
                .find_tree(index.write_tree().expect("tree"))
                .expect("tree");
            let when = git2::Time::new(1_790_000_000 + n as i64 * 60, 0);
            let who =
                git2::Signature::new("Bench", "bench@example.invalid", &when).expect("a signature");
            let parent_commit = repo.find_commit(parent).expect("parent");
            parent = repo
                .commit(
                    Some("HEAD"),
                    &who,
                    &who,
                    &format!("Change {rel}"),
                    &tree,
                    &[&parent_commit],
                )
                .expect("commit");
        }
        index.write().expect("index written");
        // A repository with a long history is packed (git gc runs automatically).
        let gc = Command::new("git")
            .arg("-C")
            .arg(dir.path())
            .args(["gc", "-q"])
            .status()
            .expect("git runs");
        assert!(gc.success());
        dir
    })
    .path()
}

/// Opens the ISMS and computes the timeline under test.
fn timeline_length(root: &Path) -> usize {
    let timeline = Isms::open(root)
        .expect("opens")
        .timeline(TARGET)
        .expect("a timeline");
    assert_eq!(timeline.len(), COMMITS / 50 + 1);
    timeline.len()
}

/// No cache: the index (and with it the history cache) is deleted first, so this
/// includes rebuilding the index of the 200-risk register.
#[divan::bench(sample_count = 10, sample_size = 1)]
fn timeline_cold(bencher: divan::Bencher) {
    let root = repo();
    bencher
        .with_inputs(|| {
            for suffix in ["", "-wal", "-shm"] {
                let _ =
                    std::fs::remove_file(root.join(format!(".git/isms-desk/index.sqlite{suffix}")));
            }
        })
        .bench_local_values(|()| timeline_length(root));
}

/// The index is there but holds no timeline: only the walk through history.
#[divan::bench(sample_count = 10, sample_size = 1)]
fn timeline_walk(bencher: divan::Bencher) {
    let root = repo();
    // Build the index once, so that only the history walk is measured.
    Isms::open(root).expect("opens").index().expect("indexes");
    bencher
        .with_inputs(|| {
            rusqlite::Connection::open(root.join(".git/isms-desk/index.sqlite"))
                .expect("the index opens")
                .execute("DELETE FROM timelines", [])
                .expect("the history cache empties");
        })
        .bench_local_values(|()| timeline_length(root));
}

/// The timeline was computed before at the same HEAD: served from the index.
#[divan::bench(sample_count = 10, sample_size = 1)]
fn timeline_cached() -> usize {
    timeline_length(repo())
}

#[divan::bench(sample_count = 10, sample_size = 1)]
fn git_log_patch_of_one_risk() -> usize {
    let root: PathBuf = repo().to_path_buf();
    let out = Command::new("git")
        .arg("-C")
        .arg(&root)
        .args(["log", "-p", "--", &format!("risks/{TARGET}.md")])
        .output()
        .expect("git runs");
    assert!(out.status.success());
    out.stdout.len()
}
