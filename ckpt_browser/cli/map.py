"""`ckpt-browser map TF_CHECKPOINT PYTORCH_FILE`: will the TF weights map onto the PyTorch model."""

from __future__ import annotations

import argparse
import json
import sys
import textwrap

from ckpt_browser.cli import output as cli_output
from ckpt_browser.cli.fit import terminal_width

EXIT_MAPS, EXIT_DOES_NOT = 0, 1


def add_parser(sub) -> None:
    p = sub.add_parser(
        "map", help="pair a TF checkpoint's variables with a PyTorch / safetensors file's tensors (BERT, ALBERT, ...)",
        description="Pairs every TF variable with a PyTorch tensor by rules (built in: bert, albert, electra, t5; "
        "guessed from the TF names; or a .json / .toml rules file), checks each pair's shape after the rule's "
        "transpose and, where both files hold values, that the values agree (a square kernel loaded without its "
        "transpose is caught). Optimizer slots and global_step are skipped. "
        "Exit 0 when every model weight maps, 1 otherwise, 2 on error.",
    )  # fmt: skip
    p.add_argument("tf_checkpoint", help="a TF checkpoint prefix or file, or a model_dir (its latest)")
    p.add_argument("pytorch_file", help=".pt / .bin / .safetensors, a sharded checkpoint's index.json, or its folder")
    p.add_argument("--rules", metavar="NAME|FILE", help="bert, albert, electra, t5, or a .json / .toml rules file")
    p.add_argument("--no-values", action="store_true", help="names and shapes only (no tensor is read)")
    p.add_argument("--pairs", action="store_true", help="print every pair, not only the failing ones")
    p.add_argument("--json", action="store_true")


def cmd_map(ns: argparse.Namespace) -> int:
    from ckpt_browser.core.values.mapping import map_checkpoint

    progress, _ = cli_output.progress_lines(ns)
    m = map_checkpoint(ns.tf_checkpoint, ns.pytorch_file, ns.rules, not ns.no_values, progress)
    if progress:
        print(file=sys.stderr)
    if ns.json:
        print(json.dumps(m.to_json(), indent=2, allow_nan=False))
        return EXIT_MAPS if m.ok else EXIT_DOES_NOT
    width = terminal_width()

    def say(text: str, indent: str = "") -> None:
        """A line fitted to the terminal, its continuation indented under it (names kept whole)."""
        if width is None:
            print(indent + text)
            return
        lines = textwrap.wrap(text, width - 1, initial_indent=indent, subsequent_indent=indent + "    ",
                              break_long_words=False, break_on_hyphens=False)  # fmt: skip
        print("\n".join(lines or [""]))

    for note in m.notes:
        say(note)
    transposed = sum(p.transposed for p in m.pairs)
    say(f"{len(m.pairs)} TF variables paired ({transposed} transposed); {len(m.skipped)} skipped "
        f"(optimizer slots, global_step)" + (f"; {len(m.buffers)} PyTorch buffers" if m.buffers else ""))  # fmt: skip
    if m.values_checked:
        proved = sum(p.by_value and p.status == "ok" for p in m.pairs)
        say(f"values: {proved} of {len(m.pairs)} pairs equal after their transform")
    for p in m.pairs if ns.pairs else m.failing:
        mark = "ok  " if p.status == "ok" else "FAIL"
        how = " (transposed)" if p.transposed else ""
        tied = f"; tied: {', '.join(p.tied)}" if p.tied else ""
        say(f"{mark} {p.tf} -> {p.torch}{how}{': ' + p.detail if p.detail else ''}{tied}")
    if m.tf_left:
        say(f"TF variables with no PyTorch tensor ({len(m.tf_left)}):")
        for x in m.tf_left:
            near = f"; nearest: {', '.join(x.nearest)}" if x.nearest else ""
            say(f"{x.name} {list(x.shape)} (rules give {x.expected or '-'}{near})", "  ")
    if m.torch_left:
        say(f"PyTorch tensors no TF variable feeds ({len(m.torch_left)}):")
        for x in m.torch_left:
            near = f"; nearest TF: {', '.join(x.nearest)}" if x.nearest else ""
            say(f"{x.name} {list(x.shape)}{near}", "  ")
    print("every model weight maps" if m.ok else "does not map: see above")
    return EXIT_MAPS if m.ok else EXIT_DOES_NOT
