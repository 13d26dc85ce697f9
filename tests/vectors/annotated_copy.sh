#!/usr/bin/env bash
# Checks the test vectors of docs/annotated-copies.md with OpenSSL and coreutils alone: the
# signed bytes are built here from the documented layout, not by our Python (layout v2 when
# the vector has a purpose_code, v1 otherwise), compared with the vector's `signed`, the
# holder id is derived from the public key, and the Ed25519 signature is verified with the
# public key.
# Usage: tests/vectors/annotated_copy.sh [docs/annotated-copies.md]; exit 0 when all hold.
doc=${1:-docs/annotated-copies.md}
# shellcheck source=tests/vectors/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

checked=0
for n in 1 2 3 4; do
  load "annotation-$n"
  field holder_public_key | unhex > "$tmp/key.bin"
  [ "$(wc -c < "$tmp/key.bin")" -eq 32 ] || { echo "annotation-$n: key is not 32 bytes"; exit 1; }
  if grep -q '^purpose_code:' "$tmp/vector"; then
    code=$(field purpose_code)
    if ! [[ "$code" =~ ^[0-9]{3}$ ]]; then
      echo "annotation-$n: purpose_code $code is not 3 digits"
      exit 1
    fi
    {
      printf 'trustledger/annotated-copy/v2\0%s\0%s\0%s\0%s\0%s\0%s\0%s\0' \
        "$(field cert_id)" "$(field document_hash)" "$(field agency)" "$(field purpose)" \
        "$code" "$(field request_id)" "$(field expires_at_ms)"
      cat "$tmp/key.bin"
    } > "$tmp/built.bin"
  else
    {
      printf 'trustledger/annotated-copy/v1\0%s\0%s\0%s\0%s\0%s\0%s\0' \
        "$(field cert_id)" "$(field document_hash)" "$(field agency)" "$(field purpose)" \
        "$(field request_id)" "$(field expires_at_ms)"
      cat "$tmp/key.bin"
    } > "$tmp/built.bin"
  fi
  field signed | openssl base64 -d -A > "$tmp/signed.bin"
  if ! cmp -s "$tmp/built.bin" "$tmp/signed.bin"; then
    echo "annotation-$n: the documented layout gives other bytes than signed"
    exit 1
  fi
  holder="hd$({ printf 'trustledger/holder\0'; cat "$tmp/key.bin"; } | sha256sum | cut -c1-40)"
  if [ "$holder" != "$(field holder)" ]; then
    echo "annotation-$n: the public key gives holder $holder, not $(field holder)"
    exit 1
  fi
  ed25519_pem "$tmp/pub.pem" < "$tmp/key.bin"
  field signature | openssl base64 -d -A > "$tmp/signature.bin"
  openssl pkeyutl -verify -pubin -inkey "$tmp/pub.pem" -rawin -in "$tmp/signed.bin" \
    -sigfile "$tmp/signature.bin"
  checked=$((checked + 1))
done
echo "$checked vectors checked"
