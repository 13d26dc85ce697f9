"""The genesis document: chain id, validators and founding organisations.

Every node of a chain starts from the same genesis file; its hash is the previous-hash
of block 1, so two chains with different genesis files can never share a block.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from consensus.validators import Validator, ValidatorSet
from contracts.catalogue.lookup import (
    GenesisCatalogue,
    encode_genesis_catalogue,
    parse_genesis_catalogue,
)
from contracts.framework.codec import canonical_json
from contracts.framework.errors import ContractError
from contracts.membership.organisations import Organisation
from contracts.runtime import genesis_writes
from node.chain.statetree import TreeUpdate, build_tree
from suites import ED25519_SHA256, Suite, UnknownSuiteError, get_suite


class GenesisError(Exception):
    """The genesis file is missing or malformed."""


@dataclass(frozen=True, slots=True)
class Genesis:
    chain_id: str
    genesis_time_ms: int
    validators: ValidatorSet
    organisations: tuple[Organisation, ...]
    ca_certificates: tuple[tuple[str, str], ...] = ()
    """(org id, CA certificate PEM) of the founding organisations that pin one, sorted by
    org id; an organisation's entry in the file carries it as ``ca_certificate``."""
    credit_codes: tuple[tuple[str, str], ...] = ()
    """(org id, unified social credit code) of the founding organisations that have one,
    sorted by org id; an organisation's entry in the file carries it as ``credit_code``."""
    validator_operators: tuple[tuple[str, str], ...] = ()
    """(validator id, org id) of the genesis validators whose operator is named, sorted by
    validator id; a validator's entry in the file carries it as ``operator``. The operator's
    CA must have issued the validator's TLS certificate; a validator without one is never
    accepted as a peer (node/transport/rules.py)."""
    catalogue: GenesisCatalogue | None = None
    """The certificate types, record categories and purposes the chain starts with (the
    file's ``catalogue``); None on chains made before the catalogue moved onto the chain,
    which keep the legacy one (contracts/catalogue/shelves.py)."""
    suite: Suite = ED25519_SHA256
    """The chain's crypto suite (issue 18), the file's ``suite`` by name; chains made before
    the field existed are ``ed25519-sha256``, the default. Everything that hashes, signs or
    seals for this chain is handed this object (docs/sm-suite.md)."""

    def to_json(self) -> dict[str, object]:
        cas = dict(self.ca_certificates)
        codes = dict(self.credit_codes)
        operators = dict(self.validator_operators)
        return {
            "chain_id": self.chain_id,
            # Only when not the default: genesis files made before suites keep their hash.
            **({"suite": self.suite.name} if self.suite is not ED25519_SHA256 else {}),
            "genesis_time_ms": self.genesis_time_ms,
            "validators": [
                {
                    "id": v.id,
                    "public_key": v.public_key.hex(),
                    # Only when named: genesis files without operators keep their hash.
                    **({"operator": operators[v.id]} if v.id in operators else {}),
                }
                for v in self.validators.validators
            ],
            "organisations": [
                {
                    "id": o.id,
                    "name": o.name,
                    "public_key": o.public_key.hex(),
                    "roles": list(o.roles),
                    "cert_types": list(o.cert_types),
                    "record_categories": list(o.record_categories),
                    # Only when pinned: genesis files without CAs keep their hash.
                    **({"ca_certificate": cas[o.id]} if o.id in cas else {}),
                    # Only when given: genesis files without codes keep their hash.
                    **({"credit_code": codes[o.id]} if o.id in codes else {}),
                }
                for o in self.organisations
            ],
            # Only when given: genesis files without a catalogue keep their hash.
            **(
                {"catalogue": encode_genesis_catalogue(self.catalogue)}
                if self.catalogue is not None
                else {}
            ),
        }

    @property
    def hash(self) -> bytes:
        return self.suite.hash(b"trustledger/v1/genesis\x00" + canonical_json(self.to_json()))

    def state_writes(self) -> list[tuple[bytes, bytes | None]]:
        return list(
            genesis_writes(
                self.organisations,
                validators=self.validators.validators,
                ca_certificates=self.get_ca_certificates(),
                validator_operators=dict(self.validator_operators),
                credit_codes=dict(self.credit_codes),
                catalogue=self.catalogue,
            )
        )

    def get_ca_certificates(self) -> Mapping[str, str]:
        """Org id -> the CA certificate genesis pins for it."""
        return dict(self.ca_certificates)

    def state_tree(self) -> TreeUpdate:
        """The authenticated state tree of the genesis state (root and nodes)."""
        return build_tree(((k, v) for k, v in self.state_writes() if v is not None), self.suite)

    @property
    def state_root(self) -> bytes:
        return self.state_tree().root

    @classmethod
    def from_json(cls, raw: object) -> Genesis:
        try:
            doc = as_dict(raw)
            validators = tuple(
                sorted(
                    (Validator(v["id"], bytes.fromhex(v["public_key"])) for v in doc["validators"]),
                    key=lambda v: v.id,
                )
            )
            orgs = tuple(
                Organisation(
                    id=o["id"],
                    name=o["name"],
                    public_key=bytes.fromhex(o["public_key"]),
                    roles=tuple(o["roles"]),
                    cert_types=tuple(o.get("cert_types", ())),
                    record_categories=tuple(o.get("record_categories", ())),
                )
                for o in doc["organisations"]
            )
            cas = tuple(
                sorted(
                    (str(o["id"]), _as_pem(o["ca_certificate"]))
                    for o in doc["organisations"]
                    if "ca_certificate" in o
                )
            )
            codes = tuple(
                sorted(
                    (str(o["id"]), _as_text(o["credit_code"], "credit_code"))
                    for o in doc["organisations"]
                    if "credit_code" in o
                )
            )
            operators = tuple(
                sorted(
                    (str(v["id"]), _as_org_id(v["operator"]))
                    for v in doc["validators"]
                    if "operator" in v
                )
            )
            org_ids = {o.id for o in orgs}
            for validator_id, operator in operators:
                if operator not in org_ids:
                    raise ValueError(
                        f"validator {validator_id}: operator {operator!r} is not a founding"
                        " organisation"
                    )
            genesis = cls(
                chain_id=str(doc["chain_id"]),
                genesis_time_ms=int(doc["genesis_time_ms"]),
                validators=ValidatorSet(validators),
                organisations=orgs,
                ca_certificates=cas,
                credit_codes=codes,
                validator_operators=operators,
                catalogue=(
                    parse_genesis_catalogue(doc["catalogue"]) if "catalogue" in doc else None
                ),
                suite=get_suite(doc["suite"]) if "suite" in doc else ED25519_SHA256,
            )
            # The contracts judge the founding records (roles, names, keys) here, not first
            # when a node builds its state (found by fuzz/: a ContractError at start-up).
            genesis.state_writes()
            return genesis
        except UnknownSuiteError as exc:
            raise GenesisError(f"invalid genesis: {exc}") from exc
        except (KeyError, TypeError, ValueError) as exc:
            raise GenesisError(f"malformed genesis: {exc!r}") from exc
        except ContractError as exc:
            raise GenesisError(f"invalid genesis: {exc.message}") from exc

    @classmethod
    def load(cls, path: Path) -> Genesis:
        try:
            return cls.from_json(json.loads(path.read_text(encoding="utf-8")))
        except OSError as exc:
            raise GenesisError(f"cannot read genesis {path}: {exc}") from exc
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:  # found by fuzz/ (genesis)
            raise GenesisError(f"genesis {path} is not JSON: {exc}") from exc

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.to_json(), indent=2, ensure_ascii=False), encoding="utf-8")


def _as_pem(value: object) -> str:
    """A CA certificate as the file gives it: PEM text (its shape is checked with the state)."""
    if not isinstance(value, str):
        raise TypeError("an organisation's ca_certificate must be PEM text")
    return value


def _as_text(value: object, what: str) -> str:
    """A text value of the file (what it must be is checked with the state)."""
    if not isinstance(value, str):
        raise TypeError(f"an organisation's {what} must be text")
    return value


def _as_org_id(value: object) -> str:
    """A validator's operator as the file gives it: an organisation id (that it names a
    founding organisation is checked with the state)."""
    if not isinstance(value, str):
        raise TypeError("a validator's operator must be an organisation id")
    return value


def as_dict(doc: object) -> dict[str, Any]:
    """The parsed JSON as an object; anything else is a malformed genesis."""
    if not isinstance(doc, dict):
        raise TypeError("genesis must be a JSON object")
    return doc
