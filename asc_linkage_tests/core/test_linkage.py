"""Linkage on a small generated world (hand-rolled here so the test does not depend on synth)."""
import datetime as dt
import hashlib
import hmac
import json
import random
import re

import polars as pl
import pytest

from asc_linkage.core.frames import _unchanged_value_by_value
from asc_linkage.core.linkage import (KEY_MAP_COLUMNS, PAIR_COLUMNS, _assign_ids, _changed_records, _cluster, _features,
                                      _null_shared_nhs, _rpid, link_persons)
from asc_linkage.core.quality import pairwise_scores
from asc_linkage.core.spine import build_asc_spine, build_mh_spine
from asc_linkage.core.staging import stage_asc_events
from asc_linkage.core.tokens import BLOOM_COLUMNS, FEATURES, TRUSTED_EXTRA, make_link_tokens

SECRET = b"test-secret"
FN = ["John","Mary","Mohammed","Fatima","Oluwaseun","Chen","Aisha","William","Margaret","Robert","Elizabeth","Kwame","Priya","Tomasz","Siobhan","Ahmed","Grace","James","Sarah","Daniel"]
SN = ["Smith","Jones","Khan","Begum","Okafor","Wang","Ali","Brown","Taylor","Nowak","Murphy","Patel","Williams","Mensah","Hussain","Davies","Evans","Smith-Jones","Adeyemi","Chowdhury"]
NICK = {"William":"Bill","Margaret":"Peggy","Robert":"Bob","Elizabeth":"Liz","James":"Jim"}

def nhs_valid(rng):
    while True:
        d = [rng.randint(0,9) for _ in range(9)]
        c = 11 - sum(x*(10-i) for i,x in enumerate(d)) % 11
        c = 0 if c == 11 else c
        if c != 10:
            return "".join(map(str,d)) + str(c)

def make_world(n=300, seed=1):
    rng = random.Random(seed)
    people = []
    for i in range(n):
        people.append(dict(tid=i, fn=rng.choice(FN), sn=rng.choice(SN)+("" if rng.random()<.7 else rng.choice(["","x","y"])),
            dob=dt.date(1930,1,1)+dt.timedelta(days=rng.randint(0,25000)), sex=rng.choice(["Male","Female"]),
            nhs=nhs_valid(rng), pc=f"SE{rng.randint(1,27)} {rng.randint(1,9)}{rng.choice('ABDEFG')}{rng.choice('HJLNPQ')}"))
    asc_rows, mh_rows, truth = [], [], []
    for p in people:
        def noisy(p):
            fn, sn, dob, nhs, pc = p["fn"], p["sn"], p["dob"], p["nhs"], p["pc"]
            r = rng.random()
            if r < .1: fn = NICK.get(fn, fn)
            elif r < .15: fn, sn = sn, fn
            if rng.random() < .05 and dob.day <= 12: dob = dt.date(dob.year, dob.day, dob.month)
            if rng.random() < .3: nhs = None
            return fn, sn, dob, nhs, pc
        if rng.random() < .7:
            for k in range(1 + (rng.random() < .05)):
                fn, sn, dob, nhs, pc = noisy(p)
                spid = f"A{p['tid']:05d}{k}"
                truth.append((p["tid"], "asc", spid))
                for e in range(2):
                    asc_rows.append(dict(la_code="210", nhs_number=nhs, la_person_unique_identifier=spid, first_name=fn, last_name=sn,
                        gender=p["sex"], ethnicity="White: Irish", date_of_birth=dob, date_of_death=None, postcode=pc,
                        event_type="Service", event_reference=f"E{spid}{e}", event_start_date=dt.date(2024,1,1)+dt.timedelta(days=e*30),
                        event_end_date=None, client_type="Service user", service_type="Long term support: Community", service_component="Day support",
                        event_outcome=None, request_route_of_access=None, assessment_type=None, _quarter="2025-Q1", _row_number=len(asc_rows)+1))
        if rng.random() < .6:
            for k in range(1 + (rng.random() < .05)):
                fn, sn, dob, nhs, pc = noisy(p)
                spid = f"M{p['tid']:05d}{k}"
                truth.append((p["tid"], "mh", spid))
                mh_rows.append(dict(patient_id=spid, nhs_number=nhs, nhs_number_status="01", forename=fn, surname=sn, date_of_birth=dob,
                    gender={"Male":"1","Female":"2"}[p["sex"]], ethnic_category="B", postcode=pc, date_of_death=None))
    # person with nothing
    mh_rows.append(dict(patient_id="MNONE", nhs_number=None, nhs_number_status="07", forename=None, surname=None, date_of_birth=None, gender=None, ethnic_category=None, postcode=None, date_of_death=None))
    truth.append((10**6, "mh", "MNONE"))
    return (pl.DataFrame(asc_rows, infer_schema_length=None), pl.DataFrame(mh_rows, infer_schema_length=None),
            pl.DataFrame(truth, schema=["true_person_id","source","source_person_id"], orient="row"))


