import shutil

import pytest
import yaml

from asc_linkage.core.specs import (
    DEFAULT_SPEC_DIR,
    SpecError,
    code_key,
    load_contract,
    load_contract_from,
    snake_case,
)

from asc_linkage_tests.landing_contract import (
    CLD_OPTIONAL, CLD_REQUIRED, LANDING_PATHS, MH_COLUMNS, PLATFORM_ADDED_OPTIONAL,
)


@pytest.fixture(scope="module")
def contract():
    return load_contract()


@pytest.mark.parametrize(
    "header, name",
    [
        ("LA Person Unique Identifier", "la_person_unique_identifier"),
        ("Request: Route of Access", "request_route_of_access"),
        ("Cost Frequency (Unit Type)", "cost_frequency_unit_type"),
        ("No. of adults being cared for", "no_of_adults_being_cared_for"),
        ("Adult 1 Linked Person_ID", "adult_1_linked_person_id"),
        ("  patient_id ", "patient_id"),
    ],
)
def test_snake_case_follows_the_internals_rule(header, name):
    assert snake_case(header) == name


def test_every_landing_file_has_a_spec_at_its_path(contract):
    assert {table: spec.landing_path for table, spec in contract.files.items()} == LANDING_PATHS
    assert {spec.table for spec in contract.reference_files} == {"ref_postcode_lsoa", "ref_lsoa_imd"}
    assert not contract.file("mh_addresses").required_file
    assert contract.file("cld_events").required_file


def test_cld_headers_and_optionality_match_the_landing_contract(contract):
    columns = contract.file("cld_events").columns
    assert sorted(c.header for c in columns if c.required) == sorted(CLD_REQUIRED)
    assert sorted(c.header for c in columns if not c.required) == sorted(CLD_OPTIONAL + PLATFORM_ADDED_OPTIONAL)


@pytest.mark.parametrize("table, names", sorted(MH_COLUMNS.items()))
def test_mh_and_reference_columns_match_the_landing_contract(contract, table, names):
    assert list(contract.file(table).column_names) == names


def test_every_column_and_table_is_described(contract):
    for spec in contract.files.values():
        assert spec.description
        for column in spec.columns:
            assert column.description.endswith("."), (spec.table, column.name)
    for codes in contract.codelists.values():
        assert codes.statement and codes.source


@pytest.mark.parametrize(
    "table, key", [("mh_patients", ("patient_id",)), ("mh_referrals", ("referral_id",)),
                   ("mh_care_contacts", ("contact_id",)), ("mh_hospital_spells", ("spell_id",)),
                   ("mh_mha_episodes", ("episode_id",)), ("cld_events", ())],
)
def test_unique_keys(contract, table, key):
    spec = contract.file(table)
    assert spec.unique_key == key
    assert tuple(c.name for c in spec.columns if c.unique) == key


def test_direct_identifiers_are_marked_pii(contract):
    cld = contract.file("cld_events")
    pii = {c.name for c in cld.columns if c.pii}
    assert {"nhs_number", "la_person_unique_identifier", "first_name", "last_name", "date_of_birth",
            "postcode", "adult_1_linked_person_id"} <= pii
    assert "gender" not in pii and "gp_practice_code" not in pii
    patients = {c.name for c in contract.file("mh_patients").columns if c.pii}
    assert {"patient_id", "nhs_number", "forename", "surname", "date_of_birth", "postcode"} <= patients


def test_person_id_columns(contract):
    assert contract.file("cld_events").person_id == "la_person_unique_identifier"
    assert all(contract.file(t).person_id == "patient_id" for t in MH_COLUMNS if t.startswith("mh_"))
    assert contract.file("ref_lsoa_imd").person_id is None


def test_code_key_ignores_case_separators_and_space():
    assert code_key("NFA - Deceased") == code_key("nfa:deceased") == code_key(" NFA:  Deceased ")
    assert code_key("7", pad_digits=2) == "07"


