"""A seeded byte mutator: the engine of the short run in `make test`, and of `make fuzz`
where atheris is not installed. No coverage feedback: it mutates the committed seeds (bit
flips, boundary bytes, protobuf-ish varints, inserted, deleted, repeated and spliced runs,
truncation) and sometimes sends plain random bytes. One `random.Random(seed)` decides
everything, so a run and its findings reproduce from (target, seed, count)."""

from __future__ import annotations

import random
from collections.abc import Iterator

_BOUNDARY = (0x00, 0x01, 0x7F, 0x80, 0xFF, 0x0A, 0x22, 0x5C, 0xC0, 0xED, 0xEF, 0xF4)
_TOKENS = (
    b"\xff\xff\xff\xff\x0f",  # varint 2**32 - 1
    b"\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01",  # varint 2**64 - 1
    b"\x80" * 11,  # an unterminated varint
    b"\xed\xa0\x80",  # a UTF-8 encoded surrogate
    b"\xe2\x80\x8b",  # zero-width space
    b'"\\ud800"',  # a lone surrogate in JSON
    b"[" * 64,
    b"{}",
    b"null",
    b"1e999",
    b"-0",
)


def _mutate_once(data: bytearray, rng: random.Random, seeds: list[bytes]) -> None:
    op = rng.randrange(9)
    pos = rng.randrange(len(data) + 1)
    if op == 0 and data:
        data[min(pos, len(data) - 1)] ^= 1 << rng.randrange(8)
    elif op == 1 and data:
        data[min(pos, len(data) - 1)] = rng.choice(_BOUNDARY)
    elif op == 2:
        data[pos:pos] = rng.randbytes(rng.randint(1, 8))
    elif op == 3 and data:
        del data[pos : pos + rng.randint(1, 16)]
    elif op == 4 and data:
        start = rng.randrange(len(data))
        run = data[start : start + rng.randint(1, 32)]
        data[pos:pos] = run * rng.randint(1, 8)
    elif op == 5:
        data[pos:pos] = rng.choice(_TOKENS)
    elif op == 6:
        other = rng.choice(seeds)
        start = rng.randrange(len(other) + 1)
        data[pos:] = other[start : start + rng.randint(1, 256)]
    elif op == 7:
        del data[pos:]
    elif data:
        i, j = rng.randrange(len(data)), rng.randrange(len(data))
        data[i], data[j] = data[j], data[i]


def inputs(seeds: list[bytes], rng: random.Random, count: int, max_len: int) -> Iterator[bytes]:
    """`count` inputs: the seeds first, then mutants of them, one in 20 random bytes."""
    pool = list(seeds) or [b""]
    for i in range(count):
        if i < len(seeds):
            yield seeds[i]
            continue
        if rng.random() < 0.05:
            yield rng.randbytes(rng.randint(0, 64))
            continue
        data = bytearray(rng.choice(pool))
        for _ in range(rng.choice((1, 1, 1, 2, 2, 3, 4, 8))):
            _mutate_once(data, rng, pool)
        yield bytes(data[:max_len])
