"""China's provinces, cities and districts, read from the ``china-division`` data file.

The file (``pca-code.json``: a tree of ``{"code", "name", "children"}``) is vendored by
``make vendor``; it is read on first use, once per path. Names are canonicalised: short names
(``广东``, ``深圳``, ``南山``) find the full ones, and the placeholder city levels of the data
(``市辖区``/``县`` under a municipality, ``省直辖县级行政区划``) are replaced by what people write:
Beijing's districts sit in the city ``北京市``, and a county-level city such as ``仙桃市`` is a city
of its province with no districts.
"""

from __future__ import annotations

import json
import re
import threading
import unicodedata
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from metadata.messages import alternatives, msg, quoted
from runtime.cleaning.place_names import LatinNames, abbreviation, has_latin
from runtime.fields.base import FieldValueError

DEFAULT_PATH = (Path(__file__).resolve().parents[2] / "static" / "vendor" / "china-division"
                / "pca-code.json")
MISSING = msg("region data not installed: run make vendor")


class RegionDataError(FieldValueError):
    """The region data cannot be read: no value is to blame (nor kept for it)."""
MUNICIPAL_PLACEHOLDERS = frozenset({"市辖区", "县"})
# suffixes of administrative names, longest first; a short name is what is left (2+ characters)
SUFFIXES = ("特别行政区", "自治区", "自治州", "自治县", "自治旗", "新区", "林区", "地区", "省",
            "市", "盟", "区", "县", "旗")
ETHNIC_GROUPS = (
    "蒙古 回 藏 维吾尔 苗 彝 壮 布依 朝鲜 满 侗 瑶 白 土家 哈尼 哈萨克 傣 黎 傈僳 佤 "
    "畲 高山 拉祜 水 东乡 纳西 景颇 柯尔克孜 土 达斡尔 仫佬 羌 布朗 撒拉 毛南 仡佬 "
    "锡伯 阿昌 普米 塔吉克 怒 乌孜别克 俄罗斯 鄂温克 德昂 保安 裕固 京 塔塔尔 独龙 "
    "鄂伦春 赫哲 门巴 珞巴 基诺 各"
).split()
# a group name ends an autonomous area's stem: one-character names only with 族 (回族, 藏族)
ETHNIC_END = re.compile("(?:" + "|".join(
    sorted((f"{g}族?" if len(g) > 1 else f"{g}族" for g in ETHNIC_GROUPS), key=len,
           reverse=True)) + ")$")
SEPARATORS = re.compile(r"[\s,，、/\\|>·\-—_]+")
COUNTRY_PREFIXES = ("中华人民共和国", "中国")


def short_name(name: str) -> str | None:
    """The name without its suffix: ``广东省`` → ``广东``, ``黔东南苗族侗族自治州`` → ``黔东南``.

    None when nothing of two or more characters is left.
    """
    for suffix in SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            stem = name[: -len(suffix)]
            if suffix.startswith("自治"):
                while (match := ETHNIC_END.search(stem)) and match.start() >= 2:
                    stem = stem[: match.start()]
                if (match := ETHNIC_END.search(stem)) and match.start() == 0:
                    return None  # nothing but group names: 东乡族自治县
            return stem if len(stem) >= 2 else None
    return None


@dataclass(frozen=True)
class Place:
    """A province, city or district: its canonical name and the names that find it."""

    name: str
    aliases: tuple[str, ...]
    children: tuple[Place, ...] = ()
    implicit: bool = False  # a municipality's own city level, which people leave out
    code: str = ""  # the six-digit administrative code (GB/T 2260): 440000, 440300, 440305

    def child(self, name: str | None) -> Place | None:
        for place in self.children:
            if name == place.name:
                return place
        for place in self.children:
            if name in place.aliases:
                return place
        return None


