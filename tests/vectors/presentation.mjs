// Checks the presentation vector of docs/presentations.md with Node.js alone (no package):
// the QR text is decoded (base64url after "TLP1."), the signed bytes are read with the
// documented layout and compared with the vector's fields, the holder's Ed25519 signature is
// verified, and each disclosed field's commitment is recomputed from its value and salt and
// compared with the commitment the chain holds (given in the vector).
// Usage: node tests/vectors/presentation.mjs [docs/presentations.md]; exit 0 when all hold.
import { createHash, createPublicKey, verify } from "node:crypto";
import { readFileSync } from "node:fs";

const doc = readFileSync(process.argv[2] ?? "docs/presentations.md", "utf8");
const block = doc.match(/```presentation-vector\n([\s\S]*?)```/);
if (!block) fail("no presentation-vector block");
const lines = block[1].trim().split("\n").map((l) => [l.slice(0, l.indexOf(": ")), l.slice(l.indexOf(": ") + 2)]);
const one = (name) => lines.find(([k]) => k === name)?.[1] ?? fail(`no ${name}`);
const fields = lines.filter(([k]) => k === "field").map(([, v]) => {
  const [name, salt, commitment, ...value] = v.split(" ");
  return { name, salt, commitment, value: value.join(" ") };
});

function fail(why) {
  console.log(`presentation-vector: ${why}`);
  process.exit(1);
}

const text = one("presentation");
if (!text.startsWith("TLP1.")) fail("the text does not start with TLP1.");
const raw = Buffer.from(text.slice(5), "base64url");
const signed = raw.subarray(0, raw.length - 64);
const signature = raw.subarray(raw.length - 64);

let at = 0;
const take = (n) => {
  if (at + n > signed.length) fail("the signed bytes end early");
  const out = signed.subarray(at, at + n);
  at += n;
  return out;
};
const num = (n) => Number(take(n).readUIntBE(0, n));
const u64 = () => take(8).readBigUInt64BE(0).toString();
const str = () => take(num(2)).toString("utf8");

if (take(27).toString() !== "trustledger/presentation/v1") fail("wrong domain");
const got = { cert_id: str(), cert_type: str(), verifier: str() };
got.nonce = take(16).toString("hex");
got.issued_at_ms = u64();
got.expires_at_ms = u64();
const count = num(1);
const shown = [];
for (let i = 0; i < count; i++) shown.push({ name: str(), value: str(), salt: take(32).toString("hex") });
const publicKey = take(32);
if (at !== signed.length) fail("bytes after the holder's key");

for (const name of ["cert_id", "cert_type", "verifier", "nonce", "issued_at_ms", "expires_at_ms"]) {
  if (got[name] !== one(name)) fail(`the signed bytes give another ${name}`);
}
if (publicKey.toString("hex") !== one("holder_public_key")) fail("another holder key");
const key = createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x: publicKey.toString("base64url") }, format: "jwk" });
if (!verify(null, signed, key, signature)) fail("bad holder signature");

const frame = (...parts) => Buffer.concat(parts.flatMap((p) => {
  const n = Buffer.alloc(4);
  n.writeUInt32BE(p.length);
  return [n, p];
}));
if (shown.length !== fields.length) fail("another number of fields");
shown.forEach((f, i) => {
  const expected = fields[i];
  if (f.name !== expected.name || f.value !== expected.value || f.salt !== expected.salt) {
    fail(`field ${i} differs from the vector`);
  }
  const commitment = createHash("sha256")
    .update(Buffer.concat([
      Buffer.from("trustledger/field\0"),
      frame(Buffer.from(got.cert_type), Buffer.from(f.name), Buffer.from(f.salt, "hex"), Buffer.from(f.value)),
    ]))
    .digest("hex");
  if (commitment !== expected.commitment) fail(`field ${f.name} does not match its commitment`);
});
console.log(`presentation of ${got.cert_id} by ${one("holder_public_key").slice(0, 8)}: signature and ${shown.length} fields verified`);
