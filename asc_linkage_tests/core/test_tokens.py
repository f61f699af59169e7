import datetime as dt
import hashlib
import hmac

import polars as pl

from asc_linkage.core.spine import build_mh_spine
from asc_linkage.core.tokens import BLOOM_COLUMNS, FEATURES, hmac_hex_many, make_link_tokens

D = dt.date


def _spine():
    pts = pl.DataFrame({
        "patient_id": ["M1", "M2", "M3"], "nhs_number": ["9434765919", None, None], "forename": ["John", "Smith", "Bill"],
        "surname": ["Smith", "John", "Smith-Jones"], "date_of_birth": [D(1950, 3, 4), D(1950, 4, 3), D(1950, 3, 4)],
        "gender": ["1", "1", "1"], "ethnic_category": ["A", "A", "A"], "postcode": ["SE5 8AZ", "SE5 8BB", None], "date_of_death": [None, None, None],
    }, schema_overrides={"date_of_death": pl.Date})
    return build_mh_spine(pts)


def test_tokens_hold_no_cleartext_and_are_keyed_and_deterministic():
    sp = _spine()
    t1, t2, t3 = make_link_tokens(sp, b"secret-a"), make_link_tokens(sp, b"secret-a"), make_link_tokens(sp, b"secret-b")
    assert t1.equals(t2)
    assert not t1.select(FEATURES.keys()).equals(t3.select(FEATURES.keys()))
    assert set(t1.columns) == {"source", "source_person_id", *FEATURES, *BLOOM_COLUMNS}
    for c in FEATURES:
        assert t1.schema[c] in (pl.Int64, pl.List(pl.Int64)), c
    cleartext = {str(v) for v in sp.select("forename", "surname", "nhs_number", "postcode").to_numpy().ravel() if v is not None}
    dumped = {str(v) for v in t1.select(FEATURES.keys()).to_numpy().ravel()}
    assert not cleartext & dumped


def test_variant_tokens_support_swaps_and_transpositions():
    t = make_link_tokens(_spine(), b"k").sort("source_person_id")
    a, b, c = t.row(0, named=True), t.row(1, named=True), t.row(2, named=True)
    assert a["names_sorted"] == b["names_sorted"]      # John Smith vs Smith John
    assert a["fn"] == b["sn"] and a["sn"] == b["fn"]    # one name domain so swaps compare
    assert a["dob"] == b["dob_swap"]                    # 1950-03-04 vs 1950-04-03
    assert a["sn"] in c["sn_parts"]                     # SMITH part of SMITH-JONES
    assert a["fn_nick"] != c["fn"] and c["fn_nick"] != c["fn"]  # BILL -> WILLIAM group
    assert a["pc_hist"] is not None and c["pc_hist"] is None
    assert len(set(a["fn_bg"]) & set(b["sn_bg"])) == len(a["fn_bg"])
    assert (a["fn_bf1"], a["fn_bf2"]) == (b["sn_bf1"], b["sn_bf2"])  # Bloom filters follow the bigram tokens


def test_incremental_tokens_equal_hashing_everything_and_follow_the_secret():
    sp = _spine()
    previous = sp.with_columns(
        pl.when(pl.col("source_person_id") == "M2").then(pl.lit("JOHNNY")).otherwise(pl.col("forename")).alias("forename")
    ).filter(pl.col("source_person_id") != "M3")  # M2 changed since, M3 is new
    full = make_link_tokens(sp, b"k")
    assert make_link_tokens(sp, b"k", previous, make_link_tokens(previous, b"k")).equals(full)
    # tokens made with another secret are never reused
    assert make_link_tokens(sp, b"k", previous, make_link_tokens(previous, b"rotated")).equals(full)
    # tokens made before a column was added (an upgrade) are made again, not reused short of it
    older = make_link_tokens(previous, b"k").drop("fn_edit", "fn_edit_bf")
    assert make_link_tokens(sp, b"k", previous, older).equals(full)


def test_vectorised_hmac_equals_python_hmac():
    """The DuckDB HMAC behind tokens and research person ids is RFC 2104 HMAC-SHA256 of the UTF-8
    bytes, as Python's `hmac` computes it (keys up to and over one block, non-ASCII values)."""
    values = pl.Series(["asc:P1", "Zoë Ōtsuka", "", "mh:9" * 40])
    for key in (b"k" * 32, b"x" * 64, b"long key " * 10):
        expected = [hmac.new(key, f"rpid\x1f{v}".encode(), hashlib.sha256).hexdigest() for v in values.to_list()]
        assert hmac_hex_many(key, "rpid", values).to_list() == expected
        # a domain per value gives the same digests as one domain for all; a null stays null
        domains = pl.Series(["rpid"] * values.len())
        assert hmac_hex_many(key, domains, values).to_list() == expected
        assert hmac_hex_many(key, "rpid", pl.Series([None, "x"], dtype=pl.String))[0] is None


def test_hyphenated_and_spaced_double_forenames_share_a_forename_token():
    """JEAN-PAUL (joined to JEANPAUL by the spine) and JEAN PAUL (first forename JEAN, then PAUL)
    share the joined form, so the model sees "shares a forename", not "all other"."""
    pts = pl.DataFrame({
        "patient_id": ["M1", "M2", "M3", "M4", "M5"], "nhs_number": [None] * 5,
        "forename": ["Jean-Paul", "Jean Paul", "Jean Marc", "Anne", "Ann E"],
        "surname": ["Sartre"] * 5, "date_of_birth": [D(1950, 3, 4)] * 5,
        "gender": ["1"] * 5, "ethnic_category": ["A"] * 5, "postcode": [None] * 5, "date_of_death": [None] * 5,
    }, schema_overrides={"date_of_death": pl.Date, "postcode": pl.String, "nhs_number": pl.String})
    sp = build_mh_spine(pts).sort("source_person_id")
    assert sp["forename"].to_list() == ["JEANPAUL", "JEAN", "JEAN", "ANNE", "ANN"]
    t = make_link_tokens(sp, b"k").sort("source_person_id")
    hyphen, spaced, other, anne, ann_e = (set(t["fn_all"][i]) for i in range(5))
    assert hyphen & spaced
    assert not hyphen & other
    assert not anne & ann_e  # a middle initial is not the end of the first name


def test_one_letter_apart_tokens_overlap_and_their_bloom_filters_follow():
    pts = pl.DataFrame({
        "patient_id": ["M1", "M2", "M3"], "nhs_number": [None, None, None], "forename": ["Kemi", "Kehi", "Kate"],
        "surname": ["Okafor", "Okafor", "Okafor"], "date_of_birth": [D(1950, 3, 4)] * 3,
        "gender": ["2"] * 3, "ethnic_category": ["A"] * 3, "postcode": [None] * 3, "date_of_death": [None] * 3,
    }, schema_overrides={"date_of_death": pl.Date, "postcode": pl.String, "nhs_number": pl.String})
    t = make_link_tokens(build_mh_spine(pts), b"k").sort("source_person_id")
    kemi, kehi, kate = (t.row(i, named=True) for i in range(3))
    assert set(kemi["fn_edit"]) & set(kehi["fn_edit"]) and not set(kemi["fn_edit"]) & set(kate["fn_edit"])
    assert kemi["fn_edit_bf"] & kehi["fn_edit_bf"] != 0
    assert kemi["sn_edit"] == kehi["sn_edit"] == kate["sn_edit"]
