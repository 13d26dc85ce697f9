"""Key files sealed with their suite's box (issue 18): an SM2 key file's private key is in an
SM4-GCM box and its envelope names it (version 2), an Ed25519 key file is written byte for
byte as before (version 1, XSalsa20-Poly1305, no box named), and key files written before,
built here with PyNaCl and `cryptography` directly rather than by the code under test, still
open. A tampered, truncated or unknown-box key file, or a wrong passphrase, is refused with
one line and the file is left as it was; a node or a CLI command given one stops with exit
code 2."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import nacl.pwhash
import nacl.secret
import nacl.utils
import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from typer.testing import CliRunner

from cli import devnet, main
from consensus.validators import Validator, ValidatorSet
from node.chain.crypto import (
    KeyFileError,
    KeyPair,
    WrongKeyPassphrase,
    load_key_file,
    reseal_key_file,
    save_key_file,
)
from node.config import NodeConfig
from node.genesis import Genesis
from suites import ED25519_SHA256, SM2_SM3, Suite
from tests.unit.files_support import run_refused_start
from tests.unit.node_support import config_doc
from tests.unit.test_chain_suites import SUITE_PARAMS

PASSPHRASE = "a long passphrase"
ARGON = nacl.pwhash.argon2id
TODAY_ENVELOPE_FIELDS = ["version", "kdf", "opslimit", "memlimit", "salt", "ciphertext"]


def argon2id_key(salt: bytes, size: int, passphrase: str = PASSPHRASE) -> bytes:
    return ARGON.kdf(
        size,
        passphrase.encode(),
        salt,
        opslimit=ARGON.OPSLIMIT_INTERACTIVE,
        memlimit=ARGON.MEMLIMIT_INTERACTIVE,
    )


def envelope(version: int, salt: bytes, ciphertext: bytes, **extra: object) -> dict[str, Any]:
    return {
        "version": version,
        "kdf": "argon2id",
        **extra,
        "opslimit": ARGON.OPSLIMIT_INTERACTIVE,
        "memlimit": ARGON.MEMLIMIT_INTERACTIVE,
        "salt": salt.hex(),
        "ciphertext": ciphertext.hex(),
    }


def key_file_text(key: KeyPair, sealed: dict[str, Any], label: str = "") -> str:
    """A key file as the code before SM4 wrote it: indented JSON in this field order."""
    suite = {} if key.suite is ED25519_SHA256 else {"suite": key.suite.name}
    doc = {"label": label, **suite, "public_key": key.public_key.hex(), "sealed_seed": sealed}
    return json.dumps(doc, indent=2)


def xsalsa_key_file(key: KeyPair, passphrase: str = PASSPHRASE) -> str:
    """Today's format (version 1): XSalsa20-Poly1305 under a 32-byte Argon2id key."""
    salt = nacl.utils.random(ARGON.SALTBYTES)
    boxed = nacl.secret.SecretBox(argon2id_key(salt, 32, passphrase)).encrypt(key.seed)
    return key_file_text(key, envelope(1, salt, bytes(boxed)))


def sm4_gcm_key_file(key: KeyPair) -> str:
    """An SM2 key in an SM4-GCM box under a 16-byte Argon2id key: nonce ‖ ciphertext ‖ tag."""
    salt, nonce = nacl.utils.random(ARGON.SALTBYTES), nacl.utils.random(12)
    encryptor = Cipher(algorithms.SM4(argon2id_key(salt, 16)), modes.GCM(nonce)).encryptor()
    boxed = nonce + encryptor.update(key.seed) + encryptor.finalize() + encryptor.tag
    return key_file_text(key, envelope(2, salt, boxed, box="sm4-gcm"))


def sealed_of(path: Path) -> dict[str, Any]:
    sealed: dict[str, Any] = json.loads(path.read_text())["sealed_seed"]
    return sealed


