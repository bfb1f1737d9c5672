#!/usr/bin/env bash
# Signature verification, ISMS Desk against git, in one run on this machine.
#
# Makes target/bench-verify/: the sample ISMS whose first commit carries three
# generated keys (ISM, Head of Product, CEO), then 1,000 commits signed by real git
# (gpg.format=ssh) each changing one risk's review date, and one complete sign-off of
# the risk assessment report. Then times, each a few times, best of runs:
#   - `isms verify-commits`   every commit's signature, in-process;
#   - a loop of `git verify-commit` over the same commits (git calls ssh-keygen);
#   - `isms verify`           the whole sign-off verification of the branch.
# Figures go in docs/performance.md.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
cargo build -q --release -p isms-cli
isms=${CARGO_TARGET_DIR:-$root/target}/release/isms
work=$root/target/bench-verify
rm -rf "$work" && mkdir -p "$work/home"
export HOME=$work/home GIT_CONFIG_NOSYSTEM=1 ISMS_DESK_CONFIG=$work/home/settings.json
for who in ingrid jonas maja; do ssh-keygen -q -t ed25519 -N "" -C "$who" -f "$work/home/$who"; done
repo=$work/repo
cp -r sample-isms "$repo"
python3 - "$repo/isms.yaml" "$work/home" <<'PY'
import sys, re
path, home = sys.argv[1], sys.argv[2]
text = open(path).read()
for who in ["maja", "jonas", "ingrid"]:
    key = " ".join(open(f"{home}/{who}.pub").read().split()[:2])
    text = re.sub(r'ssh-ed25519 \S+ ' + who + '"', key + ' ' + who + '"', text)
open(path, "w").write(text)
PY
cd "$repo"
git init -q -b main
git config user.name "Ingrid Solberg"
git config user.email ingrid.solberg@kestrelcart.example
git config gpg.format ssh
git config user.signingkey "$work/home/ingrid"
"$isms" commit -m "Kestrel Cart ISMS" >/dev/null
n=${COMMITS:-1000}
echo "making $n signed commits with git…"
for i in $(seq 1 "$n"); do
  r=$(printf "R-%03d" $(( (i % 16) + 1 )))
  sed -i "s/^reviewed_on: .*/reviewed_on: 2026-$(printf %02d $(( (i % 12) + 1 )))-$(printf %02d $(( (i % 28) + 1 )))/" "risks/$r.md"
  git commit -q -S -am "Review of $r ($i)"
done
"$isms" signoff start risk-assessment >/dev/null
id=$(git for-each-ref --format='%(refname:lstrip=3)' refs/heads/signoff/ | head -1)
git config user.signingkey "$work/home/jonas"; "$isms" signoff sign "$id" >/dev/null
git config user.signingkey "$work/home/maja"; "$isms" signoff sign "$id" >/dev/null
total=$(git rev-list --count HEAD)
echo "repository: $total commits on main"

best() { # best wall time of 3 runs of "$@", in seconds
  local best=999999
  for _ in 1 2 3; do
    local s e
    s=$(date +%s%N); "$@" >/dev/null 2>&1 || true; e=$(date +%s%N)
    local t=$(( (e - s) / 1000000 ))
    (( t < best )) && best=$t
  done
  echo "$best"
}
git_loop() {
  for c in $(git rev-list HEAD); do
    git -c gpg.ssh.allowedSignersFile=.isms/allowed_signers verify-commit "$c" 2>/dev/null || true
  done
}
ms_isms=$(best "$isms" verify-commits)
ms_verify=$(best "$isms" verify)
ms_git=$(best git_loop)
"$isms" verify >/dev/null && echo "isms verify: OK"
printf "%-48s %8s ms\n" "isms verify-commits ($total commits)" "$ms_isms"
printf "%-48s %8s ms\n" "loop of git verify-commit ($total commits)" "$ms_git"
printf "%-48s %8s ms\n" "isms verify (sign-offs of the branch)" "$ms_verify"
awk -v g="$ms_git" -v i="$ms_isms" 'BEGIN { printf "speed-up of verify-commits over git: %.0fx\n", g / (i > 0 ? i : 1) }'
