"""Small helpers that turn report tables into one long table, a recall gap and a target verdict."""

from __future__ import annotations

import polars as pl

# Booleans are labels (`linked_other_system` tells the linked rows from the unlinked), not figures.
NUMERIC = (pl.Int8, pl.Int16, pl.Int32, pl.Int64, pl.UInt8, pl.UInt16, pl.UInt32, pl.UInt64,
           pl.Float32, pl.Float64)

# Issue 3 targets for the linkage, measured against a ground truth.
LINKAGE_TARGETS = {"cross_f1": 0.995, "cross_precision": 0.998, "dup_recall": 0.98, "ethnic_recall_gap": 0.01}
# Groups smaller than this are too noisy to judge a recall gap on.
MIN_GROUP_FOR_GAP = 30


def long_form(tables: dict[str, pl.DataFrame]) -> pl.DataFrame:
    """Every numeric cell of every table as (section, group, measure, value)."""
    rows = []
    for section, table in tables.items():
        labels = [c for c, t in table.schema.items() if not isinstance(t, NUMERIC)]
        measures = [c for c, t in table.schema.items() if isinstance(t, NUMERIC)]
        for record in table.iter_rows(named=True):
            group = " / ".join("" if record[c] is None else str(record[c]) for c in labels) or "all"
            for measure in measures:
                value = record[measure]
                rows.append((section, group, measure, None if value is None else float(value)))
    return pl.DataFrame(rows, schema={"section": pl.String, "group": pl.String, "measure": pl.String,
                                      "value": pl.Float64}, orient="row")


def recall_gap(by_group: pl.DataFrame, group: str = "ethnic_group") -> dict | None:
    """The gap between the best- and worst-linked groups (known groups of at least
    MIN_GROUP_FOR_GAP persons) in a `quality.recall_by_group` table, with a 95% interval for it:
    Newcombe's hybrid score interval for a difference of two proportions, built from the groups'
    Wilson intervals. A lower end above 0 says the gap is more than chance (below 0, the order of
    the two groups could be the other way round); the two groups are picked after the fact as the
    extremes, which favours a gap, so a lower end just above 0 is weak evidence. None with fewer
    than two such groups."""
    judged = by_group.filter((pl.col("true_cross_persons") >= MIN_GROUP_FOR_GAP) & (pl.col(group) != "Unknown"))
    if judged.height < 2:
        return None
    # Sorted, so that tied recalls still give two different groups, the same two on every run.
    judged = judged.sort("recall", group)
    worst, best = judged.row(0, named=True), judged.row(judged.height - 1, named=True)
    p1, l1, u1 = best["recall"], best["recall_low"], best["recall_high"]
    p2, l2, u2 = worst["recall"], worst["recall_low"], worst["recall_high"]
    gap = p1 - p2
    return {"best_group": best[group], "worst_group": worst[group], "gap": gap,
            "gap_low": gap - ((p1 - l1) ** 2 + (u2 - p2) ** 2) ** 0.5,
            "gap_high": gap + ((u1 - p1) ** 2 + (p2 - l2) ** 2) ** 0.5}


def _full_evidence_spread(evidence_by_group: pl.DataFrame | None) -> float | None:
    """Best minus worst recall of true cross-system pairs with full evidence (full dates of birth
    on both sides, names that agree) among known ethnic groups with at least MIN_GROUP_FOR_GAP such
    pairs (`quality.cross_pair_evidence_by_group`). Near 0 beside a larger gap: the gap comes from
    the evidence the groups' records hold, not from how the linkage weighs the same evidence."""
    if evidence_by_group is None:
        return None
    known = evidence_by_group.filter(
        (pl.col("ethnic_group") != "Unknown") & (pl.col("full_evidence_pairs") >= MIN_GROUP_FOR_GAP)
    ).drop_nulls("recall_full_evidence")
    if known.height < 2:
        return None
    return float(known["recall_full_evidence"].max() - known["recall_full_evidence"].min())


