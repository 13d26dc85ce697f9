"""Deterministic contract runtime and the system contracts of TrustLedger.

Pure code: no I/O, no clock, no randomness, only the standard library. The node calls
:mod:`contracts.runtime`; see DESIGN.md section 5.

The system contracts (each a module with ``TRANSACTIONS`` and ``QUERIES``):

- ``membership`` (:mod:`membership`, :mod:`governance`): organisations and roles; changes,
  validator sets (:mod:`validator_set`) and contract versions (:mod:`versions`) by proposals
  a quorum of members approves;
- ``certificates`` (:mod:`certificates`): the certificate lifecycle, salted per-field
  commitments for selective disclosure (:mod:`commitments`), verification records;
- ``archives`` (:mod:`archives`): one file per person and per enterprise, corrections;
- ``consent`` (:mod:`consent`): scoped requests (:mod:`scope`), grants, every access;
- ``delegation`` (:mod:`delegation`): guardians, legal representatives, agents, used by the
  holder-side calls of the others (:mod:`authority`).

Shared pieces: :mod:`interface` (types), :mod:`errors`, :mod:`arguments`, :mod:`formats`,
:mod:`limits`, :mod:`codec`, :mod:`identity`, :mod:`catalogue`, :mod:`holder_kinds`,
:mod:`subjects`, :mod:`registry` (shipped versions), :mod:`memory` (reference state).
"""
