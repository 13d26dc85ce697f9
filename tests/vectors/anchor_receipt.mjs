// Checks the anchoring vectors of docs/anchoring.md with Node.js alone (no package): the
// fact's salted hash, its RFC 6962 path to the batch root (RFC 9162, section 2.1.3.2), the
// root rebuilt from every leaf, and the anchor id; an ed25519-sha256 chain's vector with
// SHA-256, an sm2-sm3 chain's with SM3 (Node's OpenSSL).
// Usage: node tests/vectors/anchor_receipt.mjs [docs/anchoring.md]; exit 0 when all hold.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";

const doc = readFileSync(process.argv[2] ?? "docs/anchoring.md", "utf8");
const blocks = [...doc.matchAll(/```(anchor-vector[\w-]*)\n([\s\S]*?)```/g)];
if (blocks.length === 0) fail("no anchor-vector block");
let lines = [];
const one = (name) => lines.find(([k]) => k === name)?.[1] ?? fail(`no ${name}`);
const all = (name) => lines.filter(([k]) => k === name).map(([, v]) => Buffer.from(v, "hex"));
const HASHES = { "ed25519-sha256": "sha256", "sm2-sm3": "sm3" };
let hashName = "sha256";

function fail(why) {
  console.log(`anchor-vector: ${why}`);
  process.exit(1);
}

const hash = (...parts) => createHash(hashName).update(Buffer.concat(parts)).digest();
const leafHash = (data) => hash(Buffer.from([0]), data);
const nodeHash = (left, right) => hash(Buffer.from([1]), left, right);

// The root of RFC 6962's tree: the left subtree holds the largest power of two below n.
function merkleRoot(leaves) {
  if (leaves.length === 1) return leafHash(leaves[0]);
  let k = 1;
  while (k * 2 < leaves.length) k *= 2;
  return nodeHash(merkleRoot(leaves.slice(0, k)), merkleRoot(leaves.slice(k)));
}

// RFC 9162, 2.1.3.2: the root that `leaf` at `index` of a `size`-leaf tree has with `path`.
function rootFromPath(leaf, index, size, path) {
  if (index >= size) fail("the index is outside the batch");
  let fn = index;
  let sn = size - 1;
  let r = leafHash(leaf);
  for (const p of path) {
    if (sn === 0) fail("the path is longer than the tree is deep");
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn >>= 1;
          sn >>= 1;
        }
      }
    } else {
      r = nodeHash(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn !== 0) fail("the path is shorter than the tree is deep");
  return r;
}

for (const [, name, text] of blocks) {
  lines = text.trim().split("\n").map((l) => [l.slice(0, l.indexOf(": ")), l.slice(l.indexOf(": ") + 2)]);
  hashName = HASHES[one("suite")] ?? fail(`${name}: unknown suite ${one("suite")}`);
  const domain = Buffer.concat([Buffer.from("trustledger-fact/1"), Buffer.from([0])]);
  const factHash = hash(domain, Buffer.from(one("salt"), "hex"), Buffer.from(one("fact"), "hex"));
  if (factHash.toString("hex") !== one("fact_hash")) fail("the fact's salted hash is another");
  const root = Buffer.from(one("root"), "hex");
  const index = Number(one("index"));
  const count = Number(one("count"));
  if (!rootFromPath(factHash, index, count, all("path")).equals(root)) fail("the path does not lead to the root");
  const leaves = all("leaf");
  if (leaves.length !== count) fail("the leaves are not the batch's count");
  if (!leaves[index].equals(factHash)) fail("the fact is not the batch's leaf at its index");
  if (!merkleRoot(leaves).equals(root)) fail("the leaves do not make the root");
  if (one("anchor_id") !== `an${one("root")}`) fail("the anchor id is not 'an' + the root");
  console.log(`${one("suite")}: fact ${index} of ${count}: salted hash, path and root verified (anchor ${one("anchor_id").slice(0, 10)}…)`);
}
