"""Boxed tables for the CLI, drawn like the reference tool's output."""

from __future__ import annotations

import unicodedata

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

_HEAVY = ("┏", "━", "┯", "┓", "┃", "│", "┠", "─", "┼", "┨", "┗", "┷", "┛")
_ASCII = ("+", "=", "+", "+", "|", "|", "+", "-", "+", "+", "+", "+", "+")


def draws_boxes(encoding: str | None, *also: str) -> bool:
    """Whether text in *encoding* can hold the box characters (and the characters *also*)."""
    try:
        ("".join(_HEAVY) + "".join(also)).encode(encoding or "ascii")
    except (UnicodeEncodeError, LookupError):
        return False
    return True


def display_width(text: str) -> int:
    """Terminal columns *text* takes (wide characters such as emoji take two)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def render_table(
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    centered: Sequence[int] = (),
    lines_between_rows: bool = False,
    ascii_only: bool = False,
) -> str:
    """A table with a header row; columns in *centered* are centred."""
    tl, top, tsep, tr, side, inner, ml, mid, cross, mr, bl, bsep, br = _ASCII if ascii_only else _HEAVY
    widths = [max(display_width(str(cell)) for cell in column) for column in zip(headers, *rows, strict=True)]

    def cells(values: Sequence[str]) -> str:
        out = []
        for index, (value, width) in enumerate(zip(values, widths, strict=True)):
            pad = width - display_width(value)
            if index in centered:
                out.append(" " * (pad // 2) + value + " " * (pad - pad // 2))
            else:
                out.append(value + " " * pad)
        return f"{side} " + f" {inner} ".join(out) + f" {side}"

    def rule(left: str, fill: str, join: str, right: str) -> str:
        return left + join.join(fill * (w + 2) for w in widths) + right

    lines = [rule(tl, top, tsep, tr), cells(list(headers)), rule(ml, mid, cross, mr)]
    for index, row in enumerate(rows):
        if index and lines_between_rows:
            lines.append(rule(ml, mid, cross, mr))
        lines.append(cells([str(cell) for cell in row]))
    lines.append(rule(bl, top, bsep, br))
    return "\n".join(lines)
