//! The walk: the requests the history holds, where each reached the verified branch,
//! and the approved configuration in force when it did.
//!
//! A request is the group of commits whose trailers name its id. Its last commit
//! either is a parent (not the first) of a merge that did not already contain it — the
//! request landed by that merge — or continues a first-parent line — it was
//! fast-forwarded. Requests are checked oldest landing first, so that a governance
//! sign-off that completes changes the configuration for the requests after it.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap, HashSet};

use super::history::History;
use super::request::RequestCheck;
use super::{
    config_at, short, Approval, Problem, ProblemCode, RequestState, RequestVerification, RootTrust,
    Verification, VerifyOptions,
};
use crate::domain::IsmsConfig;
use crate::git::signing::key_holders;
use crate::report::documents;
use crate::signoff::BRANCH_PREFIX;
use crate::Result;

/// The configuration a request is checked against.
#[derive(Clone)]
pub(crate) struct Authority {
    /// The approved people, roles, keys and chains (with the rest of isms.yaml).
    pub config: IsmsConfig,
    /// The commit whose isms.yaml it is.
    pub commit: crate::git::CommitId,
    /// How it became approved.
    pub by: String,
}

/// How a request reached the verified branch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Landing {
    /// Merged by this merge commit, whose other parent is the request's last commit.
    Merge(git2::Oid),
    /// Its last commit is on a first-parent line of the branch.
    FastForward(git2::Oid),
    /// It did not reach the branch.
    Open,
}

impl Landing {
    /// The commit at which it reached the branch.
    pub fn commit(self) -> Option<git2::Oid> {
        match self {
            Landing::Merge(c) | Landing::FastForward(c) => Some(c),
            Landing::Open => None,
        }
    }
}

/// A request found in the history: its id, its last commit and how it landed.
struct Found {
    id: String,
    tip: git2::Oid,
    landing: Landing,
}

pub(super) struct Walker<'r> {
    pub repo: &'r git2::Repository,
    pub history: History,
    pub options: VerifyOptions,
    /// The approved configurations, oldest first, with the commit at which each took
    /// effect.
    approved: Vec<(git2::Oid, Authority)>,
    approvals: Vec<Approval>,
    pub root: RootTrust,
    pub root_key: Option<String>,
    pub root_signer: Option<String>,
    requests: Vec<RequestVerification>,
    /// Every commit some request check walked.
    covered: HashSet<git2::Oid>,
    pub problems: Vec<Problem>,
    pub warnings: Vec<Problem>,
    /// isms.yaml blobs already parsed, for naming where a key came from.
    configs: RefCell<HashMap<git2::Oid, Option<IsmsConfig>>>,
}

