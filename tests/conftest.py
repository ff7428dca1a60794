"""Shared test set-up.

Every test gets its own store file: ``allocator solve`` records each run in the store named by
``ALLOCATOR_DB``, and no test may write to the real user data directory.
"""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _store_in_tmp(tmp_path_factory: pytest.TempPathFactory,
                  monkeypatch: pytest.MonkeyPatch) -> None:
    store = tmp_path_factory.mktemp("store") / "allocator.sqlite3"
    monkeypatch.setenv("ALLOCATOR_DB", str(store))
