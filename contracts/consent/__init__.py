"""System contract ``consent``: an agency asks, the holder decides, every use is recorded.

A verifying agency requests access to a holder's data for a stated purpose, a number of uses
and until an expiry time. What it asks for is a scope (:mod:`contracts.consent.scope`): whole
certificates, single fields of certificates, certificates of a type, or archive record
categories; the original form, ``cert_id``, is a scope of one whole certificate. The holder
(signing with the wallet key their holder id derives from), or a delegate in force for
``consent`` (a guardian, an enterprise's legal representative or authorised agent), grants
it — all of it, or narrowed to part of the scope, fewer uses or an earlier expiry —
refuses it, later narrows the grant further or revokes it.

The agency may read data only while the grant is in force (granted, not expired, uses left),
within the granted scope, and each read is an ``access`` transaction naming what it reads
(a certificate, some of its fields, or an archive record): the holder sees every use
(使用知情). An access outside these rules is rejected with ``permission_denied``; the node
records rejected attempts for auditors.

Request lifecycle: ``pending`` -> ``granted`` | ``refused``; ``granted`` -> ``revoked``.

Versions: v1; v2 also refuses requests valid for more than ``CONSENT_VALIDITY_MS_MAX_V2``
(minimal sufficiency) and is active only after governance approves it.

State:

- ``consent/request/<request id>`` -> the request record (:class:`ConsentRequest`)
- ``consent/by_holder/<holder id>/<request id>`` -> the request id as a JSON string (index)
- ``consent/by_agency/<org id>/<request id>`` -> the request id as a JSON string (index)

Erasure (删除, docs/erasure.md): ``erase`` by the holder names every agency a grant released
the certificate to; each acknowledges with ``acknowledge_erasure`` (state under
``consent/erasure/``, ``consent/erasure_by_holder/``, ``consent/erasure_by_agency/``).

Modules: :mod:`~contracts.consent.records`, :mod:`~contracts.consent.scope`,
:mod:`~contracts.consent.transactions` (requests and decisions),
:mod:`~contracts.consent.erasure` (erasure requests and acknowledgements),
:mod:`~contracts.consent.access`, :mod:`~contracts.consent.queries`,
:mod:`~contracts.consent.events`, :mod:`~contracts.consent.contract` (both versions).
"""
