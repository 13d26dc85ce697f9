// What an agency checks without trusting the node, with Node.js's own crypto only: the block
// hash of a header (docs/proofs.md), the commit certificate's votes against a validator set,
// and a state proof of one key under the header's state root (node/chain/stateproof.py).
// Used by verify.mjs and by tests/vectors/header_commit.mjs (which checks docs/proofs.md's
// vector with it).
import { createHash, createPublicKey, verify } from "node:crypto";

const sha256 = (...parts) => {
  const h = createHash("sha256");
  for (const p of parts) h.update(p);
  return h.digest();
};
const u16 = (n) => Buffer.from([n >> 8, n & 0xff]);
const u32 = (n) => { const b = Buffer.alloc(4); b.writeUInt32BE(n); return b; };
const u64 = (n) => { const b = Buffer.alloc(8); b.writeBigUInt64BE(BigInt(n)); return b; };
const i64 = (n) => { const b = Buffer.alloc(8); b.writeBigInt64BE(BigInt(n)); return b; };
const sized = (bytes) => Buffer.concat([u16(bytes.length), bytes]);
const utf8 = (s) => Buffer.from(s, "utf8");

export class ProofError extends Error {}

/** The header bytes of docs/proofs.md ("trustledger/header/v2"), from the header's fields. */
export function headerBytes(h) {
  return Buffer.concat([
    utf8("trustledger/header/v2\0"),
    sized(utf8(h.chain_id)),
    u64(h.height),
    sized(Buffer.from(h.prev_hash)),
    sized(Buffer.from(h.tx_root)),
    sized(Buffer.from(h.state_root)),
    sized(Buffer.from(h.results_root)),
    sized(utf8(h.proposer)),
    u64(h.view),
    i64(h.time_ms),
  ]);
}

export const blockHash = (header) => sha256(headerBytes(header));

export function commitSignBytes(chainId, view, height, hash) {
  return Buffer.concat([utf8("trustledger/v1/commit\0"), sized(utf8(chainId)), u64(view), u64(height), hash]);
}

export const quorumOf = (n) => n - Math.floor((n - 1) / 3);

/** Check that `commit` certifies `header` under `validators` (Map id -> 32-byte key):
 * the block hash, then a quorum of distinct members' valid Ed25519 votes. */
export function checkCommit(header, commit, validators) {
  const hash = blockHash(header);
  if (!hash.equals(Buffer.from(commit.block_hash))) throw new ProofError("the commit certifies another block");
  if (BigInt(commit.height) !== BigInt(header.height)) throw new ProofError("the commit is for another height");
  const signed = commitSignBytes(header.chain_id, commit.view, commit.height, hash);
  const voters = new Set();
  for (const vote of commit.votes) {
    const raw = validators.get(vote.validator);
    if (!raw) throw new ProofError(`vote from ${vote.validator}, not in the validator set`);
    const key = createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x: raw.toString("base64url") }, format: "jwk" });
    if (!verify(null, signed, key, Buffer.from(vote.signature))) throw new ProofError(`bad vote from ${vote.validator}`);
    voters.add(vote.validator);
  }
  const quorum = quorumOf(validators.size);
  if (voters.size < quorum) throw new ProofError(`${voters.size} valid votes, quorum ${quorum}`);
  return { hash, voters: voters.size };
}

const bit = (hash, i) => (hash[i >> 3] >> (7 - (i & 7))) & 1;

/** The value a state proof shows for `key` under `root`: a Buffer, or null if proven absent.
 * The proof layout is node/chain/stateproof.py's `encode_proof`. */
export function checkStateProof(root, key, value, proofBytes) {
  const p = Buffer.from(proofBytes);
  if (p.length < 2 || p[0] !== 1) throw new ProofError("unknown proof format");
  const kind = p[1];
  const keyHash = sha256(key);
  if (kind === 0) {
    if (p.length !== 2 || value !== null || !Buffer.from(root).equals(Buffer.alloc(32))) throw new ProofError("bad empty proof");
    return null;
  }
  let at = 2;
  let leafKeyHash = keyHash;
  if (kind === 2) { leafKeyHash = p.subarray(at, at + 32); at += 32; }
  else if (kind !== 1) throw new ProofError("unknown proof kind");
  const valueHash = p.subarray(at, at + 32);
  at += 32;
  const count = p.readUInt16BE(at);
  at += 2;
  if (p.length !== at + 33 * count) throw new ProofError("proof length does not match its siblings");
  const siblings = [];
  for (let i = 0; i < count; i++, at += 33) siblings.push([p[at], p.subarray(at + 1, at + 33)]);
  siblings.forEach(([b], i) => { if (i > 0 && b <= siblings[i - 1][0]) throw new ProofError("split bits must increase"); });
  if (kind === 1) {
    if (value === null) throw new ProofError("an inclusion proof for an absent value");
    const expected = sha256(utf8("trustledger/v1/state-value\0"), u32(key.length), key, value);
    if (!expected.equals(valueHash)) throw new ProofError("the value does not match the proof");
  } else {
    if (value !== null || leafKeyHash.equals(keyHash)) throw new ProofError("bad exclusion proof");
    if (siblings.some(([b]) => bit(leafKeyHash, b) !== bit(keyHash, b))) throw new ProofError("the other leaf is off the key's path");
  }
  let node = sha256(utf8("trustledger/v1/state-leaf\0"), leafKeyHash, valueHash);
  for (const [b, sibling] of siblings.reverse()) {
    const [left, right] = bit(keyHash, b) ? [sibling, node] : [node, sibling];
    node = sha256(utf8("trustledger/v1/state-node\0"), Buffer.from([b]), left, right);
  }
  if (!node.equals(Buffer.from(root))) throw new ProofError("the proof does not lead to the state root");
  return value;
}

/** A batch entry (node/chain/batchproof.py: siblings as indexes into the batch's table of
 * hashes; an inclusion's value hash left out) checked as the single proof it stands for. */
export function checkBatchEntry(root, key, value, entryBytes, nodes) {
  const e = Buffer.from(entryBytes);
  if (e.length < 2 || e[0] !== 1) throw new ProofError("unknown batch proof format");
  const kind = e[1];
  if (kind === 0) return checkStateProof(root, key, value, e);
  let at = 2;
  const head = [Buffer.from([1, kind])];
  if (kind === 2) { head.push(e.subarray(2, 66)); at = 66; }
  else if (kind === 1) {
    if (value === null) throw new ProofError("an inclusion proof for an absent value");
    head.push(sha256(utf8("trustledger/v1/state-value\0"), u32(key.length), key, value));
  } else throw new ProofError("unknown proof kind");
  if (e.length < at + 2) throw new ProofError("batch proof is truncated");
  const count = e.readUInt16BE(at);
  at += 2;
  if (e.length !== at + 5 * count) throw new ProofError("batch proof length does not match its siblings");
  const siblings = [];
  for (let i = 0; i < count; i++, at += 5) {
    const index = e.readUInt32BE(at + 1);
    if (index >= nodes.length || nodes[index].length !== 32) throw new ProofError(`sibling ${index} is not in the table`);
    siblings.push(Buffer.from([e[at]]), Buffer.from(nodes[index]));
  }
  return checkStateProof(root, key, value, Buffer.concat([...head, u16(count), ...siblings]));
}
