"""The app state's event system (core/state/evented.py): a field changes only through its owner,
emits only when its value differs, and a batch delivers a whole change at once."""

from __future__ import annotations

from operator import is_

import pytest

from ckpt_browser.core.state.evented import Evented, Field


class Box(Evented):
    EVENTS = ("said",)
    size: Field[int] = Field(0)
    colour: Field[str] = Field("red")
    data: Field[list | None] = Field(None, same=is_)

    def resize(self, size: int) -> bool:
        return self._set("size", size)

    def paint(self, colour: str) -> None:
        self._set("colour", colour)

    def load(self, data: list) -> None:
        self._set("data", data)


def record(box: Box) -> list[tuple[str, object]]:
    heard: list[tuple[str, object]] = []
    box.events.connect(lambda e: heard.append((e.type, e.value)))
    return heard


def test_a_field_is_read_as_an_attribute_and_set_only_by_its_owner():
    box = Box()
    assert (box.size, box.colour) == (0, "red")
    with pytest.raises(AttributeError, match="methods"):
        box.size = 3  # type: ignore[misc]
    with pytest.raises(AttributeError, match="no field"):
        box.sise = 3
    assert box.size == 0 and box.events.names() == ("size", "colour", "data", "said")


def test_a_change_emits_once_and_no_change_emits_nothing():
    box = Box()
    heard = record(box)
    sizes: list[int] = []
    disconnect = box.events.size.connect(lambda e: sizes.append(e.value))
    assert box.resize(2) and not box.resize(2)
    box.paint("red")  # its default: no change
    assert heard == [("size", 2)] and sizes == [2]
    disconnect()
    box.resize(5)
    assert sizes == [2] and heard[-1] == ("size", 5)


def test_a_field_compared_by_identity_emits_for_an_equal_new_object():
    box = Box()
    heard = record(box)
    first = [1, 2]
    box.load(first)
    box.load(first)
    box.load([1, 2])  # equal, but another list: news (a re-read listing)
    assert [t for t, _ in heard] == ["data", "data"]


def test_a_batch_delivers_when_it_ends_a_field_once_other_events_each_time():
    box = Box()
    heard = record(box)
    seen_inside: list[tuple[int, str]] = []
    box.events.size.connect(lambda e: seen_inside.append((box.size, box.colour)))
    with box.events.batch():
        box.resize(1)
        box.paint("blue")
        box.events.said("one")
        with box.events.batch():  # nested: still waiting
            box.resize(2)
            box.events.said("two")
        assert heard == []
    # size moved to where it last changed, with its last value; both "said" kept, in order
    assert heard == [("colour", "blue"), ("said", "one"), ("size", 2), ("said", "two")]
    assert seen_inside == [(2, "blue")]  # a listener sees the whole change, never half of it
