//! The kill harness: `isms set` and `isms commit` are killed at random instants, over
//! and over, and after every kill the repository must be whole — every record file
//! loads and is either the old version or the new one, an acknowledged save or commit
//! is never lost, the index agrees with the files, and `git fsck --strict` is clean.

use std::process::Stdio;
use std::time::Duration;

use isms_core::repository::AnyRecord;
use isms_core::Isms;

use crate::support::{isms_bin, Signed};

/// Runs of the harness; the issue asks for at least 200.
const RUNS: u32 = 240;

/// A small deterministic generator, so a failing run can be replayed.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
}

fn title_of(isms: &Isms) -> String {
    match isms
        .open_record("R-004")
        .expect("R-004 always loads")
        .record
    {
        AnyRecord::Risk(r) => r.title,
        _ => unreachable!("R-004 is a risk"),
    }
}

#[test]
fn killing_saves_and_commits_at_random_instants_never_corrupts_or_loses_anything() {
    let s = Signed::new();
    s.ok(&["commit", "-m", "Initial"]);
    let isms = Isms::open(s.path()).expect("opens");
    let mut rng = Lcg(0x15_4d_e5_c0);
    let (mut acknowledged, mut killed) = (0, 0);
    for run in 0..RUNS {
        let before_title = title_of(&isms);
        let before_head = s.git(&["rev-parse", "HEAD"]);
        let committing = run % 3 == 2;
        let new_title = format!("Cross-tenant data exposure, run {run}");
        let mut command = s.command(isms_bin());
        command
            .arg("--repo")
            .arg(s.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        if committing {
            command.args(["commit", "-m", &format!("Run {run}")]);
        } else {
            command.args([
                "set",
                "R-004",
                &format!("title={new_title}"),
                &format!("likelihood={}", 1 + run % 5),
            ]);
        }
        let mut child = command.spawn().expect("isms starts");
        std::thread::sleep(Duration::from_micros(rng.next() % 170_000));
        let finished = child.try_wait().expect("waitable").is_some();
        if !finished {
            let _ = child.kill();
            killed += 1;
        }
        let status = child.wait().expect("waitable");
        let ok = status.success();
        acknowledged += u32::from(ok);

        // Every record file loads, and R-004 is the old or the new version. A killed
        // save may leave its temporary file, which is named (and swept by the next
        // save), never read as a record.
        let loaded = isms.load().expect("loads");
        assert!(
            loaded.errors.iter().all(|e| e
                .message
                .contains("left behind by a save of R-004.md that was interrupted")),
            "run {run}: {:?}",
            loaded.errors
        );
        let title = title_of(&isms);
        if committing {
            assert_eq!(
                title, before_title,
                "run {run}: a commit does not change records"
            );
            let head = s.git(&["rev-parse", "HEAD"]);
            if ok {
                assert_ne!(
                    head, before_head,
                    "run {run}: an acknowledged commit is lost"
                );
            }
            s.fsck();
            let (code, _, err) =
                crate::support::git_status_in(&s, s.path(), &["status", "--porcelain"]);
            assert_eq!(code, 0, "run {run}: git status: {err}");
        } else {
            assert!(
                title == before_title || title == new_title,
                "run {run}: {title:?}"
            );
            if ok {
                assert_eq!(title, new_title, "run {run}: an acknowledged save is lost");
            }
        }
        // The index agrees with the file, even after a kill between write and reindex.
        let rows = isms
            .index()
            .expect("the index opens")
            .risks(&Default::default())
            .expect("risks");
        let row = rows.iter().find(|r| r.id == "R-004").expect("listed");
        assert_eq!(row.title, title, "run {run}: the index is stale");
        // Temporary files of killed writers do not pile up.
        let leftovers = std::fs::read_dir(s.copy.file("risks"))
            .expect("listable")
            .filter(|e| {
                e.as_ref()
                    .is_ok_and(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
            })
            .count();
        assert!(leftovers <= 1, "run {run}: {leftovers} temporary files");
    }
    s.fsck();
    // The harness is only meaningful if it both killed and let runs finish.
    assert!(
        killed >= RUNS / 4 && acknowledged >= RUNS / 4,
        "killed {killed}, acknowledged {acknowledged} of {RUNS}"
    );
}
