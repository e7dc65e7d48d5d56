"""Writes tests/data/torch/: PyTorch and safetensors files by their own writers, a BERT-shaped TensorFlow
checkpoint in Google's naming by TensorFlow, the PyTorch files Hugging Face's converter makes of it, and
the oracles beside them (truth.json + *.npz: every tensor as torch.load / safetensors gives it;
bert_pairing.json: which TF variable the converter put into which PyTorch parameter, transposed or not).

Run by `make fixtures-torch`, in the writer venv (not CI):
    python3.11 -m venv /work/venvs/torch
    /work/venvs/torch/bin/pip install torch==2.13.0 safetensors 'transformers<5' numpy
    /work/venvs/torch/bin/python tests/data/torch/make_fixtures.py [TF_PYTHON]
TF_PYTHON (default /work/main/.venv/bin/python) is a Python with TensorFlow: it writes the TF checkpoint
and answers the converter's tf.train.list_variables / load_variable (TensorFlow and transformers never
share a process). Modes `tf-write DIR` and `tf-dump PREFIX DIR` are that Python's side.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import types
from pathlib import Path

HERE = Path(__file__).resolve().parent
HIDDEN, LAYERS, VOCAB, INTER, POSITIONS, TYPES = 32, 2, 99, 37, 64, 2


# ---------------------------------------------------------------- TensorFlow's side (TF Python)
def bert_tf_shapes() -> dict[str, list[int]]:
    """Google BERT's variable names (modeling.py, run_pretraining.py) for a tiny config."""
    h, i = HIDDEN, INTER
    out = {
        "bert/embeddings/word_embeddings": [VOCAB, h],
        "bert/embeddings/token_type_embeddings": [TYPES, h],
        "bert/embeddings/position_embeddings": [POSITIONS, h],
        "bert/embeddings/LayerNorm/gamma": [h],
        "bert/embeddings/LayerNorm/beta": [h],
    }
    for n in range(LAYERS):
        p = f"bert/encoder/layer_{n}"
        for part in ("query", "key", "value"):
            out[f"{p}/attention/self/{part}/kernel"] = [h, h]
            out[f"{p}/attention/self/{part}/bias"] = [h]
        out[f"{p}/attention/output/dense/kernel"] = [h, h]
        out[f"{p}/attention/output/dense/bias"] = [h]
        out[f"{p}/attention/output/LayerNorm/gamma"] = [h]
        out[f"{p}/attention/output/LayerNorm/beta"] = [h]
        out[f"{p}/intermediate/dense/kernel"] = [h, i]
        out[f"{p}/intermediate/dense/bias"] = [i]
        out[f"{p}/output/dense/kernel"] = [i, h]
        out[f"{p}/output/dense/bias"] = [h]
        out[f"{p}/output/LayerNorm/gamma"] = [h]
        out[f"{p}/output/LayerNorm/beta"] = [h]
    out["bert/pooler/dense/kernel"] = [h, h]
    out["bert/pooler/dense/bias"] = [h]
    out["cls/predictions/transform/dense/kernel"] = [h, h]
    out["cls/predictions/transform/dense/bias"] = [h]
    out["cls/predictions/transform/LayerNorm/gamma"] = [h]
    out["cls/predictions/transform/LayerNorm/beta"] = [h]
    out["cls/predictions/output_bias"] = [VOCAB]
    out["cls/seq_relationship/output_weights"] = [2, h]
    out["cls/seq_relationship/output_bias"] = [2]
    return out


def tf_write(folder: str, shapes_file: str | None = None) -> None:
    """bert_model.ckpt by tf.compat.v1 Saver: the weights, Google's AdamWeightDecayOptimizer slots
    (<var>/adam_m, <var>/adam_v) and global_step, random values."""
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
    import numpy as np
    import tensorflow as tf

    v1 = tf.compat.v1
    rng = np.random.default_rng(36)
    with tf.Graph().as_default(), v1.Session() as sess:
        variables = []
        shapes = json.loads(Path(shapes_file).read_text()) if shapes_file else bert_tf_shapes()
        for name, shape in shapes.items():
            init = rng.normal(0, 0.02, shape).astype(np.float32)
            variables.append(v1.get_variable(name, initializer=init))
            for slot in () if shapes_file else ("adam_m", "adam_v"):
                value = np.abs(rng.normal(0, 1e-3, shape)).astype(np.float32)
                variables.append(v1.get_variable(f"{name}/{slot}", initializer=value))
        variables.append(v1.train.get_or_create_global_step())
        sess.run(v1.global_variables_initializer())
        sess.run(v1.assign(v1.train.get_global_step(), 1000))
        os.makedirs(folder, exist_ok=True)
        v1.train.Saver(variables).save(sess, os.path.join(folder, "bert_model.ckpt"), write_meta_graph=False)
    print("TensorFlow", tf.__version__, "wrote", folder)


