"""One line for a failed request to a bucket or server: which URL, and what went wrong (missing,
access denied, no answer in time, no credentials, the server not reachable, an HTTP status), and
the one time limit every request gets (CKPT_BROWSER_TIMEOUT). Apart from remote.py so that the
wording is read in one place, and remote.py stays about paths and reads."""

from __future__ import annotations

import os
import socket

from ckpt_browser.core.base.errors import CheckpointError, Unreachable
from ckpt_browser.core.storage.paths import redact


def timeout() -> float:
    """Seconds a request may take before the read fails (CKPT_BROWSER_TIMEOUT, default 20)."""
    try:
        return max(1.0, float(os.environ.get("CKPT_BROWSER_TIMEOUT", "20")))
    except ValueError:
        return 20.0


def _kind(exc: BaseException, text: str) -> str:
    """What went wrong, in explain's terms."""
    name = type(exc).__name__
    if isinstance(exc, FileNotFoundError):
        return "missing"
    if isinstance(exc, PermissionError):
        return "denied"
    if "Timeout" in name or isinstance(exc, TimeoutError):
        return "timeout"
    if "Credentials" in name or "credentials" in text.lower():
        return "credentials"
    if "Connect" in name or "Connection" in name or isinstance(exc, (ConnectionError, socket.gaierror)):
        return "unreachable"
    if name == "ClientResponseError" and isinstance(getattr(exc, "status", None), int):
        return "status"  # an HTTP server's answer (aiohttp)
    return "other"


def explain(exc: BaseException, url) -> str:
    """One line for a failed remote operation: which URL, and what went wrong."""
    if isinstance(exc, CheckpointError):
        return redact(exc)
    where = redact(url)[:300]
    text = redact(str(exc).strip().splitlines()[0])[:300] if str(exc).strip() else type(exc).__name__
    kind = _kind(exc, text)
    if kind == "missing":
        return f"{where} does not exist (no such bucket or object)"
    if kind == "denied":
        return f"{where}: access denied ({text})"
    if kind == "timeout":
        return f"{where}: no answer within {timeout():.0f} s (network down or server stopped)"
    if kind == "credentials":
        return f"{where}: no credentials found ({text})"
    if kind == "unreachable":
        return f"{where}: cannot reach the server ({text})"
    if kind == "status":
        status = getattr(exc, "status", 0)
        reason = " ".join(str(getattr(exc, "message", "") or "").split())[:100]
        if status in (401, 403):
            return f"{where}: access denied (HTTP {status} {reason})".replace(" )", ")")
        return f"{where}: the server answered HTTP {status} {reason}".rstrip()
    return f"{where}: {type(exc).__name__}: {text}"


def failure(exc: BaseException, url) -> CheckpointError:
    """explain's line as the error to raise: Unreachable when the server could not be asked."""
    if isinstance(exc, CheckpointError):
        return exc
    text = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else ""
    unreachable = _kind(exc, text) in ("timeout", "unreachable")
    return (Unreachable if unreachable else CheckpointError)(explain(exc, url))
