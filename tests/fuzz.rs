//! The fuzz target of the reader and the writer, on stable Rust: proptest feeds the
//! parser mutated copies of every sample file, and arbitrary bytes, and checks that
//!
//! - nothing panics: every input is a record or a list of problems naming the file;
//! - whatever is read as a record is written back (as a new file, and as an edit of
//!   the file it came from) into text that reads as the same record.
//!
//! Mutations are what hostile or careless files do: bytes changed, lines dropped,
//! doubled or swapped, YAML's special tokens dropped in. The run is bounded
//! (`FUZZ_CASES`, 100,000 cases of each by default, about 40 seconds in a debug build)
//! and repeatable (a fixed seed; `FUZZ_SEED=<n>` explores others). Failures are kept
//! in `fuzz.proptest-regressions` and tried first on every run.

use std::path::{Path, PathBuf};

use isms_core::format::{self, write_record};
use isms_core::repository::{emit_any, parse_text, RecordKind, CONFIG_FILE};
use proptest::prelude::*;

/// Every file of the sample ISMS: (path in the repository, bytes).
fn seeds() -> &'static [(String, Vec<u8>)] {
    static SEEDS: std::sync::OnceLock<Vec<(String, Vec<u8>)>> = std::sync::OnceLock::new();
    SEEDS.get_or_init(|| {
        let root = crate::support::sample();
        let mut files = vec![(CONFIG_FILE.to_string(), root.join(CONFIG_FILE))];
        for kind in RecordKind::ALL {
            let Ok(entries) = std::fs::read_dir(root.join(kind.folder())) else {
                continue;
            };
            let mut paths: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
            paths.sort();
            for path in paths
                .into_iter()
                .filter(|p| p.extension().is_some_and(|e| e == "md"))
            {
                let name = path.file_name().and_then(|n| n.to_str()).expect("utf-8");
                files.push((format!("{}/{name}", kind.folder()), path));
            }
        }
        files
            .into_iter()
            .map(|(rel, path)| (rel, std::fs::read(&path).expect("the sample is readable")))
            .collect()
    })
}

/// Tokens that mean something to YAML, markdown front matter or the tool.
const TOKENS: &[&str] = &[
    "---",
    "\n---\n",
    ": ",
    ":",
    "- ",
    "#",
    "'",
    "\"",
    "[",
    "]",
    "{",
    "}",
    "&a ",
    "*a",
    "!!str ",
    "|",
    ">",
    "~",
    "null",
    "yes",
    "\t",
    "\r",
    "\u{0}",
    "\u{1b}[2K",
    "\u{feff}",
    "é",
    "2026-13-45",
    "99999999999999999999",
    "-1",
    "<<<<<<< HEAD\n",
    ">>>>>>> x\n",
    "<!-- isms:heatmap -->",
    "\n  ",
    "R-001",
    "8.13",
    "\\",
];

#[derive(Debug, Clone)]
enum Mutation {
    /// Replace the byte at a position with another.
    Byte(usize, u8),
    /// Insert a token at a position.
    Token(usize, usize),
    /// Delete bytes from a position.
    Delete(usize, usize),
    /// Drop, double or swap a line.
    DropLine(usize),
    DoubleLine(usize),
    SwapLines(usize, usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(p, b)| Mutation::Byte(p, b)),
        (any::<usize>(), 0..TOKENS.len()).prop_map(|(p, t)| Mutation::Token(p, t)),
        (any::<usize>(), 1..40usize).prop_map(|(p, n)| Mutation::Delete(p, n)),
        any::<usize>().prop_map(Mutation::DropLine),
        any::<usize>().prop_map(Mutation::DoubleLine),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Mutation::SwapLines(a, b)),
    ]
}

fn apply(bytes: &mut Vec<u8>, m: &Mutation) {
    let at = |p: usize, len: usize| if len == 0 { 0 } else { p % (len + 1) };
    match *m {
        Mutation::Byte(p, b) if !bytes.is_empty() => {
            let i = p % bytes.len();
            bytes[i] = b;
        }
        Mutation::Byte(..) => {}
        Mutation::Token(p, t) => {
            let i = at(p, bytes.len());
            bytes.splice(i..i, TOKENS[t].bytes());
        }
        Mutation::Delete(p, n) => {
            let i = at(p, bytes.len());
            let end = (i + n).min(bytes.len());
            bytes.drain(i..end);
        }
        Mutation::DropLine(l) | Mutation::DoubleLine(l) | Mutation::SwapLines(l, _) => {
            let mut lines: Vec<Vec<u8>> =
                bytes.split(|b| *b == b'\n').map(<[u8]>::to_vec).collect();
            let n = lines.len();
            match *m {
                Mutation::DropLine(_) => {
                    lines.remove(l % n);
                }
                Mutation::DoubleLine(_) => {
                    let line = lines[l % n].clone();
                    lines.insert(l % n, line);
                }
                Mutation::SwapLines(_, k) => lines.swap(l % n, k % n),
                _ => unreachable!("only line mutations reach here"),
            }
            *bytes = lines.join(&b'\n');
        }
    }
}

