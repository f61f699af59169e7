"""Dagster column schemas of the raw and quarantine tables, generated from ``data_specs/``.

Attach with ``dagster.TableSchemaMetadataValue`` / the ``dagster/column_schema`` metadata key.
The schema only describes columns (names, types, descriptions, constraints); it holds no data.
"""

from __future__ import annotations

import functools

import dagster as dg

from asc_linkage.core.ingest import (
    FIELD_FAULTS_COLUMN,
    QUARTER_COLUMN,
    RAW_RECORD_COLUMN,
    REASON_COLUMN,
    ROW_NUMBER_COLUMN,
    ROW_RULES,
)
from asc_linkage.core.specs import ColumnSpec, FileSpec, load_contract

QUARANTINE_PREFIX = "quarantine_"

# The physical (polars) type each contract type is stored as.
_COLUMN_TYPES = {"string": "string", "code": "string", "date": "date", "decimal": "float64", "integer": "int64"}


def _describe(column: ColumnSpec) -> str:
    text = column.description
    if column.codelist is not None:
        codes = load_contract().codelist(column.codelist)
        text += f" Code list: {codes.title} ({codes.name})."
    if not column.required:
        text += " Optional in the landing file (null when absent)."
    return text


def _tags(column: ColumnSpec) -> dict[str, str]:
    tags = {"landing_header": column.header, "contract_type": column.type}
    if column.pii:
        tags["pii"] = "true"
    if column.codelist is not None:
        tags["codelist"] = column.codelist
    return tags


def _lineage_columns(spec: FileSpec) -> list[dg.TableColumn]:
    quarter_nullable = spec.scope == "reference"
    return [
        dg.TableColumn(
            QUARTER_COLUMN,
            "string",
            description="Quarter (YYYY-Qn) of the drop the row was read from"
            + (" (null: reference files are not per quarter)." if quarter_nullable else "."),
            constraints=dg.TableColumnConstraints(nullable=quarter_nullable),
        ),
        dg.TableColumn(
            ROW_NUMBER_COLUMN,
            "int64",
            description="1-based data row number in the landing file (the header is row 0).",
            constraints=dg.TableColumnConstraints(nullable=False, unique=True),
        ),
    ]


def _key_constraints(spec: FileSpec) -> dg.TableConstraints:
    other = [statement for statement in spec.statements.values()]
    return dg.TableConstraints(other=other)


@functools.cache
def raw_table_schema(table: str) -> dg.TableSchema:
    spec = load_contract().file(table)
    columns = [
        dg.TableColumn(
            column.name,
            _COLUMN_TYPES[column.type],
            description=_describe(column),
            constraints=dg.TableColumnConstraints(nullable=column.nullable, unique=column.unique),
            tags=_tags(column),
        )
        for column in spec.columns
    ]
    columns += _lineage_columns(spec)
    columns.append(
        dg.TableColumn(
            FIELD_FAULTS_COLUMN,
            "string",
            description="Semicolon-joined column:rule items for fields nulled on ingest (never values); null when none.",
        )
    )
    return dg.TableSchema(columns=columns, constraints=_key_constraints(spec))


@functools.cache
def quarantine_table_schema(table: str) -> dg.TableSchema:
    spec = load_contract().file(table)
    columns = [
        dg.TableColumn(
            column.name,
            "string",
            description=f"{column.description} Raw text as received.",
            tags=_tags(column),
        )
        for column in spec.columns
    ]
    columns += _lineage_columns(spec)
    columns.append(
        dg.TableColumn(
            REASON_COLUMN,
            "string",
            description=f"Row rule that quarantined the row: one of {', '.join(ROW_RULES)}.",
            constraints=dg.TableColumnConstraints(nullable=False),
        )
    )
    columns.append(
        dg.TableColumn(
            RAW_RECORD_COLUMN,
            "string",
            description="The row's raw text when its fields could not be trusted (wrong field count, invalid UTF-8); else null.",
            tags={"pii": "true"},
        )
    )
    return dg.TableSchema(columns=columns)


def table_schema(table_name: str) -> dg.TableSchema:
    """Schema of a raw table (``cld_events``) or of its quarantine (``quarantine_cld_events``)."""
    if table_name.startswith(QUARANTINE_PREFIX):
        return quarantine_table_schema(table_name[len(QUARANTINE_PREFIX):])
    return raw_table_schema(table_name)


def column_schema_metadata(table_name: str) -> dict[str, dg.TableSchemaMetadataValue]:
    """``{"dagster/column_schema": ...}`` ready to merge into asset metadata."""
    return {"dagster/column_schema": dg.TableSchemaMetadataValue(table_schema(table_name))}
