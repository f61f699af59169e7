import datetime as dt

import polars as pl

from asc_linkage.core.quality import (age_band_expr, linkage_quality, name_only_summary, namesake_pairs, pairwise_scores,
                                      probability_bands, recall_by_dob_evidence, recall_by_name_agreement,
                                      true_pair_evidence, wilson_interval)
from asc_linkage.core.reporting import long_form

D = dt.date


def _spine(source, ids, eth, sex):
    n = len(ids)
    return pl.DataFrame({
        "source": [source] * n, "source_person_id": ids, "sex": sex, "ethnic_group": eth,
        "date_of_birth": [D(1950, 6, 1)] * n, "dob_flag": ["ok"] * n, "imd_decile": [1, 10, None][:n] + [None] * max(0, n - 3),
        "nhs_number": ["9434765919"] * n, "postcode": ["SE5 8AZ"] * n, "postcode_history": [["SE5 8AZ"]] * n,
    })


def test_pairwise_scores_cross_and_duplicates():
    truth = pl.DataFrame({"true_person_id": [1, 1, 1, 2, 2, 3], "source": ["asc", "asc", "mh", "asc", "mh", "mh"],
                          "source_person_id": ["a1", "a2", "m1", "a3", "m2", "m3"]})
    km = pl.DataFrame({"source": ["asc", "asc", "mh", "asc", "mh", "mh"], "source_person_id": ["a1", "a2", "m1", "a3", "m2", "m3"],
                       "research_person_id": ["R1", "R9", "R1", "R2", "R2", "R2"]})
    sc = pairwise_scores(km, truth)
    # true cross pairs: a1-m1, a2-m1, a3-m2 (3); predicted: a1-m1, a3-m2, a3-m3 (3); tp 2
    assert sc["cross_true_pairs"] == 3 and sc["cross_predicted_pairs"] == 3 and sc["cross_true_positive_pairs"] == 2
    assert abs(sc["cross_precision"] - 2 / 3) < 1e-9 and abs(sc["cross_recall"] - 2 / 3) < 1e-9
    assert sc["dup_asc_recall"] == 0.0 and sc["dup_mh_precision"] == 0.0


def test_report_tables_and_no_identifiers():
    asc = _spine("asc", ["a1", "a2", "a3"], ["White", "Black", "Asian"], ["Male", "Female", "Male"])
    mh = _spine("mh", ["m1", "m2"], ["White", "Black"], ["Male", "Female"])
    km = pl.DataFrame({"source": ["asc", "asc", "asc", "mh", "mh"], "source_person_id": ["a1", "a2", "a3", "m1", "m2"],
                       "research_person_id": ["RPAAAAAAAAAAAA", "RPBBBBBBBBBBBB", "RPCCCCCCCCCCCC", "RPAAAAAAAAAAAA", "RPDDDDDDDDDDDD"],
                       "link_method": ["deterministic_nhs", "unlinked", "unlinked", "deterministic_nhs", "unlinked"],
                       "match_probability": [1.0, None, None, 1.0, None]})
    truth = pl.DataFrame({"true_person_id": [1, 2, 3, 1, 2], "source": km["source"], "source_person_id": km["source_person_id"]})
    rep = linkage_quality(km, asc, mh, truth, as_of=D(2025, 6, 30))
    eth = rep.tables["match_rate_by_ethnic_group"].filter(pl.col("source") == "asc")
    assert dict(zip(eth["ethnic_group"], eth["match_rate"])) == {"Asian": 0.0, "Black": 0.0, "White": 1.0}
    # One record a group: the 95% interval of a rate of 0 or 1 from one record spans most of [0, 1].
    assert dict(zip(eth["ethnic_group"], eth["match_rate_low"])) == {"Asian": 0.0, "Black": 0.0, "White": 0.2065}
    assert dict(zip(eth["ethnic_group"], eth["match_rate_high"])) == {"Asian": 0.7935, "Black": 0.7935, "White": 1.0}
    rec = rep.tables["recall_by_ethnic_group"]
    assert dict(zip(rec["ethnic_group"], rec["recall"])) == {"Black": 0.0, "White": 1.0}
    assert rec["name_only_persons"].to_list() == [0, 0] and rec["recall_other_persons"].to_list() == [0.0, 1.0]
    assert rep.tables["name_only_pairs"]["name_only_pairs"].to_list() == [0]
    assert "match_rate_by_imd_quintile" in rep.tables and "linked_vs_unlinked" in rep.tables
    # The asset's long table: each figure once, linked and unlinked rows told apart.
    assert not long_form(rep.tables).select("section", "group", "measure").is_duplicated().any()
    for ident in ["a1", "m2", "RPAAAAAAAAAAAA", "SE5 8AZ", "9434765919"]:
        assert ident not in rep.markdown
        assert ident not in str(rep.figures)
    # Pair counts read as counts, rates to four places.
    assert "| cross_true_pairs | 2 |" in rep.markdown and "| cross_recall | 0.5000 |" in rep.markdown


