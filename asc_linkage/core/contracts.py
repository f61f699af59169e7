"""Pandera (polars backend) contracts of the raw tables, generated from ``data_specs/``.

Nothing here re-types a column: names, dtypes, nullability, uniqueness and code lists all come
from the loaded :class:`~asc_linkage.core.specs.Contract`. Validation results are reported as
counts by column and check, because pandera's own error text quotes the failing values.
"""

from __future__ import annotations

import functools
import re

import pandera.polars as pa
import polars as pl
from pandera.errors import SchemaError, SchemaErrors

from asc_linkage.core.ingest import (
    FIELD_FAULTS_COLUMN,
    POLARS_TYPES,
    QUARTER_COLUMN,
    RAW_RECORD_COLUMN,
    REASON_COLUMN,
    ROW_NUMBER_COLUMN,
    ROW_RULES,
)
from asc_linkage.core.specs import ColumnSpec, Contract, FileSpec, load_contract

QUARTER_PATTERN = r"^\d{4}-Q[1-4]$"
# `column:rule` items only: a value can never match, so the column cannot leak one.
FIELD_FAULTS_PATTERN = r"^[a-z0-9_]+:[a-z0-9_]+(;[a-z0-9_]+:[a-z0-9_]+)*$"
_check_kind = re.compile(r"[A-Za-z_]+")


def _column_checks(column: ColumnSpec, contract: Contract) -> list[pa.Check]:
    checks: list[pa.Check] = []
    if column.codelist is not None:
        codes = contract.codelist(column.codelist)
        if codes.is_pattern:
            checks.append(pa.Check.str_matches(codes.pattern))
        else:
            checks.append(pa.Check.isin(list(codes.codes)))
    if column.minimum is not None:
        checks.append(pa.Check.ge(column.minimum))
    if column.maximum is not None:
        checks.append(pa.Check.le(column.maximum))
    return checks


def _pandera_column(column: ColumnSpec, contract: Contract) -> pa.Column:
    return pa.Column(
        POLARS_TYPES[column.type],
        checks=_column_checks(column, contract),
        nullable=column.nullable,
        unique=column.unique,
        description=column.description,
        title=column.header,
    )


def _quarter_column(spec: FileSpec) -> pa.Column:
    # Reference files are not per quarter, so their rows carry no quarter.
    return pa.Column(
        pl.String,
        checks=[pa.Check.str_matches(QUARTER_PATTERN)],
        nullable=spec.scope == "reference",
        description="Quarter (YYYY-Qn) of the drop the row was read from.",
    )


def _row_number_column() -> pa.Column:
    return pa.Column(
        pl.Int64,
        checks=[pa.Check.ge(1)],
        nullable=False,
        unique=True,
        description="1-based data row number in the landing file (the header is row 0).",
    )


@functools.cache
def raw_schema(table: str) -> pa.DataFrameSchema:
    """Contract of an accepted raw table (extra landing columns are allowed: strict=False)."""
    return build_raw_schema(load_contract().file(table), load_contract())


def build_raw_schema(spec: FileSpec, contract: Contract) -> pa.DataFrameSchema:
    columns = {column.name: _pandera_column(column, contract) for column in spec.columns}
    columns[QUARTER_COLUMN] = _quarter_column(spec)
    columns[ROW_NUMBER_COLUMN] = _row_number_column()
    columns[FIELD_FAULTS_COLUMN] = pa.Column(
        pl.String,
        checks=[pa.Check.str_matches(FIELD_FAULTS_PATTERN)],
        nullable=True,
        description="Semicolon-joined column:rule items for fields nulled on ingest; null when none.",
    )
    return pa.DataFrameSchema(columns, strict=False, name=spec.table, description=spec.description)


@functools.cache
def quarantine_schema(table: str) -> pa.DataFrameSchema:
    """Contract of ``quarantine_<table>``: the raw fields as strings plus why the row was held back."""
    return build_quarantine_schema(load_contract().file(table))


def build_quarantine_schema(spec: FileSpec) -> pa.DataFrameSchema:
    columns = {
        column.name: pa.Column(pl.String, nullable=True, description=column.description, title=column.header)
        for column in spec.columns
    }
    columns[QUARTER_COLUMN] = _quarter_column(spec)
    columns[ROW_NUMBER_COLUMN] = _row_number_column()
    columns[REASON_COLUMN] = pa.Column(
        pl.String,
        checks=[pa.Check.isin(list(ROW_RULES))],
        nullable=False,
        description="Row rule that quarantined the row (see data_specs/rules.yaml).",
    )
    columns[RAW_RECORD_COLUMN] = pa.Column(
        pl.String,
        nullable=True,
        description="The row's raw text when its fields could not be trusted (wrong field count, invalid UTF-8).",
    )
    return pa.DataFrameSchema(
        columns, strict=False, name=f"quarantine_{spec.table}", description=f"Rows of {spec.table} held back on ingest."
    )


def validation_failures(frame: pl.DataFrame, schema: pa.DataFrameSchema) -> dict[str, int]:
    """Failures as ``{"column:check": count}`` (empty when the frame conforms). Never values."""
    try:
        schema.validate(frame, lazy=True)
    except SchemaErrors as errors:
        return _count_failures(errors.failure_cases)
    except SchemaError:  # raised instead of SchemaErrors for some schema-level faults; its text may quote values
        return {"table:schema_error": 1}
    return {}


def _count_failures(failure_cases: pl.DataFrame) -> dict[str, int]:
    # Only the column and the kind of check are kept; "failure_case" holds the failing VALUE and
    # is read for one check alone, where pandera puts the missing column's name in it.
    counts: dict[str, int] = {}
    for column, check, case in failure_cases.select("column", "check", "failure_case").iter_rows():
        kind_match = _check_kind.match(str(check or "check"))
        kind = kind_match.group(0) if kind_match else "check"
        if kind == "column_in_dataframe":
            key = f"{case}:missing_column"
        else:
            key = f"{column or 'table'}:{kind}"
        counts[key] = counts.get(key, 0) + 1
    return dict(sorted(counts.items()))


def check_raw_table(frame: pl.DataFrame, table: str) -> dict[str, int]:
    return validation_failures(frame, raw_schema(table))


def check_quarantine_table(frame: pl.DataFrame, table: str) -> dict[str, int]:
    return validation_failures(frame, quarantine_schema(table))
