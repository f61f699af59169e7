"""Link features and keyed link tokens.

`link_features(spine)` derives the comparison features from a spine (cleartext: used directly by
the `trusted` mode inside the identifiable zone). `make_link_tokens(spine, secret)` replaces
every feature value by a keyed HMAC-SHA256 token (first 8 bytes as a signed Int64, so DuckDB
joins and list intersections work on integers). The token table holds `source`,
`source_person_id` and tokens only; the two modes share column names, so one blocking/comparison
design serves both.

Token domains: values that must be comparable across fields share a domain (forename vs surname
for swaps, DOB vs day/month-swapped DOB, current vs historic postcodes); other fields are kept in
separate domains so equal strings in unrelated fields never make equal tokens.
"""
from __future__ import annotations

import hashlib
import hmac

import numpy as np
import polars as pl

from asc_linkage.core import standardise as s
from asc_linkage.core.frames import gather_rows, unchanged_since

#: feature column -> (token domain, is_list)
FEATURES: dict[str, tuple[str, bool]] = {
    "nhs": ("nhs", False),
    "fn": ("name", False),
    "sn": ("name", False),
    "fn_nick": ("name", False),
    "fn_all": ("name", True),
    "sn_parts": ("name", True),
    "names_sorted": ("name2", False),
    "fn_init": ("init", False),
    "sn_init": ("init", False),
    "fn_sdx": ("sdx", False),
    "sn_sdx": ("sdx", False),
    "fn_ph": ("ph", False),
    "sn_ph": ("ph", False),
    "fn_bg": ("bg", True),
    "sn_bg": ("bg", True),
    "fn_edit": ("edit", True),
    "sn_edit": ("edit", True),
    "dob": ("dob", False),
    "dob_swap": ("dob", False),
    "dob_y": ("dob_y", False),
    "dob_m": ("dob_m", False),
    "dob_d": ("dob_d", False),
    "pc": ("pc", False),
    "pc_sector": ("pcs", False),
    "pc_district": ("pcd", False),
    "pc_hist": ("pc", True),
    "pc_sector_hist": ("pcs", True),
    "sex": ("sex", False),
}
#: List features that are a function of one name feature (the list column -> that name).
NAME_LISTS = {"fn_bg": "fn", "sn_bg": "sn", "fn_edit": "fn", "sn_edit": "sn"}
#: Extra cleartext columns kept by the trusted mode only (string-similarity comparisons).
TRUSTED_EXTRA = ["fn_text", "sn_text"]
#: 128-bit Bloom filters (two Int64 words) of the bigram sets: Dice similarity on them is two
#: popcounts, where DuckDB's list_intersect on the sets cost ~6 us a pair and dominated
#: u-estimation (millions of random pairs). Positions come from the bigram tokens, so in tokens
#: mode they depend on the secret like every other token.
BLOOMS = {"fn_bf1": ("fn_bg", 0), "fn_bf2": ("fn_bg", 1), "sn_bf1": ("sn_bg", 0), "sn_bf2": ("sn_bg", 1)}
#: 64-bit Bloom filters of the sets compared for overlap: `(a & b) <> 0` is a cheap exact-negative
#: prefilter in front of list_has_any (most random pairs share nothing).
OVERLAP_BLOOMS = {"fn_all_bf": "fn_all", "sn_parts_bf": "sn_parts", "pc_hist_bf": "pc_hist", "pc_sector_hist_bf": "pc_sector_hist",
                  "fn_edit_bf": "fn_edit", "sn_edit_bf": "sn_edit"}
BLOOM_COLUMNS = [*BLOOMS, *OVERLAP_BLOOMS]
#: Columns of a token table, in order.
TOKEN_COLUMNS = ["source", "source_person_id", *FEATURES.keys(), *BLOOM_COLUMNS]


def _sorted(lists: pl.Expr) -> pl.Expr:
    # `list.sort()` costs ~15 us a row in polars 2.1 (2 s for 120,000 short lists); sorting inside
    # `list.eval` gives the same lists 25x faster.
    return lists.list.eval(pl.element().sort())


