"""Other ways to write a Chinese place: one-character abbreviations (``京`` = 北京, ``粤`` = 广东)
and Latin names (``Beijing``, ``Chaoyang District, Beijing``, ``Guangdong Shenzhen``), turned
into Chinese texts the region reader (``runtime.fields.regions``) resolves.

Latin names are matched by pinyin (pypinyin, imported on first use: its dictionaries are
large) of the division data's names, plus the names of ``data/china_place_names.json``. The
index is kept in a file beside the division data once built (1–2 s and ~55 MB of pypinyin in
every process before), stamped with what it was built from.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import threading
from collections.abc import Iterable
from functools import cache
from importlib.metadata import version
from itertools import islice, product
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data" / "china_place_names.json"
LATIN_WORD = re.compile(r"[a-z']+")
MAX_READINGS = 16  # combinations of homophones tried for one Latin text


@cache
def _data() -> dict:
    return json.loads(DATA.read_text(encoding="utf-8"))


def abbreviation(text: str) -> str | None:
    """The short name of the province a one-character abbreviation stands for."""
    return _data()["abbreviations"].get(text) if len(text) == 1 else None


def has_latin(text: str) -> bool:
    return any("a" <= c <= "z" for c in text.lower())


def _pinyin(name: str, chars: dict[str, list[str]]) -> set[str]:
    """The ways to write a name in pinyin: its usual reading, and for characters with several
    readings each of them (朝阳 is zhaoyang as a word, chaoyang as a place); ``chars`` keeps
    each character's readings once looked up."""
    from pypinyin import Style, lazy_pinyin, pinyin  # large: loaded when Latin is read

    readings = {"".join(lazy_pinyin(name)).lower()}
    for char in name:
        if char not in chars:
            chars[char] = pinyin(char, style=Style.NORMAL, heteronym=True)[0]
    for combo in islice(product(*(chars[c] for c in name)), MAX_READINGS):
        readings.add("".join(combo).lower())
    return readings


class LatinNames:
    """Pinyin (and Latin names) → the Chinese names they may stand for."""

    def __init__(self, names: Iterable[str], cache: Path | None = None):
        self._names = list(dict.fromkeys(names))
        self._index: dict[str, list[str]] | None = None  # reading -> names, sorted
        self._lock = threading.Lock()
        self._cache = cache  # where the built index is kept between processes

    @property
    def index(self) -> dict[str, list[str]]:
        if self._index is None:
            with self._lock:
                if self._index is None:
                    self._index = self._kept() or self._build()
        return self._index

    def stamp(self) -> str:
        """What the index is built from: the names, the Latin names' data, the pinyin."""
        digest = hashlib.sha256("\n".join(self._names).encode())
        digest.update(DATA.read_bytes())
        digest.update(f"{version('pypinyin')}/{MAX_READINGS}".encode())
        return digest.hexdigest()

    def _kept(self) -> dict[str, list[str]] | None:
        """The index kept in the cache file, when it was built from the same things."""
        if self._cache is None:
            return None
        stamp = self.stamp()
        try:
            kept = json.loads(self._cache.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            kept = None
        if isinstance(kept, dict) and kept.get("stamp") == stamp:
            return kept["index"]
        index = self._build()
        self._keep(stamp, index)
        return index

    def _keep(self, stamp: str, index: dict[str, list[str]]) -> None:
        """Write the cache file whole or not at all (a read-only install keeps it in memory)."""
        body = {"stamp": stamp, "index": dict(sorted(index.items()))}
        temporary = self._cache.with_name(f"{self._cache.name}.{os.getpid()}.tmp")
        try:
            temporary.write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")
            os.replace(temporary, self._cache)
        except OSError:
            temporary.unlink(missing_ok=True)

    def _build(self) -> dict[str, list[str]]:
        data = _data()
        index: dict[str, set[str]] = {}
        chars: dict[str, list[str]] = {}
        for name in self._names:
            for key in _pinyin(name, chars):
                if name not in data["latin_not"].get(key, []):
                    index.setdefault(key, set()).add(name)
        for key, name in data["latin"].items():
            index.setdefault(key, set()).add(name)
        return {key: sorted(names) for key, names in index.items()}

    def readings(self, text: str) -> list[list[str]]:
        """The Chinese texts ``text`` may stand for in its order, then reversed (``Chaoyang,
        Beijing`` → ``[[朝阳北京], [北京朝阳]]``); empty when a word is no place name we know."""
        words = [w.replace("'", "") for w in LATIN_WORD.findall(text.lower())]
        level = set(_data()["level_words"])
        parts = self._parts([w for w in words if w and w not in level])
        if not parts:
            return []
        return [["".join(combo) for combo in islice(
                    product(*(self.index[p] for p in order)), MAX_READINGS)]
                for order in (parts, parts[::-1])]

    def _parts(self, words: list[str]) -> list[str]:
        """The words joined into known names, longest first (``hong kong`` → ``hongkong``,
        ``guang dong`` → ``guangdong``); empty when some word fits no name."""
        parts, i = [], 0
        while i < len(words):
            for j in range(len(words), i, -1):
                joined = "".join(words[i:j])
                if joined in self.index:
                    parts.append(joined)
                    i = j
                    break
            else:
                return []
        return parts
