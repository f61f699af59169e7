"""Speed and peak memory of spine + linkage at scale, against a plain Splink 5 script with
conventional settings on the same data, in the same run.

    python benchmarks/bench_scale.py --side 100000
    python benchmarks/bench_scale.py --side 1000000 --work /tmp/bench_scale_1m   # reuses data there

Measured, each step in its own spawned process (so wall time and peak RSS are the step's own):
ours = spine + tokens + `link_persons` with the model trained (bench_linkage.step_ours, tokens
mode); plain = bench_linkage.step_plain_splink on the same spines. Printed: wall seconds, peak RSS,
cross-system precision/recall/F1 against the ground truth, the ratio ours/plain, our per-step
timings, and the data generation time. `--side N` sizes the population so that the smaller side
(ASC person records, MH patient records) holds about N records, i.e. N persons a side at least;
both sides' counts and the true cross-system pair count are printed.

Why the data is chunked: one `synth.generate` call holds every simulated table in memory (~1.4 GB
per 100,000 persons with one drop), so the ~1.6M persons of a million-record side would need ~20
GB. Instead chunks of at most `--chunk` persons are generated one at a time (seeds seed, seed+1,
...), each in its own process, and only the tables linkage reads are kept, ingested as
`load_raw` would.

Why one borough per chunk: `synth` simulates one Lambeth-like borough (~4,450 postcodes). Putting
a million-record side into that one geography would crowd ~40+ ASC records into every postcode, make
postcode agreement nearly worthless and blow up a conventional `block_on("postcode")` (~150M pairs
at 1M a side), none of which a real population that size (many boroughs) would show. So each chunk
is its own borough: its geography comes from its own seed, and for chunk k > 0 the postcode area
letters (SW, SE, CR, BR) are replaced by letters unique to the chunk (never an original area nor
another chunk's), identically in every postcode column (CLD, MH patients, MH addresses) and in the
chunk's copy of reference/postcode_lsoa. Area letters are a prefix of the district, so districts
and sectors map one-to-one within a chunk, and postcodes of two chunks can never be equal. The
chunk's LSOA codes get the chunk prefix too, and the reference tables of all chunks are
concatenated, so every postcode keeps its own LSOA and IMD decile. A borough holds one chunk's
persons, so postcode crowding is set by `--chunk`, not by `--side`: at the default 200,000 about
15-20 ASC persons share a postcode (about 3 in a default 20,000-person synth run); a smaller `--chunk`
gives more, sparser boroughs (at most 100 chunks).

Combining them: ids get a chunk prefix so they cannot collide, and valid NHS numbers that an
earlier chunk already used are remapped to fresh valid numbers, because independent chunks draw
them independently and a collision would look like one number shared by two people. The result is
the work folder `load_raw` would have written, plus truth.parquet.
"""
from __future__ import annotations

import argparse
import json
import math
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import polars as pl  # noqa: E402

from bench_linkage import load_raw, peak_rss_mb, run_isolated, score, step_ours, step_plain_splink  # noqa: E402

QUARTER = "2025-Q2"
LINK_TABLES = ("cld_events", "mh_patients", "mh_addresses", "mh_referrals")
REF_TABLES = ("ref_postcode_lsoa", "ref_lsoa_imd")
ID_COLUMNS = {
    "cld_events": ("la_person_unique_identifier", "event_reference", "adult_1_linked_person_id",
                   "adult_2_linked_person_id", "adult_3_linked_person_id"),
    "mh_patients": ("patient_id",),
    "mh_addresses": ("patient_id",),
    "mh_referrals": ("patient_id", "referral_id"),
}
NHS_TABLES = ("cld_events", "mh_patients")
POSTCODE_TABLES = ("cld_events", "mh_patients", "mh_addresses", "ref_postcode_lsoa")  # column "postcode" in each
LSOA_TABLES = ("ref_postcode_lsoa", "ref_lsoa_imd")  # column "lsoa11" in each
RECORDS_PER_PERSON = 0.46  # smaller side's records per simulated person (one drop); only sizes chunk 0


