"""GUILD-style linkage quality report: match rates by group, linked vs unlinked characteristics,
and (with a ground-truth table) pairwise precision/recall/F1. Counts and rates only: no
identifier of any kind appears in the tables, the markdown or the figures."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import polars as pl

from asc_linkage.core.reporting import LINKAGE_TARGETS, MIN_GROUP_FOR_GAP, recall_gap
from asc_linkage.core.standardise import (NAME_DICE_ALIKE, bigrams_expr, dob_evidence_rank, one_edit_keys_expr, phonetic_expr,
                                          soundex_expr)

AGE_BANDS = ["Under 18", "18-24", "25-44", "45-64", "65-74", "75-84", "85-94", "95+"]


@dataclass
class QualityReport:
    markdown: str
    tables: dict[str, pl.DataFrame]
    figures: dict[str, dict] = field(default_factory=dict)


def age_band_expr(dob: str | pl.Expr, at: dt.date) -> pl.Expr:
    """DHSC age (domain.md 1.4): floor((date - first of birth month) / 365.25), banded."""
    d = pl.col(dob) if isinstance(dob, str) else dob
    first = pl.date(d.dt.year(), d.dt.month(), 1)
    age = ((pl.lit(at) - first).dt.total_days() / 365.25).floor()
    return (
        pl.when(d.is_null()).then(pl.lit("Unknown"))
        .when(age < 18).then(pl.lit("Under 18"))
        .when(age < 25).then(pl.lit("18-24"))
        .when(age < 45).then(pl.lit("25-44"))
        .when(age < 65).then(pl.lit("45-64"))
        .when(age < 75).then(pl.lit("65-74"))
        .when(age < 85).then(pl.lit("75-84"))
        .when(age < 95).then(pl.lit("85-94"))
        .otherwise(pl.lit("95+"))
    )


def imd_quintile_expr(decile: str | pl.Expr) -> pl.Expr:
    d = pl.col(decile) if isinstance(decile, str) else decile
    return ((d.cast(pl.Int64) + 1) // 2).cast(pl.String).fill_null("Unknown")


def _pairs(df: pl.DataFrame, group: str, also: tuple[str, ...] = ()) -> pl.DataFrame:
    """All unordered record pairs sharing `group` (record ids are `rid`), with `group`, each side's
    source and each side's `also` columns (the right side's suffixed `_r`)."""
    x = df.select("rid", "source", group, *also)
    p = x.join(x, on=group, suffix="_r").filter(pl.col("rid") < pl.col("rid_r"))
    return p.select(group, "rid", "rid_r", "source", "source_r", *(c for a in also for c in (a, f"{a}_r")))


def pairwise_scores(key_map: pl.DataFrame, truth: pl.DataFrame) -> dict[str, float | int]:
    """Cross-system pair precision/recall/F1 and within-system duplicate recall/precision."""
    t = truth.select("source", pl.col("source_person_id").cast(pl.String), "true_person_id")
    km = key_map.select("source", pl.col("source_person_id").cast(pl.String), "research_person_id")
    df = km.join(t, on=["source", "source_person_id"], how="inner").with_columns(
        pl.concat_str("source", pl.lit(":"), "source_person_id").alias("rid")
    )
    pred = _pairs(df, "research_person_id")
    true = _pairs(df, "true_person_id")
    out: dict[str, float | int] = {}

    def score(sel_p: pl.DataFrame, sel_t: pl.DataFrame, prefix: str) -> None:
        tp = sel_p.join(sel_t, on=["rid", "rid_r"], how="semi").height
        npred, ntrue = sel_p.height, sel_t.height
        prec = tp / npred if npred else 1.0
        rec = tp / ntrue if ntrue else 1.0
        out[f"{prefix}_true_pairs"] = ntrue
        out[f"{prefix}_predicted_pairs"] = npred
        out[f"{prefix}_true_positive_pairs"] = tp
        out[f"{prefix}_precision"] = prec
        out[f"{prefix}_recall"] = rec
        out[f"{prefix}_f1"] = (2 * prec * rec / (prec + rec)) if (prec + rec) else 0.0

    cross = lambda p: p.filter(pl.col("source") != pl.col("source_r"))  # noqa: E731
    score(cross(pred), cross(true), "cross")
    for s in ("asc", "mh"):
        within = lambda p: p.filter((pl.col("source") == s) & (pl.col("source_r") == s))  # noqa: E731
        score(within(pred), within(true), f"dup_{s}")
    score(pred, true, "all")
    return out


def _comparable_identifiers(asc_spine: pl.DataFrame, mh_spine: pl.DataFrame, extra: tuple[str, ...] = ()) -> pl.DataFrame:
    """Both spines' records: `rid`, source ids, NHS number, DOB, `has_postcode` (current or
    history) and the `extra` spine columns."""
    cols = ["source", "source_person_id", "nhs_number", "date_of_birth", "postcode", "postcode_history", *extra]
    sp = pl.concat([s.select(pl.col(c) if c in s.columns else pl.lit(None, pl.String).alias(c) for c in cols)
                    for s in (asc_spine, mh_spine)], how="vertical_relaxed")
    return sp.with_columns(
        pl.col("source_person_id").cast(pl.String),
        pl.concat_str("source", pl.lit(":"), pl.col("source_person_id").cast(pl.String)).alias("rid"),
        _has_postcode().alias("has_postcode"),
    )


def _has_postcode() -> pl.Expr:
    """A current postcode or one in the postcode history."""
    return pl.concat_list(pl.col("postcode_history").fill_null([]), pl.col("postcode")).list.drop_nulls().list.len() > 0


def _name_only() -> pl.Expr:
    """A pair (columns of `_pairs` with `also=("nhs_number", "date_of_birth", "has_postcode")`) whose
    records share no comparable NHS number, DOB or postcode: one side lacks each."""
    missing = lambda c: pl.col(c).is_null() | pl.col(f"{c}_r").is_null()  # noqa: E731
    return missing("nhs_number") & missing("date_of_birth") & ~(pl.col("has_postcode") & pl.col("has_postcode_r"))


_NAME_COLUMNS = ("forename", "forename_nick", "surname")


def _name_keys() -> list[pl.Expr]:
    """Per record, what `_name_agreement` compares: each name, its phonetic key and Soundex, its
    character bigrams and its one-letter keys (as the model's name comparisons use them), the
    forename's nickname group."""
    fn, sn = pl.col("forename"), pl.col("surname")
    return [fn.alias("_n_fn"), pl.col("forename_nick").alias("_n_nick"), sn.alias("_n_sn"),
            phonetic_expr(fn).alias("_n_fn_ph"), soundex_expr(fn).alias("_n_fn_sdx"), bigrams_expr(fn).alias("_n_fn_bg"),
            one_edit_keys_expr(fn).alias("_n_fn_edit"),
            phonetic_expr(sn).alias("_n_sn_ph"), soundex_expr(sn).alias("_n_sn_sdx"), bigrams_expr(sn).alias("_n_sn_bg"),
            one_edit_keys_expr(sn).alias("_n_sn_edit")]


def _name_agreement() -> pl.Expr:
    """How a pair's names compare (columns of `_pairs` with the `_name_keys`): a forename agrees
    when equal, in one nickname group, or alike in sound or spelling (bigram Dice >=
    `NAME_DICE_ALIKE`, the model's fuzzy level, or one letter apart, its one-letter level); a
    surname when equal or alike in sound or spelling; swapped when each
    side's forename is the other's surname. A name that differs is mostly another name altogether
    (a second name used in one system, a surname changed at marriage), else a typo that changed
    both its sound and its spelling."""
    def same(*keys: str) -> pl.Expr:
        return pl.any_horizontal([(pl.col(f"_n_{k}") == pl.col(f"_n_{k}_r")).fill_null(False) for k in keys])

    def alike_spelling(key: str) -> pl.Expr:
        a, b = pl.col(f"_n_{key}"), pl.col(f"_n_{key}_r")
        return (2 * a.list.set_intersection(b).list.len() / (a.list.len() + b.list.len()) >= NAME_DICE_ALIKE).fill_null(False)

    def one_letter_apart(key: str) -> pl.Expr:
        return (pl.col(f"_n_{key}").list.set_intersection(pl.col(f"_n_{key}_r")).list.len() > 0).fill_null(False)

    fn_agrees = same("fn", "nick", "fn_ph", "fn_sdx") | alike_spelling("fn_bg") | one_letter_apart("fn_edit")
    sn_agrees = same("sn", "sn_ph", "sn_sdx") | alike_spelling("sn_bg") | one_letter_apart("sn_edit")
    swapped = (pl.col("_n_fn") == pl.col("_n_sn_r")) & (pl.col("_n_sn") == pl.col("_n_fn_r"))
    missing = pl.any_horizontal([pl.col(c).is_null() for c in ("_n_fn", "_n_fn_r", "_n_sn", "_n_sn_r")])
    return (
        pl.when(missing).then(pl.lit("a name missing on a side"))
        .when(fn_agrees & sn_agrees).then(pl.lit("both agree"))
        .when(swapped).then(pl.lit("swapped"))
        .when(sn_agrees).then(pl.lit("forename differs"))
        .when(fn_agrees).then(pl.lit("surname differs"))
        .otherwise(pl.lit("both differ"))
    )


def true_pair_evidence(key_map: pl.DataFrame, truth: pl.DataFrame, asc_spine: pl.DataFrame, mh_spine: pl.DataFrame) -> pl.DataFrame:
    """Every true record pair (`kind`: cross, asc or mh), whether it was linked, and whether it is
    name-only: for each of NHS number, date of birth and postcode (current or history) one side
    has none, so the two records share no comparable identifier beyond names and sex. Such pairs
    are as likely to be namesakes as the same person (`namesake_pairs` measures it): they bound
    the recall a linkage can reach without false links. `dob_evidence`: what the two dates of
    birth allow (full on both sides, the year only on a side where one is a 1 January date, or
    missing or unusable on a side). `name_agreement`: how the two records' names compare
    (`_name_agreement`)."""
    d = (
        truth.select("source", pl.col("source_person_id").cast(pl.String), "true_person_id")
        .join(_comparable_identifiers(asc_spine, mh_spine, extra=("dob_flag", *_NAME_COLUMNS)), on=["source", "source_person_id"])
        .join(key_map.select("source", pl.col("source_person_id").cast(pl.String), "research_person_id"),
              on=["source", "source_person_id"])
        .with_columns(_name_keys())
    )
    names = tuple(c for c in d.columns if c.startswith("_n_"))
    p = _pairs(d, "true_person_id", also=("research_person_id", "nhs_number", "date_of_birth", "has_postcode", "dob_flag", *names))
    # The pair has the weaker side's evidence.
    dob_evidence = pl.max_horizontal(dob_evidence_rank(pl.col("dob_flag")), dob_evidence_rank(pl.col("dob_flag_r"))).replace_strict(
        {0: "full on both sides", 1: "year only on a side", 2: "missing or unusable on a side"}, return_dtype=pl.String)
    return p.select(
        "true_person_id",
        pl.when(pl.col("source") != pl.col("source_r")).then(pl.lit("cross")).otherwise(pl.col("source")).alias("kind"),
        (pl.col("research_person_id") == pl.col("research_person_id_r")).alias("linked"),
        _name_only().alias("name_only"),
        dob_evidence.alias("dob_evidence"),
        _name_agreement().alias("name_agreement"),
    )


def namesake_pairs(truth: pl.DataFrame, asc_spine: pl.DataFrame, mh_spine: pl.DataFrame) -> pl.DataFrame:
    """Every record pair (both systems, and within each) that agrees on forename, surname and sex
    but is name-only (no comparable NHS number, DOB or postcode), by how many records in both
    systems carry that full name and sex: how many such pairs there are and how many are the same
    person. It is the evidence a linkage has for name-only true pairs: where it is mostly
    namesakes, linking on the name alone would make more false links than true ones."""
    d = _comparable_identifiers(asc_spine, mh_spine, extra=("forename", "surname", "sex")).filter(
        pl.col("forename").is_not_null() & pl.col("surname").is_not_null())
    d = d.with_columns(pl.concat_str("forename", "surname", "sex", separator="\x1f", ignore_nulls=True).alias("full_name"))
    d = d.with_columns(pl.len().over("full_name").alias("records_with_name"))
    d = d.join(truth.select("source", pl.col("source_person_id").cast(pl.String), "true_person_id"),
               on=["source", "source_person_id"], how="left").select(
        "rid", "full_name", "true_person_id", "nhs_number", "date_of_birth", "has_postcode", "records_with_name")
    # A name-only pair has a record lacking an identifier: the join starts from those records, not
    # from every namesake of a common name; a pair found from both of its records is kept once.
    lacking = d.filter(pl.col("nhs_number").is_null() | pl.col("date_of_birth").is_null() | ~pl.col("has_postcode"))
    p = lacking.join(d.drop("records_with_name"), on="full_name", suffix="_r").filter(pl.col("rid") != pl.col("rid_r"))
    p = p.with_columns(pl.min_horizontal("rid", "rid_r").alias("_a"), pl.max_horizontal("rid", "rid_r").alias("_b")).unique(["_a", "_b"])
    band = (pl.when(pl.col("records_with_name") <= 2).then(pl.lit("2"))
            .when(pl.col("records_with_name") <= 5).then(pl.lit("3-5")).otherwise(pl.lit("6+")))
    return (
        p.filter(_name_only())
        .with_columns(band.alias("records_with_name"), (pl.col("true_person_id") == pl.col("true_person_id_r")).fill_null(False).alias("same"))
        .group_by("records_with_name").agg(pl.len().alias("pairs"), pl.col("same").sum().alias("same_person"))
        .with_columns((pl.col("same_person") / pl.col("pairs")).round(4).alias("share_same_person"))
        .sort("records_with_name")
    )


def name_only_summary(pairs: pl.DataFrame) -> pl.DataFrame:
    """Per pair kind (from `true_pair_evidence`): true pairs, name-only ones and how many of those
    were linked, the recall on the other pairs, and `recall_ceiling`: the recall with every other
    pair linked and the name-only ones as now (linking more of them links namesakes as often as
    the same person: `namesake_pairs`)."""
    return (
        pairs.group_by("kind").agg(
            pl.len().alias("true_pairs"),
            pl.col("name_only").sum().alias("name_only_pairs"),
            (pl.col("name_only") & pl.col("linked")).sum().alias("name_only_linked"),
            (~pl.col("name_only") & pl.col("linked")).sum().alias("_tp_other"),
        )
        .with_columns(pl.when(pl.col("true_pairs") > pl.col("name_only_pairs"))
                      .then(pl.col("_tp_other") / (pl.col("true_pairs") - pl.col("name_only_pairs"))).alias("recall_other_pairs"),
                      ((pl.col("true_pairs") - pl.col("name_only_pairs") + pl.col("name_only_linked")) / pl.col("true_pairs"))
                      .alias("recall_ceiling"))
        .drop("_tp_other").sort("kind")
    )


def recall_by_evidence(pairs: pl.DataFrame, evidence: str) -> pl.DataFrame:
    """Per pair kind and `evidence` (a column of `true_pair_evidence`): true pairs, how many were
    linked, and the recall with its 95% interval."""
    low, high = wilson_interval("linked_pairs", "true_pairs")
    return (
        pairs.group_by("kind", evidence)
        .agg(pl.len().alias("true_pairs"), pl.col("linked").sum().alias("linked_pairs"))
        .with_columns((pl.col("linked_pairs") / pl.col("true_pairs")).alias("recall"), low.alias("recall_low"), high.alias("recall_high"))
        .sort("kind", evidence)
    )


def recall_by_dob_evidence(pairs: pl.DataFrame) -> pl.DataFrame:
    """`recall_by_evidence` of date-of-birth evidence. A year-only date of birth (1 January: a
    default, or an official birthday given on arrival) carries a fraction of a full date's
    evidence, and such dates are commoner in some ethnic groups
    (`identifier_completeness_by_ethnic_group`): this is how that becomes a recall gap."""
    return recall_by_evidence(pairs, "dob_evidence")


def recall_by_name_agreement(pairs: pl.DataFrame) -> pl.DataFrame:
    """`recall_by_evidence` of how the pair's names compare (`_name_agreement`): a forename used in
    one system only, or a surname changed in one, leaves a pair to its other identifiers."""
    return recall_by_evidence(pairs, "name_agreement")


def cross_pair_evidence_by_group(pairs: pl.DataFrame, truth: pl.DataFrame, persons: pl.DataFrame, group: str) -> pl.DataFrame:
    """Per `group` (as `recall_by_group` assigns it: the council record's, else the trust's), the
    true cross-system pairs, their recall, and the share of them with each weakness that costs
    recall: no comparable identifier beyond names (`name_only`), a year-only or a missing date of
    birth on a side, a forename or a surname that differs. Then how many pairs have full evidence
    (full dates of birth on both sides, names that agree or are swapped), their recall and the others',
    and the others' share: where one group's recall is lower, this says whether its records hold
    weaker evidence, or the same evidence links worse for it."""
    groups = _true_person_groups(truth, persons, group)
    cross = pairs.filter(pl.col("kind") == "cross").join(groups, on="true_person_id", how="left")
    name = pl.col("name_agreement")
    full = (pl.col("dob_evidence") == "full on both sides") & name.is_in(["both agree", "swapped"])
    return (
        cross.with_columns(pl.col(group).fill_null("Unknown"))
        .group_by(group)
        .agg(pl.len().alias("true_pairs"),
             pl.col("linked").mean().round(4).alias("recall"),
             full.sum().alias("full_evidence_pairs"),
             pl.col("linked").filter(full).mean().round(4).alias("recall_full_evidence"),
             pl.col("linked").filter(~full).mean().round(4).alias("recall_weaker_evidence"),
             (~full).mean().round(4).alias("share_weaker_evidence"),
             pl.col("name_only").mean().round(4).alias("share_name_only"),
             (pl.col("dob_evidence") == "year only on a side").mean().round(4).alias("share_dob_year_only"),
             (pl.col("dob_evidence") == "missing or unusable on a side").mean().round(4).alias("share_dob_missing"),
             name.is_in(["forename differs", "both differ"]).mean().round(4).alias("share_forename_differs"),
             name.is_in(["surname differs", "both differ"]).mean().round(4).alias("share_surname_differs"),
             (name == "swapped").mean().round(4).alias("share_names_swapped"))
        .sort(group)
    )


def wilson_interval(successes: str | pl.Expr, trials: str | pl.Expr, z: float = 1.96) -> tuple[pl.Expr, pl.Expr]:
    """Wilson score interval (95% by default) of the proportion successes / trials: unlike the
    normal approximation it stays inside [0, 1] and keeps its width where a small group has a
    recall at or near 1. Null where there are no trials."""
    k = pl.col(successes) if isinstance(successes, str) else successes
    n = pl.col(trials) if isinstance(trials, str) else trials
    n, k, z2 = n.cast(pl.Float64), k.cast(pl.Float64), z * z
    centre = (k + z2 / 2) / (n + z2)
    half = z * (k * (n - k) / n + z2 / 4).sqrt() / (n + z2)
    low = pl.when(n > 0).then((centre - half).clip(0.0, 1.0))
    high = pl.when(n > 0).then((centre + half).clip(0.0, 1.0))
    return low, high


def _true_person_groups(truth: pl.DataFrame, persons: pl.DataFrame, group: str) -> pl.DataFrame:
    """`true_person_id` -> `group` as recorded in ASC when known (the council's record is the
    base), else in MH; null when neither knows it."""
    return (
        truth.select("source", pl.col("source_person_id").cast(pl.String), "true_person_id")
        .join(persons.select("source", pl.col("source_person_id").cast(pl.String), group), on=["source", "source_person_id"], how="left")
        # Spines and the report's person frame spell a missing group "Unknown": missing here too, so
        # that the other system's record can supply it.
        .with_columns(pl.when(pl.col(group) == "Unknown").then(None).otherwise(pl.col(group)).alias(group))
        .group_by("true_person_id").agg(pl.col(group).sort_by(pl.col("source")).drop_nulls().first())
    )


def recall_by_group(key_map: pl.DataFrame, truth: pl.DataFrame, persons: pl.DataFrame, group: str,
                    pairs: pl.DataFrame | None = None) -> pl.DataFrame:
    """Share of true cross-system persons (in both systems in truth) whose ASC and MH records all
    share one research_person_id, by `group` (a column of `persons` keyed by source record), with
    its 95% Wilson interval (`recall_low`, `recall_high`): a group of a few dozen persons moves by
    whole percentage points with one person. With `pairs` (from `true_pair_evidence`), also the
    persons with a name-only pair and the recall of the others: what the linkage reaches where the
    records carry a comparable identifier."""
    t = truth.select("source", pl.col("source_person_id").cast(pl.String), "true_person_id")
    per = (
        key_map.select("source", pl.col("source_person_id").cast(pl.String), "research_person_id")
        .join(t, on=["source", "source_person_id"])
        .group_by("true_person_id").agg(pl.col("source").n_unique().alias("ns"), pl.col("research_person_id").n_unique().alias("nr"))
        .filter(pl.col("ns") == 2)
        .join(_true_person_groups(truth, persons, group), on="true_person_id", how="left")
    )
    extra = []
    if pairs is not None:
        flagged = pairs.group_by("true_person_id").agg(pl.col("name_only").any().alias("_name_only"))
        per = per.join(flagged, on="true_person_id", how="left").with_columns(pl.col("_name_only").fill_null(False))
        other = ~pl.col("_name_only")
        extra = [pl.col("_name_only").sum().alias("name_only_persons"),
                 ((pl.col("nr") == 1) & other).sum().alias("_linked_other"), other.sum().alias("_other")]
    out = (
        per.with_columns(pl.col(group).fill_null("Unknown"))
        .group_by(group)
        .agg(pl.len().alias("true_cross_persons"), (pl.col("nr") == 1).sum().alias("fully_linked"), *extra)
        .with_columns((pl.col("fully_linked") / pl.col("true_cross_persons")).alias("recall"),
                      *(bound.alias(name) for bound, name in
                        zip(wilson_interval("fully_linked", "true_cross_persons"), ("recall_low", "recall_high"))))
        .sort(group)
    )
    if pairs is not None:
        out = out.with_columns(pl.when(pl.col("_other") > 0).then(pl.col("_linked_other") / pl.col("_other"))
                               .alias("recall_other_persons")).drop("_linked_other", "_other")
    return out


#: Lower edges of the match-probability bands of scored pairs (left-closed; 0.95 is the default
#: threshold). Labels carry three decimals so that they sort in numeric order.
PROBABILITY_BAND_EDGES = [0.0, 0.5, 0.8, 0.9, 0.95, 0.99, 0.999]


def _band_expr(p: pl.Expr) -> pl.Expr:
    edges = [*PROBABILITY_BAND_EDGES, 1.0]
    expr = pl.lit(None, pl.String)
    for low, high in zip(edges[:-1], edges[1:]):
        expr = pl.when(p >= low).then(pl.lit(f"{low:.3f}-{high:.3f}")).otherwise(expr)
    return expr


def probability_bands(pairs: pl.DataFrame, key_map: pl.DataFrame, truth: pl.DataFrame | None = None) -> pl.DataFrame:
    """Scored candidate pairs by pair type and match-probability band: how many there are, how
    many ended in one research person (the clustering guard refuses some pairs above the threshold,
    and other links join some below it) and, with a ground truth, how many are the same person: the
    model's calibration, and the uncertain links around the threshold that clerical review would
    look at. Pairs the deterministic NHS number rule linked are not scored and not counted here."""
    ids = key_map.select("source", pl.col("source_person_id").cast(pl.String), "research_person_id")
    if truth is not None:  # each record's true person attached once, so each side is joined once
        ids = ids.join(truth.select("source", pl.col("source_person_id").cast(pl.String), pl.col("true_person_id").cast(pl.String)),
                       on=["source", "source_person_id"], how="left")
    df = (
        pairs.select("source_l", pl.col("source_person_id_l").cast(pl.String), "source_r",
                     pl.col("source_person_id_r").cast(pl.String), "match_probability")
        .join(ids.rename(lambda c: f"{c}_l"), on=["source_l", "source_person_id_l"], how="left")
        .join(ids.rename(lambda c: f"{c}_r"), on=["source_r", "source_person_id_r"], how="left")
        .with_columns(
            pair_type=pl.when(pl.col("source_l") != pl.col("source_r")).then(pl.lit("cross-system"))
            .when(pl.col("source_l") == "asc").then(pl.lit("council duplicates"))
            .otherwise(pl.lit("trust duplicates")),
            band=_band_expr(pl.col("match_probability")),
            linked=pl.col("research_person_id_l") == pl.col("research_person_id_r"),
        )
    )
    aggs = [pl.len().cast(pl.Int64).alias("candidate_pairs"), pl.col("linked").fill_null(False).sum().cast(pl.Int64).alias("linked_pairs")]
    if truth is not None:
        same_person = pl.col("true_person_id_l") == pl.col("true_person_id_r")
        aggs.append(same_person.fill_null(False).sum().cast(pl.Int64).alias("same_person_pairs"))
    out = df.group_by("pair_type", "band").agg(aggs).sort("pair_type", "band")
    if truth is not None:
        out = out.with_columns((pl.col("same_person_pairs") / pl.col("candidate_pairs")).round(4).alias("share_same_person"))
    return out


def _person_frame(key_map: pl.DataFrame, asc_spine: pl.DataFrame, mh_spine: pl.DataFrame, at: dt.date) -> pl.DataFrame:
    cols = ["source", "source_person_id", "sex", "ethnic_group", "date_of_birth", "dob_flag", "imd_decile", "nhs_number",
            "postcode", "postcode_history"]
    sp = pl.concat([asc_spine.select(cols), mh_spine.select(cols)], how="vertical_relaxed")
    df = key_map.join(sp, on=["source", "source_person_id"], how="left")
    both = key_map.group_by("research_person_id").agg(pl.col("source").n_unique().alias("_ns"))
    return df.join(both, on="research_person_id").with_columns(
        (pl.col("_ns") == 2).alias("linked_other_system"),
        age_band_expr("date_of_birth", at).alias("age_band"),
        imd_quintile_expr("imd_decile").alias("imd_quintile"),
        pl.col("sex").fill_null("Unknown"),
        pl.col("ethnic_group").fill_null("Unknown"),
        pl.col("nhs_number").is_not_null().alias("has_valid_nhs"),
        pl.col("postcode_history").list.len().fill_null(0).alias("n_postcodes"),
        _has_postcode().alias("has_postcode"),
    )


def identifier_completeness(persons: pl.DataFrame, by: str) -> pl.DataFrame:
    """Share of records by source and group holding each identifier the linkage compares. Needs
    no ground truth. A group with fewer valid NHS numbers or full dates of birth has less evidence
    per pair, so the same method links it worse: in a real deployment this table shows where missed
    links are likely, and why. A year-only date of birth is a 1 January one (a system default, or
    an official birthday given on arrival), compared by its year alone."""
    dob = dob_evidence_rank(pl.col("dob_flag"))
    return (
        persons.group_by("source", by)
        .agg(pl.len().alias("records"),
             pl.col("has_valid_nhs").mean().round(4).alias("share_valid_nhs"),
             (dob == 0).mean().round(4).alias("share_full_dob"),
             (dob == 1).mean().round(4).alias("share_dob_year_only"),
             (dob == 2).mean().round(4).alias("share_dob_missing_or_unusable"),
             pl.col("has_postcode").mean().round(4).alias("share_postcode"))
        .sort("source", by)
    )


def _rate_table(p: pl.DataFrame, by: str) -> pl.DataFrame:
    """Records linked to the other system by source and group, with the match rate's 95% Wilson
    interval: a borough's smaller groups hold a few dozen records, and their rates move by whole
    percentage points from one record to the next."""
    low, high = wilson_interval("linked_to_other_system", "records")
    return (
        p.group_by("source", by)
        .agg(pl.len().alias("records"), pl.col("linked_other_system").sum().alias("linked_to_other_system"))
        .with_columns((pl.col("linked_to_other_system") / pl.col("records")).round(4).alias("match_rate"),
                      low.round(4).alias("match_rate_low"), high.round(4).alias("match_rate_high"))
        .sort("source", by)
    )


def _md(df: pl.DataFrame) -> str:
    cols = df.columns
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for row in df.iter_rows():
        lines.append("| " + " | ".join("" if v is None else (f"{v:.4f}" if isinstance(v, float) else str(v)) for v in row) + " |")
    return "\n".join(lines)


def _accuracy_for_reading(accuracy: pl.DataFrame) -> pl.DataFrame:
    """The accuracy table with its pair counts as whole numbers ("1960", not "1960.0000"); the
    table itself keeps one float column, which the target verdict reads."""
    return accuracy.select("measure", pl.Series("value", [str(int(v)) if m.endswith("_pairs") else f"{v:.4f}"
                                                          for m, v in accuracy.iter_rows()]))


def linkage_quality(
    key_map: pl.DataFrame,
    asc_spine: pl.DataFrame,
    mh_spine: pl.DataFrame,
    truth: pl.DataFrame | None = None,
    as_of: dt.date | None = None,
    stats: dict | None = None,
    pairs: pl.DataFrame | None = None,
) -> QualityReport:
    """The report's tables, markdown and figures. `pairs`: the linkage's scored candidate pairs
    (`linkage_pairs`), for the match-probability bands."""
    at = as_of or dt.date.today()
    p = _person_frame(key_map, asc_spine, mh_spine, at)
    tables: dict[str, pl.DataFrame] = {}
    tables["overall"] = (
        p.group_by("source").agg(
            pl.len().alias("records"),
            pl.col("research_person_id").n_unique().alias("research_persons"),
            pl.col("linked_other_system").sum().alias("linked_to_other_system"),
            (pl.col("link_method") == "deterministic_nhs").sum().alias("deterministic_nhs"),
            (pl.col("link_method") == "probabilistic").sum().alias("probabilistic"),
            (pl.col("link_method") == "unlinked").sum().alias("unlinked"),
        ).with_columns((pl.col("linked_to_other_system") / pl.col("records")).round(4).alias("match_rate")).sort("source")
    )
    for by in ("ethnic_group", "sex", "age_band", "imd_quintile"):
        tables[f"match_rate_by_{by}"] = _rate_table(p, by)
    tables["linked_vs_unlinked"] = (
        p.group_by("source", "linked_other_system").agg(
            pl.len().alias("records"),
            pl.col("has_valid_nhs").mean().round(4).alias("share_valid_nhs"),
            (dob_evidence_rank(pl.col("dob_flag")) == 0).mean().round(4).alias("share_full_dob"),
            pl.col("n_postcodes").mean().round(3).alias("mean_postcodes_seen"),
            (pl.col("sex") == "Female").mean().round(4).alias("share_female"),
            (pl.col("ethnic_group") == "White").mean().round(4).alias("share_white"),
            (pl.col("ethnic_group") == "Unknown").mean().round(4).alias("share_ethnicity_unknown"),
            pl.col("age_band").is_in(["65-74", "75-84", "85-94", "95+"]).mean().round(4).alias("share_65_plus"),
        ).sort("source", "linked_other_system")
    )
    tables["identifier_completeness_by_ethnic_group"] = identifier_completeness(p, "ethnic_group")
    md = ["# Linkage quality report", "", f"As of {at.isoformat()}. Counts and rates only.", ""]
    if stats:
        keep = {k: v for k, v in stats.items() if isinstance(v, (int, float, str, bool))}
        tables["linkage_stats"] = pl.DataFrame({"measure": list(keep), "value": [str(v) for v in keep.values()]})
    if pairs is not None:
        tables["probability_bands"] = probability_bands(pairs, key_map, truth)
    if truth is not None:
        sc = pairwise_scores(key_map, truth)
        tables["accuracy"] = pl.DataFrame({"measure": list(sc), "value": [float(v) for v in sc.values()]})
        persons = p.select("source", "source_person_id", "ethnic_group", "sex", "age_band", "imd_quintile",
                           # Young men were under-linked in published census-to-NHS linkage.
                           pl.when((pl.col("sex") != "Unknown") & (pl.col("age_band") != "Unknown"))
                           .then(pl.concat_str("sex", pl.lit(" "), "age_band")).alias("sex_and_age_band"))
        pairs = true_pair_evidence(key_map, truth, asc_spine, mh_spine)
        tables["name_only_pairs"] = name_only_summary(pairs)
        tables["recall_by_dob_evidence"] = recall_by_dob_evidence(pairs)
        tables["recall_by_name_agreement"] = recall_by_name_agreement(pairs)
        tables["namesake_pairs"] = namesake_pairs(truth, asc_spine, mh_spine)
        tables["recall_by_ethnic_group"] = recall_by_group(key_map, truth, persons, "ethnic_group", pairs)
        tables["cross_pair_evidence_by_ethnic_group"] = cross_pair_evidence_by_group(pairs, truth, persons, "ethnic_group")
        gap = recall_gap(tables["recall_by_ethnic_group"])
        if gap:
            tables["ethnic_recall_gap"] = pl.DataFrame([{**gap, "target": LINKAGE_TARGETS["ethnic_recall_gap"]}])
        tables["recall_by_sex"] = recall_by_group(key_map, truth, persons, "sex")
        tables["recall_by_age_band"] = recall_by_group(key_map, truth, persons, "age_band")
        tables["recall_by_sex_and_age_band"] = recall_by_group(key_map, truth, persons, "sex_and_age_band")
        tables["recall_by_imd_quintile"] = recall_by_group(key_map, truth, persons, "imd_quintile")
    titles = {
        "overall": "Overall", "linkage_stats": "Linkage run (counts)", "accuracy": "Accuracy against ground truth (pairs)",
        "match_rate_by_ethnic_group": "Match rate by broad ethnic group", "match_rate_by_sex": "Match rate by sex",
        "match_rate_by_age_band": "Match rate by age band", "match_rate_by_imd_quintile": "Match rate by IMD quintile (1 = most deprived)",
        "linked_vs_unlinked": "Linked vs unlinked characteristics",
        "identifier_completeness_by_ethnic_group": "Identifier completeness by broad ethnic group: fewer valid NHS numbers "
                                                   "or full dates of birth leave a group's records less evidence to link on",
        "name_only_pairs": "True pairs with no comparable identifier beyond names and sex (the recall a linkage can reach)",
        "namesake_pairs": "Name-only record pairs agreeing on full name and sex, by how many records carry that name: how many are the same person",
        "recall_by_ethnic_group": "Recall of true cross-system persons by ethnic group, with its 95% interval "
                                  "(and of those without a name-only pair)",
        "ethnic_recall_gap": "Gap in recall between the best- and worst-linked known ethnic groups (groups of at least "
                             f"{MIN_GROUP_FOR_GAP} persons), with its 95% interval: a lower end above 0 says the gap is more than chance",
        "recall_by_dob_evidence": "Recall of true pairs by what their dates of birth allow: full on both sides, the year "
                                  "only on a side (a 1 January date), or missing or unusable on a side",
        "recall_by_name_agreement": "Recall of true pairs by how their names compare: both agree (equal, a nickname, "
                                    "or alike in sound or spelling, one letter apart included), swapped, a forename or "
                                    "a surname that differs, or a name missing",
        "cross_pair_evidence_by_ethnic_group": "True cross-system pairs by ethnic group: recall; recall where the evidence "
                                               "is full (full dates of birth, names that agree) and where weaker; and the "
                                               "share of pairs with each weakness that costs recall",
        "recall_by_sex": "Recall by sex", "recall_by_age_band": "Recall by age band",
        "recall_by_sex_and_age_band": "Recall by sex and age band",
        "recall_by_imd_quintile": "Recall by IMD quintile (1 = most deprived)",
        "probability_bands": "Scored candidate pairs by match probability (links by the deterministic NHS number rule "
                             "not included): linked = ended in one research person; with a ground truth, how many are the same person",
    }
    for name, t in tables.items():
        md += [f"## {titles.get(name, name)}", "", _md(_accuracy_for_reading(t) if name == "accuracy" else t), ""]
    fig = tables["match_rate_by_ethnic_group"]
    axes = {"x": {"field": "ethnic_group", "type": "nominal"}, "xOffset": {"field": "source"}}
    title = "match rate (bar), 95% interval (line)"
    figures = {
        "match_rate_by_ethnic_group": {
            "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
            "title": "Match rate by broad ethnic group",
            "data": {"values": fig.to_dicts()},
            "layer": [
                {"mark": "bar", "encoding": {**axes, "y": {"field": "match_rate", "type": "quantitative", "title": title},
                                             "color": {"field": "source", "type": "nominal"}}},
                # The 95% interval, so a small group's low bar is not read as a finding on its own.
                {"mark": "rule", "encoding": {**axes, "y": {"field": "match_rate_low", "type": "quantitative", "title": title},
                                              "y2": {"field": "match_rate_high"}}},
            ],
        }
    }
    return QualityReport(markdown="\n".join(md), tables=tables, figures=figures)
