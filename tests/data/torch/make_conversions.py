"""Writes tests/data/torch/conversions/<model>/: an ALBERT, an ELECTRA and a T5 checkpoint in Google's
TensorFlow naming (tiny configs, random values, written by TensorFlow), the PyTorch model Hugging Face's
own converter makes of each (load_tf_weights_in_albert / _electra / _t5, then save_pretrained as
safetensors), and pairing.json: the converter's pairing, read off its own calls.

The oracle: the arrays tf.train.load_variable returns are tagged with their TF name (a numpy subclass
that keeps the tag through np.transpose and astype, and flips a `transposed` flag on transpose);
torch.from_numpy is wrapped while the converter runs, so each tensor it makes is known by its TF
name and transposition; each parameter is then the tensor whose memory it holds.

Run by `make fixtures-torch` after make_fixtures.py, in the same writer venv.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "conversions"
V, P, T, E, H, I = 99, 64, 2, 16, 32, 37  # noqa: E741 -- the configs' own letters


def _bert_layer(prefix: str, h: int = H) -> dict[str, list[int]]:
    out = {}
    for part in ("query", "key", "value"):
        out[f"{prefix}/attention/self/{part}/kernel"] = [h, h]
        out[f"{prefix}/attention/self/{part}/bias"] = [h]
    out |= {f"{prefix}/attention/output/dense/kernel": [h, h], f"{prefix}/attention/output/dense/bias": [h],
            f"{prefix}/attention/output/LayerNorm/gamma": [h], f"{prefix}/attention/output/LayerNorm/beta": [h],
            f"{prefix}/intermediate/dense/kernel": [h, I], f"{prefix}/intermediate/dense/bias": [I],
            f"{prefix}/output/dense/kernel": [I, h], f"{prefix}/output/dense/bias": [h],
            f"{prefix}/output/LayerNorm/gamma": [h], f"{prefix}/output/LayerNorm/beta": [h]}  # fmt: skip
    return out


def _embeddings(scope: str) -> dict[str, list[int]]:
    return {f"{scope}/embeddings/word_embeddings": [V, E], f"{scope}/embeddings/token_type_embeddings": [T, E],
            f"{scope}/embeddings/position_embeddings": [P, E], f"{scope}/embeddings/LayerNorm/gamma": [E],
            f"{scope}/embeddings/LayerNorm/beta": [E]}  # fmt: skip


def albert_shapes() -> dict[str, list[int]]:
    """google-research/albert modeling.py: one shared layer group, embeddings of size E."""
    g = "bert/encoder/transformer/group_0/inner_group_0"
    out = _embeddings("bert") | {"bert/encoder/embedding_hidden_mapping_in/kernel": [E, H],
                                 "bert/encoder/embedding_hidden_mapping_in/bias": [H]}  # fmt: skip
    for part in ("query", "key", "value"):
        out |= {f"{g}/attention_1/self/{part}/kernel": [H, H], f"{g}/attention_1/self/{part}/bias": [H]}
    out |= {f"{g}/attention_1/output/dense/kernel": [H, H], f"{g}/attention_1/output/dense/bias": [H],
            f"{g}/LayerNorm/gamma": [H], f"{g}/LayerNorm/beta": [H],
            f"{g}/ffn_1/intermediate/dense/kernel": [H, I], f"{g}/ffn_1/intermediate/dense/bias": [I],
            f"{g}/ffn_1/intermediate/output/dense/kernel": [I, H], f"{g}/ffn_1/intermediate/output/dense/bias": [H],
            f"{g}/LayerNorm_1/gamma": [H], f"{g}/LayerNorm_1/beta": [H],
            "bert/pooler/dense/kernel": [H, H], "bert/pooler/dense/bias": [H],
            "cls/predictions/transform/dense/kernel": [H, E], "cls/predictions/transform/dense/bias": [E],
            "cls/predictions/transform/LayerNorm/gamma": [E], "cls/predictions/transform/LayerNorm/beta": [E],
            "cls/predictions/output_bias": [V], "cls/seq_relationship/output_weights": [2, H],
            "cls/seq_relationship/output_bias": [2]}  # fmt: skip
    return out


def electra_shapes() -> dict[str, list[int]]:
    """google-research/electra: the discriminator, embeddings projected from E to H."""
    out = _embeddings("electra") | {"electra/embeddings_project/kernel": [E, H], "electra/embeddings_project/bias": [H]}
    for n in range(2):
        out |= _bert_layer(f"electra/encoder/layer_{n}")
    out |= {"discriminator_predictions/dense/kernel": [H, H], "discriminator_predictions/dense/bias": [H],
            "discriminator_predictions/dense_1/kernel": [H, 1], "discriminator_predictions/dense_1/bias": [1]}  # fmt: skip
    return out


def t5_shapes() -> dict[str, list[int]]:
    """Mesh TensorFlow T5 (v1.0 naming), 2 + 2 blocks; Adafactor slots named *_slot_*."""
    d, inner, ff, heads, buckets = H, 32, I, 4, 8
    out: dict[str, list[int]] = {"shared/embedding": [V, d]}

    def attention(prefix: str, relative: bool) -> dict[str, list[int]]:
        got = {f"{prefix}/{w}": [d, inner] for w in ("q", "k", "v")} | {f"{prefix}/o": [inner, d]}
        return got | ({f"{prefix}/relative_attention_bias": [heads, buckets]} if relative else {})

    for stack, layers in (("encoder", ("SelfAttention", "DenseReluDense")),
                          ("decoder", ("SelfAttention", "EncDecAttention", "DenseReluDense"))):  # fmt: skip
        for b in range(2):
            for i, kind in enumerate(layers):
                p = f"{stack}/block_{b:03d}/layer_{i:03d}"
                if kind == "DenseReluDense":
                    out |= {f"{p}/DenseReluDense/wi/kernel": [d, ff], f"{p}/DenseReluDense/wo/kernel": [ff, d]}
                else:
                    out |= attention(f"{p}/{kind}", relative=b == 0 and kind == "SelfAttention")
                out[f"{p}/layer_norm/scale"] = [d]
        out[f"{stack}/final_layer_norm/scale"] = [d]
    out["encoder/block_000/layer_000/SelfAttention/q_slot_vc"] = [inner]
    out["encoder/block_000/layer_000/SelfAttention/q_slot_vr"] = [d]
    return out


def models():
    from transformers import (
        AlbertConfig,
        AlbertForPreTraining,
        ElectraConfig,
        ElectraForPreTraining,
        T5Config,
        T5ForConditionalGeneration,  # fmt: skip
    )
    from transformers.models.albert.modeling_albert import load_tf_weights_in_albert
    from transformers.models.electra.modeling_electra import load_tf_weights_in_electra
    from transformers.models.t5.modeling_t5 import load_tf_weights_in_t5

    small = dict(vocab_size=V, hidden_size=H, num_hidden_layers=2, num_attention_heads=4, intermediate_size=I,
                 max_position_embeddings=P, type_vocab_size=T, embedding_size=E)  # fmt: skip
    return {
        "albert": (albert_shapes(), lambda: AlbertForPreTraining(AlbertConfig(**small)), load_tf_weights_in_albert),
        "electra": (electra_shapes(), lambda: ElectraForPreTraining(ElectraConfig(**small)), load_tf_weights_in_electra),
        "t5": (t5_shapes(), lambda: T5ForConditionalGeneration(T5Config(
            vocab_size=V, d_model=H, d_kv=8, d_ff=I, num_layers=2, num_decoder_layers=2, num_heads=4,
            relative_attention_num_buckets=8, feed_forward_proj="relu")), load_tf_weights_in_t5),
    }  # fmt: skip


def convert(name: str, shapes: dict, make_model, load_tf, tf_python: str) -> None:
    import numpy as np
    import torch
    from make_fixtures import tensorflow_shim

    out = OUT / name
    shutil.rmtree(out, ignore_errors=True)
    (out / "tf").mkdir(parents=True)
    (out / "shapes.json").write_text(json.dumps(shapes))
    subprocess.run([tf_python, str(HERE / "make_fixtures.py"), "tf-write", str(out / "tf"), str(out / "shapes.json")],
                   check=True)  # fmt: skip
    (out / "shapes.json").unlink()
    prefix = str(out / "tf" / "bert_model.ckpt")

    class Tagged(np.ndarray):
        tf_name = ""
        transposed = False

        def __array_finalize__(self, obj) -> None:
            self.tf_name = getattr(obj, "tf_name", "")
            self.transposed = getattr(obj, "transposed", False)

        def transpose(self, *axes):
            view = super().transpose(*axes)
            view.transposed = not self.transposed
            return view

    shim = tensorflow_shim(tf_python)
    real_load = shim.train.load_variable

    def load_variable(path, var):
        tagged = np.asarray(real_load(path, var)).view(Tagged)
        tagged.tf_name = var
        return tagged

    made: dict[int, tuple[str, bool]] = {}
    real_from_numpy = torch.from_numpy

    def from_numpy(array):
        tensor = real_from_numpy(np.asarray(array))
        if getattr(array, "tf_name", ""):
            made[tensor.data_ptr()] = (array.tf_name, array.transposed)
        return tensor

    shim.train.load_variable = load_variable
    sys.modules["tensorflow"] = shim
    torch.from_numpy = from_numpy
    torch.manual_seed(5)
    model = make_model()
    try:
        load_tf(model, model.config, prefix)
    finally:
        torch.from_numpy = real_from_numpy
        del sys.modules["tensorflow"]
    pairs: dict[str, dict] = {}
    for key, tensor in model.state_dict(keep_vars=True).items():
        if tensor.data_ptr() in made:
            tf_name, transposed = made[tensor.data_ptr()]
            entry = pairs.setdefault(tf_name, {"torch": [], "transposed": transposed})
            entry["torch"].append(key)
    from transformers import __version__

    oracle = {"transformers": __version__, "pairs": pairs, "not_converted": sorted(set(shapes) - set(pairs) | {"global_step"}),
              "torch_not_from_tf": sorted(k for k in model.state_dict() if not any(k in p["torch"] for p in pairs.values()))}  # fmt: skip
    (out / "pairing.json").write_text(json.dumps(oracle, indent=1, sort_keys=True) + "\n")
    model.save_pretrained(out, safe_serialization=True)
    print(name, len(pairs), "pairs;", len(oracle["not_converted"]), "not converted")


def main() -> None:
    tf_python = sys.argv[1] if len(sys.argv) > 1 else "/work/main/.venv/bin/python"
    sys.path.insert(0, str(HERE))
    for name, (shapes, make_model, load_tf) in models().items():
        convert(name, shapes, make_model, load_tf, tf_python)


if __name__ == "__main__":
    main()