/// Reads `bytes` as the file `path`; what reads as a record must be written back into
/// text that reads as the same record, both as a new file and as an edit of itself.
fn read_and_write_back(path: &str, bytes: &[u8]) -> Result<(), TestCaseError> {
    let Ok(text) = format::decode(path, bytes) else {
        return Ok(());
    };
    // The fast reader of front matter answers exactly as the full YAML parser, or not
    // at all.
    if let Ok(source) = format::frontmatter::split(&text) {
        if let (Some(simple), full) = format::yaml::read_both_ways(&source.front) {
            prop_assert_eq!(
                Ok(simple),
                full,
                "{} is read differently by the simple reader:\n{}",
                path,
                source.front
            );
        }
    }
    if path == CONFIG_FILE {
        let _ = format::parse_config(&text);
        return Ok(());
    }
    let (kind, stem) = RecordKind::of_path(path).expect("a record path");
    let Ok(parsed) = parse_text(kind, path, stem, &text) else {
        return Ok(());
    };
    let (fields, body) = emit_any(&parsed.record);
    for (how, written) in [
        ("as a new file", write_record(&fields, body, None)),
        (
            "as an edit",
            write_record(&fields, body, Some((&parsed.source, &fields))),
        ),
    ] {
        let again = parse_text(kind, path, stem, &written).map_err(|e| {
            TestCaseError::fail(format!(
                "{path} read, but written {how} it does not: {}\n--- read ---\n{text:?}\n--- written ---\n{written:?}",
                e[0]
            ))
        })?;
        let (fields_again, body_again) = emit_any(&again.record);
        prop_assert_eq!(
            &fields_again,
            &fields,
            "{} written {} changed its fields:\n{}",
            path,
            how,
            written
        );
        prop_assert_eq!(
            body_again,
            body,
            "{} written {} changed its body",
            path,
            how
        );
    }
    Ok(())
}

/// The same cases on every run, so that CI is repeatable; `FUZZ_SEED=<n>` explores
/// others (what it finds is kept in the regressions file and fixed).
fn seed() -> proptest::test_runner::RngSeed {
    let seed = std::env::var("FUZZ_SEED")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0x154d_e5c0_2026);
    proptest::test_runner::RngSeed::Fixed(seed)
}

fn cases() -> u32 {
    std::env::var("FUZZ_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(100_000)
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: cases(),
        rng_seed: seed(),
        max_shrink_iters: 2000,
        failure_persistence: Some(Box::new(
            proptest::test_runner::FileFailurePersistence::Direct("tests/fuzz.proptest-regressions"),
        )),
        ..ProptestConfig::default()
    })]

    #[test]
    fn mutated_sample_files_never_panic_and_write_back_as_read(
        seed in any::<prop::sample::Index>(),
        mutations in prop::collection::vec(mutation(), 1..6),
    ) {
        let (path, original) = seed.get(seeds());
        let mut bytes = original.clone();
        for m in &mutations {
            apply(&mut bytes, m);
        }
        read_and_write_back(path, &bytes)?;
    }

    #[test]
    fn arbitrary_bytes_never_panic(
        kind in any::<prop::sample::Index>(),
        bytes in prop::collection::vec(any::<u8>(), 0..600),
    ) {
        let path = kind.get(&RecordKind::ALL[..]).path("X-1");
        read_and_write_back(&path, &bytes)?;
        let mut front = b"---\n".to_vec();
        front.extend_from_slice(&bytes);
        front.extend_from_slice(b"\n---\n");
        read_and_write_back(&path, &front)?;
        read_and_write_back(CONFIG_FILE, &bytes)?;
    }
}

#[test]
fn the_seeds_are_the_whole_sample() {
    let count = seeds().len();
    assert!(count > 40, "only {count} sample files");
    assert!(Path::new(&crate::support::sample())
        .join(CONFIG_FILE)
        .is_file());
}
