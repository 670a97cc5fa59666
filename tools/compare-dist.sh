#!/usr/bin/env bash
# Are two revisions output-neutral? Builds every seed at each revision (a git worktree each,
# one shared synthesis cache, the offline engine unless voices are given) and compares every
# file of dist/ byte for byte. The build stamp (.build.json) names the code: it always differs.
#   tools/compare-dist.sh BEFORE [AFTER]     revisions (AFTER: the working tree)
# Exit 0 when identical; else the differing files are listed and the exit status is 1.
set -euo pipefail
before=${1:?usage: tools/compare-dist.sh BEFORE [AFTER]}
after=${2:-}
root=$(git rev-parse --show-toplevel)
work=$(mktemp -d)
trap 'git -C "$root" worktree remove --force "$work/before" >/dev/null 2>&1 || true;
      [ -n "$after" ] && git -C "$root" worktree remove --force "$work/after" >/dev/null 2>&1;
      rm -rf "$work"' EXIT
py="$root/.venv/bin/python"
git -C "$root" worktree add -q --detach "$work/before" "$before"
if [ -n "$after" ]; then
  git -C "$root" worktree add -q --detach "$work/after" "$after"
else
  ln -s "$root" "$work/after"
fi
for side in before after; do
  tree="$work/$side"
  # Each side's own code (PYTHONPATH) and its own copy of the recorded cast.
  (cd "$tree" && PYTHONPATH="$tree" XDG_DATA_HOME="$work/data-$side" \
     "$py" -m pipeline build seeds/* --out "$work/dist-$side" --cache "$work/cache" \
     --base-url https://example.org/ >/dev/null)
done
if diff -r -q -x .build.json "$work/dist-before" "$work/dist-after"; then
  echo "identical: $(cd "$work/dist-after" && find . -type f ! -name .build.json | wc -l) files"
else
  exit 1
fi
