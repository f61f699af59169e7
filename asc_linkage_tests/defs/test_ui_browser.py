"""The Dagster web UI in a real browser (Debian's chromium driven by Playwright).

Starts `asc-linkage ui` (= `dagster dev`) on a free loopback port, in its own process group,
over a temporary home whose landing zone holds one small quarter. The landing sensor runs that
quarter with nobody pressing a button; the test draws the whole lineage, drops a second quarter,
launches a materialisation and a backfill of a range of quarters from the UI, and waits for the
sensor's run of the new quarter. Screenshots go to test-artifacts/ui/ (git-ignored); the README's
pictures are copied to docs/images/ when ASC_LINKAGE_UPDATE_DOC_IMAGES=1.

The tests run in file order and share one server: they are steps of one operator's session.
"""

from __future__ import annotations

import contextvars
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from asc_linkage.core.home import Home, HomeConfig
from asc_linkage_tests.conftest import REPO, run_cli

pytestmark = pytest.mark.browser

ARTIFACTS = REPO / "test-artifacts" / "ui"
DOC_IMAGES = REPO / "docs" / "images"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
LOCATION = "asc_linkage.defs.definitions"  # the code location `asc-linkage ui` loads
LAYERS = ["raw", "staging", "spines", "linkage", "research", "indicators", "published"]
# generous: a small quarter takes about a minute on two idle cores, several on a busy machine
RUN_TIMEOUT = float(os.environ.get("ASC_LINKAGE_UI_RUN_TIMEOUT", "900"))
FINISHED = ("SUCCESS", "FAILURE", "CANCELED")


def _chromium() -> str:
    path = CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium")
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed: CI must install Debian's chromium (apt-get install chromium)")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    return path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_http(url: str, timeout: float, server: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"`asc-linkage ui` exited with {server.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(1)
    raise TimeoutError(f"{url} did not answer within {timeout:.0f} s:\n{log.read_text()[-3000:]}")


