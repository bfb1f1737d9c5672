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
    Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-isms")
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

    /// Replaces `from` with `to` in a file; the text must be there.
    pub fn edit(&self, rel: &str, from: &str, to: &str) {
        let text = self.read(rel);
        assert!(text.contains(from), "{rel} does not contain {from:?}");
        self.write(rel, &text.replacen(from, to, 1));
    }
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
    let out = Command::new(isms_bin())
        .args(args)
        .output()
        .expect("the isms binary runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
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
    assert_eq!(actual, expected, "output differs from {}", path.display());
}
