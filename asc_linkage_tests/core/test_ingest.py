import csv
import hashlib
import io
import json
from datetime import date

import polars as pl
import pytest

from asc_linkage.core.contracts import check_quarantine_table, check_raw_table
from asc_linkage.core.ingest import (
    ContractError,
    DropError,
    check_drop,
    count_data_rows,
    ingest_file,
    landing_files,
    scan_landing,
)
from asc_linkage.core.specs import load_contract

QUARTER = "2025-Q2"
CONTRACT = load_contract()
CLD = CONTRACT.file("cld_events")
PATIENTS = CONTRACT.file("mh_patients")
CLD_REQUIRED_HEADERS = [c.header for c in CLD.columns if c.required]

GOOD_CLD_ROW = {
    "LA Code": "E09000022", "Reporting Period Start Date": "2024-07-01",
    "Reporting Period End Date": "2025-06-30", "NHS Number": "943 476 5919",
    "LA Person Unique Identifier": "LA001", "First Name": "Ann", "Last Name": "Smith",
    "Gender": "Female", "Ethnicity": "White: Irish", "Date of Birth": "1950-03-04",
    "Date of Death": "", "Client Type": "Service user", "Primary Support Reason": "Mental health support",
    "Postcode": "SE5 8AZ", "Accommodation Status": "Registered care home", "Event Type": "Service",
    "Event Reference": "EV1", "Event Start Date": "2025-01-02", "Event End Date": "",
    "Event Outcome": "Continuation of support or services", "Request: Route of Access": "",
    "Assessment Type": "", "Eligible Needs Identified": "", "Service Type": "Long term support: Residential care",
    "Service Component": "Long term residential care", "Delivery Mechanism": "CASSR commissioned support",
    "Review Reason": "", "Unit Cost": "812.50", "Cost Frequency (Unit Type)": "Weekly",
    "Planned units per week": "1",
}


def csv_bytes(header, rows, line_end="\r\n"):
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator=line_end)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def cld_file(tmp_path, rows, header=None, name="cld_events.csv", prefix=b""):
    header = header or CLD_REQUIRED_HEADERS
    body = csv_bytes(header, [[row.get(h, "") for h in header] for row in rows])
    path = tmp_path / name
    path.write_bytes(prefix + body)
    return path


def cld_row(**changes):
    row = dict(GOOD_CLD_ROW)
    row.update(changes)
    return row


def ingest_cld(tmp_path, rows, **kwargs):
    return ingest_file(cld_file(tmp_path, rows, **kwargs), CLD, QUARTER, f"{QUARTER}/asc/cld_events.csv")


PATIENT_HEADER = list(PATIENTS.column_names)


def patient(patient_id="P1", **changes):
    row = {"patient_id": patient_id, "nhs_number": "9434765919", "nhs_number_status": "01",
           "forename": "Bea", "surname": "Jones", "date_of_birth": "1980-01-31", "gender": "2",
           "ethnic_category": "A", "postcode": "SE5 8AZ", "date_of_death": ""}
    row.update(changes)
    return [row[h] for h in PATIENT_HEADER]


def ingest_patients(tmp_path, data: bytes):
    path = tmp_path / "patients.csv"
    path.write_bytes(data)
    return ingest_file(path, PATIENTS, QUARTER, f"{QUARTER}/mh/patients.csv")


def assert_reconciles(result):
    assert result.rows_in == result.rows_accepted + result.rows_quarantined
    assert result.accepted.height == result.rows_accepted
    assert result.quarantined.height == result.rows_quarantined
    assert sum(result.quarantine_counts.values()) == result.rows_quarantined


def faults_of(result, row_number):
    return result.accepted.filter(pl.col("_row_number") == row_number).item(0, "_field_faults")


# ---- a clean file and its layout -------------------------------------------------------------


