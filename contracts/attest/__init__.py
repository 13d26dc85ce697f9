"""System contract ``attest``: attestation certificates confirmed by their sources and their
owner (Haidian's 证明, issue 13; docs/attestations.md).

An issuing organisation defines an attestation type naming the source organisations whose
records back it (an address attestation: the household registry; a property attestation:
the property registry and the household registry), and whether an attestation of it names
another party besides its holder. It then proposes an attestation for a holder: the salted
hash of the attestation document, and for each source the salted hash of the record that
source should hold. Each source confirms that its own record hashes the same (a different
hash refuses the attestation) or refuses with a reason; when every source has confirmed, the
holder confirms with their wallet key, or refuses, and only then is it issued. Past its
deadline (block time) nobody can answer it any more and anyone may record the time-out.
Every step is an event naming the holder and the other party, so both are told (双告知).

Lifecycle: ``awaiting_sources`` -> ``awaiting_owner`` -> ``issued``; from either waiting
state -> ``refused`` (a source refused or its record differs, or the owner refused) or
``timed_out``. Only hashes, ids and reasons are on chain.

State:

- ``attest/type/<type id>`` -> the type (:class:`~contracts.attest.records.AttestationType`)
- ``attest/attestation/<id>`` -> the attestation (:class:`~contracts.attest.records.Attestation`)
- ``attest/by_party/<holder id>/<id>`` -> the id (index: the holder's and the other party's)
- ``attest/by_org/<org id>/<id>`` -> the id (index: the issuer's and each source's)

Modules: :mod:`~contracts.attest.records`, :mod:`~contracts.attest.types` (defining types),
:mod:`~contracts.attest.transactions` (proposing and answering),
:mod:`~contracts.attest.queries`, :mod:`~contracts.attest.events`,
:mod:`~contracts.attest.contract`.
"""
