"""Open credential formats (docs/credentials.md): VC 2.0 as vc+jwt and SD-JWT VC issued with
an organisation's key, the status lists and JWKS a node derives from chain state, and the
verifier's refusals, each with its reason. The verifier reads keys and lists through the
node's real routes (CredentialRoutes) over an in-memory state."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Mapping
from typing import Any

import pytest

from contracts.certificates.records import CERTIFICATES, Certificate
from contracts.framework.identity import holder_id_for
from contracts.framework.memory import MemoryState
from contracts.membership.organisations import ORGANISATIONS, Organisation
from node.chain.credentials import (
    STATUS_PURPOSES,
    CredentialFormatError,
    IssuedCertificate,
    assign_status_indexes,
    compute_status_index_start,
    decode_bitstring,
    encode_bitstring,
    get_bit,
    jwk_thumbprint,
    status_list_path,
)
from node.chain.crypto import KeyPair
from node.credentials_http import CredentialRoutes, serve_credentials
from node.sdk import credentials as vc
from node.sdk.credentials import (
    CertificateClaims,
    CredentialRefused,
    IssuerKey,
    issue_sd_jwt,
    issue_vc_jwt,
    present_sd_jwt,
    verify_vc,
)
from suites import ED25519_SHA256

CHAIN = "trustledger-test"
BASE = "http://node.example:9100"
NOW_S = 1_780_000_000
EDU = KeyPair(bytes(range(32)))
PSB = KeyPair(bytes(range(1, 33)))
HOLDER = KeyPair(bytes(range(2, 34)))
FIELDS = {"holder_name": "张三", "degree": "学士", "major": "计算机科学与技术"}


def _cert(
    cert_id: str, issuer: str, status: str = "valid", height: int = 1, doc_hash: str = "00" * 32
) -> Certificate:
    return Certificate(
        cert_id=cert_id,
        cert_type="diploma",
        issuer=issuer,
        holder="hd0123456789abcdef",
        doc_hash=doc_hash,
        valid_until_ms=0,
        status=status,
        issued_height=height,
        issued_tx=f"{height:064x}",
        status_height=height,
        reason="" if status == "valid" else "test",
    )


class World:
    """A chain state with two issuers and the node's routes over it."""

    def __init__(self) -> None:
        self.state = MemoryState()
        for org_id, key in (("edu", EDU), ("psb", PSB)):
            org = Organisation(org_id, org_id.upper(), key.public_key, ("issuer",), ("diploma",))
            self.state.apply_writes([(ORGANISATIONS.key(org_id), org.encode())])
        self.height = 1
        self.routes = CredentialRoutes(CHAIN, BASE, self.state, lambda: (self.height, NOW_S * 1000))

    def put(self, cert: Certificate) -> None:
        self.state.apply_writes([(CERTIFICATES.key(cert.cert_id), cert.encode())])
        self.height += 1

    def index_of(self, org_id: str, cert_id: str) -> int:
        answer = self.routes.answer("GET", f"/credentials/v1/orgs/{org_id}/status-index/{cert_id}")
        assert answer.status == 200, answer.body
        return int(answer.body["index"])

    def claims(self, cert_id: str, org_id: str = "edu", **changes: Any) -> CertificateClaims:
        values: dict[str, Any] = {
            "cert_id": cert_id,
            "cert_type": "diploma",
            "holder": "hd0123456789abcdef",
            "fields": FIELDS,
            "issued_at_s": NOW_S - 3600,
            "valid_until_s": NOW_S + 86_400,
            "status_base_url": BASE,
            "status_index": self.index_of(org_id, cert_id),
        }
        values.update(changes)
        return CertificateClaims(**values)


