"""Export manifests and archives: which of the files in a folder make up the current export.

AWS writes a manifest beside each Cost and Usage Report: the legacy CUR puts ``<report>-Manifest.json``
in the billing period's folder, listing the files of the latest assembly (``reportKeys``); each
assembly folder also keeps its own. CUR 2.0 (Data Exports) puts ``Manifest.json`` under
``metadata/BILLING_PERIOD=.../`` listing ``dataFiles``. Azure's newer exports write ``manifest.json``
with ``blobs``. Files a manifest does not list, in the folders it covers, belong to an older
assembly: loading them too would count the month twice, so they are left out and reported. A file a
manifest lists but the folder lacks means an incomplete download: the ingest stops and names it.

Zip archives are opened into a temporary folder, and their members read like any other file.
"""

from __future__ import annotations

import atexit
import json
import shutil
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from spendscope.errors import IngestError

_KEYS = ("reportKeys", "dataFiles", "blobs")
_extracted: list[str] = []


def is_manifest(path: Path) -> bool:
    return path.suffix.lower() == ".json" and "manifest" in path.name.lower()


def listed_keys(path: Path) -> list[str] | None:
    """The data files a manifest lists (as written: S3 keys or URLs), or None if it is not an export manifest."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, ValueError):
        return None
    if not isinstance(doc, dict):
        return None
    for key in _KEYS:
        value = doc.get(key)
        if isinstance(value, list):
            out = []
            for item in value:
                name = item.get("blobName") if isinstance(item, dict) else item
                if isinstance(name, str) and name:
                    out.append(name)
            return out
    return None


def _parts(key: str) -> list[str]:
    if "://" in key:
        key = key.split("://", 1)[1].split("/", 1)[-1]  # drop the scheme and bucket
    return [p for p in key.split("/") if p]


@dataclass
class Selection:
    files: list[tuple[Path, bool]]
    superseded: list[str] = field(default_factory=list)  # data files a manifest leaves out
    manifests: list[str] = field(default_factory=list)


def select(found: list[tuple[Path, bool]], data_suffix) -> Selection:
    """Keep the data files the manifests among ``found`` list (and every file no manifest covers)."""
    manifests = [(p, listed_keys(p)) for p, _ in found if is_manifest(p)]
    manifests = [(p, keys) for p, keys in manifests if keys is not None]
    if not manifests:
        return Selection(found)
    # a manifest in a folder above another one is the newer (the period's manifest over an assembly's)
    roots = sorted({p.parent.resolve() for p, _ in manifests}, key=lambda d: len(d.parts))
    outer = [d for d in roots if not any(o != d and o in d.parents for o in roots)]
    data = [(p, named) for p, named in found if not is_manifest(p) and data_suffix(p)]
    keep: set[Path] = set()
    covered_deep: set[Path] = set()
    covered_flat: set[Path] = set()
    used = []
    for path, keys in manifests:
        home = path.parent.resolve()
        if home not in outer:
            continue
        used.append(str(path))
        covered_deep.add(home)
        for key in keys:
            match = _locate(_parts(key), home, [p for p, _ in data])
            if match is None:
                raise IngestError(
                    f"{path} lists {key}, which is not in the folder: the export's download looks incomplete.",
                    hint="Download every file the manifest lists (or name the files to load directly).")
            keep.add(match.resolve())
            covered_flat.add(match.resolve().parent)
    files, superseded = [], []
    for p, named in found:
        resolved = p.resolve()
        in_scope = resolved.parent in covered_flat or any(d == resolved.parent or d in resolved.parents
                                                          for d in covered_deep)
        if data_suffix(p) and in_scope and resolved not in keep and not named:
            superseded.append(str(p))
            continue
        files.append((p, named))
    return Selection(files, superseded, used)


def _locate(parts: list[str], home: Path, candidates: list[Path]) -> Path | None:
    """The local file a manifest key names: the candidate sharing the longest tail of path components."""
    best, score, tied = None, 0, False
    for c in candidates:
        local = c.resolve().parts
        n = 0
        while n < min(len(parts), len(local)) and parts[-1 - n] == local[-1 - n]:
            n += 1
        if n > score:
            best, score, tied = c, n, False
        elif n == score and n > 0:
            near = home in c.resolve().parents
            if near and best is not None and home not in best.resolve().parents:
                best, tied = c, False
            elif near == (best is not None and home in best.resolve().parents):
                tied = True
    if best is None or (tied and score <= 1):
        return None
    return best


def extract(archive: Path) -> list[Path]:
    """The members of a zip archive, unpacked into a temporary folder removed when spendscope exits."""
    try:
        zf = zipfile.ZipFile(archive)
    except (OSError, zipfile.BadZipFile) as exc:
        raise IngestError(f"{archive}: not a readable zip archive ({exc}); it may be truncated.") from exc
    target = Path(tempfile.mkdtemp(prefix="spendscope-zip-")) / archive.name
    if not _extracted:
        atexit.register(lambda: [shutil.rmtree(d, ignore_errors=True) for d in _extracted])
    _extracted.append(str(target.parent))
    out = []
    with zf:
        for info in zf.infolist():
            if info.is_dir():
                continue
            name = Path(info.filename)
            if name.is_absolute() or ".." in name.parts:
                raise IngestError(f"{archive}: member {info.filename!r} points outside the archive; refused.")
            dest = target / name
            dest.parent.mkdir(parents=True, exist_ok=True)
            try:
                with zf.open(info) as src, open(dest, "wb") as fh:
                    shutil.copyfileobj(src, fh)
            except (OSError, zipfile.BadZipFile, EOFError) as exc:
                raise IngestError(f"{archive}: member {info.filename} cannot be read ({exc}); the archive may be "
                                  f"truncated.") from exc
            out.append(dest)
    return sorted(out)
