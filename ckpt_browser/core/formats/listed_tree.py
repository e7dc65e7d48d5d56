"""A big checkpoint's variables and their scope tree over its columnar listing (formats/listing.py):
a record (VariableInfo) or a tree node is made only for what is shown or asked for.

The window's list of a million variables is then a few arrays, not a million records and a
million tree nodes (seconds to make, most of a gigabyte, and seconds again to free). Names are
sorted bytes in the index, so everything under a scope is one run of rows: a node is a range of
rows, and its children are found with numpy over that range when it is first expanded.
"""

from __future__ import annotations

import bisect
import re
import weakref
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, overload

import numpy as np

from ckpt_browser.core.formats.listing import Listing
from ckpt_browser.core.formats.variables import (
    KINDS,
    OBJECT_GRAPH_KIND,
    OPTIMIZER,
    FilteredTree,
    VariableFilter,
    VariableInfo,
)

_SLASH = ord("/")


class ListedVariables(Sequence[VariableInfo]):
    """The variables of a listing (or a filter's subset of them, in key order) as a sequence of
    VariableInfo made on access. Stored names are display names here (read_contents takes this
    path only when no name has a TF2 suffix)."""

    def __init__(self, listing: Listing, kinds: np.ndarray, slots: Mapping[int, str], ids: np.ndarray | None = None):
        self.listing, self.kinds, self.slots = listing, kinds, slots
        keys, lengths = listing.name_bytes()
        self.ids = ids  # positions in the whole listing, ascending; None: all of them
        self.keys = keys if ids is None else keys[ids]
        self.lengths = lengths if ids is None else lengths[ids]
        self._by_slot: dict[str, list[int]] | None = None

    def __len__(self) -> int:
        return int(self.lengths.size)

    def full_id(self, i: int) -> int:
        return i if self.ids is None else int(self.ids[i])

    def name(self, i: int) -> str:
        return self.keys[i, : self.lengths[i]].tobytes().decode()

    def info(self, k: int) -> VariableInfo:
        """The record of the whole listing's variable k."""
        keys, lengths = self.listing.name_bytes()
        name = keys[k, : lengths[k]].tobytes().decode()
        shape, _, dtype = self.listing.heads[int(self.listing.head_of[k])]
        return VariableInfo(name, shape, dtype, KINDS[int(self.kinds[k])], name, self.slots.get(k))

    @overload
    def __getitem__(self, i: int) -> VariableInfo: ...
    @overload
    def __getitem__(self, i: slice) -> list[VariableInfo]: ...
    def __getitem__(self, i: Any) -> Any:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError(i)
        return self.info(self.full_id(i))

    def __iter__(self) -> Iterator[VariableInfo]:
        return (self[i] for i in range(len(self)))

    def position(self, name: str) -> int | None:
        """Where the variable of this name is in this sequence (a binary search), or None."""
        key = name.encode()
        i = bisect.bisect_left(range(len(self)), key, key=self._key)
        return i if i < len(self) and self._key(i) == key else None

    def _key(self, i: int) -> bytes:
        return self.keys[i, : self.lengths[i]].tobytes()

    def find(self, name: str) -> VariableInfo | None:
        i = self.position(name)
        return None if i is None else self[i]

    def slots_of(self, display: str) -> list[VariableInfo]:
        """The slots and shadows of a variable (of the whole listing: they are few)."""
        if self._by_slot is None:
            by: dict[str, list[int]] = {}
            for k, of in self.slots.items():
                by.setdefault(of, []).append(k)
            self._by_slot = by
        return [self.info(k) for k in sorted(self._by_slot.get(display, ()))]

    def params(self) -> np.ndarray:
        """Elements of each variable of this sequence."""
        per = self.listing.params_per_row()
        return per if self.ids is None else per[self.ids]

    def accepted(self, flt: VariableFilter) -> np.ndarray:
        """flt's verdict on each variable, as a bool array (what VariableFilter.compile's
        predicate says of each record, without making the records)."""

        kinds = self.kinds if self.ids is None else self.kinds[self.ids]
        keep = np.ones(len(self), bool)
        if not flt.show_object_graph:
            keep &= kinds != KINDS.index(OBJECT_GRAPH_KIND)
        if flt.hide_optimizer:
            keep &= kinds != KINDS.index(OPTIMIZER)
        text = flt.text.strip()
        if text:
            every = self.listing.names()  # one split of the joined names: faster than a decode per row
            mine = np.flatnonzero(keep) if self.ids is None else self.ids[keep]
            names = [every[k] for k in mine.tolist()]
            if flt.regex:
                search = re.compile(text, re.IGNORECASE).search
                hits = [search(n) is not None for n in names]
            else:
                needle = text.lower()
                hits = [needle in n.lower() for n in names]
            keep[np.flatnonzero(keep)] = np.array(hits, bool)
        return keep

    def subset(self, keep: np.ndarray) -> ListedVariables:
        if keep.all():
            return self  # no copy of a million names for the unfiltered list
        mine = np.flatnonzero(keep)
        ids = mine if self.ids is None else self.ids[mine]
        return ListedVariables(self.listing, self.kinds, self.slots, ids)

    def same_as(self, other: object) -> bool:
        if not isinstance(other, ListedVariables) or other.listing is not self.listing:
            return False
        if self.ids is None or other.ids is None:
            return len(self) == len(other)
        return bool(np.array_equal(self.ids, other.ids))

    def filtered(self, flt: VariableFilter, known: FilteredTree | None = None) -> FilteredTree:
        """What formats.variables.filtered_tree gives for a list of records."""
        shown = self.subset(self.accepted(flt))
        if known is not None and shown.same_as(known.shown):
            return FilteredTree(flt, known.shown, known.root)
        return FilteredTree(flt, shown, listed_tree(shown))


