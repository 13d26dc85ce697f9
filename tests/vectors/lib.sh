# Shared by the vector scripts (sourced, not run): a scratch folder removed on exit; `fenced
# NAME` printing the lines of the block opened by ```NAME in "$doc"; `load NAME` putting them
# in $tmp/vector (or stopping, naming the block) and `field KEY` printing that vector's value
# of KEY; `unhex` and `hexof` between hex digits and bytes; `ed25519_pem` making a raw
# Ed25519 public key the PEM file OpenSSL verifies with.
set -euo pipefail
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

fenced() {  # the lines of the fenced block opened by ```$1
  awk -v open="\`\`\`$1" '$0 == open { inside = 1; next } /^```/ { inside = 0 } inside' "$doc"
}
load() {  # load NAME: the vector's lines into $tmp/vector, or fail
  fenced "$1" > "$tmp/vector"
  [ -s "$tmp/vector" ] || { echo "$1: not found in $doc"; exit 1; }
}
field() { sed -n "s/^$1: \{0,1\}//p" "$tmp/vector"; }  # the loaded vector's value of $1
unhex() {  # hex digits on stdin -> raw bytes on stdout
  local hex
  hex=$(tr -d ' \n')
  printf '%b' "$(printf '%s' "$hex" | sed 's/../\\x&/g')"
}
hexof() {  # raw bytes on stdin -> lowercase hex digits on stdout
  od -An -v -tx1 | tr -d ' \n'
}
ed25519_pem() {  # a raw 32-byte Ed25519 public key on stdin -> PEM file $1
  # SubjectPublicKeyInfo: a fixed 12-byte DER prefix (id-Ed25519, 1.3.101.112), then the key.
  { printf '302a300506032b6570032100' | unhex; cat; } > "$tmp/ed25519.der"
  openssl pkey -pubin -inform DER -in "$tmp/ed25519.der" -out "$1"
}
