//! Who signed each commit: `isms verify-commits`.
//!
//! Each commit in a range is reported — signed or not — with the person and roles the
//! signing key belongs to in `isms.yaml`, and whether the signature is valid for the
//! commit's bytes. Unsigned commits, unknown keys, signatures of another kind and
//! broken signatures are reported as such, never skipped. The check is the one git
//! makes with `.isms/allowed_signers`, done in-process.

use serde::{Deserialize, Serialize};
use ssh_key::{HashAlg, PublicKey, SshSig};

use super::signing::GIT_NAMESPACE;
use crate::domain::IsmsConfig;
use crate::{Error, Result};

/// The outcome for one commit's signature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum SignatureStatus {
    /// A valid signature by a key of a person in isms.yaml.
    Good {
        /// The person's name.
        person: String,
        /// Their email.
        email: String,
        /// The roles they hold.
        roles: Vec<String>,
        /// The key's SHA-256 fingerprint.
        key: String,
    },
    /// No signature at all.
    Unsigned,
    /// A signature by a key nobody in isms.yaml holds.
    UnknownKey {
        /// The key's SHA-256 fingerprint.
        key: String,
    },
    /// A signature that does not match the commit (altered after signing, or forged).
    Bad {
        /// Why it failed.
        reason: String,
    },
    /// A signature ISMS Desk cannot check (OpenPGP, X.509, another key algorithm).
    Unsupported {
        /// What it is.
        reason: String,
    },
}

impl SignatureStatus {
    /// Whether the signature is valid and by a known person.
    pub fn is_good(&self) -> bool {
        matches!(self, SignatureStatus::Good { .. })
    }

    /// The signature in words, the same wherever it is shown: `isms log`,
    /// `isms verify-commits`, and verification's messages.
    pub fn describe(&self) -> String {
        match self {
            SignatureStatus::Good { person, roles, .. } => {
                format!("signed by {person} ({})", roles.join(", "))
            }
            SignatureStatus::Unsigned => "UNSIGNED".into(),
            SignatureStatus::UnknownKey { key } => format!("UNKNOWN KEY {key}"),
            SignatureStatus::Bad { reason } => format!("BAD SIGNATURE: {reason}"),
            SignatureStatus::Unsupported { reason } => format!("UNCHECKED: {reason}"),
        }
    }
}

/// One commit and its signature.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CommitSignature {
    /// The commit id.
    pub commit: super::CommitId,
    /// The first line of the message.
    pub summary: String,
    /// `Name <email>` of the author.
    pub author: String,
    /// The commit time, ISO 8601.
    pub date: String,
    /// The signature.
    pub signature: SignatureStatus,
}

