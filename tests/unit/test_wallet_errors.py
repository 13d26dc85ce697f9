"""No answer or log line of the wallet carries a secret (wallet/errors.py): a 422 names the
field and what is wrong with it but never repeats the input, and a passphrase that is not
valid Unicode (a lone surrogate, sent as a JSON escape) is a clean 422, not a 500 whose
traceback writes the passphrase into the log."""

from __future__ import annotations

import logging

import httpx
import pytest

from .wallet_support import Wallet

SECRET = "hunter2-secret-passphrase"
"""A passphrase (or part of one) that must never come back."""


def post_raw(wallet: Wallet, path: str, body: bytes) -> httpx.Response:
    return wallet.http.request(
        "POST", path, content=body, headers={"content-type": "application/json"}
    )


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/v1/holders", {"passphrase": "s3cr7"}),  # too short: the whole input is the secret
        ("/v1/sessions", {"passphrase": SECRET}),  # holder id missing: input is the body
        ("/v1/sessions", {"holder_id": "not-an-id", "passphrase": SECRET}),
        ("/v1/sessions", {"holder_id": "hd" + "0" * 40, "passphrase": SECRET * 20}),
    ],
)
def test_a_422_never_repeats_the_input(
    wallet: Wallet, path: str, body: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    refused = wallet.http.request("POST", path, json=body)
    assert refused.status_code == 422
    errors = refused.json()["detail"]
    assert errors and all(set(e) == {"type", "loc", "msg"} for e in errors)
    assert body["passphrase"] not in refused.text
    assert body["passphrase"] not in caplog.text


@pytest.mark.parametrize("path", ["/v1/holders", "/v1/sessions"])
def test_a_lone_surrogate_is_a_clean_422_with_nothing_logged(
    wallet: Wallet, path: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    holder = wallet.new_holder()
    body = f'{{"holder_id": "{holder}", "passphrase": "{SECRET}\\ud800{SECRET}"}}'.encode()
    refused = post_raw(wallet, path, body)  # a 500 would raise here (the app's error)
    assert refused.status_code == 422
    assert [e["loc"] for e in refused.json()["detail"]] == [["body", "passphrase"]]
    assert SECRET not in refused.text
    assert SECRET not in caplog.text
    assert "Traceback" not in caplog.text


def test_malformed_json_is_refused_without_repeating_it(wallet: Wallet) -> None:
    refused = post_raw(wallet, "/v1/sessions", f'{{"passphrase": "{SECRET}"'.encode())
    assert refused.status_code == 422
    assert [e["type"] for e in refused.json()["detail"]] == ["json_invalid"]
    assert SECRET not in refused.text


def test_a_surrogate_in_a_field_name_is_answered_too(wallet: Wallet) -> None:
    """Error locations can carry keys the caller chose (a document's field names): they are
    made encodable rather than failing the answer."""
    body = b'{"holder_id": "hd' + b"0" * 40 + b'", "passphrase": 7, "\\ud800": 1}'
    refused = post_raw(wallet, "/v1/sessions", body)
    assert refused.status_code == 422
    assert [e["loc"] for e in refused.json()["detail"]] == [["body", "passphrase"]]
