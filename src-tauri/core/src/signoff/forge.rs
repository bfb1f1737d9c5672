//! Forges: the address at which a pushed sign-off branch becomes a pull request.
//!
//! GitHub and GitLab (gitlab.com or a self-hosted host with "gitlab" in its name) are
//! recognised from the remote's URL, in any of git's URL forms.

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
