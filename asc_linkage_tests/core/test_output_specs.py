"""The output contracts in data_specs/outputs/: complete, described, agreeing with the asset graph."""

from __future__ import annotations

import functools
import re

import polars as pl
import pytest

from asc_linkage.core import crisis, indicators, inequalities, institutionalisation
from asc_linkage.core.output_specs import (
    OUTPUT_SPEC_DIR,
    POLARS_TYPES,
    OutputColumn,
    OutputSpec,
    contract_faults,
    load_output_specs,
    output_columns,
)

SPECS = load_output_specs()
PREDICTOR_TABLES = ["placement_predictors_smi", "placement_predictors_dementia", "placement_predictors_older_asc_clients"]


@functools.cache
def _graph():
    from asc_linkage.defs.definitions import build_definitions

    return build_definitions().resolve_asset_graph()


@functools.cache
def stored_assets() -> dict[str, str]:
    """Asset name -> zone of every asset the zone IO manager stores (its metadata declares a zone)."""
    stored = {}
    for key in _graph().get_all_asset_keys():
        zone = _graph().get(key).metadata.get("zone")
        if zone is not None:
            stored[key.to_user_string()] = zone.value if hasattr(zone, "value") else zone
    return stored


def _normalised(text: str) -> str:
    return " ".join(text.split()).rstrip(".")


def test_every_yaml_is_loaded_under_its_own_name():
    files = sorted(path.stem for path in OUTPUT_SPEC_DIR.glob("*.yaml"))
    assert files == sorted(SPECS)
    assert len(files) > 30


@pytest.mark.parametrize("table", sorted(SPECS))
def test_every_column_has_a_description_and_a_known_type(table):
    spec = SPECS[table]
    assert spec.zone in {"identifiable", "research", "published"}
    assert spec.description.strip(), f"{table}: table description is empty"
    assert spec.columns, f"{table}: no columns"
    names = [column.name for column in spec.columns]
    assert len(names) == len(set(names)), f"{table}: a column is listed twice"
    for column in spec.columns:
        assert column.description.strip(), f"{table}.{column.name}: description is empty"
        assert column.type in POLARS_TYPES, f"{table}.{column.name}: unknown type {column.type!r}"


# Shapes of personal data that must never appear in a description as an example value.
_PERSONAL_DATA_SHAPES = {
    "NHS number": re.compile(r"\b\d{3}[ -]?\d{3}[ -]?\d{4}\b"),
    "postcode": re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}\b"),
    "full date": re.compile(r"\b(19|20)\d\d-\d\d-\d\d\b|\b\d{1,2}/\d{1,2}/(19|20)?\d\d\b"),
    "research or record id": re.compile(r"\bRP[0-9A-F]{12}\b|\bH[0-9A-F]{16}\b"),
}


def test_descriptions_hold_no_example_personal_data():
    for table, spec in SPECS.items():
        for text in [spec.description, *(column.description for column in spec.columns)]:
            for what, shape in _PERSONAL_DATA_SHAPES.items():
                assert not shape.search(text), f"{table}: a description looks like it quotes a {what}"


def test_every_stored_asset_has_an_output_contract_in_its_zone():
    checked = 0
    for name, zone in stored_assets().items():
        if name.startswith(("raw_", "quarantine_")):
            continue  # contract: data_specs/files/
        assert name in SPECS, f"{name}: stored asset without data_specs/outputs/{name}.yaml"
        assert SPECS[name].zone == zone, f"{name}: asset zone {zone}, contract zone {SPECS[name].zone}"
        checked += 1
    assert checked >= len(SPECS)


def test_each_contract_describes_its_table_as_the_asset_does():
    import dagster as dg

    for table, spec in SPECS.items():
        asset = _graph().get(dg.AssetKey(table)).description or ""
        assert _normalised(spec.description) == _normalised(asset), f"{table}: YAML and asset descriptions differ"


def test_every_output_contract_belongs_to_a_stored_asset():
    assert not set(SPECS) - set(stored_assets()), "contracts for tables no asset produces"


def test_the_three_predictor_tables_share_one_column_set():
    first = SPECS[PREDICTOR_TABLES[0]].columns
    for table in PREDICTOR_TABLES[1:]:
        assert SPECS[table].columns == first, f"{table} differs from {PREDICTOR_TABLES[0]}"


