"""The landing sensor, the quarterly backstop schedule and the lateness check, evaluated
directly (no daemon, no web server) over a tiny synthetic landing zone and an ephemeral
Dagster instance."""

from __future__ import annotations

import datetime as dt
import json
import logging
import shutil
from pathlib import Path

import dagster as dg
import pytest

from asc_linkage.core.home import Home, HomeConfig
from asc_linkage.defs import automation
from asc_linkage.defs.automation import (
    DROPS_ON_TIME, LANDING_INVENTORY, landing_drop_inventory, landing_inventory_frame, manifest_digest,
    overdue_quarters,
)
from asc_linkage.defs.common import QUARTER_PARTITIONS_NAME
from asc_linkage.defs.definitions import QUARTERLY_REFRESH_JOB
from asc_linkage.defs.storage import HomeResource

QUARTERS = ["2025-Q1", "2025-Q2"]


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory) -> Path:
    """A tiny synthetic borough, two quarterly drops; generated once per module."""
    from asc_linkage.core.synth import generate

    out = tmp_path_factory.mktemp("synth")
    generate(out, persons=150, seed=11, quarters=QUARTERS, progress=False)
    return out / "landing"


@pytest.fixture
def landing(synthetic, tmp_path, monkeypatch) -> Path:
    """A fresh copy of the landing zone per test (tests break drops on purpose)."""
    monkeypatch.delenv("ASC_LINKAGE_LANDING", raising=False)
    copy = tmp_path / "landing"
    shutil.copytree(synthetic, copy)
    return copy


def _home(tmp_path: Path, landing: Path, **extra) -> HomeResource:
    home = Home(tmp_path / "home").ensure()
    home.save_config(HomeConfig(landing=str(landing), extra=extra))
    return HomeResource(home=str(home.root))


@pytest.fixture
def home(tmp_path, landing) -> HomeResource:
    return _home(tmp_path, landing)


@pytest.fixture
def instance(tmp_path):
    # a throw-away instance on disk: schedule contexts need an instance reference
    (tmp_path / "dagster").mkdir()
    with dg.DagsterInstance.local_temp(str(tmp_path / "dagster")) as temporary:
        yield temporary
    # a closed instance stays registered as the current definitions-state storage and later
    # definition loads in this process fail on its dead weakref (dagster 1.13): forget it
    from dagster._core.storage.defs_state.base import _current_storage

    _current_storage.set(None)


@pytest.fixture(scope="module")
def sensor_def() -> dg.SensorDefinition:
    (sensor,) = automation.sensors(QUARTERLY_REFRESH_JOB)
    return sensor


@pytest.fixture(scope="module")
def backstop_def() -> dg.ScheduleDefinition:
    return next(s for s in automation.schedules(QUARTERLY_REFRESH_JOB) if s.name == "quarterly_backstop")


class _TickLog(logging.Handler):
    """Collects what the sensor writes to its tick log (``context.log``)."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.messages: list[str] = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def _tick(sensor_def, instance, home, cursor=None, log: _TickLog | None = None) -> dg.SensorResult:
    context = dg.build_sensor_context(instance=instance, cursor=cursor, resources={"home": home})
    if log is not None:
        context.log.addHandler(log)
    result = sensor_def(context)
    assert isinstance(result, dg.SensorResult)
    return result


def _apply(instance, result: dg.SensorResult) -> None:
    """What the sensor daemon does with the result's partition requests."""
    for request in result.dynamic_partitions_requests or []:
        instance.add_dynamic_partitions(request.partitions_def_name, list(request.partition_keys))


def _added(result: dg.SensorResult) -> list[str]:
    return sorted(key for request in result.dynamic_partitions_requests or []
                  for key in request.partition_keys)


def _requested(result) -> list[str]:
    requests = result.run_requests if isinstance(result, dg.SensorResult) else (result or [])
    return sorted(request.partition_key for request in requests)


def _built_from(instance, quarter: str, digest: str) -> None:
    """Record that a quarter's raw tables were built from this manifest (as a real run would)."""
    instance.report_runless_asset_event(dg.AssetMaterialization(
        asset_key=automation.MANIFEST_WITNESS, partition=quarter, metadata={"manifest_sha256": digest}))


def _redeliver(landing: Path, quarter: str) -> None:
    """The council resubmits: same files, a new manifest (new creation time)."""
    path = landing / quarter / "manifest.json"
    manifest = json.loads(path.read_text())
    manifest["created"] = "2025-05-20T09:30:00Z"
    path.write_text(json.dumps(manifest, indent=2))


# -- landing sensor -----------------------------------------------------------------------------

def test_sensor_requests_a_run_per_complete_drop_and_adds_its_partition(sensor_def, instance, home, landing):
    result = _tick(sensor_def, instance, home)
    assert _requested(result) == QUARTERS
    assert _added(result) == QUARTERS
    for request in result.run_requests:
        assert request.run_key.startswith(f"{request.partition_key}:")
        assert request.tags["asc_linkage/manifest_sha256"] == manifest_digest(landing, request.partition_key)
    assert sensor_def.job_name == QUARTERLY_REFRESH_JOB
    assert json.loads(result.cursor) == {q: manifest_digest(landing, q) for q in QUARTERS}


