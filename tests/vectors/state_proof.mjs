// Checks the state-proof vector of docs/proofs.md with Node.js alone (no package), with the
// proof code of the example agency client (examples/node-verify/proofs.mjs): the inclusion
// proof must show the key's value under the state root, the exclusion proof the absent key,
// and the same two as entries of a batch (with its table of shared hashes).
// Usage: node tests/vectors/state_proof.mjs [docs/proofs.md]; exit 0 when both hold.
import { readFileSync } from "node:fs";
import { ProofError, checkBatchEntry, checkStateProof } from "../../examples/node-verify/proofs.mjs";

const doc = readFileSync(process.argv[2] ?? "docs/proofs.md", "utf8");
const block = doc.match(/```state-proof-vector\n([\s\S]*?)```/);
if (!block) fail("no state-proof-vector block");
const lines = block[1].trim().split("\n").map((l) => [l.slice(0, l.indexOf(": ")), l.slice(l.indexOf(": ") + 2)]);
const one = (name) => lines.find(([k]) => k === name)?.[1] ?? fail(`no ${name}`);

function fail(why) {
  console.log(`state-proof-vector: ${why}`);
  process.exit(1);
}

const root = Buffer.from(one("state_root"), "hex");
try {
  const value = checkStateProof(root, Buffer.from(one("key")), Buffer.from(one("value")), Buffer.from(one("inclusion_proof"), "hex"));
  const absent = checkStateProof(root, Buffer.from(one("absent_key")), null, Buffer.from(one("exclusion_proof"), "hex"));
  if (value === null || absent !== null) fail("the proofs say the opposite");
  const nodes = lines.filter(([k]) => k === "batch_node").map(([, v]) => Buffer.from(v, "hex"));
  const inBatch = checkBatchEntry(root, Buffer.from(one("key")), Buffer.from(one("value")), Buffer.from(one("batch_inclusion"), "hex"), nodes);
  const absentInBatch = checkBatchEntry(root, Buffer.from(one("absent_key")), null, Buffer.from(one("batch_exclusion"), "hex"), nodes);
  if (inBatch === null || absentInBatch !== null) fail("the batch proofs say the opposite");
} catch (err) {
  if (err instanceof ProofError) fail(err.message);
  throw err;
}
console.log(`state root ${one("state_root").slice(0, 8)}: inclusion and exclusion verified, single and batched`);
