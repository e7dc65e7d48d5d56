"""gs:// through gcsfs, held to the rules the other bucket backends follow (remote.py): one attempt
per request within the timeout, failures reported in our one line, and a Cloud Storage emulator
reached the way Google's own clients reach one.

- gcsfs retries a failed request six times with back-off (about 30 s for a host that cannot be
  reached) whatever its ``retries`` attribute says (the count is fixed when the class is made): the
  file system made here sends each request once, as s3fs is told to.
- gcsfs logs each request that failed with a traceback, and each bucket it could not ask for its
  layout, on the "gcsfs" logger: the command line would print them above our one line. That logger
  is quietened unless the user set its level.
- STORAGE_EMULATOR_HOST (read by gcsfs, google-cloud-storage and the gcloud tools) names an emulator:
  gcsfs's base class then, which speaks the JSON API only (the default class also asks a gRPC
  control plane about each bucket, which no emulator serves: over a minute of TLS retries with
  anonymous credentials), and anonymous credentials, as google-cloud-storage uses for an emulator.
  Without the variable nothing changes: the default class and the user's own credential chain.
- Where that chain can find nothing without the network -- no GOOGLE_APPLICATION_CREDENTIALS, no
  gcloud application-default file, no gcsfs token cache, not a Google Compute Engine machine (its
  BIOS names Google) nor Cloud Run -- it would still ask the metadata server of a cloud machine
  the user is not on: about 15 s before the first request. A public bucket is then read
  anonymously at once; a private one says access is denied, in one line.
"""

from __future__ import annotations

import functools
import logging
import os
from pathlib import Path
from typing import Any

GCS = ("gs", "gcs")


def emulator() -> str | None:
    """The emulator's base URL (http://host:port) when STORAGE_EMULATOR_HOST names one, else None."""
    host = os.environ.get("STORAGE_EMULATOR_HOST", "").strip()
    if host in ("", "default"):  # gcsfs's own reading: "default" is the real service
        return None
    return host.rstrip("/") if host.startswith(("http://", "https://")) else f"http://{host.rstrip('/')}"


def filesystem(raw: str, options: dict):
    """gcsfs's file system for the URL ``raw`` with the options remote.py gives every backend."""
    import fsspec

    quiet = logging.getLogger("gcsfs")
    if quiet.level == logging.NOTSET:
        quiet.setLevel(logging.CRITICAL)
    base: Any = fsspec.get_filesystem_class("gs")
    kwargs = dict(options)
    if emulator() is not None:
        from gcsfs.core import GCSFileSystem  # the JSON API alone, not the gRPC-probing subclass

        base = GCSFileSystem
        kwargs.setdefault("token", "anon")
    elif not credentials_here():
        kwargs.setdefault("token", "anon")
    cls = _one_attempt(base)
    return cls(**{**cls._get_kwargs_from_urls(raw), **kwargs})


def credentials_here() -> bool:
    """Whether Google's credential chain (google.auth.default, then gcsfs's token cache) could
    find credentials on this machine: named by the environment, in a file, or from the metadata
    server of the cloud machine this is."""
    env = os.environ
    if any(env.get(k) for k in ("GOOGLE_APPLICATION_CREDENTIALS", "GCE_METADATA_HOST", "GCE_METADATA_IP",
                                "K_SERVICE", "CLOUD_RUN_JOB")):  # fmt: skip
        return True
    if os.name == "nt":
        config = Path(env.get("CLOUDSDK_CONFIG") or Path(env.get("APPDATA", "~")) / "gcloud")
    else:
        config = Path(env.get("CLOUDSDK_CONFIG") or "~/.config/gcloud")
    if (config.expanduser() / "application_default_credentials.json").is_file():
        return True
    if Path("~/.gcs_tokens").expanduser().is_file():  # gcsfs's own cache of a browser login
        return True
    try:
        return Path(DMI_PRODUCT).read_text().strip().startswith("Google")  # Compute Engine, GKE, Colab
    except OSError:
        return False


DMI_PRODUCT = "/sys/class/dmi/id/product_name"  # as google.auth reads it on Linux


@functools.cache
def _one_attempt(base: Any) -> Any:
    """base with its request sent once (one class per base: fsspec caches instances per class)."""
    raw = getattr(base._request, "__wrapped__", None)  # gcsfs's retry_request, made by `decorator`
    try:
        from gcsfs.retry import retry_request
    except ImportError:
        retry_request = None
    if raw is None or retry_request is None:  # a gcsfs that retries some other way: as it is
        return base
    return type(base.__name__, (base,), {"_request": retry_request(retries=1)(raw), "__module__": __name__})
