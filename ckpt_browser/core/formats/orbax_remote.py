"""What tensorstore's own S3 driver needs to find the bucket the user's environment names (the
same variables boto3 and s3fs read: AWS_ENDPOINT_URL, AWS_REGION / AWS_DEFAULT_REGION)."""

from __future__ import annotations

import os

ENV_PREFIX = "AWS_"


def s3_options() -> dict:
    out: dict = {}
    endpoint = os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL")
    if endpoint:
        out["endpoint"] = endpoint
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    if region:
        out["aws_region"] = region
    return out


def credentials_env() -> dict[str, str]:
    """The AWS_* variables of this process, for the worker (started earlier, perhaps before the
    user's shell values were set): it takes them before opening a bucket."""
    return {k: v for k, v in os.environ.items() if k.startswith(ENV_PREFIX)}
