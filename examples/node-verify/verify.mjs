// An agency's verifier in Node.js: asks a TrustLedger validator over gRPC (mutual TLS) for
// certificates' status and checks every answer without trusting the node, from the
// documented layouts alone (docs/proofs.md, node/chain/stateproof.py): the header's block
// hash, the commit certificate's votes against the genesis validator set, the certificate's
// state entry against the header's state root, and the answer against that entry.
//
// Usage: node verify.mjs --devnet DIR [--org bank] [--address HOST:PORT] [--batch] CERT_ID...
// Prints one JSON line per certificate; exits 1 if any answer fails a check. With --batch,
// one VerifyCertificates call asks about all of them: one header and commit certificate,
// proofs that share their sibling hashes (docs/proofs.md).
// The validator set is genesis's: on a chain whose set changed, follow the decided sets as
// the Python SDK does (LedgerClient.get_validator_schedule). The crypto suite is genesis's
// too (`suite`; none = ed25519-sha256): on an sm2-sm3 chain hashes are SM3 and votes SM2,
// each vote checked by OpenSSL's command line (proofs.mjs says why).
import { readFileSync, readdirSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import grpc from "@grpc/grpc-js";
import protoLoader from "@grpc/proto-loader";
import { ProofError, blockHash, checkBatchEntry, checkCommit, checkStateProof, suiteOf } from "./proofs.mjs";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const STATUS = {
  valid: "CERTIFICATE_STATUS_VALID",
  revoked: "CERTIFICATE_STATUS_REVOKED",
  expired: "CERTIFICATE_STATUS_EXPIRED",
  suspended: "CERTIFICATE_STATUS_SUSPENDED",
  superseded: "CERTIFICATE_STATUS_SUPERSEDED",
};

function parseArgs(argv) {
  const opts = { org: "bank", certs: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--devnet") opts.devnet = argv[++i];
    else if (a === "--org") opts.org = argv[++i];
    else if (a === "--address") opts.address = argv[++i];
    else if (a === "--batch") opts.batch = true;
    else opts.certs.push(a);
  }
  if (!opts.devnet || opts.certs.length === 0) {
    console.error("usage: node verify.mjs --devnet DIR [--org bank] [--address HOST:PORT] CERT_ID...");
    process.exit(2);
  }
  return opts;
}

function devnet(dir, org) {
  const facts = JSON.parse(readFileSync(join(dir, "devnet.json"), "utf8"));
  const genesis = JSON.parse(readFileSync(join(dir, "genesis.json"), "utf8"));
  const cas = readdirSync(join(dir, "cas")).filter((f) => f.endsWith(".pem")).sort();
  return {
    chainId: genesis.chain_id,
    suite: suiteOf(genesis.suite ?? "ed25519-sha256"),
    address: Object.values(facts.validators)[0],
    validators: new Map(genesis.validators.map((v) => [v.id, Buffer.from(v.public_key, "hex")])),
    credentials: grpc.credentials.createSsl(
      Buffer.concat(cas.map((f) => readFileSync(join(dir, "cas", f)))),
      readFileSync(join(dir, "tls", org, "operator.key")),
      readFileSync(join(dir, "tls", org, "operator.pem")),
    ),
  };
}

/** The certificate's status at `timeMs` from its stored record (the contract's rule). */
function statusOf(record, timeMs) {
  if (record.status !== "valid") return record.status;
  return record.valid_until_ms !== 0 && timeMs > record.valid_until_ms ? "expired" : "valid";
}

/** Check one answer's claims against its proven state entry (`value`: Buffer or null). */
function checkRecord(answer, value, timeMs) {
  if (value === null) {
    if (answer.status !== "CERTIFICATE_STATUS_UNKNOWN") throw new ProofError("the node names a certificate proven absent");
    return { status: "unknown" };
  }
  const record = JSON.parse(value.toString("utf8"));
  const status = statusOf(record, timeMs);
  const claimed = [answer.status, answer.issuer, answer.holder, answer.doc_hash, answer.cert_type];
  const proven = [STATUS[status], record.issuer, record.holder, record.doc_hash, record.cert_type];
  if (claimed.some((c, i) => c !== proven[i])) throw new ProofError("the answer does not match the proven record");
  return { status, issuer: record.issuer, cert_type: record.cert_type };
}

function checkHead(header, commit, height, net) {
  if (!header || BigInt(height) === 0n) throw new ProofError("no certified header in the answer");
  if (header.chain_id !== net.chainId) throw new ProofError("a header of another chain");
  return checkCommit(header, commit, net.validators, net.suite).voters;
}

const keyOf = (certId) => Buffer.from(`certificates/cert/${certId}`);

function check(answer, certId, net) {
  const proof = answer.proof;
  const voters = checkHead(proof.header, proof.commit, proof.height, net);
  if (!Buffer.from(proof.key).equals(keyOf(certId))) throw new ProofError("a proof of another key");
  const value = checkStateProof(proof.header.state_root, keyOf(certId), proof.present ? proof.value : null, proof.proof, net.suite);
  return { ...checkRecord(answer, value, Number(proof.header.time_ms)), voters, height: proof.height, block_hash: blockHash(proof.header, net.suite).toString("hex") };
}

const call = (method, request) =>
  new Promise((resolve, reject) =>
    agency[method](request, { deadline: Date.now() + 10_000 }, (err, res) => (err ? reject(err) : resolve(res))),
  ).catch((err) => ({ error: `${err.code} ${err.details}` }));

const opts = parseArgs(process.argv.slice(2));
const net = devnet(opts.devnet, opts.org);
const definition = protoLoader.loadSync("proto/node.proto", {
  includeDirs: [ROOT],
  keepCase: true,
  longs: String,
  enums: String,
  bytes: Buffer,
  defaults: true,
});
const api = grpc.loadPackageDefinition(definition).trustledger.v1;
const address = opts.address ?? net.address;
// TLS names a server by host name (RFC 6066): for an address given as an IP, check the name
// a devnet validator's certificate also carries.
const byIp = /^[0-9.]+:\d+$/.test(address) || address.startsWith("[");
const agency = new api.Agency(address, net.credentials, byIp ? { "grpc.ssl_target_name_override": "localhost" } : {});
let failed = 0;
const report = (certId, result) => {
  if (!result.ok) failed++;
  console.log(JSON.stringify({ cert_id: certId, ...result }));
};
if (opts.batch) {
  const answer = await call("VerifyCertificates", { cert_ids: opts.certs });
  try {
    if (answer.error) throw new ProofError(answer.error);
    const voters = checkHead(answer.header, answer.commit, answer.height, net);
    const hash = blockHash(answer.header, net.suite).toString("hex");
    if (answer.answers.map((a) => a.cert_id).join("\n") !== opts.certs.join("\n")) throw new ProofError("answers for other certificates");
    for (const a of answer.answers) {
      try {
        const value = checkBatchEntry(answer.header.state_root, keyOf(a.cert_id), a.present ? a.value : null, a.proof, answer.nodes, net.suite);
        report(a.cert_id, { ok: true, ...checkRecord(a, value, Number(answer.header.time_ms)), voters, height: answer.height, block_hash: hash });
      } catch (err) {
        if (!(err instanceof ProofError)) throw err;
        report(a.cert_id, { ok: false, error: err.message });
      }
    }
  } catch (err) {
    if (!(err instanceof ProofError)) throw err;
    for (const certId of opts.certs) report(certId, { ok: false, error: err.message });
  }
} else {
  for (const certId of opts.certs) {
    const answer = await call("VerifyCertificate", { cert_id: certId });
    try {
      if (answer.error) throw new ProofError(answer.error);
      report(certId, { ok: true, ...check(answer, certId, net) });
    } catch (err) {
      if (!(err instanceof ProofError)) throw err;
      report(certId, { ok: false, error: err.message });
    }
  }
}
agency.close();
process.exit(failed ? 1 : 0);
