import csv
import io

import polars as pl
import pytest

from asc_linkage.core.contracts import (
    build_raw_schema,
    check_quarantine_table,
    check_raw_table,
    quarantine_schema,
    raw_schema,
    validation_failures,
)
from asc_linkage.core.ingest import ingest_file
from asc_linkage.core.specs import load_contract

CONTRACT = load_contract()
QUARTER = "2025-Q2"


def write_csv(path, header, rows):
    buffer = io.StringIO(newline="")
    csv.writer(buffer).writerows([header, *rows])
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def referrals(tmp_path_factory):
    spec = CONTRACT.file("mh_referrals")
    path = write_csv(
        tmp_path_factory.mktemp("contracts") / "referrals.csv",
        spec.column_names,
        [["R1", "P1", "2024-01-05", "", "A1", "18", "A02"],
         ["R2", "P1", "2024-02-05", "2024-03-01", "H1", "04", "A06"],
         ["R3", "P2", "05/03/2024", "", "C1", "bogus", "A02"]],
    )
    return ingest_file(path, spec, QUARTER, "q/mh/referrals.csv").accepted


def test_every_table_gets_a_schema_with_every_contract_column_and_the_lineage_columns():
    for table, spec in CONTRACT.files.items():
        schema = raw_schema(table)
        assert list(schema.columns) == [*spec.column_names, "_quarter", "_row_number", "_field_faults"]
        assert schema.name == table
        assert quarantine_schema(table).name == f"quarantine_{table}"


def test_dtypes_nullability_and_uniqueness_come_from_the_specs():
    columns = raw_schema("mh_referrals").columns
    assert str(columns["referral_received_date"].dtype) == "Date"
    assert columns["referral_id"].unique and not columns["referral_id"].nullable
    assert columns["discharge_date"].nullable
    assert str(raw_schema("cld_events").columns["unit_cost"].dtype) == "Float64"


def test_ingested_frames_conform(referrals):
    assert referrals.height == 3
    assert check_raw_table(referrals, "mh_referrals") == {}


def test_a_code_outside_the_list_is_counted_without_its_value(referrals):
    bad = referrals.with_columns(pl.lit("Z99-SECRET").alias("team_type"))
    failures = check_raw_table(bad, "mh_referrals")
    assert failures == {"team_type:isin": 3}
    assert "SECRET" not in repr(failures)


def test_duplicate_key_null_key_and_wrong_dtype_are_counted(referrals):
    bad = referrals.with_columns(
        pl.lit("R1").alias("referral_id"),
        pl.when(pl.col("_row_number") == 1).then(None).otherwise(pl.col("patient_id")).alias("patient_id"),
        pl.col("referral_received_date").cast(pl.String),
    )
    failures = check_raw_table(bad, "mh_referrals")
    assert failures["referral_id:field_uniqueness"] == 3
    assert failures["patient_id:not_nullable"] == 1
    assert "referral_received_date:dtype" in failures


def test_field_faults_column_cannot_carry_values(referrals):
    assert referrals["_field_faults"].to_list() == [None, None, "primary_reason:unknown_code"]
    leaky = referrals.with_columns(pl.lit("surname:Smith Jones").alias("_field_faults"))
    assert check_raw_table(leaky, "mh_referrals") == {"_field_faults:str_matches": 3}


def test_ranges_and_reference_quarter():
    frame = pl.DataFrame(
        {"lsoa11": ["E01000001", "E01000002"], "imd_decile": [1, 12], "_quarter": [None, None],
         "_row_number": [1, 2], "_field_faults": [None, None]},
        schema={"lsoa11": pl.String, "imd_decile": pl.Int64, "_quarter": pl.String,
                "_row_number": pl.Int64, "_field_faults": pl.String},
    )
    assert check_raw_table(frame, "ref_lsoa_imd") == {"imd_decile:less_than_or_equal_to": 1}
    quarterly = build_raw_schema(CONTRACT.file("mh_referrals"), CONTRACT)
    assert not quarterly.columns["_quarter"].nullable


def test_missing_column_is_reported(referrals):
    failures = validation_failures(referrals.drop("team_type"), raw_schema("mh_referrals"))
    assert failures == {"team_type:missing_column": 1}


def test_quarantine_schema_checks_reasons(tmp_path):
    spec = CONTRACT.file("mh_patients")
    path = write_csv(tmp_path / "patients.csv", spec.column_names,
                     [["P1"] + [""] * 9, ["P1"] + [""] * 9, [""] * 10])
    quarantined = ingest_file(path, spec, QUARTER, "q/mh/patients.csv").quarantined
    assert check_quarantine_table(quarantined, "mh_patients") == {}
    relabelled = quarantined.with_columns(pl.lit("looked_odd").alias("_reason"))
    assert check_quarantine_table(relabelled, "mh_patients") == {"_reason:isin": 2}
