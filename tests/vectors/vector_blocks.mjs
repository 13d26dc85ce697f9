// What the Node.js checkers of the proof vectors share: read the document named on the command
// line (or the default), find each fenced block of one kind (one per suite), check each, and
// stop at the first that fails, printing the block's name and why (a ProofError of the example
// client, examples/node-verify/proofs.mjs, is such a reason; anything else is a bug and throws).
import { readFileSync } from "node:fs";
import { ProofError } from "../../examples/node-verify/proofs.mjs";

export function fail(name, why) {
  console.log(`${name}: ${why}`);
  process.exit(1);
}

export function checkEveryBlock(kind, defaultDoc, check) {
  const doc = readFileSync(process.argv[2] ?? defaultDoc, "utf8");
  const blocks = [...doc.matchAll(new RegExp("```(" + kind + "[\\w-]*)\\n([\\s\\S]*?)```", "g"))];
  if (blocks.length === 0) fail(kind, `no ${kind} block`);
  for (const [, name, text] of blocks) {
    try {
      check(name, text);
    } catch (err) {
      if (err instanceof ProofError) fail(name, err.message);
      throw err;
    }
  }
}