def link_features(spine: pl.DataFrame, blooms: bool = True) -> pl.DataFrame:
    """Cleartext comparison features, one row per spine row (identifiable). `blooms=False` skips
    the cleartext Bloom filters (the token path builds its own from keyed tokens)."""
    fn, sn = pl.col("forename"), pl.col("surname")
    # A 1 January DOB is mostly a system default for "year known only": such records keep their
    # birth year but not a full date, so the model sees "day/month unknown", not "disagree".
    year = pl.col("date_of_birth").dt.year()
    if "dob_flag" in spine.columns:
        dob = pl.when(pl.col("dob_flag") == "jan1").then(None).otherwise(pl.col("date_of_birth"))
    else:
        dob = pl.col("date_of_birth")
    day, month = dob.dt.day(), dob.dt.month()
    # Transposed DOB only exists when the day could be a month and differs from it.
    swap_ok = (day <= 12) & (day != month)
    swapped = pl.when(swap_ok).then(
        pl.concat_str(dob.dt.year().cast(pl.String), day.cast(pl.String).str.zfill(2), month.cast(pl.String).str.zfill(2), separator="-")
    )
    others = pl.col("forename_other").str.split(" ").fill_null(pl.lit([], dtype=pl.List(pl.String)))
    hist = pl.col("postcode_history").fill_null(pl.lit([], dtype=pl.List(pl.String)))
    df = spine.with_columns(
        pl.col("nhs_number").alias("nhs"),
        fn.alias("fn"),
        sn.alias("sn"),
        pl.col("forename_nick").alias("fn_nick"),
        # With the first two forenames joined: JEAN PAUL shares JEANPAUL with JEAN-PAUL (a hyphen
        # joins forenames in the spine, and systems differ on keeping it). Not a middle initial:
        # ANN E is not ANNE.
        _sorted(pl.concat_list(fn, others, pl.when(others.list.first().str.len_chars() >= 2).then(pl.concat_str(fn, others.list.first())))
                .list.drop_nulls().list.unique()).alias("fn_all"),
        pl.col("surname_parts").alias("sn_parts"),
        pl.when(fn.is_not_null() & sn.is_not_null())
        .then(pl.when(fn <= sn).then(pl.concat_str(fn, sn, separator=" ")).otherwise(pl.concat_str(sn, fn, separator=" ")))
        .alias("names_sorted"),
        fn.str.slice(0, 1).alias("fn_init"),
        sn.str.slice(0, 1).alias("sn_init"),
        s.soundex_expr(fn).alias("fn_sdx"),
        s.soundex_expr(sn).alias("sn_sdx"),
        s.phonetic_expr(fn).alias("fn_ph"),
        s.phonetic_expr(sn).alias("sn_ph"),
        s.bigrams_expr(fn).alias("fn_bg"),
        s.bigrams_expr(sn).alias("sn_bg"),
        s.one_edit_keys_expr(fn).alias("fn_edit"),
        s.one_edit_keys_expr(sn).alias("sn_edit"),
        dob.cast(pl.String).alias("dob"),
        swapped.alias("dob_swap"),
        year.cast(pl.String).alias("dob_y"),
        month.cast(pl.String).alias("dob_m"),
        day.cast(pl.String).alias("dob_d"),
        pl.col("postcode").alias("pc"),
        pl.col("postcode_sector").alias("pc_sector"),
        pl.col("postcode_district").alias("pc_district"),
        _sorted(pl.concat_list(hist, pl.col("postcode")).list.drop_nulls().list.unique()).alias("pc_hist"),
        _sorted(pl.concat_list(hist, pl.col("postcode")).list.drop_nulls()
                .list.eval(pl.element().str.slice(0, pl.element().str.len_chars() - 2)).list.unique()).alias("pc_sector_hist"),
        pl.when(pl.col("sex").is_in(["Male", "Female"])).then(pl.col("sex")).alias("sex"),
        fn.alias("fn_text"),
        sn.alias("sn_text"),
    )
    # Empty lists carry no evidence: null them so comparisons see "missing", not "disagree".
    lists = [c for c, (_, is_list) in FEATURES.items() if is_list]
    df = df.with_columns(pl.when(pl.col(c).list.len() > 0).then(pl.col(c)).alias(c) for c in lists)
    # Unkeyed positions for cleartext bigrams (trusted mode compares inside the identifiable zone).
    def unkeyed(ser: pl.Series) -> pl.Series:
        u = ser.unique().sort()
        lut = {v: int.from_bytes(hashlib.sha256(v.encode()).digest()[:8], "big", signed=True) for v in u.to_list()}
        return ser.replace_strict(lut, return_dtype=pl.Int64)

    if not blooms:
        return df.select("source", "source_person_id", *FEATURES.keys(), *TRUSTED_EXTRA)
    df = add_blooms(df, unkeyed)
    return df.select("source", "source_person_id", *FEATURES.keys(), *BLOOM_COLUMNS, *TRUSTED_EXTRA)


def add_blooms(df: pl.DataFrame, to_int: "callable") -> pl.DataFrame:
    """Add the BLOOM_COLUMNS from the list columns (`to_int` maps list elements to Int64)."""
    out = {}
    for name, src in OVERLAP_BLOOMS.items():
        out[name] = _per_name(df, src, lambda d, src=src: _bloom_words(d[src], to_int, 1))[0]
    for src in sorted({v[0] for v in BLOOMS.values()}):
        words = _per_name(df, src, lambda d, src=src: _bloom_words(d[src], to_int, 2))
        for w in (0, 1):
            out[[k for k, v in BLOOMS.items() if v == (src, w)][0]] = words[w]
    return df.with_columns(pl.Series(k, v) for k, v in out.items())