@pytest.mark.parametrize("suite", SUITE_PARAMS)
def test_a_key_file_is_sealed_with_its_suites_box(suite: Suite, tmp_path: Path) -> None:
    key, path = KeyPair.generate(suite), tmp_path / "k.json"
    save_key_file(path, key, PASSPHRASE, label="val-0")
    sealed = sealed_of(path)
    ciphertext = bytes.fromhex(sealed["ciphertext"])
    if suite is ED25519_SHA256:
        assert list(sealed) == TODAY_ENVELOPE_FIELDS and sealed["version"] == 1
        assert len(ciphertext) == 24 + 16 + 32
    else:
        assert sealed["version"] == 2 and sealed["box"] == "sm4-gcm"
        assert sealed["kdf"] == "argon2id"
        assert len(ciphertext) == 12 + 32 + 16
    assert load_key_file(path, PASSPHRASE) == key


def test_an_ed25519_key_file_is_byte_for_byte_as_before(tmp_path: Path) -> None:
    """Rebuilt with PyNaCl from the written file's salt and nonce: the same bytes."""
    key, path = KeyPair.generate(ED25519_SHA256), tmp_path / "k.json"
    save_key_file(path, key, PASSPHRASE, label="psb")
    sealed = sealed_of(path)
    salt, nonce = bytes.fromhex(sealed["salt"]), bytes.fromhex(sealed["ciphertext"])[:24]
    boxed = nacl.secret.SecretBox(argon2id_key(salt, 32)).encrypt(key.seed, nonce)
    assert path.read_text() == key_file_text(key, envelope(1, salt, bytes(boxed)), "psb")


def test_an_sm2_key_file_opens_with_sm4_gcm_alone(tmp_path: Path) -> None:
    """What the code writes is the documented layout: another implementation opens it."""
    key, path = KeyPair.generate(SM2_SM3), tmp_path / "k.json"
    save_key_file(path, key, PASSPHRASE)
    sealed = sealed_of(path)
    boxed = bytes.fromhex(sealed["ciphertext"])
    nonce, body, tag = boxed[:12], boxed[12:-16], boxed[-16:]
    sm4 = algorithms.SM4(argon2id_key(bytes.fromhex(sealed["salt"]), 16))
    decryptor = Cipher(sm4, modes.GCM(nonce, tag)).decryptor()
    assert decryptor.update(body) + decryptor.finalize() == key.seed


@pytest.mark.parametrize("suite", SUITE_PARAMS)
def test_key_files_written_before_still_open(suite: Suite, tmp_path: Path) -> None:
    """Today's format in either suite (an SM2 key file before SM4 was XSalsa20-Poly1305),
    and an SM4-GCM key file, each built without the code under test."""
    key, path = KeyPair.generate(suite), tmp_path / "k.json"
    path.write_text(xsalsa_key_file(key))
    assert load_key_file(path, PASSPHRASE) == key
    path.write_text(sm4_gcm_key_file(key))
    assert load_key_file(path, PASSPHRASE) == key


def refusal(path: Path, passphrase: str = PASSPHRASE) -> KeyFileError:
    """`load_key_file`'s refusal of `path`, which leaves the file as it was."""
    before = path.read_bytes()
    with pytest.raises(KeyFileError) as refused:
        load_key_file(path, passphrase)
    assert path.read_bytes() == before
    assert "\n" not in str(refused.value) and str(refused.value).startswith(str(path))
    return refused.value


def rewrite(path: Path, **changes: object) -> None:
    doc = json.loads(path.read_text())
    doc["sealed_seed"] = {**doc["sealed_seed"], **changes}
    path.write_text(json.dumps(doc))


