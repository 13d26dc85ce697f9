"""A request whose bytes are not a valid message of its method is refused with
INVALID_ARGUMENT, on every method a validator serves.

grpc.aio decodes a request with the method's deserializer before any handler or
interceptor behaviour runs, and an exception raised there reaches the caller as
`UNKNOWN: Unexpected DecodeError` (and the server logs a traceback per call). So
`DecodeInterceptor` swaps each method's deserializer for one that returns an `Undecodable`
marker instead of raising, and refuses the call when its behaviour receives one. It sits
outside the access policy: a request that does not decode has nothing a rule could read
(the caller's certificate was already verified in the TLS handshake).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import grpc

from node.chain.pki import Identity
from node.transport.wrapping import Check, WrappingInterceptor, rebuild

RefusalCounter = Callable[[str, grpc.StatusCode, Identity | None], None]
"""The same hook as the access policy's (node/transport/policy.py): counts a refused call."""

Context = grpc.aio.ServicerContext[Any, Any]


@dataclass(frozen=True, slots=True)
class Undecodable:
    """What a tolerant deserializer returns for bytes its message type cannot parse."""

    error: str
    """The decoder's complaint (protobuf's message: it quotes no request bytes)."""


def tolerant(decode: Callable[[bytes], Any] | None) -> Callable[[bytes], Any] | None:
    """`decode`, returning `Undecodable` rather than raising (None stays None: raw bytes)."""
    if decode is None:
        return None

    def decode_or_mark(raw: bytes) -> Any:
        try:
            return decode(raw)
        except Exception as exc:  # a caller's bytes: whatever the decoder raises is their fault
            return Undecodable(f"{type(exc).__name__}: {exc}"[:200])

    return decode_or_mark


async def _refuse(
    method: str, marker: Undecodable, context: Context, count: RefusalCounter | None
) -> None:
    if count is not None:
        count(method, grpc.StatusCode.INVALID_ARGUMENT, None)
    await context.abort(
        grpc.StatusCode.INVALID_ARGUMENT,
        f"the request is not a valid message for {method} ({marker.error})",
    )


def _decode_check(method: str, count: RefusalCounter | None) -> Check:
    async def requests(stream: AsyncIterator[Any], context: Context) -> AsyncIterator[Any]:
        async for item in stream:
            if isinstance(item, Undecodable):
                await _refuse(method, item, context, count)
            yield item

    async def check(request: Any, context: Context, request_streaming: bool) -> Any:
        if request_streaming:
            return requests(request, context)
        if isinstance(request, Undecodable):
            await _refuse(method, request, context, count)
        return request

    return check


def checked_handler(
    handler: grpc.RpcMethodHandler[Any, Any], method: str, count: RefusalCounter | None = None
) -> grpc.RpcMethodHandler[Any, Any]:
    """The same handler, decoding tolerantly and refusing what does not decode."""
    return rebuild(
        handler, method, _decode_check(method, count), tolerant(handler.request_deserializer)
    )


class DecodeInterceptor(WrappingInterceptor):
    """`grpc.aio.server(interceptors=[DecodeInterceptor(count), PolicyInterceptor(guard)])`:
    first in the list, so its check runs before the policy's."""

    def __init__(self, on_refusal: RefusalCounter | None = None) -> None:
        super().__init__()
        self._count = on_refusal

    def wrap(self, handler: grpc.RpcMethodHandler[Any, Any], method: str) -> Any:
        return checked_handler(handler, method, self._count)
