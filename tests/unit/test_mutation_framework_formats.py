"""Edges of contracts/framework/formats.py found by mutation testing (issue 19,
docs/mutation.md): each format at its exact length bounds, the endpoint rules one by one, and
free text at the digit-run bound. Checked by verdict (None or a problem), never by text.
"""

from __future__ import annotations

import pytest

from contracts.framework import formats, limits

HOST_MAX = ".".join(["a" * 63] * 3 + ["b" * 61])
"""A host name of exactly VALIDATOR_HOST_LENGTH_MAX characters, every label at most 63."""


def test_the_longest_endpoint_and_host() -> None:
    assert len(HOST_MAX) == limits.VALIDATOR_HOST_LENGTH_MAX
    longest = f"{HOST_MAX}:65535"
    assert len(longest) == limits.VALIDATOR_ENDPOINT_LENGTH_MAX
    assert formats.get_endpoint_problem(longest) is None
    assert formats.get_endpoint_problem(longest + "5") is not None
    assert formats.get_endpoint_problem(f"a{HOST_MAX}:1") is not None  # host one too long
    assert formats.get_endpoint_problem(f"{HOST_MAX}:1") is None


@pytest.mark.parametrize(
    "endpoint",
    [
        "a:1",
        "node-1.example.cn:65535",
        "10.0.0.1:26656",
        "255.255.255.255:80",
        "0.0.0.1:80",
        "[::1]:80",
        "[fe80::1%25]:80".replace("%25", ""),
        "host1.example:80",
        "1a.2b:80",
        "a" * 63 + ".cn:80",
    ],
)
def test_endpoints_peers_can_reach(endpoint: str) -> None:
    assert formats.get_endpoint_problem(endpoint) is None


@pytest.mark.parametrize(
    "endpoint",
    [
        "",
        "host",
        ":80",
        "host:",
        "host:0",
        "host:65536",
        "host:080",
        "host:123456",
        "host:8a",
        "0.0.0.0:80",
        "[::]:80",
        "[::0]:80",
        "[0:0:0:0:0:0:0:0]:80",
        "[zz]:80",
        "[:]:80",
        "[::1:80",
        "a..b:80",
        "-a.b:80",
        "a-.b:80",
        "a" * 64 + ".cn:80",
        "a_b.cn:80",
        "123:80",
        "10.0.0:80",
        "1.2.3.4.5:80",
        "256.0.0.1:80",
        "10.0.0.256:80",
        "01.0.0.1:80",
        "1000.0.0.1:80",
    ],
)
def test_endpoints_that_are_refused(endpoint: str) -> None:
    assert formats.get_endpoint_problem(endpoint) is not None


@pytest.mark.parametrize(
    ("text", "ok"),
    [
        ("x", True),
        ("1234567890", True),  # ten digits: a date and time still fit
        ("12345678901", False),
        ("12345-67890 and 12345", True),
        ("1 2 3 4 5 6 7 8 9 0 1", False),
        ("1-2-3-4-5-6-7-8-9-0-1", False),
        ("12345--678901", True),  # two separators end a run
        ("１２３４５６７８９０１", False),
        ("a@b.cn", False),
        ("a＠b.cn", False),
        ("a@b", True),
        ("code 91350100M000100Y43", False),
        ("\t", False),
        ("a\u200bb", False),
        ("a\ufffeb", False),
        ("a\x7fb", False),
    ],
)
def test_free_text_at_its_edges(text: str, ok: bool) -> None:
    assert (formats.get_text_problem(text, length_max=30) is None) is ok


def test_free_text_length_bounds() -> None:
    assert formats.get_text_problem("x" * 5, length_max=5) is None
    assert formats.get_text_problem("x" * 6, length_max=5) is not None
    assert formats.get_text_problem("", length_max=5) is not None


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("id 110105194912310021 x", True),
        ("old 110105491231002 x", True),
        ("tel 13800138000", True),
        ("tel a13800138000", False),
        ("tel 13800138000a", False),
        ("tel １13800138000", False),  # a full-width digit glued to it
        ("91350100M000100Y43", True),
        ("x91350100M000100Y43", False),
        ("12800138000", False),
        ("REC-0001", False),
    ],
)
def test_personal_identifiers(text: str, found: bool) -> None:
    assert formats.contains_personal_identifier(text) is found


def test_email_and_digest_predicates() -> None:
    assert formats.contains_email("write to a.b@c.cn today")
    assert not formats.contains_email("a@b")
    assert formats.is_doc_hash("0f" * 32)
    assert not formats.is_doc_hash("0f" * 32 + "0")
    assert formats.is_public_key_hex("0f" * 32)
    assert not formats.is_public_key_hex("0F" * 32)


@pytest.mark.parametrize(
    ("check", "shortest", "longest"),
    [
        (formats.is_org_id, limits.ORG_ID_LENGTH_MIN, limits.ORG_ID_LENGTH_MAX),
        (formats.is_cert_id, limits.CERT_ID_LENGTH_MIN, limits.CERT_ID_LENGTH_MAX),
        (formats.is_request_id, limits.REQUEST_ID_LENGTH_MIN, limits.REQUEST_ID_LENGTH_MAX),
        (formats.is_object_id, limits.OBJECT_ID_LENGTH_MIN, limits.OBJECT_ID_LENGTH_MAX),
        (formats.is_validator_id, 1, limits.VALIDATOR_ID_LENGTH_MAX),
    ],
)
def test_ids_at_their_length_bounds(check: object, shortest: int, longest: int) -> None:
    assert callable(check)
    assert check("a" * shortest) and check("a" * longest)
    assert not check("a" * (shortest - 1)) and not check("a" * (longest + 1))


def test_certificate_serials_have_one_spelling() -> None:
    assert formats.is_cert_serial("1")
    assert formats.is_cert_serial("f" * limits.CERT_SERIAL_HEX_LENGTH_MAX)
    for bad in ("", "0", "01", "F", "f" * (limits.CERT_SERIAL_HEX_LENGTH_MAX + 1)):
        assert not formats.is_cert_serial(bad)
