"""A registry of small types keyed by a class attribute; duplicate or unknown keys fail loudly."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Generic, TypeVar

T = TypeVar("T")


class Registry(Generic[T]):
    """Instances of small type classes, one per key, built from an explicit tuple."""

    def __init__(self, name: str, types: Iterable[type[T]], key_attr: str = "type"):
        self.name = name
        self._key_attr = key_attr
        self._items: dict[str, T] = {}
        for cls in types:
            key = getattr(cls, key_attr, None)
            if not isinstance(key, str) or not key:
                raise ValueError(f"{name} registry: {cls.__name__} has no {key_attr!r}")
            if key in self._items:
                raise ValueError(f"{name} registry: duplicate key {key!r} ({cls.__name__})")
            self._items[key] = cls()

    def __getitem__(self, key: str) -> T:
        try:
            return self._items[key]
        except KeyError:
            raise KeyError(f"unknown {self.name} {key!r}") from None

    def get(self, key: str) -> T | None:
        return self._items.get(key)

    def __contains__(self, key: object) -> bool:
        return key in self._items

    def __iter__(self) -> Iterator[T]:
        return iter(self._items.values())

    def keys(self) -> list[str]:
        return list(self._items)

    def __len__(self) -> int:
        return len(self._items)
