"""System contract ``certificates``: the lifecycle of electronic certificates (电子证照).

The issuing agency builds a certificate's document off-chain from the fields its type lists
in the catalogue, salts it and commits to it (:mod:`contracts.certificates.commitments`); only the
document hash, optionally the per-field commitments (for selective disclosure), the holder's
pseudonymous id, the validity and the status go on-chain.

Lifecycle, each step an event, each made by the issuing organisation:

- ``issue``: a new certificate, status ``valid``;
- ``renew``: a later end of validity;
- ``amend``: a new document commitment (registration or permit items changed), version + 1;
  earlier versions stay queryable (``history``);
- ``suspend`` (with a reason) and ``reinstate``;
- ``revoke`` (with a reason): final;
- ``reissue``: a new certificate id replacing this one (lost, damaged, expired…); the old
  one becomes ``superseded`` and points to its successor.

Expiry is not a transaction: a valid certificate whose ``valid_until_ms`` has passed is
reported ``expired`` by queries and treated so by other contracts.

Issue, renew, amend, reinstate and reissue need the issuer to still hold the issuer role for
the type; suspend and revoke need only that it is the issuing member, so withdrawing an
agency's right to issue never leaves its certificates impossible to revoke.

A verifier's check of a certificate can be recorded (``record_verification``, 验证记录), so
the holder and auditors see who verified what and when.

State:

- ``certificates/cert/<cert id>`` -> the certificate record (:class:`Certificate`)
- ``certificates/by_holder/<holder id>/<cert id>`` -> the cert id as a JSON string (index)
- ``certificates/version/<cert id>/<version, 10 digits>`` -> a replaced document version
  (:class:`DocVersion`); the current one is in the record
- ``certificates/verification/<verification id>`` -> a verification record
- ``certificates/verification_by_cert/<cert id>/<verification id>`` -> id (index)
- ``certificates/verification_by_holder/<holder id>/<verification id>`` -> id (index)

Modules: :mod:`~contracts.certificates.records` (the records and their keys),
:mod:`~contracts.certificates.commitments`, :mod:`~contracts.certificates.transactions`,
:mod:`~contracts.certificates.queries`, :mod:`~contracts.certificates.events`,
:mod:`~contracts.certificates.contract` (what the registry lists).
"""