def test_research_and_published_contracts_carry_no_direct_identifier_columns():
    direct = {"nhs_number", "la_person_unique_identifier", "patient_id", "first_name", "last_name", "forename",
              "surname", "date_of_birth", "postcode", "source_person_id"}
    for table, spec in SPECS.items():
        if spec.zone != "identifiable":
            assert not direct & set(spec.column_names), f"{table} ({spec.zone}) lists a direct identifier"


def test_indicator_modules_read_their_columns_from_the_yaml():
    pairs = [
        (indicators.OUTPUT_COLUMNS["person_quarter_indicators"], "person_quarter_indicators"),
        (crisis.OUTPUT_COLUMNS["crisis_events"], "crisis_episodes"),
        (crisis.OUTPUT_COLUMNS["pre_crisis_service_use"], "pre_crisis_service_use"),
        (crisis.OUTPUT_COLUMNS["pattern_table"], "crisis_service_patterns"),
        (institutionalisation.OUTPUT_COLUMNS["first_permanent_placements"], "first_permanent_placements"),
        (inequalities.OUTPUT_COLUMNS["indicator_rates"], "inequality_rates"),
        (inequalities.OUTPUT_COLUMNS["cohort_vs_single_system"], "cohort_vs_single_system"),
        *((institutionalisation.OUTPUT_COLUMNS["predictor_table"], table) for table in PREDICTOR_TABLES),
    ]
    for columns, table in pairs:
        assert columns == {c.name: c.description for c in SPECS[table].columns}, table
    # The Dagster asset puts `cohort` in front of placement_rates()'s columns.
    rates = institutionalisation.OUTPUT_COLUMNS["placement_rates"]
    assert ["cohort", *rates] == list(SPECS["placement_rates"].column_names)
    # Every pre-crisis service-use measure is a described column of its contract.
    assert set(crisis.SERVICE_USE_MEASURES) <= set(SPECS["pre_crisis_service_use"].column_names)


def test_output_columns_refuses_unknown_tables_and_exclusions():
    with pytest.raises(KeyError):
        output_columns("no_such_table")
    with pytest.raises(KeyError):
        output_columns("placement_rates", exclude=("no_such_column",))
    assert "cohort" not in output_columns("placement_rates", exclude=("cohort",))


SPEC = OutputSpec("t", "research", "A test table.", (
    OutputColumn("id", "string", "Row id."),
    OutputColumn("day", "date", "A day."),
    OutputColumn("n", "integer", "A count."),
    OutputColumn("rate", "float", "A rate."),
    OutputColumn("flag", "boolean", "A flag."),
    OutputColumn("parts", "list", "A list."),
))


def _frame(**override) -> pl.DataFrame:
    columns = {
        "id": pl.Series(["a"], dtype=pl.String), "day": pl.Series([None], dtype=pl.Date),
        "n": pl.Series([1], dtype=pl.Int32), "rate": pl.Series([0.5], dtype=pl.Float64),
        "flag": pl.Series([True], dtype=pl.Boolean), "parts": pl.Series([["x"]], dtype=pl.List(pl.String)),
    }
    columns.update(override)
    return pl.DataFrame({k: v for k, v in columns.items() if v is not None})


def test_contract_faults_accepts_a_conforming_frame_and_all_null_columns():
    assert contract_faults(SPEC, _frame()) == []
    assert contract_faults(SPEC, _frame(rate=pl.Series([None], dtype=pl.Null))) == []


def test_contract_faults_catches_a_missing_column():
    assert contract_faults(SPEC, _frame(rate=None)) == ["missing column rate"]


def test_contract_faults_catches_an_extra_column():
    faults = contract_faults(SPEC, _frame(secret_extra=pl.Series(["x"])))
    assert faults == ["columns not in the contract: secret_extra"]


def test_contract_faults_catches_a_wrong_type_and_names_no_values():
    faults = contract_faults(SPEC, _frame(n=pl.Series(["NOT-A-NUMBER"], dtype=pl.String)))
    assert faults == ["column n is string, contract says integer"]
    assert "NOT-A-NUMBER" not in " ".join(faults)
