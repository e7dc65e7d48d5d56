"""PyTorch and safetensors files read without torch (issue 36): every tensor's name, shape, dtype and
values as torch.load / safetensors gave them when tests/data/torch/make_fixtures.py wrote the files
(truth.json, values/*.npz); a whole nn.Module's classes shown, never imported; hostile pickles run nothing."""

from __future__ import annotations

import io
import json
import os
import pickle
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

from ckpt_browser.core.base.errors import CheckpointError
from ckpt_browser.core.formats.safetensors import SafetensorsFile, ShardedCheckpoint
from ckpt_browser.core.formats.torch_file import TorchFile
from tests.conftest import DATA

TORCH = DATA / "torch"
TRUTH = json.loads((TORCH / "truth.json").read_text())


def open_any(path: Path):
    if path.name.endswith(".index.json"):
        return ShardedCheckpoint(path)
    return SafetensorsFile(path) if path.suffix == ".safetensors" else TorchFile(path)


def expected(rel: str, name: str) -> np.ndarray:
    return np.load(TORCH / "values" / (rel.replace("/", "__") + ".npz"))[TRUTH[rel][name]["key"]]


@pytest.mark.parametrize("rel", sorted(TRUTH))
def test_every_tensor_as_its_writer_reads_it(rel):
    reader = open_any(TORCH / rel)
    listed = {v.name: v for v in reader.variables()}
    assert sorted(listed) == sorted(TRUTH[rel])
    for name, truth in TRUTH[rel].items():
        assert (list(listed[name].shape), listed[name].dtype) == (truth["shape"], truth["dtype"]), name
        value = reader.read(name)
        want = expected(rel, name)
        got = value.view(want.dtype) if truth.get("bits") else value
        assert got.shape == want.shape and np.array_equal(got, want, equal_nan=True), name
        assert str(value.dtype) == truth["dtype"] or truth["dtype"] == "bool" and value.dtype == np.bool_
    assert reader.problems() == [] and reader.truncation() is None


def test_formats_told_apart_by_their_bytes():
    assert TorchFile(TORCH / "legacy.pt").container == "legacy"
    assert TorchFile(TORCH / "state_dtypes.pt").container == "zip"
    with pytest.raises(CheckpointError, match="not a PyTorch file"):
        TorchFile(TORCH / "tensors.safetensors")
    with pytest.raises(CheckpointError, match="not a safetensors file"):
        SafetensorsFile(TORCH / "state_dtypes.pt")


def test_a_whole_module_is_named_not_imported():
    reader = TorchFile(TORCH / "module.pt")
    assert reader.objects["(root)"] == "__main__.TinyNet"
    assert reader.objects["body.0"] == "torch.nn.modules.linear.Linear"
    assert "__main__.TinyNet" in reader.globals and "not imported or run" in (reader.note or "")
    assert "__main__" not in sys.modules or not hasattr(sys.modules["__main__"], "TinyNet")


def test_training_checkpoint_keeps_its_other_values_and_slots():
    reader = TorchFile(TORCH / "training.pth")
    assert reader.values["epoch"] == "7" and reader.values["note"] == "'tiny run'"
    kinds = reader.kinds()
    assert kinds["model/weight"][0] == "model" and kinds["optimizer/state/0/exp_avg"][0] == "optimizer"


def test_shared_storage_views_read_their_own_window():
    reader = TorchFile(TORCH / "state_dtypes.pt")
    base = reader.read("shared.base")
    assert np.array_equal(reader.read("shared.window"), base[1:4, 2:7])
    assert np.array_equal(reader.read("shared.transposed"), base.T)
    assert reader.tensors["shared.window"].storage.key == reader.tensors["shared.base"].storage.key


def test_sharded_listing_reads_headers_only():
    """Listing a sharded checkpoint reads its index and each shard's header: a few KB, not the data."""
    from ckpt_browser.core.storage import local

    reads: list[int] = []
    real = local.LocalFile.read

    def counting(self, offset, size):
        reads.append(size)
        return real(self, offset, size)

    local.LocalFile.read = counting  # type: ignore[method-assign]
    try:
        reader = ShardedCheckpoint(TORCH / "sharded" / "model.safetensors.index.json")
        reader.variables()
    finally:
        local.LocalFile.read = real  # type: ignore[method-assign]
    data = sum(p.stat().st_size for p in (TORCH / "sharded").glob("*.safetensors"))
    assert len(reader.shards) == 3 and sum(reads) < 12_000 < data, (sum(reads), data)


