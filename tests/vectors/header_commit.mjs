// Checks the header vector of docs/proofs.md with Node.js alone (no package, no protobuf):
// the header bytes are built here from the documented layout and the fields, hashed with
// SHA-256, compared with the vector's header_bytes and block_hash; the commit sign bytes are
// built from the chain id, view, height and that hash; each vote's Ed25519 signature is
// verified with its validator's key, and the valid votes must reach the quorum of the set.
// Usage: node tests/vectors/header_commit.mjs [docs/proofs.md]; exit 0 when all hold.
import { createHash, createPublicKey, verify } from "node:crypto";
import { readFileSync } from "node:fs";

const doc = readFileSync(process.argv[2] ?? "docs/proofs.md", "utf8");
const block = doc.match(/```header-vector\n([\s\S]*?)```/);
if (!block) fail("no header-vector block");
const lines = block[1].trim().split("\n").map((l) => l.split(": "));
const one = (name) => lines.find(([k]) => k === name)?.[1] ?? fail(`no ${name}`);
const all = (name) => lines.filter(([k]) => k === name).map(([, v]) => v.split(" "));

function fail(why) {
  console.log(`header-vector: ${why}`);
  process.exit(1);
}
const u16 = (n) => Buffer.from([n >> 8, n & 0xff]);
const sized = (bytes) => Buffer.concat([u16(bytes.length), bytes]);
const u64 = (n) => { const b = Buffer.alloc(8); b.writeBigUInt64BE(BigInt(n)); return b; };
const i64 = (n) => { const b = Buffer.alloc(8); b.writeBigInt64BE(BigInt(n)); return b; };
const hex = (s) => Buffer.from(s, "hex");
const utf8 = (s) => Buffer.from(s, "utf8");

const header = Buffer.concat([
  utf8("trustledger/header/v2\0"),
  sized(utf8(one("chain_id"))),
  u64(one("height")),
  sized(hex(one("prev_hash"))),
  sized(hex(one("tx_root"))),
  sized(hex(one("state_root"))),
  sized(hex(one("results_root"))),
  sized(utf8(one("proposer"))),
  u64(one("view")),
  i64(one("time_ms")),
]);
if (header.toString("hex") !== one("header_bytes")) fail("the layout gives other header bytes");
const blockHash = createHash("sha256").update(header).digest();
if (blockHash.toString("hex") !== one("block_hash")) fail("the header bytes give another hash");

const signed = Buffer.concat([
  utf8("trustledger/v1/commit\0"),
  sized(utf8(one("chain_id"))),
  u64(one("commit_view")),
  u64(one("height")),
  blockHash,
]);
if (signed.toString("hex") !== one("commit_sign_bytes")) fail("other commit sign bytes");

const keys = new Map(all("validator").map(([id, key]) => [id, hex(key)]));
const voters = new Set();
for (const [id, signature] of all("vote")) {
  const raw = keys.get(id) ?? fail(`vote from ${id}, not in the validator set`);
  const key = createPublicKey({
    key: { kty: "OKP", crv: "Ed25519", x: raw.toString("base64url") },
    format: "jwk",
  });
  if (!verify(null, signed, key, Buffer.from(signature, "base64"))) fail(`bad vote from ${id}`);
  voters.add(id);
}
const n = keys.size;
const quorum = n - Math.floor((n - 1) / 3);
if (voters.size < quorum) fail(`${voters.size} valid votes, quorum ${quorum}`);
console.log(`block ${one("height")} ${one("block_hash")}: ${voters.size} of ${n} votes verified`);