def _descendants(pid: int) -> set[int]:
    """Every process below ``pid`` (by parent id, read from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def _stop_server(server: subprocess.Popen) -> None:
    """Stop `dagster dev` and everything it started: webserver, daemon, code servers, run workers.
    They share the server's process group (it was started in a new session); processes that left
    the group are found by parent id. Only processes this test started are signalled."""
    tree = _descendants(server.pid)
    for sig, grace in ((signal.SIGTERM, 20), (signal.SIGKILL, 5)):
        try:
            os.killpg(server.pid, sig)
        except ProcessLookupError:
            pass
        for pid in tree:
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass
        try:
            server.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            continue
        if not any(Path(f"/proc/{pid}").exists() for pid in tree):
            return


def _instance(home: Path):
    from dagster import DagsterInstance
    from dagster._core.instance.ref import InstanceRef

    return DagsterInstance.from_ref(InstanceRef.from_dir(str(home / "dagster")))


def _runs(home: Path) -> list[tuple[str | None, str, str, str]]:
    """(partition, status, job, run id) of every run, newest first."""
    with _instance(home) as instance:
        return [(run.tags.get("dagster/partition"), run.status.value, run.job_name, run.run_id)
                for run in instance.get_runs()]


def _wait_for_run(home: Path, predicate, timeout: float, what: str, finished: bool = True):
    deadline = time.monotonic() + timeout
    runs = []
    while time.monotonic() < deadline:
        runs = _runs(home)
        matching = [run for run in runs if predicate(run) and (not finished or run[1] in FINISHED)]
        if matching:
            if finished:
                assert matching[0][1] == "SUCCESS", f"{what}: run {matching[0][3]} ended {matching[0][1]}"
            return matching[0]
        time.sleep(2)
    raise TimeoutError(f"{what}: nothing within {timeout:.0f} s; runs seen: {runs}")


@pytest.fixture(scope="module")
def ui_home(tmp_path_factory):
    """A home whose landing zone holds 2025-Q1; 2025-Q2 is held back to be dropped later."""
    root = tmp_path_factory.mktemp("ui")
    data = root / "synthetic"
    result = run_cli("synth", "--out", str(data), "--persons", "150", "--seed", "7",
                     "--quarters", "2025-Q1:2025-Q2", "--quiet")
    assert result.returncode == 0, result.stderr[-2000:]
    held_back = root / "held_back"
    held_back.mkdir()
    shutil.move(str(data / "landing" / "2025-Q2"), held_back / "2025-Q2")
    home = Home(root / "home").ensure()
    home.save_config(HomeConfig(landing=str(data / "landing"), demo=True,
                                ground_truth=str(data / "ground_truth" / "truth.csv"),
                                extra={"expected_last_quarter": "2025-Q2"}))
    home.write_demo_secret()
    return home.root, data / "landing", held_back / "2025-Q2"


@pytest.fixture(scope="module")
def ui_server(ui_home):
    _chromium()  # fail (CI) or skip before starting anything
    home, _, _ = ui_home
    port = _free_port()
    log_path = home / "ui.log"
    env = {k: v for k, v in os.environ.items() if k not in ("ASC_LINKAGE_LANDING", "DAGSTER_HOME")}
    env.update({"GX_ANALYTICS_ENABLED": "false", "TMPDIR": str(home.parent)})
    with open(log_path, "w") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "asc_linkage.cli", "ui", "--home", str(home), "--port", str(port)],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd=REPO,
            start_new_session=True, env=env,
        )
        try:
            _wait_http(f"http://127.0.0.1:{port}/server_info", 240, server, log_path)
            yield f"http://127.0.0.1:{port}"
        finally:
            _stop_server(server)
            shutil.copy(log_path, ARTIFACTS / "ui.log") if ARTIFACTS.is_dir() else None


@pytest.fixture(scope="module")
def page(ui_server):
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=_chromium(), args=CHROMIUM_ARGS)
        try:
            tab = browser.new_page(viewport={"width": 1800, "height": 1100})
            tab.set_default_timeout(60_000)
            yield tab
        finally:
            browser.close()


def _shot(page, name: str, doc_name: str | None = None) -> None:
    path = ARTIFACTS / name
    page.screenshot(path=str(path))
    if doc_name and os.environ.get("ASC_LINKAGE_UPDATE_DOC_IMAGES") == "1":
        DOC_IMAGES.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, DOC_IMAGES / doc_name)


def _assets_by_group() -> dict[str, list[str]]:
    from asc_linkage.defs.definitions import build_definitions

    # Dagster 1.13 keeps the definitions-state storage of an instance opened in this process in a
    # context variable; one closed by an earlier test leaves a dead weakref there and loading the
    # definitions fails on it. A fresh context has none.
    graph = contextvars.Context().run(lambda: build_definitions().resolve_asset_graph())
    groups: dict[str, list[str]] = {}
    for key in graph.get_all_asset_keys():
        groups.setdefault(graph.get(key).group_name, []).append(key.to_user_string())
    return groups


_DRAWN = """(names) => {
  const wanted = new Set(names), found = new Set();
  for (const el of document.querySelectorAll('svg foreignObject *')) {
    if (el.children.length === 0) { const t = (el.textContent || '').trim(); if (wanted.has(t)) found.add(t); }
    // a long name is drawn middle-truncated, with the full name as its tooltip
    for (const attr of ['data-tooltip', 'title']) {
      const v = el.getAttribute(attr); if (v && wanted.has(v.trim())) found.add(v.trim());
    }
  }
  return Array.from(found);
}"""


def _drawn_while_panning(page, names: list[str]) -> set[str]:
    """Asset names drawn in the graph, panning it top to bottom (off-screen nodes are not drawn)."""
    found = set(page.evaluate(_DRAWN, names))
    page.mouse.move(1300, 600)
    for _ in range(12):  # to the top
        page.mouse.wheel(0, -700)
    page.wait_for_timeout(400)
    for _ in range(30):
        found |= set(page.evaluate(_DRAWN, names))
        if found >= set(names):
            break
        page.mouse.wheel(0, 450)
        page.wait_for_timeout(250)
    return found


def _wait_graph(page) -> None:
    page.locator("svg foreignObject").first.wait_for(state="attached", timeout=60_000)
    page.wait_for_timeout(2500)


def _group_x(page) -> dict[str, float]:
    return page.evaluate("""(layers) => {
      const xs = {};
      for (const fo of document.querySelectorAll('svg foreignObject.group')) {
        const tip = fo.querySelector('[data-tooltip]');
        const name = tip && tip.getAttribute('data-tooltip');
        if (layers.includes(name)) xs[name] = parseFloat(fo.getAttribute('x'));
      }
      return xs;
    }""", LAYERS)


# -- the session ---------------------------------------------------------------------------------

def test_sensor_runs_the_first_drop_without_a_click(ui_home, ui_server):
    home, _, _ = ui_home
    run = _wait_for_run(home, lambda r: r[0] == "2025-Q1" and r[2] == "quarterly_refresh",
                        RUN_TIMEOUT, "sensor run for 2025-Q1")
    with _instance(home) as instance:
        assert instance.has_dynamic_partition("quarter", "2025-Q1")
        assert instance.get_run_by_id(run[3]).tags.get("dagster/sensor_name") == "landing_drop_sensor"


def test_dropping_a_new_quarter_starts_its_run(ui_home, ui_server):
    """Drop 2025-Q2 the safe way (copy aside, then rename: the drop appears whole) and see the
    sensor request its run; the run is awaited at the end, while the browser works."""
    home, landing, held_back = ui_home
    incoming = landing / ".incoming-2025-Q2"
    shutil.copytree(held_back, incoming)
    incoming.rename(landing / "2025-Q2")
    _wait_for_run(home, lambda r: r[0] == "2025-Q2" and r[2] == "quarterly_refresh", 180,
                  "sensor request for 2025-Q2", finished=False)


def test_lineage_reads_left_to_right_with_every_layer(page, ui_server):
    page.goto(f"{ui_server}/asset-groups")
    _wait_graph(page)
    xs = _group_x(page)
    assert set(xs) == set(LAYERS), f"layers drawn: {sorted(xs)}"
    assert sorted(LAYERS, key=xs.get) == LAYERS, f"layers out of order left to right: {xs}"
    _shot(page, "lineage_layers.png", "lineage.png")


def test_lineage_draws_every_asset(page, ui_server):
    groups = _assets_by_group()
    everything = sorted(name for names in groups.values() for name in names)
    # the whole graph, every group expanded
    page.goto(f"{ui_server}/asset-groups")
    _wait_graph(page)
    page.mouse.click(1500, 300, button="right")
    page.get_by_role("menuitem", name=re.compile("Expand all groups")).click()
    page.wait_for_timeout(3000)
    _shot(page, "lineage_expanded.png")
    drawn = _drawn_while_panning(page, everything)
    # and each layer's own lineage page, where every node is drawn at a readable size
    for group, names in sorted(groups.items()):
        page.goto(f"{ui_server}/locations/{LOCATION}/asset-groups/{group}/lineage")
        _wait_graph(page)
        on_page = _drawn_while_panning(page, names)
        if group in ("linkage", "published"):
            _shot(page, f"lineage_{group}.png")
        missing_here = sorted(set(names) - on_page)
        assert not missing_here, f"group {group}: assets not drawn on its lineage page: {missing_here}"
        drawn |= on_page
    assert drawn >= set(everything)


def test_materialise_from_the_ui(page, ui_home, ui_server):
    home, _, _ = ui_home
    before = {r[3] for r in _runs(home)}
    page.goto(f"{ui_server}/assets/landing_drop_inventory")
    button = page.locator("button", has_text=re.compile(r"^Materialize$")).first
    button.wait_for(state="visible")
    page.wait_for_timeout(1000)
    button.click()
    run = _wait_for_run(home, lambda r: r[3] not in before and r[0] is None and LANDING_JOB(r[2]),
                        RUN_TIMEOUT, "UI-launched materialisation of landing_drop_inventory")
    page.goto(f"{ui_server}/assets/landing_drop_inventory?view=checks")
    page.get_by_text("drops_arrived_on_time").first.wait_for(state="visible")
    page.wait_for_timeout(2000)
    _shot(page, "landing_inventory_checks.png", "checks.png")
    with _instance(home) as instance:
        from dagster import AssetCheckKey, AssetKey

        check = AssetCheckKey(AssetKey("landing_drop_inventory"), "drops_arrived_on_time")
        record = instance.event_log_storage.get_latest_asset_check_execution_by_key([check]).get(check)
        assert record is not None and record.run_id == run[3]
        assert record.status.value == "SUCCEEDED"


def LANDING_JOB(job: str) -> bool:  # noqa: N802 - a predicate used like a constant
    return job == "landing_watch" or job.startswith("__ASSET_JOB")


def test_backfill_a_range_of_quarters_from_the_ui(page, ui_home, ui_server):
    """From the asset page: Materialize... -> confirm the multi-asset -> All partitions (the range
    2025-Q1...2025-Q2) -> Launch backfill; the backfill completes with a run per quarter."""
    home, _, _ = ui_home
    from dagster._core.execution.backfill import BulkActionStatus

    with _instance(home) as instance:
        assert instance.get_dynamic_partitions("quarter") == ["2025-Q1", "2025-Q2"]
        before = {b.backfill_id for b in instance.get_backfills()}
    page.goto(f"{ui_server}/assets/raw_cld_events")
    page.locator("button", has_text=re.compile(r"^Materialize(…|\.\.\.)$")).first.click()
    dialog = page.get_by_role("dialog")
    confirm = dialog.get_by_role("button", name="Confirm")  # raw_cld_events comes with its quarantine
    confirm.or_(dialog.get_by_role("button", name="All")).first.wait_for(state="visible")
    if confirm.count():
        confirm.click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_role("button", name="All", exact=True).click()
    dialog.get_by_text("2 partitions").first.wait_for(state="visible")
    _shot(page, "backfill_dialog.png", "backfill.png")
    dialog.get_by_role("button", name="Launch backfill").click()
    deadline = time.monotonic() + RUN_TIMEOUT
    backfill = None
    while time.monotonic() < deadline:
        with _instance(home) as instance:
            new = [b for b in instance.get_backfills() if b.backfill_id not in before]
        if new and new[0].status not in (BulkActionStatus.REQUESTED,):
            backfill = new[0]
            break
        time.sleep(2)
    assert backfill is not None, "the UI launched no backfill, or it did not finish"
    assert backfill.status == BulkActionStatus.COMPLETED_SUCCESS, backfill.status
    runs = [r for r in _runs(home) if r[0] in ("2025-Q1", "2025-Q2")]
    with _instance(home) as instance:
        backfill_runs = [r for r in runs
                         if instance.get_run_by_id(r[3]).tags.get("dagster/backfill") == backfill.backfill_id]
    assert sorted(r[0] for r in backfill_runs) == ["2025-Q1", "2025-Q2"]
    assert all(r[1] == "SUCCESS" for r in backfill_runs)
    page.goto(f"{ui_server}/runs/b/{backfill.backfill_id}")
    page.wait_for_timeout(3000)
    _shot(page, "backfill.png")


def test_the_new_quarter_is_built_by_the_sensor(page, ui_home, ui_server):
    home, _, _ = ui_home
    _wait_for_run(home, lambda r: r[0] == "2025-Q2" and r[2] == "quarterly_refresh", RUN_TIMEOUT,
                  "sensor run for 2025-Q2")
    page.goto(f"{ui_server}/runs")
    page.get_by_text("quarterly_refresh").first.wait_for(state="visible")
    page.wait_for_timeout(2500)
    _shot(page, "runs.png", "runs.png")
    page.goto(f"{ui_server}/asset-groups")
    _wait_graph(page)
    _shot(page, "lineage_after_two_quarters.png")
    page.goto(f"{ui_server}/automation")
    page.wait_for_timeout(3000)
    _shot(page, "automation.png", "automation.png")


_PICTURES = """() => Array.from(document.querySelectorAll('img'))
  .filter(i => i.src.startsWith('data:image/svg+xml;base64,')).map(i => [i.alt, i.naturalWidth, i.naturalHeight])"""


@pytest.mark.parametrize("asset, chart", [("linkage_quality_report", "chart_match_rate_by_ethnic_group"),
                                          ("linkage_model", "chart_match_weights")])
def test_charts_are_drawn_in_the_ui(page, ui_server, asset, chart):
    """A chart is a picture in the UI, not a Vega-Lite spec printed as JSON: the latest
    materialisation's metadata row opens it, and the browser decodes and draws the SVG."""
    page.goto(f"{ui_server}/assets/{asset}?view=events")
    row = page.locator("tr", has_text=chart).first
    row.wait_for(state="visible")
    row.get_by_text("[Show Markdown]").click()
    page.get_by_role("dialog").locator("img").first.wait_for(state="visible")
    drawn = page.evaluate(_PICTURES)
    assert len(drawn) == 1 and drawn[0][0] == chart.removeprefix("chart_").replace("_", " "), drawn
    assert drawn[0][1] > 200 and drawn[0][2] > 200, f"picture not drawn: {drawn}"
    _shot(page, f"{chart}.png", "quality_chart.png" if asset == "linkage_quality_report" else None)
    page.get_by_role("button", name="Close").click()