# ---------------------------------------------------------------- damaged and hostile files
def torch_zip(path: Path, pickled: bytes, storages: dict[str, bytes] | None = None) -> Path:
    """A torch.save-shaped archive around a pickle we wrote (by Python's own pickle)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as z:
        z.writestr("archive/data.pkl", pickled)
        z.writestr("archive/byteorder", "little")
        for key, data in (storages or {}).items():
            z.writestr(f"archive/data/{key}", data)
        z.writestr("archive/version", "3\n")
    return path


class System:
    def __init__(self, command: str) -> None:
        self.command = command

    def __reduce__(self):
        return (os.system, (self.command,))


class Eval:
    def __init__(self, code: str) -> None:
        self.code = code

    def __reduce__(self):
        import builtins

        return (builtins.eval, (self.code,))


SYSTEM = f"{os.system.__module__}.system"  # posix.system: how pickle names os.system


def hostile_pickles(canary: Path) -> dict[str, bytes]:
    return {
        SYSTEM: pickle.dumps({"w": System(f"touch {canary}")}, protocol=2),
        "builtins.eval": pickle.dumps([Eval(f"open({str(canary)!r}, 'w')")], protocol=4),
    }


def test_hostile_pickles_would_run_under_pickle_load(tmp_path):
    """The test's own check: Python's pickle.load of these files does write the canary."""
    for i, (_, data) in enumerate(hostile_pickles(tmp_path / "canary").items()):
        (tmp_path / f"{i}.pkl").write_bytes(data)
        code = f"import pickle; pickle.load(open({str(tmp_path / f'{i}.pkl')!r}, 'rb'))"
        subprocess.run([sys.executable, "-I", "-c", code], check=True, capture_output=True)
        assert (tmp_path / "canary").exists()
        (tmp_path / "canary").unlink()


@pytest.mark.parametrize("kind", [SYSTEM, "builtins.eval"])
def test_hostile_pickle_runs_nothing(tmp_path, kind):
    canary = tmp_path / "canary"
    data = hostile_pickles(canary)[kind]
    reader = TorchFile(torch_zip(tmp_path / "evil.pt", data))
    assert reader.variables() == [] and kind in reader.globals and kind in (reader.note or "")
    assert kind in reader.objects.values()
    (tmp_path / "evil.bin").write_bytes(data)  # a bare pickle: the legacy layout's first pickle
    with pytest.raises(CheckpointError, match="is a pickle, not a PyTorch file"):
        TorchFile(tmp_path / "evil.bin")
    assert not canary.exists()


def test_huge_declared_storage_is_one_line_not_an_allocation(tmp_path):
    """A tensor of 2^60 elements on a storage declaring as many, with 16 bytes in the archive."""
    from tests.core.torch_pickles import huge_tensor_pickle

    reader = TorchFile(torch_zip(tmp_path / "huge.pt", huge_tensor_pickle(), {"0": b"\0" * 16}))
    (entry,) = reader.variables()
    assert entry.shape == (1 << 30, 1 << 30) and entry.dtype == "float32"
    with pytest.raises(CheckpointError, match="damaged or truncated: w needs"):
        reader.read("w")
    assert reader.truncation() is not None


def test_damaged_safetensors_say_what_is_wrong(tmp_path):
    good = (TORCH / "tensors.safetensors").read_bytes()
    (tmp_path / "cut.safetensors").write_bytes(good[:-10])
    cut = SafetensorsFile(tmp_path / "cut.safetensors")
    assert "is truncated" in (cut.truncation() or "")
    last = max(cut.header, key=lambda n: cut.header[n].end)
    with pytest.raises(CheckpointError, match="is truncated"):
        cut.read(last)
    header = json.dumps({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 12]}}).encode()
    (tmp_path / "lies.safetensors").write_bytes(len(header).to_bytes(8, "little") + header + b"\0" * 12)
    lies = SafetensorsFile(tmp_path / "lies.safetensors")
    assert lies.problems() == ["a: [2] float32 is 8 bytes but its data_offsets span 12"]
    for junk in (b"", b"\xff" * 8 + b"{}", (5).to_bytes(8, "little") + b"[1,2]"):
        (tmp_path / "junk.safetensors").write_bytes(junk)
        with pytest.raises(CheckpointError, match="safetensors file"):
            SafetensorsFile(tmp_path / "junk.safetensors")


def test_non_finite_values_fail_verify_check(tmp_path):
    from tests.core.torch_pickles import safetensors_bytes

    (tmp_path / "nan.safetensors").write_bytes(safetensors_bytes({"w": np.array([1.0, np.nan, np.inf], np.float32)}))
    reader = SafetensorsFile(tmp_path / "nan.safetensors")
    with pytest.raises(CheckpointError, match="w: 2 of 3 values are NaN or infinite"):
        reader.check("w")
    assert "store no checksums" in reader.verify_note


def test_restricted_unpickler_builds_only_its_own(tmp_path):
    from ckpt_browser.core.formats import torch_pickle

    obj, unpickler = torch_pickle.load(pickle.dumps({"a": [1, 2.5, "x"], "s": {1, 2}, "p": Path("/etc")}, protocol=2))
    assert obj["a"] == [1, 2.5, "x"] and obj["s"] == {1, 2}
    assert isinstance(obj["p"], torch_pickle.PlaceholderObject) and obj["p"].class_name.startswith("pathlib.")
    for junk in (b"", b"\x80\x05junk", io.BytesIO(b"(((((").read()):
        with pytest.raises(CheckpointError):
            torch_pickle.load(junk)


def test_a_buffer_opcode_declaring_petabytes_is_refused_before_pickle_allocates(tmp_path):
    """BYTEARRAY8 makes pickle allocate what it declares before reading: found by the fuzzer."""
    import struct

    from ckpt_browser.core.formats import torch_pickle

    bomb = b"\x80\x05\x96" + struct.pack("<Q", 1 << 54) + b"abcd."
    with pytest.raises(CheckpointError, match="bytearray8"):
        torch_pickle.load(bomb)
    small = b"\x80\x05\x96" + struct.pack("<Q", 4) + b"abcd."
    with pytest.raises(CheckpointError, match="BYTEARRAY8, which torch.save never writes"):
        torch_pickle.load(small)


def test_the_registry_claims_each_writers_file_and_not_tfjs_shards():
    from ckpt_browser.core.formats import registry

    claimed = {rel: registry.claims_file(TORCH / rel) for rel in TRUTH}
    assert {rel: f.name for rel, f in claimed.items() if f} == {
        "bert_pt/model.safetensors": "safetensors", "bert_pt/pytorch_model.bin": "torch", "legacy.pt": "torch",
        "module.pt": "torch", "sharded/model.safetensors.index.json": "sharded", "state_dtypes.pt": "torch",
        "sharded_bin/pytorch_model.bin.index.json": "sharded", "tensors.safetensors": "safetensors",
        "training.pth": "torch", "new_dtypes.pt": "torch", "new_dtypes.safetensors": "safetensors",
    }  # fmt: skip
    assert [p for p in (DATA / "tfjs").rglob("*.bin") if registry.claims_file(p)] == []
    assert registry.claims_file(TORCH / "bert_tf" / "bert_model.ckpt") is None  # a TF prefix, not a .ckpt file


@pytest.mark.parametrize("rel", sorted(TRUTH))
def test_ls_and_show_json_are_the_writers_answers(rel, capsys):
    """The command line, through the registry: `ls --json` lists what torch.load gave, `show` its values."""
    from ckpt_browser.cli import main

    assert main(["ls", "--json", str(TORCH / rel)]) == 0
    listed = {v["name"]: v for v in json.loads(capsys.readouterr().out)["variables"]}
    assert {n: (v["shape"], v["dtype"]) for n, v in listed.items()} == {
        n: (t["shape"], t["dtype"]) for n, t in TRUTH[rel].items()
    }
    for name in sorted(n for n, t in TRUTH[rel].items() if t["dtype"] == "float32" and 0 < np.prod(t["shape"]))[:1]:
        assert main(["show", "--json", "--all", str(TORCH / rel), name]) == 0
        shown = json.loads(capsys.readouterr().out)
        assert np.array_equal(np.asarray(shown["values"], np.float32), expected(rel, name))


def test_verify_says_which_checksums_there_are(capsys):
    """torch.save's zip archive stores a CRC32 of each storage (zipfile's testzip checks them); its
    legacy pickle format stores none."""
    from ckpt_browser.cli import main

    assert zipfile.ZipFile(TORCH / "bert_pt" / "pytorch_model.bin").testzip() is None
    assert main(["verify", str(TORCH / "bert_pt" / "pytorch_model.bin")]) == 0
    out = capsys.readouterr().out
    assert "48 tensors" in out and "store a CRC32 of each storage: verify checked it" in out
    assert main(["verify", str(TORCH / "legacy.pt")]) == 0
    assert "legacy (non-zip) files store no checksums" in capsys.readouterr().out


def test_verify_finds_a_flipped_byte_by_the_zip_archives_crc32(tmp_path, capsys):
    """One bit flipped inside a storage torch.save wrote: torch.load still loads it, verify names the
    storage as Python's zipfile does (the CRC32 torch.save's writer stored)."""
    from ckpt_browser.cli import main

    data = bytearray((TORCH / "state_dtypes.pt").read_bytes())
    archive = zipfile.ZipFile(TORCH / "state_dtypes.pt")
    info = max((i for i in archive.infolist() if "/data/" in i.filename), key=lambda i: i.file_size)
    name_len, extra_len = (
        int.from_bytes(data[info.header_offset + 26 : info.header_offset + 28], "little"),
        int.from_bytes(data[info.header_offset + 28 : info.header_offset + 30], "little"),
    )
    data[info.header_offset + 30 + name_len + extra_len + info.file_size // 2] ^= 0x01
    damaged = tmp_path / "state_dtypes.pt"
    damaged.write_bytes(bytes(data))
    assert zipfile.ZipFile(damaged).testzip() == info.filename
    key = info.filename.rsplit("/", 1)[1]
    assert main(["verify", str(damaged)]) == 1
    out = capsys.readouterr().out
    assert f"storage data/{key} fails its CRC32" in out and "1 corrupt" in out


def test_history_and_health_across_a_folder_of_weight_files(tmp_path, capsys):
    """A run that saved safetensors each epoch: the folder is a model_dir of three checkpoints; the
    History of a weight is its norm per file; health names the NaN the last epoch holds."""
    import os

    from ckpt_browser.cli import main
    from ckpt_browser.core.model_dir.contents import open_source
    from ckpt_browser.core.values.history import variable_history
    from tests.core.torch_pickles import safetensors_bytes

    rng = np.random.default_rng(3)
    weights = [rng.standard_normal((4, 4)).astype(np.float32) * (i + 1) for i in range(3)]
    weights[2][1, 1] = np.nan
    for i, w in enumerate(weights):
        path = tmp_path / f"epoch_{i + 1}.safetensors"
        path.write_bytes(safetensors_bytes({"dense.weight": w, "dense.bias": np.ones(4, np.float32)}))
        os.utime(path, (1_700_000_000 + i, 1_700_000_000 + i))
    source = open_source(tmp_path)
    assert [c.name for c in source.model_dir.checkpoints] == [f"epoch_{i}.safetensors" for i in (1, 2, 3)]
    history = variable_history(source.model_dir.checkpoints[:2], "dense.weight", "L2 norm")
    assert np.allclose(history.values, [np.linalg.norm(w) for w in weights[:2]], rtol=1e-6)
    assert main(["health", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert "dense.weight" in out and "epoch_3.safetensors" in out


def test_read_and_mapped_with_torch_safetensors_transformers_and_tensorflow_blocked():
    from tests.blocked import run_without

    body = f"""
