//! SSH signatures in git's format (`gpg.format=ssh`), made in-process.
//!
//! Git signs a commit by putting an SSHSIG signature (namespace `git`, SHA-512) of the
//! commit's bytes in its `gpgsig` header. [`Signer`] makes those signatures with a key
//! found the way git finds it:
//!
//! - `user.signingkey` when `gpg.format=ssh`: a path to a private key, a path to a
//!   public key whose private half is held by ssh-agent, or a literal
//!   `key::ssh-ed25519 AAAA…` (also via the agent);
//! - otherwise the key path in ISMS Desk's settings.
//!
//! A passphrase-protected private key is opened with a passphrase asked for through
//! the caller's prompt, used once and dropped: it is never stored. If ssh-agent already
//! holds the key, the agent signs and no passphrase is needed.

use std::fs;
use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};

use ssh_key::{HashAlg, LineEnding, PrivateKey, PublicKey, Signature, SshSig};

use crate::{Error, Result};

/// The SHA-256 fingerprint (`SHA256:…`) of a public key as isms.yaml lists it
/// (`ssh-ed25519 AAAA… comment`); `None` when the text is not a key.
pub fn fingerprint_of(openssh: &str) -> Option<String> {
    PublicKey::from_openssh(openssh.trim())
        .ok()
        .map(|key| key.fingerprint(HashAlg::Sha256).to_string())
}

/// The people of `config`, by their place in it, who list the key with `fingerprint`:
/// the one answer to "whose key is this" for signing and verifying alike.
pub fn key_holders(config: &crate::domain::IsmsConfig, fingerprint: &str) -> Vec<usize> {
    config
        .people
        .iter()
        .enumerate()
        .filter(|(_, p)| {
            p.signing_keys
                .iter()
                .any(|k| fingerprint_of(k).as_deref() == Some(fingerprint))
        })
        .map(|(i, _)| i)
        .collect()
}

/// The namespace git signs commits and tags in.
pub const GIT_NAMESPACE: &str = "git";

/// The namespace of detached signatures of report files (`isms report … --sign`), so
/// that a report signature can never pass for a commit signature or the reverse.
pub const REPORT_NAMESPACE: &str = "isms-report";

/// The namespace of the signature of a published folder's checksums (`isms publish`),
/// so that it can pass neither for a commit's nor for a report's.
pub const PUBLISH_NAMESPACE: &str = "isms-publish";

/// Where the signing key was configured, for messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySource {
    /// `user.signingkey` in git's configuration.
    GitConfig(String),
    /// The key path in ISMS Desk's settings.
    Settings(PathBuf),
}

impl KeySource {
    /// The key configured for this repository the way git finds it
    /// (`gpg.format=ssh` and `user.signingkey`), else `settings_key`; `None` when
    /// neither is set, which means commits are made unsigned.
    pub fn configured(
        repo: &git2::Repository,
        settings_key: Option<&Path>,
    ) -> Result<Option<KeySource>> {
        let config = repo.config()?;
        let format = config.get_string("gpg.format").unwrap_or_default();
        let configured = config.get_string("user.signingkey").ok();
        Ok(match (format.as_str(), configured, settings_key) {
            ("ssh", Some(key), _) => Some(KeySource::GitConfig(key)),
            (_, _, Some(path)) => Some(KeySource::Settings(path.to_path_buf())),
            _ => None,
        })
    }

    /// The key as it is configured: a public key (a literal `key::…` or a `.pub`
    /// file, whose private half ssh-agent holds) or a private key file, still
    /// encrypted if it is protected. The one reading of a configured key.
    fn read(&self) -> Result<KeyMaterial> {
        let path = match self {
            KeySource::GitConfig(value) => {
                if let Some(literal) = value.strip_prefix("key::") {
                    return PublicKey::from_openssh(literal.trim())
                        .map(KeyMaterial::Public)
                        .map_err(|e| {
                            Error::NoSigningKey(format!(
                                "user.signingkey: not an SSH public key: {e}"
                            ))
                        });
                }
                expand_home(value)
            }
            KeySource::Settings(path) => path.clone(),
        };
        let text = fs::read_to_string(&path).map_err(|e| {
            Error::NoSigningKey(format!(
                "the signing key {} cannot be read: {e}",
                path.display()
            ))
        })?;
        if let Ok(public) = PublicKey::from_openssh(text.trim()) {
            return Ok(KeyMaterial::Public(public));
        }
        let key = PrivateKey::from_openssh(&text).map_err(|e| {
            Error::NoSigningKey(format!(
                "{} is not an OpenSSH private or public key: {e}",
                path.display()
            ))
        })?;
        Ok(KeyMaterial::Private { key, path })
    }