class RoutesSource:
    """A verifier's source that asks the node's routes, as the CLI's HTTP source does."""

    def __init__(self, routes: CredentialRoutes) -> None:
        self.routes = routes
        self.asked: list[str] = []

    def _get(self, path: str) -> Mapping[str, Any]:
        self.asked.append(path)
        answer = self.routes.answer("GET", path)
        if answer.status == 404:
            raise CredentialRefused(vc.UNKNOWN_ISSUER, str(answer.body["error"]))
        return answer.body

    def get_jwks(self, org_id: str) -> Mapping[str, Any]:
        return self._get(f"/credentials/v1/orgs/{org_id}/jwks.json")

    def get_status_list(self, org_id: str, purpose: str) -> Mapping[str, Any]:
        return self._get(status_list_path(org_id, purpose))

    def get_doc_hash(self, org_id: str, cert_id: str) -> str | None:
        return str(self._get(f"/credentials/v1/orgs/{org_id}/status-index/{cert_id}")["doc_hash"])


@pytest.fixture
def world() -> World:
    w = World()
    w.put(_cert("cert-edu-0001", "edu"))
    w.put(_cert("cert-edu-0002", "edu"))
    return w


def _edu() -> IssuerKey:
    return IssuerKey(CHAIN, "edu", EDU)


def _refused(text: str, world: World, now_s: int = NOW_S, **kw: str) -> str:
    with pytest.raises(CredentialRefused) as caught:
        verify_vc(text, RoutesSource(world.routes), now_s, **kw)
    return caught.value.reason


def _swap_payload(jwt: str, change: dict[str, Any]) -> str:
    head, body, sig = jwt.split(".")
    payload = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    payload.update(change)
    raw = json.dumps(payload, separators=(",", ":")).encode()
    return ".".join([head, base64.urlsafe_b64encode(raw).rstrip(b"=").decode(), sig])


# --- VC 2.0 as vc+jwt ------------------------------------------------------------------------


def test_a_vc_jwt_verifies_with_every_field_and_both_status_bits(world: World) -> None:
    text = issue_vc_jwt(_edu(), world.claims("cert-edu-0001"))
    source = RoutesSource(world.routes)
    checked = verify_vc(text, source, NOW_S)
    assert (checked.format, checked.org_id, checked.cert_id) == ("vc+jwt", "edu", "cert-edu-0001")
    assert checked.fields == FIELDS
    assert checked.kid == f"edu#{jwk_thumbprint(EDU.public_key)}"
    assert checked.statuses == {"revocation": False, "suspension": False}
    assert source.asked[0] == "/credentials/v1/orgs/edu/jwks.json"


def test_a_vc_payload_is_a_vc_2_0_document(world: World) -> None:
    payload = vc.vc_payload(_edu(), world.claims("cert-edu-0001"))
    assert payload["@context"] == ["https://www.w3.org/ns/credentials/v2"]
    assert payload["issuer"] == f"urn:trustledger:{CHAIN}:org:edu"
    status = payload["credentialStatus"]
    assert [s["statusPurpose"] for s in status] == list(STATUS_PURPOSES)
    assert status[0]["type"] == "BitstringStatusListEntry"
    assert status[0]["statusListCredential"] == BASE + "/credentials/v1/orgs/edu/status/revocation"


def test_a_tampered_vc_payload_is_refused(world: World) -> None:
    text = issue_vc_jwt(_edu(), world.claims("cert-edu-0001"))
    forged = _swap_payload(text, {"validUntil": "2099-01-01T00:00:00Z"})
    assert _refused(forged, world) == vc.BAD_SIGNATURE


def test_a_revoked_certificate_is_refused_through_the_derived_list(world: World) -> None:
    text = issue_vc_jwt(_edu(), world.claims("cert-edu-0001"))
    world.put(_cert("cert-edu-0001", "edu", status="revoked"))
    assert _refused(text, world) == vc.REVOKED


def test_a_superseded_certificate_is_refused_as_revoked(world: World) -> None:
    text = issue_vc_jwt(_edu(), world.claims("cert-edu-0002"))
    world.put(_cert("cert-edu-0002", "edu", status="superseded"))
    assert _refused(text, world) == vc.REVOKED