def _place(name: str, children: tuple[Place, ...] = (), extra: tuple[str, ...] = (),
           implicit: bool = False, code: str = "") -> Place:
    aliases = [name, *extra]
    short = short_name(name)
    if short:
        aliases.append(short)
    # longest first, so "北京市" is tried before "北京" when reading a written address
    return Place(name, tuple(sorted(set(aliases), key=len, reverse=True)), children, implicit,
                 str(code).ljust(6, "0")[:6] if code else "")


def _build(raw: list[dict]) -> tuple[Place, ...]:
    provinces = []
    for prov in raw:
        cities: list[Place] = []
        municipal: list[Place] = []
        placeholders: list[dict] = []
        for city in prov.get("children", []):
            districts = tuple(_place(d["name"], code=d.get("code", ""))
                              for d in city.get("children", []))
            if city["name"] in MUNICIPAL_PLACEHOLDERS:
                municipal.extend(districts)
                placeholders.append(city)
            elif "直辖县级行政区划" in city["name"]:
                cities.extend(districts)  # county-level cities ruled by the province itself
            else:
                cities.append(_place(city["name"], districts, code=city.get("code", "")))
        if municipal:
            cities.insert(0, _place(prov["name"], tuple(municipal),
                                    tuple(c["name"] for c in placeholders), implicit=True,
                                    code=placeholders[0].get("code", "")))
        provinces.append(_place(prov["name"], tuple(cities), code=prov.get("code", "")))
    return tuple(provinces)


@dataclass(order=True, frozen=True)
class _Reading:
    """One way to read a written place; lower sorts first (is the better reading)."""

    skipped: int  # levels left out of the text (province, or a non-implicit city)
    short: int  # parts found by a short name rather than the full one
    names: tuple[str, str | None, str | None] = field(compare=False)


