"""Great Expectations 1.x suites on the spines, the cohort and the published tables.

Suites are written in a small declarative form (``build_expectations``) and run by
``run_suite`` on a pandas copy of a polars frame (GX has no polars data source). What comes
back is a ``SuiteSummary`` of counts and expectation names only.

Personal data: every validation asks GX for ``result_format`` SUMMARY with
``partial_unexpected_count=0``, so GX computes counts and percentages but no sample of failing
values - not in the returned result, not in the validation results it stores, not in the Data
Docs it renders (checked by a test that plants marker values and searches every file written).
The summary then keeps only type, column, unexpected count and percent of each failure. Only
the columns a suite names are handed to GX at all.

Data Docs: with ``data_docs_dir`` a file-backed GX project lives in that folder (``gx/``) and
the docs site is rebuilt after each run; ``SuiteSummary.data_docs_index`` is its index.html.
Keep one such folder per zone (``data_docs_dir_for``: ``<home>/<zone>/_gx``), so the docs of
identifiable tables stay in the identifiable zone even though they hold no values.

Cost (measured on the 2-core development machine): importing great_expectations 1.24 takes
16-18 s of CPU (20-30 s wall when the machine is busy); a context 0.02 s (ephemeral) to 0.3 s
(file); saving a suite 0.3-2 s; a validation of a small frame 0.4 s, 1.2-1.5 s with the Data
Docs rebuild. So GX is imported only when a suite first runs (importing this module is cheap,
and a Dagster code location that imports it does not pay), one context per folder is kept for
the life of the process, and a suite is saved again only when its expectations change.
"""

from __future__ import annotations

import fcntl
import os
import re
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Mapping, Sequence

import polars as pl

#: Expectation kinds of the declarative form -> GX expectation class names.
KINDS = {
    "exists": "ExpectColumnToExist",
    "not_null": "ExpectColumnValuesToNotBeNull",
    "unique": "ExpectColumnValuesToBeUnique",
    "in_set": "ExpectColumnValuesToBeInSet",
    "not_in_set": "ExpectColumnValuesToNotBeInSet",
    "between": "ExpectColumnValuesToBeBetween",
    "regex": "ExpectColumnValuesToMatchRegex",
    "row_count_between": "ExpectTableRowCountToBeBetween",
}
TABLE_KEY = "_table"

#: Asked of GX for every run: counts without any sample of failing values.
RESULT_FORMAT = {"result_format": "SUMMARY", "partial_unexpected_count": 0}

SEX = ["Male", "Female", "Other", "Unknown"]
ETHNIC_GROUP = ["White", "Mixed", "Asian", "Black", "Other", "Unknown"]
AGE_BAND = ["Under 18", "18-24", "25-44", "45-64", "65-74", "75-84", "85-94", "95+"]
SDC_FLAGS = ["published", "suppressed", "structural_zero"]


@dataclass(frozen=True)
class ExpectationSpec:
    kind: str  # a key of KINDS
    column: str | None  # None for table-level expectations
    params: tuple[tuple[str, Any], ...] = ()

    def kwargs(self) -> dict[str, Any]:
        out = dict(self.params)
        if self.column is not None:
            out["column"] = self.column
        return out


@dataclass
class SuiteSummary:
    suite_name: str
    success: bool
    evaluated: int
    failed: int
    rows: int
    failed_expectations: list[dict] = field(default_factory=list)
    data_docs_index: Path | None = None
    seconds: float = 0.0

    def as_metadata(self) -> dict[str, Any]:
        """Flat counts for asset-check metadata (no values)."""
        out: dict[str, Any] = {
            "suite": self.suite_name,
            "expectations_evaluated": self.evaluated,
            "expectations_failed": self.failed,
            "rows": self.rows,
        }
        for f in self.failed_expectations:
            key = f"{f['expectation_type']}:{f['column'] or TABLE_KEY}"
            out[key] = f["unexpected_count"] if f["unexpected_count"] is not None else "failed"
        if self.data_docs_index is not None:
            out["data_docs"] = str(self.data_docs_index)
        return out


