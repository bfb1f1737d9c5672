//! The Settings screen: who I am, the key I sign with, where my work goes (the remote
//! and the forge's token) and where the log is. A Head of Product or CEO gets ready to
//! sign here without a terminal.
//!
//! Choices are written where git reads them too, so that `git commit` in the
//! repository and ISMS Desk agree: the person (`user.name`, `user.email`) and the key
//! (`gpg.format=ssh`, `user.signingkey`) go into the repository's own git
//! configuration, and into ISMS Desk's settings for repositories opened later.
//! Secrets never go there: a key is named by its path (or, for ssh-agent, by its public
//! half), a passphrase is asked for at each signature, and a forge token goes to the
//! system keyring.

use std::path::{Path, PathBuf};

use serde::Serialize;
use ssh_key::HashAlg;

use super::{choice, Choice};
use crate::git::signing::{self, KeySource};
use crate::isms::Isms;
use crate::settings::Settings;
use crate::signoff::forge::{self, Forge};
use crate::{Error, Result};

/// A signing key as the Settings screen shows it.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct KeyView {
    /// Where it is configured: a file's path, or the public key ssh-agent signs with.
    pub source: String,
    /// Whether git's configuration names it (else ISMS Desk's settings do).
    pub from_git: bool,
    /// The public key, as it goes into isms.yaml (`ssh-ed25519 AAAA… comment`).
    pub public_key: Option<String>,
    /// Its SHA-256 fingerprint.
    pub fingerprint: Option<String>,
    /// A passphrase is asked for at each signature (the file is protected and
    /// ssh-agent does not hold it).
    pub asks_passphrase: bool,
    /// ssh-agent holds it, so signing asks nothing.
    pub in_agent: bool,
    /// Who isms.yaml (as it is now) lists the key for; empty when nobody, which
    /// means a signature with it authorises nothing yet.
    pub listed_for: Vec<String>,
    /// Why the key cannot be used, when it cannot.
    pub problem: Option<String>,
}

/// A key ssh-agent holds.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AgentKey {
    /// The public key (`ssh-ed25519 AAAA…`).
    pub public_key: String,
    /// Its SHA-256 fingerprint.
    pub fingerprint: String,
}

/// The Settings screen.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SettingsView {
    /// The name commits are made under, when known.
    pub name: Option<String>,
    /// The email commits are made under, when known.
    pub email: Option<String>,
    /// The person in isms.yaml with that email, when there is one.
    pub person: Option<String>,
    /// Their roles, by title.
    pub roles: Vec<String>,
    /// The people of isms.yaml to choose from: `(email, name)`.
    pub people: Vec<Choice>,
    /// The signing key, when one is configured.
    pub key: Option<KeyView>,
    /// Keys ssh-agent holds, to sign with without a file.
    pub agent_keys: Vec<AgentKey>,
    /// Where a generated key goes.
    pub new_key_path: Option<String>,
    /// The `origin` remote's address.
    pub remote: Option<String>,
    /// The forge the remote is on (`github.com`), when it is a known kind.
    pub forge_host: Option<String>,
    /// Whether the system keyring holds a token for that forge; `None` when the
    /// keyring cannot be asked.
    pub forge_token: Option<bool>,
    /// The log folder.
    pub log_dir: Option<String>,
    /// ISMS Desk's settings file.
    pub settings_file: Option<String>,
}

