// Checks the presentation vectors of docs/presentations.md with Node.js alone (no package),
// and OpenSSL's command line for SM2 (Node cannot pass SM2's signer id): each QR text is
// decoded (base64url after "TLP1." or "TLP2."), its signed bytes are read with the documented
// layout and compared with the vector's fields, the holder's signature is verified (Ed25519
// by Node; SM2 by `openssl pkeyutl -verify -digest sm3 -pkeyopt distid:1234567812345678`),
// the holder id is recomputed when the vector gives one, and each disclosed field's
// commitment is recomputed from its value and salt with the suite's hash (SHA-256 or SM3)
// and compared with the commitment the chain holds (given in the vector).
// Blocks: `presentation-vector` (TLP1, ed25519-sha256), `presentation-vector-sm` (TLP2,
// sm2-sm3). Usage: node tests/vectors/presentation.mjs [docs/presentations.md]; exit 0 when
// every block holds.
import { execFileSync } from "node:child_process";
import { createHash, createPublicKey, verify } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const doc = readFileSync(process.argv[2] ?? "docs/presentations.md", "utf8");
let name = "presentation-vector";

function fail(why) {
  console.log(`${name}: ${why}`);
  process.exit(1);
}

// What each layout is: its prefix, its domain, whether its signed bytes name the suite.
const LAYOUTS = {
  "TLP1.": { domain: "trustledger/presentation/v1", suite: "ed25519-sha256" },
  "TLP2.": { domain: "trustledger/presentation/v2", suite: null },
};
// What each suite is: key length, hash, how its signature is verified.
const SUITES = {
  "ed25519-sha256": { keyBytes: 32, hash: "sha256", verify: verifyEd25519 },
  "sm2-sm3": { keyBytes: 65, hash: "sm3", verify: verifySm2 },
};
const SM2_SIGNER_ID = "1234567812345678";
// SubjectPublicKeyInfo prefix: id-ecPublicKey with the SM2 curve (1.2.156.10197.1.301).
const SM2_SPKI = Buffer.from("3059301306072a8648ce3d020106082a811ccf5501822d034200", "hex");

function verifyEd25519(publicKey, signed, signature) {
  const key = createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x: publicKey.toString("base64url") }, format: "jwk" });
  return verify(null, signed, key, signature);
}

function derInteger(bytes) {
  let i = 0;
  while (i < bytes.length - 1 && bytes[i] === 0) i++;
  let body = bytes.subarray(i);
  if (body[0] & 0x80) body = Buffer.concat([Buffer.from([0]), body]);
  return Buffer.concat([Buffer.from([0x02, body.length]), body]);
}

function verifySm2(publicKey, signed, signature) {
  const dir = mkdtempSync(join(tmpdir(), "tlp2-"));
  try {
    const body = Buffer.concat([derInteger(signature.subarray(0, 32)), derInteger(signature.subarray(32))]);
    writeFileSync(join(dir, "key.der"), Buffer.concat([SM2_SPKI, publicKey]));
    writeFileSync(join(dir, "signed.bin"), signed);
    writeFileSync(join(dir, "signature.der"), Buffer.concat([Buffer.from([0x30, body.length]), body]));
    execFileSync("openssl", [
      "pkeyutl", "-verify", "-pubin", "-keyform", "DER", "-inkey", join(dir, "key.der"),
      "-rawin", "-in", join(dir, "signed.bin"), "-sigfile", join(dir, "signature.der"),
      "-digest", "sm3", "-pkeyopt", `distid:${SM2_SIGNER_ID}`,
    ], { stdio: "pipe" });
    return true;
  } catch {
    return false;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const frame = (...parts) => Buffer.concat(parts.flatMap((p) => {
  const n = Buffer.alloc(4);
  n.writeUInt32BE(p.length);
  return [n, p];
}));

function check(blockName) {
  name = blockName;
  const block = doc.match(new RegExp("```" + blockName + "\\n([\\s\\S]*?)```"));
  if (!block) fail("no block");
  const lines = block[1].trim().split("\n").map((l) => [l.slice(0, l.indexOf(": ")), l.slice(l.indexOf(": ") + 2)]);
  const one = (key) => lines.find(([k]) => k === key)?.[1] ?? fail(`no ${key}`);
  const fields = lines.filter(([k]) => k === "field").map(([, v]) => {
    const [fieldName, salt, commitment, ...value] = v.split(" ");
    return { name: fieldName, salt, commitment, value: value.join(" ") };
  });

  const text = one("presentation");
  const layout = LAYOUTS[text.slice(0, 5)] ?? fail("the text starts with neither TLP1. nor TLP2.");
  const raw = Buffer.from(text.slice(5), "base64url");
  let at = 0;
  const take = (n) => {
    if (at + n > raw.length) fail("the signed bytes end early");
    const out = raw.subarray(at, at + n);
    at += n;
    return out;
  };
  const num = (n) => Number(take(n).readUIntBE(0, n));
  const u64 = () => take(8).readBigUInt64BE(0).toString();
  const str = () => take(num(2)).toString("utf8");

  if (take(layout.domain.length).toString() !== layout.domain) fail("wrong domain");
  const suiteName = layout.suite ?? str();
  const suite = SUITES[suiteName] ?? fail(`unknown suite ${suiteName}`);
  if (layout.suite === null && suiteName === "ed25519-sha256") fail("TLP2 names ed25519-sha256, whose layout is TLP1");
  if (lines.some(([k]) => k === "suite") && one("suite") !== suiteName) fail("the signed bytes name another suite");
  const got = { cert_id: str(), cert_type: str(), verifier: str() };
  got.nonce = take(16).toString("hex");
  got.issued_at_ms = u64();
  got.expires_at_ms = u64();
  const count = num(1);
  const shown = [];
  for (let i = 0; i < count; i++) shown.push({ name: str(), value: str(), salt: take(32).toString("hex") });
  const publicKey = take(suite.keyBytes);
  const signed = raw.subarray(0, at);
  const signature = raw.subarray(at);
  if (signature.length !== 64) fail("the signature is not 64 bytes after the holder's key");

  for (const key of ["cert_id", "cert_type", "verifier", "nonce", "issued_at_ms", "expires_at_ms"]) {
    if (got[key] !== one(key)) fail(`the signed bytes give another ${key}`);
  }
  if (publicKey.toString("hex") !== one("holder_public_key")) fail("another holder key");
  if (!suite.verify(publicKey, signed, signature)) fail("bad holder signature");
  const hash = (...parts) => createHash(suite.hash).update(Buffer.concat(parts)).digest("hex");
  if (lines.some(([k]) => k === "holder")) {
    const holder = "hd" + hash(Buffer.from("trustledger/holder\0"), publicKey).slice(0, 40);
    if (holder !== one("holder")) fail(`the holder key gives holder id ${holder}`);
  }

  if (shown.length !== fields.length) fail("another number of fields");
  shown.forEach((f, i) => {
    const expected = fields[i];
    if (f.name !== expected.name || f.value !== expected.value || f.salt !== expected.salt) {
      fail(`field ${i} differs from the vector`);
    }
    const commitment = hash(
      Buffer.from("trustledger/field\0"),
      frame(Buffer.from(got.cert_type), Buffer.from(f.name), Buffer.from(f.salt, "hex"), Buffer.from(f.value)),
    );
    if (commitment !== expected.commitment) fail(`field ${f.name} does not match its commitment`);
  });
  console.log(`${blockName}: ${suiteName} presentation of ${got.cert_id} by ${one("holder_public_key").slice(0, 8)}: signature and ${shown.length} fields verified`);
}

check("presentation-vector");
check("presentation-vector-sm");
