//! Writes a synthetic ISMS repository for benchmarks and commits it:
//!
//! ```text
//! cargo run --release -p isms-core --example synthetic -- <dir> <risks> <treatments>
//! ```
//!
//! `scripts/bench-app.sh` uses it to measure the desktop app with 10,000 risks.

use std::path::PathBuf;

use isms_core::git::{CommitRequest, Identity};
use isms_core::Isms;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [dir, risks, treatments] = args.as_slice() else {
        eprintln!("usage: synthetic <dir> <risks> <treatments>");
        std::process::exit(2);
    };
    let dir = PathBuf::from(dir);
    let number = |s: &str| -> usize {
        s.parse().unwrap_or_else(|_| {
            eprintln!("synthetic: `{s}` is not a number");
            std::process::exit(2);
        })
    };
    isms_core::synthetic::generate(&dir, number(risks), number(treatments))
        .expect("the synthetic repository is written because the folder is writable");
    git2::Repository::init(&dir).expect("git init works in a fresh folder");
    let isms = Isms::open(&dir).expect("the synthetic repository is an ISMS");
    let identity = Identity {
        name: "Benchmark".into(),
        email: "bench@ismsdesk.invalid".into(),
    };
    let committed = isms
        .commit(&CommitRequest {
            message: "Synthetic ISMS",
            records: &[],
            identity: &identity,
            signer: None,
            when: None,
            allowed_signers: None,
        })
        .expect("the synthetic records commit because they all load");
    println!(
        "{} files committed in {}",
        committed.files.len(),
        dir.display()
    );
}
