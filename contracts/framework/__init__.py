"""The contract framework: what every system contract is built from.

Pure code, shared by all contracts and depending on none of them:

- :mod:`~contracts.framework.interface`: the types of calls, results and events;
- :mod:`~contracts.framework.errors`: the one exception type and its codes;
- :mod:`~contracts.framework.records`: stored records declared once as dataclass fields,
  with their canonical encoding and decoding;
- :mod:`~contracts.framework.signature`: a method's arguments declared once, checked and
  read before the method runs; :mod:`~contracts.framework.arguments`: the readers;
- :mod:`~contracts.framework.contract`: what a contract is to the runtime and registry;
- :mod:`~contracts.framework.store`: index entries and lookups every contract shares;
- :mod:`~contracts.framework.codec` (canonical JSON), :mod:`~contracts.framework.limits`,
  :mod:`~contracts.framework.formats`, :mod:`~contracts.framework.identity` (holder ids),
  :mod:`~contracts.framework.subjects` (ids a call is about),
  :mod:`~contracts.framework.memory` (the in-memory reference state).
"""