@pytest.fixture(scope="module")
def world():
    a, m, truth = make_world(200, seed=3)
    sa, sm = build_asc_spine(stage_asc_events(a)), build_mh_spine(m)
    return sa, sm, truth


@pytest.fixture(scope="module")
def tokens_run(world):
    sa, sm, _ = world
    ta, tm = make_link_tokens(sa, SECRET), make_link_tokens(sm, SECRET)
    return ta, tm, link_persons(ta, tm, mode="tokens", secret=SECRET, seed=7)


def test_key_map_complete_and_accurate(world, tokens_run):
    sa, sm, truth = world
    _, _, res = tokens_run
    km = res.key_map
    assert km.columns == KEY_MAP_COLUMNS
    assert km.height == sa.height + sm.height
    assert km.select(pl.struct("source", "source_person_id").is_unique().all()).item()
    assert all(re.fullmatch(r"RP[0-9A-F]{12}", r) for r in km["research_person_id"])
    assert set(km["link_method"]) <= {"deterministic_nhs", "probabilistic", "unlinked"}
    sc = pairwise_scores(km, truth)
    assert sc["cross_precision"] >= 0.99 and sc["cross_recall"] >= 0.97
    assert sc["dup_asc_recall"] >= 0.9 and sc["dup_mh_recall"] >= 0.9
    # the person with no identifiers is kept, unlinked, counted
    none = km.filter(pl.col("source_person_id") == "MNONE").row(0, named=True)
    assert none["link_method"] == "unlinked"
    assert res.stats["n_records_no_identifiers"] == 1
    # stats are counts only; the model and charts carry no record values
    for v in res.stats.values():
        assert isinstance(v, (int, float, bool, str, dict))
    blob = res.model_settings_json + str(res.charts)
    for name in sa["surname"].drop_nulls().unique().to_list()[:20]:
        assert name not in blob


def test_trusted_mode_agrees(world, tokens_run):
    sa, sm, truth = world
    res = link_persons(sa, sm, mode="trusted", secret=SECRET, seed=7)
    f_trusted = pairwise_scores(res.key_map, truth)["cross_f1"]
    f_tokens = pairwise_scores(tokens_run[2].key_map, truth)["cross_f1"]
    assert abs(f_trusted - f_tokens) <= 0.02


def test_model_reuse_and_stable_ids(tokens_run):
    ta, tm, res = tokens_run
    again = link_persons(ta, tm, mode="tokens", secret=SECRET, seed=7, previous_model=res.model_settings_json, previous_key_map=res.key_map)
    assert again.stats["model_reused"] and again.stats["n_changed_ids"] == 0
    assert again.key_map.equals(res.key_map) or again.key_map["research_person_id"].equals(res.key_map["research_person_id"])
    # a quarter later with a record gone keeps everyone else's id
    ta2 = ta.filter(pl.col("source_person_id") != ta["source_person_id"][0])
    nxt = link_persons(ta2, tm, mode="tokens", secret=SECRET, previous_model=res.model_settings_json, previous_key_map=res.key_map)
    joined = nxt.key_map.join(res.key_map, on=["source", "source_person_id"], suffix="_prev")
    assert (joined["research_person_id"] == joined["research_person_id_prev"]).mean() > 0.99


def test_deterministic_on_same_input():
    a, m, _ = make_world(60, seed=11)
    sa, sm = build_asc_spine(stage_asc_events(a)), build_mh_spine(m)
    r1 = link_persons(make_link_tokens(sa, SECRET), make_link_tokens(sm, SECRET), secret=SECRET, seed=1)
    r2 = link_persons(make_link_tokens(sa.reverse(), SECRET), make_link_tokens(sm.reverse(), SECRET), secret=SECRET, seed=1)
    assert r1.key_map.equals(r2.key_map)
    assert r1.model_settings_json == r2.model_settings_json


