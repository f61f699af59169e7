"""Time the synthetic landing generator: persons, rows written, seconds, persons/minute, peak memory.

    python benchmarks/bench_synth.py --persons 200000 [--out DIR] [--seed 42]

Peak memory is the process's maximum resident set size (ru_maxrss), so it includes the Python
interpreter and imported libraries.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from asc_linkage.core.synth import generate  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--out", type=Path, default=None, help="output folder (default: a temporary one, removed after)")
    parser.add_argument("--progress", action="store_true")
    args = parser.parse_args(argv)
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="bench_synth_") as scratch:
        out = args.out or Path(scratch)
        summary = generate(out, persons=args.persons, seed=args.seed, progress=args.progress)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    peak_mb = usage.ru_maxrss / 1024
    # CPU time next to wall time: on a shared machine the wall clock also measures the neighbours.
    cpu_seconds = usage.ru_utime + usage.ru_stime
    per_minute = summary.persons / summary.seconds * 60 if summary.seconds else float("inf")
    last = summary.quarters[-1]
    print(f"persons            {summary.persons:,}")
    print(f"asc / mh / both    {summary.asc_persons:,} / {summary.mh_persons:,} / {summary.both_persons:,}")
    print(f"quarters           {len(summary.quarters)} ({summary.quarters[0]}..{last})")
    print(f"rows written       {summary.total_rows:,}")
    print(f"rows in {last}    " + ", ".join(f"{name.split('/')[-1]}={rows:,}" for name, rows in summary.rows[last].items()))
    print(f"seconds            {summary.seconds:.1f} wall, {cpu_seconds:.1f} CPU (process incl. imports), "
          f"{os.cpu_count()} cores, load average {load_before:.1f} -> {os.getloadavg()[0]:.1f}")
    print(f"persons per minute {per_minute:,.0f}")
    print(f"peak memory MB     {peak_mb:,.0f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
