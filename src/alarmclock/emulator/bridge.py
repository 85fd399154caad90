"""Real boto3 clients whose requests are answered by the emulated services, with no network.

Every request is checked against the AWS service model, as botocore checks it before sending;
only what turns a checked call into bytes for a wire goes. Two paths do it:

- quick (the default): each operation's method answers the call itself once the parameters are
  known to pass botocore's validation. A validator compiled once per operation from botocore's
  own input shape checks them (the same rules as botocore's ParamValidator: types, required
  members, unknown members, minimum lengths and values); whatever it cannot vouch for goes to
  botocore's ParamValidator, whose error is the one raised. No endpoint resolution, no
  serialisation, no request: the emulator never sends one. botocore's own event hooks for the
  parameters (`provide-client-params`, `before-parameter-build`) and for the answer (`after-call`)
  still run, and an error answer raises the same ClientError subclass botocore raises.
- faithful (`ALARMCLOCK_BRIDGE=faithful`, or `Bridge(..., faithful=True)`): botocore's whole
  request path, validation, endpoint resolution and serialisation included. Two event hooks
  replace only the HTTP round trip: `before-parameter-build` keeps the caller's parameters,
  `before-call` answers with the emulated service's result (or its error, which botocore raises
  as the usual ClientError subclass). tests/test_bridge_paths.py runs the same seeds through both
  paths and compares the reports byte for byte.
"""

from __future__ import annotations

import datetime
import decimal
import functools
import os
from collections.abc import Callable
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ParamValidationError
from botocore.utils import is_json_value_header
from botocore.validate import ParamValidator

# An operation's answer: a dict, or raise ServiceError.
Operation = Callable[..., dict[str, Any]]
Dispatcher = Callable[[str, str, str, dict[str, Any]], dict[str, Any]]
# Which path a Bridge takes when not told: "faithful" for botocore's whole request path.
PATH_VARIABLE = "ALARMCLOCK_BRIDGE"


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


@functools.cache
def _session() -> boto3.session.Session:
    """One session for every bridge in the process: it holds the service models it has read, and
    reading them again for each run cost about 60 ms a run. Sharing it is safe: each client gets
    its own copy of the session's event hooks (botocore copies the emitter), so one bridge's
    hooks never answer another's calls."""
    return boto3.session.Session(
        aws_access_key_id="emulated", aws_secret_access_key="emulated", aws_session_token="emulated"
    )


