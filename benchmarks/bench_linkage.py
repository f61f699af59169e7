"""Accuracy, speed and peak memory of spine + linkage on generated data, against a plain Splink 5
script with conventional settings on the same data, in the same run.

    python benchmarks/bench_linkage.py --persons 20000
    python benchmarks/bench_linkage.py --persons 100000 --skip-trusted
    python benchmarks/bench_linkage.py --data /tmp/synth_out   # reuse a generated folder

Each measured step runs in its own spawned process so its wall time and peak RSS are its own.
Printed: pairwise cross-system precision/recall/F1, within-system duplicate recall, recall by broad
ethnic group, wall time, peak RSS, the plain-Splink ratio, and the next-quarter (model reused) cost.
"""
from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import polars as pl  # noqa: E402

from asc_linkage.core.quarters import previous_quarter  # noqa: E402

SECRET = b"bench-linkage-secret"


# ---------------------------------------------------------------------------------------------
# Data
# ---------------------------------------------------------------------------------------------

def generate(out: Path, persons: int, seed: int, without: frozenset[str] = frozenset()) -> None:
    from asc_linkage.core.synth import generate as synth_generate

    synth_generate(out, persons=persons, seed=seed, progress=False, without=without)


def load_raw(data: Path, work: Path, upto: str | None = None) -> str:
    """Ingest every drop (ASC: all drops up to the quarter; MH: that drop's snapshot) to parquet."""
    from asc_linkage.core.ingest import ingest_file, landing_files, reference_files

    landing = data / "landing"
    quarters = sorted(p.name for p in landing.iterdir() if p.is_dir() and p.name[:4].isdigit())
    if upto:
        quarters = [q for q in quarters if q <= upto]
    last = quarters[-1]
    cld = []
    for q in quarters:
        files = landing_files(landing, q)
        path, spec, disp = files["cld_events"]
        cld.append(ingest_file(path, spec, q, disp).accepted)
    pl.concat(cld, how="diagonal_relaxed").write_parquet(work / "cld_events.parquet")
    files = landing_files(landing, last)
    for table in ("mh_patients", "mh_addresses", "mh_referrals"):
        if table in files:
            path, spec, disp = files[table]
            ingest_file(path, spec, last, disp).accepted.write_parquet(work / f"{table}.parquet")
    for table, (path, spec, disp) in reference_files(landing).items():
        ingest_file(path, spec, None, disp).accepted.write_parquet(work / f"{table}.parquet")
    return last


