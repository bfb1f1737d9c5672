//! The layering of isms-core (ARCHITECTURE.md, "Layers"): each module may use the
//! modules below it and never one above, so that a rule found in a lower layer cannot
//! quietly depend on how a higher one happens to work (git committing through the
//! sign-off verifier, the pure domain reading files).
//!
//! Read from the source: every `crate::…` path and every name in a `use crate::{…}`
//! group, in every file of each top-level module.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

/// The modules of isms-core from the bottom up. A module may use those before it.
const LAYERS: &[&str] = &[
    "error",
    "catalogue",
    "domain",
    "format",
    "fsio",
    "logging",
    "settings",
    "isms",
    "index",
    "store",
    "git",
    "report",
    "tabular",
    "signoff",
    "init",
    "synthetic",
    "api",
];

/// Names the crate root re-exports, and the module each one lives in.
const ROOT_NAMES: &[(&str, &str)] = &[
    ("Error", "error"),
    ("ErrorCode", "error"),
    ("LoadError", "error"),
    ("Result", "error"),
    ("Isms", "isms"),
    ("Loaded", "isms"),
    ("Records", "isms"),
    ("RecordKind", "domain"),
    ("repository", "isms"),
];

fn core_src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src-tauri/core/src")
}

fn files_of(module: &str) -> Vec<PathBuf> {
    let dir = core_src().join(module);
    let mut files = Vec::new();
    if dir.is_dir() {
        let mut stack = vec![dir];
        while let Some(d) = stack.pop() {
            for entry in fs::read_dir(&d).expect("a source folder reads") {
                let path = entry.expect("an entry").path();
                if path.is_dir() {
                    stack.push(path);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    files.push(path);
                }
            }
        }
    } else {
        files.push(core_src().join(format!("{module}.rs")));
    }
    files
}

/// The top-level modules a piece of source names through `crate::`.
fn uses(source: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = source;
    while let Some(at) = rest.find("crate::") {
        rest = &rest[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            // `crate::{a, b::c, D}`: the first name of each item at depth 0.
            let mut depth = 0;
            let mut item = String::new();
            for c in group.chars() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        found.push(first_name(&item));
                        item.clear();
                        continue;
                    }
                    _ => {}
                }
                item.push(c);
            }
            found.push(first_name(&item));
        } else {
            found.push(first_name(rest));
        }
    }
    found.retain(|n| !n.is_empty());
    found
}

fn first_name(path: &str) -> String {
    path.trim_start()
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect()
}

fn module_of(name: &str) -> Option<&'static str> {
    LAYERS
        .iter()
        .find(|m| **m == name)
        .copied()
        .or_else(|| ROOT_NAMES.iter().find(|(n, _)| *n == name).map(|(_, m)| *m))
}

#[test]
fn no_module_uses_a_module_above_it() {
    let mut wrong: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut unknown = Vec::new();
    for (level, module) in LAYERS.iter().enumerate() {
        for file in files_of(module) {
            let source = fs::read_to_string(&file).expect("a source file reads");
            // Unit tests may reach anywhere to build their cases.
            let code = source.split("#[cfg(test)]").next().unwrap_or(&source);
            for name in uses(code) {
                match module_of(&name) {
                    Some(used) => {
                        let used_level = LAYERS.iter().position(|m| *m == used).expect("listed");
                        if used_level > level {
                            let place = file
                                .strip_prefix(core_src())
                                .unwrap_or(&file)
                                .display()
                                .to_string();
                            wrong.entry(place).or_default().push(used.to_string());
                        }
                    }
                    None => unknown.push(format!("{}: crate::{name}", file.display())),
                }
            }
        }
    }
    for list in wrong.values_mut() {
        list.sort();
        list.dedup();
    }
    assert!(
        unknown.is_empty(),
        "names this test does not place in a layer (add them to LAYERS or ROOT_NAMES): {unknown:#?}"
    );
    assert!(
        wrong.is_empty(),
        "files that use a module above their own (ARCHITECTURE.md, Layers): {wrong:#?}"
    );
}

#[test]
fn every_module_of_the_crate_is_in_a_layer() {
    let lib = fs::read_to_string(core_src().join("lib.rs")).expect("lib.rs reads");
    for line in lib.lines() {
        let line = line.trim();
        let Some(name) = line
            .strip_prefix("pub mod ")
            .or_else(|| line.strip_prefix("mod "))
            .and_then(|rest| rest.strip_suffix(';'))
        else {
            continue;
        };
        assert!(
            LAYERS.contains(&name),
            "module {name} of lib.rs is in no layer of tests/layering.rs"
        );
    }
}

#[test]
fn the_reader_finds_names_in_groups_and_paths() {
    assert_eq!(
        uses("use crate::{Error, git::{self, x}, Result};\nlet a = crate::report::render();"),
        ["Error", "git", "Result", "report"]
    );
}