def test_identifier_completeness_by_group_needs_no_truth():
    """Four Black records: one full DOB, two 1 January ones, one missing; one NHS number; the
    missing-DOB record has no postcode at all, another one only in its history."""
    asc = _spine("asc", ["a1", "a2", "a3", "a4"], ["Black"] * 4, ["Male"] * 4).with_columns(
        pl.Series("dob_flag", ["ok", "jan1", "jan1", "missing"]),
        pl.Series("nhs_number", ["9434765919", None, None, None]),
        pl.Series("postcode", ["SE5 8AZ", None, "SE5 8AZ", None]),
        pl.Series("postcode_history", [["SE5 8AZ"], ["SE5 8AZ"], ["SE5 8AZ"], []]))
    mh = _spine("mh", ["m1"], ["White"], ["Male"])
    km = pl.DataFrame({"source": ["asc"] * 4 + ["mh"], "source_person_id": ["a1", "a2", "a3", "a4", "m1"],
                       "research_person_id": ["R1", "R2", "R3", "R4", "R5"], "link_method": ["unlinked"] * 5,
                       "match_probability": [None] * 5})
    rep = linkage_quality(km, asc, mh, as_of=D(2025, 6, 30))  # no ground truth
    got = rep.tables["identifier_completeness_by_ethnic_group"].filter(pl.col("source") == "asc").row(0, named=True)
    assert got == {"source": "asc", "ethnic_group": "Black", "records": 4, "share_valid_nhs": 0.25, "share_full_dob": 0.25,
                   "share_dob_year_only": 0.5, "share_dob_missing_or_unusable": 0.25, "share_postcode": 0.75}
    assert "Identifier completeness by broad ethnic group" in rep.markdown and "SE5 8AZ" not in rep.markdown
    unlinked = rep.tables["linked_vs_unlinked"].filter(pl.col("source") == "asc")
    assert unlinked["share_full_dob"].to_list() == [0.25]


def test_recall_by_dob_evidence_separates_year_only_and_missing_dates():
    """Three persons in both systems: full DOBs on both sides (linked), a 1 January DOB on the
    council's side (not linked) and no DOB on the trust's side (not linked); two council records
    of the first person, one with a 1 January DOB (linked)."""
    asc = _spine("asc", ["a1", "a1b", "a2", "a3"], ["White"] * 4, ["Male"] * 4).with_columns(
        pl.Series("dob_flag", ["ok", "jan1", "jan1", "ok"]))
    mh = _spine("mh", ["m1", "m2", "m3"], ["White"] * 3, ["Male"] * 3).with_columns(
        pl.Series("dob_flag", ["ok", "ok", "missing"]), pl.Series("date_of_birth", [D(1950, 6, 1), D(1950, 6, 1), None]))
    km = pl.DataFrame({"source": ["asc"] * 4 + ["mh"] * 3, "source_person_id": ["a1", "a1b", "a2", "a3", "m1", "m2", "m3"],
                       "research_person_id": ["R1", "R1", "R2", "R3", "R1", "R5", "R6"]})
    truth = pl.DataFrame({"true_person_id": ["P1", "P1", "P2", "P3", "P1", "P2", "P3"], "source": km["source"],
                          "source_person_id": km["source_person_id"]})
    got = {(r["kind"], r["dob_evidence"]): (r["true_pairs"], r["linked_pairs"])
           for r in recall_by_dob_evidence(true_pair_evidence(km, truth, asc, mh)).iter_rows(named=True)}
    assert got == {("asc", "year only on a side"): (1, 1), ("cross", "full on both sides"): (1, 1),
                   ("cross", "year only on a side"): (2, 1), ("cross", "missing or unusable on a side"): (1, 0)}