def test_clean_cld_file_is_accepted_with_types_and_lineage_columns(tmp_path):
    result = ingest_cld(tmp_path, [cld_row(), cld_row(**{"Event Reference": "EV2"})])
    assert_reconciles(result)
    assert (result.rows_in, result.rows_accepted, result.rows_quarantined) == (2, 2, 0)
    accepted = result.accepted
    assert accepted.columns == [*CLD.column_names, "_quarter", "_row_number", "_field_faults"]
    assert accepted.schema["date_of_birth"] == pl.Date
    assert accepted.schema["unit_cost"] == pl.Float64
    assert accepted.schema["no_of_adults_being_cared_for"] == pl.Int64
    assert accepted["_row_number"].to_list() == [1, 2]
    assert accepted["_quarter"].to_list() == [QUARTER, QUARTER]
    assert accepted["_field_faults"].null_count() == 2
    assert accepted.item(0, "date_of_birth") == date(1950, 3, 4)
    assert accepted.item(0, "unit_cost") == 812.5
    assert accepted.item(0, "nhs_number") == "943 476 5919"  # identifiers kept as given
    assert check_raw_table(accepted, "cld_events") == {}


def test_missing_optional_columns_are_null_and_listed(tmp_path):
    result = ingest_cld(tmp_path, [cld_row()])
    assert "employment_status" in result.missing_optional_columns
    assert result.accepted["employment_status"].to_list() == [None]
    assert result.accepted.schema["no_of_adults_being_cared_for"] == pl.Int64


def test_extra_columns_are_kept_as_text_under_snake_case_names(tmp_path):
    header = [*CLD_REQUIRED_HEADERS, "Local Team (2025)"]
    result = ingest_cld(tmp_path, [cld_row(**{"Local Team (2025)": "North"})], header=header)
    assert result.extra_columns == ("local_team_2025",)
    assert result.accepted["local_team_2025"].to_list() == ["North"]
    assert result.accepted.columns[-4:] == ["local_team_2025", "_quarter", "_row_number", "_field_faults"]


def test_headers_match_after_stripping_white_space_and_columns_can_be_reordered(tmp_path):
    header = [f"  {h} " for h in reversed(CLD_REQUIRED_HEADERS)]
    rows = [[cld_row()[h] for h in reversed(CLD_REQUIRED_HEADERS)]]
    path = tmp_path / "cld.csv"
    path.write_bytes(csv_bytes(header, rows))
    result = ingest_file(path, CLD, QUARTER, "x/cld.csv")
    assert result.rows_accepted == 1
    assert result.accepted.item(0, "la_person_unique_identifier") == "LA001"


def test_bom_crlf_quoted_commas_quotes_and_newlines(tmp_path):
    row = cld_row(**{"Last Name": 'O"Neil, Jr', "Event Reference": "line one\r\nline two"})
    result = ingest_cld(tmp_path, [row, cld_row(**{"Event Reference": "EV9"})], prefix=b"\xef\xbb\xbf")
    assert result.rows_accepted == 2
    assert result.accepted["la_code"].to_list() == ["E09000022"] * 2  # BOM not glued to the first header
    assert result.accepted.item(0, "last_name") == 'O"Neil, Jr'
    assert result.accepted.item(0, "event_reference") == "line one\r\nline two"
    assert result.accepted["_row_number"].to_list() == [1, 2]


def test_lf_line_endings_and_no_final_newline(tmp_path):
    body = csv_bytes(PATIENT_HEADER, [patient("P1"), patient("P2")], line_end="\n").rstrip(b"\n")
    result = ingest_patients(tmp_path, body)
    assert result.accepted["patient_id"].to_list() == ["P1", "P2"]


def test_blank_lines_are_not_rows(tmp_path):
    body = csv_bytes(PATIENT_HEADER, [patient("P1")]) + b"\r\n\r\n" + csv_bytes(PATIENT_HEADER, [patient("P2")]).split(b"\r\n", 1)[1]
    result = ingest_patients(tmp_path, body)
    assert result.rows_in == 2
    assert result.accepted["patient_id"].to_list() == ["P1", "P2"]
    assert count_data_rows(body) == 2


