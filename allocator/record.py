"""The approval chain head on an approved export, and ``verify --against`` (docs/record.md).

An approved plan workbook carries the store's approval chain head as of that approval — on its
audit sheet (审计) and as the custom document property :data:`CHAIN_PROPERTY` (visible in Excel
under File → Info → Properties). Kept with the signed paper, it pins the store: ``allocator
verify --against APPROVED.xlsx`` exits 4 unless the store still holds that very approval, and
the approval chain up to it verifies, so a restored older copy, a truncated or a replaced store
is caught.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from allocator.i18n import Text, text

#: Custom document property holding the chain head of an approved export.
CHAIN_PROPERTY = "allocator.chain_sha256"
#: Custom document property holding the approved run's id.
RUN_PROPERTY = "allocator.run_id"
CUSTOM_PART = "docProps/custom.xml"
#: The custom properties part of an allocator export is tiny; anything larger is refused.
MAX_PART_BYTES = 1 << 20
_HEX = re.compile(r"[0-9a-f]{64}")


class RecordError(ValueError):
    """The file given to ``verify --against`` carries no chain head (the CLI exits 2)."""

    def __init__(self, message: Text):
        self.message = message
        super().__init__(message.en)


@dataclass(frozen=True)
class ExportedApproval:
    file: str
    chain_sha256: str
    run_id: int | None


def read_chain_head(path: str | Path) -> ExportedApproval:
    """The chain head and run id written into an approved plan workbook."""
    from defusedxml import ElementTree

    shown = str(path)
    try:
        with zipfile.ZipFile(path) as archive:
            try:
                info = archive.getinfo(CUSTOM_PART)
            except KeyError:
                raise RecordError(text("record.no_head", file=shown)) from None
            if info.file_size > MAX_PART_BYTES:
                raise RecordError(text("record.no_head", file=shown))
            data = archive.read(info)
    except (OSError, zipfile.BadZipFile, EOFError, RuntimeError, ValueError) as problem:
        if isinstance(problem, RecordError):
            raise
        raise RecordError(text("record.unreadable", file=shown,
                               reason=getattr(problem, "strerror", None) or str(problem))) \
            from None
    try:
        root = ElementTree.fromstring(data)
    except Exception:  # any parse failure or entity refusal: not an allocator export
        raise RecordError(text("record.no_head", file=shown)) from None
    found: dict[str, str] = {}
    for element in root:
        name = element.get("name")
        if name in (CHAIN_PROPERTY, RUN_PROPERTY):
            found[name] = "".join(element.itertext()).strip()
    head = found.get(CHAIN_PROPERTY, "")
    if not _HEX.fullmatch(head):
        raise RecordError(text("record.no_head", file=shown))
    run = found.get(RUN_PROPERTY, "")
    return ExportedApproval(shown, head, int(run) if run.isdigit() and len(run) < 19 else None)
