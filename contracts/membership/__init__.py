"""System contract ``membership``: the consortium's organisations, their roles and keys, and
the validator set, changed by governance proposals (:mod:`contracts.governance`).

Modules: :mod:`~contracts.membership.organisations` (records, keys, genesis),
:mod:`~contracts.membership.validator_set` (the schedule of sets and endpoints),
:mod:`~contracts.membership.org_actions` and :mod:`~contracts.membership.validator_actions`
(the changes a proposal may make), :mod:`~contracts.membership.trust` (each organisation's
CA certificate and revoked serials) and :mod:`~contracts.membership.trust_transactions`
(an organisation's own changes to them), :mod:`~contracts.membership.queries`,
:mod:`~contracts.membership.events`, :mod:`~contracts.membership.contract` (the contract
with governance's transactions and queries).
"""