# ---------------------------------------------------------------------------------------------
# Data
# ---------------------------------------------------------------------------------------------

def _prefixed(col: str, prefix: str) -> pl.Expr:
    c = pl.col(col)
    # A blank reference must stay blank: staging treats it as "no reference".
    return pl.when(c.str.strip_chars() != "").then(pl.lit(prefix) + c).otherwise(c).alias(col)


def _synth_areas() -> list[str]:
    """Postcode areas of the synth geography (borough and out-of-borough districts)."""
    from asc_linkage.core.synth.geography import BOROUGH_DISTRICTS, OUT_OF_BOROUGH_DISTRICTS

    areas = sorted({re.match(r"[A-Z]+", d).group() for d in BOROUGH_DISTRICTS + OUT_OF_BOROUGH_DISTRICTS})
    assert all(len(a) == 2 for a in areas), areas  # relabel_postcode swaps two letters for two
    return areas


def chunk_areas(index: int) -> dict[str, str]:
    """Original area -> area letters of chunk `index` (chunk 0 keeps the originals).

    Two-letter areas in the Royal Mail alphabet (first letter never Q, V, X; second never I, J,
    Z), excluding the originals, handed out in order: disjoint across chunks and from the originals.
    """
    if index == 0:
        return {}
    areas = _synth_areas()
    spare = [a + b for a in "ABCDEFGHKLMNOPRSTUWYZ" for b in "ABCDEFGHKLMNOPQRSTUVWXY" if a + b not in areas]
    start = (index - 1) * len(areas)
    if start + len(areas) > len(spare):
        raise ValueError(f"not enough spare postcode areas for chunk {index}: raise --chunk")
    return dict(zip(areas, spare[start:start + len(areas)]))


def relabel_postcode(col: str, areas: dict[str, str], index: int) -> pl.Expr:
    """`col` with its area letters replaced per `areas`, spacing and letter case kept ('sw21ab' -> 'ad21ab').

    A string is a function of the original alone, so within a chunk equal strings stay equal and
    different ones stay different; across chunks relabelled strings differ in their area letters.
    Null and blank strings are left alone (both mean "no postcode"). A non-blank string that does
    not start with a known area followed by a digit (the synth makes none: its typos change only
    the last letter, its format errors only spacing and case) gets the prefix '#<chunk> ': that
    keeps it distinct from every other chunk's strings, and since standardisation drops the '#'
    and space and a postcode must start with a letter, it can never standardise to a postcode.
    """
    c = pl.col(col)
    # Area letters: the first 1-2 letters, when a digit follows (punctuation/spaces around them are
    # dropped by standardisation, so they are allowed here too and kept as they are).
    parts = c.str.extract_groups(r"(?s)^([^A-Za-z0-9]*)([A-Za-z]{1,2})([^A-Za-z0-9]*[0-9].*)$")
    head = parts.struct.field("2")
    new = head.str.to_uppercase().replace_strict(areas, default=None, return_dtype=pl.String)
    # Each new letter takes the case of the letter it replaces, so the map stays one-to-one on raw strings.
    new = pl.concat_str([
        pl.when(head.str.slice(i, 1) == head.str.slice(i, 1).str.to_lowercase())
        .then(new.str.slice(i, 1).str.to_lowercase()).otherwise(new.str.slice(i, 1)) for i in (0, 1)])
    relabelled = pl.concat_str([parts.struct.field("1"), new, parts.struct.field("3")])
    return (pl.when(c.is_null() | (c.str.strip_chars() == "")).then(c)
            .when(new.is_not_null()).then(relabelled)
            .otherwise(pl.lit(f"#{index:02d} ") + c).alias(col))


