import dagster as dg
import pytest

from asc_linkage.core.specs import load_contract
from asc_linkage.defs.schemas import column_schema_metadata, table_schema

CONTRACT = load_contract()
TABLES = sorted(CONTRACT.files)


@pytest.mark.parametrize("table", TABLES)
def test_raw_schema_describes_every_column(table):
    schema = table_schema(table)
    spec = CONTRACT.file(table)
    assert isinstance(schema, dg.TableSchema)
    assert [c.name for c in schema.columns] == [*spec.column_names, "_quarter", "_row_number", "_field_faults"]
    for column in schema.columns:
        assert column.description and column.description.strip(), column.name


@pytest.mark.parametrize("table", TABLES)
def test_quarantine_schema_describes_every_column(table):
    schema = table_schema(f"quarantine_{table}")
    names = [c.name for c in schema.columns]
    assert names == [*CONTRACT.file(table).column_names, "_quarter", "_row_number", "_reason", "_raw_record"]
    assert all(c.type == "string" for c in schema.columns if not c.name.startswith("_"))
    for column in schema.columns:
        assert column.description, column.name


def test_types_constraints_and_tags_follow_the_specs():
    columns = {c.name: c for c in table_schema("mh_patients").columns}
    assert columns["patient_id"].constraints.unique and not columns["patient_id"].constraints.nullable
    assert columns["date_of_birth"].type == "date"
    assert columns["date_of_birth"].tags["pii"] == "true"
    assert "pii" not in columns["gender"].tags
    assert columns["gender"].tags["codelist"] == "mh_gender"
    assert "Person Stated Gender Code" in columns["gender"].description
    cld = {c.name: c for c in table_schema("cld_events").columns}
    assert cld["unit_cost"].type == "float64"
    assert cld["employment_status"].description.endswith("Optional in the landing file (null when absent).")
    assert cld["request_route_of_access"].tags["landing_header"] == "Request: Route of Access"


def test_table_constraints_state_the_keys():
    statements = table_schema("mh_referrals").constraints.other
    assert any("referral_id" in s for s in statements)


def test_metadata_helper_wraps_the_schema():
    metadata = column_schema_metadata("cld_events")
    assert isinstance(metadata["dagster/column_schema"], dg.TableSchemaMetadataValue)
    assert metadata["dagster/column_schema"].schema == table_schema("cld_events")


def test_unknown_table_is_a_key_error():
    with pytest.raises(KeyError):
        table_schema("not_a_table")