def test_cluster_guard_refuses_chaining_two_records_of_one_source():
    # 0 (asc) ~ 1 (mh) ~ 2 (asc): the two ASC records have no strong link of their own
    edges = pl.DataFrame({"a": [0, 1], "b": [1, 2], "p": [0.99, 0.98]})
    labels, refused, bridged = _cluster(3, edges, ["asc", "mh", "asc"], 0.9, 0.95)
    assert labels == [0, 0, 2] and refused == 1 and bridged == 0
    edges = pl.DataFrame({"a": [0, 1, 0], "b": [1, 2, 2], "p": [0.99, 0.98, 0.97]})
    labels, refused, bridged = _cluster(3, edges, ["asc", "mh", "asc"], 0.9, 0.95)
    assert labels == [0, 0, 0] and refused == 0


def test_cluster_guard_accepts_two_records_of_one_source_bridged_by_a_near_certain_record_of_the_other():
    # 0 (asc, NHS number) = 1 (mh) for certain; 2 (asc, no NHS number, no postcode) matches 1 at
    # 0.9995 but compares weakly with 0 (0.5): both links to 1 would have to be wrong.
    edges = pl.DataFrame({"a": [0, 1, 0], "b": [1, 2, 2], "p": [1.0, 0.9995, 0.5]})
    labels, refused, bridged = _cluster(3, edges, ["asc", "mh", "asc"], 0.95, 0.95)
    assert labels == [0, 0, 0] and refused == 0 and bridged == 1
    # The chance both links are right is their product: 1.0 and 0.997 bridge, 0.997 and 0.997
    # (0.994) do not, and below the bridge probability the weak same-source pair blocks the merge.
    for p01, p12, merged in ((1.0, 0.997, True), (0.997, 0.997, False), (1.0, 0.99, False)):
        edges = pl.DataFrame({"a": [0, 1, 0], "b": [1, 2, 2], "p": [p01, p12, 0.5]})
        labels, refused, bridged = _cluster(3, edges, ["asc", "mh", "asc"], 0.95, 0.95)
        assert (labels, refused, bridged) == (([0, 0, 0], 0, 1) if merged else ([0, 0, 2], 1, 0)), (p01, p12)
    # A bridge needs both records linked to one record of the other source: 2 and 3 are two
    # council records each near-certain with a different trust record, and 1 = 3 is weak.
    edges = pl.DataFrame({"a": [0, 2, 1], "b": [1, 3, 3], "p": [1.0, 1.0, 0.96]})
    labels, refused, bridged = _cluster(4, edges, ["asc", "mh", "mh", "asc"], 0.95, 0.95)
    assert labels == [0, 0, 2, 2] and refused == 1 and bridged == 0


def test_shared_and_conflicting_nhs_are_not_link_keys():
    d = dt.date(1970, 5, 6)
    rows = []
    for i in range(8):  # one placeholder-like number on eight different people
        rows.append({"patient_id": f"M{i}", "nhs_number": "9434765919", "forename": f"Name{chr(65 + i)}x", "surname": f"Sur{chr(70 + i)}y",
                     "date_of_birth": dt.date(1940 + i, 1 + i, 2 + i), "gender": "1", "ethnic_category": "A", "postcode": f"E{i + 1} 1AA", "date_of_death": None})
    asc = pl.DataFrame([{"la_person_unique_identifier": "A1", "first_name": "Alpha", "last_name": "Beta", "nhs_number": "6716689966", "gender": "Female",
                         "ethnicity": "White: Irish", "date_of_birth": d, "date_of_death": None, "postcode": "N1 1AA", "event_start_date": d}],
                       schema_overrides={"date_of_death": pl.Date})
    rows.append({"patient_id": "M9", "nhs_number": "6716689966", "forename": "Gamma", "surname": "Delta", "date_of_birth": dt.date(1990, 1, 1),
                 "gender": "1", "ethnic_category": "A", "postcode": "W1 1AA", "date_of_death": None})
    mh = pl.DataFrame(rows, schema_overrides={"date_of_death": pl.Date})
    res = link_persons(build_asc_spine(asc), build_mh_spine(mh), mode="trusted", secret=SECRET)
    assert res.stats["n_deterministic_pairs"] == 0
    assert res.stats["n_records_nhs_conflict"] == 2
    assert res.key_map["research_person_id"].n_unique() == res.key_map.height


def test_assign_ids_split_gets_fresh_unique_id():
    key = b"k" * 32
    prev_km = pl.DataFrame({"source": ["asc", "asc", "mh"], "source_person_id": ["a", "b", "c"], "cluster": [0, 0, 0]})
    prev, _ = _assign_ids(prev_km, key, None)
    split = pl.DataFrame({"source": ["asc", "asc", "mh"], "source_person_id": ["a", "b", "c"], "cluster": [0, 1, 1]})
    now, changed = _assign_ids(split, key, prev.select("source", "source_person_id", "research_person_id"))
    assert now["research_person_id"].n_unique() == 2 and changed == 1
    assert now.filter(pl.col("source_person_id") == "c")["research_person_id"][0] == prev["research_person_id"][0]