@pytest.mark.parametrize("suite", SUITE_PARAMS)
def test_a_wrong_passphrase_or_an_altered_box_is_refused(suite: Suite, tmp_path: Path) -> None:
    path = tmp_path / "k.json"
    save_key_file(path, KeyPair.generate(suite), PASSPHRASE)
    not_text = refusal(path, "\udcff")  # a byte of no UTF-8 text, as os.environ keeps it
    assert isinstance(not_text, WrongKeyPassphrase)
    assert "the passphrase is not valid Unicode text" in str(not_text)
    wrong = refusal(path, "another passphrase")
    assert isinstance(wrong, WrongKeyPassphrase)
    assert f"wrong passphrase, or the key file was altered ({suite.secret_box.name}" in str(wrong)
    boxed = bytearray.fromhex(sealed_of(path)["ciphertext"])
    boxed[-1] ^= 1  # the last byte: a GCM tag's, or the XSalsa20 ciphertext's
    rewrite(path, ciphertext=boxed.hex())
    assert isinstance(refusal(path), WrongKeyPassphrase)


@pytest.mark.parametrize("suite", SUITE_PARAMS)
def test_a_truncated_or_padded_box_is_refused_before_deriving(suite: Suite, tmp_path: Path) -> None:
    path = tmp_path / "k.json"
    save_key_file(path, KeyPair.generate(suite), PASSPHRASE)
    boxed = sealed_of(path)["ciphertext"]
    size = suite.secret_box.overhead_bytes + 32
    for altered in (boxed[:-2], boxed + "00", ""):
        rewrite(path, ciphertext=altered)
        refused = refusal(path)
        assert not isinstance(refused, WrongKeyPassphrase)
        assert f"a {suite.secret_box.name} box of a 32-byte key is {size}" in str(refused)
        assert "truncated or altered" in str(refused)


def test_an_unknown_box_version_or_kdf_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "k.json"
    save_key_file(path, KeyPair.generate(SM2_SM3), PASSPHRASE)
    rewrite(path, box="aes-128-ecb")
    assert "unknown secret box 'aes-128-ecb'" in str(refusal(path))
    rewrite(path, version=1, box="sm4-gcm")  # version 1 is XSalsa20: it names no box
    assert "a version 1 key envelope names no box" in str(refusal(path))
    for version in (3, True, 2.0, "2"):
        rewrite(path, version=version)
        assert f"unsupported key envelope: version {version!r}" in str(refusal(path))
    rewrite(path, version=2, kdf="pbkdf2-sm3")
    assert "KDF 'pbkdf2-sm3'" in str(refusal(path))


def test_an_sm4_key_file_without_its_box_name_is_refused(tmp_path: Path) -> None:
    """Version 2 with ``box`` removed names no box a reader could guess."""
    path = tmp_path / "k.json"
    save_key_file(path, KeyPair.generate(SM2_SM3), PASSPHRASE)
    doc = json.loads(path.read_text())
    del doc["sealed_seed"]["box"]
    path.write_text(json.dumps(doc))
    assert "unknown secret box 'None'" in str(refusal(path))


@pytest.mark.parametrize(
    ("field", "value", "problem"),
    [
        ("memlimit", 2**40, "Argon2id memlimit 1099511627776 outside"),
        ("opslimit", 1000, "Argon2id opslimit 1000 outside"),
        ("opslimit", 0, "Argon2id opslimit 0 outside"),
        ("salt", "00" * 8, "a 8-byte salt, Argon2id's is 16"),
        ("salt", "zz", "malformed key envelope"),
    ],
)
def test_costs_and_salts_outside_the_bounds_are_refused(
    field: str, value: object, problem: str, tmp_path: Path
) -> None:
    path = tmp_path / "k.json"
    save_key_file(path, KeyPair.generate(SM2_SM3), PASSPHRASE)
    rewrite(path, **{field: value})
    assert problem in str(refusal(path))


