import polars as pl

from asc_linkage.core.quality import wilson_interval
from asc_linkage.core.reporting import MIN_GROUP_FOR_GAP, linkage_target_verdict, long_form, recall_gap


def _by_group(groups: dict[str, tuple[int, int]]) -> pl.DataFrame:
    """A `recall_by_group` table from {group: (fully linked, true cross persons)}."""
    df = pl.DataFrame({"ethnic_group": list(groups), "fully_linked": [k for k, _ in groups.values()],
                       "true_cross_persons": [n for _, n in groups.values()]})
    low, high = wilson_interval("fully_linked", "true_cross_persons")
    return df.with_columns((pl.col("fully_linked") / pl.col("true_cross_persons")).alias("recall"),
                           low.alias("recall_low"), high.alias("recall_high"))


def test_recall_gap_is_newcombes_interval():
    """Newcombe (1998), Statistics in Medicine 17:857, table II example (a): 56/70 - 48/80 = 0.2,
    method 10 (hybrid score) 0.0524 to 0.3339."""
    gap = recall_gap(_by_group({"Asian": (56, 70), "Black": (48, 80)}))
    assert (gap["best_group"], gap["worst_group"]) == ("Asian", "Black")
    assert round(gap["gap"], 4) == 0.2 and round(gap["gap_low"], 4) == 0.0524 and round(gap["gap_high"], 4) == 0.3339


def test_recall_gap_leaves_out_unknown_and_small_groups():
    small = MIN_GROUP_FOR_GAP - 1
    gap = recall_gap(_by_group({"Asian": (0, small), "Black": (95, 100), "Unknown": (10, 100), "White": (99, 100)}))
    assert (gap["best_group"], gap["worst_group"]) == ("White", "Black") and abs(gap["gap"] - 0.04) < 1e-12
    assert recall_gap(_by_group({"Black": (95, 100), "Unknown": (10, 100)})) is None


def test_recall_gap_of_tied_groups_names_two_groups():
    gap = recall_gap(_by_group({"White": (100, 100), "Asian": (40, 40), "Black": (300, 300)}))
    assert (gap["best_group"], gap["worst_group"]) == ("White", "Asian") and gap["gap"] == 0.0
    # Unclipped: below 0, either group could be the better linked.
    assert gap["gap_low"] < 0.0 < gap["gap_high"]


def _accuracy(**scores: float) -> pl.DataFrame:
    scores = {"cross_true_pairs": 100, "cross_f1": 0.999, "cross_precision": 0.999, **scores}
    return pl.DataFrame({"measure": list(scores), "value": [float(v) for v in scores.values()]})


def test_verdict_reports_the_gap_interval_but_judges_the_gap():
    # A 0.5 pp gap passes although its interval reaches far above 1 pp ...
    passed, measured = linkage_target_verdict({"accuracy": _accuracy(), "recall_by_ethnic_group": _by_group({"Black": (199, 200), "White": (200, 200)})})
    assert passed and measured["ethnic_recall_gap"] == 0.005 and measured["ethnic_recall_gap_high"] > 0.02
    # ... and a 2 pp gap fails although its interval reaches below 0.
    passed, measured = linkage_target_verdict({"accuracy": _accuracy(), "recall_by_ethnic_group": _by_group({"Black": (196, 200), "White": (200, 200)})})
    assert not passed and measured["ethnic_recall_gap"] == 0.02 and measured["ethnic_recall_gap_low"] < 0.0


def test_verdict_reports_the_spread_of_full_evidence_recall_without_judging_it():
    """A 2 pp gap (fails) where pairs with full evidence link alike in both groups (spread 0.001):
    the gap comes from the evidence the records hold. A group with too few full-evidence pairs
    is left out of the spread."""
    evidence = pl.DataFrame({"ethnic_group": ["Black", "White", "Mixed", "Unknown"], "true_pairs": [200, 200, 40, 500],
                             "full_evidence_pairs": [150, 180, 20, 400], "recall_full_evidence": [0.999, 1.0, 0.5, 0.2]})
    passed, measured = linkage_target_verdict({"accuracy": _accuracy(), "recall_by_ethnic_group": _by_group({"Black": (196, 200), "White": (200, 200)}),
                                               "cross_pair_evidence_by_ethnic_group": evidence})
    assert not passed and measured["ethnic_recall_spread_full_evidence"] == 0.001


