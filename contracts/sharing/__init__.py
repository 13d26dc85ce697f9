"""System contract ``sharing``: one agency applies to another for its data, the owner
decides, the share is recorded, the applicant rates it (Guangdong's 申请 → 审批 → 共享 → 评价,
issue 13; docs/sharing.md).

Agency A (``applicant``) applies to the data-owning agency B (``owner``) for a data item,
whole or some of its fields, stating a purpose code of the chain's catalogue, a legal basis
and the period it needs the data for. B approves it as asked, approves it narrowed (fewer
fields, a shorter period) or refuses it with a reason, within ``SHARE_ANSWER_MS`` of the
application; later answers are refused and the application shows as ``expired``. When the
data is personal (the application names a ``holder``), the holder's consent is also
required: B executes the share only under a grant of the ``consent`` contract that the
holder gave A, in force, and the share uses it once. The share is executed by B, inside the
approved period, and recorded as an access: the hash of what was shared, never the data.
A rates it once (1 to 5 and a short comment, screened like every free text); B reads its
ratings with the ``ratings`` query.

Application lifecycle: ``pending`` -> ``approved`` | ``refused``; ``approved`` -> ``shared``
(rated at most once after).

State:

- ``sharing/application/<application id>`` -> the application (:class:`ShareApplication`)
- ``sharing/by_applicant/<org id>/<application id>`` -> the id as a JSON string (index)
- ``sharing/by_owner/<org id>/<application id>`` -> the id as a JSON string (index)
- ``sharing/rated/<owner org id>/<application id>`` -> the id (index of rated shares)

Modules: :mod:`~contracts.sharing.records`, :mod:`~contracts.sharing.applications` (apply
and the owner's answers), :mod:`~contracts.sharing.shares` (execution and rating),
:mod:`~contracts.sharing.queries`, :mod:`~contracts.sharing.events`,
:mod:`~contracts.sharing.contract`.
"""
