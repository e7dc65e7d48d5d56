"""What tensorstore's own S3 and GCS drivers need to find the bucket the user's environment names:
the variables boto3 and s3fs read (AWS_ENDPOINT_URL, AWS_REGION / AWS_DEFAULT_REGION, the keys), and
for gs:// Google's credential variables and the Cloud Storage emulator gcsfs reaches
(STORAGE_EMULATOR_HOST, which tensorstore does not read: it is given as TENSORSTORE_GCS_HTTP_URL,
the base URL of tensorstore's gcs driver)."""

from __future__ import annotations

import os

from ckpt_browser.core.storage.remote_gcs import emulator

# Variables handed to the worker: names starting with these (AWS_*, TENSORSTORE_GCS_*) or equal to them.
PASSED = ("AWS_", "TENSORSTORE_GCS_", "GOOGLE_APPLICATION_CREDENTIALS", "CLOUDSDK_CONFIG", "GCE_METADATA_ROOT")
GCS_URL = "TENSORSTORE_GCS_HTTP_URL"


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
    """The variables of this process the worker needs (it was started earlier, perhaps before the
    user's shell values were set): it takes them before opening a bucket. An emulator named by
    STORAGE_EMULATOR_HOST becomes tensorstore's GCS base URL, unless TENSORSTORE_GCS_HTTP_URL is set."""
    env = {k: v for k, v in os.environ.items() if k.startswith(PASSED)}
    url = emulator()
    if url is not None and GCS_URL not in env:
        env[GCS_URL] = url
    return env