impl Isms {
    /// The Settings screen for the person with `settings`.
    pub fn settings_view(&self, settings: &Settings) -> Result<SettingsView> {
        let repo = crate::git::repository(self)?;
        let config = self.load_config().ok();
        let identity = crate::git::identity(self, settings).ok();
        let person = identity.as_ref().and_then(|me| {
            config.as_ref().and_then(|c| {
                c.people
                    .iter()
                    .find(|p| p.email.eq_ignore_ascii_case(&me.email))
            })
        });
        let key = KeySource::configured(&repo, settings.signing_key.as_deref())?
            .map(|source| key_view(&source, config.as_ref()));
        let remote = repo
            .find_remote("origin")
            .ok()
            .and_then(|r| r.url().ok().map(str::to_string));
        let forge_host = remote
            .as_deref()
            .and_then(Forge::of_remote)
            .map(|f| f.host().to_string());
        let forge_token = forge_host
            .as_deref()
            .and_then(|host| forge::token(host).ok().map(|t| t.is_some()));
        Ok(SettingsView {
            name: identity.as_ref().map(|i| i.name.clone()),
            email: identity.as_ref().map(|i| i.email.clone()),
            person: person.map(|p| p.name.clone()),
            roles: person
                .zip(config.as_ref())
                .map(|(p, c)| p.roles.iter().map(|r| c.role_title(r)).collect())
                .unwrap_or_default(),
            people: config
                .as_ref()
                .map(|c| c.people.iter().map(|p| choice(&p.email, &p.name)).collect())
                .unwrap_or_default(),
            key,
            agent_keys: signing::agent_keys()
                .iter()
                .filter_map(|k| {
                    Some(AgentKey {
                        public_key: k.to_openssh().ok()?,
                        fingerprint: k.fingerprint(HashAlg::Sha256).to_string(),
                    })
                })
                .collect(),
            new_key_path: new_key_path(identity.as_ref().map(|i| i.email.as_str()))
                .map(|p| p.display().to_string()),
            remote,
            forge_host,
            forge_token,
            log_dir: crate::logging::log_dir().map(|p| p.display().to_string()),
            settings_file: Settings::path().map(|p| p.display().to_string()),
        })
    }

    /// I am the person of isms.yaml with `email`: commits in this repository are made
    /// under their name and email. Returns the settings to keep.
    pub fn choose_person(&self, settings: &Settings, email: &str) -> Result<Settings> {
        let config = self
            .load_config()
            .map_err(|mut errors| Error::Invalid(errors.remove(0)))?;
        let person = config
            .people
            .iter()
            .find(|p| p.email.eq_ignore_ascii_case(email.trim()))
            .ok_or_else(|| {
                Error::invalid(
                    crate::domain::CONFIG_FILE,
                    "people",
                    format!("nobody in isms.yaml has the email {email}"),
                )
            })?;
        let repo = crate::git::repository(self)?;
        let mut git = repo.config()?.open_level(git2::ConfigLevel::Local)?;
        git.set_str("user.name", &person.name)?;
        git.set_str("user.email", &person.email)?;
        let mut next = settings.clone();
        next.person = Some(person.email.clone());
        next.save()?;
        Ok(next)
    }

    /// Signs with the key file at `path` (a private key, or the public key of one
    /// ssh-agent holds). Returns the settings to keep.
    pub fn choose_key_file(&self, settings: &Settings, path: &Path) -> Result<Settings> {
        let path = path
            .canonicalize()
            .map_err(|e| Error::NoSigningKey(format!("{}: {e}", path.display())))?;
        signing::public_key_of(&KeySource::Settings(path.clone()))?;
        self.use_key(settings, &path.display().to_string(), Some(path))
    }

    /// Signs with the key ssh-agent holds whose public half is `public_key`.
    pub fn choose_agent_key(&self, settings: &Settings, public_key: &str) -> Result<Settings> {
        let public = ssh_key::PublicKey::from_openssh(public_key.trim())
            .map_err(|e| Error::NoSigningKey(format!("not an SSH public key: {e}")))?;
        if !signing::agent_holds(&public) {
            return Err(Error::NoSigningKey(format!(
                "ssh-agent does not hold the key {}",
                public.fingerprint(HashAlg::Sha256)
            )));
        }
        let line = public
            .to_openssh()
            .map_err(|e| Error::NoSigningKey(e.to_string()))?;
        self.use_key(
            settings,
            &format!("key::{line}"),
            settings.signing_key.clone(),
        )
    }