class RegionData:
    """The province → city → district tree of one data file, loaded on first use."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._tree: tuple[Place, ...] | None = None
        self._lock = threading.Lock()
        self._cache: dict[str, tuple[str, str | None, str | None]] = {}
        self._codes: dict[tuple[str, str | None, str | None], str] | None = None
        self._places: dict[str, tuple[str, str | None, str | None]] = {}
        self._latin: LatinNames | None = None

    @classmethod
    def from_path(cls, path: Path | str) -> RegionData:
        return _instance(Path(path).resolve())

    @property
    def tree(self) -> tuple[Place, ...]:
        if self._tree is None:
            with self._lock:
                if self._tree is None:
                    self._tree = self._load()
        return self._tree

    def _load(self) -> tuple[Place, ...]:
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise RegionDataError(MISSING) from None
        except (OSError, ValueError) as exc:
            raise RegionDataError(msg("region data at %(path)s cannot be read: %(error)s",
                                      path=str(self.path), error=str(exc))) from None
        if not isinstance(raw, list):
            raise RegionDataError(msg("region data at %(path)s is not a list of provinces",
                                      path=str(self.path)))
        return _build(raw)

    # -- lists, for the widget ----------------------------------------------------------------
    def provinces(self) -> list[str]:
        return [p.name for p in self.tree]

    def cities(self, province: str) -> list[str]:
        return [c.name for c in self._province(province).children]

    def districts(self, province: str, city: str) -> list[str]:
        return [d.name for d in self._city(self._province(province), city).children]

    def _province(self, name: str) -> Place:
        for place in self.tree:
            if name == place.name or name in place.aliases:
                return place
        raise FieldValueError(msg("%(value)s is not a province of China", value=quoted(name)))

    def _city(self, province: Place, name: str) -> Place:
        city = province.child(name)
        if city is None:
            raise FieldValueError(msg("%(value)s is not a city of %(province)s", value=quoted(name),
                                      province=province.name))
        return city

    # -- canonical names ----------------------------------------------------------------------
    def canonical(self, province: str | None, city: str | None = None,
                  district: str | None = None) -> tuple[str, str | None, str | None]:
        """The canonical names of a place given by level; short names are accepted."""
        if not province:
            given = [part for part in (city, district) if part]
            if not given:
                raise FieldValueError(msg("must name a province"))
            return self.resolve("".join(given))
        prov = self._province(clean(province))
        if not city:
            only = prov.children[0] if len(prov.children) == 1 else None
            if district:
                return self.resolve(prov.name + clean(district))
            return (prov.name, only.name if only and only.implicit else None, None)
        place = self._city(prov, clean(city))
        if not district:
            return (prov.name, place.name, None)
        found = place.child(clean(district))
        if found is None:
            raise FieldValueError(msg("%(value)s is not a district of %(city)s",
                                      value=quoted(district), city=place.name))
        return (prov.name, place.name, found.name)

    def has_districts(self, province: str, city: str) -> bool:
        return bool(self._city(self._province(province), city).children)

    # -- administrative codes -----------------------------------------------------------------
    @property
    def codes(self) -> dict[tuple[str, str | None, str | None], str]:
        """The code of every canonical place (province, city, district), and back."""
        if self._codes is None:
            codes: dict[tuple[str, str | None, str | None], str] = {}
            for prov in self.tree:
                only = prov.children[0] if len(prov.children) == 1 else None
                alone = only.name if only is not None and only.implicit else None
                codes[(prov.name, alone, None)] = prov.code
                for city in prov.children:
                    codes.setdefault((prov.name, city.name, None), city.code)
                    for district in city.children:
                        codes[(prov.name, city.name, district.name)] = district.code
            self._places = {code: names for names, code in codes.items() if code}
            self._codes = codes
        return self._codes

    def code_of(self, province: str, city: str | None = None, district: str | None = None
                ) -> str | None:
        """The six-digit code of a canonical place (None: not one of the data's)."""
        return self.codes.get((province, city, district)) or None

    def by_code(self, code: str) -> tuple[str, str | None, str | None] | None:
        """The canonical place of a code (2, 4 or 6 digits: ``44``, ``4403``, ``440305``)."""
        self.codes  # noqa: B018 - builds the index of places by code
        return self._places.get(code.ljust(6, "0")) if len(code) in (2, 4, 6) else None

    @property
    def latin(self) -> LatinNames:
        if self._latin is None:
            self._latin = LatinNames((alias for prov in self.tree for place in _walk(prov)
                                      for alias in place.aliases),
                                     cache=self.path.with_name(self.path.stem + ".pinyin.json"))
        return self._latin

    # -- written addresses --------------------------------------------------------------------
    def resolve(self, text: str) -> tuple[str, str | None, str | None]:
        """Read a written place (``广东省深圳市南山区``, ``广东 深圳 南山``, ``北京``, ``京``,
        ``朝阳区, 北京``, ``Chaoyang District, Beijing``, ``440305``)."""
        written = " ".join(SEPARATORS.sub(" ", clean(text)).split())
        if not squeeze(written):
            raise FieldValueError(msg("must name a place"))
        if written not in self._cache:
            if len(self._cache) > 10_000:
                self._cache.clear()
            self._cache[written] = self._read(written, text)
        return self._cache[written]

    def _read(self, written: str, text: str) -> tuple[str, str | None, str | None]:
        key = squeeze(written)
        if key.isdigit():
            found = self.by_code(key)
            if found is None:
                raise FieldValueError(msg("%(value)s is not the code of a province, city or "
                                          "district of China we know", value=quoted(key)))
            return found
        if has_latin(key):
            for readings in self.latin.readings(written):
                names = list(dict.fromkeys(n for r in readings for n in self._best(r)))
                if names:
                    return _one(names, text)
            return _one([], text)
        # a province's one-character abbreviation, alone or as a part of its own: 京, 粤 深圳
        parts = [abbreviation(part) or part for part in written.split(" ")]
        names = self._best(squeeze("".join(parts)))
        if not names and len(parts) > 1:  # written small to large: 朝阳区, 北京
            names = self._best(squeeze("".join(reversed(parts))))
        return _one(names, text)

    def _best(self, key: str) -> list[tuple[str, str | None, str | None]]:
        """The best readings of a squeezed text (several: it is ambiguous)."""
        readings = sorted(self._readings(key))
        if not readings:
            return []
        best = [r for r in readings if (r.skipped, r.short) == (readings[0].skipped,
                                                                readings[0].short)]
        return list(dict.fromkeys(r.names for r in best))

    def _readings(self, key: str) -> list[_Reading]:
        out = []
        for prov in self.tree:
            for alias in prov.aliases:
                if key.startswith(alias):
                    short = int(alias != prov.name)
                    out.extend(_Reading(r.skipped, r.short + short, (prov.name, *r.names[1:]))
                               for r in self._below(prov, key[len(alias):]))
            # the province left out: the text starts with one of its cities
            out.extend(_Reading(r.skipped + 1, r.short, r.names)
                       for r in self._below(prov, key) if r.names[1] is not None)
        return out

    def _below(self, prov: Place, rest: str) -> list[_Reading]:
        """Readings of what follows a province's name (``rest``) inside that province."""
        if not rest:
            only = prov.children[0] if len(prov.children) == 1 else None
            city = only.name if only and only.implicit else None
            return [_Reading(0, 0, (prov.name, city, None))]
        out = []
        for city in prov.children:
            for alias in city.aliases:
                if rest.startswith(alias):
                    short = int(alias != city.name)
                    out.extend(_Reading(0, short + s, (prov.name, city.name, d))
                               for d, s in _districts(city, rest[len(alias):]))
            # the city left out: natural for a municipality, a guess elsewhere
            skipped = 0 if city.implicit else 1
            out.extend(_Reading(skipped, s, (prov.name, city.name, d))
                       for d, s in _districts(city, rest) if d is not None)
        return out


def _one(names: list[tuple[str, str | None, str | None]], text: str
         ) -> tuple[str, str | None, str | None]:
    """The one place read, or why there is none."""
    if not names:
        raise FieldValueError(msg("%(value)s is not a province, city or district of China we "
                                  "know", value=quoted(text.strip())))
    if len(names) > 1:
        options = alternatives([" ".join(dict.fromkeys(n for n in option if n))
                                for option in names[:3]])
        raise FieldValueError(msg("%(value)s is ambiguous (%(options)s): name the province "
                                  "and city too", value=quoted(text.strip()), options=options))
    return names[0]


def _walk(place: Place):
    yield place
    for child in place.children:
        yield from _walk(child)


def _districts(city: Place, rest: str) -> list[tuple[str | None, int]]:
    """(district, 1 if found by its short name) for the text after a city's name."""
    if not rest:
        return [(None, 0)]
    return [(d.name, int(rest != d.name)) for d in city.children if rest in d.aliases]


def clean(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip()


def squeeze(text: str) -> str:
    """The text without separators or a leading country name, for reading a written place."""
    key = SEPARATORS.sub("", clean(text))
    for prefix in COUNTRY_PREFIXES:
        if key.startswith(prefix) and len(key) > len(prefix):
            return key[len(prefix):]
    return key


@cache
def _instance(path: Path) -> RegionData:
    return RegionData(path)


_configured_path: Path | None = None


def set_region_data_path(path: Path | str | None) -> None:
    """Read region data from ``path`` (None: the vendored default); the app factory calls this."""
    global _configured_path
    _configured_path = Path(path) if path is not None else None


def region_data_path() -> Path:
    return _configured_path or DEFAULT_PATH


def region_data() -> RegionData:
    return _for(_configured_path)


@cache
def _for(configured: Path | None) -> RegionData:
    """The data of a configured path (resolving a path costs a system call: once per path)."""
    return RegionData.from_path(configured or DEFAULT_PATH)