# --------------------------------------------------------------------------- declarative form


def build_expectations(decl: Mapping[str, Mapping[str, Any]]) -> list[ExpectationSpec]:
    """Expectations from ``{column: {kind: argument}}`` (plus ``_table`` for table-level).

    Per column: ``exists`` (added by default; ``exists: False`` to omit), ``not_null: True``,
    ``unique: True``, ``in_set: [...]``, ``not_in_set: [...]``, ``between: [min, max]`` (either
    may be None), ``regex: "..."``; ``mostly: 0.95`` applies to that column's value checks.
    ``_table``: ``row_count_between: [min, max]``.
    """
    out: list[ExpectationSpec] = []
    for column, checks in decl.items():
        checks = dict(checks)
        if column == TABLE_KEY:
            if "row_count_between" in checks:
                lo, hi = checks.pop("row_count_between")
                out.append(ExpectationSpec("row_count_between", None, (("min_value", lo), ("max_value", hi))))
            if checks:
                raise ValueError(f"unknown table checks: {', '.join(sorted(checks))}")
            continue
        mostly = checks.pop("mostly", None)
        extra = (("mostly", float(mostly)),) if mostly is not None else ()
        if checks.pop("exists", True):
            out.append(ExpectationSpec("exists", column))
        for kind, arg in checks.items():
            if kind in ("not_null", "unique"):
                if arg:
                    out.append(ExpectationSpec(kind, column, extra))
            elif kind in ("in_set", "not_in_set"):
                out.append(ExpectationSpec(kind, column, (("value_set", tuple(arg)),) + extra))
            elif kind == "between":
                lo, hi = arg
                out.append(ExpectationSpec(kind, column, (("min_value", lo), ("max_value", hi)) + extra))
            elif kind == "regex":
                out.append(ExpectationSpec(kind, column, (("regex", str(arg)),) + extra))
            else:
                raise ValueError(f"unknown check {kind!r} on column {column}")
    return out


SPINE_DECL: dict[str, dict[str, Any]] = {
    TABLE_KEY: {"row_count_between": [1, None]},
    "source": {"not_null": True, "in_set": ["asc", "mh"]},
    "source_person_id": {"not_null": True, "unique": True},
    "nhs_number_flag": {"not_null": True, "in_set": ["valid", "missing", "invalid", "shared_placeholder"]},
    "dob_flag": {"not_null": True, "in_set": ["ok", "missing", "default", "implausible", "jan1"]},
    "sex": {"not_null": True, "in_set": SEX},
    "ethnic_group": {"not_null": True, "in_set": ETHNIC_GROUP},
    "imd_decile": {"between": [1, 10]},
    "n_source_rows": {"not_null": True, "between": [1, None]},
}

COHORT_DECL: dict[str, dict[str, Any]] = {
    TABLE_KEY: {"row_count_between": [1, None]},
    "research_person_id": {"not_null": True, "unique": True, "regex": r"^RP[0-9A-F]{12}$"},
    "in_asc": {"not_null": True},
    "in_mh": {"not_null": True},
    "in_both": {"not_null": True},
    "age_band": {"in_set": AGE_BAND},
    "sex": {"not_null": True, "in_set": SEX},
    "ethnic_group": {"not_null": True, "in_set": ETHNIC_GROUP},
    "imd_decile": {"between": [1, 10]},
    "imd_quintile": {"between": [1, 5]},
    "birth_year": {"between": [1890, 2100]},
}


def spine_suite() -> list[ExpectationSpec]:
    """asc_client_spine / mh_patient_spine: one row per source person record."""
    return build_expectations(SPINE_DECL)