def test_next_quarter_rescores_only_new_or_changed_records(tokens_run):
    ta, tm, res = tokens_run
    reuse = dict(mode="tokens", secret=SECRET, previous_model=res.model_settings_json, previous_key_map=res.key_map,
                 previous_inputs=(ta, tm), previous_pairs=res.pairs)
    same = link_persons(ta, tm, **reuse)
    assert same.stats["n_records_rescored"] == 0 and same.stats["n_pairs_carried_over"] == res.pairs.height
    assert same.key_map.equals(res.key_map) and same.pairs.equals(res.pairs)
    # one record gone, one changed (its NHS number lost): only the changed one is scored again, and
    # the persons equal scoring everything with the same model (carried-over probabilities differ
    # only by last quarter's term frequencies)
    gone, edited = ta["source_person_id"][0], ta["source_person_id"][1]
    ta2 = ta.filter(pl.col("source_person_id") != gone).with_columns(
        pl.when(pl.col("source_person_id") == edited).then(None).otherwise(pl.col("nhs")).alias("nhs"))
    nxt = link_persons(ta2, tm, **reuse)
    everything = link_persons(ta2, tm, mode="tokens", secret=SECRET, previous_model=res.model_settings_json,
                              previous_key_map=res.key_map)
    assert nxt.stats["n_records_rescored"] == 1
    cols = ["source", "source_person_id", "research_person_id", "link_method"]
    assert nxt.key_map.select(cols).equals(everything.key_map.select(cols))
    drift = nxt.key_map.join(everything.key_map, on=["source", "source_person_id"], suffix="_all").select(
        (pl.col("match_probability") - pl.col("match_probability_all")).abs().max()).item()
    assert drift < 1e-3
    assert not nxt.pairs.filter((pl.col("source_person_id_l") == gone) | (pl.col("source_person_id_r") == gone)).height
    assert res.pairs.columns == PAIR_COLUMNS and res.pairs.height == res.stats["n_candidate_pairs_scored"]


def test_assign_ids_fresh_id_avoids_a_previous_id():
    # the fresh id a new cluster would get is already some other person's previous id
    key = b"k" * 32
    clash = _rpid(key, "asc:n")
    prev = pl.DataFrame({"source": ["mh"], "source_person_id": ["z"], "research_person_id": [clash]})
    km = pl.DataFrame({"source": ["asc", "mh"], "source_person_id": ["n", "z"], "cluster": [0, 1]})
    now, changed = _assign_ids(km, key, prev)
    ids = dict(zip(now["source_person_id"], now["research_person_id"]))
    assert ids["z"] == clash and ids["n"] == _rpid(key, "asc:n\x1f1") and changed == 0


def _next_quarter_of(frame: pl.DataFrame, name_col: str, nhs_col: str, new_name) -> pl.DataFrame:
    """`frame` a quarter later: one record gone, one new, one renamed, and one number now held by
    eight records (nulled on every one of them as shared)."""
    ids = frame["source_person_id"].to_list()
    shared = frame[nhs_col].drop_nulls()[0]
    return pl.concat([
        frame.filter(pl.col("source_person_id") != ids[0]),
        frame.head(1).with_columns(pl.lit("ANEW").alias("source_person_id")),
    ]).with_columns(
        pl.when(pl.col("source_person_id") == ids[1]).then(new_name).otherwise(pl.col(name_col)).alias(name_col),
        pl.when(pl.col("source_person_id").is_in(ids[2:9])).then(pl.lit(shared)).otherwise(pl.col(nhs_col)).alias(nhs_col),
    )


def _changed_by_full_comparison(now: tuple, before: tuple, mode: str) -> tuple[pl.DataFrame, pl.Series]:
    """The reference answer: complete `_features` of both quarters compared after NHS nulling."""
    df, _ = _null_shared_nhs(_features(*now, mode), 5, 2)
    previous, _ = _null_shared_nhs(_features(*before, mode), 5, 2)
    # Value by value (the comparison `unchanged_since` falls back to), not by the fingerprints
    # `_changed_records` compares.
    same = _unchanged_value_by_value(df, previous, ["source", "source_person_id"], [*FEATURES, *BLOOM_COLUMNS, *TRUSTED_EXTRA])
    return df, df.filter(~same)["unique_id"]