def test_header_only_file_gives_zero_rows(tmp_path):
    result = ingest_cld(tmp_path, [])
    assert_reconciles(result)
    assert (result.rows_in, result.accepted.height, result.quarantined.height) == (0, 0, 0)
    assert result.accepted.columns[-3:] == ["_quarter", "_row_number", "_field_faults"]
    assert check_raw_table(result.accepted, "cld_events") == {}


def test_formula_like_text_is_kept_verbatim(tmp_path):
    formula = "=cmd|' /C calc'!A0"
    result = ingest_cld(tmp_path, [cld_row(**{"Last Name": formula, "Event Reference": "+SUM(1)"})])
    assert result.accepted.item(0, "last_name") == formula
    assert result.accepted.item(0, "event_reference") == "+SUM(1)"


# ---- codes -----------------------------------------------------------------------------------


def test_release1_and_spelling_variants_become_release2_and_are_counted(tmp_path):
    rows = [
        cld_row(**{"Client Type": "Carer", "Event Outcome": "NFA - Moved to another LA"}),
        cld_row(**{"Client Type": "service user", "Event Outcome": "nfa:deceased",
                   "Service Type": "Long Term Support - Residential Care", "Ethnicity": "White - Irish"}),
        cld_row(**{"Delivery Mechanism": " CASSR  Commissioned Support "}),
    ]
    result = ingest_cld(tmp_path, rows)
    accepted = result.accepted
    assert accepted["client_type"].to_list() == ["Unpaid carer", "Service user", "Service user"]
    assert accepted["event_outcome"].to_list() == [
        "NFA: Responsibility moved to another local authority", "NFA: Deceased",
        "Continuation of support or services"]
    assert accepted.item(1, "service_type") == "Long term support: Residential care"
    assert accepted.item(1, "ethnicity") == "White: Irish"
    assert accepted.item(2, "delivery_mechanism") == "CASSR commissioned support"
    assert accepted["_field_faults"].null_count() == 3  # mapping is silent, not a fault
    assert result.mapped_counts["client_type:release1"] == 1
    assert result.mapped_counts["client_type:spelling_variant"] == 1
    assert result.mapped_counts["event_outcome:release1"] == 1
    assert result.mapped_counts["delivery_mechanism:spelling_variant"] == 1
    assert result.field_fault_counts == {}


def test_unknown_code_is_nulled_and_recorded(tmp_path):
    result = ingest_cld(tmp_path, [cld_row(**{"Gender": "Martian", "Event Type": "Visit"}), cld_row()])
    assert_reconciles(result)
    assert result.accepted.item(0, "gender") is None
    assert result.accepted.item(0, "event_type") is None
    assert faults_of(result, 1) == "gender:unknown_code;event_type:unknown_code"
    assert result.field_fault_counts == {"event_type:unknown_code": 1, "gender:unknown_code": 1}
    assert faults_of(result, 2) is None
    assert check_raw_table(result.accepted, "cld_events") == {}


def test_mhsds_codes_are_canonical_and_icd10_kept_as_sent(tmp_path):
    spec = CONTRACT.file("mh_diagnoses")
    path = tmp_path / "diagnoses.csv"
    path.write_bytes(csv_bytes(spec.column_names, [["P1", "2024-01-01", "F20.0", "primary"],
                                                   ["P1", "2024-01-01", "f200", "Secondary"],
                                                   ["P1", "2024-01-01", "F2", "primary"]]))
    result = ingest_file(path, spec, QUARTER, f"{QUARTER}/mh/diagnoses.csv")
    assert result.accepted["icd10_code"].to_list() == ["F20.0", "F200", None]
    assert result.accepted["diagnosis_type"].to_list() == ["primary", "secondary", "primary"]
    assert result.field_fault_counts == {"icd10_code:unknown_code": 1}


