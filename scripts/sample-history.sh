#!/usr/bin/env bash
# Makes <dir> afresh: the sample ISMS as a git repository with two years of signed risk
# assessments, as a real ISMS would have them after its second annual assessment.
#
#   bash scripts/sample-history.sh <dir> <keys-dir>
#
# The sample's people get fresh SSH keys (in <keys-dir>: ingrid, jonas, maja; kept if
# already there), since no private key of theirs is in this repository. Then:
#
# 1. 2025: the sample as it stood a year earlier (scripts/sample-history/year-one.patch,
#    2025.md; two risks not yet recorded, no 2026 assessment), committed signed by
#    Ingrid (the ISM), whose key becomes the pinned root of trust; the risk-assessment
#    sign-off through its chain (Ingrid, Jonas as Head of Product, Maja as CEO's signed
#    merge); tagged `assessment-2025`.
#    The information security policy's approval follows, through its own chain.
# 2. 2026: two rescorings committed one by one with their reasons, then the rest of the
#    year's changes; the 2026 sign-off through the same chain; tagged
#    `assessment-2026`.
#
# `isms compare assessment-2025 assessment-2026` and `isms audit-pack` work on it; the
# tests (tests/auditor.rs) build their two years with this script and check the
# comparison's figures by hand. Commit times are fixed per step (GIT_COMMITTER_DATE),
# so the history is the same on every run but for the keys. The isms binary is $ISMS,
# else target/debug/isms.
set -euo pipefail
dir="$1"
keys="$2"
here="$(cd "$(dirname "$0")/.." && pwd)"
isms="${ISMS:-$here/target/debug/isms}"
history="$here/scripts/sample-history"

rm -rf "$dir"
cp -r "$here/sample-isms" "$dir"
mkdir -p "$keys"
for who in ingrid jonas maja; do
  [ -f "$keys/$who" ] || ssh-keygen -q -t ed25519 -N "" -C "$who" -f "$keys/$who"
  # The sample's public key of this person, replaced by the new one.
  new=$(cut -d' ' -f1,2 "$keys/$who.pub")
  sed -i "s|ssh-ed25519 [A-Za-z0-9+/=]* $who\"|$new $who\"|" "$dir/isms.yaml"
  grep -q "$new" "$dir/isms.yaml" || { echo "no key of $who in isms.yaml" >&2; exit 1; }
done

git_() { git -C "$dir" "$@"; }
git_ init -q
git_ symbolic-ref HEAD refs/heads/main
git_ config user.name "Ingrid Solberg"
git_ config user.email ingrid.solberg@kestrelcart.example
git_ config gpg.format ssh
as() { git_ config user.signingkey "$keys/$1"; }
isms_() { "$isms" --repo "$dir" "$@"; }
at() { export GIT_COMMITTER_DATE="$1" GIT_AUTHOR_DATE="$1"; }

# A sign-off of HEAD (`isms signoff start <args>`) through its chain: Ingrid starts
# it, Jonas co-signs, Maja's signed merge completes it.
signoff() {
  as ingrid
  local id
  id=$(isms_ --format json signoff start "$@" | sed -n 's/.*"id": *"\([^"]*\)".*/\1/p' | head -1)
  [ -n "$id" ] || { echo "the $1 sign-off did not start" >&2; exit 1; }
  as jonas
  isms_ signoff sign "$id" >/dev/null
  as maja
  isms_ signoff sign "$id" >/dev/null
  as ingrid
}

# 2025.
git_ apply "$history/year-one.patch"
rm "$dir/risks/R-015.md" "$dir/risks/R-016.md" "$dir/assessments/2026.md"
cp "$history/2025.md" "$dir/assessments/2025.md"
as ingrid
at "@1747728000 +0200"
isms_ commit -m "Kestrel Cart ISMS" >/dev/null
git_ config isms.rootKey "$(ssh-keygen -lf "$keys/ingrid.pub" | cut -d' ' -f2)"
at "@1747814400 +0200"
signoff risk-assessment
git_ tag assessment-2025
# The information security policy approved: its chain adds the Head of Product's
# co-signature before the CEO's merge (isms.yaml, document:information-security-policy).
signoff document information-security-policy

# 2026: the rescorings one by one, with their reasons, then the rest.
at "@1779177600 +0200"
git_ apply -R --include=risks/R-001.md "$history/year-one.patch"
isms_ commit -m "R-001: credential-stuffing attempts on merchant admins tripled since spring" >/dev/null
git_ apply -R --include=risks/R-008.md "$history/year-one.patch"
isms_ commit -m "R-008: the March restore drill brought one tenant set back in 40 minutes" >/dev/null
at "@1779264000 +0200"
git_ apply -R --exclude=risks/R-001.md --exclude=risks/R-008.md "$history/year-one.patch"
for f in risks/R-015.md risks/R-016.md assessments/2026.md; do
  cp "$here/sample-isms/$f" "$dir/$f"
done
isms_ commit -m "Annual risk assessment 2026" >/dev/null
at "@1779350400 +0200"
signoff risk-assessment
git_ tag assessment-2026
unset GIT_COMMITTER_DATE GIT_AUTHOR_DATE