def test_sensor_does_not_re_add_a_known_partition(sensor_def, instance, home):
    instance.add_dynamic_partitions(QUARTER_PARTITIONS_NAME, ["2025-Q1"])
    result = _tick(sensor_def, instance, home)
    assert _requested(result) == QUARTERS
    assert _added(result) == ["2025-Q2"]


@pytest.mark.parametrize("fault", ["manifest_missing", "bad_checksum", "file_missing"])
def test_sensor_skips_an_incomplete_drop_and_logs_why(sensor_def, instance, home, landing, fault):
    drop = landing / "2025-Q2"
    if fault == "manifest_missing":
        (drop / "manifest.json").unlink()
        reason = "2025-Q2/manifest.json: missing"
    elif fault == "bad_checksum":
        (drop / "asc" / "cld_events.csv").write_bytes((drop / "asc" / "cld_events.csv").read_bytes() + b" ")
        reason = "2025-Q2/asc/cld_events.csv: sha256 does not match manifest"
    else:
        (drop / "mh" / "referrals.csv").unlink()
        reason = "2025-Q2/mh/referrals.csv: listed in manifest.json but missing"
    log = _TickLog()
    result = _tick(sensor_def, instance, home, log=log)
    assert _requested(result) == ["2025-Q1"]
    assert "2025-Q2" not in _added(result)
    assert "2025-Q2" not in json.loads(result.cursor), "an incomplete drop must be looked at again next tick"
    assert any(reason in message for message in log.messages), f"tick log lacks {reason!r}: {log.messages}"


def test_sensor_skips_with_a_reason_when_only_incomplete_drops(sensor_def, instance, home, landing):
    for quarter in QUARTERS:
        (landing / quarter / "manifest.json").unlink()
    result = _tick(sensor_def, instance, home)
    assert not result.run_requests
    assert result.skip_reason is not None and result.skip_reason.skip_message


def test_sensor_processes_a_drop_once(sensor_def, instance, home):
    first = _tick(sensor_def, instance, home)
    _apply(instance, first)
    assert _requested(first) == QUARTERS
    second = _tick(sensor_def, instance, home, cursor=first.cursor)
    assert not second.run_requests
    assert not second.dynamic_partitions_requests
    assert second.skip_reason is not None
    assert second.cursor == first.cursor


def test_sensor_counts_drops_built_outside_it(sensor_def, instance, home, landing):
    """A quarter built by `asc-linkage run` (its raw tables record the manifest) is not run again,
    even with an empty cursor (a new sensor, or a reset)."""
    _built_from(instance, "2025-Q1", manifest_digest(landing, "2025-Q1"))
    result = _tick(sensor_def, instance, home)
    assert _requested(result) == ["2025-Q2"]


def test_sensor_runs_a_redelivered_drop_again(sensor_def, instance, home, landing):
    first = _tick(sensor_def, instance, home)
    _apply(instance, first)
    old = manifest_digest(landing, "2025-Q1")
    _built_from(instance, "2025-Q1", old)
    _redeliver(landing, "2025-Q1")
    new = manifest_digest(landing, "2025-Q1")
    assert new != old
    again = _tick(sensor_def, instance, home, cursor=first.cursor)
    assert _requested(again) == ["2025-Q1"]
    (request,) = again.run_requests
    assert request.run_key == f"2025-Q1:{new[:16]}"
    assert request.run_key not in {r.run_key for r in first.run_requests}, "a new run key, or Dagster dedupes it"
    assert not _added(again), "the partition already exists"
    assert json.loads(again.cursor)["2025-Q1"] == new
    # and once is enough
    assert not _tick(sensor_def, instance, home, cursor=again.cursor).run_requests


def test_sensor_skips_without_a_landing_folder(sensor_def, instance, tmp_path, monkeypatch):
    monkeypatch.delenv("ASC_LINKAGE_LANDING", raising=False)
    home = HomeResource(home=str(Home(tmp_path / "bare").ensure().root))
    context = dg.build_sensor_context(instance=instance, resources={"home": home})
    result = sensor_def(context)
    skip = result.skip_reason if isinstance(result, dg.SensorResult) else result
    assert isinstance(skip, dg.SkipReason) and "landing" in skip.skip_message


def test_landing_folder_from_the_environment(sensor_def, instance, tmp_path, landing, monkeypatch):
    monkeypatch.setenv("ASC_LINKAGE_LANDING", str(landing))
    home = HomeResource(home=str(Home(tmp_path / "env_home").ensure().root))
    assert _requested(_tick(sensor_def, instance, home)) == QUARTERS


# -- quarterly backstop schedule ----------------------------------------------------------------

def _backstop(backstop_def, instance, home):
    context = dg.build_schedule_context(instance=instance, resources={"home": home},
                                        scheduled_execution_time=dt.datetime(2025, 8, 2, 6, 0))
    return backstop_def(context)


