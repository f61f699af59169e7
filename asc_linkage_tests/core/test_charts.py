"""Vega-Lite helpers: valid-looking specs from aggregates, refusal of record-level input."""

import base64
import json
import math
import re

import polars as pl
import pytest

from asc_linkage.core.charts import chart_values, pattern_chart, rate_chart, svg_image_markdown, write_spec


def test_values_are_json_safe_and_record_level_input_is_refused():
    frame = pl.DataFrame({"group": ["a", "b"], "rate": [1.5, math.nan]})
    assert chart_values(frame, ["group", "rate"]) == [{"group": "a", "rate": 1.5}, {"group": "b", "rate": None}]
    with pytest.raises(ValueError, match="record-level"):
        chart_values(frame.with_columns(pl.lit("RP000000000001").alias("research_person_id")), ["group"])


def test_pattern_chart_is_faceted_by_measure_with_window_order():
    pattern = pl.DataFrame({
        "window": ["0-30", "31-90"], "measure": ["mh_contacts_attended"] * 2,
        "case_mean_per_30_days": [2.0, 1.0], "comparison_mean_per_30_days": [0.5, 0.5],
    })
    spec = pattern_chart(pattern, window_order=["31-90", "0-30"], title="t")
    assert spec["facet"]["field"] == "measure"
    assert spec["spec"]["encoding"]["x"]["sort"] == ["31-90", "0-30"]
    values = {(v["window"], v["group"]): v["mean_per_person"] for v in spec["data"]["values"]}
    assert values == {("0-30", "case"): 2.0, ("31-90", "case"): 1.0, ("0-30", "comparison"): 0.5, ("31-90", "comparison"): 0.5}


def test_rate_chart_and_stable_file_output(tmp_path):
    rates = pl.DataFrame({
        "breakdown": ["sex", "sex", "sex"], "group": ["Female", "Male", "Female"],
        "indicator": ["any_crisis", "any_crisis", "mha_detention"], "rate": [12.0, None, 3.0],
        "ci_lower": [8.0, None, 1.0], "ci_upper": [17.0, None, 6.0], "rate_type": ["per_1000_persons"] * 3,
    })
    spec = rate_chart(rates, "any_crisis")
    assert [v["group"] for v in spec["data"]["values"]] == ["Female", "Male"]
    assert spec["spec"]["layer"][0]["encoding"]["x2"] == {"field": "ci_upper"}
    first = write_spec(spec, tmp_path / "c" / "chart.json").read_bytes()
    second = write_spec(spec, tmp_path / "c" / "chart.json").read_bytes()
    assert first == second and json.loads(first)["title"] == "any_crisis"


def test_rate_chart_takes_placement_rate_columns():
    rates = pl.DataFrame({
        "grouping": ["age_group", "age_group"], "group": ["65-84", "85+"], "rate_per_1000_py": [50.0, 90.0],
        "rate_ci_lower": [40.0, 70.0], "rate_ci_upper": [60.0, 110.0],
    })
    spec = rate_chart(rates, None, rate_column="rate_per_1000_py", facet_column="grouping",
                      lower_column="rate_ci_lower", upper_column="rate_ci_upper")
    assert spec["facet"]["row"]["field"] == "grouping"
    assert spec["spec"]["layer"][0]["encoding"]["x2"] == {"field": "rate_ci_upper"}
    assert spec["data"]["values"][1] == {"grouping": "age_group", "group": "85+", "rate_per_1000_py": 90.0,
                                         "rate_ci_lower": 70.0, "rate_ci_upper": 110.0}


def test_a_chart_is_drawn_as_an_svg_picture_in_markdown():
    pattern = pl.DataFrame({
        "window": ["0-30", "31-90"], "measure": ["mh_contacts_attended"] * 2,
        "case_mean_per_30_days": [2.0, 1.0], "comparison_mean_per_30_days": [0.5, 0.5],
    })
    markdown = svg_image_markdown(pattern_chart(pattern, window_order=["31-90", "0-30"], title="Before a crisis"), "patterns")
    found = re.fullmatch(r"!\[patterns\]\(data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)\)", markdown)
    assert found, markdown[:80]
    svg = base64.b64decode(found.group(1)).decode("utf-8")
    # Drawn, not copied: an SVG with the chart's title, its panel and its axis labels as text.
    assert svg.startswith("<svg") and "<path" in svg
    for text in ("Before a crisis", "mh_contacts_attended", "31-90", "0-30", "case", "comparison"):
        assert f">{text}<" in svg, text
