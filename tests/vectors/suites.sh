#!/usr/bin/env bash
# Checks the test vectors of docs/sm-suite.md ("The suite object") with OpenSSL and coreutils
# alone, from the documented layouts, not by our Python:
# - suite-hash-N: SM3 (`openssl dgst -sm3`) and SHA-256 (sha256sum) of the message;
# - suite-sm2-signature-N: the 65-byte public key put in a SubjectPublicKeyInfo, r || s put
#   in DER, verified by `openssl pkeyutl -verify -rawin -digest sm3 -pkeyopt distid:ID`;
# - suite-ed25519-signature: verified by `openssl pkeyutl -verify -rawin`;
# - suite-sm2-sealed: the public key derived from the private key by OpenSSL; C1 || C3 || C2
#   put in GM/T 0009 DER and decrypted by `openssl pkeyutl -decrypt` (the SM4 key); the body
#   decrypted with SM4-CTR from GCM's first counter block (nonce || 00000002). OpenSSL 3.0's
#   command line has no SM4-GCM, so the tag is left to the Python test.
# Usage: tests/vectors/suites.sh [docs/sm-suite.md]; exit 0 when all hold.
doc=${1:-docs/sm-suite.md}
# shellcheck source=tests/vectors/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
der_int() {  # 32-byte big-endian hex -> a DER INTEGER (minimal, 00 before a high bit)
  local h=$1
  while [ ${#h} -gt 2 ] && [ "${h:0:2}" = "00" ]; do h=${h:2}; done
  if [ $((16#${h:0:1})) -ge 8 ]; then h="00$h"; fi
  printf '02%02x%s' $((${#h} / 2)) "$h"
}
der_seq() {  # hex body (< 128 bytes) -> a DER SEQUENCE
  [ $((${#1} / 2)) -lt 128 ] || { echo "DER body too long"; exit 1; }
  printf '30%02x%s' $((${#1} / 2)) "$1"
}
hex_field() { field "$1" | tr 'A-F' 'a-f'; }  # the loaded vector's hex $1, lowercase
# The SubjectPublicKeyInfo prefix of id-ecPublicKey with the SM2 curve (1.2.156.10197.1.301).
SM2_SPKI=3059301306072a8648ce3d020106082a811ccf5501822d034200

checked=0
for n in 1 2 3; do
  load "suite-hash-$n"
  hex_field message_hex | unhex > "$tmp/message.bin"
  sm3=$(openssl dgst -sm3 -binary < "$tmp/message.bin" | hexof)
  [ "$sm3" = "$(hex_field sm3)" ] || { echo "suite-hash-$n: SM3 gives $sm3"; exit 1; }
  sha=$(sha256sum < "$tmp/message.bin" | cut -c1-64)
  [ "$sha" = "$(hex_field sha256)" ] || { echo "suite-hash-$n: SHA-256 gives $sha"; exit 1; }
  checked=$((checked + 1))
done

for n in 1 2; do
  load "suite-sm2-signature-$n"
  key=$(hex_field public_key)
  [ ${#key} -eq 130 ] && [ "${key:0:2}" = "04" ] || { echo "suite-sm2-signature-$n: the public key is not 04 || x || y"; exit 1; }
  printf '%s%s' "$SM2_SPKI" "$key" | unhex > "$tmp/pub.der"
  openssl pkey -pubin -inform DER -in "$tmp/pub.der" -out "$tmp/pub.pem"
  sig=$(hex_field signature)
  [ ${#sig} -eq 128 ] || { echo "suite-sm2-signature-$n: the signature is not r || s, 64 bytes"; exit 1; }
  der_seq "$(der_int "${sig:0:64}")$(der_int "${sig:64:64}")" | unhex > "$tmp/signature.der"
  hex_field message_hex | unhex > "$tmp/message.bin"
  openssl pkeyutl -verify -pubin -inkey "$tmp/pub.pem" -rawin -in "$tmp/message.bin" \
    -sigfile "$tmp/signature.der" -digest sm3 -pkeyopt "distid:$(field signer_id)"
  checked=$((checked + 1))
done

load suite-ed25519-signature
hex_field public_key | unhex | ed25519_pem "$tmp/pub.pem"
hex_field signature | unhex > "$tmp/signature.bin"
hex_field message_hex | unhex > "$tmp/message.bin"
openssl pkeyutl -verify -pubin -inkey "$tmp/pub.pem" -rawin -in "$tmp/message.bin" \
  -sigfile "$tmp/signature.bin"
checked=$((checked + 1))

load suite-sm2-sealed
# ECPrivateKey (RFC 5915) with the SM2 curve: version 1, d, the curve's OID.
printf '30310201010420%sa00a06082a811ccf5501822d' "$(hex_field private_key)" | unhex > "$tmp/key.der"
openssl pkey -inform DER -in "$tmp/key.der" -out "$tmp/key.pem"
derived=$(openssl pkey -in "$tmp/key.pem" -pubout -outform DER | hexof)
if [ "${derived: -130}" != "$(hex_field public_key)" ]; then
  echo "suite-sm2-sealed: the private key gives public key ${derived: -130}"
  exit 1
fi
sealed=$(hex_field sealed)
[ "${sealed:0:2}" = "04" ] || { echo "suite-sm2-sealed: C1 does not start with 04"; exit 1; }
c1x=${sealed:2:64} c1y=${sealed:66:64} c3=${sealed:130:64} c2=${sealed:194:32}
nonce=${sealed:226:24}
body=${sealed:250:$((${#sealed} - 250 - 32))}
der_seq "$(der_int "$c1x")$(der_int "$c1y")0420${c3}0410${c2}" | unhex > "$tmp/key-ciphertext.der"
sm4_key=$(openssl pkeyutl -decrypt -inkey "$tmp/key.pem" -in "$tmp/key-ciphertext.der" | hexof)
[ ${#sm4_key} -eq 32 ] || { echo "suite-sm2-sealed: the sealed key is not 16 bytes"; exit 1; }
plaintext=$(printf '%s' "$body" | unhex |
  openssl enc -d -sm4-ctr -K "$sm4_key" -iv "${nonce}00000002" | hexof)
if [ "$plaintext" != "$(hex_field plaintext_hex)" ]; then
  echo "suite-sm2-sealed: the body decrypts to other bytes than plaintext_hex"
  exit 1
fi
echo "suite-sm2-sealed: SM2 opens the SM4 key, SM4-CTR the body"
checked=$((checked + 1))
echo "$checked vectors checked"
