"""Rule fingerprints: which code built a cumulative table."""
import shutil

from asc_linkage.core import rules
from asc_linkage.core.rules import RULE_ROOTS, rule_modules, rules_fingerprint


def _copy_of_the_code(tmp_path):
    """The package's core modules and the contract, copied so that a test can change them."""
    root = tmp_path / "repo"
    shutil.copytree(rules._CORE, root / "asc_linkage" / "core", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(rules._CORE.parents[1] / "data_specs", root / "data_specs")
    return root / "asc_linkage" / "core"


def test_fingerprints_name_the_cumulative_tables_only():
    assert rules_fingerprint("linked_cohort") is None and rule_modules("linked_cohort") == []
    prints = {t: rules_fingerprint(t) for t in RULE_ROOTS}
    assert all(p is not None and len(p) == 16 for p in prints.values())
    # Same code, same fingerprint; different code, different fingerprints.
    assert prints["asc_link_tokens"] == prints["mh_link_tokens"] and prints["linkage_pairs"] == prints["linkage_model"]
    assert len({prints[t] for t in ("stg_asc_events", "asc_client_spine", "mh_patient_spine", "asc_link_tokens", "linkage_pairs")}) == 5


def test_the_modules_a_table_depends_on_are_found_from_the_imports():
    # linkage imports tokens, which imports standardise: trusted mode derives phonetic codes at link time.
    assert {"linkage", "tokens", "standardise", "frames"} <= set(rule_modules("linkage_pairs"))
    # staging reads the landing contract (which columns it keeps).
    assert {"staging", "specs", "quarters"} <= set(rule_modules("stg_asc_events"))
    assert "standardise" not in rule_modules("stg_asc_events")


def test_a_changed_rule_changes_the_fingerprint_of_the_tables_it_builds(tmp_path):
    core = _copy_of_the_code(tmp_path)
    before = {t: rules_fingerprint(t, core) for t in RULE_ROOTS}
    assert before == {t: rules_fingerprint(t) for t in RULE_ROOTS}
    standardise = core / "standardise.py"
    standardise.write_text(standardise.read_text().replace("JUNK_NAMES", "JUNK_NAMES_", 1))
    rules_fingerprint.cache_clear()
    after = {t: rules_fingerprint(t, core) for t in RULE_ROOTS}
    assert {t for t in RULE_ROOTS if after[t] != before[t]} == set(RULE_ROOTS) - {"stg_asc_events"}

    contract = core.parents[1] / "data_specs" / "files" / "cld_events.yaml"
    contract.write_text(contract.read_text() + "\n# a new optional column\n")
    rules_fingerprint.cache_clear()
    again = {t: rules_fingerprint(t, core) for t in RULE_ROOTS}
    assert {t for t in RULE_ROOTS if again[t] != after[t]} == {"stg_asc_events", "asc_client_spine"}
    rules_fingerprint.cache_clear()
