// Checks the header vector of docs/proofs.md with Node.js alone (no package, no protobuf),
// with the proof code of the example agency client (examples/node-verify/proofs.mjs): the
// header bytes are built from the documented layout and the fields, hashed with
// SHA-256, compared with the vector's header_bytes and block_hash; the commit sign bytes are
// built from the chain id, view, height and that hash; each vote's Ed25519 signature is
// verified with its validator's key, and the valid votes must reach the quorum of the set.
// Usage: node tests/vectors/header_commit.mjs [docs/proofs.md]; exit 0 when all hold.
import { createPublicKey, verify } from "node:crypto";
import { readFileSync } from "node:fs";
import { commitSignBytes, headerBytes, quorumOf, blockHash as hashOf } from "../../examples/node-verify/proofs.mjs";

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
const hex = (s) => Buffer.from(s, "hex");

const fields = {
  chain_id: one("chain_id"),
  height: one("height"),
  prev_hash: hex(one("prev_hash")),
  tx_root: hex(one("tx_root")),
  state_root: hex(one("state_root")),
  results_root: hex(one("results_root")),
  proposer: one("proposer"),
  view: one("view"),
  time_ms: one("time_ms"),
};
const header = headerBytes(fields);
if (header.toString("hex") !== one("header_bytes")) fail("the layout gives other header bytes");
const blockHash = hashOf(fields);
if (blockHash.toString("hex") !== one("block_hash")) fail("the header bytes give another hash");

const signed = commitSignBytes(one("chain_id"), one("commit_view"), one("height"), blockHash);
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
const quorum = quorumOf(n);
if (voters.size < quorum) fail(`${voters.size} valid votes, quorum ${quorum}`);
console.log(`block ${one("height")} ${one("block_hash")}: ${voters.size} of ${n} votes verified`);
