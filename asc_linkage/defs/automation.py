"""Quarterly refresh without anyone pressing a button: the landing sensor, the backstop
schedule, and the lateness check on the landing zone.

A drop is processed once: the sensor remembers each quarter's manifest checksum in its cursor
and also asks the instance which manifest the quarter's raw tables were last built from (so runs
made from the command line count). A re-delivered drop has a new manifest and is run again.
"""


import datetime as dt
import json
from pathlib import Path

import dagster as dg
import polars as pl

from asc_linkage.core.ingest import manifest_digest, scan_landing
from asc_linkage.core.quarters import previous_quarter, quarter_end, quarter_of, quarter_range
from asc_linkage.defs.common import (
    IDENTIFIABLE, QUARTER_PARTITIONS_NAME, RAW, output_table_schema, zone_metadata, zone_tags,
)
from asc_linkage.defs.storage import HomeResource

# The CLD submission window closes one month after the quarter ends.
SUBMISSION_WINDOW_DAYS = 31
# The raw asset whose materialisations record which manifest a quarter was built from.
MANIFEST_WITNESS = dg.AssetKey("raw_cld_events")
LANDING_INVENTORY = "landing_drop_inventory"
DROPS_ON_TIME = "drops_arrived_on_time"
LANDING_WATCH_JOB = "landing_watch"


def processed_manifest(instance: dg.DagsterInstance, quarter: str) -> str | None:
    """The manifest checksum the quarter's raw tables were last built from, if any."""
    records = instance.fetch_materializations(
        dg.AssetRecordsFilter(asset_key=MANIFEST_WITNESS, asset_partitions=[quarter]), limit=1
    ).records
    if not records:
        return None
    value = records[0].asset_materialization.metadata.get("manifest_sha256")
    return value.value if value is not None else None


def drops_to_run(instance: dg.DagsterInstance, landing: Path, cursor: dict[str, str], log=None):
    """Complete drops whose manifest has not been processed yet, oldest first."""
    due = []
    for status in scan_landing(landing):
        if not status.complete:
            if log is not None:
                log.info(f"skipped incomplete drop: {status.reason}")
            continue
        digest = manifest_digest(landing, status.quarter)
        if cursor.get(status.quarter) == digest or processed_manifest(instance, status.quarter) == digest:
            cursor[status.quarter] = digest
            continue
        cursor[status.quarter] = digest
        due.append((status.quarter, digest))
    return sorted(due)


def sensors(job_name: str) -> list[dg.SensorDefinition]:
    @dg.sensor(
        name="landing_drop_sensor",
        job_name=job_name,
        minimum_interval_seconds=15,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description="Watches the landing folder; when a quarter's drop is complete (valid manifest) "
        "and not yet processed, adds the quarter partition and requests its refresh run. "
        "Incomplete drops are skipped with the reason in the tick log.",
    )
    def landing_drop_sensor(context: dg.SensorEvaluationContext, home: HomeResource):
        landing = home.resolved.landing()
        if landing is None or not landing.is_dir():
            return dg.SkipReason("no landing folder configured for this home")
        cursor = json.loads(context.cursor or "{}")
        due = drops_to_run(context.instance, landing, cursor, log=context.log)
        new = [q for q, _ in due if not context.instance.has_dynamic_partition(QUARTER_PARTITIONS_NAME, q)]
        return dg.SensorResult(
            run_requests=[
                dg.RunRequest(run_key=f"{q}:{digest[:16]}", partition_key=q,
                              tags={"asc_linkage/manifest_sha256": digest})
                for q, digest in due
            ],
            dynamic_partitions_requests=[dg.DynamicPartitionsDefinition(name=QUARTER_PARTITIONS_NAME)
                                         .build_add_request(new)] if new else [],
            cursor=json.dumps(cursor, sort_keys=True),
            skip_reason=None if due else "no new complete drop",
        )

    return [landing_drop_sensor]