def test_a_suspended_certificate_is_refused_and_passes_once_reinstated(world: World) -> None:
    text = issue_vc_jwt(_edu(), world.claims("cert-edu-0001"))
    world.put(_cert("cert-edu-0001", "edu", status="suspended"))
    assert _refused(text, world) == vc.SUSPENDED
    world.put(_cert("cert-edu-0001", "edu"))
    assert verify_vc(text, RoutesSource(world.routes), NOW_S).cert_id == "cert-edu-0001"


def test_an_unknown_issuer_is_refused(world: World) -> None:
    text = issue_vc_jwt(IssuerKey(CHAIN, "nobody", EDU), world.claims("cert-edu-0001"))
    assert _refused(text, world) == vc.UNKNOWN_ISSUER


def test_an_issuer_of_another_chain_is_refused(world: World) -> None:
    text = issue_vc_jwt(IssuerKey("other-chain", "edu", EDU), world.claims("cert-edu-0001"))
    assert _refused(text, world) == vc.UNKNOWN_ISSUER


def test_a_key_the_issuer_does_not_have_is_refused_as_unknown_kid(world: World) -> None:
    text = issue_vc_jwt(IssuerKey(CHAIN, "edu", PSB), world.claims("cert-edu-0001"))
    assert _refused(text, world) == vc.UNKNOWN_KID


def test_another_orgs_kid_under_this_issuer_is_refused(world: World) -> None:
    key = IssuerKey(CHAIN, "edu", EDU)
    text = vc._sign(
        key, "vc+jwt", vc.vc_payload(key, world.claims("cert-edu-0001"))
    )  # a valid signature
    head = json.dumps({"alg": "Ed25519", "typ": "vc+jwt", "kid": IssuerKey(CHAIN, "psb", PSB).kid})
    forged = vc.b64url(head.encode()) + text[text.index(".") :]
    assert _refused(forged, world) == vc.UNKNOWN_KID


def test_a_signature_by_a_wrong_key_under_the_issuers_kid_is_refused(world: World) -> None:
    class Impostor(IssuerKey):
        @property
        def kid(self) -> str:
            return _edu().kid

    text = issue_vc_jwt(Impostor(CHAIN, "edu", PSB), world.claims("cert-edu-0001"))
    assert _refused(text, world) == vc.BAD_SIGNATURE


def test_an_expired_or_future_credential_is_refused(world: World) -> None:
    expired = issue_vc_jwt(_edu(), world.claims("cert-edu-0001", valid_until_s=NOW_S - 3600))
    assert _refused(expired, world) == vc.EXPIRED
    future = issue_vc_jwt(_edu(), world.claims("cert-edu-0001", issued_at_s=NOW_S + 3600))
    assert _refused(future, world) == vc.NOT_YET_VALID


def test_malformed_credentials_are_refused(world: World) -> None:
    assert _refused("not a credential", world) == vc.MALFORMED
    assert _refused("a.b.c", world) == vc.MALFORMED
    assert _refused("x" * 70_000, world) == vc.MALFORMED
    no_status = issue_vc_jwt(_edu(), world.claims("cert-edu-0001", status_index=-1))
    assert _refused(no_status, world) == vc.MALFORMED


# --- SD-JWT VC -------------------------------------------------------------------------------


def test_an_sd_jwt_presentation_discloses_only_the_chosen_fields(world: World) -> None:
    sd_jwt = issue_sd_jwt(_edu(), world.claims("cert-edu-0001"))
    shown = present_sd_jwt(sd_jwt, ["degree"])
    checked = verify_vc(shown, RoutesSource(world.routes), NOW_S)
    assert checked.format == "dc+sd-jwt"
    assert checked.fields == {"degree": "学士"}
    assert checked.cert_type == "diploma"
    assert "张三" not in json.dumps(shown)
    assert verify_vc(sd_jwt, RoutesSource(world.routes), NOW_S).fields == FIELDS


