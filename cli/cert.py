"""`trustledger cert`: issue, verify and revoke certificates (电子证照)."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated, Any

import httpx
import typer
from rich.table import Table

from cli.common import (
    PURPOSE_CODES_HELP,
    JsonOpt,
    OrgOpt,
    OrgSession,
    Output,
    PurposeCodeOpt,
    Session,
    check_purpose_on_chain,
    emit_json,
    fail,
    field_lines,
    ledger_command,
    load_org_key,
    tx_view,
)
from cli.devnet import Devnet, DevnetNotFound
from cli.issued import keep_issued, load_issued
from contracts.catalogue.entries import CertificateType
from contracts.certificates.commitments import compute_field_commitments, encode_field_hashes
from node.chain.crypto import KeyPair
from node.chain.ids import new_id
from node.sdk.catalogue import TypeNotInCatalogue, get_certificate_type
from node.sdk.client import LedgerClient
from node.sdk.credentials import (
    JOSE_SUITE,
    CertificateClaims,
    CredentialRefused,
    HttpCredentialSource,
    IssuerKey,
    issue_sd_jwt,
    issue_vc_jwt,
    verify_vc,
)
from node.sdk.documents import DocumentInvalid, document_hash, new_document
from node.sdk.https import https_context
from node.sdk.identifiers import new_certificate_id, reissued_certificate_id
from node.sdk.presentation import PresentationRefused, read_presentation
from node.sdk.presentation_check import NonceBook, check_presentation
from node.sdk.tls import TlsFilesError
from node.sdk.wallet_requests import WalletCaller
from proto import node_pb2
from suites import Suite

app = typer.Typer(help="Issue, verify and revoke electronic certificates.", no_args_is_help=True)

ReasonOpt = Annotated[str, typer.Option(help="why, for the holder and auditors (no personal data)")]
CertIdOpt = Annotated[str, typer.Option(help="certificate id")]
FieldsOpt = Annotated[
    list[str], typer.Option("--field", help="document field as name=value; repeat")
]
TypeOpt = Annotated[
    str,
    typer.Option(
        "--type", help="certificate type of the chain's catalogue (`trustledger catalogue list`)"
    ),
]

STATUS_NAMES = {
    node_pb2.CERTIFICATE_STATUS_VALID: "valid",
    node_pb2.CERTIFICATE_STATUS_REVOKED: "revoked",
    node_pb2.CERTIFICATE_STATUS_UNKNOWN: "unknown",
    node_pb2.CERTIFICATE_STATUS_EXPIRED: "expired",
    node_pb2.CERTIFICATE_STATUS_SUSPENDED: "suspended",
    node_pb2.CERTIFICATE_STATUS_SUPERSEDED: "superseded",
}


def issue_certificate(
    client: LedgerClient,
    keypair: KeyPair,
    cert_type: str,
    holder: str,
    fields: dict[str, str],
    *,
    valid_until_ms: int = 0,
    cert_id: str | None = None,
    org_id: str | None = None,
    entry: CertificateType | None = None,
) -> tuple[dict[str, Any], Any]:
    """Build the salted document off-chain and put only its hash on-chain. The document is
    checked against `entry`, the type as the chain states it (read from the chain when not
    given: a type may be newer than this code). Without `cert_id`, the certificate gets a
    national identifier when `org_id` (the issuer) has a credit code on the chain and the
    type a type code (node/sdk/identifiers.py), else a local id. DocumentInvalid if the
    document does not fit its type; TypeNotInCatalogue if the chain has no such type."""
    if entry is None:
        entry = get_certificate_type(client, cert_type)
    if cert_id is None:
        cert_id = (
            new_id("cert")
            if org_id is None
            else new_certificate_id(client, org_id, cert_type, entry)
        )
    doc = new_document(cert_id, cert_type, fields, entry, suite=client.suite)
    committed = client.call(
        keypair,
        "certificates",
        "issue",
        {
            "cert_id": cert_id,
            "cert_type": cert_type,
            "holder": holder,
            "doc_hash": document_hash(doc, entry, suite=client.suite),
            "field_hashes": field_hashes(doc, entry, suite=client.suite),
            "valid_until_ms": valid_until_ms,
        },
    )
    return doc, committed


def field_hashes(doc: dict[str, Any], entry: CertificateType | None = None, *, suite: Suite) -> str:
    """Per-field salted commitments, published so a holder can disclose single fields;
    `entry` is the document's type as the chain states it (the legacy catalogue's if None),
    `suite` the chain's (its hash makes the commitments)."""
    return encode_field_hashes(
        compute_field_commitments(
            entry or doc["cert_type"], doc["fields"], bytes.fromhex(doc["salt"]), suite=suite
        )
    )