def _named(spine: pl.DataFrame, names: list[tuple[str | None, str | None]]) -> pl.DataFrame:
    """`spine` with standardised forename, nickname group (the forename's own) and surname."""
    return spine.with_columns(pl.Series("forename", [f for f, _ in names], dtype=pl.String),
                              pl.Series("forename_nick", [f for f, _ in names], dtype=pl.String),
                              pl.Series("surname", [s for _, s in names], dtype=pl.String))


def test_recall_by_name_agreement_tells_another_name_from_a_spelling():
    """Seven persons in both systems, each a council and a trust record: names equal; spellings
    alike in sound (SMYTH, SMITH) and in letters only (ELIZAHETH, ELIZABETH: phonetic keys and
    Soundex differ, bigram Dice 0.8); a second forename used by the trust only (KEMI, KAREN); a
    surname changed at marriage; forename and surname swapped; no forename on the trust's side;
    a forename one letter apart (KEMI, KEHI: Dice 0.6, the model's one-letter level). The first
    three and the last are linked."""
    asc_names = [("JOHN", "SMITH"), ("ELIZAHETH", "SMYTH"), ("KEMI", "AFOLABI"), ("GLORIA", "MCKENZIE"), ("WEI", "ZHANG"), ("ANNA", "NOWAK"),
                 ("KEMI", "ADEYEMI")]
    mh_names = [("JOHN", "SMITH"), ("ELIZABETH", "SMITH"), ("KAREN", "AFOLABI"), ("GLORIA", "DACRES"), ("ZHANG", "WEI"), (None, "NOWAK"),
                ("KEHI", "ADEYEMI")]
    ids = [str(i) for i in range(1, 8)]
    asc = _named(_spine("asc", [f"a{i}" for i in ids], ["Black"] * 7, ["Female"] * 7), asc_names)
    mh = _named(_spine("mh", [f"m{i}" for i in ids], ["Black"] * 7, ["Female"] * 7), mh_names)
    km = pl.DataFrame({"source": ["asc"] * 7 + ["mh"] * 7, "source_person_id": [f"a{i}" for i in ids] + [f"m{i}" for i in ids],
                       "research_person_id": ["R1", "R2", "R3", "R4", "R5", "R6", "R7", "R1", "R2", "R3", "X4", "X5", "X6", "R7"]})
    truth = pl.DataFrame({"true_person_id": ids * 2, "source": km["source"], "source_person_id": km["source_person_id"]})
    got = {r["name_agreement"]: (r["true_pairs"], r["linked_pairs"])
           for r in recall_by_name_agreement(true_pair_evidence(km, truth, asc, mh)).iter_rows(named=True)}
    assert got == {"both agree": (3, 3), "forename differs": (1, 1), "surname differs": (1, 0), "swapped": (1, 0),
                   "a name missing on a side": (1, 0)}
    km = km.with_columns(pl.lit("probabilistic").alias("link_method"), pl.lit(0.99).alias("match_probability"))
    rep = linkage_quality(km, asc, mh, truth, as_of=D(2025, 6, 30))
    black = rep.tables["cross_pair_evidence_by_ethnic_group"].row(0, named=True)
    # Full evidence: the three pairs whose names agree (linked) and the swapped one (not linked).
    assert black == {"ethnic_group": "Black", "true_pairs": 7, "recall": round(4 / 7, 4), "full_evidence_pairs": 4,
                     "recall_full_evidence": 0.75, "recall_weaker_evidence": round(1 / 3, 4), "share_weaker_evidence": round(3 / 7, 4),
                     "share_name_only": 0.0, "share_dob_year_only": 0.0,
                     "share_dob_missing": 0.0, "share_forename_differs": round(1 / 7, 4),
                     "share_surname_differs": round(1 / 7, 4), "share_names_swapped": round(1 / 7, 4)}
    for name in ("KEMI", "KAREN", "DACRES", "NOWAK"):
        assert name not in rep.markdown


