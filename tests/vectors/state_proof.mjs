// Checks the state-proof vectors of docs/proofs.md (every ```state-proof-vector… block: one
// per suite, SHA-256 or, for a block saying `suite: sm2-sm3`, SM3) with Node.js alone (no
// package), with the proof code of the example agency client
// (examples/node-verify/proofs.mjs): the inclusion proof must show the key's value under the
// state root, the exclusion proof the absent key, and the same two as entries of a batch
// (with its table of shared hashes).
// Usage: node tests/vectors/state_proof.mjs [docs/proofs.md]; exit 0 when all hold.
import { readFileSync } from "node:fs";
import { ProofError, checkBatchEntry, checkStateProof, suiteOf } from "../../examples/node-verify/proofs.mjs";

const doc = readFileSync(process.argv[2] ?? "docs/proofs.md", "utf8");
const blocks = [...doc.matchAll(/```(state-proof-vector[\w-]*)\n([\s\S]*?)```/g)];
if (blocks.length === 0) fail("state-proof-vector", "no state-proof-vector block");

function fail(name, why) {
  console.log(`${name}: ${why}`);
  process.exit(1);
}

function check(name, text) {
  const lines = text.trim().split("\n").map((l) => [l.slice(0, l.indexOf(": ")), l.slice(l.indexOf(": ") + 2)]);
  const one = (key) => lines.find(([k]) => k === key)?.[1] ?? fail(name, `no ${key}`);
  const suite = suiteOf(lines.find(([k]) => k === "suite")?.[1] ?? "ed25519-sha256");
  const root = Buffer.from(one("state_root"), "hex");
  const key = Buffer.from(one("key"));
  const absentKey = Buffer.from(one("absent_key"));
  const value = checkStateProof(root, key, Buffer.from(one("value")), Buffer.from(one("inclusion_proof"), "hex"), suite);
  const absent = checkStateProof(root, absentKey, null, Buffer.from(one("exclusion_proof"), "hex"), suite);
  if (value === null || absent !== null) fail(name, "the proofs say the opposite");
  const nodes = lines.filter(([k]) => k === "batch_node").map(([, v]) => Buffer.from(v, "hex"));
  const inBatch = checkBatchEntry(root, key, Buffer.from(one("value")), Buffer.from(one("batch_inclusion"), "hex"), nodes, suite);
  const absentInBatch = checkBatchEntry(root, absentKey, null, Buffer.from(one("batch_exclusion"), "hex"), nodes, suite);
  if (inBatch === null || absentInBatch !== null) fail(name, "the batch proofs say the opposite");
  console.log(`${suite.name} state root ${one("state_root").slice(0, 8)}: inclusion and exclusion verified, single and batched`);
}

for (const [, name, text] of blocks) {
  try {
    check(name, text);
  } catch (err) {
    if (err instanceof ProofError) fail(name, err.message);
    throw err;
  }
}