def test_a_tampered_disclosure_is_refused(world: World) -> None:
    shown = present_sd_jwt(issue_sd_jwt(_edu(), world.claims("cert-edu-0001")), ["degree"])
    jwt, disclosures, _ = vc.split_sd_jwt(shown)
    forged = vc.make_disclosure(b"\x00" * 16, "degree", "博士")
    assert _refused(f"{jwt}~{forged}~", world) == vc.BAD_DISCLOSURE
    flipped = disclosures[0][:-2] + ("A" if disclosures[0][-2] != "A" else "B") + disclosures[0][-1]
    assert _refused(f"{jwt}~{flipped}~", world) == vc.BAD_DISCLOSURE


def test_a_repeated_disclosure_is_refused(world: World) -> None:
    shown = present_sd_jwt(issue_sd_jwt(_edu(), world.claims("cert-edu-0001")), ["degree"])
    jwt, disclosures, _ = vc.split_sd_jwt(shown)
    assert _refused(f"{jwt}~{disclosures[0]}~{disclosures[0]}~", world) == (vc.DUPLICATE_DISCLOSURE)


def test_another_sd_alg_is_refused(world: World) -> None:
    key = _edu()
    sd_jwt = issue_sd_jwt(key, world.claims("cert-edu-0001"))
    jwt, disclosures, _ = vc.split_sd_jwt(sd_jwt)
    _, payload = vc._read_jws(jwt)
    resigned = vc._sign(key, "dc+sd-jwt", {**payload, "_sd_alg": "sha-512"})
    assert _refused("~".join([resigned, *disclosures]) + "~", world) == vc.UNSUPPORTED_SD_ALG


def test_a_tampered_sd_jwt_payload_is_refused(world: World) -> None:
    sd_jwt = issue_sd_jwt(_edu(), world.claims("cert-edu-0001"))
    jwt, disclosures, _ = vc.split_sd_jwt(sd_jwt)
    forged = _swap_payload(jwt, {"exp": NOW_S + 10**8})
    assert _refused("~".join([forged, *disclosures]) + "~", world) == vc.BAD_SIGNATURE


def test_a_revoked_sd_jwt_is_refused(world: World) -> None:
    shown = present_sd_jwt(issue_sd_jwt(_edu(), world.claims("cert-edu-0002")), ["degree"])
    world.put(_cert("cert-edu-0002", "edu", status="revoked"))
    assert _refused(shown, world) == vc.REVOKED


def test_key_binding_holds_and_refuses_another_audience_nonce_or_key(world: World) -> None:
    holder_jwk = vc.okp_jwk(HOLDER.public_key)
    sd_jwt = issue_sd_jwt(_edu(), world.claims("cert-edu-0001"), holder_jwk=holder_jwk)
    shown = present_sd_jwt(
        sd_jwt, ["major"], holder=HOLDER, audience="bank", nonce="n-1", now_s=NOW_S
    )
    checked = verify_vc(shown, RoutesSource(world.routes), NOW_S, audience="bank", nonce="n-1")
    assert checked.key_bound and checked.fields == {"major": "计算机科学与技术"}
    assert _refused(shown, world, audience="other") == vc.BAD_KEY_BINDING
    assert _refused(shown, world, nonce="n-2") == vc.BAD_KEY_BINDING
    stolen = present_sd_jwt(sd_jwt, ["major"], holder=PSB, audience="bank", now_s=NOW_S)
    assert _refused(stolen, world) == vc.BAD_KEY_BINDING
    assert _refused(present_sd_jwt(sd_jwt, ["major"]), world) == vc.BAD_KEY_BINDING
    # the holder's key-binding JWT moved onto a presentation with more disclosures
    jwt, disclosures, _ = vc.split_sd_jwt(present_sd_jwt(sd_jwt, ["major", "degree"]))
    assert _refused("~".join([jwt, *disclosures]) + "~" + shown.rsplit("~", 1)[1], world) == (
        vc.BAD_KEY_BINDING
    )


