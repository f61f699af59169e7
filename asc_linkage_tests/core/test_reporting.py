import polars as pl

from asc_linkage.core.quality import wilson_interval
from asc_linkage.core.reporting import MIN_GROUP_FOR_GAP, linkage_target_verdict, recall_gap


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


def test_verdict_reports_the_gap_interval_but_judges_the_gap():
    accuracy = pl.DataFrame({"measure": ["cross_f1", "cross_precision"], "value": [0.999, 0.999]})
    # A 0.5 pp gap passes although its interval reaches far above 1 pp ...
    passed, measured = linkage_target_verdict({"accuracy": accuracy, "recall_by_ethnic_group": _by_group({"Black": (199, 200), "White": (200, 200)})})
    assert passed and measured["ethnic_recall_gap"] == 0.005 and measured["ethnic_recall_gap_high"] > 0.02
    # ... and a 2 pp gap fails.
    passed, measured = linkage_target_verdict({"accuracy": accuracy, "recall_by_ethnic_group": _by_group({"Black": (196, 200), "White": (200, 200)})})
    assert not passed and measured["ethnic_recall_gap"] == 0.02 and measured["ethnic_recall_gap_low"] >= 0.0
