//! The TypeScript bindings in `ui/src/bindings/` are generated from the Rust types the
//! webview receives (ts-rs). This test regenerates them into a temporary folder and
//! fails when the checked-in files differ, so a change on one side of the wall cannot
//! go unnoticed on the other. To update them after changing a type:
//!
//! ```text
//! UPDATE_BINDINGS=1 cargo test --test main bindings
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use isms_core::api::{
    Dashboard, Exported, FieldChoice, FileText, Opened, Reference, Register, RegisterQuery,
    ReportPreview, RiskView, Shown, SignoffBoard, Soa, TreatmentPlan,
};
use isms_core::domain::checks::CheckReport;
use isms_core::format::edit::Assignment;
use isms_core::git::changes::Changes;
use isms_core::git::history::TimelineEntry;
use isms_core::git::sync::PullOutcome;
use isms_core::git::Committed;
use isms_core::signoff::{Published, Signed, SignoffKind, Started};
use isms_core::store::Saved;
use isms_desk::bindings::{CommandError, Progress, Startup};
use ts_rs::TS;

fn export_all(dir: &Path) {
    macro_rules! export {
        ($($t:ty),+ $(,)?) => {
            $(<$t as TS>::export_all_to(dir).expect(concat!("ts-rs exports ", stringify!($t)));)+
        };
    }
    export!(
        CommandError,
        Progress,
        Startup,
        Opened,
        Dashboard,
        CheckReport,
        Reference,
        Register,
        FileText,
        isms_core::init::NewIsms,
        RiskView,
        Saved,
        Soa,
        TreatmentPlan,
        isms_core::api::AuditProgramme,
        isms_core::api::Nonconformities,
        isms_core::api::Reviews,
        isms_core::api::ReviewPack,
        isms_core::api::Suppliers,
        isms_core::api::Soc2View,
        isms_core::api::PublishedSite,
        isms_core::api::AuditPack,
        isms_core::api::PackRevision,
        isms_core::api::ComparisonPreview,
        TimelineEntry,
        Changes,
        Committed,
        PullOutcome,
        FieldChoice,
        ReportPreview,
        Exported,
        SignoffBoard,
        RegisterQuery,
        Assignment,
        Shown,
        SignoffKind,
        Started,
        Signed,
        Published,
        isms_core::api::SettingsView,
        isms_core::api::Documents,
        isms_core::api::Assessments,
        isms_core::api::MethodologyView,
        isms_core::api::MethodologyChanged,
        isms_core::domain::AsScored,
        isms_core::tabular::import::ImportPlan,
        isms_core::tabular::import::ImportOptions,
    );
}

fn files(dir: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for entry in std::fs::read_dir(dir).expect("the bindings folder is readable") {
        let path = entry.expect("a readable entry").path();
        if path.extension().is_some_and(|e| e == "ts") {
            let name = path
                .file_name()
                .expect("a file has a name")
                .to_string_lossy()
                .into_owned();
            out.insert(
                name,
                std::fs::read_to_string(&path).expect("a readable binding"),
            );
        }
    }
    out
}

#[test]
fn typescript_bindings_are_up_to_date() {
    let checked_in = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("ui/src/bindings");
    if std::env::var_os("UPDATE_BINDINGS").is_some() {
        for name in files(&checked_in).keys() {
            std::fs::remove_file(checked_in.join(name)).expect("an old binding is removable");
        }
        export_all(&checked_in);
        return;
    }
    let fresh = tempfile::tempdir().expect("a temporary folder");
    export_all(fresh.path());
    let (want, have) = (files(fresh.path()), files(&checked_in));
    let stale: Vec<&String> = want
        .iter()
        .filter(|(name, text)| have.get(*name) != Some(*text))
        .map(|(name, _)| name)
        .chain(have.keys().filter(|name| !want.contains_key(*name)))
        .collect();
    assert!(
        stale.is_empty(),
        "ui/src/bindings is out of date for {stale:?}; run `UPDATE_BINDINGS=1 cargo test --test main bindings` and commit the result"
    );
    assert!(want.contains_key("RiskView.ts") && want.contains_key("CommandError.ts"));
}
