"""Person linkage across ASC and MH (and within each): deterministic NHS rule, then a Splink 5
Fellegi-Sunter model on DuckDB, then guarded clustering into one research_person_id per person.

Inputs are the token tables of `tokens.make_link_tokens` (mode "tokens": the model never sees a
cleartext identifier) or the spines themselves (mode "trusted": features derived here, names also
compared with Jaro-Winkler). Both modes share blocking rules and comparison structure.

Why own code around Splink:
- clustering: Splink's connected components chain (A~B~C puts A and C together however weak
  A~C is) and `cluster_using_single_best_links` forbids two records of one source in a cluster,
  which would stop within-system duplicates being merged. We cluster greedily on descending
  probability and only merge two groups if every same-source pair between them is itself a
  strong direct link.
- deterministic NHS rule: a self-join in polars, before Splink, so its links and conflicts are
  counted on their own (issue 3 asks for both).
"""
from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from dataclasses import dataclass, field
from itertools import chain
from typing import Any, Literal

import numpy as np
import polars as pl

from asc_linkage.core.frames import unchanged_since
from asc_linkage.core.standardise import NAME_DICE_ALIKE
from asc_linkage.core.tokens import (BLOOM_COLUMNS, FEATURES, IDENTIFIER_COLUMNS, OVERLAP_BLOOMS, TRUSTED_EXTRA, hmac_hex_many,
                                    link_features)

KEY_MAP_COLUMNS = ["source", "source_person_id", "research_person_id", "link_method", "match_probability"]
#: Scored candidate pairs kept for the next quarter (identifiable zone): a pair is re-scored only
#: when one of its two records changed.
PAIR_COLUMNS = ["source_l", "source_person_id_l", "source_r", "source_person_id_r", "match_probability"]
_IDENT_COLS = ["nhs", "fn", "sn", "dob_y", "pc_hist"]


@dataclass
class LinkageResult:
    key_map: pl.DataFrame
    model_settings_json: str
    stats: dict[str, Any]
    charts: dict[str, dict] = field(default_factory=dict)
    pairs: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema={c: (pl.Float64 if c == "match_probability" else pl.String) for c in PAIR_COLUMNS}))


# ---------------------------------------------------------------------------------------------
# Model design
# ---------------------------------------------------------------------------------------------

def _lvl(sql: str, label: str, **kw) -> dict:
    d = {"sql_condition": sql, "label_for_charts": label}
    d.update(kw)
    return d


def _null(col: str) -> dict:
    return _lvl(f'"{col}_l" IS NULL OR "{col}_r" IS NULL', "null", is_null_level=True)


def _else() -> dict:
    return _lvl("ELSE", "all other")


def _overlap(a: str, b: str) -> str:
    # Bloom prefilter first: DuckDB evaluates the list test only where the filters intersect.
    assert a == b and f"{a}_bf" in OVERLAP_BLOOMS
    return f'(("{a}_bf_l" & "{a}_bf_r") <> 0 AND list_has_any("{a}_l", "{b}_r"))'


def _dice(name: str) -> str:
    """Dice similarity of two 128-bit bigram Bloom filters (`<name>_bf1`, `<name>_bf2`)."""
    a1, a2 = f'"{name}_bf1_l"', f'"{name}_bf2_l"'
    b1, b2 = f'"{name}_bf1_r"', f'"{name}_bf2_r"'
    return (
        f"(2.0 * (bit_count({a1} & {b1}) + bit_count({a2} & {b2})) / "
        f"nullif(bit_count({a1}) + bit_count({a2}) + bit_count({b1}) + bit_count({b2}), 0))"
    )


#: Forename and surname each equal to the other record's other name (the full name swapped), the
#: records' forenames differing (JAMES JAMES is not a swap).
FULL_NAME_SWAPPED = '"fn_l" = "sn_r" AND "sn_l" = "fn_r" AND "fn_l" <> "fn_r"'
#: The same by sound (Soundex): swapped and spelled differently, as a name transliterated one way
#: in one system and another way in the other (MAHMOUD ABDIRASHID, ABDIRESHID MOHAMUD).
FULL_NAME_SWAPPED_BY_SOUND = '"fn_sdx_l" = "sn_sdx_r" AND "sn_sdx_l" = "fn_sdx_r" AND "fn_sdx_l" <> "fn_sdx_r"'


def comparisons(mode: str) -> list[dict]:
    """Comparison definitions (Splink dicts). Levels ordered most to least specific."""
    trusted = mode == "trusted"
    fn_fuzzy = (
        _lvl('jaro_winkler_similarity("fn_text_l", "fn_text_r") >= 0.9', "forename Jaro-Winkler >= 0.9")
        if trusted
        else _lvl(f"{_dice('fn')} >= {NAME_DICE_ALIKE}", f"forename bigram Dice >= {NAME_DICE_ALIKE}")
    )
    sn_fuzzy = (
        _lvl('jaro_winkler_similarity("sn_text_l", "sn_text_r") >= 0.9', "surname Jaro-Winkler >= 0.9")
        if trusted
        else _lvl(f"{_dice('sn')} >= {NAME_DICE_ALIKE}", f"surname bigram Dice >= {NAME_DICE_ALIKE}")
    )
    return [
        {
            "output_column_name": "nhs",
            "comparison_description": "NHS number",
            "comparison_levels": [_null("nhs"), _lvl('"nhs_l" = "nhs_r"', "exact"), _else()],
        },
        {
            "output_column_name": "forename",
            "comparison_description": "forename",
            "comparison_levels": [
                _null("fn"),
                _lvl('"fn_l" = "fn_r"', "exact", tf_adjustment_column="fn", tf_adjustment_weight=1.0),
                # A full swap is one event, weighed once here: as a forename swap and a surname
                # swap, two levels whose m each held the share of swapped pairs, the model
                # multiplied that share by itself (m 0.036 squared, 4.8 bits too little at 200,000
                # persons), and swapped duplicates with an exact DOB but a new address fell below
                # the threshold. The surname comparison counts a full swap as no evidence.
                _lvl(FULL_NAME_SWAPPED, "full name swapped with surname"),
                _lvl(FULL_NAME_SWAPPED_BY_SOUND, "full name swapped with surname, alike in sound"),
                _lvl('"fn_nick_l" = "fn_nick_r"', "nickname group"),
                fn_fuzzy,
                # One letter apart, where Dice on short names is too strict (KEMI/KEHI: 0.6).
                _lvl(_overlap("fn_edit", "fn_edit"), "one letter apart"),
                _lvl('"fn_l" = "sn_r" OR "fn_r" = "sn_l"', "swapped with surname"),
                _lvl(f'{_overlap("fn_all", "fn_all")}', "shares a forename (middle name)"),
                _lvl('"fn_ph_l" = "fn_ph_r" OR "fn_sdx_l" = "fn_sdx_r"', "phonetic"),
                _lvl('"fn_init_l" = "fn_init_r"', "initial"),
                _else(),
            ],
        },
        {
            "output_column_name": "surname",
            "comparison_description": "surname",
            "comparison_levels": [
                _lvl(f'"sn_l" IS NULL OR "sn_r" IS NULL OR ({FULL_NAME_SWAPPED}) OR ({FULL_NAME_SWAPPED_BY_SOUND})',
                     "null, or full name swapped (weighed by forename)", is_null_level=True),
                _lvl('"sn_l" = "sn_r"', "exact", tf_adjustment_column="sn", tf_adjustment_weight=1.0),
                _lvl('"sn_l" = "fn_r" OR "sn_r" = "fn_l"', "swapped with forename"),
                _lvl(f'{_overlap("sn_parts", "sn_parts")}', "shares a surname part"),
                sn_fuzzy,
                _lvl(_overlap("sn_edit", "sn_edit"), "one letter apart"),
                _lvl('"sn_ph_l" = "sn_ph_r" OR "sn_sdx_l" = "sn_sdx_r"', "phonetic"),
                _else(),
            ],
        },
        {
            "output_column_name": "dob",
            "comparison_description": "date of birth",
            "comparison_levels": [
                _null("dob_y"),
                _lvl('"dob_l" = "dob_r"', "exact"),
                _lvl('"dob_l" = "dob_swap_r"', "day and month transposed"),
                _lvl(
                    '("dob_y_l" = "dob_y_r" AND "dob_m_l" = "dob_m_r") OR ("dob_y_l" = "dob_y_r" AND "dob_d_l" = "dob_d_r") '
                    'OR ("dob_m_l" = "dob_m_r" AND "dob_d_l" = "dob_d_r")',
                    "two of year, month, day",
                ),
                _lvl('("dob_l" IS NULL OR "dob_r" IS NULL) AND "dob_y_l" = "dob_y_r"', "same year, day/month unknown on a side"),
                _else(),
            ],
        },
        {
            "output_column_name": "sex",
            "comparison_description": "sex",
            "comparison_levels": [_null("sex"), _lvl('"sex_l" = "sex_r"', "exact"), _else()],
        },
        {
            "output_column_name": "postcode",
            "comparison_description": "postcode (current and history)",
            "comparison_levels": [
                _null("pc_hist"),
                _lvl('"pc_l" = "pc_r"', "current postcode exact"),
                _lvl(_overlap("pc_hist", "pc_hist"), "postcode history overlap"),
                _lvl(_overlap("pc_sector_hist", "pc_sector_hist"), "sector history overlap"),
                _lvl('"pc_district_l" = "pc_district_r"', "district"),
                _else(),
            ],
        },
    ]