def test_changed_records_match_a_full_comparison(tokens_run):
    # the lean comparison equals comparing full `_features` of both quarters (after NHS nulling)
    ta, tm, _ = tokens_run
    ta2 = _next_quarter_of(ta, "fn_all", "nhs", None)
    for now in ((ta2, tm), (ta2.reverse(), tm.reverse())):
        df, expected = _changed_by_full_comparison(now, (ta.reverse(), tm), "tokens")
        got = _changed_records(df, (ta.reverse(), tm), "tokens", 5)
        assert got.to_list() == expected.to_list() and got.len() >= 3
    with pytest.raises(ValueError):
        _changed_records(df, (pl.concat([ta, ta.head(1)]), tm), "tokens", 5)
    with pytest.raises(ValueError):  # still sorted: found by comparing neighbours
        _changed_records(df, (ta, pl.concat([tm.head(1), tm])), "tokens", 5)
    with pytest.raises(ValueError):
        link_persons(pl.concat([ta, ta.head(1)]), tm, secret=SECRET)


def test_charts_are_returned(tokens_run):
    _, _, res = tokens_run
    assert set(res.charts) == {"m_u_parameters", "match_weights"}


def test_changed_records_trusted_reuses_features_of_unchanged_records(world):
    # trusted mode: last quarter's cleartext features are recomputed only for changed records,
    # and the answer equals comparing full `_features` of both quarters
    sa, sm, _ = world
    sa2 = _next_quarter_of(sa, "forename", "nhs_number", pl.lit("ZED"))
    df, expected = _changed_by_full_comparison((sa2, sm), (sa, sm), "trusted")
    got = _changed_records(df, (sa, sm), "trusted", 5, current_inputs=(sa2, sm), current_features=_features(sa2, sm, "trusted"))
    assert got.to_list() == expected.to_list() and got.len() >= 3
    assert _changed_records(df, (sa, sm), "trusted", 5).to_list() == expected.to_list()


def _km(clusters: list[list[str]]) -> pl.DataFrame:
    """A key map's inputs from clusters of "source:id" record keys."""
    return pl.DataFrame([(k.split(":")[0], k.split(":")[1], c) for c, keys in enumerate(clusters) for k in keys],
                        schema={"source": pl.String, "source_person_id": pl.String, "cluster": pl.Int64}, orient="row")


def test_assign_ids_first_quarter_never_gives_two_persons_one_id():
    """Two record keys whose 48-bit ids collide under this key (found by a birthday search)."""
    key = hmac.digest(b"test-secret", b"asc-linkage research person id v1", hashlib.sha256)
    km = _km([["asc:P1283104"], ["asc:P31898464"]])
    assert _rpid(key, "asc:P1283104") == _rpid(key, "asc:P31898464")  # the collision itself
    out, _ = _assign_ids(km, key, None)
    assert out["research_person_id"].n_unique() == 2


def test_assign_ids_person_a_record_moved_away_from_keeps_their_id():
    """x1 leaves person X (x1, x2) for person Y (y1, y2): Y keeps its id, and so does x2, X's
    remaining record; only x1's id changes."""
    key = b"k" * 32
    q1, _ = _assign_ids(_km([["asc:x1", "mh:x2"], ["asc:y1", "mh:y2"]]), key, None)
    q2, changed = _assign_ids(_km([["asc:x1", "asc:y1", "mh:y2"], ["mh:x2"]]), key, q1.drop("cluster"))
    before, after = (dict(zip(q["source_person_id"], q["research_person_id"])) for q in (q1, q2))
    assert after["x2"] == before["x2"] and after["y1"] == after["y2"] == after["x1"] == before["y1"]
    assert changed == 1


def test_a_failed_em_pass_leaves_the_model_as_it_was():
    """On this world the name-blocked EM pass fails (a level with no pairs); Splink has changed the
    settings when it raises, and kept, they scored no pair at all."""
    a, m, truth = make_world(400, seed=5)
    sa, sm = build_asc_spine(stage_asc_events(a)), build_mh_spine(m)
    res = link_persons(sa, sm, mode="trusted", secret=SECRET)
    model = json.loads(res.model_settings_json)
    assert res.stats["timings_s"]["em_passes_skipped"] == 1
    assert len(model["comparisons"]) == 6 and model["probability_two_random_records_match"] > 1e-6
    assert pairwise_scores(res.key_map, truth)["cross_recall"] > 0.9


def test_a_quarter_without_a_model_is_followed_by_training():
    """A quarter with one system only stores "{}" as its model: the next quarter trains afresh."""
    a, m, _ = make_world(200, seed=3)
    sa, sm = build_asc_spine(stage_asc_events(a)), build_mh_spine(m)
    first = link_persons(sa, sm.head(0), mode="trusted", secret=SECRET)
    assert first.model_settings_json == "{}"
    nxt = link_persons(sa, sm, mode="trusted", secret=SECRET, previous_key_map=first.key_map,
                       previous_model=first.model_settings_json)
    assert not nxt.stats["model_reused"] and json.loads(nxt.model_settings_json)["comparisons"]
    assert nxt.stats["n_persons_in_both"] > 0


