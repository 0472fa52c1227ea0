"""Atomic file writes (readers see the old file or the new one, never a half-written one), and working copies of a
data folder."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

# The process's umask, read once on import (setting it is the only way to read it): a new file gets the mode open()
# would give it, not the owner-only mode of a temporary file.
_UMASK = os.umask(0o022)
os.umask(_UMASK)


def atomic_write(path: Path, write: Callable[[Path], None], suffix: str = "", mode: int | None = None) -> None:
    """Call write(tmp) on a temporary file beside path, then rename it over path (removed on failure). The file gets
    mode when given (0o600 for secrets: never readable by others, not even for a moment); else it keeps the mode of
    the file it replaces, and a new one gets open()'s mode (a model or report written by one account stays readable
    by the server's)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=f".{path.name}.tmp-", suffix=suffix, dir=path.parent)
    os.close(handle)
    tmp = Path(name)
    try:
        write(tmp)
        if mode is None:
            mode = path.stat().st_mode & 0o7777 if path.exists() else 0o666 & ~_UMASK
        tmp.chmod(mode)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def atomic_write_text(path: Path, text: str, mode: int | None = None) -> None:
    """Write UTF-8 text to path atomically (mode: as atomic_write)."""
    atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"), mode=mode)


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write bytes to path atomically."""
    atomic_write(path, lambda tmp: tmp.write_bytes(data))


def swap_folder(tmp: Path, folder: Path) -> None:
    """Replace folder by tmp with renames, so readers see the old folder or the new one, never a mix."""
    old = None
    if folder.exists():
        old = folder.with_name(f".old-{folder.name}-{os.getpid()}")
        shutil.rmtree(old, ignore_errors=True)
        os.replace(folder, old)
    os.replace(tmp, folder)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def clone_data_folder(source: Path, target: Path, copy_encoder: bool = False) -> None:
    """A working copy of a data folder (corpus, index, caches) for a test or benchmark that may damage or flood it.

    The model folders are large and only read: their files are linked one by one (the exported ONNX encoder is
    copied when copy_encoder, so it can be damaged and re-exported without touching the original)."""
    import shutil

    for name in ("cache", "corpus", "index"):
        if (source / name).exists():
            shutil.copytree(source / name, target / name, symlinks=True)
    for model in (m for m in (source / "models").iterdir() if m.is_dir()) if (source / "models").exists() else []:
        folder = target / "models" / model.name
        folder.mkdir(parents=True)
        for item in model.iterdir():
            if copy_encoder and item.name.startswith("encoder.onnx"):
                shutil.copy2(item, folder / item.name)
            else:
                (folder / item.name).symlink_to(item)
