"""The template in S3, for `deploy --s3-bucket`: the one module that talks to S3.

CloudFormation takes a template body of at most 51,200 bytes inline and up to 1 MB from S3
(CloudFormation API Reference, "CreateChangeSet": TemplateBody, TemplateURL). The largest clocks
the function's environment allows need S3 (tests/aws/test_limits.py measures where).

The object's URL is path-style on the S3 client's own endpoint, as the AWS CLI's `cloudformation
deploy --s3-bucket` writes it (awscli/customizations/s3uploader.py, `to_path_style_s3_url`), so
the same code reaches AWS in any partition, and LocalStack or moto behind --endpoint-url.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from alarmclock.aws.session import Aws, error_code

# S3 User Guide, "General purpose bucket naming rules": 3-63 characters of lowercase letters,
# digits, dots and hyphens, starting and ending with a letter or digit. (The rarer rules, such as
# no two adjacent dots, are left to S3, whose refusal is one line too.)
BUCKET_NAME = r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]"
# Codes S3 answers for a bucket that is not there (or not one this caller can see by that name).
MISSING_BUCKET_CODES = frozenset({"NoSuchBucket", "404"})


class MissingBucket(Exception):
    """The bucket given is not there."""


class TemplateBucket:
    def __init__(self, aws: Aws, bucket: str) -> None:
        self.aws = aws
        self.bucket = bucket

    @property
    def s3(self) -> Any:
        return self.aws.client("s3")

    def put(self, key: str, body: str) -> str:
        """Store the template; its URL for CloudFormation's TemplateURL."""
        import botocore.exceptions

        try:
            self.s3.put_object(Bucket=self.bucket, Key=key, Body=body.encode("utf-8"), ContentType="application/json")
        except botocore.exceptions.ClientError as error:
            if error_code(error) in MISSING_BUCKET_CODES:
                raise MissingBucket(self.bucket) from None
            raise
        return self.url(key)

    def url(self, key: str) -> str:
        return f"{self.s3.meta.endpoint_url.rstrip('/')}/{self.bucket}/{quote(key)}"

    def remove(self, key: str) -> None:
        self.s3.delete_object(Bucket=self.bucket, Key=key)