# ---- dates and numbers -----------------------------------------------------------------------


def test_dates_in_both_forms_and_impossible_or_unparseable_dates(tmp_path):
    rows = [
        cld_row(**{"Event Start Date": "02/01/2025", "Event End Date": "2025-1-9"}),
        cld_row(**{"Event Start Date": "31/02/2024", "Event End Date": "2024-13-01"}),
        cld_row(**{"Event Start Date": "yesterday", "Event End Date": "2025/01/02"}),
    ]
    result = ingest_cld(tmp_path, rows)
    accepted = result.accepted
    assert accepted.item(0, "event_start_date") == date(2025, 1, 2)
    assert accepted.item(0, "event_end_date") == date(2025, 1, 9)
    assert accepted.item(1, "event_start_date") is None
    assert faults_of(result, 2) == "event_start_date:impossible_date;event_end_date:impossible_date"
    assert faults_of(result, 3) == "event_start_date:unparseable_date;event_end_date:unparseable_date"
    assert result.field_fault_counts == {
        "event_end_date:impossible_date": 1, "event_end_date:unparseable_date": 1,
        "event_start_date:impossible_date": 1, "event_start_date:unparseable_date": 1}


def test_future_date_of_birth_is_judged_against_the_quarter_end_not_today(tmp_path):
    rows = [cld_row(**{"Date of Birth": "2025-06-30"}), cld_row(**{"Date of Birth": "01/07/2025"})]
    path = cld_file(tmp_path, rows)
    in_q2 = ingest_file(path, CLD, "2025-Q2", "q2")
    assert in_q2.accepted["date_of_birth"].to_list() == [date(2025, 6, 30), None]
    assert in_q2.field_fault_counts == {"date_of_birth:future_date": 1}
    in_q3 = ingest_file(path, CLD, "2025-Q3", "q3")
    assert in_q3.field_fault_counts == {}
    # Event dates may lie beyond the quarter end (planned services): no future rule for them.
    later_event = ingest_cld(tmp_path, [cld_row(**{"Event End Date": "2026-01-01"})])
    assert later_event.field_fault_counts == {}


def test_numbers_negative_and_unparseable(tmp_path):
    header = [*CLD_REQUIRED_HEADERS, "No. of adults being cared for"]
    rows = [
        cld_row(**{"Unit Cost": "-5", "Planned units per week": "abc", "No. of adults being cared for": "2.5"}),
        cld_row(**{"Unit Cost": " 12.75 ", "Planned units per week": "NaN", "No. of adults being cared for": "3.0"}),
        cld_row(**{"Unit Cost": "0", "Planned units per week": "", "No. of adults being cared for": "-1"}),
    ]
    result = ingest_cld(tmp_path, rows, header=header)
    accepted = result.accepted
    assert accepted["unit_cost"].to_list() == [None, 12.75, 0.0]
    assert accepted["planned_units_per_week"].to_list() == [None, None, None]
    assert accepted["no_of_adults_being_cared_for"].to_list() == [None, 3, None]
    # Faults are listed in contract column order.
    assert faults_of(result, 1) == (
        "no_of_adults_being_cared_for:not_an_integer;unit_cost:negative_value;planned_units_per_week:not_a_number"
    )
    assert faults_of(result, 3) == "no_of_adults_being_cared_for:negative_value"
    assert result.field_fault_counts["planned_units_per_week:not_a_number"] == 2


