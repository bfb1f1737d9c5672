//! How the app starts: its command line, the list of recently opened ISMS
//! repositories, and the app's own copy of the sample ISMS.

use std::path::{Path, PathBuf};

use isms_core::git::Identity;

/// The command-line help.
pub const USAGE: &str =
    "usage: isms-desk [--repo <folder>] [--data-dir <folder>] [--save-to <folder>] [--report-ready]

  --repo <folder>      open this ISMS repository
  --data-dir <folder>  where the app keeps its recent list and its copy of the sample
                       ISMS (default: the platform's app data folder)
  --save-to <folder>   write exported PDFs into this folder instead of asking where
                       (for scripts and the end-to-end tests)
  --report-ready       print the time from start to the first view of the risk register
                       and the process's memory, for the launch benchmark";

/// What the command line asked for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Options {
    /// Open this ISMS at start.
    pub repo: Option<PathBuf>,
    /// Open the app's own copy of the sample ISMS at start.
    pub sample: bool,
    /// Where the recent list and the sample copy live.
    pub data_dir: Option<PathBuf>,
    /// Export into this folder without a dialog.
    pub save_to: Option<PathBuf>,
    /// Print launch figures when the register is first visible (`bench` builds).
    #[cfg(feature = "bench")]
    pub report_ready: bool,
}

impl Options {
    /// Reads the arguments (without the program name).
    pub fn parse(mut args: impl Iterator<Item = String>) -> Result<Options, String> {
        let mut options = Options::default();
        while let Some(arg) = args.next() {
            let mut value = |name: &str| {
                args.next()
                    .map(PathBuf::from)
                    .ok_or_else(|| format!("{name} needs a folder"))
            };
            match arg.as_str() {
                "--repo" => options.repo = Some(value("--repo")?),
                "--data-dir" => options.data_dir = Some(value("--data-dir")?),
                "--save-to" => options.save_to = Some(value("--save-to")?),
                #[cfg(feature = "bench")]
                "--report-ready" => options.report_ready = true,
                "--sample" => options.sample = true,
                // A desktop app is started by launchers and drivers that may add
                // their own arguments: say so and go on.
                other => eprintln!("isms-desk: ignoring unknown argument `{other}`"),
            }
        }
        Ok(options)
    }

    /// Whether the launch is being measured.
    pub fn measuring(&self) -> bool {
        #[cfg(feature = "bench")]
        return self.report_ready;
        #[cfg(not(feature = "bench"))]
        false
    }
}

/// How many recently opened repositories are remembered.
const RECENT_LIMIT: usize = 8;

/// The recently opened ISMS repositories, most recent first.
pub fn recent(data_dir: &Path) -> Vec<PathBuf> {
    std::fs::read_to_string(data_dir.join("recent.json"))
        .ok()
        .and_then(|text| serde_json::from_str::<Vec<PathBuf>>(&text).ok())
        .unwrap_or_default()
}

/// Puts `root` first in the recent list.
pub fn remember(data_dir: &Path, root: &Path) -> isms_core::Result<()> {
    let mut list = recent(data_dir);
    list.retain(|p| p != root);
    list.insert(0, root.to_path_buf());
    list.truncate(RECENT_LIMIT);
    std::fs::create_dir_all(data_dir).map_err(|e| isms_core::Error::io(data_dir, e))?;
    let text = serde_json::to_string_pretty(&list).expect("a list of paths serialises");
    isms_core::fsio::write_atomic(&data_dir.join("recent.json"), text.as_bytes())
}

mod sample {
    include!(concat!(env!("OUT_DIR"), "/sample_files.rs"));
}

/// The app's own copy of the sample ISMS in `data_dir`, made (as a git repository
/// with one commit) when it does not exist yet.
pub fn sample_copy(data_dir: &Path) -> isms_core::Result<PathBuf> {
    let dir = data_dir.join("sample-isms");
    if dir.join(isms_core::repository::CONFIG_FILE).is_file() {
        return Ok(dir);
    }
    let identity = Identity {
        name: "ISMS Desk".into(),
        email: "sample@ismsdesk.invalid".into(),
    };
    isms_core::init::from_files(
        &dir,
        sample::SAMPLE_FILES,
        &identity,
        "Sample ISMS of Kestrel Cart ApS (fictional), as shipped with ISMS Desk",
    )?;
    Ok(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_are_read_and_unknown_ones_ignored() {
        let args = ["--repo", "/r", "--save-to", "/out", "--report-ready"].map(String::from);
        let options = Options::parse(args.into_iter()).expect("valid arguments");
        assert_eq!(options.repo.as_deref(), Some(Path::new("/r")));
        assert_eq!(options.save_to.as_deref(), Some(Path::new("/out")));
        // Measuring is for builds with the `bench` feature; others ignore the flag.
        assert_eq!(options.measuring(), cfg!(feature = "bench"));
        assert!(Options::parse(["--repo".to_string()].into_iter())
            .unwrap_err()
            .contains("--repo needs a folder"));
        assert_eq!(
            Options::parse(["--frobnicate".to_string()].into_iter()),
            Ok(Options::default())
        );
    }

    #[test]
    fn the_sample_copy_is_a_committed_isms_and_is_made_once() {
        let data = tempfile::tempdir().expect("a temporary folder");
        let dir = sample_copy(data.path()).expect("the sample copy is made");
        let isms = isms_core::Isms::open(&dir).expect("the copy is an ISMS");
        assert!(isms.head().is_some(), "the copy has a first commit");
        let loaded = isms.load().expect("the copy loads");
        assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
        assert!(loaded.records.risks.len() >= 15);
        std::fs::write(dir.join("risks/R-001.md.note"), "mine").expect("writable");
        sample_copy(data.path()).expect("a second call reuses the copy");
        assert!(
            dir.join("risks/R-001.md.note").exists(),
            "the copy was not remade"
        );
    }

    #[test]
    fn recent_repositories_are_remembered_most_recent_first() {
        let data = tempfile::tempdir().expect("a temporary folder");
        remember(data.path(), Path::new("/a")).expect("saved");
        remember(data.path(), Path::new("/b")).expect("saved");
        remember(data.path(), Path::new("/a")).expect("saved");
        assert_eq!(
            recent(data.path()),
            vec![PathBuf::from("/a"), PathBuf::from("/b")]
        );
    }
}