def test_a_model_of_another_design_is_not_reused(tokens_run, world):
    """After an upgrade that changes a comparison level (or a switch of mode), the stored model
    is of another design: the quarter trains afresh and says so, instead of scoring by the old
    design for ever."""
    ta, tm, res = tokens_run
    same = link_persons(ta, tm, mode="tokens", secret=SECRET, seed=7, previous_model=res.model_settings_json,
                        previous_key_map=res.key_map)
    assert same.stats["model_reused"] and not same.stats["model_design_changed"]
    old = json.loads(res.model_settings_json)
    old["comparisons"][0]["comparison_levels"][1]["sql_condition"] = '"nhs_l" = "nhs_r" AND 1 = 1'
    upgraded = link_persons(ta, tm, mode="tokens", secret=SECRET, seed=7, previous_model=json.dumps(old),
                            previous_key_map=res.key_map)
    assert upgraded.stats["model_design_changed"] and not upgraded.stats["model_reused"]
    assert json.loads(upgraded.model_settings_json)["comparisons"][0]["comparison_levels"][1]["sql_condition"] == '"nhs_l" = "nhs_r"'
    weighted = json.loads(res.model_settings_json)
    level = next(lv for c in weighted["comparisons"] for lv in c["comparison_levels"] if lv.get("tf_adjustment_column"))
    level["tf_adjustment_weight"] = 0.5
    reweighted = link_persons(ta, tm, mode="tokens", secret=SECRET, seed=7, previous_model=json.dumps(weighted),
                              previous_key_map=res.key_map)
    assert reweighted.stats["model_design_changed"]
    sa, sm, _ = world
    switched = link_persons(sa, sm, mode="trusted", secret=SECRET, seed=7, previous_model=res.model_settings_json,
                            previous_key_map=res.key_map)
    assert switched.stats["model_design_changed"] and not switched.stats["model_reused"]


def test_a_full_name_swap_is_weighed_once_with_u_from_name_frequencies(tokens_run):
    """A forename and surname swapped together is one event: weighed by the forename comparison
    alone (the surname counts it as no evidence), its u the exact share of record pairs whose names
    mirror each other, by spelling or else by sound (sampling almost never draws one, and a level
    with no u weighs nothing)."""
    from asc_linkage.core.linkage import FULL_NAME_SWAPPED, FULL_NAME_SWAPPED_BY_SOUND, _full_swap_u_from_frequencies

    model = {"comparisons": [{"output_column_name": "forename", "comparison_levels": [
        {"sql_condition": "null", "is_null_level": True},
        {"sql_condition": "exact", "u_probability": 0.1},
        {"sql_condition": FULL_NAME_SWAPPED, "u_probability": None},
        {"sql_condition": FULL_NAME_SWAPPED_BY_SOUND, "u_probability": None},
        {"sql_condition": "ELSE", "u_probability": 0.9}]}]}
    # Seven records with a forename, 42 ordered pairs: (A, B) twice mirrors (B, A) once in 4 of
    # them; by sound, (F, G) mirrors (G2, F2) in 2 more (the 4 spelled alike are not counted again).
    df = pl.DataFrame({"fn": ["A", "A", "B", "C", "E", "F", "G2"], "sn": ["B", "B", "A", "D", None, "G", "F2"],
                       "fn_sdx": ["a", "a", "b", "c", "e", "f", "g"], "sn_sdx": ["b", "b", "a", "d", None, "g", "f"]})
    _full_swap_u_from_frequencies(model, df)
    levels = model["comparisons"][0]["comparison_levels"]
    assert levels[2]["u_probability"] == pytest.approx(4 / 42)
    assert levels[3]["u_probability"] == pytest.approx(2 / 42)
    assert levels[4]["u_probability"] == pytest.approx(1 - 0.1 - 6 / 42)  # the rest, rescaled

    trained = json.loads(tokens_run[2].model_settings_json)
    forename, surname = (next(c for c in trained["comparisons"] if c["output_column_name"] == name) for name in ("forename", "surname"))
    swap = next(lv for lv in forename["comparison_levels"] if lv["sql_condition"] == FULL_NAME_SWAPPED)
    assert swap["u_probability"] is not None and swap["m_probability"] / swap["u_probability"] > 100
    null_level = surname["comparison_levels"][0]
    assert FULL_NAME_SWAPPED in null_level["sql_condition"] and FULL_NAME_SWAPPED_BY_SOUND in null_level["sql_condition"]
    assert null_level["is_null_level"]


