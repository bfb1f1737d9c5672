//! The ISMS Desk desktop shell: Tauri glue only. Every command is a one-liner over
//! `isms_core`; business rules live there (DESIGN.md §8, rule 1).

/// Starts the desktop application.
pub fn run() {
    tauri::Builder::default()
        .run(tauri::generate_context!())
        .expect("the Tauri runtime failed to start because the window system is unavailable");
}