def tf_dump(prefix: str, out: str) -> None:
    """TensorFlow's own reads of a checkpoint: listing.json and one .npy per variable."""
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
    import numpy as np
    import tensorflow as tf

    listed = tf.train.list_variables(prefix)
    for i, (name, _) in enumerate(listed):
        np.save(os.path.join(out, f"{i}.npy"), tf.train.load_variable(prefix, name))
    Path(out, "listing.json").write_text(json.dumps([[n, list(s)] for n, s in listed]))


# ---------------------------------------------------------------- the torch venv's side
def tensorflow_shim(tf_python: str) -> types.ModuleType:
    """A `tensorflow` module whose train.list_variables / load_variable ask TensorFlow in a child."""
    import numpy as np

    dumps: dict[str, tuple[list, str]] = {}

    def _dump(path: str):
        if path not in dumps:
            out = tempfile.mkdtemp(prefix="tfdump")
            subprocess.run([tf_python, __file__, "tf-dump", path, out], check=True)
            dumps[path] = (json.loads(Path(out, "listing.json").read_text()), out)
        return dumps[path]

    def list_variables(path):
        return [(n, s) for n, s in _dump(path)[0]]

    def load_variable(path, name):
        listed, out = _dump(path)
        return np.load(os.path.join(out, f"{[n for n, _ in listed].index(name)}.npy"))

    tf = types.ModuleType("tensorflow")
    tf.train = types.SimpleNamespace(list_variables=list_variables, load_variable=load_variable)  # type: ignore[attr-defined]
    return tf


def torch_dtype_name(t) -> str:
    return str(t.dtype).removeprefix("torch.")


class Truth:
    """truth.json + one npz per file: every tensor's shape, dtype and values as the writer's reader gives."""

    def __init__(self) -> None:
        self.files: dict[str, dict] = {}

    def add(self, rel: str, tensors: dict) -> None:
        import numpy as np
        import torch

        arrays, entries = {}, {}
        for i, (name, t) in enumerate(tensors.items()):
            t = t.detach().contiguous()
            entry = {"shape": list(t.shape), "dtype": torch_dtype_name(t), "key": f"t{i}"}
            if t.dtype in (torch.bfloat16, torch.float8_e4m3fn, torch.float8_e5m2, torch.uint16, torch.float8_e8m0fnu,
                           torch.uint32):  # fmt: skip
                bits = {1: torch.uint8, 2: torch.int16, 4: torch.int32}[t.element_size()]
                arrays[f"t{i}"] = t.view(bits).numpy()
                entry["bits"] = True  # the values' bits, as unsigned/signed ints of the same width
            else:
                arrays[f"t{i}"] = t.numpy()
            entries[name] = entry
        np.savez_compressed(HERE / "values" / (rel.replace("/", "__") + ".npz"), **arrays)
        self.files[rel] = entries


def flat(obj, prefix: str = "") -> dict:
    """Tensors of a loaded object, nested containers joined with '/' (the reader's naming)."""
    import torch

    out = {}
    if isinstance(obj, torch.Tensor):
        out[prefix] = obj
    elif isinstance(obj, dict):
        for k, v in obj.items():
            out.update(flat(v, f"{prefix}/{k}" if prefix else str(k)))
    elif isinstance(obj, (list, tuple)):
        for k, v in enumerate(obj):
            out.update(flat(v, f"{prefix}/{k}" if prefix else str(k)))
    return out