def test_exact_u_comes_from_value_frequencies_also_where_sampling_saw_no_agreement():
    """Sampling 500,000 random pairs at 200,000 persons drew no two records with one NHS number:
    the exact level kept no u, and Splink's default weighed an agreeing number at 10 bits. The
    frequencies give it: here 2 of the 12 ordered pairs of records with a number share one."""
    from asc_linkage.core.linkage import _exact_u_from_frequencies

    model = {"comparisons": [{"output_column_name": "nhs", "comparison_levels": [
        {"sql_condition": "null", "is_null_level": True},
        {"sql_condition": "exact"},  # no u: sampling drew no agreeing pair
        {"sql_condition": "ELSE", "u_probability": 1.0}]}]}
    _exact_u_from_frequencies(model, pl.DataFrame({"nhs": ["1", "1", "2", "3", None]}))
    levels = model["comparisons"][0]["comparison_levels"]
    assert levels[1]["u_probability"] == pytest.approx(2 / 12)
    assert levels[2]["u_probability"] == pytest.approx(10 / 12)


def test_records_of_two_systems_link_at_the_cross_system_threshold_and_of_one_system_at_the_higher_one():
    from asc_linkage.core.linkage import CROSS_SYSTEM_THRESHOLD, WITHIN_SYSTEM_THRESHOLD

    assert CROSS_SYSTEM_THRESHOLD < WITHIN_SYSTEM_THRESHOLD
    between = (CROSS_SYSTEM_THRESHOLD + WITHIN_SYSTEM_THRESHOLD) / 2
    # 0 (asc) ~ 1 (mh) between the two thresholds: linked. 2 (asc) ~ 3 (asc) as strongly: not
    # linked, and not a merge the guard refused (a pair of one system below its threshold is no link).
    edges = pl.DataFrame({"a": [0, 2], "b": [1, 3], "p": [between, between]})
    labels, refused, bridged = _cluster(4, edges, ["asc", "mh", "asc", "asc"], CROSS_SYSTEM_THRESHOLD, WITHIN_SYSTEM_THRESHOLD)
    assert labels == [0, 0, 2, 3] and refused == 0 and bridged == 0


def _candidate_pairs(records: list[dict]) -> set[tuple[int, int]]:
    """The (smaller, larger) unique_id pairs the blocking rules make, as Splink would: one
    orientation of each pair, left id below right id."""
    import duckdb

    from asc_linkage.core.linkage import BLOCKING_EXTRA, BLOCKING_RULES

    columns = sorted({*FEATURES, *BLOCKING_EXTRA, "dob_m", "dob_d"} - set(BLOOM_COLUMNS))
    frame = pl.DataFrame([{c: r.get(c) for c in columns} | {"unique_id": r["unique_id"]} for r in records],
                         schema={**{c: pl.String for c in columns}, "unique_id": pl.Int64})
    con = duckdb.connect()
    con.register("records", frame.to_arrow())
    rules = " OR ".join(f"({rule})" for rule in BLOCKING_RULES)
    rows = con.execute(f"SELECT l.unique_id, r.unique_id FROM records l JOIN records r ON l.unique_id < r.unique_id AND ({rules})").fetchall()
    return set(rows)


@pytest.mark.parametrize("first", [0, 1])
def test_blocking_finds_a_swap_with_a_misspelt_name_in_either_id_order(first):
    """SOLEDA JIMENEZ and JIMENEZ SOLEDAD, born the same day: only one name's sound agrees across
    the swap, and Splink keeps one orientation of a pair, so both orientations need a rule."""
    soleda = {"fn_sdx": "S430", "sn_sdx": "J552", "dob": "1946-11-20"}
    jimenez = {"fn_sdx": "J552", "sn_sdx": "S433", "dob": "1946-11-20"}
    records = [soleda | {"unique_id": first}, jimenez | {"unique_id": 1 - first}]
    assert _candidate_pairs(records) == {(0, 1)}


def test_blocking_finds_a_mistyped_birth_year_without_a_postcode():
    """Same full name, same day and month, the year a digit off, no postcode on one side and no
    NHS number: a candidate by name and birthday; a namesake with another birthday is not."""
    walker = {"names_sorted": "DUDLEY WALKER", "dob_m": "08", "dob_d": "20"}
    records = [walker | {"unique_id": 0, "dob": "1948-08-20", "dob_y": "1948", "pc": "SE27 1YY", "pc_district": "SE27"},
               walker | {"unique_id": 1, "dob": "1947-08-20", "dob_y": "1947"},
               {"unique_id": 2, "names_sorted": "DUDLEY WALKER", "dob": "1948-03-02", "dob_y": "1948", "dob_m": "03",
                "dob_d": "02", "pc_district": "SW9"}]
    assert _candidate_pairs(records) == {(0, 1), (0, 2)}  # 0 ~ 2: same name and birth year (another rule)


