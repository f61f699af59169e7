"""GX suites: declarative form, counts-only summaries, Data Docs without values.

Importing great_expectations costs 8-25 s (machine load), paid once by this module.
"""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from asc_linkage.core.expectations import (
    ExpectationSpec,
    build_expectations,
    cohort_suite,
    data_docs_dir_for,
    published_suite,
    run_suite,
    spine_suite,
)
from asc_linkage.core.sdc import add_margins, apply_sdc

MARKERS = ["ZZSECRETNAME", "ZZ9999999", "ZZPOSTCODE"]


def spine(n: int = 6) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "source": ["asc"] * n,
            "source_person_id": [f"P{i}" for i in range(n)],
            "nhs_number_flag": ["valid"] * n,
            "dob_flag": ["ok"] * n,
            "sex": ["Male", "Female"] * (n // 2),
            "ethnic_group": ["White"] * n,
            "imd_decile": [1 + i % 10 for i in range(n)],
            "n_source_rows": [1] * n,
            "surname_parts": [["A", "B"]] * n,  # a nested column GX never sees
        }
    )


def bad_spine() -> pl.DataFrame:
    # identifiable-looking markers in the failing cells: none may appear in any output
    return spine().with_columns(
        source_person_id=pl.Series([MARKERS[0], MARKERS[0], "P2", "P3", "P4", None]),
        sex=pl.Series(["Male", MARKERS[1], "Female", "Male", "Female", "Male"]),
        nhs_number_flag=pl.Series(["valid", "valid", MARKERS[2], "valid", "valid", "valid"]),
        imd_decile=pl.Series([1, 2, 3, 44, 5, 6]),
    )


def test_declarative_form():
    specs = build_expectations(
        {
            "_table": {"row_count_between": [1, None]},
            "id": {"not_null": True, "unique": True, "mostly": 0.9},
            "sex": {"in_set": ["Male", "Female"], "exists": False},
            "age": {"between": [0, 120]},
        }
    )
    assert [(s.kind, s.column) for s in specs] == [
        ("row_count_between", None),
        ("exists", "id"),
        ("not_null", "id"),
        ("unique", "id"),
        ("in_set", "sex"),
        ("exists", "age"),
        ("between", "age"),
    ]
    assert specs[2].kwargs() == {"mostly": 0.9, "column": "id"}
    assert specs[6].kwargs() == {"min_value": 0, "max_value": 120, "column": "age"}
    with pytest.raises(ValueError, match="unknown check"):
        build_expectations({"id": {"looks_fine": True}})
    pub = published_suite("rates_by_sex", ["people"], ["sex"])
    assert ExpectationSpec("not_in_set", "people", (("value_set", tuple(range(1, 10))),)) in pub
    assert data_docs_dir_for("/h", "identifiable") == Path("/h/identifiable/_gx")


def test_suite_passes_and_fails_with_counts_only():
    ok = run_suite(spine(), "spine_ok", spine_suite())
    assert ok.success and ok.failed == 0 and ok.evaluated == len(spine_suite()) and ok.rows == 6

    bad = run_suite(bad_spine(), "spine_bad", spine_suite())
    assert not bad.success
    failures = {(f["expectation_type"], f["column"]): f for f in bad.failed_expectations}
    assert set(failures) == {
        ("expect_column_values_to_not_be_null", "source_person_id"),
        ("expect_column_values_to_be_unique", "source_person_id"),
        ("expect_column_values_to_be_in_set", "sex"),
        ("expect_column_values_to_be_in_set", "nhs_number_flag"),
        ("expect_column_values_to_be_between", "imd_decile"),
    }
    assert failures[("expect_column_values_to_be_unique", "source_person_id")]["unexpected_count"] == 2
    assert failures[("expect_column_values_to_be_in_set", "sex")]["unexpected_count"] == 1
    assert set(bad.failed_expectations[0]) == {
        "expectation_type", "column", "unexpected_count", "unexpected_percent", "raised_exception"
    }
    text = repr(bad) + json.dumps(bad.as_metadata(), default=str)
    assert not any(m in text for m in MARKERS)
    assert "partial_unexpected" not in text


def test_missing_column_fails_exists():
    res = run_suite(spine().drop("dob_flag"), "spine_missing", spine_suite())
    assert not res.success
    assert ("expect_column_to_exist", "dob_flag") in {
        (f["expectation_type"], f["column"]) for f in res.failed_expectations
    }


def test_data_docs_are_built_and_hold_no_values(tmp_path: Path):
    docs = data_docs_dir_for(tmp_path / "home", "identifiable")
    res = run_suite(bad_spine(), "asc_client_spine", spine_suite(), docs)
    assert not res.success
    assert res.data_docs_index is not None and res.data_docs_index.is_file()
    assert res.data_docs_index.is_relative_to(docs)
    assert "asc_client_spine" in res.data_docs_index.read_text()
    # every file GX wrote (stored validation results, suites, rendered pages): no marker values
    written = [p for p in docs.rglob("*") if p.is_file()]
    assert any(p.suffix == ".html" and "validations" in p.parts for p in written)
    for p in written:
        blob = p.read_bytes()
        assert not any(m.encode() in blob for m in MARKERS), p.relative_to(docs)
    # a second suite on the same project works and keeps the first one's docs
    cohort = pl.DataFrame(
        {
            "research_person_id": ["RP0123456789AB", "RP0123456789AC"],
            "in_asc": [True, True],
            "in_mh": [True, True],
            "in_both": [True, True],
            "age_band": ["45-64", "95+"],
            "sex": ["Female", "Male"],
            "ethnic_group": ["Asian", "White"],
            "imd_decile": [3, 10],
            "imd_quintile": [2, 5],
            "birth_year": [1970, 1925],
        }
    )
    second = run_suite(cohort, "linked_cohort", cohort_suite(), docs)
    assert second.success and second.data_docs_index == res.data_docs_index
    index = res.data_docs_index.read_text()
    assert "asc_client_spine" in index and "linked_cohort" in index


def test_published_suite_on_sdc_output():
    inner = pl.DataFrame({"sex": ["F", "M", "O"], "people": [40, 3, 25]})
    safe = apply_sdc(add_margins(inner, ["people"], ["sex"]), ["people"], ["sex"]).table
    suite = published_suite("people_by_sex", ["people"], ["sex"])
    assert run_suite(safe, "people_by_sex", suite).success
    leaked = safe.with_columns(people=pl.when(pl.col("sex") == "M").then(3).otherwise(pl.col("people")))
    res = run_suite(leaked, "people_by_sex", suite)
    assert [(f["expectation_type"], f["unexpected_count"]) for f in res.failed_expectations] == [
        ("expect_column_values_to_not_be_in_set", 1)
    ]