    /// The key as a person would recognise it: its path or git's setting.
    pub fn describe(&self) -> String {
        match self {
            KeySource::GitConfig(value) => value.clone(),
            KeySource::Settings(path) => path.display().to_string(),
        }
    }
}

/// A configured key as read ([`KeySource::read`]).
enum KeyMaterial {
    /// A public key: ssh-agent signs with its private half.
    Public(PublicKey),
    /// A private key file, encrypted if it is protected.
    Private {
        /// The key.
        key: PrivateKey,
        /// Its file.
        path: PathBuf,
    },
}

/// Asks the person for a passphrase; `None` when they cancel.
pub type Prompt<'a> = &'a dyn Fn(&str) -> Option<String>;

/// A key ready to sign: a decrypted private key, or a public key that ssh-agent signs for.
pub enum Signer {
    /// A private key read from a file (decrypted if it was protected).
    File(Box<PrivateKey>),
    /// ssh-agent holds the private key of this public key.
    Agent {
        /// The agent's socket (`SSH_AUTH_SOCK`).
        socket: PathBuf,
        /// The public key the agent signs with.
        public: PublicKey,
    },
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print key material.
        write!(
            f,
            "Signer({})",
            self.public_key().fingerprint(HashAlg::Sha256)
        )
    }
}

impl Signer {
    /// Finds the signing key the way git would for this repository, falling back to
    /// `settings_key`. `prompt` is asked for a passphrase when the key needs one and
    /// ssh-agent does not hold it.
    pub fn discover(
        repo: &git2::Repository,
        settings_key: Option<&Path>,
        prompt: Prompt,
    ) -> Result<Signer> {
        let source = KeySource::configured(repo, settings_key)?.ok_or_else(|| {
            Error::NoSigningKey(
                "no SSH signing key is configured: set git's `user.signingkey` (with `gpg.format=ssh`) or choose a key in ISMS Desk's settings".into(),
            )
        })?;
        Signer::from_source(&source, prompt)
    }

    /// Opens the key named by `source`.
    pub fn from_source(source: &KeySource, prompt: Prompt) -> Result<Signer> {
        let (key, path) = match source.read()? {
            KeyMaterial::Public(public) => return Signer::agent_for(public),
            KeyMaterial::Private { key, path } => (key, path),
        };
        if !key.is_encrypted() {
            return Ok(Signer::File(Box::new(key)));
        }
        // The agent may already hold it: then no passphrase is needed.
        if let Ok(signer) = Signer::agent_for(key.public_key().clone()) {
            return Ok(signer);
        }
        let question = format!("Passphrase for {}: ", path.display());
        for _attempt in 0..3 {
            let Some(passphrase) = prompt(&question) else {
                return Err(Error::NoSigningKey(
                    "no passphrase was given; nothing was signed".into(),
                ));
            };
            if let Ok(decrypted) = key.decrypt(passphrase.as_bytes()) {
                return Ok(Signer::File(Box::new(decrypted)));
            }
        }
        Err(Error::NoSigningKey(format!(
            "wrong passphrase for {}",
            path.display()
        )))
    }

    /// A signer that asks ssh-agent, if the agent holds this key.
    pub fn agent_for(public: PublicKey) -> Result<Signer> {
        let socket = std::env::var_os("SSH_AUTH_SOCK")
            .map(PathBuf::from)
            .ok_or_else(|| {
                Error::NoSigningKey(format!(
                    "the key {} needs ssh-agent, but SSH_AUTH_SOCK is not set",
                    public.fingerprint(HashAlg::Sha256)
                ))
            })?;
        let held = agent::identities(&socket)?;
        let blob = public.to_bytes().map_err(key_error)?;
        if !held.contains(&blob) {
            return Err(Error::NoSigningKey(format!(
                "ssh-agent does not hold the key {}; add it with ssh-add",
                public.fingerprint(HashAlg::Sha256)
            )));
        }
        Ok(Signer::Agent { socket, public })
    }