def chain_type(client: LedgerClient, cert_type: str) -> CertificateType:
    """The type as the chain's catalogue states it (its current version); a type the chain
    lacks ends the command with a one-line error."""
    try:
        return get_certificate_type(client, cert_type)
    except TypeNotInCatalogue as exc:
        fail(f"{exc} (`trustledger catalogue list` lists its types)")


def parse_fields(entry: CertificateType, items: list[str]) -> dict[str, str]:
    """The --field name=value items, exactly the fields of `entry` (the chain's type)."""
    cert_type = entry.id
    fields: dict[str, str] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep:
            fail(f"--field must be name=value, got {item!r}")
        fields[name] = value
    expected = set(entry.fields)
    if set(fields) != expected:
        fail(
            f"a {cert_type} needs exactly the fields: {', '.join(entry.fields)}"
            f" (missing: {', '.join(sorted(expected - set(fields))) or '-'};"
            f" unknown: {', '.join(sorted(set(fields) - expected)) or '-'})"
        )
    return fields


def operator_caller(net: Devnet, org: str) -> WalletCaller:
    """`org`'s operator certificate and key in the devnet folder (tls/<org>/operator.pem and
    .key), which sign its requests to the wallet (docs/wallet-requests.md), over HTTPS
    checked against the wallet organisation's CA."""
    folder = net.dir / "tls" / org
    try:
        return WalletCaller.load(folder / "operator.pem", folder / "operator.key", net.wallet_tls())
    except (OSError, TlsFilesError) as exc:
        fail(f"cannot read the operator certificate of {org} in {folder}: {exc}")