def peak_rss_mb() -> float:
    """Peak resident memory of this process's program, in MB: `VmHWM`, not `ru_maxrss`. A spawned
    worker's `ru_maxrss` counts its parent's resident memory at the fork before exec (a worker of a
    parent holding 3 GB reported 3.1 GB having done nothing; `VmHWM` reported 32 MB), so every
    step measured in a worker of this bench, which holds the raw data, read too high."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:  # not Linux
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _read(work: Path, name: str) -> pl.DataFrame | None:
    p = work / f"{name}.parquet"
    return pl.read_parquet(p) if p.exists() else None


# ---------------------------------------------------------------------------------------------
# Steps (each in its own process)
# ---------------------------------------------------------------------------------------------

def step_ours(work: str, mode: str, reuse: bool) -> dict:
    from asc_linkage.core.linkage import link_persons
    from asc_linkage.core.spine import build_asc_spine, build_mh_spine
    from asc_linkage.core.staging import stage_asc_events
    from asc_linkage.core.tokens import make_link_tokens

    w = Path(work)
    cld = _read(w, "cld_events")
    ref_pc, ref_imd = _read(w, "ref_postcode_lsoa"), _read(w, "ref_lsoa_imd")
    mh = [_read(w, t) for t in ("mh_patients", "mh_addresses", "mh_referrals")]
    t0 = time.perf_counter()
    stg = stage_asc_events(cld)
    del cld  # the pipeline holds one asset's inputs at a time, not every raw submission
    sa = build_asc_spine(stg, ref_pc, ref_imd)
    sm = build_mh_spine(mh[0], mh[1], ref_pc, ref_imd, mh[2])
    t_spine = time.perf_counter() - t0
    if not reuse:  # the next quarter's state; written outside the timed span
        t_w = time.perf_counter()
        stg.write_parquet(w / "stg_asc_events.parquet")
        t0 += time.perf_counter() - t_w
    del stg
    if mode == "tokens":
        x, y = make_link_tokens(sa, SECRET), make_link_tokens(sm, SECRET)
    else:
        x, y = sa, sm
    t_tok = time.perf_counter() - t0 - t_spine
    prev_model = (w / f"model_{mode}.json").read_text() if reuse else None
    prev_km = _read(w, f"key_map_{mode}") if reuse else None
    res = link_persons(x, y, mode=mode, secret=SECRET, previous_model=prev_model, previous_key_map=prev_km)
    wall = time.perf_counter() - t0
    if not reuse:
        (w / f"model_{mode}.json").write_text(res.model_settings_json)
        res.key_map.write_parquet(w / f"key_map_{mode}.parquet")
        # The state a next quarter starts from.
        x.write_parquet(w / f"asc_inputs_{mode}.parquet")
        y.write_parquet(w / f"mh_inputs_{mode}.parquet")
        res.pairs.write_parquet(w / f"pairs_{mode}.parquet")
    res.key_map.write_parquet(w / f"key_map_{mode}{'_reuse' if reuse else ''}.out.parquet")
    sa.write_parquet(w / "asc_spine.parquet")
    sm.write_parquet(w / "mh_spine.parquet")
    return {"wall": wall, "spine_s": t_spine, "tokens_s": t_tok, "stats": res.stats,
            "rss_mb": peak_rss_mb()}


def step_next_quarter(work: str, work_prev: str, mode: str) -> dict:
    """The last quarter as a real next quarter: starts from the previous quarter's stored state
    (staged events, spines, link inputs, scored pairs, model, key map) and the new drop only."""
    from asc_linkage.core.linkage import link_persons
    from asc_linkage.core.spine import ASC_EVIDENCE_COLUMNS, build_asc_spine_incremental, build_mh_spine_incremental
    from asc_linkage.core.staging import stage_asc_events_incremental
    from asc_linkage.core.store import read_parquet_held
    from asc_linkage.core.tokens import make_link_tokens

    w, p = Path(work), Path(work_prev)
    # Only the new drop, as the pipeline reads it (every drop in memory would inflate peak RSS).
    cld = pl.scan_parquet(w / "cld_events.parquet")
    new_drop = cld.filter(pl.col("_quarter") == cld.select(pl.col("_quarter").max()).collect().item()).collect()
    ref_pc, ref_imd = _read(w, "ref_postcode_lsoa"), _read(w, "ref_lsoa_imd")
    mh_inputs = [_read(w, t) for t in ("mh_patients", "mh_addresses", "mh_referrals")]
    t0 = time.perf_counter()  # reading the previous state counts
    # State is read where the pipeline's asset would read it and dropped after, as each asset runs
    # in its own process with only its own inputs (holding everything at once inflated peak RSS).
    stg = stage_asc_events_incremental(_read(p, "stg_asc_events"), new_drop)
    touched = new_drop["la_person_unique_identifier"].unique()
    del new_drop
    prev_sa = _read(p, "asc_spine")
    # The evidence columns of last quarter's staged events, as the spine asset reads them.
    prev_evidence = read_parquet_held(p / "stg_asc_events.parquet", ASC_EVIDENCE_COLUMNS)
    sa, _ = build_asc_spine_incremental(prev_sa, stg, touched, ref_pc, ref_imd, previous_stg_events=prev_evidence)
    del prev_evidence
    del stg
    prev_sm = _read(p, "mh_spine")
    prev_snapshot = tuple(_read(p, t) for t in ("mh_patients", "mh_addresses", "mh_referrals"))
    sm, _ = build_mh_spine_incremental(prev_sm, prev_snapshot, mh_inputs[0], mh_inputs[1], ref_pc, ref_imd, mh_inputs[2])
    del prev_snapshot, mh_inputs
    prev_x, prev_y = _read(p, f"asc_inputs_{mode}"), _read(p, f"mh_inputs_{mode}")
    t_spine = time.perf_counter() - t0
    if mode == "tokens":
        x, y = make_link_tokens(sa, SECRET, prev_sa, prev_x), make_link_tokens(sm, SECRET, prev_sm, prev_y)
    else:
        x, y = sa, sm
    t_tok = time.perf_counter() - t0 - t_spine
    if mode == "tokens":
        del sa, sm, prev_sa, prev_sm
    prev_pairs, prev_model, prev_km = _read(p, f"pairs_{mode}"), (p / f"model_{mode}.json").read_text(), _read(p, f"key_map_{mode}")
    res = link_persons(x, y, mode=mode, secret=SECRET, previous_model=prev_model, previous_key_map=prev_km,
                       previous_inputs=(prev_x, prev_y), previous_pairs=prev_pairs)
    wall = time.perf_counter() - t0
    res.key_map.write_parquet(w / f"key_map_{mode}_next.out.parquet")
    return {"wall": wall, "spine_s": t_spine, "tokens_s": t_tok, "stats": res.stats,
            "rss_mb": peak_rss_mb()}


def step_plain_splink(work: str) -> dict:
    """Conventional Splink 5: link_only on standardised spines, library comparisons, u by 1e7
    random pairs, EM blocked on DOB and on names, connected components at 0.9."""
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    w = Path(work)
    cols = ["source_person_id", "forename", "surname", "date_of_birth", "postcode", "sex", "nhs_number"]
    sa = pl.read_parquet(w / "asc_spine.parquet").select(cols).rename({"source_person_id": "unique_id"})
    sm = pl.read_parquet(w / "mh_spine.parquet").select(cols).rename({"source_person_id": "unique_id"})
    t0 = time.perf_counter()
    db = DuckDBAPI()
    a = db.register(sa.to_arrow(), dataset_display_name="asc_persons")
    m = db.register(sm.to_arrow(), dataset_display_name="mh_patients")
    settings = SettingsCreator(
        link_type="link_only",
        comparisons=[
            cl.NameComparison("forename"),
            cl.NameComparison("surname"),
            cl.DateOfBirthComparison("date_of_birth", input_is_string=False),
            cl.PostcodeComparison("postcode"),
            cl.ExactMatch("sex"),
            cl.ExactMatch("nhs_number"),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("nhs_number"), block_on("date_of_birth"), block_on("forename", "surname"), block_on("postcode"),
        ],
    )
    linker = Linker([a, m], settings)
    linker.training.estimate_probability_two_random_records_match([block_on("nhs_number")], recall=0.8)
    linker.training.estimate_u_using_random_sampling(max_pairs=1e7, seed=1)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("date_of_birth"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("forename", "surname"))
    pred = linker.inference.predict(threshold_match_probability=0.5)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(pred, 0.9)
    cdf = clusters.as_duckdbpyrelation().select("source_dataset, unique_id, cluster_id").pl()
    wall = time.perf_counter() - t0
    km = cdf.select(
        pl.when(pl.col("source_dataset").str.contains("asc")).then(pl.lit("asc")).otherwise(pl.lit("mh")).alias("source"),
        pl.col("unique_id").cast(pl.String).alias("source_person_id"),
        pl.col("cluster_id").cast(pl.String).alias("research_person_id"),
    )
    km.write_parquet(w / "key_map_plain.out.parquet")
    return {"wall": wall, "rss_mb": peak_rss_mb()}


def run_isolated(fn, *args) -> dict:
    ctx = mp.get_context("spawn")
    with ctx.Pool(1) as pool:
        return pool.apply(fn, args)


# ---------------------------------------------------------------------------------------------
# Scoring
# ---------------------------------------------------------------------------------------------

def score(work: Path, name: str, truth: pl.DataFrame) -> dict:
    from asc_linkage.core.quality import (cross_pair_evidence_by_group, name_only_summary, pairwise_scores, recall_by_evidence,
                                          recall_by_group, true_pair_evidence)
    from asc_linkage.core.reporting import name_only_ceilings, recall_gap

    km = pl.read_parquet(work / f"key_map_{name}.out.parquet")
    sc = pairwise_scores(km, truth)
    sa, sm = pl.read_parquet(work / "asc_spine.parquet"), pl.read_parquet(work / "mh_spine.parquet")
    persons = pl.concat([sa.select("source", "source_person_id", "ethnic_group"), sm.select("source", "source_person_id", "ethnic_group")])
    pairs = true_pair_evidence(km, truth, sa, sm)
    name_only = name_only_summary(pairs)
    sc["name_only"] = {k: (n, linked, rec, ceiling) for k, n, linked, rec, ceiling in
                       name_only.select("kind", "name_only_pairs", "name_only_linked", "recall_other_pairs", "recall_ceiling").iter_rows()}
    sc["ceilings"] = name_only_ceilings(name_only, sc["cross_precision"])
    for evidence, key in (("dob_evidence", "recall_by_dob_evidence"), ("name_agreement", "recall_by_name_agreement")):
        sc[key] = [(k, ev, n, linked, round(rec, 4)) for k, ev, n, linked, rec in
                   recall_by_evidence(pairs, evidence).select("kind", evidence, "true_pairs", "linked_pairs", "recall").iter_rows()]
    sc["cross_pair_evidence_by_ethnic_group"] = cross_pair_evidence_by_group(pairs, truth, persons, "ethnic_group")
    eth = recall_by_group(km, truth, persons, "ethnic_group", pairs)
    sc["recall_by_ethnic_group"] = dict(zip(eth["ethnic_group"], [round(v, 4) for v in eth["recall"]]))
    sc["ethnic_recall_gap"] = recall_gap(eth)
    sc["recall_by_ethnic_group_other"] = dict(zip(eth["ethnic_group"], [round(v, 4) for v in eth["recall_other_persons"].fill_null(0.0)]))
    return sc


def _partition_difference(a: pl.DataFrame, b: pl.DataFrame) -> int:
    """Records whose set of co-members differs between two key maps (ids themselves may differ)."""
    def members(km: pl.DataFrame) -> pl.DataFrame:
        k = km.select(pl.concat_str("source", pl.lit(":"), "source_person_id").alias("k"), "research_person_id")
        g = k.group_by("research_person_id").agg(pl.col("k").sort().str.join("|").alias("m"))
        return k.join(g, on="research_person_id").select("k", "m")
    j = members(a).join(members(b), on="k", how="full", suffix="_b")
    return j.filter(~pl.col("m").eq_missing(pl.col("m_b"))).height


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--persons", type=int, default=20000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--data", type=Path, help="an existing synth output folder (landing/ + ground_truth/)")
    ap.add_argument("--work", type=Path)
    ap.add_argument("--without", action="append", default=[], metavar="CLASS",
                    help="generated data only: leave out sparse-records or second-identities (synth --without)")
    ap.add_argument("--skip-trusted", action="store_true")
    ap.add_argument("--skip-plain", action="store_true")
    ap.add_argument("--repeat", type=int, default=1,
                    help="run the full and next-quarter steps this many times and report medians (2 cores: noisy)")
    args = ap.parse_args()

    work = args.work or Path(tempfile.mkdtemp(prefix="bench_linkage_"))
    work.mkdir(parents=True, exist_ok=True)
    data = args.data
    if data is None:
        data = work / "synth"
        t = time.perf_counter()
        generate(data, args.persons, args.seed, frozenset(args.without))
        print(f"generated {args.persons} persons in {time.perf_counter() - t:.1f}s -> {data}")
    last = load_raw(data, work)
    truth = pl.read_csv(data / "ground_truth" / "truth.csv", schema_overrides={"source_person_id": pl.String, "true_person_id": pl.String})
    cld = pl.read_parquet(work / "cld_events.parquet")
    made = data / "ground_truth" / "generation.json"  # written by synth since 2026-12-07
    left_out = ", ".join(json.loads(made.read_text())["without"]) if made.exists() else "unknown (no generation.json)"
    print(f"data: quarter {last}, cld rows {cld.height}, truth records {truth.height}; record classes left out: {left_out or 'none'}")

    results = {}
    modes = ["tokens"] + ([] if args.skip_trusted else ["trusted"])
    for mode in modes:
        r = run_isolated(step_ours, str(work), mode, False)
        sc = score(work, mode, truth)
        results[mode] = (r, sc)
        st = r["stats"]
        print(f"\n== ours ({mode}) ==")
        print(f"cross-system  precision {sc['cross_precision']:.4f}  recall {sc['cross_recall']:.4f}  F1 {sc['cross_f1']:.4f}"
              f"  (true pairs {sc['cross_true_pairs']})")
        print(f"duplicates    ASC recall {sc['dup_asc_recall']:.4f} precision {sc['dup_asc_precision']:.4f} (pairs {sc['dup_asc_true_pairs']})"
              f" | MH recall {sc['dup_mh_recall']:.4f} precision {sc['dup_mh_precision']:.4f} (pairs {sc['dup_mh_true_pairs']})")
        for kind, label in (("cross", "cross-system"), ("asc", "ASC duplicates"), ("mh", "MH duplicates")):
            n, linked, rec_other, ceiling = sc["name_only"].get(kind, (0, 0, None, None))
            total = sc[f"{'cross' if kind == 'cross' else 'dup_' + kind}_true_pairs"]
            print(f"name-only true pairs ({label}): {n} of {total}, {linked} linked;"
                  f" recall on the other pairs {rec_other if rec_other is None else round(rec_other, 4)}")
            if ceiling is not None:
                # Every other pair linked, the name-only ones as now (linking more of them links
                # namesakes: see the namesake line below).
                line = f"  recall ceiling without more name-only links ({label}): {ceiling:.4f}"
                if kind == "cross":
                    line += f"; F1 ceiling at this run's precision {sc['ceilings']['cross_f1_ceiling']:.4f}"
                print(line)
        print("recall by date-of-birth evidence (kind, evidence, true pairs, linked, recall):", sc["recall_by_dob_evidence"])
        print("recall by name agreement (kind, agreement, true pairs, linked, recall):", sc["recall_by_name_agreement"])
        with pl.Config(tbl_rows=20, tbl_cols=12, tbl_width_chars=200):
            print("true cross-system pairs by ethnic group, and the share with each weakness:")
            print(sc["cross_pair_evidence_by_ethnic_group"])
        if mode == modes[0]:
            # Spines and truth only (no key map): the same for every mode, computed once.
            from asc_linkage.core.quality import namesake_pairs

            namesakes = namesake_pairs(truth, pl.read_parquet(work / "asc_spine.parquet"), pl.read_parquet(work / "mh_spine.parquet"))
            print("name-only record pairs agreeing on full name and sex (records carrying the name, pairs, same person, share):",
                  namesakes.rows())
        for key, label in (("recall_by_ethnic_group", "recall by ethnic group"),
                           ("recall_by_ethnic_group_other", "same, persons without a name-only pair")):
            rec = sc[key]
            known = {k: v for k, v in rec.items() if k != "Unknown"}
            print(f"{label} {rec}  spread(known) {max(known.values()) - min(known.values()):.4f}")
        if sc["ethnic_recall_gap"]:
            from asc_linkage.core.reporting import MIN_GROUP_FOR_GAP

            g = sc["ethnic_recall_gap"]
            print(f"ethnic recall gap as the report judges it (known groups of >= {MIN_GROUP_FOR_GAP} persons): {g['best_group']} - {g['worst_group']}"
                  f" {g['gap']:.4f}, 95% interval {g['gap_low']:.4f} to {g['gap_high']:.4f}")
        print(f"wall {r['wall']:.1f}s (spine {r['spine_s']:.1f}s, tokens {r['tokens_s']:.1f}s) peak RSS {r['rss_mb']:.0f} MB  timings {st['timings_s']}")
        print("stats", {k: v for k, v in st.items() if k != "timings_s"})
        # Next quarter: the previous quarter run in full, then this quarter from its state.
        prev_work = work / "previous_quarter"
        prev_work.mkdir(exist_ok=True)
        load_raw(data, prev_work, upto=previous_quarter(last))
        run_isolated(step_ours, str(prev_work), mode, False)
        r2 = run_isolated(step_next_quarter, str(work), str(prev_work), mode)
        if args.repeat > 1:
            # Alternate the two so a slow spell of the machine hits both.
            fulls, nexts = [r["wall"]], [r2["wall"]]
            for _ in range(args.repeat - 1):
                fulls.append(run_isolated(step_ours, str(work), mode, False)["wall"])
                nexts.append(run_isolated(step_next_quarter, str(work), str(prev_work), mode)["wall"])
            print(f"repeated {args.repeat}x: full run wall {sorted(fulls)} median {statistics.median(fulls):.1f}s;"
                  f" next quarter {sorted(nexts)} median {statistics.median(nexts):.1f}s;"
                  f" ratio of medians {statistics.median(nexts) / statistics.median(fulls):.2f}")
        sc2 = score(work, f"{mode}_next", truth)
        full_km = pl.read_parquet(work / f"key_map_{mode}.out.parquet")
        next_km = pl.read_parquet(work / f"key_map_{mode}_next.out.parquet")
        differ = _partition_difference(full_km, next_km)
        st2 = r2["stats"]
        print(f"next quarter (from {previous_quarter(last)}'s state, model reused): wall {r2['wall']:.1f}s ="
              f" {r2['wall'] / r['wall']:.2f} of a full run (spine {r2['spine_s']:.1f}s, tokens {r2['tokens_s']:.1f}s);"
              f" records re-scored {st2['n_records_rescored']}, pairs carried over {st2['n_pairs_carried_over']};"
              f" F1 {sc2['cross_f1']:.4f}; changed ids {st2['n_changed_ids']}; records grouped differently from the full run {differ};"
              f" peak RSS {r2['rss_mb']:.0f} MB; timings {st2['timings_s']}")
    if "trusted" in results:
        d = results["tokens"][1]["cross_f1"] - results["trusted"][1]["cross_f1"]
        print(f"\ntokens minus trusted F1: {d * 100:+.3f} pp")
    if not args.skip_plain:
        r = run_isolated(step_plain_splink, str(work))
        sc = score(work, "plain", truth)
        ours = results["tokens"][0]
        print("\n== plain Splink 5 (conventional, link_only, same spines) ==")
        print(f"cross-system  precision {sc['cross_precision']:.4f}  recall {sc['cross_recall']:.4f}  F1 {sc['cross_f1']:.4f}")
        print(f"wall {r['wall']:.1f}s peak RSS {r['rss_mb']:.0f} MB")
        print(f"ratio ours(tokens, spine+linkage) / plain: wall {ours['wall'] / r['wall']:.2f}  RSS {ours['rss_mb'] / r['rss_mb']:.2f}"
              f"  F1 {results['tokens'][1]['cross_f1']:.4f} vs {sc['cross_f1']:.4f}")


if __name__ == "__main__":
    main()
