//! ISMS Desk's own settings for this person on this machine: what git's configuration
//! does not already say. Kept outside every repository, in
//! `$XDG_CONFIG_HOME/isms-desk/settings.json` (or `~/.config/…`; `ISMS_DESK_CONFIG`
//! names another file). Secrets never go here: a key is named by its path, and a
//! passphrase is asked for each time.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// The settings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(default)]
pub struct Settings {
    /// The SSH private key to sign commits with when git's `user.signingkey` is not set.
    pub signing_key: Option<PathBuf>,
    /// The email of the person in isms.yaml to commit as when git's `user.name` and
    /// `user.email` are not set.
    pub person: Option<String>,
}

impl Settings {
    /// Where the settings live.
    pub fn path() -> Option<PathBuf> {
        if let Some(p) = std::env::var_os("ISMS_DESK_CONFIG") {
            return Some(PathBuf::from(p));
        }
        let base = std::env::var_os("XDG_CONFIG_HOME")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))?;
        Some(base.join("isms-desk").join("settings.json"))
    }

    /// Reads the settings; missing settings are the defaults.
    pub fn load() -> Result<Settings> {
        let Some(path) = Settings::path() else {
            return Ok(Settings::default());
        };
        match std::fs::read_to_string(&path) {
            Ok(text) => serde_json::from_str(&text).map_err(|e| {
                Error::Usage(format!(
                    "{}: the settings are not valid: {e}",
                    path.display()
                ))
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Settings::default()),
            Err(e) => Err(Error::io(path, e)),
        }
    }

    /// Writes the settings atomically.
    pub fn save(&self) -> Result<PathBuf> {
        let path = Settings::path()
            .ok_or_else(|| Error::Usage("neither HOME nor XDG_CONFIG_HOME is set".into()))?;
        let dir = path.parent().expect("the settings file is inside a folder");
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        let text = serde_json::to_string_pretty(self)
            .expect("settings serialise because they are plain data");
        crate::fsio::write_atomic(&path, text.as_bytes())?;
        Ok(path)
    }
}
