#!/usr/bin/env bash
# Checks the test vectors of docs/credentials.md with OpenSSL, coreutils and gzip alone:
# the key id is the RFC 7638 thumbprint of the documented public key; the Ed25519 signature
# of the vc+jwt and of the SD-JWT VC verifies over their JWS signing input; the disclosure's
# digest is base64url(SHA-256(disclosure)) and is listed in the signed `_sd`; the status list
# decodes (multibase u, base64url, GZIP) to 131,072 bits with exactly the documented bits set.
# Usage: tests/vectors/credentials.sh [docs/credentials.md]; exit 0 when all hold.
doc=${1:-docs/credentials.md}
# shellcheck source=tests/vectors/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
b64url_dec() {  # base64url without padding on stdin -> bytes
  local text
  text=$(tr -d '\n' | tr '_-' '/+')
  while [ $(( ${#text} % 4 )) -ne 0 ]; do text="$text="; done
  printf '%s' "$text" | openssl base64 -d -A
}
b64url_enc() { openssl base64 -A | tr '/+' '_-' | tr -d '='; }

verify_jws() {  # $1 block name: its `jws` verified with the key and $kid of credential-key
  local jws=$2
  IFS=. read -r head body sig <<< "$jws"
  printf '%s' "$head" | b64url_dec | grep -q '"alg":"Ed25519"' || { echo "$1: alg is not Ed25519"; exit 1; }
  printf '%s' "$head" | b64url_dec | grep -q "\"kid\":\"$kid\"" \
    || { echo "$1: the header names another kid"; exit 1; }
  printf '%s.%s' "$head" "$body" > "$tmp/input.bin"
  printf '%s' "$sig" | b64url_dec > "$tmp/sig.bin"
  openssl pkeyutl -verify -pubin -inkey "$tmp/pub.pem" -rawin -in "$tmp/input.bin" \
    -sigfile "$tmp/sig.bin" > "$tmp/verified" 2>&1 || { echo "$1: $(cat "$tmp/verified")"; exit 1; }
  cat "$tmp/verified"
}

checked=0
load credential-key
field public_key | unhex > "$tmp/key.bin"
kid=$(field kid)
[ "$(wc -c < "$tmp/key.bin")" -eq 32 ] || { echo "credential-key: key is not 32 bytes"; exit 1; }
ed25519_pem "$tmp/pub.pem" < "$tmp/key.bin"
x=$(b64url_enc < "$tmp/key.bin")
thumb=$(printf '{"crv":"Ed25519","kty":"OKP","x":"%s"}' "$x" | openssl dgst -sha256 -binary | b64url_enc)
if [ "$kid" != "edu#$thumb" ]; then
  echo "credential-key: the key's thumbprint gives kid edu#$thumb"
  exit 1
fi
checked=$((checked + 1))

load credential-vc
verify_jws credential-vc "$(field jws)"
checked=$((checked + 1))

load credential-sd
jws=$(field jws)
verify_jws credential-sd "$jws"
disclosure=$(field disclosure)
digest=$(printf '%s' "$disclosure" | sha256sum | cut -c1-64 | unhex | b64url_enc)
if [ "$digest" != "$(field digest)" ]; then
  echo "credential-sd: the disclosure's digest is $digest"
  exit 1
fi
IFS=. read -r _ body _ <<< "$jws"
printf '%s' "$body" | b64url_dec | grep -q "\"$digest\"" \
  || { echo "credential-sd: the digest is not in the signed _sd"; exit 1; }
printf '%s' "$disclosure" | b64url_dec | grep -q '"degree"' \
  || { echo "credential-sd: the disclosure does not name degree"; exit 1; }
checked=$((checked + 1))

load credential-status
encoded=$(field encoded_list)
[ "${encoded:0:1}" = "u" ] || { echo "credential-status: not multibase base64url (u)"; exit 1; }
printf '%s' "${encoded:1}" | b64url_dec | gzip -dc > "$tmp/bits.bin"
[ "$(wc -c < "$tmp/bits.bin")" -eq 16384 ] || { echo "credential-status: not 131072 bits"; exit 1; }
set_bits=""
while read -r offset byte; do  # every non-zero byte, bit 0 the most significant
  for b in 0 1 2 3 4 5 6 7; do
    if (( (byte >> (7 - b)) & 1 )); then set_bits="$set_bits $((10#$offset * 8 + b))"; fi
  done
done < <(od -A d -t u1 -v -w1 "$tmp/bits.bin" | awk 'NF == 2 && $2 != 0 { print $1, $2 }')
if [ "${set_bits# }" != "$(field set_bits)" ]; then
  echo "credential-status: the bits set are${set_bits}"
  exit 1
fi
checked=$((checked + 1))
echo "$checked vectors checked"
