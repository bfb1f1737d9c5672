//! Launch measurement, only in a build with the `bench` feature (scripts/bench-app.sh):
//! with `--report-ready`, the app prints the time from its start to the risk register
//! being on screen and its memory then. A release build has none of it.

use std::path::Path;

use tauri::State;

use crate::commands::Desk;

/// The webview calls this once the risk register is first on screen. With
/// `--report-ready` the app prints the time since start and its memory (the launch
/// benchmark reads them).
#[tauri::command]
#[tracing::instrument(skip_all)]
pub fn register_visible(desk: State<'_, Desk>, rows: u32) {
    if desk.options.report_ready {
        println!(
            "register-visible ms={} rows={rows} rss_kb={}",
            desk.started.elapsed().as_millis(),
            rss_kb(Path::new("/proc/self/status")).unwrap_or(0)
        );
    }
}

pub(crate) fn rss_kb(status: &Path) -> Option<u64> {
    std::fs::read_to_string(status)
        .ok()?
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}