# Each rule earns its place by the true pairs it alone finds on generated data (200,000 persons):
# three former rules (phonetic names + birth month, DOB + surname initial, nickname + surname
# initial + birth year) found 10 linked pairs in 23,606 between them but made 10.6M of the 14.5M
# candidate pairs at a million records a side, most of the scoring time.
BLOCKING_RULES = [
    'l."nhs" = r."nhs"',
    'l."dob" = r."dob" AND l."sn_sdx" = r."sn_sdx"',
    'l."dob" = r."dob" AND l."fn_sdx" = r."fn_sdx"',
    # Both orientations: Splink keeps one of each pair, so a swap with a misspelt name (SOLEDA
    # JIMENEZ / JIMENEZ SOLEDAD) met the one-sided rule only when the ids fell the right way round
    # (the mirror rule: +1 linked cross-system pair at 200,000 persons, for 28 more candidates).
    'l."dob" = r."dob" AND l."fn_sdx" = r."sn_sdx"',
    'l."dob" = r."dob" AND l."sn_sdx" = r."fn_sdx"',
    'l."dob" = r."dob_swap" AND l."sn_sdx" = r."sn_sdx"',
    # Both names spelt differently, neither alike by Soundex (CHRIS HUGHS / CHRISTOPHER HUGHES:
    # H200 / H220): the date of birth and both initials (+1 council duplicate at 200,000 persons,
    # for 2,400 more candidates in 490,000).
    'l."dob" = r."dob" AND l."fn_init" = r."fn_init" AND l."sn_init" = r."sn_init"',
    'l."dob" = r."dob" AND l."pc_sector" = r."pc_sector"',
    'l."fn_nick" = r."fn_nick" AND l."sn" = r."sn" AND l."dob_y" = r."dob_y"',
    # One address and both initials: the true pairs only this rule finds have a date of birth missing
    # on a side and a forename or surname alike (by sound, nickname or spelling). With the forename's
    # initial alone, every true pair it alone found at 0.9 or more shared the surname's initial too
    # (281 of 281 at a million persons, default data), and it made 7.2 million candidate pairs there,
    # most of all the rules' (0.5 million with both initials): Splink's predict took 12.4 s, against
    # 21.3 s, for the same links (F1 0.9872 against 0.9871; duplicate recalls equal).
    'l."pc" = r."pc" AND l."fn_init" = r."fn_init" AND l."sn_init" = r."sn_init"',
    'l."names_sorted" = r."names_sorted" AND l."dob_y" = r."dob_y"',
    # A mistyped birth year where the postcode is missing or has changed escapes the rules above
    # (+1 council duplicate and +1 cross-system pair at 200,000 persons, for 40 more candidates).
    'l."names_sorted" = r."names_sorted" AND l."dob_m" = r."dob_m" AND l."dob_d" = r."dob_d"',
    'l."names_sorted" = r."names_sorted" AND l."pc_district" = r."pc_district"',
    'l."pc" = r."pc" AND l."dob_y" = r."dob_y"',
    # A mistyped birth year and a name variant at one address (MAHMOUD UCHE / UCHE MOHAMUD): the
    # postcode and the birthday (+1 council duplicate at 200,000 persons, for 12,400 candidates).
    'l."pc" = r."pc" AND l."dob_m" = r."dob_m" AND l."dob_d" = r."dob_d"',
    # A record without a full date of birth (missing, or a 1 January default) escapes every
    # DOB rule above; its full name is compared against everyone. One side only carries the key,
    # so the join touches the few such records, not every pair of namesakes; two rules because
    # Splink keeps one orientation of each pair.
    'l."names_nodob" = r."names_sorted"',
    'l."names_sorted" = r."names_nodob"',
]
#: Blocking-only columns derived here from the features (never compared).
BLOCKING_EXTRA = ["names_nodob"]


def _settings(mode: str, prior: float) -> dict:
    return {
        "link_type": "link_and_dedupe",
        "unique_id_column_name": "unique_id",
        "comparisons": comparisons(mode),
        "blocking_rules_to_generate_predictions": [{"blocking_rule": b} for b in BLOCKING_RULES],
        "probability_two_random_records_match": prior,
        "retain_matching_columns": False,
        "retain_intermediate_calculation_columns": False,
        "max_iterations": 20,
        "em_convergence": 0.0001,
    }


def model_design(settings: dict) -> str:
    """A model's design without its parameters: each comparison's levels (condition, null level,
    term frequency column, weight and minimum u) and the blocking rules. Two models with one design score the
    same pairs by the same conditions."""
    comparisons = [
        [c.get("output_column_name"),
         [[lv.get("sql_condition"), bool(lv.get("is_null_level")), lv.get("tf_adjustment_column"),
           lv.get("tf_adjustment_weight"), lv.get("tf_minimum_u_value")] for lv in c.get("comparison_levels", [])]]
        for c in settings.get("comparisons", [])
    ]
    rules = [b["blocking_rule"] if isinstance(b, dict) else b for b in settings.get("blocking_rules_to_generate_predictions", [])]
    return json.dumps([comparisons, rules])


# ---------------------------------------------------------------------------------------------
# Pieces
# ---------------------------------------------------------------------------------------------