impl<'r> Walker<'r> {
    pub fn new(
        repo: &'r git2::Repository,
        history: History,
        options: &VerifyOptions,
    ) -> Result<Walker<'r>> {
        let root = history.root;
        let config = config_at(repo, root)?.map_err(|e| {
            crate::Error::Usage(format!(
                "{} in the first commit {root} does not load ({e}); nothing can be verified against it",
                crate::isms::CONFIG_FILE
            ))
        })?;
        let mut walker = Walker {
            repo,
            history,
            options: options.clone(),
            approved: Vec::new(),
            approvals: Vec::new(),
            root: RootTrust::TrustedOnFirstUse,
            root_key: None,
            root_signer: None,
            requests: Vec::new(),
            covered: HashSet::new(),
            problems: Vec::new(),
            warnings: Vec::new(),
            configs: RefCell::new(HashMap::new()),
        };
        let by = walker.trust_root(&config)?;
        walker.approvals.push(Approval {
            commit: root.into(),
            by: by.clone(),
        });
        walker.approved.push((
            root,
            Authority {
                config,
                commit: root.into(),
                by,
            },
        ));
        Ok(walker)
    }

    pub fn run(&mut self) -> Result<()> {
        self.joined_histories()?;
        let mut found = self.landed_requests()?;
        found.sort_by_key(|f| f.landing.commit().map(|c| self.history.position[&c]));
        for f in found {
            self.check(f)?;
        }
        self.open_requests()?;
        self.stray_steps();
        self.signed_documents()?;
        self.acceptances()?;
        self.compare_contents()?;
        self.allowed_signers_in_step()?;
        self.governance_pending()?;
        self.methodology_pending()?;
        Ok(())
    }

    pub fn finish(self) -> (Verification, Authority) {
        let open_requests = self.options.open_requests;
        let ok = self.problems.is_empty()
            && self
                .requests
                .iter()
                .filter(|r| r.is_landed() || open_requests)
                .all(|r| r.problems.is_empty());
        let authority = self
            .approved
            .last()
            .map(|(_, a)| a.clone())
            .expect("the root configuration is always approved");
        (
            Verification {
                branch: self.history.branch.clone(),
                head: self.history.tip.into(),
                root: self.root,
                root_key: self.root_key,
                root_signer: self.root_signer,
                approvals: self.approvals,
                requests: self.requests,
                problems: self.problems,
                warnings: self.warnings,
                commits_examined: self.history.nodes.len(),
                ok,
            },
            authority,
        )
    }

    /// The requests whose commits are reachable, each with its last commit and how it
    /// landed. Merges that bring a request's last commit in again are replays.
    fn landed_requests(&mut self) -> Result<Vec<Found>> {
        let mut groups: BTreeMap<String, Vec<git2::Oid>> = BTreeMap::new();
        let mut squashes = Vec::new();
        for node in &self.history.nodes {
            let Some(m) = self.history.marked.get(&node.oid) else {
                continue;
            };
            if m.id_lines > 1 {
                squashes.push(node.oid);
                continue;
            }
            if let Some(id) = m.id() {
                groups.entry(id.to_string()).or_default().push(node.oid);
            }
        }
        for oid in squashes {
            self.covered.insert(oid);
            let commit = self.repo.find_commit(oid)?;
            self.problems.push(
                Problem::new(
                    ProblemCode::SquashMerge,
                    format!(
                        "commit {} (\"{}\") holds the trailers of several sign-off steps in one message: the steps were squashed into one commit, which throws their signatures away, so nothing it claims can be verified",
                        short(&oid.to_string()),
                        crate::git::verify::summary_of(&commit)
                    ),
                )
                .at(oid)
                .remedy("Revert it and merge the sign-off branch itself, with a merge commit or a fast-forward; a forge's \"squash and merge\" cannot carry a sign-off (see the README, \"Forge merge settings\")."),
            );
        }
        // Merges by the parent they merged in (other than the first).
        let mut merged_by: HashMap<git2::Oid, Vec<git2::Oid>> = HashMap::new();
        for node in &self.history.nodes {
            for p in node.parents.iter().skip(1) {
                merged_by.entry(*p).or_default().push(node.oid);
            }
        }
        let mut found = Vec::new();
        let requests: Vec<(String, Vec<git2::Oid>)> = groups
            .into_iter()
            .flat_map(|(id, commits)| {
                self.by_first_step(&id, &commits)
                    .into_iter()
                    .map(move |chain| (id.clone(), chain))
            })
            .collect();
        for (id, commits) in requests {
            // A signed merge carries the request's trailers too: it lands the request,
            // it is not a commit of its branch.
            let members: HashSet<git2::Oid> = commits.iter().copied().collect();
            let is_landing_merge = |c: &git2::Oid| {
                self.history
                    .node(*c)
                    .parents
                    .iter()
                    .skip(1)
                    .any(|p| members.contains(p))
            };
            let tip = commits
                .iter()
                .rev()
                .find(|c| !is_landing_merge(c))
                .or(commits.last())
                .copied()
                .expect("a group has a commit");
            let mut landing = Landing::FastForward(tip);
            for merge in merged_by.get(&tip).into_iter().flatten() {
                self.covered.insert(*merge);
                let first = self.history.node(*merge).parents[0];
                let already = first == tip || self.repo.graph_descendant_of(first, tip)?;
                if !already && landing == Landing::FastForward(tip) {
                    landing = Landing::Merge(*merge);
                    continue;
                }
                let earlier = match landing {
                    Landing::Merge(m) => format!("merge {}", short(&m.to_string())),
                    _ => format!("its own commit {}", short(&tip.to_string())),
                };
                self.problems.push(
                    Problem::new(
                        ProblemCode::LandedTwice,
                        format!(
                            "merge {} brings sign-off request {id} in again, which had already reached {} with {earlier}: a request lands once, and merging an old approval again can bring back a document that was signed off before",
                            short(&merge.to_string()),
                            self.history.branch
                        ),
                    )
                    .at(*merge)
                    .of(&id)
                    .remedy(format!(
                        "Revert merge {}. To sign the document again, start a new request (`isms signoff start`).",
                        short(&merge.to_string())
                    )),
                );
            }
            found.push(Found { id, tip, landing });
        }
        let mut by_merge: BTreeMap<git2::Oid, Vec<&str>> = BTreeMap::new();
        for f in &found {
            if let Landing::Merge(m) = f.landing {
                by_merge.entry(m).or_default().push(&f.id);
            }
        }
        for (merge, ids) in by_merge.into_iter().filter(|(_, ids)| ids.len() > 1) {
            self.problems.push(
                Problem::new(
                    ProblemCode::SeveralRequests,
                    format!(
                        "merge {} lands {} sign-off requests at once ({}); each request lands by its own merge, so that each signed merge approves one document",
                        short(&merge.to_string()),
                        ids.len(),
                        ids.join(", ")
                    ),
                )
                .at(merge)
                .remedy("Revert the merge and merge each request on its own."),
            );
        }
        Ok(found)
    }

    /// The commits carrying one request id, split by the first step they descend
    /// from: an id can be used twice (a request abandoned and its branch deleted, then
    /// a new one started the same day), and each is its own request. Commits that
    /// descend from no first step stay together, and fail as such.
    fn by_first_step(&self, id: &str, commits: &[git2::Oid]) -> Vec<Vec<git2::Oid>> {
        let members: HashSet<git2::Oid> = commits.iter().copied().collect();
        let floor = commits
            .iter()
            .map(|c| self.history.position[c])
            .min()
            .unwrap_or(0);
        let is_first = |c: git2::Oid| {
            self.history.marked.get(&c).is_some_and(|m| {
                m.id() == Some(id)
                    && m.trailers.step.as_ref().is_some_and(|s| s.0 == 1)
                    && !m.trailers.approval
            })
        };
        let first_of = |c: git2::Oid| -> Option<git2::Oid> {
            let node = self.history.node(c);
            // A landing merge belongs with the member it merged.
            let mut at = node
                .parents
                .iter()
                .skip(1)
                .find(|p| members.contains(p))
                .copied()
                .or(Some(c));
            while let Some(oid) = at {
                if self.history.position.get(&oid).is_none_or(|p| *p < floor) {
                    return None;
                }
                if is_first(oid) {
                    return Some(oid);
                }
                at = self.history.node(oid).parents.first().copied();
            }
            None
        };
        let mut chains: Vec<(Option<git2::Oid>, Vec<git2::Oid>)> = Vec::new();
        for c in commits {
            let first = first_of(*c);
            match chains.iter_mut().find(|(f, _)| *f == first) {
                Some((_, chain)) => chain.push(*c),
                None => chains.push((first, vec![*c])),
            }
        }
        chains.into_iter().map(|(_, chain)| chain).collect()
    }

    /// Checks one request against the configuration in force where it landed.
    fn check(&mut self, found: Found) -> Result<()> {
        let at = found.landing.commit().unwrap_or(self.history.tip);
        let authority = self.authority_at(at)?.clone();
        let checked =
            RequestCheck::new(self, &authority, &found.id, found.tip, found.landing).run()?;
        self.covered.extend(checked.commits.iter().copied());
        let request = checked.request;
        if request.state == RequestState::Complete {
            if let (Some(config), Some(at)) = (checked.proposed, found.landing.commit()) {
                let by = format!("governance sign-off {}", request.id);
                self.approvals.push(Approval {
                    commit: at.into(),
                    by: by.clone(),
                });
                self.approved.push((
                    at,
                    Authority {
                        config,
                        commit: at.into(),
                        by,
                    },
                ));
            }
        }
        self.requests.push(request);
        Ok(())
    }

    /// The approved configuration in force at commit `at`: the last approval that
    /// `at` descends from.
    fn authority_at(&self, at: git2::Oid) -> Result<&Authority> {
        // The first approval (the trust root) needs no ancestry check: it is the
        // fallback anyway, and most histories have no other.
        for (commit, authority) in self.approved.iter().skip(1).rev() {
            if *commit == at || self.repo.graph_descendant_of(at, *commit)? {
                return Ok(authority);
            }
        }
        Ok(&self.approved[0].1)
    }

    /// The configuration approved at the verified tip: the last approval, since
    /// everything approved so far was reached from the tip.
    pub fn authority(&self) -> Result<&Authority> {
        Ok(&self
            .approved
            .last()
            .expect("the root configuration is always approved")
            .1)
    }

    /// Requests on `signoff/*` branches (local or remote-tracking) that did not reach
    /// the verified branch, checked against the configuration approved at its tip.
    fn open_requests(&mut self) -> Result<()> {
        let mut tips: BTreeMap<String, git2::Oid> = BTreeMap::new();
        for pattern in [
            format!("refs/heads/{BRANCH_PREFIX}*"),
            format!("refs/remotes/*/{BRANCH_PREFIX}*"),
        ] {
            for reference in self.repo.references_glob(&pattern)? {
                let reference = reference?;
                let Ok(name) = reference.name() else { continue };
                let Some(id) = name.split(BRANCH_PREFIX).nth(1).map(str::to_string) else {
                    continue;
                };
                let Ok(commit) = reference.peel_to_commit() else {
                    continue;
                };
                tips.entry(id).or_insert(commit.id());
            }
        }
        let authority = self.authority()?.clone();
        for (id, tip) in tips {
            if self.history.reaches(tip) || self.requests.iter().any(|r| r.id == id) {
                continue;
            }
            let checked = RequestCheck::new(self, &authority, &id, tip, Landing::Open).run()?;
            self.requests.push(checked.request);
        }
        Ok(())
    }

    /// Every reachable commit with sign-off trailers belongs to a request that was
    /// checked; one that does not (a second tip of a request, a step off its branch)
    /// claims a signature nobody verified.
    fn stray_steps(&mut self) {
        let mut stray: Vec<(usize, git2::Oid)> = self
            .history
            .marked
            .keys()
            .filter(|oid| !self.covered.contains(oid))
            .map(|oid| (self.history.position[oid], *oid))
            .collect();
        stray.sort();
        for (_, oid) in stray {
            let m = &self.history.marked[&oid];
            let id = m.id().unwrap_or("?").to_string();
            let step = m
                .trailers
                .step
                .as_ref()
                .map(|(n, role)| format!("step {n} ({role})"))
                .unwrap_or_else(|| "a step".into());
            self.problems.push(
                Problem::new(
                    ProblemCode::StrayStep,
                    format!(
                        "commit {} claims to be {step} of sign-off request {id}, but it is not on that request's branch of steps: it reached {} outside any request that was verified",
                        short(&oid.to_string()),
                        self.history.branch
                    ),
                )
                .at(oid)
                .of(&id)
                .remedy("Find out who made it (git show) and revert the merge that brought it in; a step is signed only on the request's own branch (`isms signoff sign`)."),
            );
        }
    }

    /// isms.yaml at the verified tip differs from the approved configuration in
    /// people, roles, keys, separation of duties or chains.
    fn governance_pending(&mut self) -> Result<()> {
        let Ok(Ok(now)) = config_at(self.repo, self.history.tip) else {
            return Ok(());
        };
        let authority = self.authority()?;
        let changes = documents::governance_changes(&authority.config, &now);
        if changes.is_empty() {
            return Ok(());
        }
        let message = format!(
            "{} at {} differs from the approved configuration (from {}); until a governance sign-off completes, these changes authorise nothing: {}",
            crate::isms::CONFIG_FILE,
            self.history.branch,
            authority.commit.short(),
            changes.join("; ")
        );
        self.warnings.push(
            Problem::new(ProblemCode::GovernancePending, message)
                .remedy("Put them up for sign-off with `isms signoff start governance`."),
        );
        Ok(())
    }

    /// The methodology in force at the tip against the approved one: the first
    /// commit's, replaced by each methodology sign-off that completed (the methodology
    /// of its source commit). A change not yet signed off is noted, like a governance
    /// change; the rescoring mapping, which moves while risks are rescored, is not
    /// part of the comparison.
    fn methodology_pending(&mut self) -> Result<()> {
        let Ok(Ok(now)) = config_at(self.repo, self.history.tip) else {
            return Ok(());
        };
        let without_mapping = |m: &crate::domain::Methodology| {
            let mut m = m.clone();
            m.rescoring = None;
            m
        };
        let mut approved = (
            without_mapping(&self.approved[0].1.config.methodology),
            format!("the first commit {}", short(&self.history.root.to_string())),
        );
        let signed: Vec<(String, String)> = self
            .requests
            .iter()
            .filter(|r| {
                r.kind == "methodology" && r.state == RequestState::Complete && r.is_landed()
            })
            .map(|r| (r.source.clone(), r.id.clone()))
            .collect();
        for (source, id) in signed {
            if let Ok(Ok(config)) = config_at(self.repo, git2::Oid::from_str(&source)?) {
                approved = (
                    without_mapping(&config.methodology),
                    format!("sign-off {id}"),
                );
            }
        }
        if without_mapping(&now.methodology) == approved.0 {
            return Ok(());
        }
        let message = format!(
            "the methodology at {} (version {}) is not the one signed off (version {}, by {}); reports score under a methodology management has not approved",
            self.history.branch, now.methodology.version, approved.0.version, approved.1
        );
        self.warnings.push(
            Problem::new(ProblemCode::MethodologyPending, message)
                .remedy("Put it up for sign-off with `isms signoff start methodology`."),
        );
        Ok(())
    }

    /// The first reachable commit whose isms.yaml lists a key, for saying where an
    /// unapproved key came from.
    pub fn key_origin(&self, fingerprint: &str) -> Option<git2::Oid> {
        for node in &self.history.nodes {
            let Some(blob) = node.config else { continue };
            let mut configs = self.configs.borrow_mut();
            let config = configs
                .entry(blob)
                .or_insert_with(|| config_at(self.repo, node.oid).ok().and_then(|c| c.ok()));
            let lists = config
                .as_ref()
                .is_some_and(|c| !key_holders(c, fingerprint).is_empty());
            if lists {
                return Some(node.oid);
            }
        }
        None
    }

    /// The requests checked so far.
    pub fn requests(&self) -> &[RequestVerification] {
        &self.requests
    }

    /// The requests checked so far, to add what later checks find.
    pub fn requests_mut(&mut self) -> &mut Vec<RequestVerification> {
        &mut self.requests
    }
}