def test_reference_file_ranges_and_no_quarter(tmp_path):
    spec = CONTRACT.file("ref_lsoa_imd")
    path = tmp_path / "lsoa_imd.csv"
    path.write_bytes(csv_bytes(["lsoa11", "imd_decile"], [["E01000001", "1"], ["E01000002", "11"],
                                                          ["E01000001", "3"], ["", "4"]]))
    result = ingest_file(path, spec, None, "reference/lsoa_imd.csv")
    assert_reconciles(result)
    assert result.accepted["imd_decile"].to_list() == [1, None]
    assert result.accepted["_quarter"].to_list() == [None, None]
    assert result.field_fault_counts == {"imd_decile:out_of_range": 1}
    assert result.quarantine_counts == {"duplicate_unique_id": 1, "missing_unique_id": 1}
    assert check_raw_table(result.accepted, "ref_lsoa_imd") == {}


# ---- row quarantine --------------------------------------------------------------------------


def test_missing_person_id_and_duplicate_ids_are_quarantined_first_row_kept(tmp_path):
    rows = [patient("P1", forename="First"), patient("  "), patient("P1", forename="Second"),
            patient("P2"), patient(" P2 ")]
    result = ingest_patients(tmp_path, csv_bytes(PATIENT_HEADER, rows))
    assert_reconciles(result)
    assert result.accepted["forename"].to_list() == ["First", "Bea"]
    assert result.quarantine_counts == {"duplicate_unique_id": 2, "missing_person_id": 1}
    quarantined = result.quarantined
    assert quarantined["_row_number"].to_list() == [2, 3, 5]
    assert quarantined["_reason"].to_list() == ["missing_person_id", "duplicate_unique_id", "duplicate_unique_id"]
    assert quarantined.item(1, "forename") == "Second"  # the raw row is kept, as text
    assert quarantined["_raw_record"].null_count() == 3
    assert check_quarantine_table(quarantined, "mh_patients") == {}


def test_cld_rows_without_la_person_id_are_quarantined(tmp_path):
    result = ingest_cld(tmp_path, [cld_row(), cld_row(**{"LA Person Unique Identifier": ""})])
    assert result.quarantine_counts == {"missing_person_id": 1}
    assert result.rows_accepted == 1


def test_missing_unique_id_is_quarantined(tmp_path):
    spec = CONTRACT.file("mh_referrals")
    path = tmp_path / "referrals.csv"
    path.write_bytes(csv_bytes(spec.column_names, [["", "P1", "2024-01-01", "", "A1", "18", "A02"],
                                                   ["R1", "P1", "2024-01-01", "", "A1", "1", "A02"]]))
    result = ingest_file(path, spec, QUARTER, "q/mh/referrals.csv")
    assert result.quarantine_counts == {"missing_unique_id": 1}
    assert result.accepted["primary_reason"].to_list() == ["01"]


def test_rows_with_the_wrong_number_of_fields_are_quarantined_with_their_raw_text(tmp_path):
    good = csv_bytes(PATIENT_HEADER, [patient("P1")])
    body = good + b"P2,short,row\r\n" + b"P3," + b",".join([b"x"] * 11) + b"\r\n" + b'P4,"a,b",01\r\n'
    result = ingest_patients(tmp_path, body)
    assert_reconciles(result)
    assert result.rows_accepted == 1
    assert result.quarantine_counts == {"wrong_field_count": 3}
    assert result.quarantined["_raw_record"].to_list() == [
        "P2,short,row", "P3," + ",".join(["x"] * 11), 'P4,"a,b",01']
    assert result.quarantined["_row_number"].to_list() == [2, 3, 4]


def test_invalid_utf8_rows_are_quarantined_and_the_rest_accepted(tmp_path):
    body = csv_bytes(PATIENT_HEADER, [patient("P1"), patient("P2", surname="Jos\u00e9")])
    body = body.replace("Jos\u00e9".encode(), b"Jos\xe9")  # Latin-1 byte in a UTF-8 file
    result = ingest_patients(tmp_path, body)
    assert_reconciles(result)
    assert result.quarantine_counts == {"invalid_utf8": 1}
    assert result.accepted["patient_id"].to_list() == ["P1"]
    assert result.quarantined.item(0, "surname") == "Jos\ufffd"
    assert result.quarantined.item(0, "_row_number") == 2


