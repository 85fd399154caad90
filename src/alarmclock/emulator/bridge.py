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
  as the usual ClientError subclass). tests/emulator/test_bridge_paths.py runs the same seeds through both
  paths and compares the reports byte for byte.
"""

from __future__ import annotations

import datetime
import decimal
import functools
import os
from collections.abc import Callable, Sequence
from typing import Any, overload

import boto3
from botocore import handlers as handlers_module
from botocore.config import Config
from botocore.exceptions import ParamValidationError
from botocore.loaders import Loader
from botocore.retries.standard import RetryQuotaChecker
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
    session = boto3.session.Session(
        aws_access_key_id="emulated", aws_secret_access_key="emulated", aws_session_token="emulated"
    )
    loader = session._session.get_component("data_loader")
    if type(loader) is Loader:  # (only botocore's own: one given in its place is left as it is)
        loader.__class__ = _Loader
    return session


class _Loader(Loader):
    """botocore's Loader, whose list of the services it knows is read in full only when read in
    full. botocore asks it, as it makes each client, only whether it holds the service; listing
    every service's folder (over 400) to answer took about 9 ms for each kind of file, a sixth of
    a run's first two clients."""

    def list_available_services(self, type_name: str) -> Sequence[str]:
        return _Services(self, type_name)


class _Services(Sequence[str]):
    """Loader.list_available_services(type_name): `in` looks in the one service's folder, as the
    full listing does in each; anything else reads the full listing (botocore's, kept)."""

    def __init__(self, loader: Loader, type_name: str) -> None:
        self._loader = loader
        self._type = type_name

    def _all(self) -> list[str]:
        services: list[str] = Loader.list_available_services(self._loader, self._type)
        return services

    def __contains__(self, name: object) -> bool:
        if not isinstance(name, str) or name in ("", ".", "..") or os.sep in name or (os.altsep or os.sep) in name:
            return name in self._all()
        loader = self._loader
        for location in loader._potential_locations():
            folder = os.path.join(location, name)
            if not os.path.isdir(folder) or name not in os.listdir(location):
                continue
            for version in os.listdir(folder):
                if loader.file_loader.exists(os.path.join(folder, version, self._type)):
                    return True
        return False

    @overload
    def __getitem__(self, index: int) -> str: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[str]: ...

    def __getitem__(self, index: int | slice) -> str | Sequence[str]:
        return self._all()[index]

    def __len__(self) -> int:
        return len(self._all())


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

        keep_params.alarmclock_inert_when_quick = True  # type: ignore[attr-defined]  # only `answer` reads it

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
        self._emitter = getattr(self._client.meta.events, "_emitter", None)
        self._registrations: object = None  # the emitter's lookup cache when the hooks were last judged
        self._ready = True

    def _hooks_inert(self) -> bool:
        """Whether every handler of the three events is one known to do nothing on this call's model,
        so that emitting them can be skipped. botocore makes a new lookup cache whenever a handler is
        registered or unregistered: the judgement is kept while that cache is the same object."""
        emitter = self._emitter
        registrations = getattr(emitter, "_lookup_cache", None)
        if registrations is None:
            return False
        if registrations is not self._registrations:
            self._registrations = registrations
            events = (self._provide_event, self._build_event, self._after_event)
            self._inert = _inert(self._client, self._model, emitter, events)
        return self._inert

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if args:  # botocore's own TypeError for positional arguments
            return getattr(type(self._client), self._method_name)(self._client, *args, **kwargs)
        if not self._ready:
            self._prepare()
        if self._hooks_inert():
            params = kwargs
            if not self._check(params):
                report = ParamValidator().validate(params, self._model.input_shape)
                if report.has_errors():
                    raise ParamValidationError(report=report.generate_report())
            http, parsed = self._respond(self._operation, params)
            if http.status_code >= 300:
                code = parsed.get("Error", {}).get("Code")
                raise self._client.exceptions.from_code(code)(parsed, self._operation)
            return parsed
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


def _inert(client: Any, model: Any, emitter: Any, events: tuple[str, ...]) -> bool:
    """Whether no handler of these events can change a call of `model` answered in-process: ours,
    which only the faithful path reads; botocore's idempotency token, for an operation without one;
    its checksum validation mode, for an operation without that member; its retry quota's release,
    while the quota is full (the quick path never retries, so never draws on it)."""
    try:
        handlers = [h for name in events for h in emitter._handlers.prefix_search(name)]
    except AttributeError:
        return False
    for handler in handlers:
        function = getattr(handler, "__func__", handler)
        owner = getattr(handler, "__self__", None)
        if getattr(function, "alarmclock_inert_when_quick", False):
            continue
        if function is handlers_module.generate_idempotent_uuid and not model.idempotent_members:
            continue
        if function is getattr(handlers_module, "_handle_request_validation_mode_member", None) and not (
            model.http_checksum or {}
        ).get("requestValidationModeMember"):
            continue
        if function is RetryQuotaChecker.release_retry_quota:
            quota = getattr(owner, "_quota", None)
            if quota is not None and quota.available_capacity >= getattr(quota, "_max_capacity", float("inf")):
                continue
        return False
    return True


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
        others: dict[str, Check | tuple[Check | Flat, Any] | None] = {}
        for name, member in shape.members.items():
            least = member.metadata.get("min")
            if least is None and member.serialization.get("hostLabel"):
                least = 1
            member_rule = _scalar_rule(member, least)
            if member_rule is not None:
                scalars[name] = member_rule
            elif member.type_name == "timestamp" and not is_json_value_header(member):
                others[name] = None  # written out inline: _timestamp
            elif member.type_name == "list" and (flat := _flat_structure(member.member)) is not None:
                others[name] = (flat, least)  # inline: list_ of a structure's scalars (a Dimensions)
            elif member.type_name == "list":
                others[name] = (_valid_for_sure(member.member, compiled), least)  # inline: list_
            else:
                others[name] = _valid_for_sure(member, compiled)

        return _structure(required, scalars, others)
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


