"""A BERT-base-sized name-based checkpoint with Adam slots (~1.3 GB), written by TensorFlow."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ckpt_browser.core.tfimport import tf

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
    for i in range(LAYERS):
        p = f"bert/encoder/layer_{i}"
        for part in ("query", "key", "value"):
            s[f"{p}/attention/self/{part}/kernel"] = (H, H)
            s[f"{p}/attention/self/{part}/bias"] = (H,)
        s[f"{p}/attention/output/dense/kernel"] = (H, H)
        s[f"{p}/attention/output/dense/bias"] = (H,)
        s[f"{p}/attention/output/LayerNorm/gamma"] = (H,)
        s[f"{p}/attention/output/LayerNorm/beta"] = (H,)
        s[f"{p}/intermediate/dense/kernel"] = (H, FF)
        s[f"{p}/intermediate/dense/bias"] = (FF,)
        s[f"{p}/output/dense/kernel"] = (FF, H)
        s[f"{p}/output/dense/bias"] = (H,)
        s[f"{p}/output/LayerNorm/gamma"] = (H,)
        s[f"{p}/output/LayerNorm/beta"] = (H,)
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
