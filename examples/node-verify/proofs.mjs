// What an agency checks without trusting the node, with Node.js's own crypto only: the block
// hash of a header (docs/proofs.md), the commit certificate's votes against a validator set,
// and a state proof of one key under the header's state root (node/chain/stateproof.py), in
// the chain's crypto suite (the genesis field `suite`, docs/sm-suite.md): `ed25519-sha256`
// (SHA-256, Ed25519) or `sm2-sm3` (SM3, SM2 with a signer id). Node's crypto hashes SM3 when
// its OpenSSL has it, but cannot give SM2 a signer id (distinguishing id), so an SM2 vote is
// verified by OpenSSL's command line, as tests/vectors/suites.sh does:
// `openssl pkeyutl -verify -rawin -digest sm3 -pkeyopt distid:ID` (one process per vote).
// Used by verify.mjs and by tests/vectors/header_commit.mjs and state_proof.mjs (which check
// docs/proofs.md's vectors with it).
import { spawnSync } from "node:child_process";
import { createHash, createPublicKey, getHashes, verify } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const u16 = (n) => Buffer.from([n >> 8, n & 0xff]);
const u32 = (n) => { const b = Buffer.alloc(4); b.writeUInt32BE(n); return b; };
const u64 = (n) => { const b = Buffer.alloc(8); b.writeBigUInt64BE(BigInt(n)); return b; };
const i64 = (n) => { const b = Buffer.alloc(8); b.writeBigInt64BE(BigInt(n)); return b; };
const sized = (bytes) => Buffer.concat([u16(bytes.length), bytes]);
const utf8 = (s) => Buffer.from(s, "utf8");

export class ProofError extends Error {}

const hasher = (name) => {
  if (!getHashes().includes(name)) throw new ProofError(`this Node's OpenSSL has no ${name}`);
  return (...parts) => {
    const h = createHash(name);
    for (const p of parts) h.update(p);
    return h.digest();
  };
};

function verifyEd25519(publicKey, message, signature) {
  if (publicKey.length !== 32 || signature.length !== 64) return false;
  const key = createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x: publicKey.toString("base64url") }, format: "jwk" });
  return verify(null, message, key, signature);
}

// SubjectPublicKeyInfo of an SM2 key: id-ecPublicKey with the SM2 curve (1.2.156.10197.1.301).
const SM2_SPKI = Buffer.from("3059301306072a8648ce3d020106082a811ccf5501822d034200", "hex");
export const SM2_DEFAULT_SIGNER_ID = "1234567812345678";

/** A 32-byte big-endian integer as a DER INTEGER (minimal, 00 before a high bit). */
function derInteger(bytes) {
  let at = 0;
  while (at < bytes.length - 1 && bytes[at] === 0) at++;
  const body = bytes[at] & 0x80 ? Buffer.concat([Buffer.from([0]), bytes.subarray(at)]) : bytes.subarray(at);
  return Buffer.concat([Buffer.from([0x02, body.length]), body]);
}

/** SM2 (GB/T 32918.2: Z from the signer id, then SM3) of `message` under a 65-byte
 * `04 || x || y` key, the signature raw `r || s`: OpenSSL's command line verifies it. */