class _Tree:
    """What every node of one tree shares: the names of its variables and their sizes."""

    def __init__(self, variables: ListedVariables) -> None:
        self.variables = variables
        self.keys, self.lengths = variables.keys, variables.lengths.astype(np.int64)
        params = variables.params()
        self.cum = np.concatenate([np.zeros(1, params.dtype), np.cumsum(params)])

    def key(self, i: int) -> bytes:
        return self.keys[i, : self.lengths[i]].tobytes()

    def params(self, lo: int, hi: int) -> int:
        return int(self.cum[hi] - self.cum[lo])


class ListedNode:
    """A scope or a variable of the tree, as formats.variables.ScopeNode (the same attributes the
    window's item model reads): rows [lo, hi) are the variables under it (names that start with
    its path and "/"), leaf the variable it is itself, if any."""

    __slots__ = ("name", "path", "_parent", "row", "_tree", "lo", "hi", "depth", "leaf", "_children", "_variable",
                 "params", "__weakref__")  # fmt: skip

    def __init__(self, tree: _Tree, name: str, path: str, parent: ListedNode | None, row: int,
                 lo: int, hi: int, depth: int, leaf: int) -> None:  # fmt: skip
        self._tree = tree
        self.name, self.path, self.row = name, path, row
        self._parent = weakref.ref(parent) if parent is not None else None  # no cycles: see ScopeNode
        self.lo, self.hi, self.depth, self.leaf = lo, hi, depth, leaf
        self._children: _Children | None = None
        self._variable: VariableInfo | None = None
        self.params = tree.params(lo, hi) + (tree.params(leaf, leaf + 1) if leaf >= 0 else 0)

    @property
    def parent(self) -> ListedNode | None:
        return self._parent() if self._parent is not None else None

    @property
    def variable(self) -> VariableInfo | None:
        if self._variable is None and self.leaf >= 0:
            self._variable = self._tree.variables[self.leaf]
        return self._variable

    @property
    def children(self) -> _Children:
        if self._children is None:
            self._children = _Children(self)
        return self._children

    def __repr__(self) -> str:
        return f"ListedNode({self.path!r}, rows {self.lo}:{self.hi})"

    def find(self, display: str) -> ListedNode | None:
        """The node of this display name under this one (the root: the whole path)."""
        tree = self._tree
        key = display.encode()
        n = len(tree.variables)
        pos = bisect.bisect_left(range(n), key, key=tree.key)
        if not (pos < n and tree.key(pos) == key):  # not a variable: a scope has rows under it
            pos = bisect.bisect_left(range(n), key + b"/", key=tree.key)
            if not (pos < n and tree.key(pos).startswith(key + b"/")):
                return None
        node: ListedNode | None = self
        while node is not None and node.depth != len(key) + 1:  # down to the node whose name ends there
            node = node.children.holding(pos)
        return node


