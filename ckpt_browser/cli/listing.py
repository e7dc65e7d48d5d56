"""`ls` of a checkpoint read into columns: the table and the JSON written in chunks as they are
made, never a line object per variable for the whole list (a million variables print in ~1 s)."""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from typing import TYPE_CHECKING

from ckpt_browser.api.browse import _ls_events
from ckpt_browser.cli.fit import fit_rows, wrap
from ckpt_browser.cli.output import finite_or_text, print_table
from ckpt_browser.core.base.errors import CheckpointError
from ckpt_browser.core.formats.variables import _ATTR_SUFFIX, KINDS, display_name, human_bytes

if TYPE_CHECKING:
    from ckpt_browser.core.model_dir.contents import ListedContents

CHUNK = 1 << 16  # variables per write
# What json.dumps would escape: anything but printable ASCII, '"' and '\\'. Written as the
# complement of the safe characters: the same set spelled as ranges up to U+10FFFF takes re 60 ms
# to compile, a tenth of the window's start.
_JSON_UNSAFE = re.compile(r"[^\n\x20\x21\x23-\x5b\x5d-\x7e]")  # \n: between names, never in one


def ls_in_columns(md, name: str, ns: argparse.Namespace, width: int | None) -> bool:
    """`ls` of the checkpoint name (the session's choice) when its reader read its index into
    columns, written as it is made; False (nothing printed) when it has none -- small indexes,
    model files -- or when the table is fitted to a terminal's width: then cli_ls prints the
    records."""
    # deferred: start-up: loads google.protobuf, google_crc32c (+50 modules)
    from ckpt_browser.core.model_dir.contents import read_listed

    if width is not None and not ns.json:
        return False
    try:
        chosen = md[name]
        listed = read_listed(chosen._info) if chosen._info.file_format.layout == "prefix" else None
    except CheckpointError:
        return False  # the records' path says what is wrong, as it always has
    if listed is None:
        return False
    events = _ls_events(md._core, md.listed(chosen), scalars=ns.json)  # the scalars only if printed
    if ns.json:
        record = {
            "model_dir": md.path,
            "latest": md._core.latest,
            "checkpoint": chosen.name,
            "checkpoints": [c.to_json() for c in md.listed(chosen)],
            "variables": [],
            "scalars": events.scalars_json(),
            "notes": md.notes + events.notes,
            "warning": listed.warning,
            "metadata": {},  # an index read in columns is a TF bundle's: it has none
        }
        json_document(finite_or_text(record), listed)
        return True
    print_ls(md._core, chosen._info, md.listed(chosen), None, events.notes, width)
    print()
    print(f"{chosen.name}: {len(listed.listing)} variables")
    if listed.warning:
        print(wrap(f"warning: {listed.warning}", width, "  "))
    print_variables(listed)
    print(wrap(listed.totals.summary(), width))
    return True


def _chunks(listed: ListedContents, text: bool = True):
    """(first row, names of the chunk joined by newlines as bytes -- or None when not text and
    every name of the chunk is ASCII, which the caller prints from the rows) in order."""
    # deferred: start-up: loads google_crc32c, numpy (+120 modules)
    from ckpt_browser.core.formats.listing import join_rows

    keys, lengths = listed.listing.name_bytes()
    for first in range(0, lengths.size, CHUNK):
        k, n = keys[first : first + CHUNK], lengths[first : first + CHUNK]
        yield first, join_rows(k, n, b"\n") if text or k.max() >= 0x80 else None


def print_variables(listed: ListedContents) -> None:
    """The variable table exactly as cli_output.print_table prints it, in chunks."""
    import numpy as np

    # deferred: start-up: loads google_crc32c, numpy (+120 modules)
    from ckpt_browser.core.formats.listing import char_lengths

    listing = listed.listing
    shapes = [str(list(shape)) for shape, _, _ in listing.heads]
    # Distinct values by bincount: np.unique imports numpy.ma (25 ms) to check for masks.
    used = np.flatnonzero(np.bincount(listing.head_of, minlength=len(listing.heads)))
    listing.check_names()
    chars = char_lengths(listing)
    width = max([len("variable"), int(chars.max()) if chars.size else 0])
    w_shape = max([len("shape")] + [len(shapes[h]) for h in used.tolist()])
    w_dtype = max([len("dtype")] + [len(listing.heads[h][2]) for h in used.tolist()])
    fmt = f"{{:<{width}}}  {{:<{w_shape}}}  {{:<{w_dtype}}}  {{}}"
    out = sys.stdout
    out.write(fmt.format("variable", "shape", "dtype", "kind").rstrip() + "\n")
    # Everything after the name depends only on (head, kind): a few distinct tails.
    tails = {}
    combos = listing.head_of * len(KINDS) + listed.kinds
    for c in np.flatnonzero(np.bincount(combos)).tolist() if len(listing) else []:
        h, k = divmod(c, len(KINDS))
        tails[c] = fmt.format("", shapes[h], listing.heads[h][2], KINDS[k])[width:].rstrip() + "\n"
    keys, lengths = listing.name_bytes()
    out.flush()
    for first, text in _chunks(listed, text=False):
        rows = slice(first, first + CHUNK)
        combo = combos[rows]
        if text is None:
            out.buffer.write(_ascii_lines(keys[rows], lengths[rows], combo, tails, width))
        else:
            names = text.decode().split("\n")
            out.write("".join(n.ljust(width) + tails[c] for n, c in zip(names, combo.tolist())))
            out.flush()


