//! Forges: the address at which a pushed sign-off branch becomes a pull request, and
//! opening that pull request through the forge's REST API.
//!
//! GitHub and GitLab (gitlab.com or a self-hosted host with "gitlab" in its name) are
//! recognised from the remote's URL, in any of git's URL forms.
//!
//! A pull request is opened through the API only when a token for the forge's host is
//! in the system keyring ([`save_token`], `isms forge login <host>`); otherwise the
//! new-pull-request address is given for a person to open. The token is never written
//! to the repository, the settings file, the index or a log.

use serde::Deserialize;

use crate::{Error, Result};

/// The forge a remote lives on, and the repository's path there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Forge {
    /// github.com.
    GitHub {
        /// `owner/repo`.
        path: String,
    },
    /// A GitLab host.
    GitLab {
        /// `gitlab.com` or a self-hosted GitLab.
        host: String,
        /// `group/sub/repo`.
        path: String,
    },
}

impl Forge {
    /// Recognises a remote URL: `git@github.com:o/r.git`, `ssh://git@host/o/r`,
    /// `https://host/o/r.git`.
    pub fn of_remote(url: &str) -> Option<Forge> {
        let url = url.trim();
        let rest = if let Some(r) = url.split_once("://").map(|(_, r)| r) {
            r.to_string()
        } else {
            // scp-like: user@host:path
            let (host, path) = url.split_once(':')?;
            format!("{host}/{path}")
        };
        let rest = rest.rsplit_once('@').map_or(rest.as_str(), |(_, r)| r);
        let (host, path) = rest.split_once('/')?;
        let host = host.split(':').next().unwrap_or(host).to_ascii_lowercase();
        let path = path
            .trim_end_matches('/')
            .trim_end_matches(".git")
            .to_string();
        if path.is_empty() {
            return None;
        }
        if host == "github.com" {
            Some(Forge::GitHub { path })
        } else if host.contains("gitlab") {
            Some(Forge::GitLab { host, path })
        } else {
            None
        }
    }

    /// The web address that opens a new pull (merge) request of `branch` into `into`.
    pub fn new_pull_request_url(&self, branch: &str, into: &str) -> String {
        match self {
            Forge::GitHub { path } => {
                format!("https://github.com/{path}/compare/{into}...{branch}?expand=1")
            }
            Forge::GitLab { host, path } => format!(
                "https://{host}/{path}/-/merge_requests/new?merge_request%5Bsource_branch%5D={}&merge_request%5Btarget_branch%5D={}",
                encode(branch),
                encode(into)
            ),
        }
    }
}

/// A pull (merge) request on a forge.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PullRequest {
    /// Its web address.
    pub url: String,
    /// Its number on the forge (GitHub's number, GitLab's `iid`).
    pub number: u64,
    /// Whether this call opened it (false: it was already open).
    pub opened: bool,
}

impl Forge {
    /// The host whose token is used.
    pub fn host(&self) -> &str {
        match self {
            Forge::GitHub { .. } => "github.com",
            Forge::GitLab { host, .. } => host,
        }
    }

    /// The REST API's base address: GitHub's `https://api.github.com`, a GitLab's
    /// `https://<host>/api/v4`. `configured` (git's `isms.forgeApi`) replaces it, for
    /// GitHub Enterprise or a forge on another port.
    pub fn api_base(&self, configured: Option<&str>) -> String {
        if let Some(base) = configured.filter(|b| !b.trim().is_empty()) {
            return base.trim().trim_end_matches('/').to_string();
        }
        match self {
            Forge::GitHub { .. } => "https://api.github.com".into(),
            Forge::GitLab { host, .. } => format!("https://{host}/api/v4"),
        }
    }

