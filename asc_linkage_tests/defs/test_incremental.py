"""The second quarter of the small demo is built from the first quarter's stored state (staged
events, spine, tokens, scored pairs, model) and must equal rebuilding it from every drop."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import polars as pl

from asc_linkage.core.home import Home
from asc_linkage.core.quarters import quarter_end
from asc_linkage.core.spine import build_asc_spine, build_mh_spine
from asc_linkage.core.staging import stage_asc_events
from asc_linkage.core.store import VersionedStore
from asc_linkage.core.tokens import make_link_tokens

SECOND = "2025-Q2"
ID = "identifiable"


_READ_METADATA = """
import json, sys
import dagster as dg
instance = dg.DagsterInstance.from_config(sys.argv[1])
event = instance.get_latest_materialization_event(dg.AssetKey(sys.argv[2]))
m = event.asset_materialization
print(json.dumps({"partition": m.partition, **{k: v.value for k, v in m.metadata.items()}}, default=str))
"""


_READ_CHECK = """
import json, sys
import dagster as dg
instance = dg.DagsterInstance.from_config(sys.argv[1])
key = dg.AssetCheckKey(dg.AssetKey(sys.argv[2]), sys.argv[3])
record = instance.event_log_storage.get_latest_asset_check_execution_by_key([key])[key]
evaluation = record.event.dagster_event.event_specific_data
print(json.dumps({"passed": evaluation.passed, **{k: v.value for k, v in evaluation.metadata.items()}}, default=str))
"""


def _from_instance(script: str, home, *args: str) -> dict:
    """What `script` prints (JSON) about the home's Dagster instance, run in a child process: a
    DagsterInstance opened and disposed in the test process leaves Dagster's process-wide state
    pointing at it, which breaks later tests that load the definitions."""
    out = subprocess.run([sys.executable, "-c", script, str(home / "dagster"), *args],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _latest_check(home, asset: str, check: str) -> dict:
    """The latest evaluation of an asset check: passed, and its metadata."""
    return _from_instance(_READ_CHECK, home, asset, check)


def _latest_metadata(home, asset: str) -> dict:
    """The latest materialisation's metadata (of the second quarter)."""
    metadata = _from_instance(_READ_METADATA, home, asset)
    assert metadata["partition"] == SECOND
    return metadata


def test_second_quarter_is_incremental_and_equals_a_full_rebuild(demo_home, monkeypatch):
    store = VersionedStore(demo_home)
    staged = store.read(ID, "stg_asc_events", quarter=SECOND)
    assert _latest_metadata(demo_home, "stg_asc_events")["built_from"].startswith("last quarter")
    full = stage_asc_events(store.read_all_quarters(ID, "raw_cld_events", up_to=SECOND))
    assert staged.select(full.columns).equals(full)
    # One council's drop: the check passes and counts every staged event under its one code.
    assert _latest_check(demo_home, "stg_asc_events", "one_council") == {
        "passed": True, "la_codes": 1, "events_main_la_code": staged.height, "events_other_la_codes": 0, "events_no_la_code": 0}

    refs = (store.read(ID, "raw_ref_postcode_lsoa"), store.read(ID, "raw_ref_lsoa_imd"))
    spine = store.read(ID, "asc_client_spine", quarter=SECOND)
    spine_metadata = _latest_metadata(demo_home, "asc_client_spine")
    # Of the persons the drop carries, only those whose evidence changed are rebuilt.
    assert 0 < spine_metadata["persons_rebuilt"] < spine_metadata["persons_in_drop"] < spine.height
    assert spine.equals(build_asc_spine(staged, *refs, as_of=quarter_end(SECOND)))

    mh_spine = store.read(ID, "mh_patient_spine", quarter=SECOND)
    mh_metadata = _latest_metadata(demo_home, "mh_patient_spine")
    assert mh_metadata["built_from"].startswith("last quarter") and 0 < mh_metadata["patients_rebuilt"] < mh_spine.height
    snapshot = [store.read(ID, t, quarter=SECOND) for t in ("raw_mh_patients", "raw_mh_addresses", "raw_mh_referrals")]
    assert mh_spine.equals(build_mh_spine(snapshot[0], snapshot[1], *refs, mh_referrals=snapshot[2], as_of=quarter_end(SECOND)))

    monkeypatch.delenv("ASC_LINKAGE_SECRET", raising=False)
    monkeypatch.delenv("ASC_LINKAGE_SECRET_FILE", raising=False)
    secret = Home.resolve(demo_home).linkage_secret()
    assert _latest_metadata(demo_home, "asc_link_tokens")["built_from"].startswith("last quarter")
    assert store.read(ID, "asc_link_tokens", quarter=SECOND).equals(make_link_tokens(spine, secret))

    linkage = _latest_metadata(demo_home, "linkage_key_map")
    records = linkage["linkage/n_asc_records"] + linkage["linkage/n_mh_records"]
    assert linkage["linkage/model_reused"] and 0 < linkage["linkage/n_records_rescored"] < records
    assert linkage["linkage/n_pairs_carried_over"] > 0
    # The reused model is still this quarter's model asset, with its m/u and match-weight charts.
    model = _latest_metadata(demo_home, "linkage_model")
    assert model["trained_this_quarter"] is False
    assert {"chart_m_u_parameters", "chart_match_weights"} <= model.keys()
    pairs = store.read(ID, "linkage_pairs", quarter=SECOND)
    key_map = store.read(ID, "linkage_key_map", quarter=SECOND)
    ids = key_map.select(pl.concat_str("source", pl.lit(":"), "source_person_id").alias("k"))["k"]
    for side in ("l", "r"):
        assert pairs.select(pl.concat_str(f"source_{side}", pl.lit(":"), f"source_person_id_{side}")).to_series().is_in(ids.implode()).all()
    assert os.environ.get("ASC_LINKAGE_SECRET") is None


def test_a_table_built_by_other_rules_is_not_built_on(demo_home, tmp_path):
    """Each cumulative table records the rules that built it; a quarter builds on last quarter's
    version only if today's rules built it, so an upgrade never carries old derivations forward."""
    from asc_linkage.core.rules import rules_fingerprint
    from asc_linkage.defs.linkage import _previous_if_fresh
    from asc_linkage.defs.storage import HomeResource

    stored = VersionedStore(demo_home).resolve(ID, "asc_client_spine", quarter=SECOND)
    assert stored.provenance["rules"] == rules_fingerprint("asc_client_spine")

    spine = pl.DataFrame({"source_person_id": ["1", "2"]})
    store, home = VersionedStore(tmp_path), HomeResource(home=str(tmp_path))
    store.write(ID, "asc_client_spine", spine, quarter="2025-Q1", provenance={"rules": rules_fingerprint("asc_client_spine")})
    assert _previous_if_fresh(home, "asc_client_spine", SECOND, []).equals(spine)
    for provenance in ({"rules": "0123456789abcdef"}, {}):  # other rules; written before rules were recorded
        store.write(ID, "asc_client_spine", spine, quarter="2025-Q1", provenance=provenance)
        assert _previous_if_fresh(home, "asc_client_spine", SECOND, []) is None
