"""Open formats (issue 14) on a real devnet: `cert issue` signs the certificate as a VC 2.0
and an SD-JWT VC with the university's key and delivers them with the document; the wallet
exports them (the SD-JWT with the holder's chosen fields only); `cert verify-vc` checks them
through the node's HTTP routes alone (JWKS, status lists derived from the chain), and
refuses tampered, unknown-issuer and, after `cert revoke`, revoked ones."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from cli.devnet import Devnet
from node.chain.credentials import b64url, b64url_decode, jwk_thumbprint
from node.chain.crypto import KeyPair
from node.sdk.credentials import CertificateClaims, IssuerKey, issue_vc_jwt
from tests.integration.helpers import (
    DIPLOMA,
    cli,
    cli_fails,
    cli_issue,
    fields_args,
    new_holder,
    org_key,
    wallet,
)


def _export(net: Devnet, holder: str, token: str, cert_id: str, body: dict[str, object]) -> str:
    resp = wallet(
        "POST", net, f"/v1/holders/{holder}/certificates/{cert_id}/credential", token, json=body
    )
    assert resp.status_code == 200, resp.text
    return str(resp.json()["credential"])


def test_credentials_issue_export_verify_and_refusals(net: Devnet, tmp_path: Path) -> None:
    base, tls = net.credentials_url, net.credentials_tls()
    assert base.startswith("https://127.0.0.1:")  # the node's own certificate, TLS 1.3
    jwks = httpx.get(f"{base}/credentials/v1/orgs/edu/jwks.json", timeout=10, verify=tls).json()
    edu = org_key(net, "edu")
    assert [k["kid"] for k in jwks["keys"]] == [f"edu#{jwk_thumbprint(edu.public_key)}"]
    ghost = httpx.get(f"{base}/credentials/v1/orgs/ghost/jwks.json", timeout=10, verify=tls)
    assert ghost.status_code == 404
    plain = "http://" + base.removeprefix("https://")
    with pytest.raises(httpx.HTTPError):
        httpx.get(f"{plain}/credentials/v1/orgs/edu/jwks.json", timeout=10)

    holder, token = new_holder(net)
    issued = cli_issue(net, "edu", "diploma", holder, DIPLOMA, "--valid-days", "365")
    assert issued["credentials"] == ["sd_jwt", "vc_jwt"]
    cert_id = issued["cert_id"]

    vc_file = tmp_path / "diploma.vc.jwt"
    vc_file.write_text(_export(net, holder, token, cert_id, {"format": "vc+jwt"}))
    checked = cli(net, "cert", "verify-vc", str(vc_file))
    assert (checked["format"], checked["issuer"], checked["cert_id"]) == ("vc+jwt", "edu", cert_id)
    assert checked["fields"] == DIPLOMA
    assert checked["status"] == {"revocation": "clear", "suspension": "clear"}
    assert checked["doc_hash"] == issued["doc_hash"]
    first_until = checked["valid_until_s"]
    # over HTTPS checked with the devnet's validator CAs by default; another CA reads nothing
    wallet_ca = str(net.dir / "cas" / "bdc.pem")
    assert "status_unavailable" in cli_fails(
        net, "cert", "verify-vc", str(vc_file), "--ca", wallet_ca
    )

    sd_file = tmp_path / "diploma.sd-jwt"
    shown = _export(net, holder, token, cert_id, {"format": "dc+sd-jwt", "fields": ["degree"]})
    sd_file.write_text(shown)
    checked = cli(net, "cert", "verify-vc", str(sd_file))
    assert checked["fields"] == {"degree": DIPLOMA["degree"]}
    assert DIPLOMA["id_number"] not in shown

    head, body, sig = vc_file.read_text().split(".")
    payload = json.loads(b64url_decode(body))
    payload["credentialSubject"]["degree"] = "Doctor of Philosophy"
    forged = tmp_path / "forged.vc.jwt"
    forged.write_text(".".join([head, b64url(json.dumps(payload).encode()), sig]))
    assert "bad_signature" in cli_fails(net, "cert", "verify-vc", str(forged))

    stranger = IssuerKey(net.chain_id, "nobody", KeyPair(bytes(32)))
    claims = CertificateClaims(cert_id, "diploma", holder, DIPLOMA, 1_700_000_000)
    unknown = tmp_path / "unknown.vc.jwt"
    unknown.write_text(issue_vc_jwt(stranger, claims))
    assert "unknown_issuer" in cli_fails(net, "cert", "verify-vc", str(unknown))

    amended = {**DIPLOMA, "major": "Biostatistics"}
    cli(net, "cert", "amend", "--org", "edu", "--cert-id", cert_id, "--type", "diploma",
        "--reason", "major corrected", *fields_args(amended))  # fmt: skip
    renewed = tmp_path / "amended.vc.jwt"
    renewed.write_text(_export(net, holder, token, cert_id, {"format": "vc+jwt"}))
    assert cli(net, "cert", "verify-vc", str(renewed))["fields"]["major"] == "Biostatistics"
    # the credentials of the version before the amendment no longer say the certificate
    assert "superseded" in cli_fails(net, "cert", "verify-vc", str(vc_file))
    assert "superseded" in cli_fails(net, "cert", "verify-vc", str(sd_file))

    # a renewal with the fields given again re-signs them with the new validUntil
    renewal = cli(net, "cert", "renew", "--org", "edu", "--cert-id", cert_id,
                  "--valid-days", "730", *fields_args(amended))  # fmt: skip
    assert renewal["credentials"] == ["sd_jwt", "vc_jwt"]
    resigned = tmp_path / "renewed.vc.jwt"
    resigned.write_text(_export(net, holder, token, cert_id, {"format": "vc+jwt"}))
    checked = cli(net, "cert", "verify-vc", str(resigned))
    assert checked["valid_until_s"] > first_until + 300 * 86_400
    assert (checked["doc_hash"], checked["fields"]) == (renewal["doc_hash"], amended)
    assert "superseded" in cli_fails(net, "cert", "verify-vc", str(renewed))

    # a renewal without the fields re-signs them too, from the university's own register
    # (cli/issued.py): the same document, a new validUntil; the earlier ones still verify
    again = cli(net, "cert", "renew", "--org", "edu", "--cert-id", cert_id, "--valid-days", "1000")
    assert again["credentials"] == ["sd_jwt", "vc_jwt"] and "credentials_skipped" not in again
    later = tmp_path / "renewed-again.vc.jwt"
    later.write_text(_export(net, holder, token, cert_id, {"format": "vc+jwt"}))
    checked_later = cli(net, "cert", "verify-vc", str(later))
    assert checked_later["valid_until_s"] > checked["valid_until_s"] + 200 * 86_400
    assert (checked_later["doc_hash"], checked_later["fields"]) == (renewal["doc_hash"], amended)
    assert cli(net, "cert", "verify-vc", str(resigned))["valid_until_s"] == checked["valid_until_s"]
    register = net.dir / "issued" / "edu" / f"{cert_id}.json"
    assert oct(register.stat().st_mode & 0o777) == "0o600"
    assert [v for v in amended.values() if v.encode() in register.read_bytes()] == []
    # a certificate the register has no record of (issued before it): renewed, nothing
    # re-signed, and the output says why
    elsewhere = cli_issue(net, "edu", "diploma", holder, DIPLOMA, "--valid-days", "365")
    (net.dir / "issued" / "edu" / f"{elsewhere['cert_id']}.json").unlink()
    kept = cli(net, "cert", "renew", "--org", "edu", "--cert-id", elsewhere["cert_id"],
               "--valid-days", "400")  # fmt: skip
    assert kept["credentials"] == [] and "no record" in kept["credentials_skipped"]

    # key binding: the verifier's audience and nonce, signed with the holder's wallet key
    bound = tmp_path / "bound.sd-jwt"
    bound.write_text(_export(net, holder, token, cert_id, {
        "format": "dc+sd-jwt", "fields": ["degree"], "audience": "bank", "nonce": "n-42"}))  # fmt: skip
    checked = cli(net, "cert", "verify-vc", str(bound), "--audience", "bank", "--nonce", "n-42")
    assert checked["key_bound"] and checked["fields"] == {"degree": DIPLOMA["degree"]}
    assert "bad_key_binding" in cli_fails(
        net, "cert", "verify-vc", str(bound), "--audience", "bank", "--nonce", "n-43"
    )
    assert "bad_key_binding" in cli_fails(
        net, "cert", "verify-vc", str(bound), "--audience", "insurer", "--nonce", "n-42"
    )
    refused = wallet("POST", net, f"/v1/holders/{holder}/certificates/{cert_id}/credential",
                     token, json={"format": "vc+jwt", "audience": "bank"})  # fmt: skip
    assert refused.status_code == 422 and "unbound" in refused.text
    unbound = tmp_path / "unbound.sd-jwt"
    unbound.write_text(
        _export(net, holder, token, cert_id, {"format": "dc+sd-jwt", "fields": ["degree"]})
    )
    assert "bad_key_binding" in cli_fails(
        net, "cert", "verify-vc", str(unbound), "--audience", "bank", "--nonce", "n-42"
    )

    cli(net, "cert", "revoke", "--org", "edu", "--cert-id", cert_id, "--reason", "degree rescinded")
    for file in (vc_file, sd_file):
        assert "revoked" in cli_fails(net, "cert", "verify-vc", str(file))
    listed = httpx.get(
        f"{base}/credentials/v1/orgs/edu/status/revocation", timeout=10, verify=tls
    ).json()
    assert listed["credentialSubject"]["statusPurpose"] == "revocation"
    assert listed["issuer"] == f"urn:trustledger:{net.chain_id}:org:edu"