    /// The person of `config` who holds this key, if anyone does.
    pub fn holder<'c>(
        &self,
        config: &'c crate::domain::IsmsConfig,
    ) -> Option<&'c crate::domain::Person> {
        match self.holders(config).as_slice() {
            [one] => Some(one),
            _ => None,
        }
    }

    /// Every person of `config` who lists this key: more than one means the key
    /// names nobody.
    pub fn holders<'c>(
        &self,
        config: &'c crate::domain::IsmsConfig,
    ) -> Vec<&'c crate::domain::Person> {
        let fingerprint = self.public_key().fingerprint(HashAlg::Sha256).to_string();
        key_holders(config, &fingerprint)
            .into_iter()
            .map(|i| &config.people[i])
            .collect()
    }

    /// The public key of the signer.
    pub fn public_key(&self) -> &PublicKey {
        match self {
            Signer::File(key) => key.public_key(),
            Signer::Agent { public, .. } => public,
        }
    }

    /// Signs `data` as git does, returning the armored signature for the `gpgsig`
    /// header (without a trailing newline).
    pub fn sign_git(&self, data: &[u8]) -> Result<String> {
        let armored = self.sign(GIT_NAMESPACE, data)?;
        // libgit2 writes a trailing newline as an extra, space-only header line.
        Ok(armored.trim_end().to_string())
    }

    /// Signs `data` for `namespace` as `ssh-keygen -Y sign -n <namespace>` does,
    /// returning the armored SSHSIG (`-----BEGIN SSH SIGNATURE-----`, ending in a
    /// newline): the detached `.sig` format `ssh-keygen -Y verify` reads.
    pub fn sign(&self, namespace: &str, data: &[u8]) -> Result<String> {
        let signature = match self {
            Signer::File(key) => key
                .sign(namespace, HashAlg::Sha512, data)
                .map_err(key_error)?,
            Signer::Agent { socket, public } => {
                let to_sign =
                    SshSig::signed_data(namespace, HashAlg::Sha512, data).map_err(key_error)?;
                let blob = public.to_bytes().map_err(key_error)?;
                let raw = agent::sign(socket, &blob, &to_sign)?;
                let signature = Signature::try_from(raw.as_slice()).map_err(key_error)?;
                SshSig::new(
                    public.key_data().clone(),
                    namespace,
                    HashAlg::Sha512,
                    signature,
                )
                .map_err(key_error)?
            }
        };
        signature.to_pem(LineEnding::LF).map_err(key_error)
    }
}

fn key_error(e: ssh_key::Error) -> Error {
    Error::NoSigningKey(format!("signing failed: {e}"))
}

/// The public half of the configured key, read without its passphrase: a literal
/// `key::…`, a public key file, or the public part every OpenSSH private key file
/// carries in the clear.
pub fn public_key_of(source: &KeySource) -> Result<PublicKey> {
    let (key, path) = match source.read()? {
        KeyMaterial::Public(public) => return Ok(public),
        KeyMaterial::Private { key, path } => (key, path),
    };
    let public = key.public_key().clone();
    // A protected key keeps its comment inside the encryption; the `.pub` beside it
    // says it in the clear (taken only when it is the same key).
    let beside = fs::read_to_string(format!("{}.pub", path.display()))
        .ok()
        .and_then(|t| PublicKey::from_openssh(t.trim()).ok())
        .filter(|p| p.key_data() == public.key_data());
    Ok(beside.unwrap_or(public))
}

/// Whether the key file at `source` is protected by a passphrase (`false` for keys
/// ssh-agent holds, which never ask).
pub fn asks_passphrase(source: &KeySource) -> bool {
    matches!(source.read(), Ok(KeyMaterial::Private { key, .. }) if key.is_encrypted())
}

/// The keys ssh-agent (`SSH_AUTH_SOCK`) holds; none when there is no agent.
pub fn agent_keys() -> Vec<PublicKey> {
    let Some(socket) = std::env::var_os("SSH_AUTH_SOCK").map(PathBuf::from) else {
        return Vec::new();
    };
    agent::identities(&socket)
        .unwrap_or_default()
        .iter()
        .filter_map(|blob| PublicKey::from_bytes(blob).ok())
        .collect()
}

/// Whether ssh-agent holds `public`.
pub fn agent_holds(public: &PublicKey) -> bool {
    agent_keys()
        .iter()
        .any(|k| k.key_data() == public.key_data())
}

/// Makes a new Ed25519 key pair at `path` (private, mode 0600) and `path.pub`, with
/// `comment` (the person's email); protected by `passphrase` unless it is empty.
/// Refuses to replace a file that exists.
pub fn generate_key(path: &Path, comment: &str, passphrase: &str) -> Result<PublicKey> {
    use ssh_key::rand_core::OsRng;
    let public_path = PathBuf::from(format!("{}.pub", path.display()));
    for p in [path, public_path.as_path()] {
        if p.exists() {
            return Err(Error::Exists(p.display().to_string()));
        }
    }
    let mut key = PrivateKey::random(&mut OsRng, ssh_key::Algorithm::Ed25519).map_err(key_error)?;
    key.set_comment(comment);
    let public = key.public_key().clone();
    if !passphrase.is_empty() {
        key = key.encrypt(&mut OsRng, passphrase).map_err(key_error)?;
    }
    let private = key.to_openssh(LineEnding::LF).map_err(key_error)?;
    let folder = path.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(folder).map_err(|e| Error::io(folder, e))?;
    {
        use std::os::unix::fs::OpenOptionsExt;
        let mut file = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(path)
            .map_err(|e| Error::io(path, e))?;
        file.write_all(private.as_bytes())
            .and_then(|()| file.sync_all())
            .map_err(|e| Error::io(path, e))?;
    }
    let line = public.to_openssh().map_err(key_error)?;
    crate::fsio::write_atomic(&public_path, format!("{line}\n").as_bytes())?;
    Ok(public)
}