def test_name_only_pairs_bound_the_recall():
    """A pair whose records share no comparable identifier beyond names and sex is name-only, even
    when each side alone holds some identifier; one comparable field on both sides is enough."""
    asc = _spine("asc", ["a1", "a2", "a3", "a4"], ["White", "Black", "Black", "White"], ["Male"] * 4).with_columns(
        nhs_number=pl.Series([None, None, None, "9434765919"]),
        date_of_birth=pl.Series([None, D(1950, 6, 1), None, None]),
        postcode=pl.Series([None, None, "SE5 8AZ", None]), postcode_history=pl.Series([None, None, ["SE5 8AZ"], None]))
    mh = _spine("mh", ["m1", "m2", "m3", "m4"], ["White", "Black", "Black", "White"], ["Male"] * 4)
    truth = pl.DataFrame({"true_person_id": [1, 2, 3, 4, 1, 2, 3, 4], "source": ["asc"] * 4 + ["mh"] * 4,
                          "source_person_id": ["a1", "a2", "a3", "a4", "m1", "m2", "m3", "m4"]})
    # Person 1 is name-only (no NHS, DOB or postcode on the council side) and unlinked; 2 and 3 share
    # a DOB or a postcode; 4 shares the NHS number. Persons 2 and 4 are linked.
    km = truth.select("source", "source_person_id", pl.format("RP{}", pl.col("true_person_id")).alias("research_person_id"))
    km = km.with_columns(pl.when(pl.col("source_person_id").is_in(["a1", "a3"])).then(pl.lit("RPX") + pl.col("source_person_id"))
                         .otherwise(pl.col("research_person_id")).alias("research_person_id"))
    pairs = true_pair_evidence(km, truth, asc, mh)
    assert pairs.sort("true_person_id")["name_only"].to_list() == [True, False, False, False]
    summary = name_only_summary(pairs).row(0, named=True)
    assert summary == {"kind": "cross", "true_pairs": 4, "name_only_pairs": 1, "name_only_linked": 0, "recall_other_pairs": 2 / 3,
                       "recall_ceiling": 3 / 4}


def test_namesake_pairs_count_same_person_among_name_only_pairs():
    """Name-only pairs agreeing on full name and sex, banded by how many records carry the name;
    a pair with a comparable DOB, or of two records that both hold every identifier, is not one."""
    def spine(source, rows):
        return pl.DataFrame(rows, schema={"source_person_id": pl.String, "forename": pl.String, "surname": pl.String, "sex": pl.String,
                                          "nhs_number": pl.String, "date_of_birth": pl.Date, "postcode": pl.String},
                            orient="row").with_columns(pl.lit(source).alias("source"),
                                                       pl.concat_list("postcode").list.drop_nulls().alias("postcode_history"))
    full = ("9434765919", D(1950, 6, 1), "SE5 8AZ")
    asc = spine("asc", [("a1", "JOHN", "SMITH", "Male", None, None, None),
                        ("a2", "JANE", "DOE", "Female", None, D(1960, 1, 2), None),
                        ("a3", "ANN", "LEE", "Female", None, None, None)])
    mh = spine("mh", [("m1", "JOHN", "SMITH", "Male", *full), ("m2", "JOHN", "SMITH", "Male", "6716689966", D(1970, 2, 3), "N1 1AA"),
                      ("m3", "JANE", "DOE", "Female", "4010232137", D(1960, 1, 2), "E1 6AN"), ("m4", "ANN", "LEE", "Female", *full)])
    truth = pl.DataFrame({"true_person_id": ["p1", "p2", "p3", "p1", "p4", "p2", "p3"], "source": ["asc"] * 3 + ["mh"] * 4,
                          "source_person_id": ["a1", "a2", "a3", "m1", "m2", "m3", "m4"]})
    out = namesake_pairs(truth, asc, mh)
    assert out.to_dicts() == [{"records_with_name": "2", "pairs": 1, "same_person": 1, "share_same_person": 1.0},
                              {"records_with_name": "3-5", "pairs": 2, "same_person": 1, "share_same_person": 0.5}]


