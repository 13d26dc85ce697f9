// Checks the header vectors of docs/proofs.md (every ```header-vector… block: one per suite)
// with Node.js alone (no package, no protobuf), with the proof code of the example agency
// client (examples/node-verify/proofs.mjs): the header bytes are built from the documented
// layout and the fields, hashed with the block's suite's hash (SHA-256, or SM3 for a block
// saying `suite: sm2-sm3`), compared with the vector's header_bytes and block_hash; the commit
// sign bytes are built from the chain id, view, height and that hash; each vote's signature
// (Ed25519, or SM2 under the block's signer_id, checked by OpenSSL's command line) is
// verified with its validator's key, and the valid votes must reach the quorum of the set.
// Usage: node tests/vectors/header_commit.mjs [docs/proofs.md]; exit 0 when all hold.
import { readFileSync } from "node:fs";
import {
  ProofError,
  SM2_DEFAULT_SIGNER_ID,
  commitSignBytes,
  headerBytes,
  quorumOf,
  suiteOf,
  blockHash as hashOf,
} from "../../examples/node-verify/proofs.mjs";

const doc = readFileSync(process.argv[2] ?? "docs/proofs.md", "utf8");
const blocks = [...doc.matchAll(/```(header-vector[\w-]*)\n([\s\S]*?)```/g)];
if (blocks.length === 0) fail("header-vector", "no header-vector block");
const hex = (s) => Buffer.from(s, "hex");

function fail(name, why) {
  console.log(`${name}: ${why}`);
  process.exit(1);
}

function check(name, text) {
  const lines = text.trim().split("\n").map((l) => l.split(": "));
  const one = (key) => lines.find(([k]) => k === key)?.[1] ?? fail(name, `no ${key}`);
  const maybe = (key, otherwise) => lines.find(([k]) => k === key)?.[1] ?? otherwise;
  const all = (key) => lines.filter(([k]) => k === key).map(([, v]) => v.split(" "));
  const suite = suiteOf(maybe("suite", "ed25519-sha256"), maybe("signer_id", SM2_DEFAULT_SIGNER_ID));
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
  if (header.toString("hex") !== one("header_bytes")) fail(name, "the layout gives other header bytes");
  const blockHash = hashOf(fields, suite);
  if (blockHash.toString("hex") !== one("block_hash")) fail(name, "the header bytes give another hash");

  const signed = commitSignBytes(one("chain_id"), one("commit_view"), one("height"), blockHash);
  if (signed.toString("hex") !== one("commit_sign_bytes")) fail(name, "other commit sign bytes");

  const keys = new Map(all("validator").map(([id, key]) => [id, hex(key)]));
  for (const [id, key] of keys) {
    if (key.length !== suite.publicKeyBytes) fail(name, `${id}'s key is not a ${suite.name} key`);
  }
  const voters = new Set();
  for (const [id, signature] of all("vote")) {
    const key = keys.get(id) ?? fail(name, `vote from ${id}, not in the validator set`);
    if (voters.has(id)) fail(name, `a second vote from ${id}`);
    if (!suite.verify(key, signed, Buffer.from(signature, "base64"))) fail(name, `bad vote from ${id}`);
    voters.add(id);
  }
  const n = keys.size;
  const quorum = quorumOf(n);
  if (voters.size < quorum) fail(name, `${voters.size} valid votes, quorum ${quorum}`);
  console.log(`${suite.name} block ${one("height")} ${one("block_hash")}: ${voters.size} of ${n} votes verified`);
}

for (const [, name, text] of blocks) {
  try {
    check(name, text);
  } catch (err) {
    if (err instanceof ProofError) fail(name, err.message);
    throw err;
  }
}
