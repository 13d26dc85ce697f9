"""Catalogue and registry checks found by mutation testing (issue 19, docs/mutation.md).

Both packages check themselves at import (``check_catalogue``, ``check_registry``), before
any test runs, so these tests call the checks again on good and on broken entries. They
check which entries are refused and the error kinds, never a message text.
"""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace

import pytest

import contracts.catalogue as catalogue
from contracts import registry
from contracts.catalogue import CERTIFICATE_TYPES, RECORD_CATEGORIES, CatalogueError
from contracts.catalogue.entries import CertificateType, RecordCategory
from contracts.framework import limits

DIPLOMA = CERTIFICATE_TYPES["diploma"]


def test_the_shipped_catalogue_and_registry_pass_their_checks() -> None:
    assert catalogue.get_catalogue_problems() == []
    catalogue.check_catalogue()
    registry.check_registry()


def test_a_catalogue_problem_stops_the_build(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(catalogue, "get_catalogue_problems", lambda: ["broken"])
    with pytest.raises(CatalogueError):
        catalogue.check_catalogue()


@pytest.mark.parametrize(
    "change",
    [
        {"id": "Diploma"},
        {"fields": ("holder_name", "holder_name")},
        {"fields": ("holder_name", "Bad-Field")},
        {"fields": tuple(f"field_{n}" for n in range(limits.NAME_LIST_LENGTH_MAX + 1))},
        {"field_lengths_max": (("nickname", 10),)},
        {"validity_ms_max": -1},
        {"type_code": "11100000000000002Q01"},  # 2 digits after the body's code
        {"type_code": "11100000000000002R001"},  # a wrong GB 32100 check character
    ],
)
def test_each_malformed_certificate_type_has_one_problem(change: dict[str, object]) -> None:
    broken = dataclasses.replace(DIPLOMA, **change)  # type: ignore[arg-type]
    problems = catalogue.get_certificate_type_problems(broken)
    assert len(problems) == 1 and isinstance(problems[0], str)


def test_a_certificate_type_at_the_edges_has_no_problem() -> None:
    most = tuple(f"field_{n}" for n in range(limits.NAME_LIST_LENGTH_MAX))
    assert catalogue.get_certificate_type_problems(dataclasses.replace(DIPLOMA, fields=most)) == []
    for cert_type in CERTIFICATE_TYPES.values():
        assert catalogue.get_certificate_type_problems(cert_type) == []


@pytest.mark.parametrize(
    ("types", "categories", "count"),
    [
        ((DIPLOMA, DIPLOMA), None, 2),  # a type listed twice (and so its type code)
        ((DIPLOMA, dataclasses.replace(DIPLOMA, id="diploma_copy")), None, 1),  # one code twice
        ((DIPLOMA, dataclasses.replace(DIPLOMA, id="diploma_copy", type_code="")), None, 0),
        ((dataclasses.replace(DIPLOMA, id="Bad"),), None, 1),
        (None, (RECORD_CATEGORIES["medical"],) * 2, 1),  # a category listed twice
        (None, (RecordCategory("Bad", "坏", "Bad", ("person",)),), 1),
        (None, (RecordCategory("orphan", "孤", "Orphan", ()),), 1),
        (None, (RecordCategory("Bad", "坏", "Bad", ()),), 2),
    ],
)
def test_each_catalogue_problem_is_found(
    monkeypatch: pytest.MonkeyPatch,
    types: tuple[CertificateType, ...] | None,
    categories: tuple[RecordCategory, ...] | None,
    count: int,
) -> None:
    if types is not None:
        monkeypatch.setattr(catalogue, "TYPES", types)
        monkeypatch.setattr(catalogue, "CERTIFICATE_TYPES", {t.id: t for t in types})
    if categories is not None:
        monkeypatch.setattr(catalogue, "CATEGORIES", categories)
        monkeypatch.setattr(catalogue, "RECORD_CATEGORIES", {c.id: c for c in categories})
    problems = catalogue.get_catalogue_problems()
    assert len(problems) == count and all(isinstance(p, str) and p for p in problems)


@pytest.mark.parametrize(
    ("text", "passes"),
    [
        ('["holder_name", "sex"]', True),
        ("[]", True),
        ("not json", True),  # its reader refuses it, with its own message
        ('["nickname"]', True),  # of a name's form: the contract checks it against the type
        ('["note: call me"]', False),
        ('["Holder_name"]', False),
        ('["holder_name", 5]', False),
        ('"holder_name"', False),
        ('{"holder_name": "x"}', False),
    ],
)
def test_the_fields_admission_check(text: str, passes: bool) -> None:
    assert (catalogue.get_fields_admission_problem(text) is None) is passes


def test_catalogue_entries_give_their_names_and_field_bounds() -> None:
    licence = CERTIFICATE_TYPES["business_licence"]
    assert licence.get_names_json() == {
        "id": "business_licence",
        "name_zh": "营业执照",
        "name_en": "Business licence",
    }
    assert licence.get_field_length_max("business_scope") == 2000
    assert licence.get_field_length_max("company_name") == limits.FIELD_VALUE_LENGTH_MAX_DEFAULT


def version(name: str, number: int) -> SimpleNamespace:
    return SimpleNamespace(name=name, version=number)


@pytest.mark.parametrize(
    "shipped",
    [
        ((version("a", 1), version("b", 2)),),  # two names in one line
        ((version("a", 1), version("a", 1)),),  # a version twice
        ((version("a", 2),),),  # no version 1
        ((version("a", 1),), (version("a", 1),)),  # a contract listed twice
    ],
)
def test_an_inconsistent_registry_stops_the_build(
    monkeypatch: pytest.MonkeyPatch, shipped: tuple[tuple[SimpleNamespace, ...], ...]
) -> None:
    monkeypatch.setattr(registry, "SHIPPED", shipped)
    monkeypatch.setattr(registry, "REGISTRY", {line[0].name: {} for line in shipped})
    with pytest.raises(registry.RegistryError):
        registry.check_registry()


def test_a_consistent_registry_passes_until_a_contract_is_listed_twice(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    shipped = ((version("a", 1), version("a", 2)), (version("b", 1),))
    monkeypatch.setattr(registry, "SHIPPED", shipped)
    monkeypatch.setattr(registry, "REGISTRY", {"a": {}, "b": {}})
    assert registry.check_registry() is None
    monkeypatch.setattr(registry, "SHIPPED", (*shipped, (version("b", 1),)))
    with pytest.raises(registry.RegistryError):
        registry.check_registry()