def _bound_claims(world: World) -> CertificateClaims:
    """Claims whose holder id is HOLDER's: the issuer signs `sub`, not the key (no cnf)."""
    return world.claims(
        "cert-edu-0001", holder=holder_id_for(HOLDER.public_key, suite=ED25519_SHA256)
    )


def test_key_binding_without_cnf_holds_by_the_holder_id_the_issuer_signed(world: World) -> None:
    sd_jwt = issue_sd_jwt(_edu(), _bound_claims(world))
    shown = present_sd_jwt(
        sd_jwt, ["degree"], holder=HOLDER, audience="bank", nonce="n-1", now_s=NOW_S, with_jwk=True
    )
    checked = verify_vc(shown, RoutesSource(world.routes), NOW_S, audience="bank", nonce="n-1")
    assert checked.key_bound
    assert checked.holder == holder_id_for(HOLDER.public_key, suite=ED25519_SHA256)
    assert _refused(shown, world, audience="other-bank") == vc.BAD_KEY_BINDING
    assert _refused(shown, world, nonce="n-2") == vc.BAD_KEY_BINDING


def test_key_binding_by_another_key_than_the_holders_is_refused(world: World) -> None:
    sd_jwt = issue_sd_jwt(_edu(), _bound_claims(world))
    stolen = present_sd_jwt(
        sd_jwt, ["degree"], holder=PSB, audience="bank", nonce="n-1", now_s=NOW_S, with_jwk=True
    )
    assert _refused(stolen, world, audience="bank", nonce="n-1") == vc.BAD_KEY_BINDING
    # the holder's key named in the header, but the KB-JWT signed by another key
    honest = present_sd_jwt(
        sd_jwt, ["degree"], holder=HOLDER, audience="bank", nonce="n-1", now_s=NOW_S, with_jwk=True
    )
    head, body, _ = honest.rsplit("~", 1)[1].split(".")
    forged_sig = stolen.rsplit("~", 1)[1].split(".")[2]
    forged = honest.rsplit("~", 1)[0] + "~" + ".".join([head, body, forged_sig])
    assert _refused(forged, world, audience="bank", nonce="n-1") == vc.BAD_KEY_BINDING
    # no key at all in the KB-JWT of a credential without cnf
    keyless = present_sd_jwt(sd_jwt, ["degree"], holder=HOLDER, audience="bank", now_s=NOW_S)
    assert _refused(keyless, world, audience="bank") == vc.BAD_KEY_BINDING


def test_a_missing_key_binding_is_refused_when_the_verifier_asks_for_it(world: World) -> None:
    sd_jwt = issue_sd_jwt(_edu(), _bound_claims(world))
    unbound = present_sd_jwt(sd_jwt, ["degree"])
    assert not verify_vc(unbound, RoutesSource(world.routes), NOW_S).key_bound
    assert _refused(unbound, world, audience="bank") == vc.BAD_KEY_BINDING
    assert _refused(unbound, world, nonce="n-1") == vc.BAD_KEY_BINDING
    whole = issue_vc_jwt(_edu(), _bound_claims(world))
    assert _refused(whole, world, nonce="n-1") == vc.BAD_KEY_BINDING


def test_presenting_a_field_the_credential_lacks_fails(world: World) -> None:
    with pytest.raises(ValueError, match="no field id_number"):
        present_sd_jwt(issue_sd_jwt(_edu(), world.claims("cert-edu-0001")), ["id_number"])


# --- Amendments: the document hash ------------------------------------------------------------