def state_dicts(truth: Truth) -> None:
    from collections import OrderedDict

    import torch

    torch.manual_seed(36)
    base = torch.randn(6, 8)
    sd = OrderedDict()
    sd["dense.weight"] = torch.randn(3, 5)
    sd["dense.bias"] = torch.randn(5)
    sd["emb.bf16"] = torch.randn(4, 3).to(torch.bfloat16)
    sd["half.weight"] = torch.randn(2, 3, 2).half()
    sd["quant.int8"] = torch.randint(-128, 127, (7,), dtype=torch.int8)
    sd["counts"] = torch.arange(5)
    sd["mask"] = torch.tensor([True, False, True])
    sd["bytes"] = torch.randint(0, 255, (6,), dtype=torch.uint8)
    sd["scale"] = torch.tensor(3.5, dtype=torch.float64)
    sd["shared.base"] = base
    sd["shared.window"] = base[1:4, 2:7]  # same storage, an offset and row stride 8
    sd["shared.transposed"] = base.t()  # strides (1, 8)
    sd["shared.every_other"] = base[:, ::2]  # strides (8, 2)
    sd["empty"] = torch.zeros(0, 4)
    sd["fp8"] = torch.randn(5).to(torch.float8_e4m3fn)  # an UntypedStorage + _rebuild_tensor_v3
    sd["u16"] = torch.tensor([0, 1, 40000, 65535], dtype=torch.int32).to(torch.uint16)
    torch.save(sd, HERE / "state_dtypes.pt")
    truth.add("state_dtypes.pt", flat(torch.load(HERE / "state_dtypes.pt", weights_only=True)))

    legacy = OrderedDict((k, sd[k]) for k in ("dense.weight", "emb.bf16", "quant.int8", "shared.base", "shared.window",
                                              "shared.transposed", "empty", "scale"))  # fmt: skip
    torch.save(legacy, HERE / "legacy.pt", _use_new_zipfile_serialization=False)
    truth.add("legacy.pt", flat(torch.load(HERE / "legacy.pt", weights_only=True)))

    lin = torch.nn.Linear(4, 3)
    opt = torch.optim.Adam(lin.parameters())
    lin(torch.randn(2, 4)).sum().backward()
    opt.step()
    training = {"model": lin.state_dict(), "optimizer": opt.state_dict(), "epoch": 7, "note": "tiny run"}
    torch.save(training, HERE / "training.pth")
    truth.add("training.pth", flat(torch.load(HERE / "training.pth", weights_only=True)))


try:  # the TensorFlow Python that runs tf-write / tf-dump has no torch
    import torch as _torch
except ImportError:
    _torch = None

if _torch is not None:

    class TinyNet(_torch.nn.Module):
        """A whole module saved with torch.save(model): its class is pickled by name (__main__.TinyNet)."""

        def __init__(self) -> None:
            import torch

            super().__init__()
            self.body = torch.nn.Sequential(torch.nn.Linear(4, 6), torch.nn.ReLU(), torch.nn.LayerNorm(6))
            self.head = torch.nn.Linear(6, 2)
            self.register_buffer("scale", torch.tensor([2.0, 3.0]))


def whole_module(truth: Truth) -> None:
    import torch

    torch.manual_seed(1)
    net = TinyNet()
    torch.save(net, HERE / "module.pt")
    truth.add("module.pt", dict(net.state_dict()))


def safetensors_files(truth: Truth) -> None:
    import torch
    from safetensors.torch import load_file, save_file

    torch.manual_seed(2)
    tensors = {
        "encoder.weight": torch.randn(4, 6),
        "encoder.bias": torch.randn(6),
        "emb.bf16": torch.randn(5, 2).to(torch.bfloat16),
        "head.f16": torch.randn(3, 3).half(),
        "quant.int8": torch.randint(-128, 127, (2, 5), dtype=torch.int8),
        "steps": torch.tensor(12, dtype=torch.int64),
        "empty": torch.zeros(0, 3),
        "fp8": torch.randn(4).to(torch.float8_e5m2),
    }
    save_file(tensors, HERE / "tensors.safetensors", metadata={"format": "pt", "writer": "make_fixtures"})
    truth.add("tensors.safetensors", load_file(HERE / "tensors.safetensors"))


def bert_config():
    from transformers import BertConfig

    return BertConfig(vocab_size=VOCAB, hidden_size=HIDDEN, num_hidden_layers=LAYERS, num_attention_heads=4,
                      intermediate_size=INTER, max_position_embeddings=POSITIONS, type_vocab_size=TYPES)  # fmt: skip