def make_chunk(chunk_dir: str, persons: int, seed: int, index: int, without: frozenset[str] = frozenset()) -> dict:
    """Generate one chunk (one drop), ingest what linkage reads, prefix its ids with the chunk number,
    and make it its own borough (chunk-specific postcode areas and LSOA codes)."""
    import asc_linkage.core.synth as synth

    d = Path(chunk_dir)
    d.mkdir(parents=True, exist_ok=True)
    raw = d / "synth"
    synth.generate(raw, persons=persons, seed=seed, quarters=[QUARTER], progress=False, without=without)
    load_raw(raw, d)
    prefix = f"{index:02d}"  # ids within a synth run have a fixed width, so this is collision-free
    for table, cols in ID_COLUMNS.items():
        df = pl.read_parquet(d / f"{table}.parquet")
        df.with_columns(_prefixed(c, prefix) for c in cols).write_parquet(d / f"{table}.parquet")
    unmapped = 0
    if index:
        areas = chunk_areas(index)
        for table in sorted(set(POSTCODE_TABLES) | set(LSOA_TABLES)):
            df = pl.read_parquet(d / f"{table}.parquet")
            if table in POSTCODE_TABLES:
                df = df.with_columns(relabel_postcode("postcode", areas, index))
                unmapped += df["postcode"].str.starts_with("#").sum()
            if table in LSOA_TABLES:
                df = df.with_columns(_prefixed("lsoa11", prefix))
            df.write_parquet(d / f"{table}.parquet")
    truth = pl.read_csv(raw / "ground_truth" / "truth.csv", infer_schema=False)
    truth.with_columns(_prefixed("true_person_id", prefix), _prefixed("source_person_id", prefix)).write_parquet(
        d / "truth.parquet")
    shutil.rmtree(raw)
    counts = record_counts(d)
    counts["postcodes_unmapped"] = int(unmapped)
    counts["rss_mb"] = peak_rss_mb()
    return counts


def _valid_numbers(nhs: pl.Series) -> pl.Series:
    """Distinct digit strings of the valid, non-placeholder NHS numbers in a column."""
    from asc_linkage.core.standardise import PLACEHOLDER_NHS, nhs_mod11_valid

    d = pl.DataFrame({"d": nhs.str.replace_all(r"[^0-9]", "")})
    ok = nhs_mod11_valid(pl.col("d")) & ~pl.col("d").is_in(list(PLACEHOLDER_NHS))
    return d.filter(ok)["d"].unique()


def _fresh_numbers(count: int, taken: pl.Series, seed: int) -> pl.Series:
    import numpy as np

    from asc_linkage.core.standardise import PLACEHOLDER_NHS
    from asc_linkage.core.synth.population import valid_nhs_numbers

    rng = np.random.default_rng([seed, 99])
    out = pl.Series("d", [], pl.String)
    while out.len() < count:
        new = valid_nhs_numbers(rng, 2 * count + 16)
        new = new.filter(~new.is_in(taken.implode()) & ~new.is_in(out.implode()) & ~new.is_in(list(PLACEHOLDER_NHS)))
        out = pl.concat([out, new.alias("d")])
    return out.head(count)


def _remap_nhs(df: pl.DataFrame, old: pl.Series, new: pl.Series) -> pl.DataFrame:
    digits = pl.col("nhs_number").str.replace_all(r"[^0-9]", "")
    mapped = digits.replace(old, new)
    spaced = pl.concat_str([mapped.str.slice(0, 3), mapped.str.slice(3, 3), mapped.str.slice(6)], separator=" ")
    return df.with_columns(
        pl.when(mapped == digits).then(pl.col("nhs_number"))
        .when(pl.col("nhs_number").str.contains(" ")).then(spaced)
        .otherwise(mapped).alias("nhs_number"))


