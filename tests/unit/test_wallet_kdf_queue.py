"""Passphrase derivations go through a bounded queue (wallet/passphrases.py): at most
`KDF_CONCURRENT_MAX` run at once (each takes a core and scrypt's memory) and at most
`KDF_QUEUED_MAX` wait; a sign-in or a new holder past that is refused at once (503,
Retry-After), so a burst of parallel sign-ins holds neither memory nor server threads.

Derivations are held in place by a stand-in for scrypt until the test releases them, so
what is admitted, refused and run at once is decided by the code alone, never by timing.
"""

from __future__ import annotations

import hashlib
import queue
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from node.chain.crypto import KeyPair, seal_secret
from suites import ED25519_SHA256
from wallet import limits, passphrases
from wallet.passphrases import KdfBusy, PassphraseKdf

from .wallet_support import PASSPHRASE, running_wallet

WAIT_S = 60.0
"""How long a step may take before the test is declared stuck (a guard, not a measure)."""


class HeldScrypt:
    """Stands in for `hashlib.scrypt`: each derivation waits for `release`, then derives
    for real; the most derivations running at once is kept in `peak`."""

    def __init__(self) -> None:
        self.real = hashlib.scrypt
        self.release = threading.Event()
        self.entered = threading.Semaphore(0)
        self.running = 0
        self.peak = 0
        self._lock = threading.Lock()

    def __call__(self, password: bytes, **kw: Any) -> bytes:
        with self._lock:
            self.running += 1
            self.peak = max(self.peak, self.running)
        self.entered.release()
        try:
            if not self.release.wait(WAIT_S):
                raise RuntimeError("the test never released the derivation")
            result: bytes = self.real(password, **kw)
            return result
        finally:
            with self._lock:
                self.running -= 1


@pytest.fixture
def held(monkeypatch: pytest.MonkeyPatch) -> Iterator[HeldScrypt]:
    stand_in = HeldScrypt()
    monkeypatch.setattr(hashlib, "scrypt", stand_in)
    try:
        yield stand_in
    finally:
        stand_in.release.set()


def test_a_full_queue_refuses_at_once_and_frees_its_places(held: HeldScrypt) -> None:
    kdf = PassphraseKdf(passphrases.MINIMAL, concurrent_max=1, queued_max=0, suite=ED25519_SHA256)
    sealed: list[dict[str, Any]] = []
    first = threading.Thread(target=lambda: sealed.append(kdf.seal(b"s" * 32, PASSPHRASE)))
    first.start()
    assert held.entered.acquire(timeout=WAIT_S)
    with pytest.raises(KdfBusy) as busy:
        kdf.seal(b"t" * 32, PASSPHRASE)
    assert busy.value.retry_after_s == limits.KDF_BUSY_RETRY_S
    assert kdf.admitted == 1
    held.release.set()
    first.join(WAIT_S)
    assert len(sealed) == 1 and kdf.admitted == 0
    kdf.seal(b"t" * 32, PASSPHRASE)  # the place is free again
    assert held.peak == 1


def test_a_record_from_before_scrypt_takes_a_place_too(held: HeldScrypt) -> None:
    """Opening an Argon2id record (made before scrypt) is a derivation as costly: it waits
    for a slot like the others, so old records cannot be used to get around the queue."""
    kdf = PassphraseKdf(passphrases.MINIMAL, concurrent_max=1, queued_max=0, suite=ED25519_SHA256)
    keypair = KeyPair.generate()
    old = {
        "public_key": keypair.public_key.hex(),
        "sealed_seed": seal_secret(keypair.seed, PASSPHRASE),
    }
    first = threading.Thread(target=kdf.seal, args=(b"s" * 32, PASSPHRASE))
    first.start()
    assert held.entered.acquire(timeout=WAIT_S)
    with pytest.raises(KdfBusy):
        kdf.open(old, PASSPHRASE)
    held.release.set()
    first.join(WAIT_S)
    assert kdf.open(old, PASSPHRASE) == keypair.seed


def test_parallel_sign_ins_wait_in_a_bounded_queue_or_are_refused(
    tmp_path: Path, held: HeldScrypt
) -> None:
    """Twelve sign-ins at once with two derivation slots and eight places in the queue:
    ten are admitted (two derive, eight wait), two are refused with 503 without deriving;
    never more than two derivations run, so memory stays at two derivations' worth."""
    admitted_max = limits.KDF_CONCURRENT_MAX + limits.KDF_QUEUED_MAX
    burst = admitted_max + 2
    with running_wallet(tmp_path) as wallet:
        held.release.set()  # creating the holders derives normally
        holders = [wallet.new_holder() for _ in range(burst)]
        held.release.clear()
        held.peak = 0
        answers: queue.Queue[httpx.Response] = queue.Queue()

        def sign_in(i: int) -> None:
            body = {"holder_id": holders[i], "passphrase": PASSPHRASE}
            caller = wallet.http.from_host(f"10.1.0.{i + 1}")
            answers.put(caller.request("POST", "/v1/sessions", json=body))

        threads = [threading.Thread(target=sign_in, args=(i,)) for i in range(burst)]
        for thread in threads:
            thread.start()
        # Nothing derives until released, so the only answers that can come now are the
        # refusals of those that found the queue full.
        early = [answers.get(timeout=WAIT_S) for _ in range(burst - admitted_max)]
        assert [a.status_code for a in early] == [503, 503]
        assert all(a.headers["Retry-After"] == str(limits.KDF_BUSY_RETRY_S) for a in early)
        assert "busy" in early[0].json()["detail"]
        assert wallet.app.state.kdf.admitted == admitted_max
        new_holder = wallet.http.from_host("10.2.0.1").request(
            "POST", "/v1/holders", json={"passphrase": PASSPHRASE}
        )
        assert new_holder.status_code == 503  # creating a holder takes a place too
        held.release.set()
        for thread in threads:
            thread.join(WAIT_S)
        late = [answers.get(timeout=WAIT_S) for _ in range(admitted_max)]
        assert [a.status_code for a in late] == [200] * admitted_max
        assert held.peak == limits.KDF_CONCURRENT_MAX
        assert wallet.app.state.kdf.admitted == 0


def test_the_queue_numbers_hold_together() -> None:
    assert 1 <= limits.KDF_CONCURRENT_MAX <= limits.KDF_QUEUED_MAX
    # Everything the queue admits fits in the server's default 40 worker threads, with room
    # left for every other route.
    assert limits.KDF_CONCURRENT_MAX + limits.KDF_QUEUED_MAX <= 40 // 2
