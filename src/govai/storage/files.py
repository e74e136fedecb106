"""Files under ``GOVAI_HOME`` that are rebuilt from the database (indexes): written so that a
reader never sees a half-written one."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path


def write_directory_atomically(path: Path, fill: Callable[[Path], None]) -> None:
    """Call ``fill(tmp_dir)`` on a fresh sibling directory, then move it to ``path``.

    Readers see either the old directory or the complete new one, never a half-written one.
    Replacing an existing directory takes two renames (old aside, new in place) — a reader in
    between finds no directory and rebuilds; it never reads a mix.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent))
    try:
        fill(tmp)
        for child in tmp.rglob("*"):  # the data must be on disk before the name points at it
            if child.is_file():
                with open(child, "rb") as handle:
                    os.fsync(handle.fileno())
        if path.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".old", dir=path.parent))
            os.replace(path, old / "index")
            os.replace(tmp, path)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
