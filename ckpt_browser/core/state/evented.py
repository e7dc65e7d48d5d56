"""A small Qt-free event system for the app state (napari's EventedModel, without pydantic).

An ``Evented`` class declares its fields with ``Field``; each field gets an emitter of the same
name in ``obj.events``, and the class may name more events (``EVENTS``) for changes that are not
one field (a source opened, a background result arrived). A field is read like an attribute and
changed only by the class's own methods through ``_set``, which emits when the value differs:
assigning a field from outside raises, so nothing can change without its event.

    state.events.checkpoint.connect(lambda event: print(event.value))
    state.events.connect(lambda event: print(event.type))  # every event

Inside ``with obj.events.batch():`` events wait and are emitted when the outermost batch ends, in
the order they happened -- a field's once, where it last changed, with its last value; other
events each time: listeners never see a half-made change (a new source without its selection).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, overload

T = TypeVar("T")


@dataclass(frozen=True)
class Event:
    type: str  # the emitter's name: "checkpoint", "filter", "opened", ...
    value: Any  # the field's new value, or what the event is about (a path, a name)
    source: Any  # the object that emitted


Callback = Callable[[Event], object]


def _disconnecter(callbacks: list[Callback], callback: Callback) -> Callable[[], None]:
    def disconnect() -> None:
        if callback in callbacks:
            callbacks.remove(callback)

    return disconnect


class EventEmitter:
    """One named event: ``connect(callback)`` returns the function that disconnects it."""

    def __init__(self, group: EmitterGroup, name: str) -> None:
        self._group = group
        self.name = name
        self.callbacks: list[Callback] = []

    def connect(self, callback: Callback) -> Callable[[], None]:
        self.callbacks.append(callback)
        return _disconnecter(self.callbacks, callback)

    def __call__(self, value: Any = None) -> None:
        self._group._emit(self.name, value)


class EmitterGroup:
    """The emitters of one object by name (``events.checkpoint``), and listeners of them all."""

    def __init__(self, source: Any, names: tuple[str, ...], fields: tuple[str, ...] = ()) -> None:
        self._source = source
        self._emitters = {name: EventEmitter(self, name) for name in names}
        self._fields = set(fields)  # a field's events coalesce in a batch: only its last value matters
        self.callbacks: list[Callback] = []  # hear every event
        self._depth = 0
        self._queued: list[tuple[str, Any]] = []

    def __getattr__(self, name: str) -> EventEmitter:
        try:
            return self.__dict__["_emitters"][name]
        except KeyError:
            raise AttributeError(f"no event {name!r}") from None

    def __contains__(self, name: str) -> bool:
        return name in self._emitters

    def names(self) -> tuple[str, ...]:
        return tuple(self._emitters)

    def connect(self, callback: Callback) -> Callable[[], None]:
        self.callbacks.append(callback)
        return _disconnecter(self.callbacks, callback)

    @contextmanager
    def batch(self) -> Iterator[None]:
        self._depth += 1
        try:
            yield
        finally:
            self._depth -= 1
            if self._depth == 0:
                queued, self._queued = self._queued, []
                for name, value in queued:
                    self._emit(name, value)

    def _emit(self, name: str, value: Any) -> None:
        if self._depth:
            if name in self._fields:  # changed again: it goes where it last changed
                self._queued = [q for q in self._queued if q[0] != name]
            self._queued.append((name, value))
            return
        event = Event(name, value, self._source)
        for callback in [*self._emitters[name].callbacks, *self.callbacks]:
            callback(event)


class Field(Generic[T]):
    """A field of an Evented class: read as an attribute, changed through ``_set`` (which emits)."""

    def __init__(self, default: T, same: Callable[[Any, Any], bool] | None = None) -> None:
        self.default = default
        self.same = same or (lambda a, b: bool(a == b))  # operator.is_ for big values (a listing)
        self.name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, obj: None, owner: type) -> Field[T]: ...
    @overload
    def __get__(self, obj: object, owner: type) -> T: ...
    def __get__(self, obj: object | None, owner: type) -> T | Field[T]:
        if obj is None:
            return self
        value: T = obj.__dict__.get(self.name, self.default)
        return value

    def __set__(self, obj: object, value: T) -> None:
        raise AttributeError(
            f"{type(obj).__name__}.{self.name} changes through {type(obj).__name__}'s methods, which notify"
        )


class Evented:
    """A base for objects whose every change emits a named event (see the module's docstring)."""

    EVENTS: tuple[str, ...] = ()  # events that are not a field's

    def __init__(self) -> None:
        fields = tuple(n for k in type(self).__mro__ for n, v in vars(k).items() if isinstance(v, Field))
        object.__setattr__(self, "events", EmitterGroup(self, fields + type(self).EVENTS, fields))

    events: EmitterGroup

    def __setattr__(self, name: str, value: Any) -> None:
        if not name.startswith("_") and not isinstance(getattr(type(self), name, None), Field):
            raise AttributeError(f"{type(self).__name__} has no field {name!r} to set")
        super().__setattr__(name, value)  # a Field raises: see Field.__set__

    def _set(self, name: str, value: Any) -> bool:
        """Change a field; emits its event when the value differs. True if it changed."""
        field = getattr(type(self), name)
        if field.same(self.__dict__.get(name, field.default), value):
            return False
        self.__dict__[name] = value
        self.events._emit(name, value)
        return True