def _features(asc: pl.DataFrame, mh: pl.DataFrame, mode: str) -> pl.DataFrame:
    if mode == "trusted":
        fa, fm = link_features(asc), link_features(mh)
    elif mode == "tokens":
        missing = [c for c in [*FEATURES, *BLOOM_COLUMNS] if c not in asc.columns or c not in mh.columns]
        if missing:
            raise ValueError(f"link_persons(tokens): token tables lack {len(missing)} feature column(s)")
        fa, fm = asc, mh
        for c in TRUSTED_EXTRA:
            fa = fa.with_columns(pl.lit(None, pl.String).alias(c))
            fm = fm.with_columns(pl.lit(None, pl.String).alias(c))
    else:
        raise ValueError("link_persons: mode must be 'tokens' or 'trusted'")
    fa = fa.with_columns(pl.lit("asc").alias("source"))
    fm = fm.with_columns(pl.lit("mh").alias("source"))
    cols = ["source", "source_person_id", *FEATURES.keys(), *BLOOM_COLUMNS, *TRUSTED_EXTRA]
    df = pl.concat([fa.select(cols), fm.select(cols)], how="vertical_relaxed")
    df = df.with_columns(pl.col("source_person_id").cast(pl.String))
    # Sorted so the integer unique_id (and everything derived from it) is input-order independent.
    # Token tables and spines usually arrive sorted by id already ("asc" < "mh" orders the two
    # parts): checking costs milliseconds where sorting a frame of list columns costs ~0.1 s.
    spid = df["source_person_id"]
    if not (spid.null_count() == 0 and spid.slice(0, fa.height).is_sorted() and spid.slice(fa.height).is_sorted()):
        df = df.sort("source", "source_person_id")
    # Once sorted, duplicates are neighbours (eq_missing: two null ids are duplicates too).
    src, spid = df["source"], df["source_person_id"]
    if df.height > 1 and (spid.slice(1).eq_missing(spid.slice(0, df.height - 1)) & src.slice(1).eq_missing(src.slice(0, df.height - 1))).any():
        raise ValueError("link_persons: duplicate (source, source_person_id) in the input")
    return df.with_row_index("unique_id").with_columns(pl.col("unique_id").cast(pl.Int64))


def _shared_nhs(df: pl.DataFrame, max_records: int, max_distinct_dob: int) -> pl.Series:
    """The numbers (`nhs` of `df`, which has `nhs` and `dob`) that are not link keys."""
    # Two columns first: filtering a full feature frame would copy every list column.
    return (
        df.select("nhs", "dob")
        .filter(pl.col("nhs").is_not_null())
        .group_by("nhs")
        .agg(pl.len().alias("n"), pl.col("dob").drop_nulls().n_unique().alias("nd"))
        .filter((pl.col("n") > max_records) | (pl.col("nd") > max_distinct_dob))
        ["nhs"]
    )


def _null_shared_nhs(df: pl.DataFrame, max_records: int, max_distinct_dob: int) -> tuple[pl.DataFrame, int]:
    """Across both systems: a number held by many records or by several DOBs is not a link key."""
    bad = _shared_nhs(df, max_records, max_distinct_dob)
    n = int(df["nhs"].is_in(bad.implode()).sum()) if bad.len() else 0
    if n:
        df = df.with_columns(pl.when(pl.col("nhs").is_in(bad.implode())).then(None).otherwise(pl.col("nhs")).alias("nhs"))
    return df, n


def _deterministic_pairs(df: pl.DataFrame) -> tuple[pl.DataFrame, int]:
    """Pairs sharing a (valid, non-shared) NHS number with consistent DOB (equal or day/month
    transposed) and sex (equal, or unknown on a side). Returns pairs and the number of records
    that share a number with some record but fail the consistency test for every such pair."""
    x = df.select("unique_id", "nhs", "dob", "dob_swap", "dob_y", "dob_m", "dob_d", "sex").filter(pl.col("nhs").is_not_null())
    p = x.join(x, on="nhs", suffix="_r").filter(pl.col("unique_id") < pl.col("unique_id_r"))
    # Consistent: equal, day/month transposed, or the same year where a side only has the year
    # (a 1 January default).
    year_only = (pl.col("dob").is_null() | pl.col("dob_r").is_null()) & (pl.col("dob_y") == pl.col("dob_y_r"))
    # Two of year/month/day agreeing is a one-field typo (year off by one, a mistyped day).
    two_of_three = (
        (pl.col("dob_y") == pl.col("dob_y_r")).cast(pl.Int8) + (pl.col("dob_m") == pl.col("dob_m_r")).cast(pl.Int8)
        + (pl.col("dob_d") == pl.col("dob_d_r")).cast(pl.Int8)
    ) >= 2
    dob_ok = (pl.col("dob") == pl.col("dob_r")) | (pl.col("dob") == pl.col("dob_swap_r")) | (pl.col("dob_swap") == pl.col("dob_r")) | year_only | two_of_three
    sex_ok = pl.col("sex").is_null() | pl.col("sex_r").is_null() | (pl.col("sex") == pl.col("sex_r"))
    p = p.with_columns(ok=(dob_ok.fill_null(False) & sex_ok))
    good = p.filter("ok").select(pl.col("unique_id").alias("a"), pl.col("unique_id_r").alias("b"))
    involved = pl.concat([p.select(pl.col("unique_id").alias("u"), "ok"), p.select(pl.col("unique_id_r").alias("u"), "ok")])
    conflict = involved.group_by("u").agg(pl.col("ok").any()).filter(~pl.col("ok")).height
    return good, conflict