class _Children(Sequence[ListedNode]):
    """A node's children, worked out with numpy over its rows; a node object is made for a child
    when Qt asks for it."""

    def __init__(self, node: ListedNode) -> None:
        self._node = node
        self._made: dict[int, ListedNode] = {}
        tree, p, lo, hi = node._tree, node.depth, node.lo, node.hi
        if hi <= lo:
            self._starts = np.zeros(0, np.int64)
            self.first, self.sub_lo, self.sub_hi, self.leaf, self.end = (np.zeros(0, np.int64),) * 5
            self._run_starts, self._run_child = np.zeros(0, np.int64), np.zeros(0, np.int64)
            return
        sub, lengths = tree.keys[lo:hi], tree.lengths[lo:hi]
        # Where the next name part ends: the first "/" from p on, else the name's end. Column by
        # column, only as far as some name still has no "/" (parts are short; names are not).
        end, scoped = lengths.copy(), np.zeros(hi - lo, bool)
        for j in range(p, sub.shape[1]):
            hit = sub[:, j] == _SLASH
            hit &= ~scoped
            end[hit] = j
            scoped |= hit
            if not np.any(~scoped & (lengths > j + 1)):
                break
        new = np.ones(hi - lo, bool)
        if hi - lo > 1 and scoped.any():  # rows of one scope run on: they agree through the "/" after the part
            k = int(end[scoped].max()) + 1
            differ = sub[1:, :k] != sub[:-1, :k]
            first_diff = np.where(differ.any(axis=1), differ.argmax(axis=1), k)
            new[1:] = ~(scoped[1:] & scoped[:-1] & (end[1:] == end[:-1]) & (first_diff > end[1:]))
        starts = np.flatnonzero(new)
        stops = np.append(starts[1:], hi - lo)
        run_scoped, run_end = scoped[starts], end[starts]
        # Each run is a child: a variable (one row) or a scope (rows under it). A variable that
        # is also a scope (TF1 slots live under their variable's name: bias, bias/Adagrad) is one
        # child: its scope run joins the variable's row, which sorts before it.
        child = np.arange(starts.size)
        leaf = np.where(run_scoped, -1, lo + starts)
        sub_lo = np.where(run_scoped, lo + starts, 0)
        sub_hi = np.where(run_scoped, lo + stops, 0)
        keep = np.ones(starts.size, bool)
        if (~run_scoped).any():
            for r in np.flatnonzero(run_scoped).tolist():
                name = tree.key(lo + int(starts[r]))[: int(run_end[r])]
                at = bisect.bisect_left(range(lo, lo + int(starts[r])), name, key=tree.key)
                row = lo + at
                if row < lo + int(starts[r]) and tree.key(row) == name:
                    mine = int(np.searchsorted(starts, row - lo))
                    sub_lo[mine], sub_hi[mine] = sub_lo[r], sub_hi[r]
                    keep[r] = False
                    child[r] = mine
        order = np.cumsum(keep) - 1  # a run's child, among the children kept
        self._run_starts = lo + starts
        self._run_child = order[child]
        self.leaf, self.sub_lo, self.sub_hi = leaf[keep], sub_lo[keep], sub_hi[keep]
        self.end = run_end[keep]
        self.first = (lo + starts)[keep]

    def __len__(self) -> int:
        return int(self.first.size)

    @overload
    def __getitem__(self, i: int) -> ListedNode: ...
    @overload
    def __getitem__(self, i: slice) -> list[ListedNode]: ...
    def __getitem__(self, i: Any) -> Any:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        if i < 0:
            i += len(self)
        node = self._made.get(i)
        if node is None:
            if not 0 <= i < len(self):
                raise IndexError(i)
            parent, tree = self._node, self._node._tree
            end = int(self.end[i])
            name = tree.key(int(self.first[i]))[parent.depth : end].decode()
            path = f"{parent.path}/{name}" if parent.path else name
            node = ListedNode(tree, name, path, parent, i, int(self.sub_lo[i]), int(self.sub_hi[i]), end + 1,
                              int(self.leaf[i]))  # fmt: skip
            self._made[i] = node
        return node

    def holding(self, pos: int) -> ListedNode | None:
        """The child the row pos is (or is under)."""
        r = int(np.searchsorted(self._run_starts, pos, "right")) - 1
        return self[int(self._run_child[r])] if r >= 0 else None


def listed_tree(variables: ListedVariables) -> ListedNode:
    """The scope tree of these variables (its top level worked out now: the window shows it)."""
    tree = _Tree(variables)
    root = ListedNode(tree, "", "", None, 0, 0, len(variables), 0, -1)
    len(root.children)
    return root