def cohort_suite(linked_only: bool = True) -> list[ExpectationSpec]:
    """linked_cohort (``linked_only``: every row in both systems) or research_population."""
    decl = {k: dict(v) for k, v in COHORT_DECL.items()}
    if linked_only:
        decl["in_both"]["in_set"] = [True]
    return build_expectations(decl)


def published_suite(
    table_name: str,
    count_cols: Sequence[str],
    dims: Sequence[str] = (),
    threshold: int = 10,
) -> list[ExpectationSpec]:
    """A disclosure-controlled table: counts never 1..threshold-1 nor negative, flags valid.

    The full rule check (rounding, zeros, secondary suppression, rates) is
    ``sdc.scan_published``; this suite is the part GX's built-in expectations can express.
    """
    decl: dict[str, dict[str, Any]] = {TABLE_KEY: {"row_count_between": [1, None]}}
    for d in dims:
        decl[d] = {"not_null": True}
    for c in count_cols:
        decl[c] = {"between": [0, None], "not_in_set": list(range(1, threshold))}
        decl[f"{c}_flag"] = {"not_null": True, "in_set": SDC_FLAGS}
    if not count_cols:
        raise ValueError(f"{table_name}: a published suite needs at least one count column")
    return build_expectations(decl)


def data_docs_dir_for(home: Path | str, zone: str) -> Path:
    """Where a zone's GX project and Data Docs live: ``<home>/<zone>/_gx``."""
    return Path(home) / zone / "_gx"


# --------------------------------------------------------------------------- running

_CONTEXTS: dict[str, Any] = {}
_SAFE_NAME = re.compile(r"[^A-Za-z0-9_]+")


def _gx():
    # Analytics must be off before GX reads its settings at import / context creation.
    os.environ["GX_ANALYTICS_ENABLED"] = "false"
    import great_expectations as gx

    return gx


@contextmanager
def _folder_lock(folder: Path | None) -> Iterator[None]:
    # GX's file stores are plain JSON files: serialise runs of several processes (Dagster
    # runs each check in its own process) on one project folder.
    if folder is None:
        yield
        return
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".asc_linkage.lock", "a+") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def _context(data_docs_dir: Path | None):
    key = str(data_docs_dir.resolve()) if data_docs_dir is not None else ":ephemeral:"
    ctx = _CONTEXTS.get(key)
    if ctx is not None:
        return ctx
    gx = _gx()
    from great_expectations.data_context.types.base import ProgressBarsConfig

    if data_docs_dir is None:
        ctx = gx.get_context(mode="ephemeral")
    else:
        ctx = gx.get_context(mode="file", project_root_dir=str(data_docs_dir))
    # tqdm bars on stderr would end up in the Dagster compute logs for nothing.
    ctx.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    if data_docs_dir is not None:
        ctx.variables.save()
    _CONTEXTS[key] = ctx
    return ctx


def _to_pandas(df: pl.DataFrame, specs: Sequence[ExpectationSpec]):
    # Only the named columns go to GX: less to convert, and nothing else identifiable.
    wanted = []
    for s in specs:
        if s.column is not None and s.column in df.columns and s.column not in wanted:
            wanted.append(s.column)
    return df.select(wanted).to_pandas()


def _gx_expectation(gx, spec: ExpectationSpec):
    cls = getattr(gx.expectations, KINDS[spec.kind])
    kwargs = spec.kwargs()
    if "value_set" in kwargs:
        kwargs["value_set"] = list(kwargs["value_set"])
    return cls(**kwargs)


