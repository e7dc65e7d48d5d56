"""Mapping rules: how a TensorFlow checkpoint's names become a PyTorch model's, as data. The built-in
ones follow Hugging Face's converters (transformers 4.x: load_tf_weights_in_bert / _albert / _electra /
_t5), step by step; a user's rules file (JSON or TOML, never Python) has the same fields:

  skip        regexes: a TF name one matches is not a model weight (optimizer slots, global_step)
  rewrite     [regex, replacement] pairs applied to the whole TF name, in order (the converters' renames)
  indexed     regex a path component must fully match to be split into name + index ('layer_3' -> layer.3)
  components  {TF component: PyTorch part, or a list of alternatives tried in order}
  append_weight  regex on the last TF component: when it matches, '.weight' is appended (embeddings)
  transpose   regex on the last TF component: when it matches, the value is transposed (kernel)
  optional_prefixes  PyTorch prefixes tried with and without ('bert.': BertModel has none)
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from ckpt_browser.core.base.errors import CheckpointError

_OPTIMIZER = r"(^|/)(adam_m|adam_v|AdamWeightDecayOptimizer|AdamWeightDecayOptimizer_1|global_step)(/|$)"
_BERT_COMPONENTS = {"kernel": "weight", "gamma": "weight", "output_bias": "bias", "beta": "bias",
                    "output_weights": "weight", "squad": "classifier"}  # fmt: skip

BUILT_IN: dict[str, dict] = {
    "bert": {
        "description": "Google BERT (bert/..., cls/...) onto Hugging Face's Bert* models",
        "skip": [_OPTIMIZER],
        "components": _BERT_COMPONENTS,
        "append_weight": r".*_embeddings",
        "transpose": "kernel",
        "optional_prefixes": ["bert."],
    },
    "albert": {
        "description": "Google ALBERT onto Hugging Face's Albert* models",
        "skip": [_OPTIMIZER],
        "rewrite": [
            ["module/", ""],
            ["ffn_1", "ffn"],
            ["bert/", "albert/"],
            ["attention_1", "attention"],
            ["transform/", ""],
            ["LayerNorm_1", "full_layer_layer_norm"],
            ["LayerNorm", "attention/LayerNorm"],
            ["transformer/", ""],
            ["intermediate/dense/", ""],
            ["ffn/intermediate/output/dense/", "ffn_output/"],
            ["/output/", "/"],
            ["/self/", "/"],
            ["pooler/dense", "pooler"],
            ["cls/predictions", "predictions"],
            ["predictions/attention", "predictions"],
            ["embeddings/attention", "embeddings"],
            ["inner_group_", "albert_layers/"],
            ["group_", "albert_layer_groups/"],
            [r"^(output_bias|output_weights)$", r"classifier/\1"],
            # the converter finds no `cls` on AlbertForPreTraining, skips that step and lands on sop_classifier
            [r"(^cls/)?seq_relationship/output_weights", "sop_classifier/classifier/weight"],
            [r"(^cls/)?seq_relationship/output_", "sop_classifier/classifier/"],
        ],
        "components": _BERT_COMPONENTS,
        "append_weight": r".*_embeddings",
        "transpose": "kernel",
        "optional_prefixes": ["albert."],
    },
    "electra": {
        "description": "Google ELECTRA (discriminator) onto Hugging Face's Electra* models",
        "skip": [_OPTIMIZER, r"(^|/)temperature(/|$)"],
        "rewrite": [["dense_1", "dense_prediction"], ["generator_predictions/output_bias", "generator_lm_head/bias"]],
        "components": _BERT_COMPONENTS,
        "append_weight": r".*_embeddings",
        "transpose": "kernel",
        "optional_prefixes": ["electra."],
    },
    "t5": {
        "description": "Mesh TensorFlow T5 onto Hugging Face's T5 models",
        "skip": [_OPTIMIZER, r"_slot_[^/]*$"],
        "rewrite": [[r"^decoder/logits/", "logits/"]],
        "indexed": r"(?!wi_)[A-Za-z]+_\d+",
        "components": {
            "kernel": "weight",
            "scale": "weight",
            "embedding": "weight",
            "self_attention": "layer.0",
            "enc_dec_attention": "layer.1",
            "dense_relu_dense": "layer.2",
            "rms_norm": ["layer_norm", "final_layer_norm"],
            "output_bias": "bias",
            "beta": "bias",
            "squad": "classifier",
            "logits": "lm_head",
        },  # fmt: skip
        "append_weight": r"(?!(kernel|scale|embedding)$).*",
        "transpose": r"(?!embedding$).*",
    },
}


@dataclass
class Rules:
    name: str
    description: str = ""
    skip: list[re.Pattern] = field(default_factory=list)
    rewrite: list[tuple[re.Pattern, str]] = field(default_factory=list)
    indexed: re.Pattern = re.compile(r"[A-Za-z]+_\d+")
    components: dict[str, list[str]] = field(default_factory=dict)
    append_weight: re.Pattern | None = None
    transpose: re.Pattern | None = None
    optional_prefixes: list[str] = field(default_factory=list)

    def skipped(self, tf_name: str) -> bool:
        return any(p.search(tf_name) for p in self.skip)

    def candidates(self, tf_name: str) -> tuple[list[str], bool]:
        """The PyTorch names tf_name may map to, most likely first, and whether it is transposed."""
        name = tf_name
        for pattern, repl in self.rewrite:
            name = pattern.sub(repl, name)
        parts = [p for p in name.split("/") if p]
        if not parts:
            return [], False
        options: list[list[str]] = [[]]
        for part in parts:
            m = self.indexed.fullmatch(part)
            head, index = (part.rsplit("_", 1)[0], str(int(part.rsplit("_", 1)[1]))) if m else (part, None)
            alternatives = self.components.get(head, [head])
            options = [o + [alt] + ([index] if index is not None else []) for o in options for alt in alternatives]
        last = parts[-1]
        if self.append_weight is not None and self.append_weight.fullmatch(last):
            options = [o + ["weight"] for o in options]
        names = [".".join(o) for o in options]
        for prefix in self.optional_prefixes:
            names += [n[len(prefix) :] for n in names if n.startswith(prefix)]
        transposed = self.transpose is not None and bool(self.transpose.fullmatch(last))
        return names, transposed


def _compile(what: str, text: object) -> re.Pattern:
    if not isinstance(text, str) or len(text) > 500:
        raise CheckpointError(f"mapping rules: {what} must be a regular expression (text of at most 500 characters)")
    try:
        return re.compile(text)
    except re.error as exc:
        raise CheckpointError(f"mapping rules: {what} {text!r} is not a regular expression: {exc}") from None


def from_dict(name: str, doc: object) -> Rules:
    if not isinstance(doc, dict):
        raise CheckpointError(f"mapping rules {name}: not a table of rules")
    known = {"description", "skip", "rewrite", "indexed", "components", "append_weight",
             "transpose", "optional_prefixes", "name"}  # fmt: skip
    unknown = sorted(set(doc) - known)
    if unknown:
        raise CheckpointError(
            f"mapping rules {name}: unknown field(s) {', '.join(unknown)} (known: {', '.join(sorted(known))})"
        )
    rewrite = []
    for pair in doc.get("rewrite", []):
        if not isinstance(pair, list) or len(pair) != 2 or not all(isinstance(p, str) for p in pair):
            raise CheckpointError(f"mapping rules {name}: each rewrite is [pattern, replacement], not {str(pair)[:80]}")
        pattern = _compile("rewrite", pair[0])
        try:
            pattern.sub(pair[1], "")  # the replacement's group references are checked here
        except (re.error, IndexError) as exc:
            raise CheckpointError(f"mapping rules {name}: the replacement {pair[1]!r} is not valid: {exc}") from None
        rewrite.append((pattern, pair[1]))
    components: dict[str, list[str]] = {}
    for k, v in (doc.get("components") or {}).items():
        alts = [v] if isinstance(v, str) else v
        if not isinstance(alts, list) or not all(isinstance(a, str) for a in alts):
            raise CheckpointError(f"mapping rules {name}: component {k!r} must map to text or a list of texts")
        components[str(k)] = alts
    prefixes = doc.get("optional_prefixes", [])
    if not isinstance(prefixes, list) or not all(isinstance(p, str) for p in prefixes):
        raise CheckpointError(f"mapping rules {name}: optional_prefixes must be a list of texts")
    return Rules(
        name=str(doc.get("name", name)),
        description=str(doc.get("description", "")),
        skip=[_compile("skip", s) for s in doc.get("skip", [])],
        rewrite=rewrite,
        indexed=_compile("indexed", doc.get("indexed", r"[A-Za-z]+_\d+")),
        components=components,
        append_weight=_compile("append_weight", doc["append_weight"]) if "append_weight" in doc else None,
        transpose=_compile("transpose", doc["transpose"]) if "transpose" in doc else None,
        optional_prefixes=prefixes,
    )


def load_rules(spec: str | None, tf_names: list[str] | None = None) -> Rules:
    """Rules by built-in name (bert, albert, electra, t5), from a .json / .toml file, or (None)
    guessed from the TF names: ALBERT's groups, T5's blocks, ELECTRA's discriminator, else BERT."""
    if spec is None:
        names = tf_names or []
        if any("inner_group_" in n for n in names):
            spec = "albert"
        elif any(n.startswith(("encoder/block_", "decoder/block_", "shared/")) for n in names):
            spec = "t5"
        elif any(n.startswith(("electra/", "discriminator_predictions/")) for n in names):
            spec = "electra"
        else:
            spec = "bert"
    if spec.lower() in BUILT_IN:
        return from_dict(spec.lower(), {"name": spec.lower(), **BUILT_IN[spec.lower()]})
    path = Path(spec)
    if path.suffix.lower() not in (".json", ".toml"):
        raise CheckpointError(
            f"--rules {spec[:200]}: neither a built-in rule set ({', '.join(BUILT_IN)}) nor a .json / .toml file"
        )
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CheckpointError(
            f"cannot read the rules file {path.name}: {getattr(exc, 'strerror', None) or exc}"
        ) from None
    try:
        if path.suffix.lower() == ".toml":
            import tomllib

            doc: object = tomllib.loads(text)
        else:
            doc = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise CheckpointError(
            f"the rules file {path.name} is not valid {path.suffix[1:].upper()}: {str(exc)[:200]}"
        ) from None
    return from_dict(path.stem, doc)