def test_verdict_judges_each_systems_duplicates():
    """Council duplicate recall 0.967 fails the 0.98 target even where the trust's 0.994 would
    carry the pooled recall over it (as on the default 20,000 persons: 174 of 180, 175 of 176)."""
    passed, measured = linkage_target_verdict({"accuracy": _accuracy(dup_asc_true_pairs=180, dup_asc_recall=174 / 180,
                                                                     dup_mh_true_pairs=176, dup_mh_recall=175 / 176)})
    assert not passed and measured["dup_recall_asc"] == 0.96667 and measured["dup_recall_mh"] == 0.99432
    # A system without true duplicate pairs is not judged.
    passed, measured = linkage_target_verdict({"accuracy": _accuracy(dup_mh_true_pairs=176, dup_mh_recall=0.99)})
    assert passed and "dup_recall_asc" not in measured


def test_verdict_reports_the_ceilings_name_only_pairs_leave_without_judging_them():
    """269 of 19,855 true cross-system pairs name-only, 30 of them linked (200,000 generated
    persons): recall cannot pass 0.988, so F1 at precision 0.9991 cannot pass 0.9935, below the
    0.995 target; and council duplicates, 72 of 1,791 name-only pairs unlinked, cannot pass 0.96."""
    name_only = pl.DataFrame({"kind": ["asc", "cross", "mh"], "true_pairs": [1791, 19855, 2218], "name_only_pairs": [78, 269, 31],
                              "name_only_linked": [6, 30, 5], "recall_other_pairs": [0.96, 0.99, 0.99]})
    name_only = name_only.with_columns(((pl.col("true_pairs") - pl.col("name_only_pairs") + pl.col("name_only_linked")) / pl.col("true_pairs"))
                                       .alias("recall_ceiling"))
    passed, measured = linkage_target_verdict({"accuracy": _accuracy(cross_f1=0.9882, cross_precision=0.9991), "name_only_pairs": name_only})
    assert not passed
    assert measured["cross_f1_ceiling"] == 0.9935 and measured["dup_recall_ceiling_asc"] == 0.9598 and measured["dup_recall_ceiling_mh"] == 0.98828
    assert measured["targets_above_ceiling"] == "cross_f1, dup_recall_asc"
    # Ceilings are not judged: a run meeting every target passes beside them.
    passed, measured = linkage_target_verdict({"accuracy": _accuracy(), "name_only_pairs": name_only.head(0)})
    assert passed and "cross_f1_ceiling" not in measured and "targets_above_ceiling" not in measured
    reachable = name_only.with_columns(pl.lit(1.0).alias("recall_ceiling"))
    passed, measured = linkage_target_verdict({"accuracy": _accuracy(), "name_only_pairs": reachable})
    assert passed and measured["targets_above_ceiling"] == "none"


def test_verdict_says_when_nothing_is_measurable():
    passed, measured = linkage_target_verdict({"accuracy": _accuracy(cross_true_pairs=0, cross_f1=1.0)})
    assert passed and "not measurable" in measured["ground_truth"]
    passed, measured = linkage_target_verdict({"accuracy": _accuracy(), "recall_by_ethnic_group": _by_group({"Black": (1, 2)})})
    assert passed and "not measurable" in measured["ethnic_recall_gap"]


def test_long_form_keeps_boolean_columns_as_labels():
    table = pl.DataFrame({"source": ["asc", "asc"], "linked_other_system": [False, True], "records": [11030, 1961]})
    out = long_form({"linked_vs_unlinked": table})
    assert out.rows() == [("linked_vs_unlinked", "asc / False", "records", 11030.0),
                          ("linked_vs_unlinked", "asc / True", "records", 1961.0)]
