"""System contract ``delegation``: who may act for a holder (代办, 监护, 法定代表人, 经办人).

A delegation lets a delegate (a person's holder id) act for a principal (a person's or an
enterprise's holder id) in named actions, for named certificate types and record
categories, until an expiry:

- ``guardian``: for a minor, an elderly parent or a disabled person; registered by a
  registrar organisation (civil affairs, a court) or appointed by the principal themself;
- ``legal_representative`` (法定代表人) of an enterprise: registered by a registrar
  organisation (market regulation);
- ``agent`` (授权代理人 / 经办人) of an enterprise: appointed by the enterprise itself or by its
  legal representative (within the representative's own scope and expiry, and only while
  the representative's delegation is in force).

Registered delegations are active at once: the registrar checked identity and legal status
off-chain. Appointed ones are ``pending`` until the delegate accepts them: the two-way
mandate with intent confirmation (身份展示 + 身份认证 + 意愿确认) the seeds ask for.

Actions a delegation may cover (:data:`ACTIONS`):

- ``consent``: grant, narrow, refuse and revoke consent requests to the principal;
- ``archives``: claim the principal's archive records and ask for corrections;
- ``appoint_agents``: appoint agents of the enterprise (legal representatives only).

The delegate's actions name both parties in their events, so a guardian's actions appear
in the ward's audit trace and in the guardian's.

State:

- ``delegation/record/<delegation id>`` -> the delegation (:class:`Delegation`)
- ``delegation/by_principal/<holder id>/<delegation id>`` -> id (index)
- ``delegation/by_delegate/<holder id>/<delegation id>`` -> id (index)
- ``delegation/by_pair/<principal>/<delegate>/<delegation id>`` -> id (index)

Modules: :mod:`~contracts.delegation.records`, :mod:`~contracts.delegation.authority` (who
acts for a holder, used by the other contracts), :mod:`~contracts.delegation.transactions`,
:mod:`~contracts.delegation.queries`, :mod:`~contracts.delegation.events`,
:mod:`~contracts.delegation.contract`.
"""
