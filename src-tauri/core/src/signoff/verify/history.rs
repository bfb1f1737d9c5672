//! What verification walks: every commit reachable from the verified tip, read once,
//! oldest first. Sign-off steps can reach a branch through any parent (a colleague's
//! pull merges the branch that holds them), so nothing here follows only first
//! parents — except the search for the trust root, which is the first commit with
//! isms.yaml on the branch's own first-parent line.

use std::collections::{HashMap, HashSet};

use crate::git::history::{tree_entry_of, CommitHead};
use crate::isms::CONFIG_FILE;
use crate::signoff::{trailer, Trailers};
use crate::{Error, Result};

/// A commit that carries an `Isms-Signoff` trailer.
#[derive(Debug, Clone)]
pub(super) struct Marked {
    /// Its trailers (of the message's last paragraph).
    pub trailers: Trailers,
    /// How many `Isms-Signoff:` lines its message holds anywhere: more than one is a
    /// squash of several step commits into one.
    pub id_lines: usize,
}

impl Marked {
    /// The request id it names, unless it is a squash of several steps.
    pub fn id(&self) -> Option<&str> {
        if self.id_lines > 1 {
            return None;
        }
        self.trailers.id.as_deref()
    }
}

/// One reachable commit, as far as verification needs it.
#[derive(Debug, Clone)]
pub(super) struct Node {
    /// The commit.
    pub oid: git2::Oid,
    /// Its parents, first parent first.
    pub parents: Vec<git2::Oid>,
    /// Its isms.yaml blob, when it has one.
    pub config: Option<git2::Oid>,
}

/// Every commit reachable from the verified tip.
pub(super) struct History {
    /// The branch or revision verified.
    pub branch: String,
    /// Its commit.
    pub tip: git2::Oid,
    /// Every reachable commit, parents before children.
    pub nodes: Vec<Node>,
    /// The position of each commit in `nodes`.
    pub position: HashMap<git2::Oid, usize>,
    /// The commits that carry sign-off trailers.
    pub marked: HashMap<git2::Oid, Marked>,
    /// The trust root: the first commit of the branch's first-parent line with isms.yaml.
    pub root: git2::Oid,
}

impl History {
    /// Reads everything reachable from `tip`: each commit object once, raw, and its
    /// root tree for isms.yaml, as git would, without libgit2's parsing and caches.
    pub fn read(repo: &git2::Repository, branch: &str, tip: git2::Oid) -> Result<History> {
        let odb = repo.odb()?;
        let mut heads: HashMap<git2::Oid, CommitHead> = HashMap::new();
        // Depth-first over parents; a commit is placed once all its parents are, so
        // `nodes` comes out parents first.
        let mut order = Vec::new();
        let mut placed = HashSet::new();
        let mut stack = vec![(tip, false)];
        while let Some((oid, expanded)) = stack.pop() {
            if expanded {
                if placed.insert(oid) {
                    order.push(oid);
                }
                continue;
            }
            if heads.contains_key(&oid) {
                continue;
            }
            let head = CommitHead::read(&odb, oid, true)?;
            stack.push((oid, true));
            for p in head.parents.iter().rev() {
                if !heads.contains_key(p) {
                    stack.push((*p, false));
                }
            }
            heads.insert(oid, head);
        }
        let mut nodes = Vec::with_capacity(order.len());
        let mut position = HashMap::with_capacity(order.len());
        let mut marked = HashMap::new();
        for oid in order {
            let head = heads.remove(&oid).expect("every placed commit was read");
            if let Some(m) = marked_of(&head.message) {
                marked.insert(oid, m);
            }
            let config = tree_entry_of(&odb, head.tree, CONFIG_FILE)?;
            position.insert(oid, nodes.len());
            nodes.push(Node {
                oid,
                parents: head.parents,
                config,
            });
        }
        let mut history = History {
            branch: branch.to_string(),
            tip,
            nodes,
            position,
            marked,
            root: tip,
        };
        history.root = history
            .first_parent_line()
            .into_iter()
            .find(|oid| history.node(*oid).config.is_some())
            .ok_or_else(|| Error::Usage(format!("no commit of {branch} has {CONFIG_FILE}")))?;
        Ok(history)
    }

    /// The reachable commit `oid`.
    pub fn node(&self, oid: git2::Oid) -> &Node {
        &self.nodes[self.position[&oid]]
    }

    /// Whether `oid` is reachable from the tip.
    pub fn reaches(&self, oid: git2::Oid) -> bool {
        self.position.contains_key(&oid)
    }

    /// The tip's first-parent line, oldest first.
    pub fn first_parent_line(&self) -> Vec<git2::Oid> {
        let mut line = Vec::new();
        let mut at = Some(self.tip);
        while let Some(oid) = at {
            line.push(oid);
            at = self.node(oid).parents.first().copied();
        }
        line.reverse();
        line
    }

    /// The commits that introduce isms.yaml: they have it and no parent has.
    pub fn config_origins(&self) -> Vec<git2::Oid> {
        self.nodes
            .iter()
            .filter(|n| {
                n.config.is_some() && n.parents.iter().all(|p| self.node(*p).config.is_none())
            })
            .map(|n| n.oid)
            .collect()
    }
}

/// The sign-off trailers of a commit message, when it has an `Isms-Signoff` line.
fn marked_of(message: &[u8]) -> Option<Marked> {
    let needle = format!("{}:", trailer::ID);
    if !message
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
    {
        return None;
    }
    let text = String::from_utf8_lossy(message);
    let id_lines = text
        .lines()
        .filter(|l| l.trim_start().starts_with(&needle))
        .count();
    if id_lines == 0 {
        return None;
    }
    Some(Marked {
        trailers: Trailers::parse(&text),
        id_lines,
    })
}