def test_valid_utf8_text_including_replacement_character_is_accepted(tmp_path):
    body = csv_bytes(PATIENT_HEADER, [patient("P1", surname="Zo\u00eb \ufffd \u4e2d")])
    result = ingest_patients(tmp_path, body)
    assert result.accepted.item(0, "surname") == "Zo\u00eb \ufffd \u4e2d"


# ---- whole-file faults: one line, names the file, no values ----------------------------------


def assert_one_line_without_values(message, file_name, *values):
    assert "\n" not in message
    assert message.startswith(file_name + ":")
    for value in values:
        assert value not in message


def test_missing_required_header_names_the_file_and_the_header(tmp_path):
    header = [h for h in CLD_REQUIRED_HEADERS if h != "Event Type"]
    with pytest.raises(ContractError) as raised:
        ingest_cld(tmp_path, [cld_row()], header=header)
    message = str(raised.value)
    assert message == "2025-Q2/asc/cld_events.csv: missing required header 'Event Type'"
    assert_one_line_without_values(message, "2025-Q2/asc/cld_events.csv", "LA001", "Smith")


def test_several_missing_headers_are_listed_together(tmp_path):
    header = [h for h in CLD_REQUIRED_HEADERS if h not in ("Gender", "Unit Cost")]
    with pytest.raises(ContractError, match="missing required headers 'Gender', 'Unit Cost'"):
        ingest_cld(tmp_path, [cld_row()], header=header)


def test_empty_file_is_refused(tmp_path):
    with pytest.raises(ContractError, match=r"^2025-Q2/mh/patients.csv: file is empty"):
        ingest_patients(tmp_path, b"")


def test_stray_quote_refuses_the_file_naming_the_row_without_values(tmp_path):
    body = csv_bytes(PATIENT_HEADER, [patient("P1")]) + b'P2,9434765919,01,Jo"hn,Smith,1980-01-01,1,A,SE5 8AZ,\r\n'
    with pytest.raises(ContractError) as raised:
        ingest_patients(tmp_path, body)
    message = str(raised.value)
    assert "row 2" in message and "quote" in message
    assert_one_line_without_values(message, "2025-Q2/mh/patients.csv", "Jo", "9434765919", "Smith")


def test_unterminated_quote_refuses_the_file(tmp_path):
    body = csv_bytes(PATIENT_HEADER, [patient("P1")]) + b'P2,"9434765919,01\r\n'
    with pytest.raises(ContractError, match="row 2 has an unterminated quoted field"):
        ingest_patients(tmp_path, body)


def test_repeated_header_is_refused(tmp_path):
    with pytest.raises(ContractError, match="repeats a column name"):
        ingest_patients(tmp_path, csv_bytes([*PATIENT_HEADER, "surname"], [patient() + ["x"]]))


# ---- record counting -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data, rows",
    [
        (b"a,b\n1,2\n", 1),
        (b"a,b\r\n1,2\r\n3,4", 2),
        (b'a,b\n1,"x\ny"\n2,"p\r\n\r\nq"\n', 2),
        (b"\xef\xbb\xbfa,b\n\n1,2\n\n", 1),
        (b"a,b\n", 0),
        (b"", 0),
    ],
)
def test_count_data_rows(data, rows):
    assert count_data_rows(data) == rows


# ---- drops and the manifest ------------------------------------------------------------------


def write_drop(landing, quarter=QUARTER, files=None, manifest_changes=None, write_manifest=True):
    drop = landing / quarter
    files = files if files is not None else {
        spec.landing_path: csv_bytes([c.header for c in spec.columns], [])
        for spec in CONTRACT.quarterly_files if spec.required_file
    }
    entries = {}
    for landing_path, data in files.items():
        path = drop / landing_path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        entries[landing_path] = {"sha256": hashlib.sha256(data).hexdigest(), "rows": count_data_rows(data)}
    manifest = {"quarter": quarter, "created": "2025-07-28T10:00:00Z", "files": entries}
    if manifest_changes:
        manifest_changes(manifest)
    if write_manifest:
        (drop / "manifest.json").write_text(json.dumps(manifest))
    return drop


