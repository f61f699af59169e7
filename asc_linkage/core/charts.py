"""Small chart helpers producing Vega-Lite v5 JSON specs from AGGREGATE tables only.

A spec is a plain dict, saved as JSON and rendered by any Vega-Lite viewer (the Vega editor, VS
Code, Jupyter, Observable); `svg_image_markdown` draws one as an SVG picture inside markdown, for
the Dagster UI, which shows JSON as text. Every helper refuses a frame that carries
``research_person_id`` so record-level values can never end up embedded in a chart; feed them the
disclosure-controlled (published) tables when a chart is to leave the research zone.
"""

from __future__ import annotations

import base64
import json
import math
from datetime import date, datetime
from pathlib import Path

import polars as pl

VEGA_LITE_SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json"
RECORD_LEVEL_COLUMNS = {"research_person_id"}

OUTPUT_COLUMNS: dict[str, dict[str, str]] = {}


def _refuse_record_level(frame: pl.DataFrame) -> None:
    leaked = RECORD_LEVEL_COLUMNS & set(frame.columns)
    if leaked:
        raise ValueError(f"chart input holds record-level column(s) {sorted(leaked)}; pass an aggregate table")


def _json_value(value):
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


def chart_values(frame: pl.DataFrame, columns: list[str]) -> list[dict]:
    """The frame's rows as JSON-safe dicts, limited to ``columns`` (NaN/inf become null)."""
    _refuse_record_level(frame)
    return [{k: _json_value(v) for k, v in row.items()} for row in frame.select(columns).iter_rows(named=True)]


def pattern_chart(pattern: pl.DataFrame, window_order: list[str], title: str) -> dict:
    """Mean per person per 30 days by window (x), case vs comparison (colour), a panel per measure.

    Per 30 days because the windows differ in length; raw means would make the longest window
    look busiest.
    """
    long = pattern.unpivot(
        index=["window", "measure"],
        on=["case_mean_per_30_days", "comparison_mean_per_30_days"],
        variable_name="group",
        value_name="mean_per_person",
    ).with_columns(pl.col("group").str.replace("_mean_per_30_days", ""))
    return {
        "$schema": VEGA_LITE_SCHEMA,
        "title": title,
        "data": {"values": chart_values(long, ["window", "measure", "group", "mean_per_person"])},
        "facet": {"field": "measure", "type": "nominal", "title": None},
        "columns": 3,
        "resolve": {"scale": {"y": "independent"}},
        "spec": {
            "width": 180,
            "height": 120,
            "mark": {"type": "line", "point": True},
            "encoding": {
                "x": {
                    "field": "window",
                    "type": "ordinal",
                    "sort": window_order,
                    "title": "Days before index date",
                },
                "y": {"field": "mean_per_person", "type": "quantitative", "title": "Mean per person per 30 days"},
                "color": {"field": "group", "type": "nominal", "title": None},
            },
        },
    }


def rate_chart(
    rates: pl.DataFrame,
    indicator: str | None,
    title: str | None = None,
    rate_column: str = "rate",
    group_column: str = "group",
    facet_column: str | None = "breakdown",
    lower_column: str = "ci_lower",
    upper_column: str = "ci_upper",
) -> dict:
    """Point-and-interval ("forest") chart of a rate by group with 95% CIs.

    Defaults fit ``inequalities.indicator_rates`` (one ``indicator`` picked); for
    ``institutionalisation.placement_rates`` pass indicator=None, rate_column="rate_per_1000_py",
    facet_column="grouping", lower_column="rate_ci_lower", upper_column="rate_ci_upper".
    Rows with a null rate (e.g. suppressed) are drawn without a point.
    """
    subset = rates if indicator is None else rates.filter(pl.col("indicator") == indicator)
    columns = [
        c for c in [facet_column, group_column, rate_column, lower_column, upper_column, "rate_type"]
        if c and c in subset.columns
    ]
    layer = {
        "layer": [
            {
                "mark": {"type": "rule"},
                "encoding": {
                    "y": {"field": group_column, "type": "nominal", "title": None},
                    "x": {"field": lower_column, "type": "quantitative", "title": "Rate (95% CI)"},
                    "x2": {"field": upper_column},
                },
            },
            {
                "mark": {"type": "point", "filled": True},
                "encoding": {
                    "y": {"field": group_column, "type": "nominal"},
                    "x": {"field": rate_column, "type": "quantitative"},
                },
            },
        ],
        "width": 260,
    }
    spec: dict = {"$schema": VEGA_LITE_SCHEMA, "title": title or indicator or rate_column, "data": {"values": chart_values(subset, columns)}}
    if facet_column and facet_column in subset.columns:
        spec.update({"facet": {"row": {"field": facet_column, "type": "nominal", "title": None}}, "resolve": {"scale": {"y": "independent"}}, "spec": layer})
    else:
        spec.update(layer)
    return spec


def write_spec(spec: dict, path: str | Path) -> Path:
    """Save a spec as pretty, key-sorted JSON (stable bytes for the same chart)."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(spec, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return target


def svg_image_markdown(spec: dict, alt: str) -> str:
    """Markdown showing the chart `spec` as a picture: `![alt](data:image/svg+xml;base64,...)`.

    Drawn by vl-convert (the Vega project's own renderer, run in-process, no browser or network):
    the Dagster UI renders a markdown picture where it would print a Vega-Lite spec as JSON text.
    The picture holds what the spec holds (aggregates, model parameters), nothing more."""
    import vl_convert

    svg = vl_convert.vegalite_to_svg(spec)
    return f"![{alt}](data:image/svg+xml;base64,{base64.b64encode(svg.encode('utf-8')).decode('ascii')})"