def _run_splink(df: pl.DataFrame, mode: str, previous_model: str | None, seed: int, det_pairs: int,
                predict_threshold: float, u_max_pairs: float, timings: dict, em_max_pairs: float = 3e5,
                changed: pl.Series | None = None) -> tuple[pl.DataFrame, str, dict]:
    """Train (or reuse) the model and score candidate pairs. With `changed` (unique_ids; needs a
    reused model) only pairs that involve a changed record are scored: the changed records are
    linked against all records, with term frequencies taken from all records."""
    from splink import DuckDBAPI, Linker
    import duckdb

    logging.getLogger("splink").setLevel(logging.ERROR)
    # Linkers are built with validate_settings=False: Splink's settings validation only logs
    # warnings (silenced above) and parses every SQL string with sqlglot, ~0.25 s a Linker.
    con = duckdb.connect()
    con.execute(f"SELECT setseed({(seed % 1000) / 1000.0})").fetchall()
    db_api = DuckDBAPI(connection=con)
    cols = ["unique_id", *FEATURES.keys(), *BLOOM_COLUMNS, *TRUSTED_EXTRA, *BLOCKING_EXTRA]
    df = df.with_columns(pl.when(pl.col("dob").is_null()).then(pl.col("names_sorted")).alias("names_nodob"))
    # Columns chosen before rows are filtered: filtering copies every column the frame holds.
    x = df.select(cols)
    if changed is not None:
        a = db_api.register(x.filter(pl.col("unique_id").is_in(changed.implode())).to_arrow(), dataset_display_name="changed_records")
        m = db_api.register(x.to_arrow(), dataset_display_name="all_records")
    else:
        a = db_api.register(x.filter(df["source"] == "asc").to_arrow(), dataset_display_name="asc_persons")
        m = db_api.register(x.filter(df["source"] == "mh").to_arrow(), dataset_display_name="mh_patients")

    t0 = time.perf_counter()
    if previous_model:
        settings = json.loads(previous_model)  # of this mode's design (`link_persons` checked)
        if changed is not None:
            settings["link_type"] = "link_only"
        linker = Linker([a, m], settings, log_level=logging.ERROR, validate_settings=False)
        if changed is not None:
            # Splink would count the changed records twice (they are in both inputs).
            for col in _tf_columns(settings):
                tf = (df.select(col).filter(pl.col(col).is_not_null()).group_by(col).len()
                      .select(col, (pl.col("len") / pl.col("len").sum()).alias(f"tf_{col}")))
                linker.table_management.register_term_frequency_lookup(
                    db_api.register(tf.to_arrow(), dataset_display_name=f"tf_{col}"), col)
    elif changed is not None:
        raise ValueError("link_persons: scoring changed records only needs a reused model")
    else:
        n = df.height
        # Prior from the deterministic links, with an assumed recall: EM refines it anyway.
        prior = max(min((det_pairs / 0.6) / max(n * (n - 1) / 2, 1), 0.5), 1e-9)
        linker = Linker([a, m], _settings(mode, prior), log_level=logging.ERROR, validate_settings=False)
        u_pairs = min(u_max_pairs, n * (n - 1) / 2)
        # Splink's chunked probe (num_chunks=10) costs seconds of fixed overhead; one chunk is
        # enough below a few million sampled pairs.
        linker.training.estimate_u_using_random_sampling(max_pairs=u_pairs, seed=seed, num_chunks=1 if u_pairs <= 5e6 else 10)
        # Exact-agreement levels: u is exactly the chance two random records share a value, known
        # from value frequencies over all records, where sampling sees rare values (NHS number,
        # DOB) only a handful of times; so are the full-name swaps, which it almost never draws.
        # The other levels keep their sampled shares of the rest.
        model = linker.misc.save_model_to_json()
        _exact_u_from_frequencies(model, df)
        _full_swap_u_from_frequencies(model, df)
        linker = Linker([a, m], model, log_level=logging.ERROR, validate_settings=False)
        timings["u_sampling_s"] = round(time.perf_counter() - t0, 2)
        t1 = time.perf_counter()
        # Two EM passes so every comparison is estimated in one of them. A pass with no pairs
        # (tiny inputs) is skipped: the comparisons keep Splink's default m values.
        from splink.internals.exceptions import EMTrainingException

        skipped = 0
        for rule in ('l."dob" = r."dob"', 'l."sn" = r."sn" AND l."fn_init" = r."fn_init"'):
            before = linker.misc.save_model_to_json()
            try:
                # EM cost grows with the square of the data under a DOB block; a capped sample of
                # its pairs estimates m as well (the spec's "max_pairs" lever).
                linker.training.estimate_parameters_using_expectation_maximisation(
                    rule, estimate_without_term_frequencies=True, max_pairs=em_max_pairs
                )
            except (EMTrainingException, ValueError):  # ValueError: a level with no pairs got m = 0
                skipped += 1
                # Splink has changed the settings by the time it raises (a prior of 1e-224 and the
                # blocked comparisons dropped were seen): back to the model before the pass.
                linker = Linker([a, m], before, log_level=logging.ERROR, validate_settings=False)
        timings["em_passes_skipped"] = skipped
        # DuckDB sums in parallel, so the last bits of m/u vary between runs: rounding them makes
        # the stored model (and every probability computed from it) identical run to run.
        model = linker.misc.save_model_to_json()
        _round_model(model)
        linker = Linker([a, m], model, log_level=logging.ERROR, validate_settings=False)
        timings["em_s"] = round(time.perf_counter() - t1, 2)
    t2 = time.perf_counter()
    pred = linker.inference.predict(threshold_match_probability=predict_threshold)
    rows = pred.as_duckdbpyrelation().select("unique_id_l, unique_id_r, match_probability").pl()
    if changed is not None:
        # Both orientations of a changed-changed pair, and each changed record against itself.
        rows = (_one_orientation(rows.filter(pl.col("unique_id_l") != pl.col("unique_id_r")))
                .unique(["unique_id_l", "unique_id_r"], keep="first").sort("unique_id_l", "unique_id_r"))
    timings["predict_s"] = round(time.perf_counter() - t2, 2)
    if previous_model:
        model_json = previous_model  # the same model, as stored (scoring may have set link_only)
    else:
        saved = linker.misc.save_model_to_json()
        saved.pop("linker_uid", None)  # random per Linker: would make equal models differ
        model_json = json.dumps(saved, sort_keys=True, default=str)
    charts = {}
    try:
        # m/u and match-weight charts hold parameters and level labels only, never records.
        # `chart_dict` is a property in Splink 5: calling it raised TypeError, swallowed below, so
        # no chart was ever returned. ~10 ms for both.
        charts["m_u_parameters"] = linker.visualisations.m_u_parameters_chart().chart_dict
        charts["match_weights"] = linker.visualisations.match_weights_chart().chart_dict
    except Exception:  # charts are a convenience; a failure must not carry data into logs
        charts = {}
    con.close()
    return rows, model_json, charts


def _one_orientation(pairs: pl.DataFrame) -> pl.DataFrame:
    """Pairs as (smaller unique_id, larger unique_id, match_probability)."""
    return pairs.select(pl.min_horizontal("unique_id_l", "unique_id_r").alias("unique_id_l"),
                        pl.max_horizontal("unique_id_l", "unique_id_r").alias("unique_id_r"), "match_probability")


def _carry_over(previous_pairs: pl.DataFrame, unchanged: pl.DataFrame) -> pl.DataFrame:
    """Last quarter's scored pairs whose two records are both unchanged, on this run's unique_ids."""
    return (
        previous_pairs.join(unchanged.rename(lambda c: f"{c}_l"), on=["source_l", "source_person_id_l"])
        .join(unchanged.rename(lambda c: f"{c}_r"), on=["source_r", "source_person_id_r"])
        .select("unique_id_l", "unique_id_r", "match_probability")
    )


def _tf_columns(settings: dict) -> list[str]:
    return sorted({lv["tf_adjustment_column"] for comp in settings["comparisons"] for lv in comp["comparison_levels"]
                   if lv.get("tf_adjustment_column")})


def _previous_cleartext_features(previous_spine: pl.DataFrame, current_spine: pl.DataFrame,
                                 current_features: pl.DataFrame) -> pl.DataFrame:
    """Last quarter's trusted-mode features of one system, computing them only for records whose
    identifiers changed: features are a function of the spine's identifier columns alone, so an
    unchanged record's are this quarter's (taken before NHS numbers are nulled as shared).
    Computing every record's again (phonetic codes, bigram Bloom filters) took ~4 s at 200,000."""
    same = unchanged_since(previous_spine, current_spine, ["source_person_id"], IDENTIFIER_COLUMNS)
    reused = current_features.join(
        previous_spine.filter(same).select(pl.col("source_person_id").cast(pl.String)), on="source_person_id", how="semi")
    fresh = link_features(previous_spine.filter(~same))
    return pl.concat([reused.select(fresh.columns), fresh], how="vertical_relaxed")


def _has_duplicates(ids: pl.Series) -> bool:
    """Whether an id repeats. Ids usually arrive sorted (token tables and spines are written in id
    order): then neighbours are compared, in milliseconds, where hashing a million string ids took
    0.13 s."""
    if ids.null_count() == 0 and ids.is_sorted():
        return ids.len() > 1 and bool((ids.slice(1) == ids.slice(0, ids.len() - 1)).any())
    return bool(ids.is_duplicated().any())