def drop_error(drop):
    with pytest.raises(DropError) as raised:
        check_drop(drop)
    message = str(raised.value)
    assert "\n" not in message
    return message


def test_complete_drop_passes_and_lists_its_files(tmp_path):
    drop = write_drop(tmp_path)
    manifest = check_drop(drop)
    assert manifest.quarter == QUARTER
    assert set(manifest.files) == {s.landing_path for s in CONTRACT.quarterly_files if s.required_file}
    assert set(landing_files(tmp_path, QUARTER)) == {s.table for s in CONTRACT.quarterly_files if s.required_file}


def test_missing_manifest(tmp_path):
    drop = write_drop(tmp_path, write_manifest=False)
    assert drop_error(drop).startswith("2025-Q2/manifest.json: missing")


def test_unparseable_manifest(tmp_path):
    drop = write_drop(tmp_path)
    (drop / "manifest.json").write_text("{not json")
    assert drop_error(drop) == "2025-Q2/manifest.json: not valid JSON"


def test_manifest_quarter_must_match_the_folder(tmp_path):
    drop = write_drop(tmp_path, manifest_changes=lambda m: m.update(quarter="2025-Q1"))
    assert drop_error(drop) == "2025-Q2/manifest.json: quarter does not match the folder name"


def test_listed_file_missing(tmp_path):
    drop = write_drop(tmp_path)
    (drop / "mh" / "referrals.csv").unlink()
    assert drop_error(drop) == "2025-Q2/mh/referrals.csv: listed in manifest.json but missing"


def test_required_file_not_listed(tmp_path):
    drop = write_drop(tmp_path, manifest_changes=lambda m: m["files"].pop("mh/diagnoses.csv"))
    assert drop_error(drop) == "2025-Q2/mh/diagnoses.csv: required file not listed in manifest.json"


def test_checksum_mismatch(tmp_path):
    drop = write_drop(tmp_path)
    (drop / "asc" / "cld_events.csv").write_bytes(csv_bytes(CLD_REQUIRED_HEADERS, []) + b"\r\n")
    assert drop_error(drop) == "2025-Q2/asc/cld_events.csv: sha256 does not match manifest"


def test_row_count_mismatch_counts_records_not_lines(tmp_path):
    spec = CONTRACT.file("mh_patients")
    data = csv_bytes(spec.column_names, [patient("P1", surname="two\nlines"), patient("P2")])
    def claim_three(manifest):
        manifest["files"]["mh/patients.csv"]["rows"] = 3
    files = {s.landing_path: csv_bytes([c.header for c in s.columns], [])
             for s in CONTRACT.quarterly_files if s.required_file}
    files["mh/patients.csv"] = data
    drop = write_drop(tmp_path, files=files, manifest_changes=claim_three)
    assert drop_error(drop) == "2025-Q2/mh/patients.csv: 2 data rows, manifest says 3"


def test_manifest_paths_cannot_leave_the_drop(tmp_path):
    def escape(manifest):
        manifest["files"]["../secret.csv"] = {"sha256": "0" * 64, "rows": 0}
    drop = write_drop(tmp_path, manifest_changes=escape)
    assert drop_error(drop) == "2025-Q2/manifest.json: lists a path outside the drop"


def test_scan_landing_reports_each_quarter_and_skips_reference(tmp_path):
    write_drop(tmp_path, "2025-Q1")
    write_drop(tmp_path, "2025-Q2", write_manifest=False)
    (tmp_path / "reference").mkdir()
    (tmp_path / "reference" / "lsoa_imd.csv").write_text("lsoa11,imd_decile\n")
    (tmp_path / "notes").mkdir()
    statuses = scan_landing(tmp_path)
    assert [(s.quarter, s.complete) for s in statuses] == [("2025-Q1", True), ("2025-Q2", False), ("notes", False)]
    assert statuses[0].reason is None
    assert statuses[1].reason.startswith("2025-Q2/manifest.json: missing")
    assert "not a quarter" in statuses[2].reason
    assert scan_landing(tmp_path / "absent") == []


