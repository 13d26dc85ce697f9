"""Governance: proposals a quorum of member organisations approves, the quorum rule, and
which version of each contract runs from which height. Served by the ``membership``
contract (see :mod:`contracts.membership.contract`).

Modules: :mod:`~contracts.governance.proposals` (propose, approve, decide),
:mod:`~contracts.governance.plans` (what an action is), :mod:`~contracts.governance.quorum`,
:mod:`~contracts.governance.versions`, :mod:`~contracts.governance.actions` (versions and
the quorum rule), :mod:`~contracts.governance.queries`, :mod:`~contracts.governance.events`.
"""