def test_backstop_requests_unprocessed_drops_and_adds_partitions(backstop_def, instance, home, landing):
    _built_from(instance, "2025-Q1", manifest_digest(landing, "2025-Q1"))
    result = _backstop(backstop_def, instance, home)
    assert _requested(result) == ["2025-Q2"]
    assert all(r.run_key.startswith("backstop:2025-Q2:") for r in result)
    assert instance.has_dynamic_partition(QUARTER_PARTITIONS_NAME, "2025-Q2")


def test_backstop_skips_when_everything_is_processed(backstop_def, instance, home, landing):
    for quarter in QUARTERS:
        _built_from(instance, quarter, manifest_digest(landing, quarter))
    result = _backstop(backstop_def, instance, home)
    assert isinstance(result, dg.SkipReason)


def test_backstop_ignores_incomplete_drops(backstop_def, instance, home, landing):
    (landing / "2025-Q2" / "manifest.json").unlink()
    assert _requested(_backstop(backstop_def, instance, home)) == ["2025-Q1"]
    assert not instance.has_dynamic_partition(QUARTER_PARTITIONS_NAME, "2025-Q2")


def test_backstop_cron_is_after_each_submission_window(backstop_def):
    # 2nd of Feb/May/Aug/Nov: after the one-month CLD window of the quarter before has closed
    assert backstop_def.cron_schedule == "0 6 2 2,5,8,11 *"
    assert backstop_def.job_name == QUARTERLY_REFRESH_JOB


# -- lateness -----------------------------------------------------------------------------------

def test_overdue_a_month_after_the_quarter_ends(landing):
    inventory = landing_inventory_frame(landing)
    assert sorted(inventory.filter(inventory["complete"])["quarter"].to_list()) == QUARTERS
    # 2025-Q3 ends 30 September: its window closes 31 October
    assert overdue_quarters(inventory, dt.date(2025, 10, 15), None) == []
    assert overdue_quarters(inventory, dt.date(2025, 10, 30), None) == []
    assert overdue_quarters(inventory, dt.date(2025, 11, 1), None) == ["2025-Q3"]
    assert overdue_quarters(inventory, dt.date(2026, 2, 15), None) == ["2025-Q3", "2025-Q4"]
    # the home says the drops end with 2025-Q2 (e.g. a demo): nothing later is late
    assert overdue_quarters(inventory, dt.date(2026, 2, 15), "2025-Q2") == []


def test_an_incomplete_drop_is_overdue_once_its_window_closes(landing):
    (landing / "2025-Q2" / "manifest.json").unlink()
    inventory = landing_inventory_frame(landing)
    assert inventory.filter(~inventory["complete"])["reason"].to_list() == [
        "2025-Q2/manifest.json: missing (the drop is not complete until the manifest is written)"]
    assert overdue_quarters(inventory, dt.date(2025, 7, 20), None) == []
    assert overdue_quarters(inventory, dt.date(2025, 8, 5), None) == ["2025-Q2"]


def test_nothing_is_overdue_before_the_first_drop(tmp_path):
    assert overdue_quarters(landing_inventory_frame(tmp_path / "absent"), dt.date(2026, 1, 1), None) == []


def _inventory_check(home: HomeResource, instance) -> dg.AssetCheckEvaluation:
    result = dg.materialize_to_memory([landing_drop_inventory], resources={"home": home}, instance=instance)
    assert result.success
    (evaluation,) = result.get_asset_check_evaluations()
    assert evaluation.check_name == DROPS_ON_TIME
    assert evaluation.asset_key == dg.AssetKey(LANDING_INVENTORY)
    return evaluation


def test_inventory_check_passes_when_no_quarter_is_overdue(tmp_path, landing, instance):
    evaluation = _inventory_check(_home(tmp_path, landing, expected_last_quarter="2025-Q2"), instance)
    assert evaluation.passed
    assert evaluation.metadata["overdue_count"].value == 0


def test_inventory_check_fails_when_a_quarter_is_overdue(tmp_path, landing, instance):
    # today is well past 2025-Q3's window and nothing says the drops stop at 2025-Q2
    assert dt.date.today() > dt.date(2025, 10, 31)
    evaluation = _inventory_check(_home(tmp_path, landing), instance)
    assert not evaluation.passed
    assert evaluation.severity == dg.AssetCheckSeverity.ERROR
    assert "2025-Q3" in evaluation.metadata["overdue_quarters"].value


def test_inventory_lists_drops_without_their_data(tmp_path, landing, instance):
    (landing / "2025-Q2" / "manifest.json").unlink()
    home = _home(tmp_path, landing, expected_last_quarter="2025-Q2")
    result = dg.materialize_to_memory([landing_drop_inventory], resources={"home": home}, instance=instance)
    inventory = result.output_for_node(LANDING_INVENTORY)
    assert inventory.columns == ["quarter", "complete", "reason"]
    assert inventory.sort("quarter")["complete"].to_list() == [True, False]
    (materialisation,) = result.get_asset_materialization_events()
    metadata = materialisation.event_specific_data.materialization.metadata
    assert metadata["complete_drops"].value == 1
    assert metadata["dagster/row_count"].value == 2
    (evaluation,) = result.get_asset_check_evaluations()
    assert not evaluation.passed, "2025-Q2 has no complete drop and its window closed long ago"
