//! The ISMS Desk desktop app: the Tauri shell of [`isms_desk`], started with an
//! optional ISMS folder to open.

// Prevents an extra console window on Windows in release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    isms_desk::run(std::env::args().skip(1));
}