def _changed_records(current: pl.DataFrame, previous_inputs: tuple[pl.DataFrame, pl.DataFrame], mode: str,
                     max_records_per_nhs: int, current_inputs: tuple[pl.DataFrame, pl.DataFrame] | None = None,
                     current_features: pl.DataFrame | None = None) -> pl.Series:
    """unique_ids of `current` records (rows of `_features`, so sorted by source then id) that are
    new or whose compared features differ from the previous quarter's (same source record id),
    the previous features taken as `_features` and `_null_shared_nhs` would have made them.

    Lean on purpose: a full `_features` of last quarter (wide concat, sort) and a join on two
    string keys across both systems cost more than the comparison itself; here each system's rows
    are compared by fingerprints of their id and compared columns (`unchanged_since`). In trusted
    mode, with this quarter's spines (`current_inputs`) and `_features` before NHS nulling
    (`current_features`), last quarter's features are recomputed only for records whose
    identifiers changed."""
    # In tokens mode the trusted-only columns are null on both sides: equal by construction.
    columns = [*FEATURES.keys(), *BLOOM_COLUMNS, *(TRUSTED_EXTRA if mode == "trusted" else [])]
    prev_asc, prev_mh = previous_inputs
    if mode == "trusted" and current_inputs is not None and current_features is not None:
        prev_asc, prev_mh = (
            _previous_cleartext_features(prev, now, current_features.filter(pl.col("source") == source))
            for prev, now, source in zip(previous_inputs, current_inputs, ("asc", "mh"))
        )
    elif mode == "trusted":
        prev_asc, prev_mh = link_features(prev_asc), link_features(prev_mh)
    elif mode == "tokens":
        missing = [c for c in columns if c not in prev_asc.columns or c not in prev_mh.columns]
        if missing:
            raise ValueError(f"link_persons(tokens): previous token tables lack {len(missing)} feature column(s)")
    else:
        raise ValueError("link_persons: mode must be 'tokens' or 'trusted'")
    # The dtypes `_features` would have given last quarter's concatenated systems.
    schema = pl.concat([prev_asc.select(columns).head(0), prev_mh.select(columns).head(0)], how="vertical_relaxed").schema
    # A number is shared across both systems: nulled last quarter as it would have been then.
    bad = _shared_nhs(pl.concat([prev_asc.select(pl.col("nhs").cast(schema["nhs"]), pl.col("dob").cast(schema["dob"])),
                                 prev_mh.select(pl.col("nhs").cast(schema["nhs"]), pl.col("dob").cast(schema["dob"]))]),
                      max_records_per_nhs, 2)
    n_asc = int((current["source"] == "asc").sum())
    changed = []
    for source, prev, cur in (("asc", prev_asc, current.slice(0, n_asc)), ("mh", prev_mh, current.slice(n_asc))):
        before = prev.select(pl.col("source_person_id").cast(pl.String), *(pl.col(c).cast(schema[c]) for c in columns))
        before = before.with_columns(pl.when(pl.col("nhs").is_in(bad.implode())).then(None).otherwise(pl.col("nhs")).alias("nhs"))
        if _has_duplicates(before["source_person_id"]):  # the check `_features` made last quarter
            raise ValueError(f"link_persons: duplicate source_person_id in the previous {source} input")
        changed.append(cur["unique_id"].filter(~unchanged_since(cur, before, ["source_person_id"], columns)))
    return pl.concat(changed).sort()


#: comparison -> (column of its exact level, column its null level tests)
EXACT_LEVEL_COLUMNS = {"nhs": ("nhs", "nhs"), "forename": ("fn", "fn"), "surname": ("sn", "sn"), "dob": ("dob", "dob_y"),
                       "sex": ("sex", "sex"), "postcode": ("pc", "pc_hist")}


def _round_model(model: dict, digits: int = 10) -> None:
    def r(x: float) -> float:
        return float(f"{x:.{digits}g}")

    if model.get("probability_two_random_records_match"):
        model["probability_two_random_records_match"] = r(model["probability_two_random_records_match"])
    for comp in model["comparisons"]:
        for lv in comp["comparison_levels"]:
            for k in ("m_probability", "u_probability"):
                if lv.get(k) is not None:
                    lv[k] = max(r(lv[k]), 1e-300)


def _exact_u_from_frequencies(model: dict, df: pl.DataFrame) -> None:
    for comp in model["comparisons"]:
        cols = EXACT_LEVEL_COLUMNS.get(comp.get("output_column_name"))
        if not cols:
            continue
        col, null_col = cols
        # The two columns only (often one): filtering the full frame copies every list column.
        base = df.select(list(dict.fromkeys((col, null_col)))).filter(pl.col(null_col).is_not_null())
        n = base.height
        if n < 2:
            continue
        counts = base.filter(pl.col(col).is_not_null()).group_by(col).len()["len"].cast(pl.Float64)
        u_exact = float(((counts * (counts - 1)).sum()) / (n * (n - 1)))
        levels = [lv for lv in comp["comparison_levels"] if not lv.get("is_null_level")]
        # Also where sampling drew no agreeing pair (u None): NHS numbers at 200,000 persons, where
        # Splink's default u had weighed an agreeing number at 10 bits, not the 19 its frequency gives.
        if u_exact <= 0:
            continue
        levels[0]["u_probability"] = max(u_exact, 1e-12)
        _share_the_rest(levels, [levels[0]])


def _share_the_rest(levels: list[dict], fixed: list[dict]) -> None:
    """Scale the sampled u of the `levels` not in `fixed` so that all of them sum to 1 again, each
    keeping its share of the rest (a level without u keeps none)."""
    others = [lv for lv in levels if all(lv is not f for f in fixed) and lv.get("u_probability") is not None]
    others_total = sum(lv["u_probability"] for lv in others)
    room = 1 - sum(f.get("u_probability") or 0.0 for f in fixed)
    if others_total > 0:
        for lv in others:
            lv["u_probability"] = max(lv["u_probability"] * room / others_total, 1e-12)


def _full_swap_u_from_frequencies(model: dict, df: pl.DataFrame) -> None:
    """u of the forename's two full-swap levels, exactly: the chance that two records with a
    forename are (A, B) and (B, A), by spelling, and by sound but not by spelling. Random sampling
    almost never draws such a pair (none in 500,000 at 200,000 persons), and a level without u
    weighs nothing. The other levels below exact share the rest in their sampled proportions."""
    comp = next((c for c in model["comparisons"] if c.get("output_column_name") == "forename"), None)
    if comp is None:
        return
    levels = [lv for lv in comp["comparison_levels"] if not lv.get("is_null_level")]
    by_condition = {lv.get("sql_condition"): lv for lv in levels}
    swaps = [by_condition.get(FULL_NAME_SWAPPED), by_condition.get(FULL_NAME_SWAPPED_BY_SOUND)]
    if None in swaps:
        return
    n = df.select(pl.col("fn").is_not_null().sum()).item()
    if n < 2:
        return
    names = df.select("fn", "sn", "fn_sdx", "sn_sdx").drop_nulls(["fn", "sn"])

    def mirrored(a: str, b: str, among: pl.DataFrame) -> float:
        """Ordered record pairs with (a, b) on one and (b, a) on the other, a != b."""
        groups = among.drop_nulls([a, b]).filter(pl.col(a) != pl.col(b)).group_by(a, b).len()
        both = groups.join(groups.rename({a: b, b: a, "len": "len_r"}), on=[a, b])
        return float(both.select((pl.col("len").cast(pl.Float64) * pl.col("len_r")).sum()).item() or 0.0)

    by_spelling = mirrored("fn", "sn", names)
    # Pairs swapped by spelling whose sounds also mirror are the spelling level's, not this one's.
    by_sound = mirrored("fn_sdx", "sn_sdx", names) - mirrored("fn", "sn", names.filter(pl.col("fn_sdx") != pl.col("sn_sdx")))
    for level, pairs in zip(swaps, (by_spelling, by_sound)):
        level["u_probability"] = max(pairs / (n * (n - 1)), 1e-12)
    _share_the_rest(levels, [levels[0], *swaps])