def sharded(truth: Truth) -> None:
    import torch
    from safetensors.torch import load_file
    from transformers import BertModel

    torch.manual_seed(3)
    model = BertModel(bert_config())
    for sub, safe in (("sharded", True), ("sharded_bin", False)):
        out = HERE / sub
        shutil.rmtree(out, ignore_errors=True)
        model.save_pretrained(out, max_shard_size="40KB", safe_serialization=safe)
        index = json.loads(next(out.glob("*.index.json")).read_text())
        got = {}
        for shard in sorted(set(index["weight_map"].values())):
            got.update(load_file(out / shard) if safe else torch.load(out / shard, weights_only=True))
        truth.add(f"{sub}/{next(out.glob('*.index.json')).name}", got)


def bert_conversion(truth: Truth, tf_python: str) -> None:
    """Google's naming in TensorFlow -> load_tf_weights_in_bert -> BertForPreTraining.save_pretrained, and
    the converter's own pairing, read off the parameters: after the converter, each parameter's data is
    the very array tf.train.load_variable returned (torch.from_numpy shares it), transposed or not."""
    import numpy as np
    import torch
    from safetensors.torch import load_file, save_file
    from transformers import BertForPreTraining, __version__
    from transformers.models.bert import modeling_bert

    tf_dir = HERE / "bert_tf"
    shutil.rmtree(tf_dir, ignore_errors=True)
    subprocess.run([tf_python, __file__, "tf-write", str(tf_dir)], check=True)
    prefix = str(tf_dir / "bert_model.ckpt")

    shim = tensorflow_shim(tf_python)
    given: dict[int, str] = {}  # address of each array handed to the converter -> its TF name
    real_load = shim.train.load_variable

    def load_variable(path, name):
        array = real_load(path, name)
        given[array.__array_interface__["data"][0]] = name
        return array

    shim.train.load_variable = load_variable
    sys.modules["tensorflow"] = shim
    torch.manual_seed(4)
    model = BertForPreTraining(bert_config())
    try:
        modeling_bert.load_tf_weights_in_bert(model, model.config, prefix)
    finally:
        del sys.modules["tensorflow"]
    pairs: dict[str, dict] = {}
    for name, tensor in model.state_dict(keep_vars=True).items():
        tf_name = given.get(tensor.data_ptr())
        if tf_name is None:
            continue
        entry = pairs.setdefault(tf_name, {"torch": [], "transposed": None})
        entry["torch"].append(name)
        entry["transposed"] = tensor.dim() == 2 and not tensor.is_contiguous()
    listed = shim.train.list_variables(prefix)
    oracle = {
        "transformers": __version__,
        "torch": torch.__version__,
        "pairs": pairs,
        "not_converted": sorted(n for n, _ in listed if n not in pairs),
        "torch_not_from_tf": sorted(n for n in model.state_dict() if not any(n in p["torch"] for p in pairs.values())),
    }
    (HERE / "bert_pairing.json").write_text(json.dumps(oracle, indent=1, sort_keys=True) + "\n")

    pt_dir = HERE / "bert_pt"
    shutil.rmtree(pt_dir, ignore_errors=True)
    model.save_pretrained(pt_dir, safe_serialization=True)
    model.save_pretrained(pt_dir, safe_serialization=False)
    truth.add("bert_pt/model.safetensors", load_file(pt_dir / "model.safetensors"))
    truth.add("bert_pt/pytorch_model.bin", torch.load(pt_dir / "pytorch_model.bin", weights_only=True))

    # Mutants, made by torch: one square kernel loaded without its transpose; the MLM head dropped.
    sd = torch.load(pt_dir / "pytorch_model.bin", weights_only=True)
    key = "bert.encoder.layer.1.attention.self.value.weight"
    sd[key] = sd[key].t().contiguous()
    torch.save(sd, HERE / "bert_untransposed.bin")
    st = load_file(pt_dir / "model.safetensors")
    save_file({k: v for k, v in st.items() if not k.startswith("cls.predictions.")}, HERE / "bert_nohead.safetensors",
              metadata={"format": "pt"})  # fmt: skip
    assert not np.array_equal(sd[key].numpy(), sd[key].t().numpy())


