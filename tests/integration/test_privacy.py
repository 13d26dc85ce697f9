"""Nothing personal on-chain: after the whole story, a scan of every validator's database,
consensus WAL and log finds no name, ID number, phone number or address in clear; the wallet
keeps documents only sealed."""

from __future__ import annotations

from pathlib import Path

import plyvel

from cli import devnet
from cli.devnet import Devnet
from tests.integration.helpers import (
    DIPLOMA,
    ID_CARD,
    bank_reads,
    issue_and_deliver,
    new_holder,
    sdk_bank_grant,
)

NEEDLES = [
    ID_CARD["id_number"],
    ID_CARD["holder_name"],
    "王伟",
    "13800138000",  # a phone number inside the address field
    "中关村大街",
    DIPLOMA["university"],
]


def scan_db(path: Path) -> list[str]:
    found = []
    db = plyvel.DB(str(path))
    try:
        for key, value in db.iterator():
            blob = key + b"\x00" + value
            found += [n for n in NEEDLES if n.encode("utf-8") in blob]
    finally:
        db.close()
    return found


def test_no_personal_data_in_validator_storage(net: Devnet) -> None:
    holder, token = new_holder(net)
    with net.client() as client:
        issue_and_deliver(net, client, "psb", "resident_id_card", holder, ID_CARD)
        dip_doc = issue_and_deliver(net, client, "edu", "diploma", holder, DIPLOMA)
        request_id = sdk_bank_grant(net, client, holder, token, dip_doc["cert_id"], "loan")
        read = bank_reads(net, client, request_id).document
        assert read["fields"]["id_number"] == DIPLOMA["id_number"]  # the bank did get the data

    devnet.down(net.dir)  # LevelDB allows one process at a time
    scanned = 0
    for vid in net.addresses:
        assert scan_db(net.dir / "nodes" / vid / "db") == [], vid
        # The consensus WAL (own votes and the prepared block) is a file beside it.
        wal = (net.dir / "nodes" / vid / "consensus.wal").read_bytes()
        assert [n for n in NEEDLES if n.encode("utf-8") in wal] == [], vid
        scanned += 1
        log = (net.dir / "logs" / f"{vid}.log").read_text(encoding="utf-8")
        assert [n for n in NEEDLES if n in log] == [], vid
    assert scanned == 4
    # The wallet holds the documents, but sealed to the holder's and the agency's keys.
    assert scan_db(net.dir / "wallet" / "db") == []


def test_scan_finds_a_planted_value(tmp_path: Path) -> None:
    """The scan itself works: it finds personal data where there is some."""
    db = plyvel.DB(str(tmp_path / "db"), create_if_missing=True)
    db.put(b"s" + b"certificates/cert/x", '{"note":"王伟"}'.encode())
    db.close()
    assert scan_db(tmp_path / "db") == ["王伟"]
