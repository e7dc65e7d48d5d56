"""`ckpt-browser map` (issue 36): a BERT checkpoint in Google's naming (written by TensorFlow) against the
files Hugging Face's converter made of it. The oracle is the converter itself: bert_pairing.json, read
off load_tf_weights_in_bert's parameters by tests/data/torch/make_fixtures.py (which TF variable each
PyTorch tensor is, transposed or not). The mutants were made by torch from the converted file."""

from __future__ import annotations

import json

import pytest

from ckpt_browser.core.base.errors import CheckpointError
from ckpt_browser.core.values.mapping import map_checkpoint
from tests.conftest import DATA

TORCH = DATA / "torch"
TF = str(TORCH / "bert_tf" / "bert_model.ckpt")
ORACLE = json.loads((TORCH / "bert_pairing.json").read_text())


@pytest.mark.parametrize("converted", ["bert_pt/model.safetensors", "bert_pt/pytorch_model.bin", "bert_pt"])
def test_pairs_what_the_converter_paired(converted):
    m = map_checkpoint(TF, str(TORCH / converted))
    ours = {p.tf: p for p in m.pairs}
    assert sorted(ours) == sorted(ORACLE["pairs"])
    for tf_name, theirs in ORACLE["pairs"].items():
        pair = ours[tf_name]
        assert pair.torch == theirs["torch"][0] and pair.transposed == theirs["transposed"], tf_name
        # torch.save keeps a tied weight twice on one storage; safetensors keeps it once
        assert pair.tied in ([], theirs["torch"][1:]), tf_name
        assert pair.status == "ok" and pair.by_value, tf_name
    assert sorted(m.skipped) == ORACLE["not_converted"]
    assert m.ok and m.tf_left == [] and m.torch_left == [] and m.values_checked


def test_a_square_kernel_left_untransposed_is_named():
    m = map_checkpoint(TF, str(TORCH / "bert_untransposed.bin"))
    assert not m.ok and m.tf_left == [] and m.torch_left == []
    (bad,) = m.failing
    assert bad.tf == "bert/encoder/layer_1/attention/self/value/kernel" and bad.status == "untransposed"
    assert bad.torch == "bert.encoder.layer.1.attention.self.value.weight"


def test_the_dropped_head_is_named():
    m = map_checkpoint(TF, str(TORCH / "bert_nohead.safetensors"))
    head = sorted(n for n in ORACLE["pairs"] if n.startswith("cls/predictions/"))
    assert not m.ok and m.failing == [] and m.torch_left == []
    assert sorted(x.name for x in m.tf_left) == head


def test_a_model_of_another_checkpoint_maps_by_shape_and_says_so():
    """BertModel (no 'bert.' prefix, no heads) saved by save_pretrained with random weights."""
    m = map_checkpoint(TF, str(TORCH / "sharded" / "model.safetensors.index.json"), "bert")
    assert len(m.pairs) == 39 and not m.values_checked and "not a conversion" in m.notes[-1]
    assert sorted(x.name for x in m.tf_left) == sorted(n for n in ORACLE["pairs"] if n.startswith("cls/"))


def test_without_values_no_tensor_is_read():
    m = map_checkpoint(TF, str(TORCH / "bert_untransposed.bin"), values=False)
    assert m.ok and not any(p.by_value for p in m.pairs)  # square: its shape cannot tell


def cli(*argv: str) -> tuple[int, str, str]:
    import contextlib
    import io

    from ckpt_browser.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


def test_cli_exit_codes_and_json():
    code, out, _ = cli("map", TF, str(TORCH / "bert_pt" / "model.safetensors"))
    assert code == 0 and "46 TF variables paired (14 transposed)" in out and "every model weight maps" in out
    code, out, _ = cli("map", TF, str(TORCH / "bert_untransposed.bin"))
    fails = [line for line in out.splitlines() if line.startswith("FAIL")]
    assert code == 1 and len(fails) == 1 and "layer_1/attention/self/value/kernel" in fails[0]
    code, out, _ = cli("map", TF, str(TORCH / "bert_nohead.safetensors"), "--json")
    record = json.loads(out)
    assert code == 1 and record["ok"] is False and len(record["tf_left"]) == 5


@pytest.mark.parametrize(
    "argv, says",
    [
        (["map", TF, str(TORCH / "missing.bin")], "does not exist"),
        (["map", TF, str(TORCH / "bert_pt"), "--rules", "gpt9"], "neither a built-in rule set"),
        (["map", TF, str(TORCH / "truth.json")], "neither a PyTorch"),
        (["map", TF, str(TORCH / "values")], "holds no model.safetensors"),
    ],
)
def test_cli_bad_input_is_one_line(argv, says):
    code, _, err = cli(*argv)
    assert code == 2 and len(err.strip().splitlines()) == 1 and says in err and "unexpected" not in err, err


