"""`health` on a model_dir in a bucket: the same answer as on disk, by byte ranges of the tensors
it reads (model variables, not the optimizer slots beside them)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.remote.test_s3 import cli

RUN = Path(__file__).resolve().parent.parent / "data" / "health" / "nan"


def _scrub(out: dict) -> dict:
    out = dict(out)
    out.pop("path"), out.pop("seconds")
    out["summary"] = out["summary"].rsplit(" (", 1)[0]  # the MB-in-seconds tail
    return out


def test_health_of_a_bucket_equals_the_local_answer_reading_ranges_only(s3):
    url = "s3://runs/health-nan"
    s3.fs.put(str(RUN), "runs/health-nan", recursive=True)
    local = cli("health", RUN, "--json")
    s3.relay.reset()
    remote = cli("health", url, "--json")
    assert remote.returncode == local.returncode == 1, remote.stderr
    assert _scrub(json.loads(remote.stdout)) == _scrub(json.loads(local.stdout))
    model_only = s3.relay.down
    s3.relay.reset()
    assert cli("health", url, "--json", "--all").returncode == 1
    # Model variables are about a third of the data (Adam keeps two slots per variable): ranges
    # of them cost less than everything, which whole files would not.
    assert model_only < 0.8 * s3.relay.down, (model_only, s3.relay.down)
    # Each byte crosses once, however busy the machine (health's workers read neighbouring
    # tensors side by side: they used to fetch each shared block once each, 700 KB for 513 KB).
    data = sum(f.stat().st_size for f in RUN.iterdir())
    assert model_only < data, (model_only, data)
    assert s3.relay.down < 1.1 * data, (s3.relay.down, data)  # requests' headers and listings: ~6 %