pub(crate) fn expand_home(value: &str) -> PathBuf {
    match (value.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => Path::new(&home).join(rest),
        _ => PathBuf::from(value),
    }
}

/// The two requests of the ssh-agent protocol ISMS Desk needs (draft-miller-ssh-agent):
/// list the keys, and sign with one of them.
mod agent {
    use super::*;

    const FAILURE: u8 = 5;
    const REQUEST_IDENTITIES: u8 = 11;
    const IDENTITIES_ANSWER: u8 = 12;
    const SIGN_REQUEST: u8 = 13;
    const SIGN_RESPONSE: u8 = 14;
    /// Ask for `rsa-sha2-512` signatures from RSA keys (ignored for other keys).
    const RSA_SHA2_512: u32 = 4;
    /// Answers larger than this are not from a well-behaved agent.
    const MAX_MESSAGE: usize = 256 * 1024;

    fn agent_error(message: impl std::fmt::Display) -> Error {
        Error::NoSigningKey(format!("ssh-agent: {message}"))
    }

    fn request(socket: &Path, kind: u8, payload: &[u8]) -> Result<(u8, Vec<u8>)> {
        let mut stream = UnixStream::connect(socket).map_err(agent_error)?;
        stream
            .set_read_timeout(Some(std::time::Duration::from_secs(60)))
            .map_err(agent_error)?;
        let mut message = Vec::with_capacity(payload.len() + 5);
        message.extend_from_slice(&(payload.len() as u32 + 1).to_be_bytes());
        message.push(kind);
        message.extend_from_slice(payload);
        stream.write_all(&message).map_err(agent_error)?;
        let mut length = [0u8; 4];
        stream.read_exact(&mut length).map_err(agent_error)?;
        let length = u32::from_be_bytes(length) as usize;
        if length == 0 || length > MAX_MESSAGE {
            return Err(agent_error("malformed answer"));
        }
        let mut answer = vec![0u8; length];
        stream.read_exact(&mut answer).map_err(agent_error)?;
        Ok((answer[0], answer[1..].to_vec()))
    }

    fn string(out: &mut Vec<u8>, bytes: &[u8]) {
        out.extend_from_slice(&(bytes.len() as u32).to_be_bytes());
        out.extend_from_slice(bytes);
    }

    struct Reader<'a>(&'a [u8]);

    impl<'a> Reader<'a> {
        fn u32(&mut self) -> Result<u32> {
            if self.0.len() < 4 {
                return Err(agent_error("truncated answer"));
            }
            let (head, rest) = self.0.split_at(4);
            self.0 = rest;
            Ok(u32::from_be_bytes([head[0], head[1], head[2], head[3]]))
        }

        fn string(&mut self) -> Result<&'a [u8]> {
            let n = self.u32()? as usize;
            if self.0.len() < n {
                return Err(agent_error("truncated answer"));
            }
            let (head, rest) = self.0.split_at(n);
            self.0 = rest;
            Ok(head)
        }
    }

    /// The public key blobs the agent holds.
    pub fn identities(socket: &Path) -> Result<Vec<Vec<u8>>> {
        let (kind, body) = request(socket, REQUEST_IDENTITIES, &[])?;
        if kind != IDENTITIES_ANSWER {
            return Err(agent_error("the agent refused to list its keys"));
        }
        let mut r = Reader(&body);
        let count = r.u32()?;
        let mut keys = Vec::new();
        for _ in 0..count {
            keys.push(r.string()?.to_vec());
            r.string()?; // comment
        }
        Ok(keys)
    }

    /// Asks the agent to sign `data` with the key `blob`; returns the signature blob.
    pub fn sign(socket: &Path, blob: &[u8], data: &[u8]) -> Result<Vec<u8>> {
        let mut payload = Vec::new();
        string(&mut payload, blob);
        string(&mut payload, data);
        payload.extend_from_slice(&RSA_SHA2_512.to_be_bytes());
        let (kind, body) = request(socket, SIGN_REQUEST, &payload)?;
        match kind {
            SIGN_RESPONSE => Ok(Reader(&body).string()?.to_vec()),
            FAILURE => Err(agent_error(
                "the agent refused to sign (is the key confirmed or locked?)",
            )),
            other => Err(agent_error(format!("unexpected answer {other}"))),
        }
    }
}
