"""The Dagster code location: every asset, check, job, sensor and schedule of asc-linkage.

Loaded by ``dagster dev -m asc_linkage.defs.definitions`` (what ``asc-linkage ui`` runs), by
``workspace.yaml``, and by the command line. The home folder comes from ``$ASC_LINKAGE_HOME``.
"""

from __future__ import annotations

import dagster as dg

from asc_linkage.core.home import Home
from asc_linkage.defs import automation, indicators, linkage, published, raw, research
from asc_linkage.defs.storage import HomeResource, ZoneParquetIOManager

QUARTERLY_REFRESH_JOB = "quarterly_refresh"

quarterly_refresh_job = dg.define_asset_job(
    QUARTERLY_REFRESH_JOB,
    selection=dg.AssetSelection.all() - dg.AssetSelection.assets(*automation.UNPARTITIONED_ASSETS),
    description="Every quarter-partitioned asset for one quarter: raw -> spines -> linkage -> "
    "research -> indicators -> published.",
)


def build_definitions(home: str | None = None) -> dg.Definitions:
    resolved = Home.resolve(home)
    return dg.Definitions(
        assets=[
            *raw.RAW_ASSETS,
            *linkage.ASSETS,
            *research.ASSETS,
            *indicators.ASSETS,
            *published.ASSETS,
            *automation.ASSETS,
        ],
        asset_checks=[*linkage.CHECKS, *research.CHECKS, *published.CHECKS, *automation.CHECKS],
        jobs=[quarterly_refresh_job, *automation.JOBS],
        sensors=automation.sensors(QUARTERLY_REFRESH_JOB),
        schedules=automation.schedules(QUARTERLY_REFRESH_JOB),
        # One process per run, not per step: a step's imports (polars, Splink, GX) cost more than
        # most steps, and quarters build on each other, so nothing is gained from step processes.
        executor=dg.in_process_executor,
        resources={
            "io_manager": ZoneParquetIOManager(home=str(resolved.root)),
            "home": HomeResource(home=str(resolved.root)),
        },
    )


defs = build_definitions()
