#!/usr/bin/env bash
# Checks the test vectors of docs/wallet-requests.md with OpenSSL and coreutils alone: the
# signed bytes are built here from the documented layout, not by our Python, compared with
# the vector's `signed_bytes`, and each `signature` is verified with the certificate's key.
# Usage: tests/vectors/wallet_requests.sh [docs/wallet-requests.md]; exit 0 when all hold.
doc=${1:-docs/wallet-requests.md}
# shellcheck source=tests/vectors/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

fenced vector-certificate > "$tmp/cert.pem"
openssl x509 -in "$tmp/cert.pem" -pubkey -noout > "$tmp/pub.pem"

checked=0
for n in 1 2; do
  load "vector-$n"
  {
    printf 'trustledger/wallet-request/v1\0%s\0%s\0%s\0%s\0' \
      "$(field method)" "$(field target)" "$(field timestamp)" "$(field nonce)"
    printf '%s' "$(field body)" | openssl dgst -sha256 -binary
  } > "$tmp/signed.bin"
  built=$(hexof < "$tmp/signed.bin")
  if [ "$built" != "$(field signed_bytes)" ]; then
    echo "vector-$n: the documented layout gives other bytes than signed_bytes"
    exit 1
  fi
  field signature | openssl base64 -d -A > "$tmp/signature.der"
  openssl dgst -sha256 -verify "$tmp/pub.pem" -signature "$tmp/signature.der" "$tmp/signed.bin"
  checked=$((checked + 1))
done
echo "$checked vectors checked"