def half_precision() -> None:
    """bert_bf16.safetensors: the converted model cast to bfloat16 by torch (what `torch_dtype=bfloat16`
    saves): map must still prove each pair by value, through the same rounding."""
    import torch
    from safetensors.torch import load_file, save_file

    st = load_file(HERE / "bert_pt" / "model.safetensors")
    save_file(
        {k: v.to(torch.bfloat16) for k, v in st.items()}, HERE / "bert_bf16.safetensors", metadata={"format": "pt"}
    )


def new_dtypes(truth: Truth) -> None:
    """new_dtypes.pt: dtypes torch saves as an UntypedStorage plus a dtype (float8_e8m0fnu, uint32) and
    complex128; new_dtypes.safetensors: F8_E8M0."""
    import torch
    from safetensors.torch import load_file, save_file

    sd = {
        "e8m0": torch.tensor([0.5, 1.0, 2.0, 64.0]).to(torch.float8_e8m0fnu),
        "u32": torch.tensor([0, 7, 4_000_000_000], dtype=torch.int64).to(torch.uint32),
        "c128": torch.randn(2, 2, dtype=torch.complex128, generator=torch.Generator().manual_seed(6)),
    }
    torch.save(sd, HERE / "new_dtypes.pt")
    truth.add("new_dtypes.pt", flat(torch.load(HERE / "new_dtypes.pt", weights_only=True)))
    save_file({"e8m0": sd["e8m0"]}, HERE / "new_dtypes.safetensors")
    truth.add("new_dtypes.safetensors", load_file(HERE / "new_dtypes.safetensors"))


def bare_bins(truth: Truth) -> None:
    """bare/weights.bin and bare/legacy.bin: torch.save of a state_dict to a name only its first bytes tell
    (a zip archive; the legacy pickle), beside nothing else: a .bin is a TF.js shard's name too."""
    from collections import OrderedDict

    import torch

    torch.manual_seed(362)
    (HERE / "bare").mkdir(exist_ok=True)
    sd = OrderedDict()
    sd["encoder.layer.0.dense.weight"] = torch.randn(4, 3)
    sd["encoder.layer.0.dense.bias"] = torch.randn(4)
    sd["encoder.layer.1.dense.weight"] = torch.randn(2, 4).to(torch.bfloat16)
    sd["head.bias"] = torch.randn(2).half()
    torch.save(sd, HERE / "bare" / "weights.bin")
    truth.add("bare/weights.bin", flat(torch.load(HERE / "bare" / "weights.bin", weights_only=True)))
    torch.save(sd, HERE / "bare" / "legacy.bin", _use_new_zipfile_serialization=False)
    truth.add("bare/legacy.bin", flat(torch.load(HERE / "bare" / "legacy.bin", weights_only=True)))


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] in ("new-dtypes", "bare-bin"):  # added to an existing truth.json
        truth = Truth()
        truth.files = json.loads((HERE / "truth.json").read_text())
        (new_dtypes if sys.argv[1] == "new-dtypes" else bare_bins)(truth)
        (HERE / "truth.json").write_text(json.dumps(truth.files, indent=1, sort_keys=True) + "\n")
        return None
    if len(sys.argv) > 1 and sys.argv[1] == "half":
        return half_precision()
    if len(sys.argv) > 1 and sys.argv[1] == "tf-write":
        return tf_write(sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else None)
    if len(sys.argv) > 1 and sys.argv[1] == "tf-dump":
        return tf_dump(sys.argv[2], sys.argv[3])
    tf_python = sys.argv[1] if len(sys.argv) > 1 else "/work/main/.venv/bin/python"
    shutil.rmtree(HERE / "values", ignore_errors=True)
    (HERE / "values").mkdir()
    truth = Truth()
    state_dicts(truth)
    whole_module(truth)
    safetensors_files(truth)
    sharded(truth)
    bert_conversion(truth, tf_python)
    half_precision()
    new_dtypes(truth)
    bare_bins(truth)
    (HERE / "truth.json").write_text(json.dumps(truth.files, indent=1, sort_keys=True) + "\n")
    print("wrote", sorted(truth.files))


if __name__ == "__main__":
    main()
