"""The variable tree splits names where their format says (registry.Format.separators): PyTorch's
and safetensors' dotted state_dict keys nest (bert > encoder > layer > 0 > ...), TensorFlow's names
split at "/" only, exactly as before."""

from __future__ import annotations

import json
from pathlib import Path

from ckpt_browser.core.formats import registry
from ckpt_browser.core.formats.records import VariableEntry
from ckpt_browser.core.formats.variables import VariableFilter, build_tree, describe
from ckpt_browser.core.model_dir.contents import open_source, read_contents
from tests.conftest import ESTIMATOR

TORCH = Path(__file__).resolve().parents[1] / "data" / "torch"
TRUTH = json.loads((TORCH / "truth.json").read_text())
QUERY = "bert.encoder.layer.0.attention.self.query.weight"


def _walk(root, parts):
    node = root
    for part in parts:
        node = next(c for c in node.children if c.name == part)
    return node


def test_a_torch_files_tree_nests_its_dotted_names():
    # bert_pt/pytorch_model.bin: transformers' save_pretrained of BertForPreTraining (make_fixtures.py)
    info = open_source(TORCH / "bert_pt" / "pytorch_model.bin").checkpoint()
    root = read_contents(info, VariableFilter()).tree.root
    assert sorted(c.name for c in root.children) == sorted(
        {n.split(".")[0] for n in TRUTH["bert_pt/pytorch_model.bin"]}
    )
    layer = _walk(root, ["bert", "encoder", "layer"])
    assert [c.name for c in layer.children] == ["0", "1"]  # the config's two layers
    node = _walk(layer, ["0", "attention", "self", "query", "weight"])
    assert node.variable.name == QUERY and node.path == QUERY
    assert list(node.variable.shape) == TRUTH["bert_pt/pytorch_model.bin"][QUERY]["shape"]
    assert root.find(QUERY) is node  # what the window selects by
    assert _walk(root, ["bert", "encoder"]).path == "bert.encoder"
    assert root.params == sum(n.variable.size for n in _leaves(root))


def _leaves(node):
    for c in node.children:
        if c.variable is not None:
            yield c
        yield from _leaves(c)


def test_containers_and_keys_both_nest():
    # state_dtypes.pt's keys (torch.save of a state_dict); a training checkpoint's names join
    # nested containers with "/" and keep the state_dict's dots: both split
    entries = [VariableEntry(n, tuple(t["shape"]), t["dtype"]) for n, t in TRUTH["state_dtypes.pt"].items()]
    root = build_tree(describe(entries), registry.of_name("torch").separators)
    assert _walk(root, ["shared", "window"]).variable.name == "shared.window"
    nested = build_tree(describe([VariableEntry("model/encoder.layer.0.weight", (2,), "float32")]), "/.")
    node = _walk(nested, ["model", "encoder", "layer", "0", "weight"])
    assert node.path == "model/encoder.layer.0.weight" and nested.find(node.path) is node


def test_tensorflow_names_split_at_slashes_only():
    assert registry.of_name("tf").separators == "/"
    info = open_source(ESTIMATOR / "iris").checkpoint()
    root = read_contents(info, VariableFilter()).tree.root
    assert _walk(root, ["dnn", "hiddenlayer_0", "kernel"]).path == "dnn/hiddenlayer_0/kernel"
    dotted = build_tree(describe([VariableEntry("layer_with_weights-0/.ATTRIBUTES/x.y", (1,), "float32")]))
    assert [c.name for c in _walk(dotted, ["layer_with_weights-0"]).children] == [".ATTRIBUTES"]
    assert _walk(dotted, ["layer_with_weights-0", ".ATTRIBUTES", "x.y"]).variable is not None
