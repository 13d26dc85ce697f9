"""The shape both of a validator's server interceptors share (decoding.py, policy.py): each
replaces a method's handler with a wrapped one that runs its check (a `Check`) before the
handler runs. The server hands back the same handler object for a method on every call, so the
wrapper is built once per method and reused, not rebuilt per call."""

from __future__ import annotations

import inspect
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TYPE_CHECKING, Any, Final, TypeAlias

import grpc

WRAPPED_METHODS_MAX: Final = 256
"""Wrappers kept per interceptor: more than the methods a validator serves (only served
methods get a handler, so the table cannot grow with callers' requests)."""

if TYPE_CHECKING:
    Handler: TypeAlias = grpc.RpcMethodHandler[Any, Any]


class WrappingInterceptor(grpc.aio.ServerInterceptor, ABC):
    def __init__(self) -> None:
        self._wrapped: dict[str, tuple[Handler, Handler]] = {}

    @abstractmethod
    def wrap(self, handler: Handler, method: str) -> Handler:
        """The handler with this interceptor's check in front."""

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[Handler | None]],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> Handler | None:
        handler = await continuation(handler_call_details)
        if handler is None:
            return None
        method = handler_call_details.method
        cached = self._wrapped.get(method)
        if cached is not None and cached[0] is handler:
            return cached[1]
        wrapped = self.wrap(handler, method)
        if len(self._wrapped) < WRAPPED_METHODS_MAX:
            self._wrapped[method] = (handler, wrapped)
        return wrapped


Behaviour = Callable[..., Any]
Check = Callable[[Any, grpc.aio.ServicerContext[Any, Any], bool], Awaitable[Any]]
"""An interceptor's check: given a call's request (for a streamed request, the async
iterator of them), its context and whether requests stream, it aborts the call or returns
the request the handler's behaviour then gets."""


def check_first(
    inner: Behaviour, check: Check, request_streaming: bool, response_streaming: bool
) -> Behaviour:
    """`inner` with `check` run before it, for either kind of response."""

    async def single_response(request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> Any:
        request = await check(request, context, request_streaming)
        result = inner(request, context)
        return await result if inspect.isawaitable(result) else result

    async def response_stream(
        request: Any, context: grpc.aio.ServicerContext[Any, Any]
    ) -> AsyncIterator[Any]:
        request = await check(request, context, request_streaming)
        async for item in _responses(inner(request, context)):
            yield item

    return response_stream if response_streaming else single_response


async def _responses(result: Any) -> AsyncIterator[Any]:
    """A streaming handler's responses, whichever way it produces them: an async
    iterator, a plain iterator, or a coroutine that writes with `context.write`."""
    if isinstance(result, AsyncIterator):
        async for item in result:
            yield item
    elif inspect.isawaitable(result):
        await result
    elif result is not None:
        for item in result:
            yield item


def rebuild(
    handler: Handler,
    method: str,
    check: Check,
    request_deserializer: Callable[[bytes], Any] | None = None,
) -> Handler:
    """A handler like `handler` that runs `check` before its behaviour, and whose request
    decoder is `request_deserializer` if given."""
    streaming = (handler.request_streaming, handler.response_streaming)
    behaviour, make_handler = {
        (False, False): (handler.unary_unary, grpc.unary_unary_rpc_method_handler),
        (False, True): (handler.unary_stream, grpc.unary_stream_rpc_method_handler),
        (True, False): (handler.stream_unary, grpc.stream_unary_rpc_method_handler),
        (True, True): (handler.stream_stream, grpc.stream_stream_rpc_method_handler),
    }[streaming]
    if behaviour is None:
        raise ValueError(f"{method}: handler without behaviour")
    decode = request_deserializer or handler.request_deserializer
    made: Handler = make_handler(
        check_first(behaviour, check, *streaming), decode, handler.response_serializer
    )
    return made