def test_user_rules_files(tmp_path):
    from ckpt_browser.core.values.mapping_rules import BUILT_IN

    bert = BUILT_IN["bert"]
    (tmp_path / "mine.json").write_text(json.dumps(bert))
    toml = "\n".join(
        [f"skip = {json.dumps(bert['skip'])}", f"append_weight = {json.dumps(bert['append_weight'])}",
         'transpose = "kernel"', 'optional_prefixes = ["bert."]', "[components]"]
        + [f"{k} = {json.dumps(v)}" for k, v in bert["components"].items()]
    )  # fmt: skip
    (tmp_path / "mine.toml").write_text(toml)
    for rules in ("mine.json", "mine.toml"):
        m = map_checkpoint(TF, str(TORCH / "bert_pt" / "model.safetensors"), str(tmp_path / rules))
        assert m.ok and len(m.pairs) == 46, rules
    (tmp_path / "bad.toml").write_text('transpose = "("')
    (tmp_path / "odd.json").write_text('{"kernel": "weight"}')
    for bad, says in (("bad.toml", "not a regular expression"), ("odd.json", "unknown field(s) kernel")):
        with pytest.raises(CheckpointError, match=says.replace("(", r"\(").replace(")", r"\)")):
            map_checkpoint(TF, str(TORCH / "bert_pt"), str(tmp_path / bad))


def test_api_record_is_the_cli_record():
    import ckpt_browser as cb

    record = cb.map_weights(TF, TORCH / "bert_untransposed.bin")
    code, out, _ = cli("map", TF, str(TORCH / "bert_untransposed.bin"), "--json")
    assert record == json.loads(out) and code == 1
    with pytest.raises(CheckpointError):
        cb.map_weights(TF, TORCH / "missing.pt")


def test_diff_pairs_tf_with_pytorch_by_the_same_rules(tmp_path):
    """diff TF PYTORCH: the mapping's pairs, kernels transposed back; an untransposed kernel differs."""
    import shutil

    from ckpt_browser.core.values.diff import diff_checkpoints

    d = diff_checkpoints(TF, TORCH / "bert_pt" / "model.safetensors")
    assert d.pairing.startswith("by the bert mapping rules")
    rows = {r.name: r for r in d.rows}
    assert sorted(n for n, r in rows.items() if r.status == "same") == sorted(ORACLE["pairs"])
    assert (
        rows["bert/encoder/layer_0/attention/self/query/kernel"].name_b
        == "bert.encoder.layer.0.attention.self.query.weight"
    )
    shutil.copy(TORCH / "bert_untransposed.bin", tmp_path / "pytorch_model.bin")
    d = diff_checkpoints(tmp_path / "pytorch_model.bin", TF)  # either way round
    changed = [r.name for r in d.rows if r.status == "changed"]
    assert changed == ["bert/encoder/layer_1/attention/self/value/kernel"]
    assert not [r for r in d.rows if r.status == "only_a"]  # the tied decoder is its pair's copy


@pytest.mark.parametrize("model", ["albert", "electra", "t5"])
def test_other_converters_pairings(model):
    """ALBERT, ELECTRA and T5 checkpoints in Google's naming, converted by Hugging Face's own
    load_tf_weights_in_* (tests/data/torch/make_conversions.py): the converter's pairs, our rules."""
    folder = TORCH / "conversions" / model
    oracle = json.loads((folder / "pairing.json").read_text())
    m = map_checkpoint(str(folder / "tf"), str(folder))
    assert m.rules == model and m.ok and m.values_checked
    assert {p.tf: (p.torch, p.transposed) for p in m.pairs} == {
        tf: (theirs["torch"][0], theirs["transposed"]) for tf, theirs in oracle["pairs"].items()
    }
    assert sorted(m.skipped) == oracle["not_converted"]


def test_a_bfloat16_conversion_is_proved_through_the_same_rounding():
    """torch cast the converted model to bfloat16 (make_fixtures.py half_precision): each TF value,
    rounded to bfloat16, equals its PyTorch tensor."""
    m = map_checkpoint(TF, str(TORCH / "bert_bf16.safetensors"), "bert")
    assert m.ok and m.values_checked and all(p.by_value for p in m.pairs) and len(m.pairs) == 46