def test_age_bands():
    df = pl.DataFrame({"d": [D(2010, 1, 1), D(2000, 7, 15), D(1970, 1, 1), D(1925, 1, 1), None]})
    assert df.select(age_band_expr("d", D(2025, 6, 30)).alias("b"))["b"].to_list() == ["Under 18", "18-24", "45-64", "95+", "Unknown"]


def test_probability_bands_count_scored_pairs_by_type_band_link_and_truth():
    """Each scored pair lands in one band of its pair type; `linked` follows the key map (a pair
    above the threshold the guard refused is not linked), `same_person_pairs` the ground truth."""
    pairs = pl.DataFrame({
        "source_l": ["asc", "asc", "asc", "asc", "mh", "asc"],
        "source_person_id_l": ["a1", "a2", "a3", "a1", "m1", "a4"],
        "source_r": ["mh", "mh", "mh", "asc", "mh", "mh"],
        "source_person_id_r": ["m1", "m2", "m3", "a2", "m2", "m3"],
        "match_probability": [0.9999, 0.97, 0.6, 0.96, 0.2, 0.999],
    })
    km = pl.DataFrame({"source": ["asc"] * 4 + ["mh"] * 3, "source_person_id": ["a1", "a2", "a3", "a4", "m1", "m2", "m3"],
                       "research_person_id": ["R1", "R2", "R3", "R4", "R1", "R2", "R5"]})
    truth = pl.DataFrame({"source": km["source"], "source_person_id": km["source_person_id"],
                          "true_person_id": [1, 2, 3, 4, 1, 2, 3]})
    bands = probability_bands(pairs, km, truth)
    rows = {(r["pair_type"], r["band"]): r for r in bands.iter_rows(named=True)}
    assert set(rows) == {("cross-system", "0.999-1.000"), ("cross-system", "0.950-0.990"), ("cross-system", "0.500-0.800"),
                         ("council duplicates", "0.950-0.990"), ("trust duplicates", "0.000-0.500")}
    assert bands["candidate_pairs"].sum() == pairs.height
    top = rows[("cross-system", "0.999-1.000")]  # a1-m1 (linked, same person) and a4-m3 (refused, not the same)
    assert (top["candidate_pairs"], top["linked_pairs"], top["same_person_pairs"], top["share_same_person"]) == (2, 1, 1, 0.5)
    low = rows[("cross-system", "0.500-0.800")]  # a3-m3: same person, left unlinked
    assert (low["linked_pairs"], low["same_person_pairs"]) == (0, 1)
    assert rows[("council duplicates", "0.950-0.990")]["linked_pairs"] == 0
    assert "same_person_pairs" not in probability_bands(pairs, km).columns


def test_report_has_the_probability_bands_when_given_pairs():
    asc = _spine("asc", ["a1"], ["White"], ["Male"])
    mh = _spine("mh", ["m1"], ["White"], ["Male"])
    km = pl.DataFrame({"source": ["asc", "mh"], "source_person_id": ["a1", "m1"], "research_person_id": ["RPA", "RPA"],
                       "link_method": ["probabilistic"] * 2, "match_probability": [0.99, 0.99]})
    pairs = pl.DataFrame({"source_l": ["asc"], "source_person_id_l": ["a1"], "source_r": ["mh"], "source_person_id_r": ["m1"],
                          "match_probability": [0.99]})
    rep = linkage_quality(km, asc, mh, as_of=D(2025, 6, 30), pairs=pairs)
    assert rep.tables["probability_bands"].row(0, named=True) == {
        "pair_type": "cross-system", "band": "0.990-0.999", "candidate_pairs": 1, "linked_pairs": 1}
    assert "Scored candidate pairs by match probability" in rep.markdown and "a1" not in rep.markdown
    assert "probability_bands" not in linkage_quality(km, asc, mh, as_of=D(2025, 6, 30)).tables


