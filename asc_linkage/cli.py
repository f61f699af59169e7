"""The `asc-linkage` command line: synth, run, demo, ui, key-map, docs.

Every command that materialises assets goes through the same Dagster definitions and the same
instance as the web UI (``<home>/dagster``), so a run made here shows in ``asc-linkage ui``.
On bad input a command exits non-zero with one line naming the file and the fault.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from asc_linkage.core.home import Home, HomeConfig, SecretMissing

DEFAULT_DEMO_PERSONS = 20_000
DEMO_QUARTERS = "2023-Q3:2025-Q2"


class CliError(Exception):
    """A one-line answer for the user; printed without a traceback."""


def _parse_quarters(text: str | None) -> list[str] | None:
    from asc_linkage.core.quarters import quarter_range

    if not text:
        return None
    first, _, last = text.partition(":")
    return quarter_range(first, last or first)


def cmd_synth(args: argparse.Namespace) -> int:
    from asc_linkage.core.synth import generate

    summary = generate(
        Path(args.out), persons=args.persons, seed=args.seed,
        quarters=_parse_quarters(args.quarters), progress=not args.quiet, without=frozenset(args.without or ()),
    )
    print(f"wrote synthetic landing zone to {Path(args.out) / 'landing'} "
          f"and ground truth to {Path(args.out) / 'ground_truth'}")
    print(summary)
    return 0


def _activate(home: Home) -> None:
    """Point Dagster and the definitions at this home before they are imported."""
    home.ensure()
    os.environ["DAGSTER_HOME"] = str(home.dagster_home)
    os.environ["ASC_LINKAGE_HOME"] = str(home.root)


def _complete_quarters(landing: Path, quarter: str | None) -> list[str]:
    from asc_linkage.core.ingest import scan_landing
    from asc_linkage.core.quarters import parse_quarter

    if quarter:
        parse_quarter(quarter)  # a malformed --quarter is a one-line QuarterError, not "no drop"
    if not landing.is_dir():
        raise CliError(f"{landing}: landing folder does not exist")
    statuses = {status.quarter: status for status in scan_landing(landing)}
    if quarter:
        status = statuses.get(quarter)
        if status is None:
            raise CliError(f"{landing / quarter}: no drop for quarter {quarter}")
        if not status.complete:
            raise CliError(status.reason)
        return [quarter]
    complete = sorted(q for q, s in statuses.items() if s.complete)
    incomplete = [s for s in statuses.values() if not s.complete]
    if not complete:
        if incomplete:
            # nothing can run: the answer is the first drop's fault (one line), not a list
            others = f" (and {len(incomplete) - 1} other incomplete drop(s))" if len(incomplete) > 1 else ""
            raise CliError(f"{incomplete[0].reason}{others}")
        raise CliError(f"{landing}: no complete drop (a drop is complete when its manifest.json is valid)")
    for status in incomplete:
        print(f"skipped incomplete drop: {status.reason}", file=sys.stderr)
    return complete


def _check_headers(landing: Path, quarters: list[str]) -> None:
    """Refuse a file whose header breaks the contract before any Dagster run starts, so the answer
    is one line naming the file (not a step failure deep in a run)."""
    import csv

    from asc_linkage.core.ingest import ContractError, _column_names, landing_files, reference_files

    files = [entry for quarter in quarters for entry in landing_files(landing, quarter).values()]
    files += list(reference_files(landing).values())
    for path, spec, shown in files:
        with open(path, encoding="utf-8-sig", errors="replace", newline="") as handle:
            header = next(csv.reader(handle), None)
        if not header:
            raise CliError(f"{shown}: file is empty (no header row)")
        try:
            _column_names([name.strip() for name in header], spec, shown)
        except ContractError as fault:
            raise CliError(str(fault)) from None


def materialise(home: Home, quarters: list[str]) -> list[dict]:
    """Run the quarterly refresh job for each quarter, oldest first (later quarters build on
    earlier ones: cumulative staging, stable research ids)."""
    from dagster import DagsterInstance

    from asc_linkage.defs.definitions import QUARTERLY_REFRESH_JOB, build_definitions

    defs = build_definitions()
    job = defs.resolve_job_def(QUARTERLY_REFRESH_JOB)
    summaries = []
    with DagsterInstance.get() as instance:
        instance.add_dynamic_partitions("quarter", [q for q in quarters
                                                    if not instance.has_dynamic_partition("quarter", q)])
        for quarter in quarters:
            started = time.perf_counter()
            result = job.execute_in_process(
                partition_key=quarter, instance=instance, raise_on_error=False,
                # the full event log (with any stack trace) goes to the instance; on failure the
                # terminal gets one line from _first_failure, not Dagster's multi-line error events
                run_config={"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}},
                tags={"asc_linkage/launched_by": "cli"},
            )
            seconds = time.perf_counter() - started
            if not result.success:
                raise CliError(_first_failure(result, quarter))
            summaries.append({"quarter": quarter, "seconds": seconds, "run_id": result.run_id,
                              "rows": _row_counts(result)})
            print(f"  {quarter}: materialised in {seconds:,.1f} s (run {result.run_id[:8]})")
    return summaries


def _first_failure(result, quarter: str) -> str:
    for event in result.all_events:
        if event.is_step_failure:
            error = event.step_failure_data.error
            user_failure = event.step_failure_data.user_failure_data
            message = ((user_failure.description if user_failure and user_failure.description else None)
                       or error.message or "").strip().splitlines()
            cause = message[0] if message else "failed"
            # Failure descriptions are ours (file + fault); other errors are reduced to their type.
            if error.cls_name not in ("Failure", "DagsterExecutionStepExecutionError"):
                cause = f"{error.cls_name} in step {event.step_key}"
            elif error.cause is not None and error.cls_name != "Failure":
                cause = f"{error.cause.cls_name} in step {event.step_key}"
            return f"{quarter}: {cause}"
    return f"{quarter}: run failed"


def _row_counts(result) -> dict[str, int]:
    counts = {}
    for event in result.get_asset_materialization_events():
        materialization = event.event_specific_data.materialization
        rows = materialization.metadata.get("dagster/row_count")
        if rows is not None:
            counts[materialization.asset_key.to_user_string()] = rows.value
    return counts


def _print_run_summary(home: Home, summaries: list[dict]) -> None:
    if not summaries:
        return
    last = summaries[-1]["rows"]
    print("\nrows in the last quarter's tables:")
    for asset, rows in sorted(last.items()):
        print(f"  {asset:<45} {rows:>10,}")
    print(f"\noutputs: {home.zone('identifiable')}  (identifiable)")
    print(f"         {home.zone('research')}  (research, pseudonymised)")
    print(f"         {home.zone('published')}  (published, disclosure-controlled)")
    print(f"open the web UI: asc-linkage ui --home {home.root}")


def cmd_run(args: argparse.Namespace) -> int:
    home = Home.resolve(args.home)
    landing = Path(args.landing).expanduser().resolve()
    config = home.load_config()
    config.landing = str(landing)
    if args.truth:
        config.ground_truth = str(Path(args.truth).expanduser().resolve())
    if args.mode:
        config.linkage_mode = args.mode
    quarters = _complete_quarters(landing, args.quarter)
    _check_headers(landing, quarters)
    _activate(home)
    home.save_config(config)
    home.linkage_secret()  # fail before any work when no secret is configured
    print(f"materialising {len(quarters)} quarter(s) from {landing}")
    summaries = materialise(home, quarters)
    _print_run_summary(home, summaries)
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    home = Home.resolve(args.home)
    _activate(home)
    demo_dir = home.root / "demo_data"
    landing = demo_dir / "landing"
    if not (landing.is_dir() and any(landing.glob("*/manifest.json"))):
        from asc_linkage.core.synth import generate

        print(f"generating a synthetic demo landing zone ({args.persons:,} persons) in {landing}")
        generate(demo_dir, persons=args.persons, seed=args.seed,
                 quarters=_parse_quarters(args.quarters), progress=True)
    config = home.load_config()
    config.landing = str(landing)
    config.ground_truth = str(demo_dir / "ground_truth" / "truth.csv")
    config.demo = True
    # the synthetic drops end here: later quarters are not "late" in the demo
    config.extra["expected_last_quarter"] = _parse_quarters(args.quarters)[-1]
    config.linkage_mode = config.linkage_mode or "tokens"
    home.save_config(config)
    kept = home.demo_secret_path.exists()  # a home keeps its secret, so its ids stay stable
    home.write_demo_secret()
    print(f"demo secret: {'kept' if kept else 'generated'} at {home.demo_secret_path} (demo only; real runs need ASC_LINKAGE_SECRET)")
    quarters = _complete_quarters(landing, None)
    print(f"materialising every asset for {len(quarters)} quarter(s)")
    summaries = materialise(home, quarters)
    _print_run_summary(home, summaries)
    return 0


def cmd_ui(args: argparse.Namespace) -> int:
    home = Home.resolve(args.home)
    _activate(home)
    command = [
        sys.executable, "-m", "dagster", "dev",
        "-m", "asc_linkage.defs.definitions",
        "-h", args.host, "-p", str(args.port),
    ]
    print(f"Dagster UI for {home.root} on http://{args.host}:{args.port}")
    os.execvp(command[0], command)
    return 0  # not reached


def cmd_key_map(args: argparse.Namespace) -> int:
    from asc_linkage.core.store import VersionedStore

    home = Home.resolve(args.home)
    if args.quarter:
        from asc_linkage.core.quarters import parse_quarter

        parse_quarter(args.quarter)
    store = VersionedStore(home.root)
    try:
        key_map = store.read("identifiable", "linkage_key_map", quarter=args.quarter)
    except FileNotFoundError:
        raise CliError(f"{home.root}: no linkage_key_map has been materialised"
                       + (f" for {args.quarter}" if args.quarter else "")) from None
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    key_map.write_csv(out)
    print(f"wrote {key_map.height:,} key-map rows to {out}")
    return 0


def cmd_docs(args: argparse.Namespace) -> int:
    from asc_linkage.defs.docs import write_docs

    pages = write_docs(Path(args.out))
    print(f"wrote {len(pages)} pages to {args.out}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="asc-linkage", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    synth = sub.add_parser("synth", help="write synthetic quarterly landing drops and a ground-truth table")
    synth.add_argument("--out", required=True)
    synth.add_argument("--persons", type=int, default=DEFAULT_DEMO_PERSONS)
    synth.add_argument("--seed", type=int, default=42)
    synth.add_argument("--quarters", default=DEMO_QUARTERS, help="FIRST:LAST, e.g. 2023-Q3:2025-Q2")
    synth.add_argument("--quiet", action="store_true", help="no progress bar")
    # Names checked by the generator (`synth.OPTIONAL_RECORD_CLASSES`): importing it here would load
    # numpy and polars for every command.
    synth.add_argument("--without", action="append", metavar="CLASS",
                       help="sparse-records or second-identities: leave out contact-only records, or second"
                            " genuine identities held by one system only (repeatable); both are kept by default")
    synth.set_defaults(func=cmd_synth)

    run = sub.add_parser("run", help="materialise every asset for the complete drops of a landing zone")
    run.add_argument("--landing", required=True)
    run.add_argument("--home")
    run.add_argument("--quarter", help="YYYY-Qn; default: every complete drop")
    run.add_argument("--mode", choices=["tokens", "trusted"], help="linkage mode (default tokens)")
    run.add_argument("--truth", help="ground-truth CSV (synthetic data only) to score the linkage")
    run.set_defaults(func=cmd_run)

    demo = sub.add_parser("demo", help="generate demo data if absent and materialise everything")
    demo.add_argument("--home")
    demo.add_argument("--persons", type=int, default=DEFAULT_DEMO_PERSONS)
    demo.add_argument("--seed", type=int, default=42)
    demo.add_argument("--quarters", default=DEMO_QUARTERS, help="FIRST:LAST quarters of the demo drops")
    demo.set_defaults(func=cmd_demo)

    ui = sub.add_parser("ui", help="the Dagster web UI for a home, on 127.0.0.1")
    ui.add_argument("--home")
    ui.add_argument("--host", default="127.0.0.1")
    ui.add_argument("--port", type=int, default=3000)
    ui.set_defaults(func=cmd_ui)

    key_map = sub.add_parser("key-map", help="write the linkage key map (identifiable) to CSV for audit")
    key_map.add_argument("--home")
    key_map.add_argument("--quarter")
    key_map.add_argument("--out", required=True)
    key_map.set_defaults(func=cmd_key_map)

    docs = sub.add_parser("docs", help="generate dbt-style docs of every table from specs and assets")
    docs.add_argument("--out", default="dbt_style_docs")
    docs.set_defaults(func=cmd_docs)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (CliError, SecretMissing) as fault:
        print(f"asc-linkage: {fault}", file=sys.stderr)
        return 2
    except ValueError as fault:
        # quarter strings and similar argument faults: one line, no traceback
        print(f"asc-linkage: {str(fault).splitlines()[0]}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