def combine_chunks(chunk_dirs: list[str], work: str, seed: int = 0) -> dict:
    """Merge chunk folders into one work folder, remapping NHS numbers already used by an earlier chunk.

    A number is remapped on every record of its chunk at once, so within a chunk records that
    share a number (duplicates, cross-system pairs, the deliberately shared wrong numbers) still do.
    """
    w = Path(work)
    w.mkdir(parents=True, exist_ok=True)
    used = pl.Series("d", [], pl.String)
    remapped = 0
    for i, c in enumerate(map(Path, chunk_dirs)):
        frames = {t: pl.read_parquet(c / f"{t}.parquet") for t in NHS_TABLES}
        mine = _valid_numbers(pl.concat([f["nhs_number"] for f in frames.values()]))
        clash = mine.filter(mine.is_in(used.implode()))
        if clash.len():
            fresh = _fresh_numbers(clash.len(), pl.concat([used, mine]), seed * 1000 + i)
            for t, f in frames.items():
                _remap_nhs(f, clash, fresh).write_parquet(c / f"{t}.parquet")
            mine = pl.concat([mine.filter(~mine.is_in(clash.implode())), fresh])
            remapped += clash.len()
        used = pl.concat([used, mine])
    for t in (*LINK_TABLES, "truth", *REF_TABLES):
        # Streaming concatenation: the combined cld_events need not fit in memory. Each chunk is
        # its own borough, so the reference tables are the union of the chunks' (disjoint) ones.
        pl.scan_parquet([Path(c) / f"{t}.parquet" for c in chunk_dirs]).sink_parquet(w / f"{t}.parquet")
    return {"nhs_remapped": remapped}


def record_counts(d: Path) -> dict:
    asc = pl.scan_parquet(d / "cld_events.parquet").select(pl.col("la_person_unique_identifier").n_unique()).collect().item()
    mh = pl.scan_parquet(d / "mh_patients.parquet").select(pl.len()).collect().item()
    return {"asc": asc, "mh": mh}


def postcode_crowding(d: Path) -> dict:
    """Distinct standardised postcodes, ASC persons per postcode, and ASC x MH record pairs that share a
    postcode (every postcode an ASC person was recorded with counts, so a little above what blocking
    on the spines' one postcode per person gives)."""
    from asc_linkage.core.standardise import standardise_postcode

    pc = standardise_postcode("postcode").alias("pc")
    asc = (pl.scan_parquet(d / "cld_events.parquet").select("la_person_unique_identifier", pc).drop_nulls().unique()
           .group_by("pc").agg(pl.len().alias("a")))
    mh = pl.scan_parquet(d / "mh_patients.parquet").select(pc).drop_nulls().group_by("pc").agg(pl.len().alias("m"))
    j = asc.join(mh, on="pc", how="full", coalesce=True).fill_null(0).collect()
    return {"postcodes": j.height, "asc_per_postcode": j["a"].sum() / max(1, (j["a"] > 0).sum()),
            "pairs": int((j["a"].cast(pl.Int64) * j["m"].cast(pl.Int64)).sum())}


def cross_true_pairs(truth: pl.DataFrame) -> int:
    per = truth.group_by("true_person_id").agg(
        (pl.col("source") == "asc").sum().alias("a"), (pl.col("source") == "mh").sum().alias("m"))
    return int((per["a"].cast(pl.Int64) * per["m"].cast(pl.Int64)).sum())


