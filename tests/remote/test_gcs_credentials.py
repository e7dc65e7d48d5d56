"""gs:// on a machine where Google's credential chain can find nothing: read anonymously at once,
not after its ~15 s probe of a cloud metadata server (core/storage/remote_gcs.py); where it can find
something -- an environment variable, gcloud's application-default file, gcsfs's token cache, a
Compute Engine machine -- the chain is left to do its work."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from ckpt_browser.core.storage import remote_gcs

pytest.importorskip("gcsfs", reason="gcsfs (ckpt-browser[gcs]) is not installed")

CHAIN = ("GOOGLE_APPLICATION_CREDENTIALS", "GCE_METADATA_HOST", "GCE_METADATA_IP", "K_SERVICE", "CLOUD_RUN_JOB",
         "CLOUDSDK_CONFIG", "STORAGE_EMULATOR_HOST")  # fmt: skip


@pytest.fixture
def bare(tmp_path, monkeypatch):
    """An empty home, none of the chain's variables, no Compute Engine BIOS."""
    for k in CHAIN:
        monkeypatch.delenv(k, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("APPDATA", str(tmp_path / "AppData"))
    monkeypatch.setattr(remote_gcs, "DMI_PRODUCT", str(tmp_path / "no-such-file"))
    return tmp_path


def test_nothing_to_find_here(bare):
    assert not remote_gcs.credentials_here()


@pytest.mark.parametrize("where", ["env", "adc", "cloudsdk", "gcsfs", "gce", "cloud_run"])
def test_each_place_the_chain_looks_keeps_it(bare, monkeypatch, where):
    if where == "env":
        monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(bare / "key.json"))
    elif where == "adc":
        adc = bare / ("AppData/gcloud" if os.name == "nt" else ".config/gcloud")
        adc.mkdir(parents=True)
        (adc / "application_default_credentials.json").write_text("{}")
    elif where == "cloudsdk":
        monkeypatch.setenv("CLOUDSDK_CONFIG", str(bare / "sdk"))
        (bare / "sdk").mkdir()
        (bare / "sdk" / "application_default_credentials.json").write_text("{}")
    elif where == "gcsfs":
        (bare / ".gcs_tokens").write_text("{}")
    elif where == "gce":
        (bare / "product_name").write_text("Google Compute Engine\n")
        monkeypatch.setattr(remote_gcs, "DMI_PRODUCT", str(bare / "product_name"))
    else:
        monkeypatch.setenv("K_SERVICE", "job")
    assert remote_gcs.credentials_here()


def _on_google_cloud() -> bool:
    try:
        with open(remote_gcs.DMI_PRODUCT) as f:
            return f.read().startswith("Google")
    except OSError:
        return False


@pytest.mark.skipif(_on_google_cloud(), reason="a Compute Engine machine: its metadata server gives credentials")
def test_an_unreachable_bucket_says_so_at_once_without_credentials(bare):
    """No network here: one line as soon as the name does not resolve (it took ~16 s)."""
    env = {k: v for k, v in os.environ.items() if k not in CHAIN}
    start = time.monotonic()
    r = subprocess.run([sys.executable, "-m", "ckpt_browser", "ls", "gs://nohost.invalid/run"],
                       capture_output=True, text=True, timeout=60, env=env)  # fmt: skip
    took = time.monotonic() - start
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert "gs://nohost.invalid/run" in r.stderr and "Traceback" not in r.stderr
    assert took < 8, took
