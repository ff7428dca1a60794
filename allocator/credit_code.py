"""The unified social credit code (统一社会信用代码) of GB 32100-2015.

Eighteen characters from a 31-character alphabet (digits and capitals without I, O, S, V, Z):
registration authority (1), organisation type (1), administrative area (6, e.g. ``110101``
for Dongcheng), organisation code (9, GB 11714) and a check character. The check character is
``31 − (Σ value(cᵢ) · 3^(i−1) mod 31) mod 31`` over the first 17 characters (GB 32100-2015 §5).

>>> is_valid("91110000802100433B")
True
>>> check_character("91110000802100433")
'B'
"""

from __future__ import annotations

import re

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
VALUE = {char: index for index, char in enumerate(ALPHABET)}
WEIGHTS = tuple(pow(3, i, 31) for i in range(17))  # 1, 3, 9, 27, 19, 26, 16, …
SHAPE = re.compile(f"[{ALPHABET}]{{18}}")
LENGTH = 18


def check_character(body: str) -> str:
    """The check character for the first 17 characters of a code."""
    if len(body) != LENGTH - 1 or any(char not in VALUE for char in body):
        raise ValueError(f"not a 17-character credit-code body: {body!r}")
    total = sum(VALUE[char] * weight for char, weight in zip(body, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def is_valid(code: str) -> bool:
    """Whether ``code`` (already upper-cased and stripped) is a well-formed, checked code."""
    return bool(SHAPE.fullmatch(code)) and check_character(code[:17]) == code[17]


def valid_written(values: list[object]) -> set[str]:
    """The values that are codes already written canonically (18 characters of the alphabet,
    nothing else) whose check character is right, checked all at once. Any other value is for
    the cell parser to correct or refuse."""
    codes = [v for v in values if isinstance(v, str) and SHAPE.fullmatch(v)]
    if not codes:
        return set()
    import numpy as np

    value = np.zeros(256, dtype=np.int64)
    for char, index in VALUE.items():
        value[ord(char)] = index
    table = value[np.frombuffer("".join(codes).encode("ascii"), dtype=np.uint8)
                  .reshape(-1, LENGTH)]
    check = (31 - table[:, :17] @ np.array(WEIGHTS, dtype=np.int64) % 31) % 31
    right = check == table[:, 17]
    return {code for code, good in zip(codes, right.tolist(), strict=True) if good}


def complete(body: str) -> str:
    """``body`` with its check character appended."""
    return body + check_character(body)
