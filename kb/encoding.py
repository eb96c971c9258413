"""Decode text files whose encoding nobody wrote down.

Real manuals arrive as UTF-8 (with or without BOM), GB18030/GBK, Big5 or
UTF-16. Decoding is tried strictly in an order that makes a wrong guess
fail loudly rather than produce mojibake, and charset-normalizer settles
the remaining ambiguous cases.
"""

from __future__ import annotations

import codecs

from kb.models import IngestError
from kb.rules import load_rules

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def _cjk_share(text: str) -> float:
    if not text:
        return 0.0
    cjk = sum(1 for ch in text if "\u4e00" <= ch <= "\u9fff")
    return cjk / max(1, sum(1 for ch in text if not ch.isspace()))


def _looks_binary(data: bytes) -> bool:
    sample = data[:4096]
    controls = sum(1 for b in sample if b < 32 and b not in (9, 10, 12, 13, 27))
    return controls > len(sample) * 0.05


def _plausible_share(text: str) -> float:
    """Share of characters that ordinary Chinese/English text is made of."""
    sample = text[:2000]
    good = sum(
        1
        for ch in sample
        if ch in "\t\n\r"
        or " " <= ch <= "~"
        or "\u4e00" <= ch <= "\u9fff"
        or "\u3000" <= ch <= "\u303f"
        or "\uff00" <= ch <= "\uffef"
    )
    return good / max(1, len(sample))


def _utf16_without_bom(data: bytes) -> tuple[str, str] | None:
    """UTF-16 without BOM: ASCII and newlines put NUL bytes in the data."""
    if b"\x00" not in data[:4000] or len(data) % 2:
        return None
    best = None
    for encoding in ("utf-16-le", "utf-16-be"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        share = _plausible_share(text)
        if share > 0.9 and (best is None or share > best[0]):
            best = (share, text, encoding)
    return (best[1], best[2]) if best else None


def decode_bytes(data: bytes, source: str = "<bytes>") -> tuple[str, str]:
    """Return ``(text, encoding)`` for the bytes of a text file (see :func:`decode_text`)."""
    text, encoding, _ = decode_text(data, source)
    return text, encoding


def _mostly_utf8(data: bytes, source: str) -> tuple[str, str, list[str]] | None:
    """UTF-8 with a few broken sequences (a file cut mid-character, one bad byte): replaced, reported.

    Without this a single bad byte sent a UTF-8 manual to the GB18030 decoder, which accepts
    almost anything and turns the whole file into plausible-looking nonsense.
    """
    try:
        data.decode("utf-8")
        return None
    except UnicodeDecodeError as exc:
        first = exc.start
    rules = load_rules()["encoding"]
    text = data.decode("utf-8", errors="replace")
    bad = text.count("\ufffd") - data.count("\ufffd".encode())
    # Valid multi-byte sequences almost never occur by chance in GBK or Big5 text: many of them
    # around few broken ones is UTF-8.
    valid = sum(1 for ch in text if ord(ch) > 127) - text.count("\ufffd")
    too_many = bad > max(1, rules["utf8_max_invalid_share"] * len(data))
    if too_many or valid < rules["utf8_valid_per_invalid"] * bad:
        return None
    line = data[:first].count(b"\n") + 1
    warning = (
        f"{source}: 第 {line} 行起有 {bad} 处无效的 UTF-8 字节，已替换为 \ufffd"
        f" ({bad} invalid UTF-8 sequence(s) replaced, first on line {line})"
    )
    return text, "utf-8", [warning]


def decode_text(data: bytes, source: str = "<bytes>") -> tuple[str, str, list[str]]:
    """Return ``(text, encoding, warnings)`` for the bytes of a text file.

    Raises :class:`IngestError` for empty files and binary junk.
    """
    if not data.strip():
        raise IngestError(f"{source}: 文件是空的或只有空白 (empty file)")
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding), encoding, []
            except UnicodeDecodeError as exc:  # a file cut short, a broken byte: the rest is kept
                warning = (
                    f"{source}: 第 {exc.start} 字节处的 {encoding} 编码有误，已替换"
                    f" (invalid {encoding} bytes replaced)"
                )
                return data.decode(encoding, errors="replace"), encoding, [warning]
    guess = _utf16_without_bom(data)
    if guess is not None:
        return *guess, []
    if _looks_binary(data):
        raise IngestError(f"{source}: 看起来是二进制文件，不是文字 (looks like a binary file, not text)")
    try:
        return data.decode("utf-8"), "utf-8", []
    except UnicodeDecodeError:
        pass
    mostly = _mostly_utf8(data, source)
    if mostly is not None:
        return mostly
    # GB18030 (a superset of GBK) and Big5 both accept many byte strings; prefer
    # the one that decodes strictly and yields the most Chinese characters.
    candidates = []
    for encoding in ("gb18030", "big5"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        candidates.append((_cjk_share(text), encoding, text))
    if len(candidates) == 2:
        # Both decode: let the statistical detector pick between the two.
        from charset_normalizer import from_bytes

        best = from_bytes(data, cp_isolation=["gb18030", "big5"]).best()
        if best is not None:
            chosen = "big5" if "big5" in best.encoding else "gb18030"
            return next(t for _, e, t in candidates if e == chosen), chosen, []
    if candidates:
        _, encoding, text = max(candidates)
        return text, encoding, []
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise IngestError(
            f"{source}: 无法识别文字编码，试过 UTF-8、UTF-16、GB18030、Big5"
            " (unknown text encoding: tried UTF-8, UTF-16, GB18030, Big5)"
        )
    return str(best), best.encoding, []
