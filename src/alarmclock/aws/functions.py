"""Lambda: a target named by its function's name, and the restart a clock's own function makes."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from alarmclock.aws.metrics import NOT_FOUND_CODES
from alarmclock.aws.session import Aws, error_code, error_message

# A function's name as Lambda takes it (Lambda API Reference, "CreateFunction", FunctionName).
FUNCTION_NAME = re.compile(r"[a-zA-Z0-9_-]{1,64}")
# What the clock's function takes as a restart on request (handler.RESTART).
RESTART_EVENT = {"alarmclock": "restart"}


def is_function_name(target: str) -> bool:
    """A bare function name (`my-job`), which only Lambda can turn into an ARN."""
    return bool(FUNCTION_NAME.fullmatch(target))


class NoSuchFunction(Exception):
    def __init__(self, name: str, why: str) -> None:
        super().__init__(f"{name}: {why}")
        self.name, self.why = name, why


@dataclass(frozen=True)
class Invocation:
    """A synchronous invocation's answer: the handler's return value, or the error it raised."""

    answer: dict[str, Any]
    error: str | None = None  # Lambda's FunctionError: the handler raised


class Functions:
    def __init__(self, aws: Aws) -> None:
        self.aws = aws

    @property
    def lambda_(self) -> Any:
        return self.aws.client("lambda")

    def arn_of(self, name: str) -> str:
        """The ARN of the function `name` in this region (GetFunction); NoSuchFunction if there is none."""
        import botocore.exceptions

        try:
            answer = self.lambda_.get_function(FunctionName=name)
        except botocore.exceptions.ClientError as error:
            if error_code(error) in NOT_FOUND_CODES:
                raise NoSuchFunction(name, f"{error_code(error)}: {error_message(error)}") from None
            raise
        return str(answer["Configuration"]["FunctionArn"])

    def restart(self, function_name: str, design: str | None = None) -> Invocation:
        """Invoke the clock's function with a restart and wait for its answer (RequestResponse: the
        handler answers in a second or two, and says what it did). `design` switches a wave clock to
        the documented design ("now") or back ("wave")."""
        event = RESTART_EVENT | ({"design": design} if design else {})
        answer = self.lambda_.invoke(
            FunctionName=function_name, InvocationType="RequestResponse", Payload=json.dumps(event).encode()
        )
        body = answer["Payload"].read()
        try:
            parsed = json.loads(body or b"null")
        except ValueError:
            parsed = {"raw": body.decode(errors="replace")}
        if not isinstance(parsed, dict):
            parsed = {"raw": parsed}
        return Invocation(parsed, answer.get("FunctionError"))