# ---- contract bookkeeping --------------------------------------------------------------------


def test_every_rule_name_used_is_declared_in_rules_yaml():
    from asc_linkage.core.ingest import FIELD_RULES, ROW_RULES

    assert ROW_RULES == tuple(rule.name for rule in CONTRACT.row_rules)
    assert set(FIELD_RULES) == {rule.name for rule in CONTRACT.field_rules}


def test_ingest_is_deterministic(tmp_path):
    rows = [cld_row(**{"Gender": "bad"}), cld_row(**{"LA Person Unique Identifier": ""}), cld_row()]
    first = ingest_cld(tmp_path, rows)
    second = ingest_cld(tmp_path, rows)
    assert first.accepted.equals(second.accepted)
    assert first.quarantined.equals(second.quarantined)
    assert first.field_fault_counts == second.field_fault_counts


def test_an_unknown_header_that_snake_cases_onto_a_contract_column_is_kept_apart(tmp_path):
    header = [*CLD_REQUIRED_HEADERS, "la code", ""]
    result = ingest_cld(tmp_path, [cld_row(**{"la code": "dup", "": "blank"})], header=header)
    assert result.extra_columns == ("la_code_2", f"unnamed_{len(header)}")
    assert result.accepted.item(0, "la_code") == "E09000022"
    assert result.accepted.item(0, "la_code_2") == "dup"


def test_raw_record_of_an_invalid_utf8_row_keeps_the_readable_text(tmp_path):
    body = csv_bytes(PATIENT_HEADER, [patient("P9", forename="Ren\u00e9")]).replace("Ren\u00e9".encode(), b"Ren\xe9")
    result = ingest_patients(tmp_path, body)
    assert result.quarantined.item(0, "_raw_record").startswith("P9,9434765919,01,Ren\ufffd,")


def test_counts_never_carry_values(tmp_path):
    rows = [cld_row(**{"Gender": "SecretValue", "Date of Birth": "SecretDate", "Unit Cost": "SecretCost"})]
    result = ingest_cld(tmp_path, rows)
    text = repr((result.field_fault_counts, result.mapped_counts, result.quarantine_counts,
                 result.accepted["_field_faults"].to_list()))
    assert "Secret" not in text
    assert set(result.field_fault_counts) == {"gender:unknown_code", "date_of_birth:unparseable_date",
                                              "unit_cost:not_a_number"}


def test_absent_file_is_a_one_line_contract_error(tmp_path):
    with pytest.raises(ContractError, match=r"^2025-Q2/mh/patients.csv: cannot be read \(FileNotFoundError\)$"):
        ingest_file(tmp_path / "nope.csv", PATIENTS, QUARTER, "2025-Q2/mh/patients.csv")


def test_a_drop_with_broken_quoting_is_incomplete(tmp_path):
    files = {s.landing_path: csv_bytes([c.header for c in s.columns], [])
             for s in CONTRACT.quarterly_files if s.required_file}
    drop = write_drop(tmp_path, files=files)
    broken = files["mh/patients.csv"] + b'P1,"unterminated\r\n'
    (drop / "mh" / "patients.csv").write_bytes(broken)
    manifest = json.loads((drop / "manifest.json").read_text())
    manifest["files"]["mh/patients.csv"]["sha256"] = hashlib.sha256(broken).hexdigest()
    (drop / "manifest.json").write_text(json.dumps(manifest))
    assert drop_error(drop) == "2025-Q2/mh/patients.csv: row 1 has an unterminated quoted field"