def test_a_credential_states_the_document_hash_and_verifies_while_it_is_current(
    world: World,
) -> None:
    claims = world.claims("cert-edu-0001", doc_hash="00" * 32)
    whole = issue_vc_jwt(_edu(), claims)
    assert vc.vc_payload(_edu(), claims)["credentialSubject"]["documentHash"] == "00" * 32
    checked = verify_vc(whole, RoutesSource(world.routes), NOW_S)
    assert checked.doc_hash == "00" * 32 and checked.fields == FIELDS
    shown = present_sd_jwt(issue_sd_jwt(_edu(), claims), ["degree"])
    assert verify_vc(shown, RoutesSource(world.routes), NOW_S).doc_hash == "00" * 32


def test_a_credential_of_an_amended_away_version_is_refused_as_superseded(world: World) -> None:
    claims = world.claims("cert-edu-0001", doc_hash="00" * 32)
    whole = issue_vc_jwt(_edu(), claims)
    shown = present_sd_jwt(issue_sd_jwt(_edu(), claims), ["degree"])
    world.put(_cert("cert-edu-0001", "edu", doc_hash="11" * 32))  # amended on the chain
    assert _refused(whole, world) == vc.SUPERSEDED
    assert _refused(shown, world) == vc.SUPERSEDED
    renewed = issue_vc_jwt(_edu(), world.claims("cert-edu-0001", doc_hash="11" * 32))
    assert verify_vc(renewed, RoutesSource(world.routes), NOW_S).doc_hash == "11" * 32


def test_a_credential_without_a_document_hash_is_not_checked_against_amendments(
    world: World,
) -> None:
    legacy = issue_vc_jwt(_edu(), world.claims("cert-edu-0001"))
    world.put(_cert("cert-edu-0001", "edu", doc_hash="11" * 32))
    checked = verify_vc(legacy, RoutesSource(world.routes), NOW_S)
    assert checked.doc_hash == "" and checked.fields == FIELDS


def test_a_malformed_document_hash_is_refused(world: World) -> None:
    text = issue_vc_jwt(_edu(), world.claims("cert-edu-0001", doc_hash="AB" * 32))
    assert _refused(text, world) == vc.MALFORMED


def test_the_wallet_check_refuses_credentials_of_another_document_hash(world: World) -> None:
    claims = world.claims("cert-edu-0001", doc_hash="00" * 32)
    document = {"cert_id": "cert-edu-0001", "cert_type": "diploma", "fields": FIELDS}
    text = issue_vc_jwt(_edu(), claims)
    vc.check_issued(text, CHAIN, "edu", EDU.public_key, document, expected_doc_hash="00" * 32)
    with pytest.raises(CredentialRefused) as caught:
        vc.check_issued(text, CHAIN, "edu", EDU.public_key, document, expected_doc_hash="11" * 32)
    assert caught.value.reason == vc.SUPERSEDED


# --- Status lists, indexes, keys --------------------------------------------------------------


def test_indexes_never_move_and_collisions_take_the_next_free_one() -> None:
    size = 8
    certs = [IssuedCertificate(f"cert-{n:04}", n, "", "valid") for n in range(6)]
    first = assign_status_indexes("edu", certs[:3], size)
    later = assign_status_indexes("edu", certs, size)
    assert {k: later[k] for k in first} == first
    assert len(set(later.values())) == len(later)
    starts = [compute_status_index_start("edu", c.cert_id, size) for c in certs]
    assert len(set(starts)) < len(starts)  # these ids collide in a list of 8
    full = assign_status_indexes(
        "edu", [*certs, *(IssuedCertificate(f"x{n}", 9, "", "valid") for n in range(5))], size
    )
    assert len(full) == size


def test_the_bitstring_sets_left_most_bits_first_and_decodes() -> None:
    encoded = encode_bitstring([0, 9, 131_071])
    assert encoded.startswith("u")
    raw = decode_bitstring(encoded)
    assert raw[0] == 0x80 and raw[1] == 0x40 and raw[-1] == 0x01
    assert [get_bit(raw, i) for i in (0, 1, 9, 131_071)] == [True, False, True, True]
    assert encode_bitstring([0, 9, 131_071]) == encoded  # deterministic (no GZIP mtime)


