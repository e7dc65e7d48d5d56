"""verify on a Dask cluster: a LocalCluster of worker processes reading moto's S3 server
themselves gives the JSON a local run gives, for a sound and a damaged checkpoint."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from PySide6.QtWidgets import QDialog
from shiboken6 import isValid

from tests.remote.test_s3 import cli, same_answer

distributed = pytest.importorskip("distributed")

HEALTH = Path(__file__).resolve().parent.parent / "data" / "health"


@pytest.fixture(scope="module")
def cluster(s3):
    # Started after the s3 fixture put the bucket's endpoint and keys in the environment: the
    # worker processes inherit them, as workers on a cluster have their own credentials.
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as c:
        yield c


def test_verify_on_the_cluster_equals_the_local_run(s3, cluster):
    local = cli("verify", s3.local["iris"], "--json")
    remote = cli("verify", s3.urls["iris"], "--json", "--dask", cluster.scheduler_address, timeout=300)
    assert remote.returncode == local.returncode == 0, remote.stderr
    same_answer(json.loads(local.stdout), json.loads(remote.stdout), s3.local["iris"], s3.urls["iris"])
    env = cli("verify", s3.urls["iris"], "--json", env={"CKPT_BROWSER_DASK": cluster.scheduler_address}, timeout=300)
    assert env.returncode == 0, env.stderr
    same_answer(json.loads(remote.stdout), json.loads(env.stdout), s3.urls["iris"], s3.urls["iris"])


def test_a_damaged_checkpoint_in_the_bucket_is_judged_as_locally(s3, cluster, tmp_path):
    damaged = tmp_path / "iris"
    shutil.copytree(s3.local["iris"], damaged)
    data = sorted(damaged.glob("model.ckpt-300.data-*"))[0]
    raw = bytearray(data.read_bytes())
    raw[len(raw) // 2] ^= 0x5A  # one flipped byte in the middle of a tensor
    data.write_bytes(bytes(raw))
    s3.fs.put(str(damaged), "runs/iris-damaged", recursive=True)
    url = "s3://runs/iris-damaged"
    local = cli("verify", damaged, "--json")
    remote = cli("verify", url, "--json", "--dask", cluster.scheduler_address, timeout=300)
    assert remote.returncode == local.returncode == 1, remote.stderr
    report = json.loads(remote.stdout)
    assert [c["status"] for c in report["checkpoints"] if c["name"] == "model.ckpt-300"] == ["corrupt"]
    same_answer(json.loads(local.stdout), report, damaged, url)


def test_an_unreachable_scheduler_is_one_line(s3):
    out = cli("verify", s3.local["iris"], "--dask", "tcp://127.0.0.1:9", timeout=120)
    assert out.returncode == 2 and len(out.stderr.strip().splitlines()) == 1, out.stderr
    assert "cannot reach the Dask scheduler" in out.stderr


def _ran_on_the_cluster(cluster, function: str) -> int:
    """How many tasks of the function the scheduler has seen (keys are function-uuid)."""
    prefix = cluster.scheduler.task_prefixes.get(function)
    return 0 if prefix is None else sum(prefix.state_counts.values())


def test_diff_on_the_cluster_equals_the_local_run(s3, cluster):
    iris, url = s3.local["iris"], s3.urls["iris"]
    before = _ran_on_the_cluster(cluster, "diff_pair_safe")
    local = cli("diff", iris / "model.ckpt-100", iris / "model.ckpt-300", "--json")
    remote = cli(
        "diff", url + "/model.ckpt-100", url + "/model.ckpt-300", "--json", "--dask", cluster.scheduler_address,
        timeout=300,
    )  # fmt: skip
    assert remote.returncode == local.returncode == 1, remote.stderr
    assert json.loads(local.stdout)["counts"]["changed"] > 0
    same_answer(json.loads(local.stdout), json.loads(remote.stdout), iris, url)
    assert _ran_on_the_cluster(cluster, "diff_pair_safe") > before  # the workers compared, not this process
    env = cli(
        "diff", url + "/model.ckpt-100", url + "/model.ckpt-300", "--json",
        env={"CKPT_BROWSER_DASK": cluster.scheduler_address}, timeout=300,
    )  # fmt: skip
    assert env.stdout == remote.stdout, env.stderr


def _health(out: str) -> dict:
    got = json.loads(out)
    got.pop("path"), got.pop("seconds")
    got["summary"] = got["summary"].rsplit(" (", 1)[0]  # the MB-in-seconds tail
    return got


def test_health_on_the_cluster_equals_the_local_run(s3, cluster):
    local_dir = HEALTH / "dead"  # dead units: findings that need every row of a kernel, across checkpoints
    url = "s3://runs/health-dead"
    s3.fs.put(str(local_dir), "runs/health-dead", recursive=True)
    before = _ran_on_the_cluster(cluster, "series_task")
    local = cli("health", local_dir, "--json")
    remote = cli("health", url, "--json", "--dask", cluster.scheduler_address, timeout=300)
    assert remote.returncode == local.returncode == 1, remote.stderr
    assert _health(remote.stdout) == _health(local.stdout)
    assert json.loads(local.stdout)["findings"] != []
    assert _ran_on_the_cluster(cluster, "series_task") > before


def test_show_statistics_on_the_cluster_equal_the_local_run(s3, cluster):
    listing = json.loads(cli("ls", s3.local["iris"], "--json").stdout)
    names = [v["name"] for v in listing["variables"] if v["dtype"] == "float32"][:2]
    before = _ran_on_the_cluster(cluster, "figures_of")
    for name in names:
        local = cli("show", s3.local["iris"], name, "--json")
        remote = cli("show", s3.urls["iris"], name, "--json", "--dask", cluster.scheduler_address, timeout=300)
        assert remote.returncode == local.returncode == 0, remote.stderr
        assert json.loads(remote.stdout) == json.loads(local.stdout)
    assert _ran_on_the_cluster(cluster, "figures_of") >= before + len(names)


def test_a_worker_lost_mid_run_is_retried_and_the_answer_is_exact(s3, cluster, tmp_path):
    from tests.remote.dask_faults import DieOnce

    marker = tmp_path / "died"
    local = cli("verify", s3.local["iris"], "--json")
    with distributed.Client(cluster.scheduler_address) as client:
        workers = set(client.scheduler_info()["workers"])
        client.register_plugin(DieOnce(str(marker), "crc_span_safe"), name="die-once")
        try:
            remote = cli("verify", s3.urls["iris"], "--json", "--dask", cluster.scheduler_address, timeout=300)
        finally:
            client.unregister_worker_plugin("die-once")
        client.wait_for_workers(2, timeout=60)  # the nanny brings the lost one back for the next test
        now = set(client.scheduler_info()["workers"])
    assert marker.read_text().startswith("crc_span_safe-")  # a worker died as it started one of ours
    assert len(workers - now) == 1  # ... and was lost to the scheduler
    assert remote.returncode == local.returncode == 0, remote.stderr
    same_answer(json.loads(local.stdout), json.loads(remote.stdout), s3.local["iris"], s3.urls["iris"])


def test_progress_counts_tasks_as_they_finish_on_the_cluster(cluster):
    """The slow first task does not hold back the count of the others (the cluster's task stream);
    results still come back in order."""
    import time

    from ckpt_browser.core.values.dask_engine import DaskEngine

    heard: list[tuple[int, int, str]] = []
    with distributed.Client(cluster.scheduler_address) as client:
        engine = DaskEngine(client=client, progress=lambda d, t, text: heard.append((d, t, text)))
        items = [1.5] + [0.0] * 5
        results = engine.map(time.sleep, items, lambda i: None)
        assert next(results) is None
        heard_at_first = len(heard)
        assert list(results) == [None] * 5
    assert heard_at_first >= 3, heard  # others finished (and were counted) while the first slept
    assert [d for d, _, _ in heard] == [1, 2, 3, 4, 5, 6] and {t for _, t, _ in heard} == {6}
    assert heard[0][2] == f"tasks done on {cluster.scheduler_address}"


def test_the_window_verifies_compares_and_checks_health_on_the_cluster(qtbot, window, s3, cluster):
    """Tools > Run on a Dask Cluster…: the address remembered, the cluster named in the status
    bar, Verify, Compare and Health giving the local answers from the cluster's workers, then
    back here."""
    from ckpt_browser.api import diff, verify
    from ckpt_browser.core.model_dir.contents import open_source
    from ckpt_browser.core.values.health import model_dir_health
    from tests.ui.conftest import TIMEOUT

    action = next(a for m in window.menuBar().actions() for a in m.menu().actions() if "Dask" in a.text())
    assert action.text() == "Run on a &Dask Cluster…"
    action.trigger()
    dialog = window.findChild(QDialog, "dask_dialog")
    dialog.address.setText("tcp://127.0.0.1:9")  # nothing listens there
    dialog.connect_button.click()
    qtbot.waitUntil(lambda: "cannot reach the Dask scheduler" in dialog.status.text(), timeout=TIMEOUT)
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in window.status_label.text()
    assert window.cluster.client is None and not window.cluster_label.isVisible()
    dialog.address.setText(cluster.scheduler_address)
    dialog.connect_button.click()
    qtbot.waitUntil(window.cluster_label.isVisible, timeout=TIMEOUT)
    assert window.cluster_label.text() == f"Dask: {cluster.scheduler_address} (2 workers)"
    assert window.settings.value("dask_scheduler") == cluster.scheduler_address
    assert not isValid(dialog) or not dialog.isVisible()  # closed once connected

    with qtbot.waitSignal(window.checkpoint_loaded, timeout=TIMEOUT):
        window.open_path(s3.urls["iris"])
    before = _ran_on_the_cluster(cluster, "crc_span_safe")
    verifying = window.show_verify_dialog()
    qtbot.waitUntil(lambda: verifying.model.rowCount() == 5, timeout=TIMEOUT)
    shown = verifying.model._report.to_json()
    assert _ran_on_the_cluster(cluster, "crc_span_safe") >= before + 5  # a task per checkpoint, at least
    same_answer(verify(s3.local["iris"]), shown, s3.local["iris"], s3.urls["iris"])
    verifying.close()

    before = _ran_on_the_cluster(cluster, "diff_pair_safe")
    comparing = window.show_diff_window()
    a, b = (s3.urls["iris"] + "/model.ckpt-" + n for n in ("100", "300"))
    comparing.set_pair(a, b)
    with qtbot.waitSignal(comparing.diff_ready, timeout=TIMEOUT) as compared:
        comparing.run()
    assert _ran_on_the_cluster(cluster, "diff_pair_safe") > before
    here = diff(s3.local["iris"] / "model.ckpt-100", s3.local["iris"] / "model.ckpt-300")
    rows = [r.to_json() for r in compared.args[0].rows]
    assert rows == here["variables"] and compared.args[0].counts() == here["counts"]
    comparing.close()

    s3.fs.put(str(HEALTH / "dead"), "runs/health-dead-window", recursive=True)
    with qtbot.waitSignal(window.checkpoint_loaded, timeout=TIMEOUT):
        window.open_path("s3://runs/health-dead-window")
    before = _ran_on_the_cluster(cluster, "series_task")
    view = window.view("health")
    with qtbot.waitSignal(view.reported, timeout=TIMEOUT) as got:
        window.show_tab("health")
    assert _ran_on_the_cluster(cluster, "series_task") > before
    here = model_dir_health(open_source(HEALTH / "dead").model_dir)
    assert _health_json(got.args[0]) == _health_json(here)

    window.show_cluster_dialog().here_button.click()  # back to this computer
    assert window.cluster.client is None and not window.cluster_label.isVisible()
    for d in window.findChildren(QDialog, "dask_dialog"):
        d.close()


def _health_json(report) -> dict:
    out = report.to_json()
    out.pop("path"), out.pop("seconds")
    out["summary"] = out["summary"].rsplit(" (", 1)[0]
    return out


def test_workers_that_cannot_run_our_tasks_are_one_line_not_a_hang(s3, tmp_path):
    """A worker without ckpt-browser dies on the first task it cannot unpickle, and Dask then
    waits for workers for ever: the engine asks every worker first. No workers at all: said too."""
    blocker = tmp_path / "without_ckpt_browser.py"
    blocker.write_text("import sys\nsys.modules['ckpt_browser'] = None  # as if not installed there\n")
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None, preload=[str(blocker)]
    ) as c:  # fmt: skip
        out = cli("verify", s3.urls["iris"], "--dask", c.scheduler_address, timeout=120)
    assert out.returncode == 2 and len(out.stderr.strip().splitlines()) == 1, out.stderr
    assert "cannot run ckpt-browser's tasks" in out.stderr and "install ckpt-browser[dask]" in out.stderr
    with distributed.LocalCluster(n_workers=0, processes=True, dashboard_address=None) as c:
        out = cli("diff", s3.urls["iris"], s3.urls["iris"], "--dask", c.scheduler_address, timeout=120)
    assert out.returncode == 2 and out.stderr.strip() == (
        f"ckpt-browser diff: the Dask scheduler at {c.scheduler_address} has no workers"
    )