    /// Makes a new Ed25519 key for the person at `path` (protected by `passphrase`
    /// unless it is empty) and signs with it from now on. Returns the settings to keep
    /// and the public key, which goes into isms.yaml through a governance change.
    pub fn generate_signing_key(
        &self,
        settings: &Settings,
        path: &Path,
        passphrase: &str,
    ) -> Result<(Settings, String)> {
        let comment = crate::git::identity(self, settings)
            .map(|i| i.email)
            .unwrap_or_else(|_| "isms-desk".into());
        let public = signing::generate_key(path, &comment, passphrase)?;
        let settings = self.choose_key_file(settings, path)?;
        let line = public
            .to_openssh()
            .map_err(|e| Error::NoSigningKey(e.to_string()))?;
        Ok((settings, line))
    }

    /// The key git and ISMS Desk sign with in this repository: `gpg.format=ssh` and
    /// `user.signingkey` in its own configuration, and `file` in the settings.
    fn use_key(
        &self,
        settings: &Settings,
        git_value: &str,
        file: Option<PathBuf>,
    ) -> Result<Settings> {
        let repo = crate::git::repository(self)?;
        let mut git = repo.config()?.open_level(git2::ConfigLevel::Local)?;
        git.set_str("gpg.format", "ssh")?;
        git.set_str("user.signingkey", git_value)?;
        let mut next = settings.clone();
        next.signing_key = file;
        next.save()?;
        Ok(next)
    }

    /// Sets the `origin` remote's address (adds it when there is none).
    pub fn set_remote(&self, url: &str) -> Result<()> {
        let url = url.trim();
        if url.is_empty() || url.contains(char::is_whitespace) {
            return Err(Error::Usage(
                "a remote's address is one word, like git@github.com:org/isms.git".into(),
            ));
        }
        let repo = crate::git::repository(self)?;
        if repo.find_remote("origin").is_ok() {
            repo.remote_set_url("origin", url)?;
        } else {
            repo.remote("origin", url)?;
        }
        Ok(())
    }
}

/// Stores the forge token for `host` in the system keyring.
pub fn save_forge_token(host: &str, token: &str) -> Result<()> {
    forge::save_token(host, token)
}

/// Where a generated key goes: `~/.ssh/isms-desk_<who>_ed25519`.
fn new_key_path(email: Option<&str>) -> Option<PathBuf> {
    let home = std::env::var_os("HOME")?;
    let who: String = email
        .and_then(|e| e.split('@').next())
        .unwrap_or("me")
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    Some(
        Path::new(&home)
            .join(".ssh")
            .join(format!("isms-desk_{who}_ed25519")),
    )
}

fn key_view(source: &KeySource, config: Option<&crate::domain::IsmsConfig>) -> KeyView {
    let from_git = matches!(source, KeySource::GitConfig(_));
    let described = match source {
        KeySource::GitConfig(v) if v.starts_with("key::") => "a key ssh-agent holds".to_string(),
        other => other.describe(),
    };
    match signing::public_key_of(source) {
        Ok(public) => {
            let fingerprint = public.fingerprint(HashAlg::Sha256).to_string();
            let in_agent = signing::agent_holds(&public);
            KeyView {
                source: described,
                from_git,
                public_key: public.to_openssh().ok(),
                asks_passphrase: !in_agent && signing::asks_passphrase(source),
                in_agent,
                listed_for: config
                    .map(|c| {
                        signing::key_holders(c, &fingerprint)
                            .into_iter()
                            .map(|i| c.people[i].name.clone())
                            .collect()
                    })
                    .unwrap_or_default(),
                fingerprint: Some(fingerprint),
                problem: None,
            }
        }
        Err(e) => KeyView {
            source: described,
            from_git,
            public_key: None,
            fingerprint: None,
            asks_passphrase: false,
            in_agent: false,
            listed_for: Vec::new(),
            problem: Some(e.to_string()),
        },
    }
}