def schedules(job_name: str) -> list[dg.ScheduleDefinition]:
    @dg.schedule(
        name="quarterly_backstop",
        job_name=job_name,
        cron_schedule="0 6 2 2,5,8,11 *",
        execution_timezone="Europe/London",
        default_status=dg.DefaultScheduleStatus.RUNNING,
        description="Backstop for the sensor: on the 2nd of the month after each CLD submission "
        "window closes, runs every complete drop that has not been processed.",
    )
    def quarterly_backstop(context: dg.ScheduleEvaluationContext, home: HomeResource):
        landing = home.resolved.landing()
        if landing is None or not landing.is_dir():
            return dg.SkipReason("no landing folder configured for this home")
        due = drops_to_run(context.instance, landing, {})
        new = [q for q, _ in due if not context.instance.has_dynamic_partition(QUARTER_PARTITIONS_NAME, q)]
        if new:
            context.instance.add_dynamic_partitions(QUARTER_PARTITIONS_NAME, new)
        if not due:
            return dg.SkipReason("every complete drop has been processed")
        return [dg.RunRequest(run_key=f"backstop:{q}:{d[:16]}", partition_key=q) for q, d in due]

    lateness = dg.ScheduleDefinition(
        name="landing_lateness_daily",
        job_name=LANDING_WATCH_JOB,
        cron_schedule="0 7 * * *",
        execution_timezone="Europe/London",
        default_status=dg.DefaultScheduleStatus.RUNNING,
        description="Daily inventory of the landing zone; its check fails when a quarter's drop has "
        "not arrived a month after the quarter ended.",
    )
    return [quarterly_backstop, lateness]


def landing_inventory_frame(landing: Path | None) -> pl.DataFrame:
    rows = []
    if landing is not None and landing.is_dir():
        for status in scan_landing(landing):
            rows.append({"quarter": status.quarter, "complete": status.complete,
                         "reason": None if status.complete else status.reason})
    return pl.DataFrame(rows, schema={"quarter": pl.String, "complete": pl.Boolean, "reason": pl.String})


def overdue_quarters(inventory: pl.DataFrame, today: dt.date, last_expected: str | None) -> list[str]:
    """Quarters whose submission window has closed with no complete drop, from the first drop on."""
    if inventory.is_empty():
        return []
    first = inventory["quarter"].min()
    latest_due = quarter_of(today - dt.timedelta(days=SUBMISSION_WINDOW_DAYS))
    while quarter_end(latest_due) + dt.timedelta(days=SUBMISSION_WINDOW_DAYS) > today:
        latest_due = previous_quarter(latest_due)
    if last_expected is not None and last_expected < latest_due:
        latest_due = last_expected
    if latest_due < first:
        return []
    complete = set(inventory.filter(pl.col("complete"))["quarter"].to_list())
    return [q for q in quarter_range(first, latest_due) if q not in complete]


@dg.asset(
    name=LANDING_INVENTORY,
    group_name=RAW,
    tags=zone_tags(IDENTIFIABLE),
    metadata=zone_metadata(IDENTIFIABLE, output_table_schema(LANDING_INVENTORY)),
    kinds={"polars"},
    check_specs=[dg.AssetCheckSpec(DROPS_ON_TIME, asset=LANDING_INVENTORY,
                                   description="Fails when a quarter's drop has not arrived a month after the quarter ended "
                                   "(the CLD submission window).")],
    description="Every quarter folder in the landing zone, complete or not, with the reason a drop is "
    "incomplete. Holds no data from the drops.",
)
def landing_drop_inventory(context: dg.AssetExecutionContext, home: HomeResource):
    inventory = landing_inventory_frame(home.resolved.landing())
    config = home.resolved.load_config()
    overdue = overdue_quarters(inventory, dt.date.today(), config.extra.get("expected_last_quarter"))
    yield dg.Output(inventory, metadata={
        "dagster/row_count": inventory.height,
        "complete_drops": int(inventory["complete"].sum()) if inventory.height else 0,
    })
    yield dg.AssetCheckResult(
        check_name=DROPS_ON_TIME, passed=not overdue, severity=dg.AssetCheckSeverity.ERROR,
        metadata={"overdue_quarters": ", ".join(overdue) or "none", "overdue_count": len(overdue)},
    )


landing_watch_job = dg.define_asset_job(LANDING_WATCH_JOB, selection=[LANDING_INVENTORY])

UNPARTITIONED_ASSETS = [LANDING_INVENTORY]
ASSETS = [landing_drop_inventory]
CHECKS: list = []
JOBS = [landing_watch_job]
