"""When two cloze answers mean the same: numerals, units and their synonyms, ranges.

Chinese numerals become Arabic through ``cn2an`` (两天 -> 2天, 一点五倍 -> 1.5倍,
三万元 -> 30000元). Units and what they measure are data (quiz/answer_units.toml):
7天 = 一周 = 一星期, 2毫米 = 2mm, 5号 = 5日, 一年 = 12个月, 48小时 = 2天. A range is
two quantities joined by 至 / 到 / - / ~ (3至5天 = 3-5天 = 三到五天). A bare number
answers a key with one quantity in the key's own unit (25 = 25元, 1.5 = 1.5倍).
Anything else compares as normalised text (width, script, case, punctuation).
"""

from __future__ import annotations

import re
import tomllib
import warnings
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import cn2an

from common.textnorm import fold_punct, normalize

UNITS_PATH = Path(__file__).with_name("answer_units.toml")
_NUMBER = r"\d+(?:\.\d+)?"


@dataclass(frozen=True)
class UnitTable:
    """Spellings of units with their sizes per dimension, and the number words around them."""

    sizes: dict[str, dict[str, float]]  # spelling -> {dimension: size}
    prefix_units: tuple[str, ...]
    multipliers: dict[str, float]
    range_words: tuple[str, ...]
    optional_suffixes: tuple[str, ...]

    @property
    def unit_pattern(self) -> str:
        names = sorted(self.sizes, key=len, reverse=True)
        return "|".join(re.escape(n) for n in names)


@lru_cache(maxsize=4)
def load_units(path: Path = UNITS_PATH) -> UnitTable:
    """The unit table (a spelling listed in several units measures in all their dimensions)."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    sizes: dict[str, dict[str, float]] = {}
    for unit in data.get("unit", []):
        for name in unit["names"]:
            sizes.setdefault(normalize(name), {}).update({k: float(v) for k, v in unit["sizes"].items()})
    numbers = data.get("numbers", {})
    return UnitTable(
        sizes,
        tuple(numbers.get("prefix_units", [])),
        {k: float(v) for k, v in numbers.get("multipliers", {}).items()},
        tuple(numbers.get("range_words", [])),
        tuple(sorted(numbers.get("optional_suffixes", []), key=len, reverse=True)),
    )


@dataclass(frozen=True)
class Quantity:
    value: float
    unit: str  # a spelling from the table, '' for a bare number

    def measures(self, table: UnitTable) -> dict[str, float]:
        """Size in each dimension the unit measures (a bare number measures nothing)."""
        return {dim: self.value * size for dim, size in table.sizes.get(self.unit, {}).items()}


def arabic(text: str) -> str:
    """Text with Chinese numerals written as Arabic ones (``cn2an``), width and script folded."""
    text = re.sub(r"\s+", "", fold_punct(normalize(str(text))))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # cn2an warns about fragments it leaves as they are
        try:
            text = cn2an.transform(text, "cn2an")
        except (ValueError, KeyError, IndexError, TypeError):
            pass
    text = re.sub(rf"({_NUMBER})个(?:半|0\.5)", lambda m: f"{float(m.group(1)) + 0.5:g}", text)
    return re.sub(r"(?<![\d.])半(?=[^\d])", "0.5", text)


def _number(text: str, table: UnitTable) -> float | None:
    m = re.fullmatch(rf"({_NUMBER})({'|'.join(map(re.escape, table.multipliers))})?", text)
    if not m:
        return None
    return float(m.group(1)) * (table.multipliers.get(m.group(2), 1.0) if m.group(2) else 1.0)


def _quantity(text: str, table: UnitTable) -> Quantity | None:
    for prefix in table.prefix_units:
        if text.startswith(prefix):
            value = _number(text[len(prefix) :], table)
            return None if value is None else Quantity(value, normalize(prefix))
    m = re.fullmatch(rf"(.+?)({table.unit_pattern})?", text)
    if not m:
        return None
    value = _number(m.group(1), table)
    return None if value is None else Quantity(value, m.group(2) or "")


def parse_quantities(text: str, table: UnitTable | None = None) -> tuple[Quantity, ...] | None:
    """One quantity, or a range's two, with the unit spread over both; None when not a quantity."""
    table = table or load_units()
    text = arabic(text)
    for suffix in table.optional_suffixes:
        if text.endswith(suffix) and len(text) > len(suffix):
            text = text[: -len(suffix)]
            break
    words = "|".join(re.escape(w) for w in table.range_words)
    parts = re.split(rf"(?<=.)(?:{words})(?=[\d{''.join(map(re.escape, table.prefix_units))}])", text)
    if len(parts) > 2:
        return None
    quantities = [_quantity(p, table) for p in parts]
    if any(q is None for q in quantities):
        return None
    if len(quantities) == 2 and not quantities[0].unit:
        quantities[0] = Quantity(quantities[0].value, quantities[1].unit)  # 3-5天: both in days
    return tuple(quantities)


def _same_quantity(a: Quantity, b: Quantity, table: UnitTable) -> bool:
    if not a.unit and not b.unit:
        return abs(a.value - b.value) < 1e-9
    ma, mb = a.measures(table), b.measures(table)
    if not ma or not mb:
        return a.unit == b.unit and abs(a.value - b.value) < 1e-9
    return any(abs(ma[d] - mb[d]) < 1e-9 for d in set(ma) & set(mb))


def equivalent(response: str, expected: str, table: UnitTable | None = None) -> bool:
    """True when ``response`` says what ``expected`` says (see the module docstring)."""
    table = table or load_units()
    given, key = arabic(response), arabic(expected)
    if not given:
        return False
    if _text_key(given) == _text_key(key):
        return True
    a, b = parse_quantities(response, table), parse_quantities(expected, table)
    if a is None or b is None or len(a) != len(b):
        return False
    if len(a) == 1 and not (a[0].unit and b[0].unit):
        return abs(a[0].value - b[0].value) < 1e-9  # 25 for 25元: the unit is the question's
    return all(_same_quantity(x, y, table) for x, y in zip(a, b, strict=True))


_PUNCT = re.compile(r"[\s,;:!?\"'“”‘’()（）、。，；：！？【】\[\]《》<>…·]+|\.(?!\d)|(?<!\d)\.")


def _text_key(text: str) -> str:
    return _PUNCT.sub("", text)