def _ascii_lines(keys, lengths, combo, tails: dict[int, str], width: int) -> bytes:
    """Lines of one chunk, built as a byte matrix: names padded to width, then their tails."""
    import numpy as np

    codes = sorted(tails)
    longest = max(len(tails[c]) for c in codes)
    table = np.full((len(codes), longest), 0, np.uint8)
    for i, c in enumerate(codes):
        table[i, : len(tails[c])] = np.frombuffer(tails[c].encode(), np.uint8)
    tail_len = np.array([len(tails[c]) for c in codes])
    which = np.searchsorted(np.array(codes), combo)
    m = keys.shape[0]
    lines = np.empty((m, width + longest), np.uint8)
    cols = min(keys.shape[1], width)  # the key matrix's spare zero columns are past every name
    lines[:, :cols] = np.where(np.arange(cols)[None, :] < lengths[:, None], keys[:, :cols], 32)
    lines[:, cols:width] = 32
    lines[:, width:] = table[which]
    lens = tail_len[which]
    if m and lens.min() == lens.max():  # lines of one length: no gaps to cut out
        return lines[:, : width + int(lens[0])].tobytes()
    keep = np.arange(width + longest)[None, :] < (width + tail_len[which])[:, None]
    return lines[keep].tobytes()


def json_document(doc: dict, listed: ListedContents) -> None:
    """json.dumps(doc, indent=2) with doc["variables"] the listing's records, written in chunks."""

    mark = "\x00variables\x00"
    head, tail = json.dumps({**doc, "variables": mark}, indent=2).split(json.dumps(mark), 1)
    out = sys.stdout
    listing = listed.listing
    if not len(listing):
        out.write(head + "[]" + tail + "\n")
        return
    out.write(head + "[\n")
    templates: dict[tuple[int, bool], tuple[str, ...]] = {}

    def around(c: int, with_path: bool = False) -> tuple[str, ...]:
        """The item of a (head, kind) combination around its name (and path): made once each."""
        known = templates.get((c, with_path))
        if known is None:
            h, k = divmod(c, len(KINDS))
            shape, _, dtype = listing.heads[h]
            item = {"name": mark, **({"path": mark} if with_path else {})}
            one = json.dumps([{**item, "shape": list(shape), "dtype": dtype, "kind": KINDS[k]}], indent=2)
            body = "\n".join("  " + line for line in one[2:-2].split("\n"))  # the item, indented 4
            known = templates[(c, with_path)] = tuple(body.split(json.dumps(mark)))
        return known

    combos = listing.head_of * len(KINDS) + listed.kinds
    # A path only where it differs from the name (TF2 names, less /.ATTRIBUTES/VARIABLE_VALUE), as
    # VariableInfo.to_json gives it: a name-based checkpoint's million lines stay as they were.
    suffixed = listing.has(_ATTR_SUFFIX.encode())
    listing.check_names()
    sep = ""
    for first, raw in _chunks(listed):
        text = raw.decode()
        names = text.split("\n")
        safe = not _JSON_UNSAFE.search(text)  # no name of the chunk needs escaping
        combo = combos[first : first + CHUNK]
        if safe and not suffixed and (combo == combo[0]).all():  # the usual chunk: one join
            before, after = around(int(combo[0]))
            out.write(f'{sep}{before}"' + f'"{after},\n{before}"'.join(names) + f'"{after}')
            sep = ",\n"
            continue
        if safe and not suffixed:  # kinds mixed (a model's variables and their slots): a few templates
            codes = combo.tolist()
            ends = {c: (f'{around(c)[0]}"', f'"{around(c)[1]}') for c in set(codes)}
            out.write(sep + ",\n".join([f"{ends[c][0]}{name}{ends[c][1]}" for name, c in zip(names, codes)]))
            sep = ",\n"
            continue
        parts = []
        for name, c in zip(names, combo.tolist()):
            path = display_name(name) if suffixed else name
            if path is name or path == name:
                before, after = around(c)
                parts.append(f'{sep}{before}"{name}"{after}' if safe else f"{sep}{before}{json.dumps(name)}{after}")
            else:
                before, middle, after = around(c, True)
                if safe:
                    parts.append(f'{sep}{before}"{name}"{middle}"{path}"{after}')
                else:
                    parts.append(f"{sep}{before}{json.dumps(name)}{middle}{json.dumps(path)}{after}")
            sep = ",\n"
        out.write("".join(parts))
    out.write("\n  ]" + tail + "\n")


