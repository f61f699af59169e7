"""The README's promises, run as written: the two first commands and the analyst's snippet."""

from __future__ import annotations

import re
import subprocess
import sys

from asc_linkage_tests.conftest import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")


def test_first_lines_hold_the_demo_and_test_commands():
    head = "\n".join(README.splitlines()[:15])
    assert "bash scripts/demo.sh" in head and "bash scripts/test.sh" in head
    assert "scripts/test.sh" in (REPO / ".ci" / "run").read_text()


def test_analyst_snippet_reads_a_version_with_polars_and_duckdb(demo_home):
    section = README.split("## For analysts", 1)[1]
    snippet = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    snippet = snippet.replace('".asc_linkage_home"', repr(str(demo_home)))
    snippet = snippet.replace(".asc_linkage_home/", f"{demo_home}/")
    # the snippet's last expressions are shown to the analyst; here they must also have rows
    snippet += "\nassert exact.height > 0 and q2.equals(exact)\n"
    snippet += "assert duckdb.sql(f\"select count(*) from read_parquet('{path}')\").fetchall()[0][0] == exact.height\n"
    result = subprocess.run([sys.executable, "-c", snippet], capture_output=True, text=True, cwd=REPO, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