# A structure whose members are all scalars: (its required members, their rules).
Flat = tuple[tuple[str, ...], dict[str, Rule]]


def _flat_structure(shape: Any) -> Flat | None:
    if shape.type_name != "structure" or shape.is_document_type or shape.is_tagged_union:
        return None
    if is_json_value_header(shape):
        return None
    rules: dict[str, Rule] = {}
    for name, member in shape.members.items():
        least = member.metadata.get("min")
        if least is None and member.serialization.get("hostLabel"):
            least = 1
        rule = _scalar_rule(member, least)
        if rule is None:
            return None
        rules[name] = rule
    return tuple(shape.metadata.get("required", ())), rules


def _members_source(
    required: tuple[str, ...], scalars: dict[str, Rule], value: str, pad: str, names: dict[str, Any], prefix: str
) -> list[str]:
    """The source checking dict `value`'s required and scalar members (each `return False` when
    one fails), ending in the open `elif` chain of its members, at indentation `pad`."""
    lines = [f"{pad}if not isinstance({value}, dict):", f"{pad}    return False"]
    lines += [f"{pad}if {name!r} not in {value}:\n{pad}    return False" for name in required]
    lines.append(f"{pad}for {prefix}name, {prefix}item in {value}.items():")
    branch = "if"
    for index, (name, (types, least, sized)) in enumerate(scalars.items()):
        names[f"{prefix}types{index}"], names[f"{prefix}least{index}"] = types, least
        item = f"{prefix}item"
        test = f"isinstance({item}, {prefix}types{index})"
        if least is not None:
            test += f" and not ({f'len({item})' if sized else item} < {prefix}least{index})"
        lines.append(
            f"{pad}    {branch} {prefix}name == {name!r}:\n{pad}        if not ({test}):\n{pad}            return False"
        )
        branch = "elif"
    return lines


def _structure(
    required: tuple[str, ...],
    scalars: dict[str, Rule],
    others: dict[str, Check | tuple[Check | Flat, Any] | None],
) -> Check:
    """A structure's check as Python source compiled once: each scalar member's rule, a timestamp's
    (None in `others`) and a list's ((its element's check, its minimum) in `others`) written out
    inline, with no lookup or call for them (a wave's 720 values each have four or five members)."""
    names: dict[str, Any] = {
        "isinstance": isinstance,
        "len": len,
        "dict": dict,
        "all": all,
        "map": map,
        "list": list,
        "tuple": tuple,
        "type": type,
        "int": int,
        "float": float,
        "datetime": datetime.datetime,
        "UTC": datetime.UTC,
        "LAST": _LAST_EPOCH_S,
    }
    lines = ["def structure(value):", *_members_source(required, scalars, "value", "    ", names, "")]
    branch = "elif" if scalars else "if"
    for index, (name, member) in enumerate(others.items()):
        block: list[str] = []
        if member is None:  # _timestamp
            test = (
                "(0 <= item <= LAST if type(item) is float or type(item) is int else "
                "type(item) is datetime and (item.tzinfo is None or item.tzinfo is UTC))"
            )
        elif isinstance(member, tuple):  # list_
            element, least = member
            names[f"least{index}_"] = least
            long_enough = "" if least is None else f" and not len(item) < least{index}_"
            if isinstance(element, tuple):  # its elements' check written out too
                test = f"isinstance(item, (list, tuple)){long_enough}"
                prefix = f"e{index}_"
                inner = _members_source(*element, f"{prefix}value", "                ", names, prefix)
                block = ["            for " + f"{prefix}value in item:", *inner]
                block.append(
                    "                    else:\n                        return False"
                    if element[1]
                    else "                    return False"
                )
            else:
                names[f"check{index}"] = element
                test = f"isinstance(item, (list, tuple)){long_enough} and all(map(check{index}, item))"
        else:
            names[f"check{index}"] = member
            test = f"check{index}(item)"
        lines.append(f"        {branch} name == {name!r}:\n            if not ({test}):\n                return False")
        lines += block
        branch = "elif"
    lines.append("        else:\n            return False" if branch == "elif" else "        return False")
    lines.append("    return True")
    exec("\n".join(lines), names)  # the source is made here from botocore's shape alone
    structure: Check = names["structure"]
    return structure


def _timestamp(value: Any) -> bool:
    # A datetime, naive or in UTC (botocore reads a naive one as UTC, and moving a UTC one to UTC
    # cannot overflow), or epoch seconds of a plain int or float; strings and other zones go to
    # botocore's parser, the only judge of what it parses.
    kind = type(value)
    if kind is int or kind is float:
        return 0 <= value <= _LAST_EPOCH_S
    return kind is datetime.datetime and (value.tzinfo is None or value.tzinfo is datetime.UTC)