def test_a_short_or_bombed_list_is_refused() -> None:
    with pytest.raises(CredentialFormatError):
        decode_bitstring(encode_bitstring([], 8 * 1024), 131_072)
    with pytest.raises(CredentialFormatError):
        decode_bitstring(encode_bitstring([], 131_072 * 8))
    with pytest.raises(CredentialFormatError):
        decode_bitstring("zabc")


def test_routes_serve_jwks_lists_and_refuse_the_rest(world: World) -> None:
    jwks = world.routes.answer("GET", "/credentials/v1/orgs/edu/jwks.json")
    assert jwks.status == 200 and jwks.content_type == "application/jwk-set+json"
    assert jwks.body["keys"][0]["x"] == vc.b64url(EDU.public_key)
    listed = world.routes.answer("GET", "/credentials/v1/orgs/edu/status/revocation")
    assert listed.body["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert listed.body["id"] == BASE + "/credentials/v1/orgs/edu/status/revocation"
    assert world.routes.answer("POST", "/credentials/v1/orgs/edu/jwks.json").status == 405
    assert world.routes.answer("GET", "/credentials/v1/orgs/ghost/jwks.json").status == 404
    assert world.routes.answer("GET", "/credentials/v1/orgs/edu/status/expiry").status == 404
    assert world.routes.answer("GET", "/credentials/v1/orgs/EDU/jwks.json").status == 404
    assert (
        world.routes.answer("GET", "/credentials/v1/orgs/psb/status-index/cert-edu-0001").status
        == 404
    )
    assert world.routes.answer("GET", "/metrics").status == 404
    index = world.routes.answer("GET", "/credentials/v1/orgs/edu/status-index/cert-edu-0001")
    assert index.body["doc_hash"] == "00" * 32 and isinstance(index.body["index"], int)


# --- The routes over a real socket ------------------------------------------------------------


async def _exchange(port: int, raw: bytes) -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(raw)
    writer.write_eof()  # the client is done: a cut request is answered at once, not at the timeout
    await writer.drain()
    answer = await reader.read()
    writer.close()
    return answer


def test_the_http_server_answers_and_refuses_bad_requests(world: World) -> None:
    async def scenario() -> list[bytes]:
        server = await serve_credentials(world.routes, "127.0.0.1:0", None)  # plain: asked for
        port = server.sockets[0].getsockname()[1]
        try:
            return [
                await _exchange(port, b"GET /credentials/v1/orgs/edu/jwks.json HTTP/1.1\r\n\r\n"),
                await _exchange(port, b"HEAD /credentials/v1/orgs/edu/jwks.json HTTP/1.1\r\n\r\n"),
                await _exchange(
                    port, b"DELETE /credentials/v1/orgs/edu/jwks.json HTTP/1.1\r\n\r\n"
                ),
                await _exchange(port, b"GET nowhere\r\n\r\n"),
                await _exchange(port, b"GET /" + b"a" * 10_000 + b" HTTP/1.1\r\n\r\n"),
                await _exchange(port, b"GET / HTTP/1.1\r\n"),  # closed before the end
            ]
        finally:
            server.close()
            await server.wait_closed()

    ok, head, wrong_method, garbage, oversized, cut = asyncio.run(scenario())
    assert ok.startswith(b"HTTP/1.1 200 OK\r\n")
    assert b"Content-Type: application/jwk-set+json" in ok
    keys = json.loads(ok.split(b"\r\n\r\n", 1)[1])["keys"]
    assert keys[0]["kid"] == _edu().kid
    assert head.startswith(b"HTTP/1.1 200 OK\r\n") and head.endswith(b"\r\n\r\n")
    assert wrong_method.startswith(b"HTTP/1.1 405 ")
    assert garbage.startswith(b"HTTP/1.1 400 ")
    assert oversized.startswith(b"HTTP/1.1 400 ")
    assert cut.startswith(b"HTTP/1.1 400 ")