def test_wilson_interval_matches_published_values():
    """Newcombe (1998), Statistics in Medicine 17:857, table I: 81/263, 15/148, 0/20 and 1/29."""
    df = pl.DataFrame({"k": [81, 15, 0, 1, 0], "n": [263, 148, 20, 29, 0]})
    low, high = wilson_interval("k", "n")
    got = df.select(low.alias("low"), high.alias("high"))
    assert [round(v, 4) for v in got["low"].to_list()[:4]] == [0.2553, 0.0624, 0.0, 0.0061]
    assert [round(v, 4) for v in got["high"].to_list()[:4]] == [0.3662, 0.1605, 0.1611, 0.1718]
    assert got.row(4) == (None, None)  # no trials: no interval


def test_report_gives_the_ethnic_recall_gap_with_its_interval():
    """Two known groups of 40 true cross-system persons: all White persons linked, 36 of 40 Black."""
    ids = [f"{s}{i}" for s in ("w", "b") for i in range(40)]
    eth = ["White"] * 40 + ["Black"] * 40
    asc = _spine("asc", [f"a{i}" for i in ids], eth, ["Male"] * 80)
    mh = _spine("mh", [f"m{i}" for i in ids], eth, ["Male"] * 80)
    truth = pl.DataFrame({"true_person_id": ids * 2, "source": ["asc"] * 80 + ["mh"] * 80,
                          "source_person_id": [f"a{i}" for i in ids] + [f"m{i}" for i in ids]})
    unlinked = {"mb0", "mb1", "mb2", "mb3"}
    km = truth.with_columns(pl.when(pl.col("source_person_id").is_in(list(unlinked))).then(pl.lit("RX") + pl.col("source_person_id"))
                            .otherwise(pl.lit("R") + pl.col("true_person_id")).alias("research_person_id"),
                            pl.lit("probabilistic").alias("link_method"), pl.lit(0.99).alias("match_probability")).drop("true_person_id")
    rep = linkage_quality(km, asc, mh, truth, as_of=D(2025, 6, 30))
    rec = {r["ethnic_group"]: r for r in rep.tables["recall_by_ethnic_group"].iter_rows(named=True)}
    assert rec["Black"]["recall"] == 0.9 and rec["White"]["recall"] == 1.0
    assert rec["Black"]["recall_low"] < 0.9 < rec["Black"]["recall_high"] and rec["White"]["recall_high"] == 1.0
    gap = rep.tables["ethnic_recall_gap"].row(0, named=True)
    assert (gap["best_group"], gap["worst_group"]) == ("White", "Black") and abs(gap["gap"] - 0.1) < 1e-12
    # 4 of 40 unlinked: a 10 pp gap that could still be chance (lower end below 0), or as wide as 23 pp.
    assert -0.01 < gap["gap_low"] < 0.0 and 0.2 < gap["gap_high"] < 0.25
    assert "Gap in recall between the best- and worst-linked" in rep.markdown


def test_recall_groups_take_the_other_systems_value_when_the_council_lacks_it():
    """A person's group is the council record's, or the trust record's where the council's is
    Unknown; recall is also given by sex and age band together and by IMD quintile."""
    asc = _spine("asc", ["a1", "a2"], ["Unknown", "White"], ["Male", "Female"])
    mh = _spine("mh", ["m1", "m2"], ["Black", "Asian"], ["Male", "Female"])
    truth = pl.DataFrame({"true_person_id": [1, 2, 1, 2], "source": ["asc", "asc", "mh", "mh"],
                          "source_person_id": ["a1", "a2", "m1", "m2"]})
    km = truth.select("source", "source_person_id", pl.format("R{}", pl.col("true_person_id")).alias("research_person_id"),
                      pl.lit("deterministic_nhs").alias("link_method"), pl.lit(1.0).alias("match_probability"))
    rep = linkage_quality(km, asc, mh, truth, as_of=D(2025, 6, 30))
    assert rep.tables["recall_by_ethnic_group"]["ethnic_group"].to_list() == ["Black", "White"]
    assert rep.tables["recall_by_sex_and_age_band"]["sex_and_age_band"].to_list() == ["Female 75-84", "Male 75-84"]
    assert rep.tables["recall_by_imd_quintile"]["imd_quintile"].to_list() == ["1", "5"]
