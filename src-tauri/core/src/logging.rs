//! The log file: what the app and the command line did and how it ended, so that a
//! problem on an ISM's laptop can be diagnosed afterwards.
//!
//! Each program logs its commands — which command, how long it took, and the error
//! code and message when it failed — to `isms-desk.<date>.log` in the log folder
//! ([`log_dir`]). A new file is started each day and only the last
//! [`KEPT_FILES`] are kept. Nothing secret is logged: no arguments, no passphrases,
//! no record text; error messages name files, fields and ids, never key material.
//!
//! `ISMS_DESK_LOG` sets the level (`error`, `warn`, `info` — the default — or `debug`);
//! `ISMS_DESK_LOG_DIR` moves the folder. A log that cannot be opened is skipped: the
//! program works on without one.

use std::path::PathBuf;

use tracing::level_filters::LevelFilter;

/// How many daily files are kept.
pub const KEPT_FILES: usize = 7;

/// Keeps the log writer running; dropping it writes out what is buffered.
pub struct LogGuard {
    _worker: tracing_appender::non_blocking::WorkerGuard,
}

/// The log folder: `ISMS_DESK_LOG_DIR`, else `$XDG_STATE_HOME/isms-desk/logs`, else
/// `~/.local/state/isms-desk/logs`.
pub fn log_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("ISMS_DESK_LOG_DIR") {
        return Some(PathBuf::from(dir));
    }
    let state = std::env::var_os("XDG_STATE_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/state")))?;
    Some(state.join("isms-desk/logs"))
}

/// Starts logging to the log folder for the rest of the process; `None` when the
/// folder cannot be made or a logger is already set.
pub fn start() -> Option<LogGuard> {
    let dir = log_dir()?;
    std::fs::create_dir_all(&dir).ok()?;
    let files = tracing_appender::rolling::Builder::new()
        .rotation(tracing_appender::rolling::Rotation::DAILY)
        .filename_prefix("isms-desk")
        .filename_suffix("log")
        .max_log_files(KEPT_FILES)
        .build(&dir)
        .ok()?;
    let (writer, worker) = tracing_appender::non_blocking(files);
    tracing_subscriber::fmt()
        .with_writer(writer)
        .with_ansi(false)
        // A command's span closing says how long it took.
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
        .with_max_level(level())
        .try_init()
        .ok()?;
    Some(LogGuard { _worker: worker })
}

fn level() -> LevelFilter {
    match std::env::var("ISMS_DESK_LOG").as_deref() {
        Ok("error") => LevelFilter::ERROR,
        Ok("warn") => LevelFilter::WARN,
        Ok("debug") => LevelFilter::DEBUG,
        Ok("off") => LevelFilter::OFF,
        _ => LevelFilter::INFO,
    }
}
