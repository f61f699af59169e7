"""Rule fingerprints: which code built a cumulative table."""
import shutil

from asc_linkage.core import rules
from asc_linkage.core.rules import RULE_MODULES, rules_fingerprint


def test_fingerprints_name_the_cumulative_tables_only():
    assert rules_fingerprint("linked_cohort") is None
    prints = {t: rules_fingerprint(t) for t in RULE_MODULES}
    assert all(p is not None and len(p) == 16 for p in prints.values())
    # Same modules, same fingerprint; different modules, different fingerprints.
    assert prints["asc_link_tokens"] == prints["mh_link_tokens"]
    assert len({prints[t] for t in ("stg_asc_events", "asc_client_spine", "mh_patient_spine", "asc_link_tokens", "linkage_pairs")}) == 5


def test_a_changed_rule_changes_the_fingerprint_of_the_tables_it_builds(tmp_path):
    core = tmp_path / "core"
    shutil.copytree(rules._CORE, core, ignore=shutil.ignore_patterns("__pycache__", "synth"))
    before = {t: rules_fingerprint(t, core) for t in RULE_MODULES}
    assert before == {t: rules_fingerprint(t) for t in RULE_MODULES}
    standardise = core / "standardise.py"
    standardise.write_text(standardise.read_text().replace("JUNK_NAMES", "JUNK_NAMES_", 1))
    rules_fingerprint.cache_clear()
    after = {t: rules_fingerprint(t, core) for t in RULE_MODULES}
    changed = {t for t in RULE_MODULES if after[t] != before[t]}
    assert changed == {"asc_client_spine", "mh_patient_spine", "asc_link_tokens", "mh_link_tokens"}