def run_suite(
    df: pl.DataFrame,
    suite_name: str,
    expectations: Sequence[ExpectationSpec],
    data_docs_dir: Path | None = None,
) -> SuiteSummary:
    """Validate ``df`` against ``expectations``; counts only come back (module docstring)."""
    started = time.perf_counter()
    name = _SAFE_NAME.sub("_", suite_name).strip("_") or "suite"
    docs_dir = Path(data_docs_dir) if data_docs_dir is not None else None
    gx = _gx()
    pdf = _to_pandas(df, expectations)
    with _folder_lock(docs_dir):
        ctx = _context(docs_dir)
        vd, checkpoint = _prepare(gx, ctx, docs_dir, name, tuple(expectations))
        if checkpoint is None:
            result = vd.run(batch_parameters={"dataframe": pdf}, result_format=RESULT_FORMAT)
            results = list(result.results)
            success = bool(result.success)
            index = None
        else:
            cp_result = checkpoint.run(batch_parameters={"dataframe": pdf})
            success = bool(cp_result.success)
            results = [r for vr in cp_result.run_results.values() for r in vr.results]
            index = _docs_index(ctx)
    failed = [_reduce(r) for r in results if not r.success]
    return SuiteSummary(
        suite_name=name,
        success=success,
        evaluated=len(results),
        failed=len(failed),
        rows=df.height,
        failed_expectations=failed,
        data_docs_index=index,
        seconds=round(time.perf_counter() - started, 3),
    )


_PREPARED: dict[tuple[str, str], tuple[tuple[ExpectationSpec, ...], Any, Any]] = {}


def _prepare(gx, ctx, docs_dir: Path | None, name: str, specs: tuple[ExpectationSpec, ...]):
    """The suite's validation definition and (with docs) checkpoint, made once per process.

    Saving a suite is the slow part of a run in GX 1.x (every expectation is serialised through
    marshmallow), so it happens only when the expectations differ from the last run here.
    """
    key = (str(docs_dir.resolve()) if docs_dir else ":ephemeral:", name)
    cached = _PREPARED.get(key)
    if cached is not None and cached[0] == specs:
        return cached[1], cached[2]
    from great_expectations.checkpoint import UpdateDataDocsAction

    # Get-or-add rather than add_or_update: updating the data source would drop the assets
    # that other suites' validation definitions point at.
    try:
        ds = ctx.data_sources.get("asc_linkage_pandas")
    except (KeyError, LookupError, ValueError):
        ds = ctx.data_sources.add_pandas("asc_linkage_pandas")
    try:
        asset = ds.get_asset(name)
    except (KeyError, LookupError, ValueError):
        asset = ds.add_dataframe_asset(name)
    try:
        batch_def = asset.get_batch_definition("whole")
    except (KeyError, LookupError, ValueError):
        batch_def = asset.add_batch_definition_whole_dataframe("whole")
    suite = ctx.suites.add_or_update(
        gx.ExpectationSuite(name=name, expectations=[_gx_expectation(gx, s) for s in specs])
    )
    vd = ctx.validation_definitions.add_or_update(
        gx.ValidationDefinition(name=f"{name}__validation", data=batch_def, suite=suite)
    )
    checkpoint = None
    if docs_dir is not None:
        checkpoint = ctx.checkpoints.add_or_update(
            gx.Checkpoint(
                name=f"{name}__checkpoint",
                validation_definitions=[vd],
                actions=[UpdateDataDocsAction(name="update_data_docs")],
                result_format=RESULT_FORMAT,
            )
        )
    _PREPARED[key] = (specs, vd, checkpoint)
    return vd, checkpoint


def _reduce(r) -> dict:
    """One failed expectation as counts: never ``partial_unexpected_*``, never a value."""
    cfg = r.expectation_config
    res = r.result or {}
    raised = bool((r.exception_info or {}).get("raised_exception"))
    count = res.get("unexpected_count")
    pct = res.get("unexpected_percent")
    return {
        "expectation_type": cfg.type,
        "column": cfg.kwargs.get("column"),
        "unexpected_count": int(count) if count is not None else None,
        "unexpected_percent": round(float(pct), 4) if pct is not None else None,
        "raised_exception": raised,
    }


def _docs_index(ctx) -> Path | None:
    for site in ctx.get_docs_sites_urls():
        url = site.get("site_url") or ""
        if url.startswith("file://"):
            return Path(url.removeprefix("file://"))
    return None