def build_data(work: Path, side: int, seed: int, chunk: int, without: frozenset[str] = frozenset()) -> dict:
    """Generate ~`side` records on the smaller side (so each side holds at least about `side`) in
    chunks; returns persons, chunks, seconds, peak chunk RSS."""
    tmp = work / "chunks"
    shutil.rmtree(tmp, ignore_errors=True)
    t = time.perf_counter()
    sizes = [min(chunk, math.ceil(side / RECORDS_PER_PERSON))]
    c0 = run_isolated(make_chunk, str(tmp / "c00"), sizes[0], seed, 0, without)
    # Size the rest from chunk 0's measured records per person.
    rest = round(side * sizes[0] / max(min(c0["asc"], c0["mh"]), 1)) - sizes[0]
    if rest >= 1000:
        n = math.ceil(rest / chunk)
        sizes += [rest // n + (i < rest % n) for i in range(n)]
    if len(sizes) > 100:
        raise ValueError("more than 100 chunks: raise --chunk")
    rss, unmapped = [c0["rss_mb"]], 0
    for i, persons in enumerate(sizes[1:], start=1):
        c = run_isolated(make_chunk, str(tmp / f"c{i:02d}"), persons, seed + i, i, without)
        rss.append(c["rss_mb"])
        unmapped += c["postcodes_unmapped"]
    dirs = [str(tmp / f"c{i:02d}") for i in range(len(sizes))]
    info = run_isolated(combine_chunks, dirs, str(work), seed)
    shutil.rmtree(tmp)
    return {"persons": sum(sizes), "chunks": len(sizes), "seconds": time.perf_counter() - t,
            "chunk_rss_mb": max(rss), "postcodes_unmapped": unmapped, **info}


# ---------------------------------------------------------------------------------------------
# Run
# ---------------------------------------------------------------------------------------------

def _line(name: str, r: dict, sc: dict) -> None:
    print(f"\n== {name} ==")
    print(f"wall {r['wall']:.1f}s  peak RSS {r['rss_mb']:.0f} MB")
    print(f"cross-system  precision {sc['cross_precision']:.4f}  recall {sc['cross_recall']:.4f}  F1 {sc['cross_f1']:.4f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--side", type=int, default=100_000, help="records on the smaller side (about): N persons a side")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--work", type=Path, help="work folder; generated data found there is reused")
    ap.add_argument("--chunk", type=int, default=200_000, help="persons per generated chunk (~2.5 GB RSS at 200k)")
    ap.add_argument("--skip-plain", action="store_true")
    ap.add_argument("--without", action="append", default=[], metavar="CLASS",
                    help="leave out sparse-records or second-identities (synth --without); reused data must match")
    args = ap.parse_args()

    work = args.work or Path(tempfile.mkdtemp(prefix="bench_scale_"))
    work.mkdir(parents=True, exist_ok=True)
    without = sorted(set(args.without))
    made = work / "generation.json"  # what the reusable data was generated without
    if all((work / f"{t}.parquet").exists() for t in (*LINK_TABLES, *REF_TABLES, "truth")):
        held = json.loads(made.read_text())["without"] if made.exists() else None
        if held is not None and held != without:
            sys.exit(f"bench_scale: {work} holds data generated without {held or 'nothing'}, not {without or 'nothing'}")
        print(f"reusing data in {work}; record classes left out: {'unknown (no generation.json)' if held is None else ', '.join(held) or 'none'}")
    else:
        g = build_data(work, args.side, args.seed, args.chunk, frozenset(without))
        made.write_text(json.dumps({"side": args.side, "seed": args.seed, "chunk": args.chunk, "without": without}) + "\n")
        print(f"generated {g['persons']:,} persons in {g['chunks']} chunks in {g['seconds']:.1f}s"
              f" (peak chunk RSS {g['chunk_rss_mb']:.0f} MB, {g['nhs_remapped']} NHS numbers remapped,"
              f" {g['postcodes_unmapped']} postcodes not relabelled) -> {work}")
    truth = pl.read_parquet(work / "truth.parquet")
    n = record_counts(work)
    print(f"records: ASC {n['asc']:,}  MH {n['mh']:,}  true cross-system pairs {cross_true_pairs(truth):,}")
    pc = postcode_crowding(work)
    print(f"postcodes: {pc['postcodes']:,} distinct, {pc['asc_per_postcode']:.1f} ASC persons per postcode,"
          f" {pc['pairs']:,} ASC x MH pairs sharing a postcode")

    ours = run_isolated(step_ours, str(work), "tokens", False)
    sc_ours = score(work, "tokens", truth)
    _line("ours (tokens, spine + linkage, model trained)", ours, sc_ours)
    print(f"steps: spine {ours['spine_s']:.1f}s  tokens {ours['tokens_s']:.1f}s  linkage timings {ours['stats']['timings_s']}")
    print("linkage stats", {k: v for k, v in ours["stats"].items() if k != "timings_s"})
    if args.skip_plain:
        return
    plain = run_isolated(step_plain_splink, str(work))
    sc_plain = score(work, "plain", truth)
    _line("plain Splink 5 (conventional, link_only, same spines)", plain, sc_plain)
    print(f"\nratio ours/plain: wall {ours['wall'] / plain['wall']:.2f} RSS {ours['rss_mb'] / plain['rss_mb']:.2f}"
          f" F1 {sc_ours['cross_f1']:.4f} vs {sc_plain['cross_f1']:.4f}")


if __name__ == "__main__":
    main()