class Bridge:
    """Makes hooked clients. `dispatch(caller, service, operation, params)` answers each call;
    `caller` names who is calling (a function's role), so IAM can be checked."""

    def __init__(self, dispatch: Dispatcher, faithful: bool | None = None) -> None:
        self.dispatch = dispatch
        self.faithful = os.environ.get(PATH_VARIABLE, "") == "faithful" if faithful is None else faithful
        self.session = _session()
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

        def respond(operation: str, params: dict[str, Any]) -> tuple[_Answer, dict[str, Any]]:
            try:
                result = self.dispatch(caller, service, operation, params)
            except ServiceError as error:
                body = {"Error": {"Code": error.code, "Message": error.message}, "ResponseMetadata": {}}
                return _Answer(error.status), body
            result.setdefault("ResponseMetadata", {"HTTPStatusCode": 200})
            return _Answer(200), result

        def keep_params(params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
            context["emulator_params"] = params

        def answer(model: Any, context: dict[str, Any], **_: Any) -> tuple[_Answer, dict[str, Any]]:
            return respond(model.name, context.get("emulator_params", {}))

        def refuse_network(request: Any, **_: Any) -> None:
            raise RuntimeError(f"emulator: {service} request escaped to the network: {request.url}")

        events.register(f"before-parameter-build.{service_id}.*", keep_params)
        events.register(f"before-call.{service_id}.*", answer)
        events.register(f"before-send.{service_id}.*", refuse_network)
        if not self.faithful:
            for method_name, operation in client.meta.method_to_api_mapping.items():
                setattr(client, method_name, _QuickMethod(client, method_name, operation, respond))
        return client


class _QuickMethod:
    """One operation's method on the quick path: what botocore's `_make_api_call` does up to the
    request, and from the answer on, with the request itself left out. Prepared at its first call:
    a client has hundreds of operations and a run calls a few."""

    def __init__(
        self, client: Any, method_name: str, operation: str, respond: Callable[..., tuple[_Answer, dict[str, Any]]]
    ) -> None:
        self._client = client
        self._method_name = method_name
        self._operation = operation
        self._respond = respond
        self._ready = False

    def _prepare(self) -> None:
        client, operation = self._client, self._operation
        self._model = client.meta.service_model.operation_model(operation)
        service_id = client.meta.service_model.service_id.hyphenize()
        self._provide_event = f"provide-client-params.{service_id}.{operation}"
        self._build_event = f"before-parameter-build.{service_id}.{operation}"
        self._after_event = f"after-call.{service_id}.{operation}"
        shape = self._model.input_shape
        self._check = _valid_for_sure(shape, {}) if shape is not None else _always
        # The request context botocore gives these events' handlers (only its constant part:
        # botocore adds what the endpoint and signing decide, which never happens here).
        self._context = {
            "client_region": client.meta.region_name,
            "client_config": client.meta.config,
            "has_streaming_input": self._model.has_streaming_input,
            "auth_type": self._model.resolved_auth_type,
            "unsigned_payload": self._model.unsigned_payload,
            "auth_options": client.meta.service_model.metadata.get("auth"),
        }
        self._ready = True

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if args:  # botocore's own TypeError for positional arguments
            return getattr(type(self._client), self._method_name)(self._client, *args, **kwargs)
        if not self._ready:
            self._prepare()
        model, events = self._model, self._client.meta.events
        context = dict(self._context)
        responses = events.emit(self._provide_event, params=kwargs, model=model, context=context)
        params = next((r for _, r in responses if r is not None), kwargs)
        events.emit(self._build_event, params=params, model=model, context=context)
        if not self._check(params):
            # Not vouched for: botocore decides, as its ParamValidationDecorator would.
            report = ParamValidator().validate(params, model.input_shape)
            if report.has_errors():
                raise ParamValidationError(report=report.generate_report())
        http, parsed = self._respond(self._operation, params)
        events.emit(self._after_event, http_response=http, parsed=parsed, model=model, context=context)
        if http.status_code >= 300:
            code = context.get("error_code_override") or parsed.get("Error", {}).get("Code")
            raise self._client.exceptions.from_code(code)(parsed, self._operation)
        return parsed


# ---- a validator compiled from botocore's input shapes -------------------------------------------
# A check returns True only when botocore's ParamValidator would find no error in the value;
# False means "not vouched for" (invalid, or a case left to botocore), never "valid".

Check = Callable[[Any], bool]
_NUMBERS = (float, decimal.Decimal, int)
# Epoch seconds from 1970 to the year 3000: botocore parses these to a datetime on every platform.
_LAST_EPOCH_S = 32_503_680_000.0


def _always(value: Any) -> bool:
    return True


def _never(value: Any) -> bool:
    return False


def _valid_for_sure(shape: Any, compiled: dict[tuple[str, int | None], Check]) -> Check:
    minimum = shape.metadata.get("min")
    if minimum is None and shape.serialization.get("hostLabel"):
        minimum = 1  # botocore's implicit minimum for a member bound to the host
    key = (shape.name, minimum)
    if key in compiled:
        return compiled[key]
    cell: list[Check] = []
    compiled[key] = lambda value: cell[0](value)  # a recursive shape refers to itself
    check = _compile(shape, minimum, compiled)
    cell.append(check)
    compiled[key] = check
    return check


# A scalar's rule: (the Python types botocore takes, its minimum or None, whether the minimum is
# of the length). Structures check scalar members by these inline: a call per member was most of
# the check's time on a wave's 720 values.
Rule = tuple[Any, Any, bool]
_SCALAR_TYPES: dict[str, Any] = {
    "string": str,
    "integer": int,
    "long": int,
    "float": _NUMBERS,
    "double": _NUMBERS,
    "boolean": bool,
    "blob": (bytes, bytearray, str),  # a file-like object: botocore decides
}


def _scalar_rule(shape: Any, minimum: Any) -> Rule | None:
    kind = shape.type_name
    if kind not in _SCALAR_TYPES or is_json_value_header(shape):
        return None
    ranged = kind not in ("boolean", "blob")  # botocore checks no minimum on these
    return _SCALAR_TYPES[kind], minimum if ranged else None, kind == "string"


def _follows(rule: Rule, value: Any) -> bool:
    types, least, sized = rule
    return isinstance(value, types) and (least is None or not (len(value) if sized else value) < least)


def _compile(shape: Any, minimum: Any, compiled: dict[tuple[str, int | None], Check]) -> Check:
    kind = shape.type_name
    if is_json_value_header(shape) or (kind == "structure" and (shape.is_document_type or shape.is_tagged_union)):
        return _never
    rule = _scalar_rule(shape, minimum)
    if rule is not None:
        return lambda value: _follows(rule, value)
    if kind == "timestamp":
        return _timestamp
    if kind == "structure":
        required = tuple(shape.metadata.get("required", ()))
        scalars: dict[str, Rule] = {}
        others: dict[str, Check] = {}
        for name, member in shape.members.items():
            least = member.metadata.get("min")
            if least is None and member.serialization.get("hostLabel"):
                least = 1
            member_rule = _scalar_rule(member, least)
            if member_rule is not None:
                scalars[name] = member_rule
            else:
                others[name] = _valid_for_sure(member, compiled)

        def structure(value: Any) -> bool:
            if not isinstance(value, dict):
                return False
            for name in required:
                if name not in value:
                    return False
            for name, item in value.items():
                rule = scalars.get(name)
                if rule is not None:
                    types, least, sized = rule
                    if not isinstance(item, types) or (least is not None and (len(item) if sized else item) < least):
                        return False
                else:
                    member = others.get(name)
                    if member is None or not member(item):
                        return False
            return True

        return structure
    if kind == "list":
        element = _valid_for_sure(shape.member, compiled)

        def list_(value: Any) -> bool:
            if not isinstance(value, (list, tuple)) or (minimum is not None and len(value) < minimum):
                return False
            return all(map(element, value))

        return list_
    if kind == "map":
        key, item = _valid_for_sure(shape.key, compiled), _valid_for_sure(shape.value, compiled)

        def map_(value: Any) -> bool:
            return isinstance(value, dict) and all(key(k) and item(v) for k, v in value.items())

        return map_
    return _never


def _timestamp(value: Any) -> bool:
    # A datetime, naive or in UTC (botocore reads a naive one as UTC, and moving a UTC one to UTC
    # cannot overflow), or epoch seconds of a plain int or float; strings and other zones go to
    # botocore's parser, the only judge of what it parses.
    kind = type(value)
    if kind is int or kind is float:
        return 0 <= value <= _LAST_EPOCH_S
    return kind is datetime.datetime and (value.tzinfo is None or value.tzinfo is datetime.UTC)
