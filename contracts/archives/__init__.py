"""System contract ``archives``: one file per person and per enterprise (一人一档 / 一企一档).

A file is keyed by the holder's pseudonymous id, never by an ID number or credit code. Source
agencies (organisations with the ``archive_source`` role for a category) append records to
it, returning government data to its subject (数据返还): the chain holds each record's
category, source, source department and the hash of its (encrypted, off-chain) content,
with a version number. The holder, or a delegate in force for ``archives`` (a guardian; the
legal representative or an authorised agent of an enterprise), claims records (数据申领)
and asks for corrections (数据纠错). A correction goes to the record's source, which
resolves it with a new version of the record or refuses it with a reason. Nothing is ever
deleted: every replaced version stays queryable (``history``).

State:

- ``archives/file/<subject>`` -> the file summary (kind, record count)
- ``archives/record/<record id>`` -> the current record (:class:`ArchiveRecord`)
- ``archives/by_subject/<subject>/<category>/<record id>`` -> record id (index)
- ``archives/version/<record id>/<version, 10 digits>`` -> a replaced version
- ``archives/correction/<correction id>`` -> the correction (:class:`Correction`)
- ``archives/correction_by_source/<org id>/<correction id>`` -> id (index)
- ``archives/correction_by_subject/<subject>/<correction id>`` -> id (index)

Modules: :mod:`~contracts.archives.records`, :mod:`~contracts.archives.files`,
:mod:`~contracts.archives.transactions`, :mod:`~contracts.archives.queries`,
:mod:`~contracts.archives.events`, :mod:`~contracts.archives.contract`.
"""