def deliver(
    caller: WalletCaller,
    wallet_url: str,
    holder: str,
    doc: dict[str, Any],
    credentials: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Hand the document to the holder's wallet, in a request signed by the issuer, with the
    credentials signed for it (docs/credentials.md) when there are any."""
    body: dict[str, Any] = {"document": doc}
    if credentials:
        body["credentials"] = credentials
    resp = caller.request("POST", f"{wallet_url}/v1/holders/{holder}/certificates", json=body)
    if resp.status_code >= 300:
        raise RuntimeError(f"wallet refused the delivery ({resp.status_code}): {resp.text}")
    result: dict[str, Any] = resp.json()
    return result


def verification_view(resp: node_pb2.VerifyCertificateResponse) -> dict[str, Any]:
    return {
        "cert_id": resp.cert_id,
        "status": STATUS_NAMES.get(resp.status, "unspecified"),
        "cert_type": resp.cert_type,
        "issuer": resp.issuer,
        "holder": resp.holder,
        "doc_hash": resp.doc_hash,
        "revocation_reason": resp.revocation_reason,
        "issued_height": resp.issued_height,
        "status_height": resp.status_height,
        "height": resp.height,
        "commit_signatures": len(resp.commit.votes),
    }


@ledger_command(app, "issue", signs=True)
def issue_cmd(
    s: OrgSession,
    cert_type: TypeOpt,
    holder: Annotated[str, typer.Option(help="holder pseudonym (hd…) from the wallet")],
    field: FieldsOpt = [],
    org: OrgOpt = "psb",
    valid_days: Annotated[int, typer.Option(help="validity in days; 0 = no expiry")] = 0,
    deliver_to_wallet: Annotated[
        bool, typer.Option("--deliver/--no-deliver", help="send the document to the devnet wallet")
    ] = True,
    with_credentials: Annotated[
        bool,
        typer.Option(
            "--credentials/--no-credentials",
            help="also sign it as a W3C VC (vc+jwt) and an SD-JWT VC with the org's key and"
            " deliver them with the document (docs/credentials.md)",
        ),
    ] = True,
    vc_out: Annotated[
        Path | None,
        typer.Option(help="also write the credentials to this folder (<cert id>.vc.jwt, .sd-jwt)"),
    ] = None,
) -> Output:
    """Issue a certificate: its salted hash goes on-chain, the document to the holder's wallet
    (with the certificate as open credentials signed by the issuing organisation)."""
    entry = chain_type(s.client, cert_type)
    fields = parse_fields(entry, field)
    until_ms = _valid_until_ms(s, valid_days)  # what the chain and the credentials both say
    try:
        doc, committed = issue_certificate(
            s.client,
            s.keypair,
            cert_type,
            holder,
            fields,
            valid_until_ms=until_ms,
            org_id=org,
            entry=entry,
        )
    except DocumentInvalid as exc:
        fail(str(exc))
    keep_issued(s.net.dir, org, s.keypair, s.client.suite, doc)
    credentials: dict[str, str] = {}
    skipped = ""
    if with_credentials or vc_out is not None:
        try:
            credentials = sign_credentials(
                s,
                org,
                holder,
                doc,
                committed.height,
                until_ms,
                document_hash(doc, entry, suite=s.client.suite),
            )
        except CredentialsUnavailable as exc:
            skipped = str(exc)
    if vc_out is not None and credentials:
        vc_out.mkdir(parents=True, exist_ok=True)
        (vc_out / f"{doc['cert_id']}.vc.jwt").write_text(credentials["vc_jwt"] + "\n")
        (vc_out / f"{doc['cert_id']}.sd-jwt").write_text(credentials["sd_jwt"] + "\n")
    if deliver_to_wallet:
        _deliver_or_fail(s, org, holder, doc, "issued on-chain", credentials)
    if vc_out is not None and not credentials:
        fail(f"issued and delivered, but no credentials to write: {skipped}")
    return Output(
        {
            "cert_id": doc["cert_id"],
            **tx_view(committed),
            "doc_hash": document_hash(doc, entry, suite=s.client.suite),
            "delivered": deliver_to_wallet,
            "credentials": sorted(credentials),
            **({"credentials_skipped": skipped} if skipped else {}),
        },
        f"[green]issued[/] {cert_type} {doc['cert_id']} to {holder} in block {committed.height}"
        + (" and delivered to the wallet" if deliver_to_wallet else "")
        + (f" with its credentials ({', '.join(sorted(credentials))})" if credentials else "")
        + (f"; credentials skipped: {skipped}" if skipped else ""),
    )


def _valid_until_ms(s: Session, valid_days: int) -> int:
    """The end of a validity of `valid_days` from the chain's time; 0 (no expiry) for 0."""
    return 0 if valid_days == 0 else s.days_from_now_ms(valid_days)


class CredentialsUnavailable(Exception):
    """The certificate is on the chain, but it cannot be signed as open credentials now
    (no credential routes in this devnet, no status index from the node)."""


def sign_credentials(
    s: OrgSession,
    org: str,
    holder: str,
    doc: dict[str, Any],
    height: int,
    valid_until_ms: int,
    doc_hash: str,
) -> dict[str, str]:
    """The committed certificate as a vc+jwt and an SD-JWT VC signed with `org`'s key, their
    status entries at the index the devnet's node derives for it, stating the document's
    hash (a verifier refuses them as superseded once an amendment changes it;
    docs/credentials.md). A chain whose suite JOSE cannot carry (SM2: no registered JWS
    algorithm) issues none: CredentialsUnavailable says so."""
    if s.client.suite.name != JOSE_SUITE.name:
        raise CredentialsUnavailable(
            f"JOSE has no registered SM2 algorithm: a {s.client.suite.name} chain issues no"
            " vc+jwt or SD-JWT credentials (docs/credentials.md)"
        )
    try:
        base = s.net.credentials_url_of(s.client.address)
        source = HttpCredentialSource(base, tls=s.net.credentials_tls())
        index = source.get_status_index(org, doc["cert_id"])
    except (CredentialRefused, DevnetNotFound) as exc:
        raise CredentialsUnavailable(f"no status index for the credentials: {exc}") from None
    claims = CertificateClaims(
        cert_id=doc["cert_id"],
        cert_type=doc["cert_type"],
        holder=holder,
        fields=doc["fields"],
        issued_at_s=s.client.get_block(height).block.header.time_ms // 1000,
        valid_until_s=valid_until_ms // 1000,
        status_base_url=base,
        status_index=index,
        doc_hash=doc_hash,
    )
    key = IssuerKey(s.net.chain_id, org, s.keypair)
    return {"vc_jwt": issue_vc_jwt(key, claims), "sd_jwt": issue_sd_jwt(key, claims)}


def _deliver_or_fail(
    s: OrgSession,
    org: str,
    holder: str,
    doc: dict[str, Any],
    done: str,
    credentials: dict[str, str] | None = None,
) -> None:
    try:
        deliver(operator_caller(s.net, org), s.net.wallet_url, holder, doc, credentials)
    except (RuntimeError, httpx.HTTPError) as exc:
        fail(f"{done}, but delivery to the wallet failed: {exc}")


@ledger_command(app, "verify", calls_as="bank")
def verify_cmd(
    s: Session,
    cert_id: CertIdOpt,
    doc_hash: Annotated[
        str, typer.Option(help="hex hash of the document you hold (optional)")
    ] = "",
    purpose_code: PurposeCodeOpt = "",
) -> Output:
    """Verify a certificate over gRPC and check the answer's commit certificate against the
    validator sets followed from genesis. A purpose code (optional) is checked by the node
    and shown with the answer; a read records nothing on the chain."""
    resp = s.client.verify_certificate(
        cert_id, doc_hash, validators=s.validator_schedule(), purpose_code=purpose_code
    )
    view = verification_view(resp)
    if doc_hash:
        view["doc_hash_matches"] = resp.doc_hash_matches
    if purpose_code:
        view["purpose_code"] = resp.purpose_code
    colour = {"valid": "green", "revoked": "red", "expired": "yellow"}.get(
        view["status"], "magenta"
    )
    table = Table(title=f"certificate {cert_id}", show_header=False)
    for k, v in view.items():
        table.add_row(k, f"[{colour}]{v}[/]" if k == "status" else str(v))
    return Output(
        view,
        table,
        f"answer at height {resp.height} is final: {len(resp.commit.votes)} validator signatures checked against genesis",
    )


@ledger_command(app, "revoke", signs=True)
def revoke_cmd(s: OrgSession, cert_id: CertIdOpt, reason: ReasonOpt, org: OrgOpt = "psb") -> Output:
    """Revoke a certificate; only its issuer may."""
    committed = s.call("certificates", "revoke", {"cert_id": cert_id, "reason": reason})
    return Output(
        {"cert_id": cert_id, **tx_view(committed)},
        f"[red]revoked[/] {cert_id} in block {committed.height}",
    )


def _change(s: OrgSession, method: str, args: dict[str, Any]) -> Output:
    """A change of a certificate's status or validity, reported with its arguments."""
    committed = s.call("certificates", method, args)
    return Output(
        {**args, **tx_view(committed)},
        f"{method} {args['cert_id']}: committed in block {committed.height}",
    )


@ledger_command(app, "suspend", signs=True)
def suspend_cmd(
    s: OrgSession, cert_id: CertIdOpt, reason: ReasonOpt, org: OrgOpt = "psb"
) -> Output:
    """Suspend a certificate (it verifies as suspended until reinstated)."""
    return _change(s, "suspend", {"cert_id": cert_id, "reason": reason})


@ledger_command(app, "reinstate", signs=True)
def reinstate_cmd(
    s: OrgSession, cert_id: CertIdOpt, reason: ReasonOpt = "reinstated", org: OrgOpt = "psb"
) -> Output:
    """Reinstate a suspended certificate."""
    return _change(s, "reinstate", {"cert_id": cert_id, "reason": reason})


@ledger_command(app, "renew", signs=True)
def renew_cmd(
    s: OrgSession,
    cert_id: CertIdOpt,
    valid_days: Annotated[int, typer.Option(help="new validity from now, in days")],
    field: Annotated[
        list[str],
        typer.Option(
            "--field",
            help="the document's fields as name=value, repeat: also re-sign its open"
            " credentials with the new validUntil (an amendment with the same fields, a"
            " fresh salt) and deliver them to the wallet (docs/credentials.md)",
        ),
    ] = [],
    reason: Annotated[str, typer.Option(help="the amendment's reason, with --field")] = "renewed",
    org: OrgOpt = "psb",
) -> Output:
    """Renew a certificate: a new end of validity, and its open credentials re-signed with
    it from the document in the issuer's own register (cli/issued.py) and delivered to the
    wallet with that same document. With --field the renewal is followed by an amendment
    with those fields instead, whose document and re-signed credentials replace the old ones
    in the wallet (the old ones then verify as superseded)."""
    until = s.days_from_now_ms(valid_days)
    renewed = _change(s, "renew", {"cert_id": cert_id, "valid_until_ms": until})
    if not field:
        return _resign_renewed(s, org, cert_id, until, renewed)
    cert_type = str(s.client.query("certificates", "status", cert_id=cert_id)["cert_type"])
    amended = _replace_document(s, org, "amend", cert_id, cert_type, field, reason)
    return Output(
        {**amended.doc, "valid_until_ms": until, "renewed_height": renewed.doc["height"]},
        *renewed.human,
        *amended.human,
    )


def _resign_renewed(
    s: OrgSession, org: str, cert_id: str, until_ms: int, renewed: Output
) -> Output:
    """After a renewal: the credentials re-signed from the issuer's register with the new
    validUntil, delivered with the unchanged document (its hash is still the chain's, so the
    old credentials are not superseded: they only end earlier). Without a record of the
    current document (issued before the register, or elsewhere), or on a chain whose suite
    JOSE cannot carry, the renewal stands and the output says why nothing was re-signed."""
    current = s.client.query("certificates", "status", cert_id=cert_id)
    doc = load_issued(s.net.dir, org, s.keypair, s.client.suite, str(current["cert_id"]))
    height = int(renewed.doc["height"])
    skipped = ""
    credentials: dict[str, str] = {}
    if doc is None:
        skipped = f"{org} has no record of {current['cert_id']}'s document: give --field"
    elif (
        document_hash(doc, chain_type(s.client, str(doc["cert_type"])), suite=s.client.suite)
        != current["doc_hash"]
    ):
        skipped = f"{org}'s record of {current['cert_id']} is not its current document"
    else:
        try:
            credentials = sign_credentials(
                s, org, current["holder"], doc, height, until_ms, current["doc_hash"]
            )
        except CredentialsUnavailable as exc:
            skipped = str(exc)
    if credentials and doc is not None:
        _deliver_or_fail(s, org, current["holder"], doc, "renew committed", credentials)
    return Output(
        {
            **renewed.doc,
            "credentials": sorted(credentials),
            **({"credentials_skipped": skipped} if skipped else {}),
        },
        *renewed.human,
        f"credentials re-signed with the new validity ({', '.join(sorted(credentials))}) and"
        " delivered to the wallet"
        if credentials
        else f"credentials not re-signed: {skipped}",
    )


def _replace_document(
    s: OrgSession,
    org: str,
    method: str,
    cert_id: str,
    cert_type: str,
    field: list[str],
    reason: str,
    valid_days: int = 0,
) -> Output:
    """amend (same id, new version) or reissue (a new id supersedes the old one); the new
    document goes to the holder's wallet."""
    entry = chain_type(s.client, cert_type)
    fields = parse_fields(entry, field)
    current = s.client.query("certificates", "status", cert_id=cert_id)
    if current["cert_type"] != cert_type:
        fail(f"{cert_id} is a {current['cert_type']}, not a {cert_type}")
    # Any version of a national identifier names the certificate; the chain records it under
    # the id it was issued with, and a reissue takes the version after the current one.
    cert_id = current["cert_id"]
    identifier = current.get("identifier", cert_id)
    new_cert_id = cert_id if method == "amend" else reissued_certificate_id(identifier)
    try:
        doc = new_document(new_cert_id, cert_type, fields, entry, suite=s.client.suite)
    except DocumentInvalid as exc:
        fail(str(exc))
    args: dict[str, Any] = {
        "cert_id": cert_id,
        "doc_hash": document_hash(doc, entry, suite=s.client.suite),
        "field_hashes": field_hashes(doc, entry, suite=s.client.suite),
        "reason": reason,
    }
    if method == "reissue":
        args.update(new_cert_id=new_cert_id, valid_until_ms=_valid_until_ms(s, valid_days))
    committed = s.call("certificates", method, args)
    keep_issued(s.net.dir, org, s.keypair, s.client.suite, doc)
    until_ms = int(args.get("valid_until_ms", current.get("valid_until_ms", 0)))
    try:
        credentials = sign_credentials(
            s, org, current["holder"], doc, committed.height, until_ms, args["doc_hash"]
        )
    except CredentialsUnavailable:
        credentials = {}  # the document still goes; the wallet drops the old credentials
    _deliver_or_fail(s, org, current["holder"], doc, f"{method} committed", credentials)
    return Output(
        {
            "cert_id": new_cert_id,
            "replaces": cert_id,
            **tx_view(committed),
            "doc_hash": args["doc_hash"],
            "credentials": sorted(credentials),
        },
        f"{method}: {new_cert_id} committed in block {committed.height} and delivered to the wallet"
        + (f" with its credentials ({', '.join(sorted(credentials))})" if credentials else ""),
    )


@ledger_command(app, "amend", signs=True)
def amend_cmd(
    s: OrgSession,
    cert_id: CertIdOpt,
    cert_type: TypeOpt,
    reason: ReasonOpt,
    field: FieldsOpt = [],
    org: OrgOpt = "psb",
) -> Output:
    """Amend a certificate's document: a new version under the same id; history is kept."""
    return _replace_document(s, org, "amend", cert_id, cert_type, field, reason)


@ledger_command(app, "reissue", signs=True)
def reissue_cmd(
    s: OrgSession,
    cert_id: CertIdOpt,
    cert_type: TypeOpt,
    reason: ReasonOpt,
    field: FieldsOpt = [],
    valid_days: int = 0,
    org: OrgOpt = "psb",
) -> Output:
    """Reissue (补发): a new certificate id supersedes the old one."""
    return _replace_document(s, org, "reissue", cert_id, cert_type, field, reason, valid_days)


@ledger_command(app, "check-presentation", calls_as="bank")
def check_presentation_cmd(
    s: Session,
    file: Annotated[
        Path,
        typer.Option(
            help="the presentation a holder showed (亮证): its QR text (TLP1.… or TLP2.…), or the "
            "wallet's JSON answer holding it"
        ),
    ],
    verifier: Annotated[
        str, typer.Option(help="the organisation it is shown to (a bound one must match)")
    ] = "bank",
    record_as: Annotated[
        str, typer.Option(help="verifier org: also record the check on-chain (验证记录)")
    ] = "",
    purpose: Annotated[
        str, typer.Option(help="purpose recorded with the verification")
    ] = "verification",
    purpose_code: PurposeCodeOpt = "",
) -> Output:
    """Check a holder's signed presentation against the chain: signature, time, verifier
    binding, the holder, and each disclosed field against its commitment. One run checks one
    presentation; refusing a replayed one needs a verifier that remembers (the window page)."""
    try:
        text = file.read_text(encoding="utf-8").strip()
        if text.startswith("{"):
            text = str(json.loads(text).get("presentation", ""))
    except (OSError, ValueError, AttributeError) as exc:
        fail(f"cannot read presentation {file}: {exc}")
    if record_as and not purpose_code:
        fail(f"--record-as needs --purpose-code (申请事由): one of {PURPOSE_CODES_HELP}")
    if record_as:
        check_purpose_on_chain(s.client, purpose_code)
    now_ms = time.time_ns() // 1_000_000
    try:
        checked = check_presentation(
            s.client,
            text,
            s.validator_schedule(),
            verifier=verifier,
            now_ms=now_ms,
            nonces=NonceBook(),
        )
        result = "passed" if checked.status == "valid" else "failed"
        cert_id = checked.presentation.cert_id
    except PresentationRefused as exc:
        checked, result = None, "failed"
        problem = f"{exc} ({exc.reason})"
        cert_id = _cert_id_of(text)
    recorded = None
    if record_as and cert_id:
        c = s.client.call(
            load_org_key(s.net, record_as, None),
            "certificates",
            "record_verification",
            {
                "cert_id": cert_id,
                "verification_id": new_id("ver"),
                "result": result,
                "purpose": purpose,
                "purpose_code": purpose_code,
            },
        )
        recorded = c.height
    if checked is None:
        fail(
            f"presentation refused: {problem}"
            + (f" (recorded in block {recorded})" if recorded else "")
        )
    p = checked.presentation
    return Output(
        {
            "cert_id": p.cert_id,
            "cert_type": p.cert_type,
            "status": checked.status,
            "issuer": checked.issuer,
            "holder": checked.holder,
            "fields": checked.fields,
            "height": checked.height,
            "expires_at_ms": p.expires_at_ms,
            "result": result,
            "recorded_height": recorded,
        },
        f"{p.cert_type} {p.cert_id} from {checked.issuer}: status {checked.status}; "
        f"disclosed fields match the chain (proof at height {checked.height})",
        *field_lines(checked.fields),
    )


def _cert_id_of(text: str) -> str:
    """The certificate a refused presentation names, if it can be read at all (a check of a
    forged one is recorded against the certificate it claims)."""
    try:
        return read_presentation(text).cert_id
    except PresentationRefused:
        return ""


@app.command("verify-vc")
def verify_vc_cmd(
    file: Annotated[
        Path, typer.Argument(help="a vc+jwt, an SD-JWT VC or its presentation (text file)")
    ],
    node_url: Annotated[
        str,
        typer.Option(
            help="base URL of the node whose credential routes you trust (keys, status"
            " lists); the devnet's first validator if empty"
        ),
    ] = "",
    audience: Annotated[
        str, typer.Option(help="SD-JWT key binding: expected aud (asks for a KB-JWT)")
    ] = "",
    nonce: Annotated[
        str, typer.Option(help="SD-JWT key binding: expected nonce (asks for a KB-JWT)")
    ] = "",
    ca: Annotated[
        list[Path] | None,
        typer.Option(
            help="CA certificate (PEM) the node's HTTPS certificate is checked with"
            " (repeatable); the devnet's validator CAs if none and the devnet folder is there,"
            " else the system's"
        ),
    ] = None,
    dir: Annotated[Path, typer.Option(help="devnet folder (for the default node URL)")] = Path(
        "devnet"
    ),
    json_out: JsonOpt = False,
) -> None:
    """Verify a W3C VC (vc+jwt) or an SD-JWT VC over HTTP only: the issuer's key from its
    JWKS, the signature, validity, the revocation and suspension bits, the document hash
    against the chain's (an amended-away credential is superseded), an SD-JWT's disclosures
    and its key binding. Exits 1 with the reason when it is refused."""
    try:
        text = file.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError) as exc:
        fail(f"cannot read {file}: {exc}")
    net: Devnet | None = None
    try:
        net = Devnet.load(dir)
        node_url = node_url or net.credentials_url
    except (DevnetNotFound, OSError, ValueError, KeyError) as exc:
        if not node_url:
            fail(f"give --node-url: {exc}")
    try:
        tls = https_context(ca) if ca else None if net is None else net.credentials_tls()
    except TlsFilesError as exc:
        fail(str(exc))
    try:
        checked = verify_vc(
            text,
            HttpCredentialSource(node_url, tls=tls),
            int(time.time()),
            audience=audience,
            nonce=nonce,
        )
    except CredentialRefused as exc:
        if json_out:
            emit_json({"verified": False, "reason": exc.reason, "message": exc.message})
            raise typer.Exit(1) from None
        fail(f"credential refused ({exc.reason}): {exc.message}")
    doc = {
        "verified": True,
        "format": checked.format,
        "issuer": checked.org_id,
        "kid": checked.kid,
        "cert_id": checked.cert_id,
        "cert_type": checked.cert_type,
        "holder": checked.holder,
        "fields": checked.fields,
        "valid_until_s": checked.valid_until_s,
        "key_bound": checked.key_bound,
        "doc_hash": checked.doc_hash,
        "status": {p: "set" if bit else "clear" for p, bit in checked.statuses.items()},
    }
    Output(
        doc,
        f"[green]verified[/] {checked.format} {checked.cert_type} {checked.cert_id} from"
        f" {checked.org_id} (key {checked.kid}); revocation and suspension bits clear at"
        f" {node_url}",
        *field_lines(checked.fields),
    ).print(json_out)
