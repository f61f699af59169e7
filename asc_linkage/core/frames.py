"""Frame helpers shared by the pure steps (no dagster import)."""
from __future__ import annotations

import polars as pl


def gather_rows(df: pl.DataFrame, idx: pl.Series) -> pl.DataFrame:
    """`df[idx]`, a column at a time on a contiguous copy: rows gathered across the many chunks of
    a parquet read or a concat cost 2-3x more, and one column at a time (not a rechunk of the whole
    frame) keeps the extra memory to a single column."""
    return pl.DataFrame([df.get_column(c).rechunk().gather(idx) for c in df.columns])
