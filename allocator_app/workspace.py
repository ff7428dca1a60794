"""The planner's workspace file: what the app was doing, kept so a refresh loses nothing.

The official record (``allocator.store``) holds only what the record's rules allow — datasets,
scenarios saved on purpose, runs, approvals — and ``allocator verify`` flags any other change
to it. A draft changes on every keystroke, so the workspace lives in a file of its own beside
the store (``workspace.sqlite3`` in the store's folder, so ``--db`` / ``$ALLOCATOR_DB`` move
both): one snapshot of the session (JSON) and the uploaded workbook it refers to.

There is one workspace per store, shared by every browser tab: the tab that changed something
last is the one kept.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from allocator.store import default_path, now

FILE_NAME = "workspace.sqlite3"
#: The snapshot's layout; a snapshot of another format is not restored (the app starts afresh).
FORMAT = 1
#: Seconds to wait for another tab's write to finish.
BUSY_SECONDS = 5.0

SCHEMA = """
CREATE TABLE IF NOT EXISTS snapshot (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    saved_at TEXT NOT NULL,
    body TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS workbook (
    sha256 TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    content BLOB NOT NULL
);
"""


def workspace_path(store: Path | None = None) -> Path:
    """``workspace.sqlite3`` beside the store (``$ALLOCATOR_DB`` or the user's data folder)."""
    return (store or default_path()).with_name(FILE_NAME)


@dataclass(frozen=True)
class Snapshot:
    saved_at: str
    body: dict[str, Any]


def _json(value: Any) -> Any:
    """numpy and pandas scalars (from the group table) as plain numbers."""
    if hasattr(value, "item"):
        return value.item()
    raise TypeError(f"not JSON: {type(value).__name__}")


def encode(body: dict[str, Any]) -> str:
    return json.dumps(body, ensure_ascii=False, sort_keys=True, default=_json)


class Workspace:
    """One workspace file; every call opens, works and closes (Streamlit runs on threads)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with closing(sqlite3.connect(self.path, timeout=BUSY_SECONDS)) as db, db:
            db.executescript(SCHEMA)
            yield db

    def load(self) -> Snapshot | None:
        """The last snapshot, or ``None`` for a new (or unreadable-format) workspace."""
        if not self.path.is_file():
            return None
        with self._connect() as db:
            row = db.execute("SELECT saved_at, body FROM snapshot WHERE id = 1").fetchone()
        if row is None:
            return None
        body = json.loads(row[1])
        if not isinstance(body, dict) or body.get("format") != FORMAT:
            return None
        return Snapshot(row[0], body)

    def save(self, body: dict[str, Any], workbook: str | None,
             content: tuple[str, bytes] | None = None) -> str:
        """Replace the snapshot; keep only the workbook with hash ``workbook``, adding its
        ``(name, bytes)`` when given. Returns when it was saved."""
        saved_at = now()
        text = encode({**body, "format": FORMAT})
        with self._connect() as db:
            db.execute("INSERT OR REPLACE INTO snapshot (id, saved_at, body) VALUES (1, ?, ?)",
                       (saved_at, text))
            db.execute("DELETE FROM workbook WHERE sha256 IS NOT ?", (workbook,))
            if workbook is not None and content is not None:
                db.execute("INSERT OR IGNORE INTO workbook (sha256, name, content) "
                           "VALUES (?, ?, ?)", (workbook, *content))
        return saved_at

    def workbook(self, sha256: str) -> tuple[str, bytes] | None:
        with self._connect() as db:
            row = db.execute("SELECT name, content FROM workbook WHERE sha256 = ?",
                             (sha256,)).fetchone()
        return None if row is None else (row[0], bytes(row[1]))

    def has_workbook(self, sha256: str) -> bool:
        with self._connect() as db:
            return db.execute("SELECT 1 FROM workbook WHERE sha256 = ?",
                              (sha256,)).fetchone() is not None

    def clear(self) -> None:
        """Start afresh: forget the snapshot and the workbook."""
        if not self.path.is_file():
            return
        with self._connect() as db:
            db.execute("DELETE FROM snapshot")
            db.execute("DELETE FROM workbook")