def test_blocking_finds_two_spelling_variants_born_the_same_day():
    """CHRIS HUGHS and CHRISTOPHER HUGHES, born the same day, with no NHS number on one side and
    different addresses: neither name sounds alike by Soundex (H200 / H220, C620 / C623), so only
    the date of birth with both initials finds them. A namesake born that day with other initials
    is not a candidate."""
    day = {"dob": "1920-04-19", "dob_y": "1920", "dob_m": "04", "dob_d": "19"}
    records = [day | {"unique_id": 0, "fn_sdx": "C620", "sn_sdx": "H200", "fn_init": "C", "sn_init": "H", "pc_sector": "SE27 9"},
               day | {"unique_id": 1, "fn_sdx": "C623", "sn_sdx": "H220", "fn_init": "C", "sn_init": "H", "pc_sector": "SW16 3"},
               day | {"unique_id": 2, "fn_sdx": "K620", "sn_sdx": "H220", "fn_init": "K", "sn_init": "H", "pc_sector": "SW2 1"}]
    assert _candidate_pairs(records) == {(0, 1), (1, 2)}  # 1 ~ 2: same day and surname sound (another rule)


def test_forenames_one_letter_apart_meet_the_one_letter_level_in_both_modes():
    """KEMI / KEHI (bigram Dice 0.6, below the fuzzy level) reach "one letter apart"; KEMI / KATE
    fall through to the initial."""
    import duckdb

    from asc_linkage.core.linkage import comparisons

    pts = pl.DataFrame({
        "patient_id": ["M1", "M2", "M3"], "nhs_number": [None, None, None], "forename": ["Kemi", "Kehi", "Kate"],
        "surname": ["Okafor", "Okafor", "Okafor"], "date_of_birth": [dt.date(1950, 3, 4)] * 3,
        "gender": ["2"] * 3, "ethnic_category": ["A"] * 3, "postcode": [None] * 3, "date_of_death": [None] * 3,
    }, schema_overrides={"date_of_death": pl.Date, "postcode": pl.String, "nhs_number": pl.String})
    spine = build_mh_spine(pts)
    for mode, frame in (("tokens", make_link_tokens(spine, b"k")), ("trusted", _features(spine.head(0), spine, "trusted"))):
        frame = frame.sort("source_person_id")
        levels = next(c for c in comparisons(mode) if c["output_column_name"] == "forename")["comparison_levels"]
        case = " ".join(f"WHEN {lv['sql_condition']} THEN '{lv['label_for_charts']}'" for lv in levels if lv["sql_condition"] != "ELSE")
        con = duckdb.connect()
        con.register("t", frame.with_row_index("i").to_arrow())
        cols = [c for c in frame.columns if c not in ("source", "source_person_id")]
        pairs = ", ".join(f'l."{c}" AS "{c}_l", r."{c}" AS "{c}_r"' for c in cols)
        got = con.execute(f"SELECT CASE {case} ELSE 'all other' END FROM (SELECT {pairs}, r.i AS ri "
                          f"FROM t l JOIN t r ON l.i = 0 AND r.i > 0) ORDER BY ri").fetchall()
        assert [g[0] for g in got] == ["one letter apart", "initial"], mode


def test_blocking_finds_a_mistyped_birth_year_and_a_name_variant_at_one_address():
    """MAHMOUD UCHE and UCHE MOHAMUD at one postcode, born 9 February 1938 and 1937: no name, no
    date and no sound agrees, so only the postcode with the birthday finds them. A neighbour born
    on another day is not a candidate."""
    at = {"pc": "SW2 7FP", "pc_sector": "SW2 7", "pc_district": "SW2"}
    records = [at | {"unique_id": 0, "dob": "1938-02-09", "dob_y": "1938", "dob_m": "02", "dob_d": "09", "fn_init": "M"},
               at | {"unique_id": 1, "dob": "1937-02-09", "dob_y": "1937", "dob_m": "02", "dob_d": "09", "fn_init": "U"},
               at | {"unique_id": 2, "dob": "1937-03-09", "dob_y": "1936", "dob_m": "03", "dob_d": "09", "fn_init": "A"}]
    assert _candidate_pairs(records) == {(0, 1)}