@pytest.mark.parametrize(
    "codelist, given, expected",
    [
        ("cld_client_type", "Carer", "Unpaid carer"),
        ("cld_client_type", "SERVICE USER", "Service user"),
        ("cld_service_type", "Long Term Support: Nursing Care", "Long term support: Nursing care"),
        ("cld_service_type", "long term support - nursing care", "Long term support: Nursing care"),
        ("cld_service_type", "Carer Support: Direct to Carer", "Unpaid carer support: Direct to unpaid carer"),
        ("cld_event_outcome", "NFA - Moved to another LA", "NFA: Responsibility moved to another local authority"),
        ("cld_event_outcome", "NFA- Other", "NFA: Other"),
        ("cld_event_outcome", "nfa:support declined", "NFA: Support declined"),
        ("cld_primary_support_reason", "Support with Memory & Cognition", "Support with memory and cognition"),
        ("cld_ethnicity", "White - Irish", "White: Irish"),
        ("cld_ethnicity", "No data - Undeclared or Not known", "No data: Undeclared or not known"),
        ("cld_accommodation_status", "Tenant - private landlord", "Tenant: Private landlord"),
        ("cld_cost_frequency", "4 Weekly", "4-weekly"),
        ("cld_delivery_mechanism", "Direct Payment", "Direct payment"),
        ("mh_nhs_number_status", "1", "01"),
        ("mh_team_type", "a02", "A02"),
        ("mh_gender", "x", "X"),
        ("mh_bed_type", "10", "10"),
        ("icd10_code", " f20.0", "F20.0"),
        ("icd10_code", "F200", "F200"),
        ("icd10_code", "G31.8", "G31.8"),
    ],
)
def test_canonical_maps_variants_and_release1_to_release2(contract, codelist, given, expected):
    assert contract.codelist(codelist).canonical(given) == expected


@pytest.mark.parametrize(
    "codelist, given",
    [("cld_client_type", "Carers"), ("cld_accommodation_status", "Tenant"), ("mh_primary_reason", "17"),
     ("icd10_code", "F2"), ("icd10_code", "schizophrenia"), ("mh_gender", ""), ("cld_event_type", None)],
)
def test_canonical_is_none_for_values_outside_the_list(contract, codelist, given):
    assert contract.codelist(codelist).canonical(given) is None


def test_code_list_attributes(contract):
    outcome = contract.codelist("cld_event_outcome")
    ranks = [outcome.attribute(code, "rank") for code in outcome.codes]
    assert ranks == list(range(1, 18))
    ethnicity = contract.codelist("cld_ethnicity")
    assert len(ethnicity.codes) == 21
    assert {ethnicity.attribute(c, "broad_group") for c in ethnicity.codes} == {
        "White", "Mixed", "Asian", "Black", "Other", "Unknown"}
    accommodation = contract.codelist("cld_accommodation_status")
    assert accommodation.attribute("Tenant: Private landlord", "settled") is True
    assert accommodation.attribute("Registered care home", "settled") is False
    assert contract.codelist("mh_legal_status").attribute("03", "civil_detention") is True
    assert not contract.codelist("cld_route_of_access").verified


def test_every_code_column_names_a_known_codelist(contract):
    for spec in contract.files.values():
        for column in spec.columns:
            assert (column.type == "code") == (column.codelist in contract.codelists)


def test_contract_is_loaded_once():
    assert load_contract() is load_contract()


@pytest.fixture
def spec_copy(tmp_path):
    copy = tmp_path / "data_specs"
    shutil.copytree(DEFAULT_SPEC_DIR, copy)
    return copy


def _edit(path, change):
    data = yaml.safe_load(path.read_text())
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False))


def test_a_column_without_description_is_refused(spec_copy):
    _edit(spec_copy / "files" / "mh_diagnoses.yaml", lambda d: d["columns"][0].pop("description"))
    with pytest.raises(SpecError, match="mh_diagnoses.yaml column 1: missing keys"):
        load_contract_from(spec_copy)


def test_a_misspelt_key_is_refused(spec_copy):
    _edit(spec_copy / "files" / "mh_diagnoses.yaml", lambda d: d["columns"][0].update(nulable=True))
    with pytest.raises(SpecError, match="unknown keys"):
        load_contract_from(spec_copy)


def test_a_release1_mapping_to_a_missing_code_is_refused(spec_copy):
    _edit(spec_copy / "codelists" / "cld_client_type.yaml", lambda d: d["release1"].update(Client="Nobody"))
    with pytest.raises(SpecError, match="not a code"):
        load_contract_from(spec_copy)


def test_two_codes_with_one_matching_key_are_refused(spec_copy):
    _edit(spec_copy / "codelists" / "cld_event_type.yaml", lambda d: d["codes"].append("REQUEST"))
    with pytest.raises(SpecError, match="share a matching key"):
        load_contract_from(spec_copy)
