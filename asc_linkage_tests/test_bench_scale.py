"""benchmarks/bench_scale.py combines generated chunks without id, NHS number or postcode collisions,
each chunk its own borough with a consistent postcode -> sector/district/LSOA/IMD geography."""
from __future__ import annotations

import sys
from pathlib import Path

import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import bench_scale  # noqa: E402
from asc_linkage.core.standardise import postcode_district, postcode_sector, standardise_postcode  # noqa: E402


def _nhs_groups(cld: pl.DataFrame, pat: pl.DataFrame) -> list[list[str]]:
    """Records grouped by valid NHS number (the 'same number' relationships), as sorted id lists."""
    rec = pl.concat([
        cld.select(pl.concat_str(pl.lit("asc:"), "la_person_unique_identifier").alias("rid"), "nhs_number").unique(),
        pat.select(pl.concat_str(pl.lit("mh:"), "patient_id").alias("rid"), "nhs_number"),
    ]).with_columns(pl.col("nhs_number").str.replace_all(r"[^0-9]", ""))
    rec = rec.filter(pl.col("nhs_number").is_in(bench_scale._valid_numbers(rec["nhs_number"]).implode()))
    rid = pl.col("rid").str.replace(r":\d\d", ":")  # without the chunk prefix
    g = rec.group_by("nhs_number").agg(rid.sort())
    return sorted(g["rid"].to_list())


def _postcodes(d: Path | str) -> pl.DataFrame:
    """Every postcode string of a chunk or work folder, in file order, with the chunk it belongs to."""
    owner = {"cld_events": "la_person_unique_identifier", "mh_patients": "patient_id", "mh_addresses": "patient_id",
             "ref_postcode_lsoa": "lsoa11"}
    chunk = pl.col("owner").str.slice(0, 2)
    return pl.concat([pl.read_parquet(Path(d) / f"{t}.parquet").select(
        pl.lit(t).alias("table"), pl.col(owner[t]).alias("owner"), "postcode")
        for t in bench_scale.POSTCODE_TABLES]).select(
        "table", pl.when(chunk == "E0").then(pl.lit("00")).otherwise(chunk).alias("chunk"), "postcode")  # chunk 0 LSOAs: no prefix


def _geo(col: str) -> list[pl.Expr]:
    pc = standardise_postcode(col)
    return [pc.alias("pc"), postcode_sector(pc).alias("sector"), postcode_district(pc).alias("district")]


def test_relabel_postcode_messy_strings() -> None:
    areas = bench_scale.chunk_areas(1)
    assert set(areas) == {"BR", "CR", "SE", "SW"} and not set(areas.values()) & set(areas)
    every = [a for i in range(1, 100) for a in bench_scale.chunk_areas(i).values()]  # up to 100 chunks
    assert len(set(every)) == len(every) == 99 * 4 and not set(every) & set(areas)
    raw = ["SW2 1AB", "SW21AB", "sw2 1ab", " se11 4xy", "Sw2 1AB", "SW 2 1AB", "CR0 1AA", "", " ", None, "UNKNOWN",
           "W1A 1AA"]
    out = pl.DataFrame({"postcode": raw}).with_columns(bench_scale.relabel_postcode("postcode", areas, 1))["postcode"]
    assert out.to_list() == ["AD2 1AB", "AD21AB", "ad2 1ab", " ac11 4xy", "Ad2 1AB", "AD 2 1AB", "AB0 1AA", "", " ",
                             None, "#01 UNKNOWN", "#01 W1A 1AA"]
    # Unparsable or unknown-area strings are prefixed: never a valid postcode, never another chunk's string.
    std = pl.DataFrame({"p": out}).select(standardise_postcode("p"))["p"].to_list()
    assert std == ["AD2 1AB"] * 3 + ["AC11 4XY"] + ["AD2 1AB"] * 2 + ["AB0 1AA"] + [None] * 5


