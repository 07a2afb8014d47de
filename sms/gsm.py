"""Text messages in the GSM 03.38 alphabet (GSM-7): what a basic phone shows, and what fits
in how many segments.

A message of GSM-7 characters takes 160 septets in one segment, 153 per segment when it is
split (the rest carries the concatenation header); a character of the extension table
(`€ [ ] { } ^ ~ | \\`) takes two. One character outside GSM-7 makes the whole message UCS-2:
70 characters, 67 per split segment. So replies are written in GSM-7: a character it lacks
is spelled with the nearest one it has (á -> a, ç -> c, “ -> "), never left to turn the
message into UCS-2.
"""

import math
import unicodedata

BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
EXTENSION = "\f^{}\\[~]|€"
GSM7 = frozenset(BASIC) | frozenset(EXTENSION)
SINGLE, SPLIT = 160, 153
#: Characters with no GSM-7 letter underneath (NFKD does not reach them).
SPELLED = {
    "“": '"',
    "”": '"',
    "«": '"',
    "»": '"',
    "‘": "'",
    "’": "'",
    "–": "-",
    "—": "-",
    "…": "...",
    "œ": "oe",
    "Œ": "OE",
    "ł": "l",
    "đ": "d",
    "ı": "i",
    "\u00a0": " ",
    "\u202f": " ",
    "\t": " ",
    "·": ".",
}


def spell(text: str) -> str:
    """`text` in GSM-7 characters only: each other character by its nearest GSM-7 spelling
    (its letter without the accent, a plain quote), or "?"."""
    out = []
    for char in text:
        if char in GSM7:
            out.append(char)
        elif char in SPELLED:
            out.append(SPELLED[char])
        else:
            base = "".join(
                c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c)
            )
            out.append(base if base and all(c in GSM7 for c in base) else "?")
    return "".join(out)


def septets(text: str) -> int:
    """Length of a GSM-7 text in septets (extension characters count two)."""
    return sum(2 if char in EXTENSION else 1 for char in text)


def segments(text: str) -> int:
    """Segments `text` takes: by GSM-7 rules when it is all GSM-7, by UCS-2's otherwise."""
    if all(char in GSM7 for char in text):
        length, single, split = septets(text), SINGLE, SPLIT
    else:
        # UCS-2 counts UTF-16 code units (a character past U+FFFF takes two).
        length, single, split = len(text.encode("utf-16-le")) // 2, 70, 67
    if length <= single:
        return 1
    return math.ceil(length / split)
