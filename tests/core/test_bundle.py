"""The native tensor-bundle reader against TensorFlow's: names, shapes, dtypes, bit-exact values,
checksums, on every checkpoint the tests have (written by TensorFlow, or by real Estimators)."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from ckpt_browser.core.base.errors import CheckpointError
from ckpt_browser.core.formats import reader as reader_module
from ckpt_browser.core.formats.bundle import BundleReader, ChecksumMismatch
from ckpt_browser.core.model_dir.scan import scan_model_dir
from ckpt_browser.core.tf.tfimport import tf
from ckpt_browser.core.values.verify import verify_model_dir
from tests.conftest import ESTIMATOR

CANNED = sorted(p for p in (ESTIMATOR / "canned").iterdir() if p.is_dir())
WRITTEN = ["saver", "object", "sharded", "partitioned", "saved_model", "dtypes"]


def tf_dtype_name(dt) -> str:
    t = tf()
    if dt == t.string:
        return "string"
    return np.dtype(dt.as_numpy_dtype).name


def assert_same_as_tensorflow(prefix: Path) -> None:
    ours = BundleReader(prefix)
    theirs = tf().train.load_checkpoint(str(prefix))
    listed = tf().train.list_variables(str(prefix))
    dtypes = theirs.get_variable_to_dtype_map()
    assert [(v.name, list(v.shape)) for v in ours.variables()] == [(n, list(s)) for n, s in listed]
    assert len(listed) > 0
    for v in ours.variables():
        assert v.dtype == tf_dtype_name(dtypes[v.name]), v.name
        got, raw = ours.read(v.name), theirs.get_tensor(v.name)
        if isinstance(raw, bytes):  # TensorFlow gives a scalar string as bytes
            assert got.shape == () and got.item() == raw, v.name
            continue
        want = np.asarray(raw)
        assert got.shape == want.shape, v.name
        if want.dtype.kind == "O":
            assert got.dtype.kind == "O" and got.tolist() == want.tolist(), v.name
        else:  # bit for bit: NaN payloads and -0.0 included
            assert got.dtype == want.dtype, v.name
            assert got.tobytes() == want.tobytes(), v.name


def _prefixes(folder: Path) -> list[Path]:
    return [c.prefix.local for c in scan_model_dir(folder).checkpoints if c.on_disk]


@pytest.mark.parametrize("kind", WRITTEN)
def test_written_checkpoints_equal_tensorflow(written, kind):
    folder = written[kind]
    prefixes = _prefixes(folder)
    assert prefixes
    for prefix in prefixes:
        assert_same_as_tensorflow(prefix)


@pytest.mark.parametrize("folder", [ESTIMATOR / "iris", ESTIMATOR / "iris_resized", *CANNED], ids=lambda p: p.name)
def test_estimator_checkpoints_equal_tensorflow(folder):
    for prefix in _prefixes(folder):
        assert_same_as_tensorflow(prefix)


def test_pair_and_quadratic_equal_tensorflow(pair, quadratic):
    for prefix in [*pair, *_prefixes(quadratic)]:
        assert_same_as_tensorflow(prefix)


def test_every_fixture_takes_the_native_path(written, pair):
    reader_module._cache.clear()
    before = reader_module.opened.copy()
    folders = [written[k] for k in WRITTEN] + [ESTIMATOR / "iris", ESTIMATOR / "iris_resized", *CANNED]
    prefixes = [p for f in folders for p in _prefixes(f)] + list(pair)
    for prefix in prefixes:
        assert reader_module.open_checkpoint(prefix).native
    opened = reader_module.opened - before
    assert opened["native"] == len(prefixes) and opened["tensorflow"] == 0


def test_partitioned_variable_is_assembled_from_its_slices(written):
    (prefix,) = _prefixes(written["partitioned"])
    r = BundleReader(prefix)
    assert {v.name: v.shape for v in r.variables()}["emb"] == (100, 8)
    assert len(r.entry_info("emb").slices) == 2  # stored as two slices, read as one tensor
    np.testing.assert_array_equal(r.read("emb"), tf().train.load_checkpoint(str(prefix)).get_tensor("emb"))


def _copy_checkpoint(prefix: Path, dest: Path) -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    for f in prefix.parent.glob(prefix.name + ".*"):
        shutil.copy(f, dest / f.name)
    return dest / prefix.name


def test_one_flipped_byte_in_data_is_found_by_tensorflow_and_by_us(tmp_path):
    prefix = _copy_checkpoint(ESTIMATOR / "iris" / "model.ckpt-300", tmp_path)
    r = BundleReader(prefix)
    entry = r.entry_info("dnn/hiddenlayer_0/kernel")
    data = Path(str(prefix) + ".data-00000-of-00001")
    raw = bytearray(data.read_bytes())
    raw[entry.offset + 5] ^= 0x01
    data.write_bytes(bytes(raw))

    with pytest.raises(Exception, match="Checksum does not match"):  # TensorFlow's own words
        tf().train.load_checkpoint(str(prefix)).get_tensor("dnn/hiddenlayer_0/kernel")
    with pytest.raises(ChecksumMismatch) as caught:
        BundleReader(prefix).read("dnn/hiddenlayer_0/kernel")
    message = str(caught.value)
    assert "dnn/hiddenlayer_0/kernel" in message and data.name in message and f"offset {entry.offset:,}" in message
    # The values are still there to look at, one element off.
    clean = (
        tf().train.load_checkpoint(str(ESTIMATOR / "iris" / "model.ckpt-300")).get_tensor("dnn/hiddenlayer_0/kernel")
    )
    assert (caught.value.value != clean).sum() == 1
    # Other variables read fine; verify names exactly the damaged tensor.
    BundleReader(prefix).read("dnn/logits/kernel")
    report = verify_model_dir(scan_model_dir(tmp_path))
    (verdict,) = report.verdicts
    assert verdict.status == "corrupt" and len(verdict.problems) == 1
    assert "dnn/hiddenlayer_0/kernel" in verdict.problems[0]


def test_flipped_byte_in_a_string_tensor(written, tmp_path):
    (src,) = _prefixes(written["dtypes"])
    prefix = _copy_checkpoint(src, tmp_path)
    entry = BundleReader(prefix).entry_info("s/.ATTRIBUTES/VARIABLE_VALUE")
    data = Path(str(prefix) + ".data-00000-of-00001")
    raw = bytearray(data.read_bytes())
    raw[entry.offset + entry.size - 1] ^= 0x40  # the last byte of the last string
    data.write_bytes(bytes(raw))
    with pytest.raises(Exception, match="Checksum does not match"):
        tf().train.load_checkpoint(str(prefix)).get_tensor("s/.ATTRIBUTES/VARIABLE_VALUE")
    with pytest.raises(ChecksumMismatch, match="s/.ATTRIBUTES/VARIABLE_VALUE"):
        BundleReader(prefix).read("s/.ATTRIBUTES/VARIABLE_VALUE")


def test_damaged_index_block_is_refused_like_tensorflow(tmp_path):
    prefix = _copy_checkpoint(ESTIMATOR / "iris" / "model.ckpt-300", tmp_path)
    index = Path(str(prefix) + ".index")
    raw = bytearray(index.read_bytes())
    raw[40] ^= 0x10  # inside the first data block
    index.write_bytes(bytes(raw))
    with pytest.raises(Exception):  # noqa: B017 - TensorFlow raises DataLossError or its own
        tf().train.load_checkpoint(str(prefix))
    with pytest.raises(CheckpointError, match=r"model.ckpt-300.index is damaged: block checksum mismatch"):
        BundleReader(prefix)


@pytest.mark.parametrize("cut", [0, 10, 47, 100])
def test_truncated_index_is_one_message(tmp_path, cut):
    prefix = _copy_checkpoint(ESTIMATOR / "iris" / "model.ckpt-300", tmp_path)
    index = Path(str(prefix) + ".index")
    index.write_bytes(index.read_bytes()[:cut])
    with pytest.raises(CheckpointError, match="model.ckpt-300.index"):
        BundleReader(prefix)


def test_truncated_data_names_the_file(tmp_path):
    prefix = _copy_checkpoint(ESTIMATOR / "iris" / "model.ckpt-300", tmp_path)
    data = Path(str(prefix) + ".data-00000-of-00001")
    data.write_bytes(data.read_bytes()[:100])
    r = BundleReader(prefix)
    assert "truncated" in r.truncation()
    with pytest.raises(CheckpointError, match="model.ckpt-300.data-00000-of-00001 is truncated"):
        r.read("dnn/logits/kernel")


def test_reading_never_imports_tensorflow():
    from tests.blocked import run_without

    out = run_without(
        ("tensorflow",),
        "from ckpt_browser.core.formats.reader import open_checkpoint\n"
        f"r = open_checkpoint({str(ESTIMATOR / 'iris' / 'model.ckpt-300')!r})\n"
        "print(sum(r.read(v.name).size for v in r.variables()))\n"
        "print('tensorflow' in sys.modules and sys.modules['tensorflow'] is not None)\n",
    )
    assert out.returncode == 0, out.stderr
    elements = sum(int(np.prod(s)) for _, s in tf().train.list_variables(str(ESTIMATOR / "iris" / "model.ckpt-300")))
    assert out.stdout.split() == [str(elements), "False"]


def test_verify_finds_every_fixture_clean(written, pair):
    folders = [written[k] for k in WRITTEN] + [ESTIMATOR / "iris", *CANNED]
    for folder in folders:
        md = scan_model_dir(folder)
        report = verify_model_dir(md)
        for v in report.verdicts:
            assert v.status == "ok", (folder, v)
            listed = tf().train.list_variables(str(v.prefix))
            assert v.tensors + v.opaque == len(listed)
            assert v.bytes > 0


@pytest.mark.tf
def test_a_dtype_the_reader_does_not_know_falls_back_to_tensorflow(tmp_path):
    """TF 2.21 writes float4_e2m1fn (DataType 33), which the native reader does not decode: it
    says so and reads that checkpoint with TensorFlow; without TensorFlow, one line."""
    import ml_dtypes

    t = tf()
    if tuple(int(x) for x in t.__version__.split(".")[:2]) < (2, 21):  # make test-compat's 2.15
        pytest.skip(f"TensorFlow {t.__version__} does not write float4_e2m1fn (2.21 does)")
    prefix = tmp_path / "ckpt"
    f4 = np.array([0.5, 1.0, -2.0], dtype=ml_dtypes.float4_e2m1fn)
    t.raw_ops.SaveV2(prefix=str(prefix), tensor_names=["f4", "ok"], shape_and_slices=["", ""],
                     tensors=[t.constant(f4), t.constant([1.0])])  # fmt: skip
    reader_module._cache.clear()
    before = reader_module.opened.copy()
    reader = reader_module.open_checkpoint(prefix)
    assert not reader.native and "DataType 33" in reader.note and "read with TensorFlow instead" in reader.note
    assert (reader_module.opened - before)["tensorflow"] == 1
    np.testing.assert_array_equal(reader.read("ok"), [1.0])
    assert reader.read("f4").tobytes() == f4.tobytes()
    from ckpt_browser.core.model_dir.contents import read_contents

    contents = read_contents(scan_model_dir(tmp_path).checkpoints[0])
    assert "DataType 33" in contents.warning

    import subprocess
    import sys

    code = (
        "import sys\n"
        "sys.modules['tensorflow'] = None\n"
        "from ckpt_browser.cli import main\n"
        f"sys.exit(main(['ls', {str(prefix)!r}]))\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1
    assert "DataType 33" in r.stderr and "needs TensorFlow" in r.stderr