/// Checks the signature of one commit against the people of `config`.
pub fn check_commit(
    repo: &git2::Repository,
    oid: git2::Oid,
    config: Option<&IsmsConfig>,
) -> Result<SignatureStatus> {
    // The signature covers the commit as stored: make sure it is what its id says.
    super::read_checked(repo, oid, git2::ObjectType::Commit)?;
    let (signature, signed_data) = match repo.extract_signature(&oid, None) {
        Ok(parts) => parts,
        Err(e) if e.code() == git2::ErrorCode::NotFound => return Ok(SignatureStatus::Unsigned),
        Err(e) => return Err(Error::Git(e)),
    };
    let Ok(text) = signature.as_str() else {
        return Ok(SignatureStatus::Bad {
            reason: "the signature is not text".into(),
        });
    };
    if !text.starts_with("-----BEGIN SSH SIGNATURE-----") {
        let kind = if text.starts_with("-----BEGIN PGP") {
            "an OpenPGP signature"
        } else {
            "an X.509 or unknown signature"
        };
        return Ok(SignatureStatus::Unsupported {
            reason: format!("{kind}; ISMS Desk checks SSH signatures"),
        });
    }
    let sig = match SshSig::from_pem(text) {
        Ok(sig) => sig,
        Err(e) => {
            return Ok(SignatureStatus::Bad {
                reason: format!("the SSH signature cannot be read: {e}"),
            })
        }
    };
    let signer_key = PublicKey::from(sig.public_key().clone());
    let fingerprint = signer_key.fingerprint(HashAlg::Sha256).to_string();
    if sig.namespace() != GIT_NAMESPACE {
        return Ok(SignatureStatus::Bad {
            reason: format!("signed for namespace `{}`, not `git`", sig.namespace()),
        });
    }
    let holder = config.and_then(|c| {
        c.people.iter().find(|p| {
            p.signing_keys
                .iter()
                .filter_map(|k| PublicKey::from_openssh(k).ok())
                .any(|k| k.key_data() == sig.public_key())
        })
    });
    let Some(person) = holder else {
        return Ok(SignatureStatus::UnknownKey { key: fingerprint });
    };
    match signer_key.verify(GIT_NAMESPACE, signed_data.as_ref(), &sig) {
        Ok(()) => Ok(SignatureStatus::Good {
            person: person.name.clone(),
            email: person.email.clone(),
            roles: person.roles.clone(),
            key: fingerprint,
        }),
        Err(ssh_key::Error::AlgorithmUnknown | ssh_key::Error::AlgorithmUnsupported { .. }) => {
            Ok(SignatureStatus::Unsupported {
                reason: format!("{} keys are not supported yet", signer_key.algorithm()),
            })
        }
        Err(e) => Ok(SignatureStatus::Bad {
            reason: format!("the signature does not match the commit: {e}"),
        }),
    }
}

/// Checks every commit of `range` (`A..B`, a single revision meaning everything it
/// reaches, or HEAD when `None`), newest first, against `config`.
pub fn verify_commits(
    repo: &git2::Repository,
    range: Option<&str>,
    config: Option<&IsmsConfig>,
) -> Result<Vec<CommitSignature>> {
    let mut walk = repo.revwalk()?;
    walk.set_sorting(git2::Sort::TOPOLOGICAL | git2::Sort::TIME)?;
    match range {
        Some(r) if r.contains("..") => walk.push_range(r)?,
        Some(r) => walk.push(repo.revparse_single(r)?.peel_to_commit()?.id())?,
        None => walk.push_head()?,
    }
    let mut out = Vec::new();
    for oid in walk {
        let oid = oid?;
        let commit = repo.find_commit(oid)?;
        out.push(CommitSignature {
            commit: oid.into(),
            summary: summary_of(&commit),
            author: author_of(&commit),
            date: iso_time(commit.time()),
            signature: check_commit(repo, oid, config)?,
        });
    }
    Ok(out)
}

/// The first line of a commit's message.
pub fn summary_of(commit: &git2::Commit) -> String {
    commit
        .summary()
        .ok()
        .flatten()
        .unwrap_or_default()
        .to_string()
}

/// `Name <email>` of a commit's author.
pub fn author_of(commit: &git2::Commit) -> String {
    let author = commit.author();
    format!(
        "{} <{}>",
        author.name().unwrap_or_default(),
        author.email().unwrap_or_default()
    )
}

/// The calendar day of a commit time in the commit's own offset: what a commit's
/// "date" means in reports and records.
pub fn local_day(seconds: i64, offset_minutes: i32) -> Option<chrono::NaiveDate> {
    use chrono::TimeZone;
    chrono::FixedOffset::east_opt(offset_minutes * 60)
        .and_then(|tz| tz.timestamp_opt(seconds, 0).single())
        .map(|t| t.date_naive())
}

/// A git time as ISO 8601 with its offset.
pub fn iso_time(t: git2::Time) -> String {
    let offset = chrono::FixedOffset::east_opt(t.offset_minutes() * 60)
        .unwrap_or_else(|| chrono::FixedOffset::east_opt(0).expect("zero is a valid offset"));
    chrono::DateTime::from_timestamp(t.seconds(), 0)
        .map(|d| d.with_timezone(&offset).to_rfc3339())
        .unwrap_or_default()
}