#: Match probability at which a council record and a trust record link. Chosen on generated data
#: with a ground truth as the lowest that keeps cross-system precision at 0.998 or more: at 0.9,
#: 200,000 persons gained 0.19 pp of recall (F1 0.9887 -> 0.9895, precision 0.9991 -> 0.9988) and
#: a million a side 0.12 pp (F1 0.9869 -> 0.9874, precision 0.9994 -> 0.9991); at 0.85 precision
#: fell to 0.9979. 20,000 persons and FEBRL4 did not move.
CROSS_SYSTEM_THRESHOLD = 0.9
#: Match probability at which two records of one system link (the guard, `_cluster`). Kept higher:
#: a pair of council records is less likely to be one person than the model's shared prior says
#: (docs/linkage.md, `probability_bands`), and at 0.9 council duplicate precision fell from 0.993 to 0.986
#: for 0.5 pp of recall at 200,000 persons.
WITHIN_SYSTEM_THRESHOLD = 0.95
#: Two records of one system, each linked to one record of the other system, are one person (a
#: bridge) where the chance that both links are right (the product of their probabilities) is at
#: least this, even where the two compare weakly with each other (one has the NHS number, the other
#: the date of birth). Still stricter than a direct link (`WITHIN_SYSTEM_THRESHOLD`). 0.999 on each
#: link (before) left apart council duplicates whose trust record linked them at 0.997 and 1.0; at
#: 0.995, 200,000 persons: +2 council duplicate pairs without the two record classes (no false one),
#: and on the default data +2 council and +3 cross-system true pairs for one false council pair.
BRIDGE_PROBABILITY = 0.995


def _cluster(n: int, edges: pl.DataFrame, source: list, threshold: float, within_threshold: float,
             bridge: float = BRIDGE_PROBABILITY) -> tuple[list[int], int, int]:
    """Greedy guarded clustering. `edges`: a, b, p (p = 1.0 for deterministic). Returns the
    cluster label (smallest member unique_id) per record, the number of merges refused and the
    number of merges that needed a bridge.

    The guard: two groups merge only if every pair of records of one source across them is
    linked at `within_threshold` or more, or bridged: both linked to one record of the other source
    that is in the merged group, the product of the two links' probabilities `bridge` or more.
    Without the guard a chain of links through the other system merges namesakes; without the
    bridge a council record without a date of birth stays apart from its own duplicate that the
    trust record shares."""
    parent = list(range(n))
    members: dict[int, list[int]] = {}
    e = edges.filter(pl.col("p") >= min(threshold, within_threshold)).sort(["p", "a", "b"], descending=[True, False, False])
    ea, eb, ep = e["a"].to_list(), e["b"].to_list(), e["p"].to_list()
    # The guard only ever looks up pairs of one source.
    strong: dict[tuple[int, int], float] = {}
    for a, b, p in zip(ea, eb, ep):
        if source[a] == source[b]:
            strong[(a, b) if a < b else (b, a)] = p
    # Bridge links, both ways, sorted by their first record: looked up only when the guard would
    # refuse (a few hundred times at a million records), so no per-record maps are built. A link
    # below `bridge` cannot make a product of `bridge` or more.
    codes, la, lb, lp = np.asarray(source), e["a"].to_numpy(), e["b"].to_numpy(), e["p"].to_numpy()
    keep = (lp >= bridge) & (codes[la] != codes[lb])
    bridge_from, bridge_to = np.concatenate([la[keep], lb[keep]]), np.concatenate([lb[keep], la[keep]])
    bridge_p = np.concatenate([lp[keep], lp[keep]])
    order = np.argsort(bridge_from, kind="stable")
    bridge_from, bridge_to, bridge_p = bridge_from[order], bridge_to[order], bridge_p[order]

    def bridge_partners(x: int) -> dict[int, float]:
        lo, hi = np.searchsorted(bridge_from, x, "left"), np.searchsorted(bridge_from, x, "right")
        return dict(zip(bridge_to[lo:hi].tolist(), bridge_p[lo:hi].tolist()))

    def bridged(x: int, y: int, merged: set[int]) -> bool:
        px, py = bridge_partners(x), bridge_partners(y)
        return any(px[m] * py[m] >= bridge for m in px.keys() & py.keys() & merged)

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    refused = bridged_merges = 0
    for a, b, p in zip(ea, eb, ep):
        # Two records of one system link at `within_threshold`: below it their edge is no link,
        # not a merge the guard refused.
        if p < (within_threshold if source[a] == source[b] else threshold):
            continue
        ra = a if parent[a] == a else find(a)
        rb = b if parent[b] == b else find(b)
        if ra == rb:
            continue
        ma, mb = members.get(ra), members.get(rb)
        if ma is None and mb is None:
            # Two records not yet linked (most edges): the guard is one lookup.
            if source[ra] == source[rb] and strong.get((ra, rb) if ra < rb else (rb, ra), 0.0) < within_threshold:
                refused += 1
                continue
            parent[rb] = ra
            members[ra] = [ra, rb]
            continue
        ma, mb = ma or [ra], mb or [rb]
        ok = True
        merged = None
        for x in ma:
            for y in mb:
                if source[x] == source[y]:
                    key = (x, y) if x < y else (y, x)
                    if strong.get(key, 0.0) < within_threshold:
                        if merged is None:
                            merged = set(ma).union(mb)
                        if not bridged(x, y, merged):
                            ok = False
                            break
            if not ok:
                break
        if not ok:
            refused += 1
            continue
        bridged_merges += merged is not None
        if len(ma) < len(mb):
            ra, rb, ma, mb = rb, ra, mb, ma
        parent[rb] = ra
        members[ra] = ma + mb
        members.pop(rb, None)
    # Label = smallest member, so it does not depend on merge order. `members` holds every group
    # of two or more; every other record is its own label (no `find` over all n records).
    labels = np.arange(n, dtype=np.int64)
    if members:
        groups = list(members.values())
        labels[np.fromiter(chain.from_iterable(groups), dtype=np.int64)] = np.repeat(
            np.fromiter(map(min, groups), dtype=np.int64, count=len(groups)),
            np.fromiter(map(len, groups), dtype=np.int64, count=len(groups)))
    return labels.tolist(), refused, bridged_merges


def _rpids(key: bytes, member_keys: pl.Series) -> pl.Series:
    """Research person ids from member keys, all at once (a Python HMAC an id cost seconds at a
    million records)."""
    return "RP" + hmac_hex_many(key, "rpid", member_keys).str.slice(0, 12).str.to_uppercase()


def _rpid(key: bytes, member_key: str) -> str:
    """One id (a DuckDB query: for the rare clash in `_assign_ids`, not for loops over clusters)."""
    return _rpids(key, pl.Series([member_key], dtype=pl.String))[0]