def _when(stamp: float | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(stamp)) if stamp else ""


def print_ls(md, info, listed, contents, event_notes: list[str], width: int | None) -> None:
    # deferred: start-up: loads google.protobuf, google_crc32c, numpy (+145 modules)
    from ckpt_browser.core.model_dir.timeline import times_from

    print(f"{md.path}")
    for note in md.notes + ([md.state_error] if md.state_error else []) + event_notes:
        print(wrap(f"note: {note}", width, "  "))
    # Shards and meta only where a listed checkpoint's format has them (not a .safetensors, a
    # model.json, an Orbax step); model files have no steps or flags either.
    shards = any(c.shards_cell() for c in listed)
    meta = any(c.meta_cell() for c in listed)
    if all(c.file_format.one_file for c in listed):
        rows = [("", "file", "saved", "size") + (("shards",) if shards else ())]
        rows += [
            ("*" if c.name == info.name else "", c.name, _when(c.timestamp), human_bytes(c.bytes))
            + ((c.shards_cell(),) if shards else ())
            for c in listed
        ]
        print_table(fit_rows(rows, width, column=1))
    else:
        extra = (("shards",) if shards else ()) + (("meta",) if meta else ())
        rows = [("", "checkpoint", "step", "saved", "size", *extra, "flags")]
        for c in listed:
            rows.append(
                ("*" if c.name == info.name else "", c.name, "" if c.step is None else str(c.step),
                 _when(c.timestamp), human_bytes(c.bytes))
                + ((c.shards_cell(),) if shards else ()) + ((c.meta_cell(),) if meta else ())
                + (", ".join(c.flags(md.has_state) + ([c.problem] if c.problem and c.on_disk and not c.being_written
                                                      else [])),)  # its flag says it
            )  # fmt: skip
        print_table(fit_rows(rows, width, column=1))
        source = times_from(md)
        if source:
            print(wrap(f"saved: from {source}", width, "  "))
    if contents is None:
        return
    print()
    print(f"{info.name}: {len(contents.variables)} variables")
    if contents.warning:
        print(wrap(f"warning: {contents.warning}", width, "  "))
    if contents.metadata:
        print(wrap("metadata: " + ", ".join(f"{k}={v}" for k, v in contents.metadata.items()), width, "  "))
    shapes: dict[tuple[int, ...], str] = {}  # few distinct shapes; 100,000 variables
    rows = [("variable", "shape", "dtype", "kind")]
    variables = contents.variables
    # Named by the object graph (a Keras 3 model's tf.train.Checkpoint): its paths, then the keys.
    renamed = any(v.aliases for v in variables[:1000]) or any(v.aliases for v in variables)
    if renamed:
        rows = [("variable", "shape", "dtype", "kind", "stored as")]
        variables = sorted(variables, key=lambda v: v.display_name)
    for v in variables:
        text = shapes.get(v.shape)
        if text is None:
            text = shapes[v.shape] = str(list(v.shape))
        dtype = f"{v.dtype_text}, {human_bytes(v.nbytes)}" if v.stored else v.dtype  # stored bytes, quantized
        if renamed:
            kind = f"slot of {v.slot_of}" if v.kind == "optimizer" and v.slot_of else v.kind
            rows.append((v.display_name, text, dtype, kind, v.name))
        else:
            rows.append((v.name, text, dtype, v.kind))
    dropped = False
    if renamed and width is not None and fit_rows(rows, width) != fit_rows(rows, None):
        # Too wide for the terminal: the stored keys go (--wide and --json have them), then the
        # slots' owners give way before the names.
        rows, dropped = [r[:4] for r in rows], True
        rows = fit_rows(rows, width, column=3)
    print_table(fit_rows(rows, width))
    if dropped:
        print(wrap("(the keys each is stored as: with --wide or --json)", width))
    print(wrap(contents.totals.summary(), width))
