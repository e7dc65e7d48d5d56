"""A BERT-base-sized name-based checkpoint with Adam slots (~1.3 GB), written by TensorFlow."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ckpt_browser.core.tf.tfimport import tf

H, FF, LAYERS, VOCAB = 768, 3072, 12, 30522


def bert_shapes() -> dict[str, tuple[int, ...]]:
    s = {
        "bert/embeddings/word_embeddings": (VOCAB, H),
        "bert/embeddings/position_embeddings": (512, H),
        "bert/embeddings/token_type_embeddings": (2, H),
        "bert/embeddings/LayerNorm/gamma": (H,),
        "bert/embeddings/LayerNorm/beta": (H,),
        "bert/pooler/dense/kernel": (H, H),
        "bert/pooler/dense/bias": (H,),
    }
    layer: dict[str, tuple[int, ...]] = {}
    dense = {f"attention/self/{p}": (H, H) for p in ("query", "key", "value")}
    dense |= {"attention/output/dense": (H, H), "intermediate/dense": (H, FF), "output/dense": (FF, H)}
    for name, (n_in, n_out) in dense.items():
        layer[f"{name}/kernel"], layer[f"{name}/bias"] = (n_in, n_out), (n_out,)
    for norm in ("attention/output/LayerNorm", "output/LayerNorm"):
        layer[f"{norm}/gamma"], layer[f"{norm}/beta"] = (H,), (H,)
    for i in range(LAYERS):
        s |= {f"bert/encoder/layer_{i}/{name}": shape for name, shape in layer.items()}
    return s


def write_bert(prefix: Path, seed: int = 0, perturb: float = 0.0) -> Path:
    """Model weights plus adam_m / adam_v slots (as Google's BERT optimizer names them)."""
    t = tf()
    rng = np.random.default_rng(seed)
    names, tensors = [], []
    for name, shape in bert_shapes().items():
        w = (rng.standard_normal(shape, dtype=np.float32) * 0.02).astype(np.float32)
        if perturb:
            w += perturb
        for suffix, value in (("", w), ("/adam_m", w * 0.1), ("/adam_v", np.abs(w) * 0.01)):
            names.append(name + suffix)
            tensors.append(t.constant(value))
    names.append("global_step")
    tensors.append(t.constant(np.int64(1000)))
    prefix.parent.mkdir(parents=True, exist_ok=True)
    t.raw_ops.SaveV2(prefix=str(prefix), tensor_names=names, shape_and_slices=[""] * len(names), tensors=tensors)
    return prefix
