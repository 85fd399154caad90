"""One place that builds boto3 clients, and one that explains botocore's errors.

Every AWS call alarmclock makes goes through a client from `Aws.client`, so
`--endpoint-url` (moto, LocalStack) and `--region`/`--profile` apply everywhere. Left
unset, boto3 resolves them as usual: the credential chain, AWS_PROFILE, AWS_DEFAULT_REGION,
AWS_ENDPOINT_URL, the config files; AWS_REGION is read here, as the AWS CLI does.
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from alarmclock import __version__
from alarmclock.exit_status import ExitStatus

NO_REGION = "no AWS region: pass --region, set AWS_REGION (or AWS_DEFAULT_REGION), or give your profile a region"

# Codes AWS services use when the caller's credentials are wrong or stale.
EXPIRED_CODES = frozenset({"ExpiredToken", "ExpiredTokenException", "RequestExpired", "TokenRefreshRequired"})
REJECTED_CODES = frozenset(
    {
        "InvalidClientTokenId",
        "UnrecognizedClientException",
        "SignatureDoesNotMatch",
        "InvalidSignatureException",
        "AuthFailure",
        "InvalidAccessKeyId",
        "MissingAuthenticationToken",
    }
)
DENIED_CODES = frozenset({"AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "AuthorizationError"})


class AwsError(Exception):
    """A failure the user can act on: one line, and the exit status to end with."""

    def __init__(self, message: str, exit_code: ExitStatus = ExitStatus.FAILED) -> None:
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code


@dataclass(frozen=True)
class AwsOptions:
    region: str | None = None
    profile: str | None = None
    endpoint_url: str | None = None


@dataclass
class Aws:
    """boto3 clients for one account and region, built once each."""

    options: AwsOptions = field(default_factory=AwsOptions)
    _session: Any = None
    _clients: dict[tuple[str, str], Any] = field(default_factory=dict)

    @property
    def session(self) -> Any:
        if self._session is None:
            import boto3
            import botocore.exceptions

            # boto3 reads AWS_DEFAULT_REGION only; the AWS CLI (v2) and other SDKs read AWS_REGION
            # first, and so does alarmclock.
            region = self.options.region or os.environ.get("AWS_REGION") or None
            try:
                self._session = boto3.Session(profile_name=self.options.profile, region_name=region)
            except botocore.exceptions.BotoCoreError as error:
                raise explain(error) from None
        return self._session

    @property
    def region(self) -> str:
        region = self.session.region_name
        if not region:
            raise AwsError(NO_REGION, ExitStatus.USAGE)
        return str(region)

    def client(self, service: str, region: str | None = None) -> Any:
        import botocore.exceptions
        from botocore.config import Config

        check_endpoint_url(self.options.endpoint_url)
        if self.options.endpoint_url is None and os.environ.get("AWS_ENDPOINT_URL"):
            check_endpoint_url(os.environ["AWS_ENDPOINT_URL"], "AWS_ENDPOINT_URL")
        where = region or self.region
        key = (service, where)
        if key not in self._clients:
            config = Config(
                # adaptive: standard's retries, and a client-side rate limit that slows down when AWS
                # throttles, which `list` (aws/fleet.py) needs with several calls in flight.
                retries={"mode": "adaptive", "max_attempts": 4},
                connect_timeout=5,
                read_timeout=30,
                user_agent_appid=f"alarmclock-{__version__}",
            )
            try:
                self._clients[key] = self.session.client(
                    service, region_name=where, endpoint_url=self.options.endpoint_url, config=config
                )
            except botocore.exceptions.InvalidRegionError:
                raise AwsError(
                    f"{self.region_source()} {where!r} is not a region name; one looks like us-east-1 or eu-west-2",
                    ExitStatus.USAGE,
                ) from None
            except ValueError as error:
                # botocore refuses a malformed endpoint (here, AWS_ENDPOINT_URL's or a config file's)
                # with a bare ValueError: "Invalid endpoint: ...".
                raise AwsError(f"{error}; set an http(s) URL, e.g. http://localhost:4566", ExitStatus.USAGE) from None
            self._warn_of_unknown_region(service, where)
        return self._clients[key]

    def region_source(self) -> str:
        """Where the region came from, in the words the user set it with."""
        if self.options.region:
            return "--region"
        for variable in ("AWS_REGION", "AWS_DEFAULT_REGION"):
            if os.environ.get(variable):
                return variable
        return "your profile's region"

    def _warn_of_unknown_region(self, service: str, region: str) -> None:
        """A region botocore does not list may still be real (newer than botocore): warn, once, and
        go on. Against an --endpoint-url (moto, LocalStack) any region name goes."""
        if self.options.endpoint_url is not None or len(self._clients) > 1 or os.environ.get("AWS_ENDPOINT_URL"):
            return
        session = self.session
        known = {r for p in session.get_available_partitions() for r in session.get_available_regions(service, p)}
        if known and region not in known:
            sys.stderr.write(
                f"alarmclock: warning: {self.region_source()} {region!r} is not a region this botocore knows; "
                "if AWS cannot be reached, check the region's name\n"
            )


def check_endpoint_url(url: str | None, source: str = "--endpoint-url") -> None:
    """botocore refuses some malformed URLs with a bare ValueError and takes others (ftp://...) only
    to fail at the first call; refuse both at once, in the words of the option (or variable) it came from."""
    if url is None:
        return
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or " " in url:
        raise AwsError(f"{source} {url!r} is not an http(s) URL; e.g. http://localhost:4566", ExitStatus.USAGE)


def error_code(error: BaseException) -> str:
    response = getattr(error, "response", None)
    if isinstance(response, dict):
        return str(response.get("Error", {}).get("Code", ""))
    return ""


def error_message(error: BaseException) -> str:
    response = getattr(error, "response", None)
    if isinstance(response, dict):
        return str(response.get("Error", {}).get("Message", "")).strip()
    return str(error)


def explain(error: BaseException) -> AwsError:
    """Turn any botocore exception into one line a person can act on."""
    import botocore.exceptions as bc
    from botocore.parsers import ResponseParserError

    if isinstance(error, AwsError):
        return error
    if isinstance(error, bc.ProfileNotFound):
        return AwsError(
            f"AWS profile {error.kwargs.get('profile')!r} is not configured (see 'aws configure list-profiles')",
            ExitStatus.USAGE,
        )
    if isinstance(error, bc.NoRegionError):
        return AwsError(NO_REGION, ExitStatus.USAGE)
    if isinstance(error, bc.NoCredentialsError | bc.PartialCredentialsError):
        return AwsError(
            "no AWS credentials found: set AWS_PROFILE (or pass --profile), set AWS_ACCESS_KEY_ID and "
            "AWS_SECRET_ACCESS_KEY, or run 'aws configure' / 'aws sso login'"
        )
    if isinstance(error, bc.TokenRetrievalError | bc.SSOTokenLoadError | bc.UnauthorizedSSOTokenError):
        return AwsError(f"your AWS SSO session cannot be used ({error}); run 'aws sso login' and try again")
    if isinstance(error, bc.EndpointConnectionError | bc.ConnectTimeoutError | bc.ConnectionClosedError):
        return AwsError(f"cannot reach AWS: {error}")
    if isinstance(error, bc.ClientError) and (error_code(error).isdigit() or not error_code(error)):
        # No AWS error code, only the HTTP status (botocore's stand-in) or nothing, and a message that
        # may be a whole HTML page: the answer came from something that is not the AWS service asked.
        status = str(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or error_code(error))
        return not_an_aws_response(f"{status} {_reason(status)}".strip() or "no error code")
    if isinstance(error, bc.ClientError):
        code, message = error_code(error), error_message(error)
        operation = getattr(error, "operation_name", "the request")
        if code in EXPIRED_CODES:
            return AwsError(f"your AWS credentials have expired ({code}: {message}); refresh them and try again")
        if code in REJECTED_CODES:
            return AwsError(f"AWS rejected your credentials ({code}: {message}); check AWS_PROFILE or your keys")
        if code in DENIED_CODES:
            return AwsError(f"not allowed to call {operation}: {message}")
        return AwsError(f"{operation} failed: {code}: {message}")
    if isinstance(error, bc.BotoCoreError):
        return AwsError(f"AWS: {error}")
    if isinstance(error, ResponseParserError):
        # An answer botocore cannot parse (an HTML error page, say) comes from something that is
        # not the AWS service asked: an --endpoint-url that is not AWS, LocalStack or moto, or a
        # region that server does not serve. The input is what is wrong, hence ExitStatus.USAGE.
        title = re.search(r"<title>\s*(.*?)\s*</title>", str(error), re.IGNORECASE | re.DOTALL)
        return not_an_aws_response(title.group(1) if title else "it could not be parsed")
    return AwsError(f"{type(error).__name__}: {error}")


def not_an_aws_response(what: str) -> AwsError:
    return AwsError(
        f"the endpoint's answer is not an AWS response ({what[:80]}); check --endpoint-url and --region",
        ExitStatus.USAGE,
    )


def _reason(status: str) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(int(status)).phrase
    except ValueError:
        return ""


def is_aws_error(error: BaseException) -> bool:
    import botocore.exceptions as bc
    from botocore.parsers import ResponseParserError

    return isinstance(error, AwsError | bc.BotoCoreError | bc.ClientError | ResponseParserError)
