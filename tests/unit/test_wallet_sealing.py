"""The wallet seals with the suite of its genesis (issue 18): holders get keys of the chain's
suite, documents delivered to them are sealed to a key pair of their own bound to the copy,
and a grant seals the release to the agency's key bound to the request; parametrised over
both suites. The wallet runs on a fake ledger here (the chain's answers); that a wallet
process started on an ``sm2-sm3`` genesis file seals with SM2 is checked at the end."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from consensus.validators import Validator, ValidatorSet
from node.genesis import Genesis, Organisation
from node.sdk import presentation, sealing
from suites import ED25519_SHA256, SM2_SM3, SUITES, SealError, Suite
from wallet.store import P_CREDENTIALS, P_DOC, P_DOC_KEY

from .wallet_https_support import wallet_process
from .wallet_support import PASSPHRASE, Org, Wallet, diploma, record_on_chain, running_wallet

BOTH = pytest.mark.parametrize("suite", list(SUITES.values()), ids=list(SUITES))
CERT_ID = "DIP-2015-000001"
OTHER_CERT_ID = "DIP-2015-000002"
REQUEST_ID = "req-seal-000001"
ACCESS_TX = b"\x0a" * 32


@dataclasses.dataclass
class Committed:
    tx_hash: bytes
    height: int


def submitted(*_: Any) -> Committed:
    """What the fake chain answers to the grant the wallet submits."""
    return Committed(b"\x01" * 32, 7)


def deliver(wallet: Wallet, holder: str, doc: dict[str, Any], orgs: dict[str, Org]) -> None:
    """The issuer ("edu") delivers ``doc``, as on the chain, in a request it signs."""
    record_on_chain(wallet.ledger, doc, "edu", holder)
    creds = orgs["edu"].issue("issuer", wallet.clock.now())
    path = f"/v1/holders/{holder}/certificates"
    resp = wallet.http.signed(creds, "POST", path, wallet.clock.now_ms(), json={"document": doc})
    assert resp.status_code == 201, resp.text


def signed_in_with_a_diploma(wallet: Wallet) -> tuple[str, str]:
    """A new holder, signed in, to whom the education bureau (its CA on the chain) delivered
    the diploma CERT_ID: the holder and its session token."""
    orgs = {"edu": Org.make("edu", wallet.clock.now() - dt.timedelta(days=10))}
    wallet.ledger.cas = {"edu": orgs["edu"].ca_pem}
    holder = wallet.new_holder()
    token = wallet.sign_in(holder).json()["token"]
    deliver(wallet, holder, diploma(CERT_ID), orgs)
    return holder, token


def holder_key(wallet: Wallet, holder: str) -> bytes:
    return bytes.fromhex(wallet.store.get_holder(holder)["public_key"])


def pending_request(wallet: Wallet, holder: str) -> None:
    """The bank's request for the holder's diploma (a day to answer), pending on the chain."""
    wallet.ledger.requests[REQUEST_ID] = {
        "request_id": REQUEST_ID,
        "holder": holder,
        "agency": "bank",
        "cert_id": CERT_ID,
        "purpose": "学历核验",
        "status": "pending",
        "expires_at_ms": wallet.clock.now_ms() + 86_400_000,
    }


@BOTH
def test_holders_documents_and_shares_are_sealed_with_the_wallets_suite(
    tmp_path: Path, suite: Suite
) -> None:
    with running_wallet(tmp_path, suite) as wallet:
        ca_time = wallet.clock.now() - dt.timedelta(days=10)
        orgs = {o: Org.make(o, ca_time) for o in ("edu", "bank")}
        wallet.ledger.cas = {o: org.ca_pem for o, org in orgs.items()}
        bank = suite.generate_keypair()
        wallet.ledger.members["bank"] = {"id": "bank", "name": "某某银行"}
        wallet.ledger.members["bank"]["public_key"] = bank.public_key.hex()
        holder = wallet.new_holder()
        assert len(holder_key(wallet, holder)) == suite.public_key_bytes  # a key of the suite
        token = wallet.sign_in(holder).json()["token"]  # the key opened is checked by the suite
        doc = diploma(CERT_ID)
        deliver(wallet, holder, doc, orgs)

        sealed = wallet.store.get_document(holder, CERT_ID)
        key_row = wallet.store._db.get(P_DOC_KEY + P_DOC + f"{holder}/{CERT_ID}".encode())
        assert sealed is not None and sealed.startswith(sealing.DOCUMENT_MAGIC)
        assert key_row is not None and key_row.startswith(sealing.SEALED_MAGIC)
        overhead = len(sealing.DOCUMENT_MAGIC) + suite.seal_overhead_bytes
        assert len(sealed) == len(json.dumps(doc, sort_keys=True).encode()) + overhead
        listed = wallet.in_session(token, "GET", f"/v1/holders/{holder}/certificates")
        assert listed.status_code == 200, listed.text
        assert listed.json()[0]["document"] == doc
        # A presentation in the layout of the chain's suite: TLP2 (SM2, SM3) on an SM chain.
        shown = wallet.in_session(
            token,
            "POST",
            f"/v1/holders/{holder}/certificates/{CERT_ID}/presentation",
            json={"fields": ["university"]},
        )
        assert shown.status_code == 200, shown.text
        made = presentation.read_presentation(shown.json()["presentation"])
        assert made.suite is suite and made.holder == holder

        pending_request(wallet, holder)
        wallet.ledger.call = submitted  # type: ignore[attr-defined]
        granted = wallet.grant(token, holder, REQUEST_ID)
        assert granted.status_code == 200, granted.text

        # The bank collects the share as it would, and opens it only as this request's answer.
        wallet.ledger.commit_access(REQUEST_ID, ACCESS_TX)
        collected = wallet.http.signed(
            orgs["bank"].issue("verifier", wallet.clock.now()),
            "GET",
            f"/v1/disclosures/{REQUEST_ID}",
            wallet.clock.now_ms(),
            params={"access_tx": ACCESS_TX.hex()},
        )
        assert collected.status_code == 200, collected.text
        share = bytes.fromhex(collected.json()["sealed_document"])
        assert share.startswith(sealing.SEALED_MAGIC)
        aad = sealing.request_aad(REQUEST_ID)
        assert json.loads(sealing.unseal(suite, bank.private_key, share, aad)) == doc
        with pytest.raises(SealError):
            sealing.unseal(suite, bank.private_key, share, sealing.request_aad("req-other"))


@BOTH
def test_a_document_moved_under_another_certificate_is_refused_and_nothing_changes(
    tmp_path: Path, suite: Suite
) -> None:
    with running_wallet(tmp_path, suite) as wallet:
        holder, token = signed_in_with_a_diploma(wallet)
        # Someone with the store's files copies the document and its key row under another
        # certificate of the same holder (as if it were that one's).
        store = wallet.store
        sealed = store.get_document(holder, CERT_ID)
        key_row = store._db.get(P_DOC_KEY + P_DOC + f"{holder}/{CERT_ID}".encode())
        assert sealed is not None and key_row is not None
        store.put_document(holder, OTHER_CERT_ID, sealed)
        store._db.put(P_DOC_KEY + P_DOC + f"{holder}/{OTHER_CERT_ID}".encode(), key_row)
        record_on_chain(wallet.ledger, diploma(OTHER_CERT_ID), "edu", holder)

        listed = wallet.in_session(token, "GET", f"/v1/holders/{holder}/certificates")
        assert listed.status_code == 500
        assert "does not open as this copy" in listed.json()["detail"]
        assert store.get_document(holder, OTHER_CERT_ID) == sealed  # nothing changed
        assert store.get_document(holder, CERT_ID) == sealed
        # Nor does the document, with its key row, open as its certificate's credentials.
        store._db.put(P_DOC_KEY + P_CREDENTIALS + f"{holder}/{CERT_ID}".encode(), key_row)
        private_key = wallet.app.state.sessions.get(token).seed
        with pytest.raises(SealError):
            store.open_document(holder, CERT_ID, private_key, sealed, P_CREDENTIALS)
        assert json.loads(store.open_document(holder, CERT_ID, private_key, sealed))


@BOTH
def test_a_grant_to_an_agency_key_of_the_other_suite_seals_nothing(
    tmp_path: Path, suite: Suite
) -> None:
    other = SM2_SM3 if suite is ED25519_SHA256 else ED25519_SHA256
    with running_wallet(tmp_path, suite) as wallet:
        holder, token = signed_in_with_a_diploma(wallet)
        wrong = other.generate_keypair().public_key.hex()
        wallet.ledger.members["bank"] = {"id": "bank", "name": "某某银行", "public_key": wrong}
        pending_request(wallet, holder)
        resp = wallet.grant(token, holder, REQUEST_ID)
        assert resp.status_code == 409, resp.text
        assert resp.json()["detail"] == (
            f"the agency's key on the chain is not a {suite.name} key: nothing sealed"
        )
        assert wallet.store.get_share(REQUEST_ID) is None


def test_a_wallet_started_on_an_sm_genesis_file_makes_sm2_holders(tmp_path: Path) -> None:
    """`python -m wallet` loads an ``sm2-sm3`` genesis: the holder it makes has an SM2 key
    (65 bytes), and signing in again checks the opened key with SM2."""
    # An SM chain's validator and organisation keys are SM2 too (the contracts refuse others).
    edu, validator = SM2_SM3.generate_keypair(), SM2_SM3.generate_keypair()
    genesis = Genesis(
        chain_id="wallet-sm-test",
        genesis_time_ms=1_700_000_000_000,
        validators=ValidatorSet((Validator("val-0", validator.public_key),)),
        organisations=(
            Organisation("edu", "Education Bureau", edu.public_key, ("issuer",), ("diploma",)),
        ),
        suite=SM2_SM3,
    )
    with wallet_process(tmp_path, genesis) as (url, files, _data):
        created = httpx.post(
            f"{url}/v1/holders",
            json={"passphrase": PASSPHRASE},
            verify=files.client_context(),
            timeout=60,
        )
        assert created.status_code == 201, created.text
        public_key = bytes.fromhex(created.json()["public_key"])
        assert len(public_key) == 65 and SM2_SM3.is_public_key(public_key)
        again = httpx.post(
            f"{url}/v1/sessions",
            json={"holder_id": created.json()["holder_id"], "passphrase": PASSPHRASE},
            verify=files.client_context(),
            timeout=60,
        )
        assert again.status_code == 200, again.text
