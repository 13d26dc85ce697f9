"""What `Agency/WatchStatus` reports: the status changes of the certificates an agency follows,
read from committed blocks' results, plus expiry, which no transaction marks (a certificate
expires when a block's time passes its end of validity).

A change is a notification, not a proof: the agency verifies what it is told with
`VerifyCertificate(s)`, which prove the record against a certified header.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from node.chain.events import event_attrs
from proto import ledger_pb2, node_pb2

STATUS_OF_EVENT: Mapping[str, node_pb2.CertificateStatus] = {
    "certificate.issued": node_pb2.CERTIFICATE_STATUS_VALID,
    "certificate.renewed": node_pb2.CERTIFICATE_STATUS_VALID,
    "certificate.reinstated": node_pb2.CERTIFICATE_STATUS_VALID,
    "certificate.suspended": node_pb2.CERTIFICATE_STATUS_SUSPENDED,
    "certificate.revoked": node_pb2.CERTIFICATE_STATUS_REVOKED,
}
"""The status a certificate has after each event naming it (a reissue is handled apart:
it supersedes the old certificate and issues the new one)."""
REISSUED = "certificate.reissued"
SUPERSEDED = node_pb2.CERTIFICATE_STATUS_SUPERSEDED
EXPIRED = "certificate.expired"
"""Not an on-chain event: the name a change carries when a block's time passed the end of
the certificate's validity."""


@dataclass
class Followed:
    """The certificates one stream follows, with each one's end of validity (0: none) and
    whether its expiry was reported already."""

    valid_until_ms: dict[str, int]
    expired: set[str] = field(default_factory=set)

    def changes(
        self, height: int, time_ms: int, results: ledger_pb2.BlockResults
    ) -> Iterator[node_pb2.StatusChange]:
        """The changes one committed block makes to the followed certificates, in order."""
        for result in results.results:
            if not result.ok:
                continue
            for event in result.events:
                yield from self._from_event(height, time_ms, event)
        for cert_id, until in sorted(self.valid_until_ms.items()):
            if until and time_ms > until and cert_id not in self.expired:
                self.expired.add(cert_id)
                yield _change(
                    cert_id, node_pb2.CERTIFICATE_STATUS_EXPIRED, EXPIRED, height, time_ms
                )

    def _from_event(
        self, height: int, time_ms: int, event: ledger_pb2.Event
    ) -> Iterator[node_pb2.StatusChange]:
        """The certificate an event is about is its second subject (the contract emits
        (holder, certificate, [superseded certificate,] issuer); tests/unit/test_watch.py
        holds it to that)."""
        if event.name not in STATUS_OF_EVENT and event.name != REISSUED:
            return
        if len(event.subjects) < 2:
            return
        attrs = event_attrs(event)
        if event.name == REISSUED:
            old = str(attrs.get("supersedes", ""))
            if old in self.valid_until_ms:
                yield _change(old, SUPERSEDED, event.name, height, time_ms)
        cert_id = event.subjects[1]
        if cert_id not in self.valid_until_ms:
            return
        if "valid_until_ms" in attrs:  # issued, renewed, reissued: a new end of validity
            self.valid_until_ms[cert_id] = int(attrs["valid_until_ms"])
            self.expired.discard(cert_id)
        status = STATUS_OF_EVENT.get(event.name, node_pb2.CERTIFICATE_STATUS_VALID)
        yield _change(cert_id, status, event.name, height, time_ms)


def _change(
    cert_id: str, status: node_pb2.CertificateStatus, event: str, height: int, time_ms: int
) -> node_pb2.StatusChange:
    return node_pb2.StatusChange(
        cert_id=cert_id, status=status, event=event, height=height, time_ms=time_ms
    )