import json, contextlib, io
from ckpt_browser.cli import main
out = io.StringIO()
with contextlib.redirect_stdout(out):
    codes = [main(["ls", "--json", {str(TORCH / "state_dtypes.pt")!r}]), main(["verify", {str(TORCH / "sharded")!r}]),
             main(["map", {str(TORCH / "bert_tf" / "bert_model.ckpt")!r}, {str(TORCH / "bert_untransposed.bin")!r}])]
print(codes)
"""
    done = run_without(("torch", "safetensors", "transformers", "tensorflow"), body)
    assert done.returncode == 0 and done.stdout.strip().splitlines()[-1] == "[0, 0, 1]", done.stderr[-2000:]


def test_the_api_opens_them_like_any_checkpoint():
    import ckpt_browser as cb

    rel = "sharded_bin/pytorch_model.bin.index.json"
    checkpoint = cb.open(TORCH / rel).selected
    names = {v.name: (list(v.shape), v.dtype) for v in checkpoint.variables}
    assert names == {n: (t["shape"], t["dtype"]) for n, t in TRUTH[rel].items()}
    name = "encoder.layer.1.attention.self.query.weight"
    assert np.array_equal(checkpoint.read(name), expected(rel, name))
    assert cb.verify(TORCH / rel)["summary"].startswith("1 checkpoint: 1 ok")


def test_containers_nested_half_a_million_deep_are_one_line():
    import time

    from ckpt_browser.core.formats import torch_pickle

    deep = b"\x80\x02" + b"](" * 500_000 + b"e" * 500_000 + b"."  # a list in a list in ...
    start = time.process_time()  # CPU time: the machine is shared, the clock is not ours
    obj, _ = torch_pickle.load(deep)
    with pytest.raises(CheckpointError, match="nests containers too deeply"):
        torch_pickle.collect(obj)
    assert time.process_time() - start < 10


def test_a_pickle_cannot_rewrite_our_own_records():
    """BUILD on a storage type or a tensor (a shape made text, an itemsize made huge) is refused."""
    from ckpt_browser.core.formats import torch_pickle
    from tests.core.torch_pickles import glob, tensor, text

    set_size = glob("torch", "FloatStorage") + b"}" + text("size") + text("x") + b"sb."
    set_shape = tensor("0", 4, (2, 2), (2, 1)) + b"}" + text("shape") + text("abc") + b"sb."
    for body in (set_size, set_shape):
        with pytest.raises(CheckpointError, match="sets the state of a"):
            torch_pickle.load(b"\x80\x02" + body)