    /// Opens a pull request of `branch` into `into` through the REST API at `api`,
    /// or finds the one already open for the branch.
    pub fn open_pull_request(
        &self,
        api: &str,
        token: &str,
        branch: &str,
        into: &str,
        title: &str,
        description: &str,
    ) -> Result<PullRequest> {
        let tls = native_tls::TlsConnector::new()
            .map_err(|e| Error::Forge(format!("TLS is not available: {e}")))?;
        let agent = ureq::AgentBuilder::new()
            .tls_connector(std::sync::Arc::new(tls))
            .timeout(std::time::Duration::from_secs(30))
            .user_agent(concat!("isms-desk/", env!("CARGO_PKG_VERSION")))
            .build();
        match self {
            Forge::GitHub { path } => {
                let pulls = format!("{api}/repos/{path}/pulls");
                let auth = format!("Bearer {token}");
                let github = |request: ureq::Request| {
                    request
                        .set("Authorization", &auth)
                        .set("Accept", "application/vnd.github+json")
                        .set("X-GitHub-Api-Version", "2022-11-28")
                };
                #[derive(Deserialize)]
                struct Pull {
                    html_url: String,
                    number: u64,
                }
                let owner = path.split('/').next().unwrap_or_default();
                // 422: among others, "A pull request already exists".
                let (pull, opened): (Pull, bool) = open_or_find(
                    "GitHub",
                    github(agent.post(&pulls)).send_json(serde_json::json!({
                        "title": title,
                        "head": branch,
                        "base": into,
                        "body": description,
                    })),
                    422,
                    || {
                        github(agent.get(&pulls))
                            .query("head", &format!("{owner}:{branch}"))
                            .query("state", "open")
                            .call()
                            .map_err(|e| api_error("GitHub", e))
                    },
                )?;
                Ok(PullRequest {
                    url: pull.html_url,
                    number: pull.number,
                    opened,
                })
            }
            Forge::GitLab { path, .. } => {
                let requests = format!("{api}/projects/{}/merge_requests", encode(path));
                #[derive(Deserialize)]
                struct Merge {
                    web_url: String,
                    iid: u64,
                }
                // 409: "Another open merge request already exists for this source branch".
                let (merge, opened): (Merge, bool) = open_or_find(
                    "GitLab",
                    agent.post(&requests).set("PRIVATE-TOKEN", token).send_json(
                        serde_json::json!({
                            "source_branch": branch,
                            "target_branch": into,
                            "title": title,
                            "description": description,
                        }),
                    ),
                    409,
                    || {
                        agent
                            .get(&requests)
                            .query("source_branch", branch)
                            .query("state", "opened")
                            .set("PRIVATE-TOKEN", token)
                            .call()
                            .map_err(|e| api_error("GitLab", e))
                    },
                )?;
                Ok(PullRequest {
                    url: merge.web_url,
                    number: merge.iid,
                    opened,
                })
            }
        }
    }
}

/// The pull request the forge opened, or, when it answers `exists` (one is already
/// open for the branch), the first open one `list_open` finds; true when opened.
fn open_or_find<T: serde::de::DeserializeOwned>(
    forge: &str,
    created: std::result::Result<ureq::Response, ureq::Error>,
    exists: u16,
    list_open: impl FnOnce() -> Result<ureq::Response>,
) -> Result<(T, bool)> {
    match created {
        Ok(response) => Ok((read_json(response, forge)?, true)),
        Err(ureq::Error::Status(code, response)) if code == exists => {
            let said = response.into_string().unwrap_or_default();
            let open: Vec<T> = list_open().and_then(|r| read_json(r, forge))?;
            let first = open.into_iter().next().ok_or_else(|| {
                Error::Forge(format!("{forge} refused the pull request: {}", said.trim()))
            })?;
            Ok((first, false))
        }
        Err(e) => Err(api_error(forge, e)),
    }
}

fn read_json<T: serde::de::DeserializeOwned>(response: ureq::Response, forge: &str) -> Result<T> {
    response
        .into_json()
        .map_err(|e| Error::Forge(format!("{forge} answered with something unexpected: {e}")))
}