def _fresh_ids(km: pl.DataFrame, key: bytes) -> pl.DataFrame:
    """cluster -> its fresh id (`_fresh`) and its smallest member key (`_min`, keyed hash input)."""
    smallest = km.group_by("cluster").agg(pl.col("_mk").min().alias("_min"))
    return smallest.with_columns(_rpids(key, smallest["_min"]).alias("_fresh"))


def _unclashed(fresh: pl.DataFrame, key: bytes, taken_prev: pl.Series) -> pl.DataFrame:
    """`fresh` (cluster, _fresh, _min, in cluster order) with each id that equals an id of the
    previous quarter or another fresh id re-derived: after a split the smaller part's smallest
    member may be the one that named the old cluster, and two 48-bit ids can collide (about 0.2%
    of first runs at a million persons). Checked at once; only on a clash are the ids re-derived
    one by one, in cluster order, each avoiding the previous ids and the fresh ids before it."""
    if fresh.height == 0 or not (fresh["_fresh"].is_in(taken_prev.implode()) | fresh["_fresh"].is_duplicated()).any():
        return fresh
    taken = set(taken_prev.to_list())
    new_ids = []
    for f, m in zip(fresh["_fresh"].to_list(), fresh["_min"].to_list()):
        i = 1
        while f in taken:
            f = _rpid(key, f"{m}\x1f{i}")
            i += 1
        taken.add(f)
        new_ids.append(f)
    return fresh.with_columns(pl.Series("_fresh", new_ids, dtype=pl.String))


def _match_previous_ids(votes: pl.DataFrame) -> pl.DataFrame:
    """(cluster, _id): each cluster keeps at most one previous id and each previous id goes to at
    most one cluster, strongest vote first (most records, then smallest member key, which is one
    record's, so the order is total). Greedy, so that an id its largest holder does not keep
    passes to its next holder (the person a record moved away from keeps their id) instead of
    being retired. Votes that share neither their cluster nor their id with another vote are
    taken as they are; only the rest go through the loop."""
    contested = (pl.len().over("cluster") > 1) | (pl.len().over("_prev") > 1)
    plain = votes.filter(~contested).select("cluster", pl.col("_prev").alias("_id"))
    used_clusters, used_ids, matched = set(), set(), []
    for cluster, prev in (votes.filter(contested).sort(["n", "mk", "_prev"], descending=[True, False, False])
                          .select("cluster", "_prev").iter_rows()):
        if cluster not in used_clusters and prev not in used_ids:
            used_clusters.add(cluster)
            used_ids.add(prev)
            matched.append((cluster, prev))
    return pl.concat([plain, pl.DataFrame(matched, schema=plain.schema, orient="row")])


def _assign_ids(km: pl.DataFrame, key: bytes, previous_key_map: pl.DataFrame | None) -> tuple[pl.DataFrame, int]:
    """km has source, source_person_id, cluster (int). Adds research_person_id."""
    km = km.with_columns(pl.concat_str("source", pl.lit(":"), "source_person_id").alias("_mk"))
    if previous_key_map is None or previous_key_map.height == 0:
        fresh = _unclashed(_fresh_ids(km, key).sort("cluster"), key, pl.Series([], dtype=pl.String))
        km = km.join(fresh.select("cluster", "_fresh"), on="cluster", how="left")
        return km.with_columns(pl.col("_fresh").alias("research_person_id")).drop("_fresh", "_mk"), 0
    prev = previous_key_map.select(
        "source", pl.col("source_person_id").cast(pl.String), pl.col("research_person_id").alias("_prev")
    )
    km = km.join(prev, on=["source", "source_person_id"], how="left")
    votes = km.filter(pl.col("_prev").is_not_null()).group_by("cluster", "_prev").agg(pl.len().alias("n"), pl.col("_mk").min().alias("mk"))
    choice = _match_previous_ids(votes)
    # Fresh ids only for the clusters that keep no previous id (hashing every cluster cost seconds).
    fresh = _fresh_ids(km.select("cluster", "_mk").join(choice, on="cluster", how="anti"), key).sort("cluster")
    fresh = _unclashed(fresh, key, prev["_prev"].drop_nulls())
    ids = pl.concat([choice, fresh.select("cluster", pl.col("_fresh").alias("_id"))])
    km = km.join(ids, on="cluster", how="left").rename({"_id": "research_person_id"})
    changed = km.filter(pl.col("_prev").is_not_null() & (pl.col("_prev") != pl.col("research_person_id"))).height
    return km.drop("_mk", "_prev"), changed


# ---------------------------------------------------------------------------------------------
# Entry point
# ---------------------------------------------------------------------------------------------