def name_only_ceilings(name_only: pl.DataFrame | None, precision: float) -> dict:
    """What the name-only pairs leave reachable (`quality.name_only_summary`): cross-system F1 at
    the measured precision, and each system's duplicate recall."""
    if name_only is None or "recall_ceiling" not in name_only.columns:
        return {}
    ceiling = dict(zip(name_only["kind"], name_only["recall_ceiling"]))
    out = {}
    if ceiling.get("cross") is not None:
        c = ceiling["cross"]
        out["cross_f1_ceiling"] = 2 * precision * c / (precision + c) if precision + c else 0.0
    for system in ("asc", "mh"):
        if ceiling.get(system) is not None:
            out[f"dup_recall_ceiling_{system}"] = ceiling[system]
    return out


def linkage_target_verdict(tables: dict[str, pl.DataFrame]) -> tuple[bool, dict]:
    """Whether the linkage met its targets where a ground truth made them measurable."""
    if "accuracy" not in tables:
        return True, {"ground_truth": "not configured: targets not measurable"}
    scores = dict(zip(tables["accuracy"]["measure"], tables["accuracy"]["value"]))
    if not scores.get("cross_true_pairs"):
        # 0/0 scores as 1.0: without a true cross-system pair there is nothing to judge.
        return True, {"ground_truth": "configured, but no true cross-system pair among the linked records: "
                                      "targets not measurable"}
    measured = {"cross_f1": scores.get("cross_f1", 0.0), "cross_precision": scores.get("cross_precision", 0.0)}
    judged = [measured["cross_f1"] >= LINKAGE_TARGETS["cross_f1"],
              measured["cross_precision"] >= LINKAGE_TARGETS["cross_precision"]]
    # Each system's duplicates on their own: pooled, the trust's many could hide the council's misses.
    for system in ("asc", "mh"):
        if scores.get(f"dup_{system}_true_pairs"):
            measured[f"dup_recall_{system}"] = scores[f"dup_{system}_recall"]
            judged.append(measured[f"dup_recall_{system}"] >= LINKAGE_TARGETS["dup_recall"])
    # Reported, not judged: a target above its ceiling cannot be met on these records.
    ceilings = name_only_ceilings(tables.get("name_only_pairs"), measured["cross_precision"])
    measured |= ceilings
    above = [name for name, ceiling, target in (("cross_f1", "cross_f1_ceiling", LINKAGE_TARGETS["cross_f1"]),
                                                ("dup_recall_asc", "dup_recall_ceiling_asc", LINKAGE_TARGETS["dup_recall"]),
                                                ("dup_recall_mh", "dup_recall_ceiling_mh", LINKAGE_TARGETS["dup_recall"]))
             if ceilings.get(ceiling, 1.0) < target]
    by_group = tables.get("recall_by_ethnic_group")
    gap = recall_gap(by_group) if by_group is not None else None
    if gap:  # the interval is reported beside the target, not judged: the target is on the gap as measured
        measured |= {"ethnic_recall_gap": gap["gap"], "ethnic_recall_gap_low": gap["gap_low"],
                     "ethnic_recall_gap_high": gap["gap_high"]}
        judged.append(gap["gap"] <= LINKAGE_TARGETS["ethnic_recall_gap"])
        spread = _full_evidence_spread(tables.get("cross_pair_evidence_by_ethnic_group"))
        if spread is not None:  # reported, not judged: it says where a gap comes from
            measured["ethnic_recall_spread_full_evidence"] = spread
    rounded: dict = {k: round(v, 5) for k, v in measured.items()}
    if ceilings:
        rounded["targets_above_ceiling"] = ", ".join(above) or "none"
    if not gap:
        rounded["ethnic_recall_gap"] = f"not measurable: fewer than two known groups of {MIN_GROUP_FOR_GAP} persons"
    return all(judged), rounded
