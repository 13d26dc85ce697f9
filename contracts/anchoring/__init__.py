"""System contract ``anchoring``: a member organisation anchors evidence (Lanzhou's 存证).

A member subsystem keeps its facts (a contract, a decision, an inspection report) and their
salts itself, and anchors on-chain only the Merkle root over their salted hashes: one fact
is a batch of one. Later, anyone holding a fact, its salt and its path (the receipt the
CLI writes) gets a proof from any node that the root was anchored at height H by
organisation O, and checks it offline (docs/anchoring.md).

Nothing personal goes on-chain: the root is a digest, the type is one of :data:`KINDS`, the
case reference is free text screened for personal data, the time is the block's.

A root is anchored once: anchoring it again (by anyone) is refused ``already_exists``,
naming the height of the first anchor. The first anchor is the evidence of when the facts
existed; a second one would add nothing but an ambiguous "which one" to every proof.

State:

- ``anchoring/anchor/<anchor id>`` -> the anchor record (:class:`~records.Anchor`), where the
  anchor id is ``an`` followed by the root in hex
- ``anchoring/by_org/<org id>/<anchor id>`` -> the anchor id as a JSON string (index)

Modules: :mod:`~contracts.anchoring.records`, :mod:`~contracts.anchoring.transactions`,
:mod:`~contracts.anchoring.queries`, :mod:`~contracts.anchoring.events`,
:mod:`~contracts.anchoring.contract`.
"""