/// What a failed API call says. The token is never part of it.
fn api_error(forge: &str, e: ureq::Error) -> Error {
    match e {
        ureq::Error::Status(code @ (401 | 403), _) => Error::Forge(format!(
            "{forge} refused the token ({code}): it may have expired or lack the right to open pull requests; store a new one with `isms forge login`"
        )),
        ureq::Error::Status(code, response) => {
            let said = response.into_string().unwrap_or_default();
            let said: String = said.chars().take(300).collect();
            Error::Forge(format!("{forge} answered {code}: {}", said.trim()))
        }
        ureq::Error::Transport(t) => Error::Forge(format!("{forge} cannot be reached: {t}")),
    }
}

/// The system keyring's service name for forge tokens; the account is the host.
const KEYRING_SERVICE: &str = "ISMS Desk forge token";

fn keyring_entry(host: &str) -> Result<keyring::Entry> {
    keyring::Entry::new(KEYRING_SERVICE, host).map_err(keyring_error)
}

fn keyring_error(e: keyring::Error) -> Error {
    match e {
        keyring::Error::NoStorageAccess(inner) | keyring::Error::PlatformFailure(inner) => {
            Error::Forge(format!(
                "the system keyring is not available ({inner}); on Linux it is the Secret Service (GNOME Keyring, KWallet)"
            ))
        }
        other => Error::Forge(format!("the system keyring: {other}")),
    }
}

/// The token stored for a forge host, if any.
pub fn token(host: &str) -> Result<Option<String>> {
    match keyring_entry(host)?.get_password() {
        Ok(token) => Ok(Some(token)),
        Err(keyring::Error::NoEntry) => Ok(None),
        Err(e) => Err(keyring_error(e)),
    }
}

/// Stores (or replaces) the token for a forge host in the system keyring.
pub fn save_token(host: &str, token: &str) -> Result<()> {
    let token = token.trim();
    if token.is_empty() || token.contains(char::is_whitespace) {
        return Err(Error::Usage(
            "a forge token is one word without spaces; nothing was stored".into(),
        ));
    }
    keyring_entry(host)?
        .set_password(token)
        .map_err(keyring_error)
}

/// Removes the token for a forge host; false when there was none.
pub fn forget_token(host: &str) -> Result<bool> {
    match keyring_entry(host)?.delete_credential() {
        Ok(()) => Ok(true),
        Err(keyring::Error::NoEntry) => Ok(false),
        Err(e) => Err(keyring_error(e)),
    }
}

fn encode(text: &str) -> String {
    let mut out = String::new();
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn github_remotes_in_every_url_form() {
        for url in [
            "git@github.com:kestrel/isms.git",
            "ssh://git@github.com/kestrel/isms.git",
            "https://github.com/kestrel/isms",
            "https://token@github.com/kestrel/isms.git/",
        ] {
            let forge = Forge::of_remote(url).expect(url);
            assert_eq!(
                forge.new_pull_request_url("signoff/soa-2026-11-21", "main"),
                "https://github.com/kestrel/isms/compare/main...signoff/soa-2026-11-21?expand=1",
                "{url}"
            );
        }
    }

    #[test]
    fn gitlab_remotes_with_groups_and_other_hosts() {
        let forge = Forge::of_remote("git@gitlab.example.org:sec/grc/isms.git").expect("gitlab");
        assert_eq!(
            forge.new_pull_request_url("signoff/soa-1", "main"),
            "https://gitlab.example.org/sec/grc/isms/-/merge_requests/new?merge_request%5Bsource_branch%5D=signoff%2Fsoa-1&merge_request%5Btarget_branch%5D=main"
        );
        assert_eq!(Forge::of_remote("/srv/git/isms.git"), None);
        assert_eq!(Forge::of_remote("https://git.example.org/isms.git"), None);
    }
}
