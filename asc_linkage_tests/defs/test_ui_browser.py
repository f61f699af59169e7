"""The Dagster web UI in a real browser (Debian's chromium driven by Playwright).

Starts `asc-linkage ui` on a free loopback port over a temporary home whose landing zone holds
one small quarter. The landing sensor runs that quarter with nobody pressing a button; the test
draws the whole lineage, launches a materialisation from the UI, drops a second quarter and
waits for the sensor's run. Screenshots go to test-artifacts/ui/.
"""

from __future__ import annotations

import os
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
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _chromium() -> str:
    path = shutil.which("chromium")
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed: .ci/run must install Debian's chromium")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    return path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_http(url: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(1)
    raise TimeoutError(f"{url} did not answer within {timeout:.0f} s")


def _runs(home: Path):
    from dagster import DagsterInstance

    os.environ["DAGSTER_HOME"] = str(home / "dagster")
    with DagsterInstance.get() as instance:
        return [(run.tags.get("dagster/partition"), run.status.value, run.job_name)
                for run in instance.get_runs()]


def _wait_for_run(home: Path, predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    runs = []
    while time.monotonic() < deadline:
        runs = _runs(home)
        done = [run for run in runs if predicate(run) and run[1] in ("SUCCESS", "FAILURE", "CANCELED")]
        if done:
            assert done[0][1] == "SUCCESS", f"{what}: run ended {done[0][1]}"
            return done[0]
        time.sleep(3)
    raise TimeoutError(f"{what}: no finished run within {timeout:.0f} s; runs seen: {runs}")


@pytest.fixture(scope="module")
def ui_home(tmp_path_factory):
    """A home whose landing zone holds 2025-Q1; 2025-Q2 is held back to be dropped later."""
    root = tmp_path_factory.mktemp("ui")
    data = root / "synthetic"
    result = run_cli("synth", "--out", str(data), "--persons", "300", "--seed", "7",
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
    _chromium()
    home, _, _ = ui_home
    port = _free_port()
    log = open(home / "ui.log", "w")
    server = subprocess.Popen(
        [sys.executable, "-m", "asc_linkage.cli", "ui", "--home", str(home), "--port", str(port)],
        stdout=log, stderr=subprocess.STDOUT, cwd=REPO, start_new_session=True,
        env={**os.environ, "GX_ANALYTICS_ENABLED": "false"},
    )
    try:
        _wait_http(f"http://127.0.0.1:{port}/server_info", timeout=180)
        yield f"http://127.0.0.1:{port}"
    finally:
        # dagster dev starts a webserver, a daemon and code servers: stop the whole group
        try:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=20)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(server.pid, signal.SIGKILL)
        log.close()


@pytest.fixture(scope="module")
def browser(ui_server):
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=_chromium(), args=CHROMIUM_ARGS)
        page = launched.new_page(viewport={"width": 1800, "height": 1100})
        yield page
        launched.close()


def _all_asset_names() -> list[str]:
    from asc_linkage.defs.definitions import build_definitions

    graph = build_definitions().resolve_asset_graph()
    return sorted(key.to_user_string() for key in graph.get_all_asset_keys())


def test_sensor_runs_the_first_drop_without_a_click(ui_home, ui_server):
    home, _, _ = ui_home
    _wait_for_run(home, lambda run: run[0] == "2025-Q1", timeout=600, what="sensor run for 2025-Q1")


def test_lineage_draws_every_asset_in_every_layer(browser, ui_server):
    browser.goto(f"{ui_server}/asset-groups")
    browser.wait_for_timeout(4000)
    browser.mouse.click(1200, 300, button="right")
    browser.get_by_role("menuitem", name="Expand all groups").click()
    browser.wait_for_timeout(3000)
    browser.screenshot(path=str(ARTIFACTS / "lineage.png"), full_page=True)
    missing = [name for name in _all_asset_names()
               if browser.get_by_text(name, exact=True).count() == 0]
    assert not missing, f"assets not drawn in the lineage view: {missing}"


def test_materialise_from_the_ui(browser, ui_home, ui_server):
    home, _, _ = ui_home
    before = len([run for run in _runs(home) if run[2] == "landing_watch" or run[2] == "__ASSET_JOB"])
    browser.goto(f"{ui_server}/assets/landing_drop_inventory")
    browser.wait_for_timeout(3000)
    browser.get_by_role("button", name="Materialize", exact=True).first.click()
    _wait_for_run(home, lambda run: run[0] is None and run[2] in ("__ASSET_JOB", "landing_watch"),
                  timeout=180, what="UI-launched materialisation")
    browser.goto(f"{ui_server}/assets/landing_drop_inventory")
    browser.wait_for_timeout(3000)
    browser.screenshot(path=str(ARTIFACTS / "asset_after_ui_launch.png"), full_page=True)
    after = [run for run in _runs(home) if run[2] in ("__ASSET_JOB", "landing_watch")]
    assert len(after) > before


def test_dropping_a_new_quarter_starts_its_run(browser, ui_home, ui_server):
    home, landing, held_back = ui_home
    staging = landing / ".incoming-2025-Q2"
    shutil.copytree(held_back, staging)
    staging.rename(landing / "2025-Q2")  # the drop appears whole, manifest included
    _wait_for_run(home, lambda run: run[0] == "2025-Q2", timeout=600, what="sensor run for 2025-Q2")
    browser.goto(f"{ui_server}/runs")
    browser.wait_for_timeout(3000)
    browser.screenshot(path=str(ARTIFACTS / "runs.png"), full_page=True)