function verifySm2(signerId, publicKey, message, signature) {
  if (publicKey.length !== 65 || publicKey[0] !== 4 || signature.length !== 64) return false;
  const body = Buffer.concat([derInteger(signature.subarray(0, 32)), derInteger(signature.subarray(32))]);
  const dir = mkdtempSync(join(tmpdir(), "tl-sm2-"));
  try {
    writeFileSync(join(dir, "key.der"), Buffer.concat([SM2_SPKI, publicKey]));
    writeFileSync(join(dir, "signature.der"), Buffer.concat([Buffer.from([0x30, body.length]), body]));
    writeFileSync(join(dir, "message"), message);
    const run = spawnSync("openssl", [
      "pkeyutl", "-verify", "-pubin", "-keyform", "DER", "-inkey", join(dir, "key.der"),
      "-rawin", "-in", join(dir, "message"), "-sigfile", join(dir, "signature.der"),
      "-digest", "sm3", "-pkeyopt", `distid:${signerId}`,
    ], { encoding: "utf8" });
    if (run.error) throw new ProofError(`SM2 votes are checked with the openssl command: ${run.error.message}`);
    return run.status === 0;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The suite called `name` (a genesis's `suite`; none = `ed25519-sha256`): its hash, its
 * public key length and its signature check. `signerId` is SM2's (GM/T 0009's default). */
export function suiteOf(name = "ed25519-sha256", signerId = SM2_DEFAULT_SIGNER_ID) {
  if (name === "ed25519-sha256") return { name, hash: hasher("sha256"), publicKeyBytes: 32, verify: verifyEd25519 };
  if (name === "sm2-sm3") {
    return { name, hash: hasher("sm3"), publicKeyBytes: 65, verify: (k, m, s) => verifySm2(signerId, k, m, s) };
  }
  throw new ProofError(`unknown suite ${name}: ed25519-sha256 or sm2-sm3`);
}

const ED25519_SHA256 = suiteOf("ed25519-sha256");

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

/** The block hash: the chain's suite's hash (SHA-256 or SM3) of the header bytes. */
export const blockHash = (header, suite = ED25519_SHA256) => suite.hash(headerBytes(header));

export function commitSignBytes(chainId, view, height, hash) {
  return Buffer.concat([utf8("trustledger/v1/commit\0"), sized(utf8(chainId)), u64(view), u64(height), hash]);
}

export const quorumOf = (n) => n - Math.floor((n - 1) / 3);

/** Check that `commit` certifies `header` under `validators` (Map id -> public key) of a
 * chain of `suite`: the block hash, then a quorum of distinct members' valid votes. */
export function checkCommit(header, commit, validators, suite = ED25519_SHA256) {
  const hash = blockHash(header, suite);
  if (!hash.equals(Buffer.from(commit.block_hash))) throw new ProofError("the commit certifies another block");
  if (BigInt(commit.height) !== BigInt(header.height)) throw new ProofError("the commit is for another height");
  const signed = commitSignBytes(header.chain_id, commit.view, commit.height, hash);
  const voters = new Set();
  for (const vote of commit.votes) {
    const raw = validators.get(vote.validator);
    if (!raw) throw new ProofError(`vote from ${vote.validator}, not in the validator set`);
    if (!suite.verify(raw, signed, Buffer.from(vote.signature))) throw new ProofError(`bad vote from ${vote.validator}`);
    voters.add(vote.validator);
  }
  const quorum = quorumOf(validators.size);
  if (voters.size < quorum) throw new ProofError(`${voters.size} valid votes, quorum ${quorum}`);
  return { hash, voters: voters.size };
}

const bit = (hash, i) => (hash[i >> 3] >> (7 - (i & 7))) & 1;

/** The value a state proof shows for `key` under `root`: a Buffer, or null if proven absent.
 * The proof layout is node/chain/stateproof.py's `encode_proof`; `H` is the suite's hash. */
export function checkStateProof(root, key, value, proofBytes, suite = ED25519_SHA256) {
  const H = suite.hash;
  const p = Buffer.from(proofBytes);
  if (p.length < 2 || p[0] !== 1) throw new ProofError("unknown proof format");
  const kind = p[1];
  const keyHash = H(key);
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
    const expected = H(utf8("trustledger/v1/state-value\0"), u32(key.length), key, value);
    if (!expected.equals(valueHash)) throw new ProofError("the value does not match the proof");
  } else {
    if (value !== null || leafKeyHash.equals(keyHash)) throw new ProofError("bad exclusion proof");
    if (siblings.some(([b]) => bit(leafKeyHash, b) !== bit(keyHash, b))) throw new ProofError("the other leaf is off the key's path");
  }
  let node = H(utf8("trustledger/v1/state-leaf\0"), leafKeyHash, valueHash);
  for (const [b, sibling] of siblings.reverse()) {
    const [left, right] = bit(keyHash, b) ? [sibling, node] : [node, sibling];
    node = H(utf8("trustledger/v1/state-node\0"), Buffer.from([b]), left, right);
  }
  if (!node.equals(Buffer.from(root))) throw new ProofError("the proof does not lead to the state root");
  return value;
}

/** A batch entry (node/chain/batchproof.py: siblings as indexes into the batch's table of
 * hashes; an inclusion's value hash left out) checked as the single proof it stands for. */
export function checkBatchEntry(root, key, value, entryBytes, nodes, suite = ED25519_SHA256) {
  const H = suite.hash;
  const e = Buffer.from(entryBytes);
  if (e.length < 2 || e[0] !== 1) throw new ProofError("unknown batch proof format");
  const kind = e[1];
  if (kind === 0) return checkStateProof(root, key, value, e, suite);
  let at = 2;
  const head = [Buffer.from([1, kind])];
  if (kind === 2) { head.push(e.subarray(2, 66)); at = 66; }
  else if (kind === 1) {
    if (value === null) throw new ProofError("an inclusion proof for an absent value");
    head.push(H(utf8("trustledger/v1/state-value\0"), u32(key.length), key, value));
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
  return checkStateProof(root, key, value, Buffer.concat([...head, u16(count), ...siblings]), suite);
}
