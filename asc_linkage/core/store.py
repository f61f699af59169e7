"""Versioned, atomic parquet storage for every zone of the home folder.

Layout (one immutable version per write)::

    <home>/<zone>/<table>/quarter=<YYYY-Qn | _all>/v=<NNNNNN>/part-0.parquet
    <home>/<zone>/<table>/quarter=<YYYY-Qn | _all>/v=<NNNNNN>/_version.json
    <home>/<zone>/_catalogue.csv        every version of every table of the zone
    <home>/<zone>/_catalogue.parquet    the same, for dataframe readers

``_version.json`` records the version number, row count, columns and dtypes, the sha256 of the
parquet file, the code version (git commit when the code runs from a checkout, else the package
version) and the provenance dict given by the writer (input drop checksums, linkage model
version, run id ...). Provenance must hold no value from a data row.

Atomicity: a version is written into ``.tmp-<uuid>/`` inside the quarter folder, fsynced, then
renamed to ``v=NNNNNN``. ``rename(2)`` of a directory is atomic on POSIX, so a visible ``v=N`` is
always complete: a crash before the rename leaves only a ``.tmp-*`` folder, which readers never
look at (``sweep_temp`` removes old ones). Readers also skip any ``v=N`` without a
``_version.json`` as a second line of defence (e.g. a hand-made folder). Two writers never take
the same number: the number is chosen and the rename done under an exclusive ``flock`` on
``.lock`` in the quarter folder, and a rename onto an existing (non-empty) version fails and is
retried with the next number anyway.

Reading a version (paths are also in the catalogue)::

    # polars
    pl.read_parquet("<home>/research/linked_cohort/quarter=2025-Q2/v=000003/part-0.parquet")
    # pandas
    pd.read_parquet(".../v=000003/part-0.parquet")
    # DuckDB
    duckdb.sql("select * from read_parquet('.../v=000003/part-0.parquet')")
    # R
    library(arrow)
    df <- arrow::read_parquet("<home>/research/linked_cohort/quarter=2025-Q2/v=000003/part-0.parquet")
    cat <- read.csv("<home>/research/_catalogue.csv")   # find the latest version of a table

Files are written with snappy compression because every parquet reader, including minimal R
arrow builds, supports it.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import shutil
import subprocess
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Iterator

import polars as pl

PART_FILE = "part-0.parquet"
VERSION_FILE = "_version.json"
CATALOGUE_CSV = "_catalogue.csv"
CATALOGUE_PARQUET = "_catalogue.parquet"
UNPARTITIONED = "_all"
TEMP_PREFIX = ".tmp-"

_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_]*$")
_QUARTER_RE = re.compile(r"^\d{4}-Q[1-4]$")
_VERSION_DIR_RE = re.compile(r"^v=(\d{6,})$")

CATALOGUE_SCHEMA = {
    "zone": pl.String,
    "table": pl.String,
    "quarter": pl.String,
    "version": pl.Int64,
    "rows": pl.Int64,
    "created": pl.String,
    "path": pl.String,
    "sha256": pl.String,
    "code_version": pl.String,
    "provenance": pl.String,
}


@dataclass(frozen=True)
class VersionInfo:
    """One stored version. ``path`` is the parquet file an analyst reads."""

    zone: str
    table: str
    quarter: str  # "YYYY-Qn" or "_all"
    version: int
    path: Path
    rows: int
    created: str
    sha256: str
    code_version: str = ""
    provenance: dict = field(default_factory=dict, compare=False)


@cache
def code_version() -> str:
    """The git commit the code runs from (``-dirty`` if modified), else the package version."""
    override = os.environ.get("ASC_LINKAGE_CODE_VERSION")
    if override:
        return override
    try:
        out = subprocess.run(
            ["git", "describe", "--always", "--dirty", "--abbrev=12"],
            capture_output=True,
            text=True,
            timeout=5,
            cwd=Path(__file__).resolve().parent,
        )
        if out.returncode == 0 and out.stdout.strip():
            return "git:" + out.stdout.strip()
    except (OSError, subprocess.SubprocessError):
        pass
    try:
        from importlib.metadata import version

        return "pkg:" + version("asc-linkage")
    except Exception:  # noqa: BLE001 - not installed: a source tree, perhaps without commits
        pass
    try:
        import tomllib

        pyproject = Path(__file__).resolve().parents[2] / "pyproject.toml"
        return "pkg:" + tomllib.loads(pyproject.read_text())["project"]["version"]
    except Exception:  # noqa: BLE001
        return "unknown"


def _check_name(kind: str, name: str) -> str:
    # Names become path components: refuse anything that could climb out of the home folder.
    if not isinstance(name, str) or not _NAME_RE.match(name):
        raise ValueError(f"invalid {kind} name {name!r}: use lowercase letters, digits and _")
    return name


def _quarter_dir_name(quarter: str | None) -> str:
    if quarter is None or quarter == UNPARTITIONED:
        return f"quarter={UNPARTITIONED}"
    if not _QUARTER_RE.match(quarter):
        raise ValueError(f"invalid quarter {quarter!r}: expected YYYY-Qn")
    return f"quarter={quarter}"


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(path: Path) -> None:
    # A rename is only durable once the directory holding the entry is fsynced.
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


@contextmanager
def _locked(lock_path: Path) -> Iterator[None]:
    # flock locks belong to the open file description, so this excludes other threads of the
    # same process as well as other processes; the kernel drops it if the holder is killed.
    with open(lock_path, "a+") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def _write_json_atomic(path: Path, payload: dict) -> None:
    tmp = path.with_name(f"{TEMP_PREFIX}{uuid.uuid4().hex}-{path.name}")
    tmp.write_text(json.dumps(payload, indent=2, sort_keys=True, default=str))
    _fsync_file(tmp)
    os.replace(tmp, path)


def read_parquet_held(path: Path, columns: list[str] | None = None) -> pl.DataFrame:
    """A parquet file; with `columns`, only those of them the file holds (a table written before a
    column existed has none of it)."""
    if columns is not None:
        held = pl.read_parquet_schema(path)
        columns = [c for c in columns if c in held]
    return pl.read_parquet(path, columns=columns)


class VersionedStore:
    """Immutable, versioned parquet tables under ``<home>/<zone>/<table>/quarter=.../v=.../``."""

    def __init__(self, home: Path | str):
        self.home = Path(home)

    # ------------------------------------------------------------------ paths

    def table_dir(self, zone: str, table: str) -> Path:
        return self.home / _check_name("zone", zone) / _check_name("table", table)

    def quarter_dir(self, zone: str, table: str, quarter: str | None) -> Path:
        return self.table_dir(zone, table) / _quarter_dir_name(quarter)

    # ------------------------------------------------------------------ write

    def write(
        self,
        zone: str,
        table: str,
        df: pl.DataFrame,
        quarter: str | None = None,
        provenance: dict | None = None,
    ) -> VersionInfo:
        """Store ``df`` as the next version of ``zone/table`` for ``quarter`` (None: ``_all``)."""
        if not isinstance(df, pl.DataFrame):
            raise TypeError(f"{zone}/{table}: expected a polars DataFrame, got {type(df).__name__}")
        provenance = dict(provenance or {})
        qdir = self.quarter_dir(zone, table, quarter)
        qdir.mkdir(parents=True, exist_ok=True)
        quarter_name = qdir.name.removeprefix("quarter=")

        tmp = qdir / f"{TEMP_PREFIX}{uuid.uuid4().hex}"
        tmp.mkdir()
        try:
            part = tmp / PART_FILE
            df.write_parquet(part, compression="snappy", statistics=True)
            _fsync_file(part)
            digest = _sha256(part)
            meta = {
                "zone": zone,
                "table": table,
                "quarter": quarter_name,
                "rows": df.height,
                "columns": [{"name": n, "dtype": str(t)} for n, t in df.schema.items()],
                "sha256": digest,
                "code_version": str(provenance.get("code_version") or code_version()),
                "provenance": provenance,
                "created": datetime.now(UTC).isoformat(timespec="microseconds"),
            }
            version = self._publish(qdir, tmp, meta)
        except BaseException:
            # Leave no debris on an ordinary failure; a SIGKILL cannot reach here, and its
            # .tmp-* folder is invisible to readers and removed later by sweep_temp.
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        info = VersionInfo(
            zone=zone,
            table=table,
            quarter=quarter_name,
            version=version,
            path=qdir / f"v={version:06d}" / PART_FILE,
            rows=df.height,
            created=meta["created"],
            sha256=digest,
            code_version=meta["code_version"],
            provenance=provenance,
        )
        self._refresh_catalogue(zone)
        return info

    def _publish(self, qdir: Path, tmp: Path, meta: dict) -> int:
        """Number the finished temp folder and rename it into place; returns the version."""
        with _locked(qdir / ".lock"):
            version = self._max_version(qdir) + 1
            for _ in range(1000):
                meta["version"] = version
                vfile = tmp / VERSION_FILE
                vfile.write_text(json.dumps(meta, indent=2, sort_keys=True, default=str))
                _fsync_file(vfile)
                _fsync_dir(tmp)
                target = qdir / f"v={version:06d}"
                try:
                    os.rename(tmp, target)
                except OSError:
                    # Taken by a writer that ignored the lock (or a stray folder): next number.
                    if target.exists():
                        version += 1
                        continue
                    raise
                _fsync_dir(qdir)
                return version
        raise RuntimeError(f"{qdir.name}: could not find a free version number")

    @staticmethod
    def _max_version(qdir: Path) -> int:
        # Count every v=N folder, complete or not, so a number is never reused.
        best = 0
        for entry in os.scandir(qdir):
            m = _VERSION_DIR_RE.match(entry.name)
            if m and entry.is_dir():
                best = max(best, int(m.group(1)))
        return best

    # ------------------------------------------------------------------ listing

    def _version_infos(self, qdir: Path, zone: str, table: str) -> list[VersionInfo]:
        out = []
        if not qdir.is_dir():
            return out
        for entry in sorted(os.scandir(qdir), key=lambda e: e.name):
            m = _VERSION_DIR_RE.match(entry.name)
            if not m or not entry.is_dir():
                continue
            vdir = Path(entry.path)
            vfile, part = vdir / VERSION_FILE, vdir / PART_FILE
            if not vfile.is_file() or not part.is_file():
                continue
            try:
                meta = json.loads(vfile.read_text())
            except (OSError, ValueError):
                continue
            out.append(
                VersionInfo(
                    zone=zone,
                    table=table,
                    quarter=qdir.name.removeprefix("quarter="),
                    version=int(m.group(1)),
                    path=part,
                    rows=int(meta.get("rows", -1)),
                    created=str(meta.get("created", "")),
                    sha256=str(meta.get("sha256", "")),
                    code_version=str(meta.get("code_version", "")),
                    provenance=meta.get("provenance") or {},
                )
            )
        return out

    def quarters(self, zone: str, table: str) -> list[str]:
        """Quarters (and ``_all``) that have at least one complete version, sorted."""
        tdir = self.table_dir(zone, table)
        if not tdir.is_dir():
            return []
        found = []
        for entry in os.scandir(tdir):
            if entry.is_dir() and entry.name.startswith("quarter="):
                if self._version_infos(Path(entry.path), zone, table):
                    found.append(entry.name.removeprefix("quarter="))
        return sorted(found)

    def versions(self, zone: str, table: str, quarter: str | None = None) -> list[VersionInfo]:
        """Every complete version of a table (of one quarter if given), oldest first."""
        if quarter is not None:
            return self._version_infos(self.quarter_dir(zone, table, quarter), zone, table)
        out: list[VersionInfo] = []
        for q in self.quarters(zone, table):
            out.extend(self._version_infos(self.quarter_dir(zone, table, q), zone, table))
        return out

    def resolve(
        self, zone: str, table: str, quarter: str | None = None, version: int | None = None
    ) -> VersionInfo:
        """The version ``read`` would return (see there)."""
        if quarter is None:
            qs = self.quarters(zone, table)
            if not qs:
                raise FileNotFoundError(f"{zone}/{table}: no stored version")
            real = [q for q in qs if q != UNPARTITIONED]
            if version is not None and len(qs) > 1:
                raise ValueError(f"{zone}/{table}: version {version} is ambiguous; name the quarter")
            # Quarter strings sort chronologically; _all only stands in for unpartitioned tables.
            quarter = real[-1] if real else UNPARTITIONED
        infos = self.versions(zone, table, quarter)
        if not infos:
            raise FileNotFoundError(f"{zone}/{table}: no stored version for quarter {quarter}")
        if version is None:
            return infos[-1]
        for info in infos:
            if info.version == version:
                return info
        raise FileNotFoundError(f"{zone}/{table}: no version {version} for quarter {quarter}")

    def latest_path(self, zone: str, table: str, quarter: str | None = None) -> Path:
        return self.resolve(zone, table, quarter).path

    # ------------------------------------------------------------------ read

    def read(
        self, zone: str, table: str, quarter: str | None = None, version: int | None = None,
        columns: list[str] | None = None,
    ) -> pl.DataFrame:
        """Latest version of the latest quarter; latest of ``quarter``; or exactly ``version``.
        With ``columns``, only those of them the table holds."""
        return read_parquet_held(self.resolve(zone, table, quarter, version).path, columns)

    def read_all_quarters(
        self, zone: str, table: str, up_to: str | None = None
    ) -> pl.DataFrame:
        """Latest version of each quarter (up to and including ``up_to``), stacked.

        A ``_quarter`` column is added when the table does not already carry one; columns that
        appear in some quarters only are filled with nulls.
        """
        if up_to is not None:
            _quarter_dir_name(up_to)
        frames = []
        for q in self.quarters(zone, table):
            if q == UNPARTITIONED or (up_to is not None and q > up_to):
                continue
            df = self.read(zone, table, quarter=q)
            if "_quarter" not in df.columns:
                df = df.with_columns(pl.lit(q, dtype=pl.String).alias("_quarter"))
            frames.append(df)
        if not frames:
            raise FileNotFoundError(f"{zone}/{table}: no stored quarter")
        return pl.concat(frames, how="diagonal_relaxed")

    # ------------------------------------------------------------------ catalogue

    def catalogue(self, zone: str | None = None) -> pl.DataFrame:
        """Every complete version, rebuilt from the ``_version.json`` files (never stale)."""
        if zone is not None:
            zones = [_check_name("zone", zone)]
        elif self.home.is_dir():
            # The Dagster instance folder lives in the home too; it holds no tables.
            zones = sorted(
                e.name
                for e in os.scandir(self.home)
                if e.is_dir() and _NAME_RE.match(e.name) and e.name != "dagster"
            )
        else:
            zones = []
        rows = []
        for z in zones:
            zdir = self.home / z
            if not zdir.is_dir():
                continue
            for tentry in sorted(os.scandir(zdir), key=lambda e: e.name):
                if not tentry.is_dir() or not _NAME_RE.match(tentry.name):
                    continue
                for info in self.versions(z, tentry.name):
                    rows.append(
                        {
                            "zone": info.zone,
                            "table": info.table,
                            "quarter": info.quarter,
                            "version": info.version,
                            "rows": info.rows,
                            "created": info.created,
                            "path": str(info.path),
                            "sha256": info.sha256,
                            "code_version": info.code_version,
                            "provenance": json.dumps(info.provenance, sort_keys=True, default=str),
                        }
                    )
        return pl.DataFrame(rows, schema=CATALOGUE_SCHEMA) if rows else pl.DataFrame(schema=CATALOGUE_SCHEMA)

    def _refresh_catalogue(self, zone: str) -> None:
        zdir = self.home / zone
        # Serialised per zone so a slower writer cannot replace the file with an older scan.
        with _locked(zdir / ".catalogue.lock"):
            cat = self.catalogue(zone)
            for name, writer in (
                (CATALOGUE_CSV, lambda df, p: df.write_csv(p)),
                (CATALOGUE_PARQUET, lambda df, p: df.write_parquet(p, compression="snappy")),
            ):
                target = zdir / name
                tmp = zdir / f"{TEMP_PREFIX}{uuid.uuid4().hex}-{name}"
                writer(cat, tmp)
                _fsync_file(tmp)
                os.replace(tmp, target)

    # ------------------------------------------------------------------ housekeeping

    def verify(self, zone: str, table: str, quarter: str | None = None, version: int | None = None) -> bool:
        """True when the parquet file still has the checksum recorded at write time."""
        info = self.resolve(zone, table, quarter, version)
        return _sha256(info.path) == info.sha256

    def sweep_temp(self, older_than_seconds: float = 3600.0) -> int:
        """Remove ``.tmp-*`` leftovers of killed writers; returns how many were removed.

        The age limit keeps a sweep from pulling the floor out from under a live writer.
        """
        if not self.home.is_dir():
            return 0
        cutoff = time.time() - older_than_seconds
        removed = 0
        for dirpath, dirnames, filenames in os.walk(self.home):
            for name in list(dirnames) + filenames:
                if not name.startswith(TEMP_PREFIX):
                    continue
                p = Path(dirpath) / name
                try:
                    if p.stat().st_mtime > cutoff:
                        continue
                    shutil.rmtree(p) if p.is_dir() else p.unlink()
                    removed += 1
                except FileNotFoundError:
                    continue
            dirnames[:] = [d for d in dirnames if not d.startswith(TEMP_PREFIX)]
        return removed