def test_combined_chunks_do_not_collide(tmp_path: Path) -> None:
    # The same seed twice: every id and NHS number of chunk 1 collides with chunk 0 before combining.
    dirs = [str(tmp_path / f"c{i}") for i in range(2)]
    for i, d in enumerate(dirs):
        assert bench_scale.make_chunk(d, 300, 7, i)["postcodes_unmapped"] == 0
    before = [_nhs_groups(pl.read_parquet(f"{d}/cld_events.parquet"), pl.read_parquet(f"{d}/mh_patients.parquet"))
              for d in dirs]
    assert before[0] == before[1]
    info = bench_scale.combine_chunks(dirs, str(tmp_path / "work"))
    w = tmp_path / "work"
    cld, pat = pl.read_parquet(w / "cld_events.parquet"), pl.read_parquet(w / "mh_patients.parquet")
    truth = pl.read_parquet(w / "truth.parquet")

    assert info["nhs_remapped"] > 0
    asc_ids = cld["la_person_unique_identifier"].unique()
    assert asc_ids.str.slice(0, 2).n_unique() == 2 and pat["patient_id"].is_unique().all()
    assert truth["true_person_id"].n_unique() == 2 * truth.filter(pl.col("source_person_id").str.starts_with("00"))["true_person_id"].n_unique()
    # Valid NHS numbers of the two chunks are disjoint, and each chunk keeps its own "same number" groups.
    numbers = [bench_scale._valid_numbers(pl.concat([cld.filter(pl.col("la_person_unique_identifier").str.starts_with(p))["nhs_number"],
                                                     pat.filter(pl.col("patient_id").str.starts_with(p))["nhs_number"]]))
               for p in ("00", "01")]
    assert not numbers[0].is_in(numbers[1].implode()).any()
    after = [_nhs_groups(cld.filter(pl.col("la_person_unique_identifier").str.starts_with(p)),
                         pat.filter(pl.col("patient_id").str.starts_with(p))) for p in ("00", "01")]
    assert after[0] == after[1] == before[0]
    # Truth covers every record.
    records = pl.concat([pl.DataFrame({"source": "asc", "source_person_id": asc_ids}),
                         pat.select(pl.lit("mh").alias("source"), pl.col("patient_id").alias("source_person_id"))])
    assert records.join(truth, on=["source", "source_person_id"], how="anti").height == 0
    assert bench_scale.record_counts(w) == {"asc": asc_ids.len(), "mh": pat.height}

    # Postcodes: the same seed twice gives the same rows in the same order, so chunk 1's strings line
    # up with chunk 0's (the originals). The relabelling is one-to-one on raw strings and on the
    # standardised postcode, sector and district, keeps validity, and covers every table alike.
    p0, p1 = (_postcodes(d).select("table", pl.col("postcode").alias(f"pc{i}")) for i, d in enumerate(dirs))
    assert p0["table"].equals(p1["table"])
    pairs = pl.concat([p0, p1.drop("table")], how="horizontal")
    assert pairs["pc0"].is_null().equals(pairs["pc1"].is_null())
    for level in ("raw", "pc", "sector", "district"):
        cols = ([pl.col("pc0").alias("a"), pl.col("pc1").alias("b")] if level == "raw" else
                [e.alias("a") for e in _geo("pc0") if e.meta.output_name() == level]
                + [e.alias("b") for e in _geo("pc1") if e.meta.output_name() == level])
        m = pairs.select(cols).unique()
        assert m["a"].is_null().equals(m["b"].is_null()), level
        assert m.height == m["a"].n_unique() == m["b"].n_unique(), level
    assert pairs.select(_geo("pc0"))["district"].n_unique() > 5
    # After combining, the chunks' standardised postcodes (and districts) are disjoint.
    geo = _postcodes(w).with_columns(_geo("postcode")).drop_nulls("pc")
    assert geo.group_by("chunk").len().sort("chunk")["len"].to_list() == [pairs.select(standardise_postcode("pc0")).count().item()] * 2
    for level in ("pc", "district"):
        per = geo.group_by(level).agg(pl.col("chunk").n_unique())
        assert (per["chunk"] == 1).all(), level
    # Reference tables are the union of the chunks', with disjoint LSOAs; every record keeps its IMD decile.
    ref_pc, ref_imd = pl.read_parquet(w / "ref_postcode_lsoa.parquet"), pl.read_parquet(w / "ref_lsoa_imd.parquet")
    assert ref_pc["postcode"].is_unique().all() and ref_imd["lsoa11"].is_unique().all()
    assert ref_imd.height == 2 * pl.read_parquet(Path(dirs[0]) / "ref_lsoa_imd.parquet").height
    lookup = ref_pc.select(standardise_postcode("postcode").alias("pc"), "lsoa11").join(ref_imd.select("lsoa11", "imd_decile"), on="lsoa11")
    imd = cld.select(standardise_postcode("postcode").alias("pc"), pl.col("la_person_unique_identifier").str.slice(0, 2).alias("chunk")) \
        .join(lookup, on="pc", how="left", maintain_order="left")
    d0, d1 = (imd.filter(pl.col("chunk") == c)["imd_decile"] for c in ("00", "01"))
    assert d0.equals(d1) and d0.is_not_null().sum() > 0.8 * d0.len()
