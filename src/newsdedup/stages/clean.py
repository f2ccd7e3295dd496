"""Text normalisation: str -> str, pure.

Normalised text is what every later stage compares, so two copies of a story that differ
only in Unicode form, case, punctuation or spacing normalise to the same string.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from functools import cache

import xxhash

# Scripts written without spaces between words: they are shingled by characters.
# Han, Hiragana/Katakana, Thai, Lao, Khmer, Myanmar, Tibetan.
_NO_SPACE_SCRIPT = re.compile(
    "[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u0e00-\u0eff\u1780-\u17ff\u1000-\u109f\u0f00-\u0fff]"
)
_SAMPLE = 4000
_NO_SPACE_SHARE = 0.3


@cache
def ascii_table() -> bytes:
    """ASCII bytes as :func:`normalize` maps them: lower case, or a space (for ``bytes.translate``).

    Letters are lowered, digits kept; punctuation, symbols and control characters (every
    other ASCII byte) become spaces, as normalize's Unicode-category table makes them. So
    for ASCII text, translating by it and collapsing spaces gives :func:`normalize`, several
    times faster; the byte paths of shingling, furniture and alignment rely on it.
    """
    table = bytearray(range(256))
    for byte in range(128):
        char = chr(byte)
        table[byte] = ord(char.lower()) if char.isalnum() else 32
    return bytes(table)


@cache
def _table() -> dict[int, str | None]:
    """Map punctuation, symbols and control characters to a space; drop format characters.

    Format characters (Cf: soft hyphen, zero-width joiners, BOM) are deleted rather than
    spaced, because zero-width non-joiners sit *inside* words in Urdu and Persian.
    """
    table: dict[int, str | None] = {}
    for code in range(0x30000):
        category = unicodedata.category(chr(code))
        if category == "Cf":
            table[code] = None
        elif category[0] in "PS" or category == "Cc":
            table[code] = " "
    return table


@cache
def spacing_table() -> dict[int, str]:
    """Map what :func:`normalize` turns into spaces to a space, one character for one.

    Unlike the normalising table it deletes nothing, so offsets into the result are
    offsets into the original text (for passages shown in the original).
    """
    return {code: " " for code, value in _table().items() if value == " "}


@cache
def _ascii_bytes() -> bytes:
    """:func:`_table` for the ASCII bytes of UTF-8 text (``bytes.translate``); others kept."""
    table = _table()
    return bytes(32 if byte < 128 and table.get(byte) == " " else byte for byte in range(256))


_NON_ASCII = re.compile("[^\x00-\x7f]+")
_MOSTLY_ASCII = 8  # at most one byte in this many beyond one a character


def translated(text: str, table: Mapping[int, str | None]) -> str:
    """``text.translate(table)`` for :func:`_table` or :func:`spacing_table`, faster.

    ``str.translate`` looks every character of a non-ASCII string up in the dict, about
    50 ns each. A text that is mostly ASCII with a "£" or an "é" here and there (a
    quarter of English news) is translated as UTF-8 bytes instead, its runs of other
    characters one by one: four times faster. Both tables treat ASCII alike (no ASCII
    character is deleted), so one byte table serves both.
    """
    if text.isascii():
        return text.translate(table)
    data = text.encode("utf-8", "surrogatepass")
    if (len(data) - len(text)) * _MOSTLY_ASCII > len(text):
        return text.translate(table)
    spaced = data.translate(_ascii_bytes()).decode("utf-8", "surrogatepass")
    return _NON_ASCII.sub(lambda run: run.group().translate(table), spaced)


def normalize(text: str) -> str:
    """Return the comparison form of ``text``.

    Unicode NFKC with case folding, punctuation and symbols replaced by spaces, runs of
    white space collapsed to one space, no leading or trailing space. Idempotent.
    """
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())
    spaced = " ".join(translated(folded, _table()).split())
    # Deleting format characters or spacing a symbol can leave a sequence that NFKC
    # composes further; one more pass reaches the fixed point.
    again = unicodedata.normalize("NFKC", spaced).casefold()
    return spaced if again == spaced else " ".join(translated(again, _table()).split())


def uses_spaces(normalized: str) -> bool:
    """Whether the text is mostly in scripts that separate words with spaces."""
    sample = normalized[:_SAMPLE].replace(" ", "")
    if not sample:
        return True
    return len(_NO_SPACE_SCRIPT.findall(sample)) < _NO_SPACE_SHARE * len(sample)


def digest(normalized: str) -> str:
    """Return the exact-duplicate key of normalised text (XXH3-128, hex)."""
    return xxhash.xxh3_128_hexdigest(normalized.encode("utf-8"))
