"""Real boto3 clients whose requests are answered by the emulated services, with no network.

botocore still validates every request against the AWS service model and serialises it;
only the HTTP round trip is replaced. Two event hooks do it: `before-parameter-build`
keeps the caller's parameters, `before-call` answers with the emulated service's result
(or its error, which botocore raises as the usual ClientError subclass).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import boto3
from botocore.config import Config

# An operation's answer: a dict, or raise ServiceError.
Operation = Callable[..., dict[str, Any]]
Dispatcher = Callable[[str, str, str, dict[str, Any]], dict[str, Any]]


class ServiceError(Exception):
    """An AWS error answer (Throttling, AccessDenied, ResourceNotFound, ...)."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status


class _Answer:
    """The little of an HTTP response botocore reads after `before-call` answers."""

    def __init__(self, status_code: int) -> None:
        self.status_code = status_code
        self.headers: dict[str, str] = {}
        self.raw = None
        self.content = b""


# No network, no retries (the emulator models retries itself), no credentials lookup.
_CONFIG = Config(retries={"total_max_attempts": 1}, connect_timeout=0.01, read_timeout=0.01)


class Bridge:
    """Makes hooked clients. `dispatch(caller, service, operation, params)` answers each call;
    `caller` names who is calling (a function's role), so IAM can be checked."""

    def __init__(self, dispatch: Dispatcher) -> None:
        self.dispatch = dispatch
        self.session = boto3.session.Session(
            aws_access_key_id="emulated", aws_secret_access_key="emulated", aws_session_token="emulated"
        )
        self._clients: dict[tuple[str, str, str], Any] = {}

    def client(self, caller: str, service: str, region: str) -> Any:
        key = (caller, service, region)
        if key not in self._clients:
            self._clients[key] = self._make(caller, service, region)
        return self._clients[key]

    def _make(self, caller: str, service: str, region: str) -> Any:
        client = self.session.client(
            service, region_name=region, endpoint_url="https://emulated.invalid", config=_CONFIG
        )
        events = client.meta.events
        service_id = client.meta.service_model.service_id.hyphenize()

        def keep_params(params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
            context["emulator_params"] = params

        def answer(model: Any, context: dict[str, Any], **_: Any) -> tuple[_Answer, dict[str, Any]]:
            params = context.get("emulator_params", {})
            try:
                result = self.dispatch(caller, service, model.name, params)
            except ServiceError as error:
                body = {"Error": {"Code": error.code, "Message": error.message}, "ResponseMetadata": {}}
                return _Answer(error.status), body
            result.setdefault("ResponseMetadata", {"HTTPStatusCode": 200})
            return _Answer(200), result

        def refuse_network(request: Any, **_: Any) -> None:
            raise RuntimeError(f"emulator: {service} request escaped to the network: {request.url}")

        events.register(f"before-parameter-build.{service_id}.*", keep_params)
        events.register(f"before-call.{service_id}.*", answer)
        events.register(f"before-send.{service_id}.*", refuse_network)
        return client
