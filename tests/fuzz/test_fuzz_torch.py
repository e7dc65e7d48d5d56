"""PyTorch and safetensors files, fuzzed (issue 36): mutated fixtures (written by torch and safetensors)
and pickles assembled from opcodes that name os.system, eval, subprocess and torch's rebuilders are a
value or one line, within seconds -- and a canary file proves no pickle ever ran code.

`make test` runs a few cases of each; `make fuzz` (HYPOTHESIS_PROFILE=fuzz) many.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ckpt_browser.core.base.errors import CheckpointError
from tests.conftest import DATA
from tests.core.torch_pickles import glob, integer, tensor, text, tup
from tests.fuzz.test_fuzz import COUNT, examples, mutate, mutations, outcome

TORCH = DATA / "torch"
FILES = ["state_dtypes.pt", "legacy.pt", "module.pt", "tensors.safetensors", "bert_pt/pytorch_model.bin"]
CANARY = Path(tempfile.gettempdir()) / "ckpt_browser_torch_canary"


def read_everything(path: Path):
    from ckpt_browser.core.formats.safetensors import SafetensorsFile
    from ckpt_browser.core.formats.torch_file import TorchFile

    reader = outcome(SafetensorsFile if path.suffix == ".safetensors" else TorchFile, path)
    if isinstance(reader, CheckpointError):
        return
    outcome(reader.truncation)
    for v in outcome(reader.variables):
        outcome(reader.read, v.name)
        outcome(reader.check, v.name)


@pytest.mark.parametrize("name", FILES)
@examples(ci=25, fuzz=3000)
@given(how=mutations())
def test_mutated_files(name, how, tmp_path_factory):
    COUNT["cases"] += 1
    path = tmp_path_factory.mktemp("t") / Path(name).name
    path.write_bytes(mutate((TORCH / name).read_bytes(), how))
    read_everything(path)


PIECES = [
    glob("posix", "system"), glob("os", "system"), glob("builtins", "eval"), glob("builtins", "exec"),
    glob("subprocess", "check_call"), glob("builtins", "getattr"), glob("builtins", "__import__"),
    glob("torch._utils", "_rebuild_tensor_v2"), glob("torch._utils", "_rebuild_parameter"),
    glob("collections", "OrderedDict"), glob("torch", "FloatStorage"), glob("__main__", "Net"),
    glob("copyreg", "_reconstructor"), glob("builtins", "object"), glob("_codecs", "encode"),
    text(f"touch {CANARY}"), text(f"open({str(CANARY)!r}, 'w')"), text("os"), text("storage"), text("0"),
    text("shape"), text("size"), text("itemsize"), text("__class__"), integer(-1),
    integer(0), integer(3), integer(1 << 62), tup(text("storage"), glob("torch", "FloatStorage"), text("0"),
    text("cpu"), integer(4)) + b"Q", tensor("0", 4, (2, 2), (2, 1)),
    b"(", b"t", b"R", b"\x85", b"\x86", b"}", b"s", b"]", b"a", b"e", b"b", b"\x81", b"o", b")", b"N", b"0",
    b"2", b"q\x01", b"h\x01", b"\x94", b"\x93",
]  # fmt: skip


@examples(ci=60, fuzz=20000)
@given(st.lists(st.sampled_from(PIECES), max_size=40), st.sampled_from([b"\x80\x02", b"\x80\x04", b""]))
def test_assembled_pickles_never_run_code(pieces, proto):
    from ckpt_browser.core.formats import torch_pickle

    COUNT["cases"] += 1
    CANARY.unlink(missing_ok=True)
    data = proto + b"".join(pieces) + b"."
    got = outcome(torch_pickle.load, data)
    if not isinstance(got, CheckpointError):
        outcome(torch_pickle.collect, got[0])
    assert not CANARY.exists()


def test_a_whole_module_pickle_with_reduce_runs_nothing(tmp_path):
    """The classic: a state dict whose value __reduce__s to os.system, inside a real torch archive's layout."""
    import pickle
    import zipfile

    class Boom:
        def __reduce__(self):
            import os

            return (os.system, (f"touch {CANARY}",))

    CANARY.unlink(missing_ok=True)
    with zipfile.ZipFile(tmp_path / "model.bin", "w") as z:
        z.writestr("model/data.pkl", pickle.dumps({"net": Boom(), "w": [Boom()]}, protocol=2))
    read_everything(tmp_path / "model.bin")
    assert not CANARY.exists()
