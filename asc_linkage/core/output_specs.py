"""The contracts of the tables the platform produces, loaded from ``data_specs/outputs/``.

The landing contract (``data_specs/files``) says what arrives; these files say what every
staging, spine, linkage, research, indicator and published table holds: its zone, its meaning
to a user, and each column's type and description. The Dagster column schemas, the output
checks and the generated docs read them from here.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import yaml

OUTPUT_SPEC_DIR = Path(__file__).resolve().parents[2] / "data_specs" / "outputs"

# Column types as written in the specs, and the polars types a produced column may have.
POLARS_TYPES: dict[str, tuple[type[pl.DataType], ...]] = {
    "string": (pl.String, pl.Categorical, pl.Enum),
    "date": (pl.Date,),
    "datetime": (pl.Datetime,),
    "integer": (pl.Int8, pl.Int16, pl.Int32, pl.Int64, pl.UInt8, pl.UInt16, pl.UInt32, pl.UInt64),
    "float": (pl.Float32, pl.Float64),
    "boolean": (pl.Boolean,),
    "list": (pl.List,),
    "null": (pl.Null,),
}


@dataclass(frozen=True)
class OutputColumn:
    name: str
    type: str
    description: str


@dataclass(frozen=True)
class OutputSpec:
    table: str
    zone: str
    description: str
    columns: tuple[OutputColumn, ...]

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns)


@functools.cache
def load_output_specs(spec_dir: Path = OUTPUT_SPEC_DIR) -> dict[str, OutputSpec]:
    specs = {}
    for path in sorted(spec_dir.glob("*.yaml")):
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        columns = tuple(
            OutputColumn(name=c["name"], type=c["type"], description=c.get("description") or "")
            for c in raw.get("columns", [])
        )
        specs[raw["table"]] = OutputSpec(raw["table"], raw["zone"], raw.get("description", ""), columns)
    return specs


def output_columns(table: str, exclude: tuple[str, ...] = ()) -> dict[str, str]:
    """``{column: description}`` of a produced table, in contract order, from its YAML.

    The core functions select and order their output by this, so the YAML is the one place a
    column is named and described. ``exclude`` drops columns the Dagster asset adds around the
    core function's frame (for example ``cohort`` of ``placement_rates``).
    """
    spec = load_output_specs().get(table)
    if spec is None:
        raise KeyError(f"no output contract data_specs/outputs/{table}.yaml")
    unknown = set(exclude) - set(spec.column_names)
    if unknown:
        raise KeyError(f"{table}: excluded column(s) not in the contract: {', '.join(sorted(unknown))}")
    return {column.name: column.description for column in spec.columns if column.name not in exclude}


def type_name(dtype: pl.DataType) -> str:
    for name, types in POLARS_TYPES.items():
        if isinstance(dtype, types) or dtype in types or getattr(dtype, "base_type", lambda: None)() in types:
            return name
    return str(dtype).lower()


def contract_faults(spec: OutputSpec, df: pl.DataFrame) -> list[str]:
    """Where a produced frame departs from its contract: column names and types only, never values."""
    faults = []
    produced = {name: type_name(dtype) for name, dtype in df.schema.items()}
    for column in spec.columns:
        if column.name not in produced:
            faults.append(f"missing column {column.name}")
        elif produced[column.name] not in (column.type, "null"):
            faults.append(f"column {column.name} is {produced[column.name]}, contract says {column.type}")
    extra = sorted(set(produced) - set(spec.column_names))
    if extra:
        faults.append(f"columns not in the contract: {', '.join(extra)}")
    return faults
