//! Benchmarks of opening and querying an ISMS repository at 16 and 10,000 risks
//! (synthetic, all 93 controls, 8 or 500 treatments), and at 10,000 risks with the
//! rest of the ISMS cycle (`FULL`: 500 controlled documents, 200 audits, 1,000
//! nonconformities added). Run with
//! `cargo bench -p isms-core --bench index`; figures go in docs/performance.md.
//!
//! - `cold_open`: no index yet: walk, parse every file, build the SQLite index.
//! - `warm_open`: the index is up to date: walk and compare fingerprints only.
//! - `query`: Manage-band risks owned by the ISM, ordered by score.
//! - `search`: a two-word full-text search.
//! - `load_all`: parse every record into memory (what `isms check` does).

use std::path::PathBuf;
use std::sync::OnceLock;

use divan::Bencher;
use isms_core::domain::Band;
use isms_core::index::{RiskQuery, RiskSort};
use isms_core::Isms;

fn main() {
    divan::main();
}

/// The argument that stands for 10,000 risks with the rest of the ISMS cycle.
const FULL: usize = 10_001;

const SIZES: [usize; 3] = [16, 10_000, FULL];

fn repo(risks: usize) -> PathBuf {
    static SMALL: OnceLock<tempfile::TempDir> = OnceLock::new();
    static LARGE: OnceLock<tempfile::TempDir> = OnceLock::new();
    static WHOLE: OnceLock<tempfile::TempDir> = OnceLock::new();
    let cell = match risks {
        16 => &SMALL,
        FULL => &WHOLE,
        _ => &LARGE,
    };
    cell.get_or_init(|| {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let count = risks.min(10_000);
        isms_core::synthetic::generate(dir.path(), count, if risks == 16 { 8 } else { 500 })
            .expect("generates");
        if risks == FULL {
            isms_core::synthetic::generate_cycle(dir.path(), 500, 200, 1_000).expect("generates");
        }
        git2::Repository::init(dir.path()).expect("git init");
        dir
    })
    .path()
    .to_path_buf()
}

fn index_file(root: &std::path::Path) -> PathBuf {
    root.join(".git/isms-desk/index.sqlite")
}

#[divan::bench(args = SIZES, sample_count = 10, sample_size = 1)]
fn cold_open(bencher: Bencher, risks: usize) {
    let root = repo(risks);
    bencher
        .with_inputs(|| {
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", index_file(&root).display()));
            }
        })
        .bench_local_values(|()| {
            Isms::open(&root)
                .expect("opens")
                .index()
                .expect("indexes")
                .refresh
        });
}

#[divan::bench(args = SIZES, sample_count = 20)]
fn warm_open(bencher: Bencher, risks: usize) {
    let root = repo(risks);
    Isms::open(&root).expect("opens").index().expect("indexes");
    bencher.bench_local(|| {
        Isms::open(&root)
            .expect("opens")
            .index()
            .expect("indexes")
            .refresh
    });
}

#[divan::bench(args = SIZES, sample_count = 50)]
fn query(bencher: Bencher, risks: usize) {
    let index = Isms::open(&repo(risks))
        .expect("opens")
        .index()
        .expect("indexes");
    let q = RiskQuery {
        band: Some(Band::new("manage")),
        owner: Some("ism".into()),
        sort: RiskSort::Score,
        ..Default::default()
    };
    bencher.bench_local(|| index.risks(&q).expect("queries").len());
}

#[divan::bench(args = SIZES, sample_count = 50)]
fn search(bencher: Bencher, risks: usize) {
    let index = Isms::open(&repo(risks))
        .expect("opens")
        .index()
        .expect("indexes");
    bencher.bench_local(|| {
        index
            .search("kobenhavn backup", 50)
            .expect("searches")
            .len()
    });
}

#[divan::bench(args = SIZES, sample_count = 5, sample_size = 1)]
fn load_all(bencher: Bencher, risks: usize) {
    let isms = Isms::open(&repo(risks)).expect("opens");
    bencher.bench_local(|| isms.load().expect("loads").records.risks.len());
}
