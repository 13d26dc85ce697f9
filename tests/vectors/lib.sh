# Shared by the vector scripts (sourced, not run): a scratch folder removed on exit, and
# `fenced NAME` printing the lines of the block opened by ```NAME in "$doc".
set -euo pipefail
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

fenced() {  # the lines of the fenced block opened by ```$1
  awk -v open="\`\`\`$1" '$0 == open { inside = 1; next } /^```/ { inside = 0 } inside' "$doc"
}
