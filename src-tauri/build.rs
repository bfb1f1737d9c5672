//! Builds the Tauri context and embeds the sample ISMS, so that the app can give a new
//! user a working copy of it on first run without reading files next to the binary.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn main() {
    println!("cargo:rerun-if-changed=src-tauri/capabilities");
    println!("cargo:rerun-if-changed=sample-isms");
    // The screens are embedded at compile time: a rebuilt ui/dist rebuilds the app.
    println!("cargo:rerun-if-changed=ui/dist");
    embed_sample();
    tauri_build::try_build(
        tauri_build::Attributes::new().capabilities_path_pattern("./src-tauri/capabilities/**/*"),
    )
    .expect("tauri build script failed because the config or capabilities are invalid");
}

fn embed_sample() {
    let root =
        PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"))
            .join("sample-isms");
    let mut files = Vec::new();
    collect(&root, &root, &mut files);
    files.sort();
    let mut out = String::from("/// The sample ISMS's files: (path, bytes).\npub static SAMPLE_FILES: &[(&str, &[u8])] = &[\n");
    for (rel, full) in &files {
        println!("cargo:rerun-if-changed={}", full.display());
        writeln!(
            out,
            "    ({rel:?}, include_bytes!({:?})),",
            full.display().to_string()
        )
        .expect("writing to a String cannot fail");
    }
    out.push_str("];\n");
    let dest = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"))
        .join("sample_files.rs");
    std::fs::write(&dest, out).expect("OUT_DIR is writable because cargo created it");
}

fn collect(root: &Path, dir: &Path, files: &mut Vec<(String, PathBuf)>) {
    let entries =
        std::fs::read_dir(dir).expect("sample-isms is readable because it is in the repository");
    for entry in entries {
        let path = entry.expect("sample-isms entries are readable").path();
        if path.is_dir() {
            println!("cargo:rerun-if-changed={}", path.display());
            collect(root, &path, files);
        } else {
            let rel = path
                .strip_prefix(root)
                .expect("a file under sample-isms is below its root")
                .to_string_lossy()
                .replace('\\', "/");
            files.push((rel, path));
        }
    }
}