def link_persons(
    asc: pl.DataFrame,
    mh: pl.DataFrame,
    mode: Literal["tokens", "trusted"] = "tokens",
    previous_key_map: pl.DataFrame | None = None,
    previous_model: str | None = None,
    seed: int = 20240101,
    secret: bytes = b"",
    threshold: float = CROSS_SYSTEM_THRESHOLD,
    within_threshold: float = WITHIN_SYSTEM_THRESHOLD,
    max_records_per_nhs: int = 5,
    u_max_pairs: float = 5e5,
    previous_inputs: tuple[pl.DataFrame, pl.DataFrame] | None = None,
    previous_pairs: pl.DataFrame | None = None,
) -> LinkageResult:
    """Link ASC and MH person records (and duplicates within each) into research persons.

    `asc`/`mh`: token tables (mode tokens) or spines (mode trusted). `secret` keys the
    research_person_id derivation. Returns the key map (every input record exactly once), the
    Splink model as JSON (m/u, no records), counts-only stats, the m/u charts and the scored pairs.

    Next quarter: with `previous_model`, `previous_inputs` (last quarter's `asc`, `mh`) and
    `previous_pairs` (last quarter's `pairs`), only pairs involving a new or changed record are
    scored; pairs of two unchanged records keep last quarter's probability."""
    if not secret:
        raise ValueError("link_persons: a secret is required to derive research_person_id")
    stored = json.loads(previous_model) if previous_model else {}
    if not stored.get("comparisons"):
        previous_model = None  # "{}": a quarter with one system only trained no model; train afresh
    # A model trained under another design (an upgrade changed a comparison or a blocking rule,
    # or the mode was switched) would keep scoring by the old design for ever: train afresh.
    model_design_changed = bool(previous_model) and model_design(stored) != model_design(_settings(mode, 0.5))
    if model_design_changed:
        previous_model = None
    t_start = time.perf_counter()
    timings: dict[str, float] = {}
    features = _features(asc, mh, mode)
    n = features.height
    df, n_shared = _null_shared_nhs(features, max_records_per_nhs, 2)
    no_ident = df.select(pl.all_horizontal(pl.col(c).is_null() for c in _IDENT_COLS)).to_series()
    n_no_ident = int(no_ident.sum())

    t0 = time.perf_counter()
    det, n_conflict = _deterministic_pairs(df)
    timings["deterministic_s"] = round(time.perf_counter() - t0, 2)

    # Records with no identifier at all cannot be compared: they skip the model.
    model_df = df.filter(~no_ident)
    rescore, kept_pairs = None, None
    if previous_model and previous_inputs is not None and previous_pairs is not None:
        t0 = time.perf_counter()
        rescore = _changed_records(model_df, previous_inputs, mode, max_records_per_nhs,
                                   current_inputs=(asc, mh), current_features=features)
        unchanged = model_df.select("unique_id", "source", "source_person_id").filter(~pl.col("unique_id").is_in(rescore.implode()))
        kept_pairs = _carry_over(previous_pairs, unchanged)
        timings["changed_records_s"] = round(time.perf_counter() - t0, 2)
    if rescore is not None and rescore.len() == 0:
        prob_pairs, model_json, charts = kept_pairs, previous_model, {}
    elif model_df.height >= 2 and (rescore is not None or model_df["source"].n_unique() == 2):
        prob_pairs, model_json, charts = _run_splink(
            model_df, mode, previous_model, seed, det.height, predict_threshold=0.01,
            u_max_pairs=u_max_pairs, timings=timings, changed=rescore,
        )
        if kept_pairs is not None:
            prob_pairs = pl.concat([kept_pairs, prob_pairs.select(kept_pairs.columns)], how="vertical_relaxed")
    else:
        prob_pairs = pl.DataFrame(schema={"unique_id_l": pl.Int64, "unique_id_r": pl.Int64, "match_probability": pl.Float64})
        model_json, charts = (previous_model or "{}"), {}
    prob_pairs = _one_orientation(prob_pairs)

    edges = pl.concat([
        det.select(pl.col("a").cast(pl.Int64), pl.col("b").cast(pl.Int64), pl.lit(1.0).alias("p"), pl.lit(True).alias("det")),
        prob_pairs.select(
            pl.col("unique_id_l").cast(pl.Int64).alias("a"),
            pl.col("unique_id_r").cast(pl.Int64).alias("b"),
            # Rounded so tiny float differences between runs cannot reorder ties.
            pl.col("match_probability").round(9).alias("p"),
            pl.lit(False).alias("det"),
        ),
    ]).group_by("a", "b").agg(pl.col("p").max(), pl.col("det").any()).sort("a", "b")

    t1 = time.perf_counter()
    # Sources as small integers: the guard only tests them for equality, and a list of ints is
    # cheaper to build than one of strings.
    source_codes = df["source"].cast(pl.Categorical).to_physical().to_list()
    labels, refused, bridged = _cluster(n, edges.select("a", "b", "p"), source_codes, threshold, within_threshold)
    timings["cluster_s"] = round(time.perf_counter() - t1, 2)
    # Only ids from here on: joining the full feature frame would copy every list column.
    df = df.select("unique_id", "source", "source_person_id").with_columns(pl.Series("cluster", labels, dtype=pl.Int64))

    # Per record: best accepted edge inside its cluster (linked) or best candidate (unlinked).
    cl = df.select("unique_id", "cluster")
    e2 = edges.join(cl.rename({"unique_id": "a", "cluster": "ca"}), on="a").join(cl.rename({"unique_id": "b", "cluster": "cb"}), on="b")
    inside = e2.filter(pl.col("ca") == pl.col("cb"))
    per = pl.concat([inside.select(pl.col("a").alias("u"), "p", "det"), inside.select(pl.col("b").alias("u"), "p", "det")])
    per = per.group_by("u").agg(pl.col("p").max().alias("p_in"), pl.col("det").any().alias("det"))
    best = pl.concat([edges.select(pl.col("a").alias("u"), "p"), edges.select(pl.col("b").alias("u"), "p")]).group_by("u").agg(pl.col("p").max().alias("p_any"))
    size = df.group_by("cluster").agg(pl.len().alias("size"))
    df = (
        df.join(per, left_on="unique_id", right_on="u", how="left")
        .join(best, left_on="unique_id", right_on="u", how="left")
        .join(size, on="cluster", how="left")
    )
    df = df.with_columns(
        pl.when(pl.col("size") == 1).then(pl.lit("unlinked"))
        .when(pl.col("det").fill_null(False)).then(pl.lit("deterministic_nhs"))
        .otherwise(pl.lit("probabilistic")).alias("link_method"),
        pl.when(pl.col("size") == 1).then(pl.col("p_any")).otherwise(pl.col("p_in")).alias("match_probability"),
    )
    key = hmac.digest(secret, b"asc-linkage research person id v1", hashlib.sha256)
    t1 = time.perf_counter()
    km, changed = _assign_ids(df.select("unique_id", "source", "source_person_id", "cluster", "link_method", "match_probability", "size"),
                              key, previous_key_map)
    timings["assign_ids_s"] = round(time.perf_counter() - t1, 2)

    comp = km.group_by("research_person_id").agg(
        (pl.col("source") == "asc").sum().cast(pl.Int64).alias("na"), (pl.col("source") == "mh").sum().cast(pl.Int64).alias("nm")
    )
    # Each edge at the threshold of its kind: a pair of one system below `within_threshold` is no link.
    codes = np.asarray(source_codes)
    same_system = codes[edges["a"].to_numpy()] == codes[edges["b"].to_numpy()]
    n_edges_above = int((edges["p"].to_numpy() >= np.where(same_system, within_threshold, threshold)).sum())
    stats = {
        "n_asc_records": int((df["source"] == "asc").sum()),
        "n_mh_records": int((df["source"] == "mh").sum()),
        "n_records_no_identifiers": n_no_ident,
        "n_records_shared_nhs_nulled": n_shared,
        "n_deterministic_pairs": det.height,
        "n_records_nhs_conflict": n_conflict,
        "n_candidate_pairs_scored": prob_pairs.height,
        "n_records_rescored": model_df.height if rescore is None else rescore.len(),
        "n_pairs_carried_over": 0 if kept_pairs is None else kept_pairs.height,
        "n_edges_above_threshold": n_edges_above,
        "n_merges_refused_by_guard": refused,
        "n_merges_bridged": bridged,
        "n_research_persons": comp.height,
        "n_persons_in_both": int(((comp["na"] > 0) & (comp["nm"] > 0)).sum()),
        "n_persons_asc_only": int(((comp["na"] > 0) & (comp["nm"] == 0)).sum()),
        "n_persons_mh_only": int(((comp["na"] == 0) & (comp["nm"] > 0)).sum()),
        "n_asc_duplicate_records_merged": int((comp["na"] - 1).clip(lower_bound=0).sum()),
        "n_mh_duplicate_records_merged": int((comp["nm"] - 1).clip(lower_bound=0).sum()),
        "n_link_deterministic": int((km["link_method"] == "deterministic_nhs").sum()),
        "n_link_probabilistic": int((km["link_method"] == "probabilistic").sum()),
        "n_unlinked": int((km["link_method"] == "unlinked").sum()),
        "n_changed_ids": changed,
        "model_reused": bool(previous_model),
        "model_design_changed": model_design_changed,
        "mode": mode,
        "timings_s": {**timings, "total_s": round(time.perf_counter() - t_start, 2)},
    }
    # unique_id numbers the records in (source, source_person_id) order (`_features`), and a pair
    # is (smaller, larger) unique_id: sorting on the integers gives the order of sorting on the
    # strings, at a fraction of the cost.
    key_map = km.sort("unique_id").select(KEY_MAP_COLUMNS)
    ids = df.select("unique_id", "source", "source_person_id")
    pairs = (
        prob_pairs.sort("unique_id_l", "unique_id_r")
        .join(ids.rename(lambda c: f"{c}_l"), on="unique_id_l", maintain_order="left")
        .join(ids.rename(lambda c: f"{c}_r"), on="unique_id_r", maintain_order="left")
        .select(PAIR_COLUMNS)
    )
    return LinkageResult(key_map=key_map, model_settings_json=model_json, stats=stats, charts=charts, pairs=pairs)