def test_a_node_given_an_altered_sm2_key_file_stops_with_one_line(tmp_path: Path) -> None:
    key = KeyPair.generate(SM2_SM3)
    home = tmp_path / "home"
    home.mkdir(mode=0o700)
    config = NodeConfig.model_validate(config_doc(home, "val-0"))
    save_key_file(config.key_path, key, PASSPHRASE)
    config.tls_key_path.chmod(0o600)
    Genesis(
        chain_id="chain-sm",
        genesis_time_ms=1_700_000_000_000,
        validators=ValidatorSet((Validator("val-0", key.public_key),)),
        organisations=(),
        suite=SM2_SM3,
    ).save(config.genesis_path)
    config.save(home / "node.json")
    boxed = bytearray.fromhex(sealed_of(config.key_path)["ciphertext"])
    boxed[0] ^= 1  # the GCM nonce: the tag no longer matches
    rewrite(config.key_path, ciphertext=boxed.hex())
    before = config.key_path.read_bytes()
    stderr = run_refused_start(
        ["node", "--config", str(home / "node.json")],
        {**os.environ, "TRUSTLEDGER_KEY_PASSPHRASE": PASSPHRASE},
    )
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, lines
    assert "cannot start" in lines[0]
    assert f"{config.key_path}: wrong passphrase, or the key file was altered (sm4-gcm" in lines[0]
    assert config.key_path.read_bytes() == before
    assert not (home / "db").exists()


def test_a_cli_command_given_an_altered_key_file_ends_with_one_line(tmp_path: Path) -> None:
    """The organisation's key is opened before anything is sent: no node need run."""
    net = devnet.init_devnet(tmp_path / "net", 0, suite=SM2_SM3)
    path = net.org_key_path("psb")
    rewrite(path, box="aes-128-ecb")
    before = path.read_bytes()
    args = ["cert", "revoke", "--cert-id", "c-1", "--reason", "test", "--org", "psb"]
    result = CliRunner().invoke(
        main.app,
        [*args, "--dir", str(net.dir)],
        env={"COLUMNS": "400", "TRUSTLEDGER_KEY_PASSPHRASE": devnet.passphrase()},
    )
    assert result.exit_code == 2, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, lines
    assert f"{path}: key envelope: unknown secret box 'aes-128-ecb'" in lines[0]
    assert path.read_bytes() == before


def test_an_sm2_key_file_from_before_sm4_is_resealed_with_sm4_gcm(tmp_path: Path) -> None:
    key, path = KeyPair.generate(SM2_SM3), tmp_path / "k.json"
    path.write_text(xsalsa_key_file(key).replace('"label": ""', '"label": "edu"'))
    with pytest.raises(WrongKeyPassphrase):  # refused as by load_key_file: nothing written
        reseal_key_file(path, "another passphrase")
    assert sealed_of(path)["version"] == 1
    assert reseal_key_file(path, PASSPHRASE)
    doc = json.loads(path.read_text())
    assert doc["label"] == "edu" and doc["sealed_seed"]["box"] == "sm4-gcm"
    assert path.stat().st_mode & 0o777 == 0o600
    assert load_key_file(path, PASSPHRASE) == key
    resealed = path.read_bytes()
    assert not reseal_key_file(path, PASSPHRASE)  # already in its suite's box
    assert path.read_bytes() == resealed


def test_an_ed25519_key_file_is_never_resealed(tmp_path: Path) -> None:
    key, path = KeyPair.generate(ED25519_SHA256), tmp_path / "k.json"
    path.write_text(xsalsa_key_file(key))
    before = path.read_bytes()
    assert not reseal_key_file(path, "any passphrase: the file is not opened")
    assert path.read_bytes() == before


def test_a_devnet_reused_reseals_its_key_files_from_before_sm4(tmp_path: Path) -> None:
    net = devnet.init_devnet(tmp_path / "net", 0, suite=SM2_SM3)
    old = net.org_key_path("edu")
    key = load_key_file(old, devnet.passphrase())
    old.write_text(xsalsa_key_file(key, devnet.passphrase()))
    untouched = net.org_key_path("psb").read_bytes()
    assert devnet.init_devnet(net.dir, 0).chain_id == net.chain_id  # reused, as `devnet up`
    assert sealed_of(old)["box"] == "sm4-gcm"
    assert load_key_file(old, devnet.passphrase()) == key
    assert net.org_key_path("psb").read_bytes() == untouched
    assert devnet.reseal_key_files(net.dir) == []