def _per_name(df: pl.DataFrame, src: str, make: "callable") -> dict:
    """`make(frame)` (a dict of Series, one value per frame row) for every row of `df`; for a list
    of `NAME_LISTS`, computed once per distinct name and joined back."""
    name = NAME_LISTS.get(src)
    if name is None or name not in df.columns:
        return make(df)
    per_name = df.select(name, src).filter(pl.col(name).is_not_null()).unique(name)
    made = make(per_name)
    by_name = per_name.select(name).with_columns(pl.Series(f"__{k}", v) for k, v in made.items())
    joined = df.select(name).join(by_name, on=name, how="left", maintain_order="left")
    return {k: joined[f"__{k}"] for k in made}


def _bloom_words(lists: pl.Series, to_int: "callable", words: int) -> dict[int, pl.Series]:
    """A Bloom filter of `64 * words` bits of each list, one bit per element, as `words` Int64
    words (keys 0 to words - 1); null for a null list (no elements: missing, not an empty filter)."""
    n = lists.len()
    ex = pl.DataFrame({"_i": pl.int_range(n, eager=True), "v": lists}).explode("v").drop_nulls("v")
    h = to_int(ex["v"]).cast(pl.Int64).to_numpy().astype(np.uint64) % np.uint64(64 * words)
    bit = np.left_shift(np.uint64(1), h % np.uint64(64))
    ex = ex.with_columns(pl.Series("w", (h // np.uint64(64)).astype(np.int64)), pl.Series("b", bit, dtype=pl.UInt64))
    agg = ex.group_by("_i", "w").agg(pl.col("b").bitwise_or())
    out = {}
    for w in range(words):
        col = (
            pl.DataFrame({"_i": pl.int_range(n, eager=True)})
            .join(agg.filter(pl.col("w") == w), on="_i", how="left", maintain_order="left")
            .select(pl.col("b").fill_null(0).reinterpret(signed=True))
            .to_series()
        )
        out[w] = pl.select(pl.when(lists.is_not_null()).then(col)).to_series()
    return out


def hmac_int64_many(key: bytes, domains: pl.Series, values: pl.Series) -> pl.Series:
    """Link tokens: the first 8 bytes of `hmac_hex_many`, as a signed Int64 per row."""
    digests = hmac_hex_many(key, domains, values)
    return digests.str.slice(0, 16).str.to_integer(base=16, dtype=pl.UInt64).reinterpret(signed=True).alias("t")


def hmac_hex_many(key: bytes, domains: pl.Series | str, values: pl.Series) -> pl.Series:
    """Hex HMAC-SHA256 of `f"{domain}\x1f{value}"` for every row, computed in DuckDB from its
    SHA-256 function (RFC 2104: H(K^opad || H(K^ipad || message))): the same digests as Python's
    `hmac`, vectorised and on every core, where a Python loop over millions of distinct values was
    the slowest step of the tokens. One query for all domains: a DuckDB connection costs tens of
    milliseconds."""
    import duckdb

    if len(key) > 64:  # RFC 2104 hashes longer keys first; ours are 32-byte derived keys
        key = hashlib.sha256(key).digest()
    block = key.ljust(64, b"\0")
    ipad, opad = bytes(b ^ 0x36 for b in block), bytes(b ^ 0x5C for b in block)
    if isinstance(domains, str):
        domains = pl.repeat(domains, values.len(), eager=True, dtype=pl.String)
    frame = pl.DataFrame({"d": domains.cast(pl.String), "v": values.cast(pl.String)})
    with duckdb.connect() as con:
        return con.sql(
            "SELECT sha256($opad || unhex(sha256($ipad || encode(d || chr(31) || v)))) AS h FROM frame",
            params={"opad": opad, "ipad": ipad},
        ).pl()["h"]


def _token_series(values: pl.Series, lut: pl.DataFrame) -> pl.Series:
    return pl.DataFrame({"v": values}).join(lut, on="v", how="left", maintain_order="left")["t"]


#: Spine columns the link features are derived from.
IDENTIFIER_COLUMNS = ["nhs_number", "forename", "forename_other", "forename_nick", "surname", "surname_parts",
                      "date_of_birth", "dob_flag", "sex", "postcode", "postcode_sector", "postcode_district",
                      "postcode_history"]


def make_link_tokens(spine: pl.DataFrame, secret: bytes, previous_spine: pl.DataFrame | None = None,
                     previous_tokens: pl.DataFrame | None = None) -> pl.DataFrame:
    """Keyed tokens of every link feature. Deterministic for a given secret; no cleartext.

    With last quarter's spine and tokens (made with the same secret), a record whose identifiers
    did not change keeps its token row and only new or changed records are hashed: the result is
    the same as hashing everything."""
    if not secret:
        raise ValueError("make_link_tokens: an empty secret is not allowed")
    # Tokens made before a column was added (an upgrade) are all made again.
    if previous_spine is not None and previous_tokens is not None and set(TOKEN_COLUMNS) <= set(previous_tokens.columns):
        kept = spine.filter(unchanged_since(spine, previous_spine, ["source_person_id"], IDENTIFIER_COLUMNS)).select("source_person_id")
        # Positions only: copying the wide token rows (list columns) was most of the cost.
        reused_at = previous_tokens.select("source_person_id").with_row_index("__at").join(kept, on="source_person_id", how="semi")
        # The previous tokens must belong to that spine and that secret (a rotated secret makes
        # every token new): a few reused rows are hashed again, with the new records in one call
        # (each call has a fixed cost), and compared.
        probe = kept.head(8)
        todo = spine.join(kept, on="source_person_id", how="anti")
        fresh = make_link_tokens(pl.concat([todo, spine.join(probe, on="source_person_id", how="semi")]), secret)
        probe_fresh = fresh.join(probe, on="source_person_id", how="semi").sort("source_person_id")
        consistent = reused_at.height == kept.height and probe_fresh.equals(
            previous_tokens.join(probe, on="source_person_id", how="semi").select(TOKEN_COLUMNS).sort("source_person_id"))
        if consistent:
            # Each row's place among the reused rows or the fresh ones, then one gather a column.
            fresh = fresh.join(probe, on="source_person_id", how="anti")
            fresh_at = fresh.select("source_person_id").with_row_index("__at").with_columns(pl.col("__at") + previous_tokens.height)
            at = spine.select("source_person_id").join(pl.concat([reused_at, fresh_at]), on="source_person_id",
                                                       how="left", maintain_order="left")["__at"]
            return gather_rows(pl.concat([previous_tokens.select(TOKEN_COLUMNS), fresh], how="vertical_relaxed"), at)
    # A derived key, so the raw secret is used for nothing but key derivation.
    key = hmac.digest(secret, b"asc-linkage link tokens v1", hashlib.sha256)
    feats = link_features(spine, blooms=False)
    # One lookup table per token domain: a name appears as forename, surname, nickname canonical
    # and surname part, and is HMAC'd once (Python HMAC calls dominate token time).
    exploded = {c: (feats[c].explode() if FEATURES[c][1] else feats[c]) for c in FEATURES}
    domains = sorted({d for d, _ in FEATURES.values()})
    distinct = pl.concat([
        pl.DataFrame({"v": pl.concat([exploded[c] for c, (d, _) in FEATURES.items() if d == domain]).drop_nulls().unique().sort()})
        .with_columns(pl.lit(domain).alias("d"))
        for domain in domains
    ])
    distinct = distinct.with_columns(hmac_int64_many(key, distinct["d"], distinct["v"]))
    parts = {domain: part.select("v", "t") for (domain,), part in distinct.partition_by("d", as_dict=True).items()}
    empty = pl.DataFrame(schema={"v": pl.String, "t": pl.Int64})
    luts = {domain: parts.get(domain, empty) for domain in domains}
    out = {"source": feats["source"], "source_person_id": feats["source_person_id"]}
    for col, (domain, is_list) in FEATURES.items():
        if is_list:
            # Name-derived lists are tokenised once per distinct name, then joined back (`_per_name`):
            # a tenth of the rows to explode.
            out[col] = _per_name(feats, col, lambda d, col=col, lut=luts[domain]: {0: _token_lists(d[col], lut)})[0]
        else:
            out[col] = _token_series(feats[col], luts[domain])
    res = add_blooms(pl.DataFrame(out), lambda ser: ser)
    return res.select(TOKEN_COLUMNS)


def _token_lists(lists: pl.Series, lut: pl.DataFrame) -> pl.Series:
    """Each list's values as distinct sorted tokens (null for a null or empty list)."""
    idx = pl.DataFrame({"_i": pl.int_range(lists.len(), eager=True), "v": lists}).explode("v")
    idx = idx.with_columns(_token_series(idx["v"], lut).alias("t"))
    tokens = idx.group_by("_i", maintain_order=True).agg(pl.col("t").drop_nulls().unique().sort()).sort("_i")["t"]
    return pl.DataFrame({"t": tokens}).select(pl.when(pl.col("t").list.len() > 0).then(pl.col("t")))["t"]
