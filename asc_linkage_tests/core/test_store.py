"""VersionedStore: versions, reads by polars/pandas/DuckDB, catalogue, atomicity under a kill."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import polars as pl
import pytest

from asc_linkage.core import store as store_mod
from asc_linkage.core.store import VersionedStore

REPO = Path(__file__).resolve().parents[2]


def frame(n: int, offset: int = 0) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "research_person_id": [f"RP{i + offset:012x}" for i in range(n)],
            "value": [float(i) for i in range(n)],
            "when": [date(2025, 1, 1 + i % 28) for i in range(n)],
        }
    )


@pytest.fixture
def store(tmp_path: Path) -> VersionedStore:
    return VersionedStore(tmp_path / "home")


def test_layout_and_version_json(store: VersionedStore):
    info = store.write("research", "linked_cohort", frame(3), "2025-Q2", {"linkage_model_version": "m1"})
    assert info.version == 1 and info.rows == 3 and info.quarter == "2025-Q2"
    assert info.path == store.home / "research/linked_cohort/quarter=2025-Q2/v=000001/part-0.parquet"
    meta = json.loads((info.path.parent / "_version.json").read_text())
    assert meta["rows"] == 3 and meta["version"] == 1
    assert [c["name"] for c in meta["columns"]] == ["research_person_id", "value", "when"]
    assert meta["provenance"] == {"linkage_model_version": "m1"}
    assert meta["code_version"]
    assert meta["sha256"] == info.sha256 and store.verify("research", "linked_cohort", "2025-Q2")
    un = store.write("identifiable", "ref_lsoa_imd", frame(2), None, {})
    assert un.path.parent.parent.name == "quarter=_all"


def test_each_write_is_a_new_version_and_reads_resolve(store: VersionedStore):
    store.write("research", "t", frame(1), "2025-Q1", {})
    store.write("research", "t", frame(2), "2025-Q1", {})
    store.write("research", "t", frame(3), "2025-Q2", {})
    store.write("research", "t", frame(4), "2025-Q2", {})
    assert [v.version for v in store.versions("research", "t", "2025-Q1")] == [1, 2]
    assert store.read("research", "t").height == 4  # latest quarter, latest version
    assert store.read("research", "t", quarter="2025-Q1").height == 2
    assert store.read("research", "t", quarter="2025-Q1", version=1).height == 1
    assert store.read("research", "t", quarter="2025-Q2", version=1).height == 3
    with pytest.raises(ValueError, match="ambiguous"):
        store.read("research", "t", version=1)
    with pytest.raises(FileNotFoundError):
        store.read("research", "t", quarter="2025-Q1", version=9)
    # an older version is never overwritten
    assert store.read("research", "t", quarter="2025-Q1", version=1).equals(frame(1))


def test_read_all_quarters_takes_latest_of_each(store: VersionedStore):
    store.write("research", "t", frame(1), "2025-Q1", {})
    store.write("research", "t", frame(2), "2025-Q1", {})
    store.write("research", "t", frame(5), "2025-Q2", {})
    store.write("research", "t", frame(7), "2025-Q3", {})
    allq = store.read_all_quarters("research", "t", up_to="2025-Q2")
    assert allq.height == 7
    assert allq.group_by("_quarter").len().sort("_quarter").rows() == [("2025-Q1", 2), ("2025-Q2", 5)]


def test_names_cannot_escape_home(store: VersionedStore):
    for zone, table, quarter in [("../x", "t", None), ("research", "a/b", None), ("research", "t", "2025Q1")]:
        with pytest.raises(ValueError):
            store.write(zone, table, frame(1), quarter, {})


def test_readable_by_polars_pandas_duckdb(store: VersionedStore):
    df = frame(5)
    info = store.write("research", "t", df, "2025-Q2", {})
    assert pl.read_parquet(info.path).equals(df)
    pdf = pd.read_parquet(info.path)
    assert list(pdf["research_person_id"]) == df["research_person_id"].to_list()
    sql = f"select research_person_id, value from read_parquet('{info.path}') order by value"
    rows = duckdb.sql(sql).fetchall()
    assert rows == list(zip(df["research_person_id"], df["value"]))


def test_catalogue_lists_every_version_and_is_written(store: VersionedStore):
    store.write("research", "a", frame(1), "2025-Q1", {"input_sha256": {"x.csv": "ab"}})
    store.write("research", "a", frame(2), "2025-Q1", {})
    store.write("published", "b", frame(3), None, {})
    cat = store.catalogue()
    assert cat.select("zone", "table", "quarter", "version", "rows").rows() == [
        ("published", "b", "_all", 1, 3),
        ("research", "a", "2025-Q1", 1, 1),
        ("research", "a", "2025-Q1", 2, 2),
    ]
    assert json.loads(cat["provenance"][1]) == {"input_sha256": {"x.csv": "ab"}}
    on_disk = pl.read_csv(store.home / "research/_catalogue.csv")
    assert on_disk.select("table", "version").rows() == [("a", 1), ("a", 2)]
    assert pl.read_parquet(store.home / "research/_catalogue.parquet").height == 2


def test_failure_between_data_write_and_rename_leaves_previous_version(store, monkeypatch):
    store.write("research", "t", frame(3), "2025-Q2", {})

    def boom(src, dst):
        raise OSError("simulated crash before rename")

    monkeypatch.setattr(store_mod.os, "rename", boom)
    with pytest.raises(OSError, match="simulated"):
        store.write("research", "t", frame(10), "2025-Q2", {})
    monkeypatch.undo()
    assert [v.version for v in store.versions("research", "t")] == [1]
    assert store.read("research", "t").equals(frame(3))
    qdir = store.quarter_dir("research", "t", "2025-Q2")
    assert not [p for p in qdir.iterdir() if p.name.startswith(".tmp-")]  # cleaned up


def test_readers_ignore_incomplete_version_folders(store: VersionedStore):
    store.write("research", "t", frame(3), "2025-Q2", {})
    qdir = store.quarter_dir("research", "t", "2025-Q2")
    # a folder with data but no _version.json (not something the writer can produce)
    (qdir / "v=000002").mkdir()
    frame(9).write_parquet(qdir / "v=000002" / "part-0.parquet")
    assert store.read("research", "t").height == 3
    assert store.catalogue()["version"].to_list() == [1]
    # and its number is never reused
    assert store.write("research", "t", frame(4), "2025-Q2", {}).version == 3


KILL_SCRIPT = textwrap.dedent(
    """
    import sys, time
    import polars as pl
    from pathlib import Path
    from asc_linkage.core import store as store_mod

    home, mode = Path(sys.argv[1]), sys.argv[2]
    if mode == "before_rename":
        real_publish = store_mod.VersionedStore._publish
        def stalled_publish(self, qdir, tmp, meta):
            # data fully written and fsynced; signal the parent and wait to be killed
            (home / "ready").write_text("1")
            time.sleep(60)
            return real_publish(self, qdir, tmp, meta)
        store_mod.VersionedStore._publish = stalled_publish
    n = 3_000_000
    df = pl.DataFrame({"a": pl.int_range(n, eager=True), "b": pl.int_range(n, eager=True).cast(pl.String)})
    (home / "started").write_text("1")
    store_mod.VersionedStore(home).write("research", "t", df, "2025-Q2", {})
    (home / "finished").write_text("1")
    """
)


@pytest.mark.parametrize("mode", ["before_rename", "during_parquet_write"])
def test_sigkill_mid_write_leaves_previous_version_intact(tmp_path: Path, mode: str):
    home = tmp_path / "home"
    store = VersionedStore(home)
    first = frame(4)
    store.write("research", "t", first, "2025-Q2", {})
    qdir = store.quarter_dir("research", "t", "2025-Q2")
    script = tmp_path / "writer.py"
    script.write_text(KILL_SCRIPT)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen([sys.executable, str(script), str(home), mode], env=env)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if mode == "before_rename" and (home / "ready").exists():
                break
            if mode == "during_parquet_write":
                parts = list(qdir.glob(".tmp-*/part-0.parquet"))
                if parts and parts[0].stat().st_size > 0:
                    break
            if proc.poll() is not None:
                break
            time.sleep(0.002)
        else:
            pytest.fail("writer never started writing")
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    finished = (home / "finished").exists()
    if mode == "before_rename":
        assert not finished and proc.returncode == -signal.SIGKILL
        assert list(qdir.glob(".tmp-*/part-0.parquet")), "the kill should leave a temp folder behind"
    versions = [v.version for v in store.versions("research", "t")]
    # Either the kill landed before the rename (only v1) or, if the writer won the race, v2 is
    # complete; never a half version.
    assert versions == ([1, 2] if finished else [1])
    assert store.read("research", "t", quarter="2025-Q2", version=1).equals(first)
    assert store.catalogue()["version"].to_list() == versions
    for v in store.versions("research", "t"):
        assert store.verify("research", "t", "2025-Q2", v.version)
    if not finished:
        assert store.read("research", "t").equals(first)
    # the store carries on: the next write takes the next number, leftovers can be swept
    nxt = store.write("research", "t", frame(2), "2025-Q2", {})
    assert nxt.version == versions[-1] + 1
    assert store.sweep_temp(older_than_seconds=0) >= (0 if finished else 1)
    assert not list(qdir.glob(".tmp-*"))


def test_concurrent_writers_never_share_a_number(store: VersionedStore):
    errors: list[BaseException] = []

    def writer(k: int) -> None:
        try:
            for j in range(3):
                store.write("research", "t", frame(1 + k, offset=j), "2025-Q2", {"writer": k})
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert [v.version for v in store.versions("research", "t")] == list(range(1, 13))
    assert pl.read_csv(store.home / "research/_catalogue.csv").height == 12


def test_rename_collision_retries_with_next_number(store: VersionedStore, monkeypatch):
    store.write("research", "t", frame(1), "2025-Q2", {})
    # simulate a writer that did not see v=1 (stale listing) and collides on the rename
    monkeypatch.setattr(VersionedStore, "_max_version", staticmethod(lambda qdir: 0))
    info = store.write("research", "t", frame(2), "2025-Q2", {})
    assert info.version == 2
    meta = json.loads((info.path.parent / "_version.json").read_text())
    assert meta["version"] == 2
    assert store.read("research", "t", quarter="2025-Q2", version=1).equals(frame(1))
