"""The `asc-linkage` command line as a user meets it (a fresh interpreter per command).

Bad input: exit 2, exactly one line on stderr, naming the file (relative to the landing folder)
and the fault, and quoting no cell value of the file. Good input written by someone else to the
landing-zone contract (not by `synth`): ingested with every row accounted for.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
import shutil
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from asc_linkage.core.store import VersionedStore
from asc_linkage_tests.conftest import run_cli

FIXTURES = Path(__file__).parent / "fixtures"
FOREIGN_DROP = FIXTURES / "foreign_drop"
SYNTH_QUARTER = "2025-Q1"
FOREIGN_QUARTER = "2025-Q2"
SECRET = {"ASC_LINKAGE_SECRET": "cli-test-secret"}
# Empty values count as unset, so a secret in the developer's own environment cannot leak in.
NO_SECRET = {"ASC_LINKAGE_SECRET": "", "ASC_LINKAGE_SECRET_FILE": ""}


# --------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------


def csv_records(path: Path) -> list[list[str]]:
    """Non-blank CSV records of a landing file (BOM dropped), header first: the test's own reading
    of the contract, independent of the platform's ingest code."""
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return [row for row in csv.reader(handle) if row]


def write_manifest(drop_dir: Path) -> dict:
    """What a sender does last: sha256 and data-row count of every file of the drop."""
    files = {}
    for path in sorted(drop_dir.rglob("*.csv")):
        files[path.relative_to(drop_dir).as_posix()] = {
            "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
            "rows": len(csv_records(path)) - 1,
        }
    manifest = {"quarter": drop_dir.name, "created": "2025-07-28T10:00:00Z", "files": files}
    (drop_dir / "manifest.json").write_text(json.dumps(manifest, indent=2))
    return manifest


def update_manifest_entry(drop_dir: Path, landing_path: str, *, sha256: bool = True, rows: bool = False) -> None:
    manifest_path = drop_dir / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    path = drop_dir / landing_path
    if sha256:
        manifest["files"][landing_path]["sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
    if rows:
        manifest["files"][landing_path]["rows"] = len(csv_records(path)) - 1
    manifest_path.write_text(json.dumps(manifest, indent=2))


def cell_values(landing: Path, min_length: int = 5) -> set[str]:
    """Every cell value of every landing file long enough to be recognisable in a message."""
    values: set[str] = set()
    for path in landing.rglob("*.csv"):
        records = csv_records(path)
        headers = {h.strip() for h in records[0]}
        for record in records[1:]:
            values.update(v.strip() for v in record if len(v.strip()) >= min_length and v.strip() not in headers)
    return values


def assert_one_line_fault(result, landing: Path, must_contain: list[str]) -> str:
    """Exit 2, one stderr line, naming what it must, quoting no cell value of the landing zone."""
    lines = result.stderr.splitlines()
    assert result.returncode == 2, f"exit {result.returncode}; stderr has {len(lines)} line(s)"
    assert len(lines) == 1, f"expected one stderr line, got {len(lines)}:\n" + "\n".join(lines[:15])
    line = lines[0]
    assert line.startswith("asc-linkage: "), line
    for text in must_contain:
        assert text in line, f"{text!r} not in {line!r}"
    if landing.is_dir():
        quoted = [v for v in cell_values(landing) if re.search(rf"(?<![\w]){re.escape(v)}(?![\w])", line)]
        assert not quoted, f"the message quotes {len(quoted)} cell value(s) of the landing files"
    return line


@pytest.fixture(scope="module")
def synth_landing(tmp_path_factory) -> Path:
    """A small synthetic landing zone (one quarter) to copy and corrupt."""
    out = tmp_path_factory.mktemp("synth_cli")
    result = run_cli("synth", "--out", str(out), "--persons", "200",
                     "--quarters", f"{SYNTH_QUARTER}:{SYNTH_QUARTER}", "--quiet")
    assert result.returncode == 0, result.stderr[-2000:]
    return out / "landing"


@pytest.fixture
def landing(synth_landing, tmp_path) -> Path:
    copy = tmp_path / "landing"
    shutil.copytree(synth_landing, copy)
    return copy


def run_on(landing: Path, tmp_path: Path, *extra: str, env: dict | None = None):
    return run_cli("run", "--landing", str(landing), "--home", str(tmp_path / "home"), *extra,
                   env=SECRET if env is None else env)


# --------------------------------------------------------------------------------------------
# bad input: one line naming the file and the fault
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("with_quarter", [False, True], ids=["all_drops", "--quarter"])
def test_manifest_missing(landing, tmp_path, with_quarter):
    (landing / SYNTH_QUARTER / "manifest.json").unlink()
    extra = ("--quarter", SYNTH_QUARTER) if with_quarter else ()
    result = run_on(landing, tmp_path, *extra)
    assert_one_line_fault(result, landing, [f"{SYNTH_QUARTER}/manifest.json", "missing"])
    assert not (tmp_path / "home" / "dagster").exists() or not any((tmp_path / "home" / "identifiable").rglob("*.parquet"))


def test_listed_file_absent(landing, tmp_path):
    (landing / SYNTH_QUARTER / "mh" / "diagnoses.csv").unlink()
    result = run_on(landing, tmp_path)
    assert_one_line_fault(result, landing, [f"{SYNTH_QUARTER}/mh/diagnoses.csv", "missing"])


def test_checksum_wrong(landing, tmp_path):
    path = landing / SYNTH_QUARTER / "asc" / "cld_events.csv"
    data = path.read_bytes()
    # same rows, one byte different: only the checksum can tell
    path.write_bytes(data.replace(b",Service,", b",service,", 1))
    assert path.read_bytes() != data
    result = run_on(landing, tmp_path)
    assert_one_line_fault(result, landing, [f"{SYNTH_QUARTER}/asc/cld_events.csv", "sha256"])


def test_row_count_wrong(landing, tmp_path):
    path = landing / SYNTH_QUARTER / "mh" / "patients.csv"
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(b"".join(lines[:-1]))  # a truncated delivery, checksum refreshed, count not
    update_manifest_entry(landing / SYNTH_QUARTER, "mh/patients.csv", sha256=True, rows=False)
    result = run_on(landing, tmp_path)
    line = assert_one_line_fault(result, landing, [f"{SYNTH_QUARTER}/mh/patients.csv"])
    assert "rows" in line and str(len(lines) - 1) in line, line  # the manifest's count is named


def test_required_header_missing(landing, tmp_path):
    path = landing / SYNTH_QUARTER / "asc" / "cld_events.csv"
    text = path.read_text(encoding="utf-8")
    header, rest = text.split("\n", 1)
    assert ",Gender," in header
    path.write_text(header.replace(",Gender,", ",Sex,") + "\n" + rest, encoding="utf-8")
    update_manifest_entry(landing / SYNTH_QUARTER, "asc/cld_events.csv")
    result = run_on(landing, tmp_path)
    assert_one_line_fault(result, landing, [f"{SYNTH_QUARTER}/asc/cld_events.csv", "missing required header", "'Gender'"])
    # refused before anything was stored
    assert not list((tmp_path / "home").rglob("*.parquet"))


def test_landing_folder_does_not_exist(tmp_path):
    missing = tmp_path / "no_such_landing"
    result = run_on(missing, tmp_path)
    assert_one_line_fault(result, missing, [str(missing), "does not exist"])


def test_run_without_secret(landing, tmp_path):
    result = run_on(landing, tmp_path, env=NO_SECRET)
    assert_one_line_fault(result, landing, ["ASC_LINKAGE_SECRET"])
    assert not list((tmp_path / "home").rglob("*.parquet")), "work was done before the secret was checked"


@pytest.mark.parametrize("quarter", ["2025-Q5", "Q1-2025"])
def test_malformed_quarter(landing, tmp_path, quarter):
    result = run_on(landing, tmp_path, "--quarter", quarter)
    assert_one_line_fault(result, landing, [quarter, "YYYY-Qn"])


def test_quarter_without_drop(landing, tmp_path):
    result = run_on(landing, tmp_path, "--quarter", "2024-Q4")
    assert_one_line_fault(result, landing, ["2024-Q4", "no drop"])


def test_key_map_without_linkage(tmp_path):
    result = run_cli("key-map", "--home", str(tmp_path / "empty_home"), "--out", str(tmp_path / "km.csv"))
    assert_one_line_fault(result, tmp_path / "nothing", ["linkage_key_map"])
    assert not (tmp_path / "km.csv").exists()


# --------------------------------------------------------------------------------------------
# a drop written by someone else to the contract
# --------------------------------------------------------------------------------------------

FORMULA_NAME = "=cmd|' /C calc'!A0"
# The same two people in both systems (names spelt differently); see the fixture files.
SHARED_PEOPLE = [("LA-20001", "MH-90001"), ("LA-20002", "MH-90002")]
FOREIGN_PERSONS = 8  # 6 council people + 4 trust patients, 2 of them shared


@pytest.fixture(scope="module")
def foreign_run(tmp_path_factory):
    """The hand-written drop copied to a landing zone, manifest written last, then `asc-linkage run`."""
    root = tmp_path_factory.mktemp("foreign")
    landing = root / "landing"
    shutil.copytree(FOREIGN_DROP / FOREIGN_QUARTER, landing / FOREIGN_QUARTER)
    assert not (landing / "reference").exists() and not (landing / FOREIGN_QUARTER / "mh" / "addresses.csv").exists()
    write_manifest(landing / FOREIGN_QUARTER)
    home = root / "home"
    result = run_cli("run", "--landing", str(landing), "--home", str(home), env=SECRET)
    return landing / FOREIGN_QUARTER, home, result


def test_foreign_fixture_is_what_it_claims():
    """The fixture keeps its awkward bytes (a checkout must not normalise them away)."""
    data = (FOREIGN_DROP / FOREIGN_QUARTER / "asc" / "cld_events.csv").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and data.count(b"\r\n") == data.count(b"\n")
    assert FORMULA_NAME.encode() in data


def test_foreign_drop_runs(foreign_run):
    drop, home, result = foreign_run
    tail = "\n".join(result.stderr.splitlines()[-5:])
    assert result.returncode == 0, f"exit {result.returncode}: {tail}"
    # what the run printed quotes nothing from the drop
    printed = result.stdout + result.stderr
    leaked = [v for v in cell_values(drop.parent) if re.search(rf"(?<![\w]){re.escape(v)}(?![\w])", printed)]
    assert not leaked, f"run output quotes {len(leaked)} cell value(s) of the drop"


def _read(home: Path, table: str) -> pl.DataFrame:
    return VersionedStore(home).read("identifiable", table, quarter=FOREIGN_QUARTER)


def test_foreign_cld_rows_reconcile(foreign_run):
    drop, home, result = foreign_run
    # the raw tables are stored by the ingest steps even if a later step of the run failed
    records = csv_records(drop / "asc" / "cld_events.csv")
    raw, quarantine = _read(home, "raw_cld_events"), _read(home, "quarantine_cld_events")
    assert raw.height + quarantine.height == len(records) - 1
    row_numbers = sorted(raw["_row_number"].to_list() + quarantine["_row_number"].to_list())
    assert row_numbers == list(range(1, len(records)))

    person_col = [h.strip() for h in records[0]].index("LA Person Unique Identifier")
    blank_id_rows = [i for i, r in enumerate(records[1:], start=1) if not r[person_col].strip()]
    assert quarantine["_row_number"].to_list() == blank_id_rows
    assert quarantine["_reason"].to_list() == ["missing_person_id"] * len(blank_id_rows)


def test_foreign_cld_fields(foreign_run):
    drop, home, result = foreign_run
    # the raw tables are stored by the ingest steps even if a later step of the run failed
    raw = _read(home, "raw_cld_events")
    by_ref = {row["event_reference"]: row for row in raw.iter_rows(named=True)}

    # an unknown code and an impossible date are nulled and named (column:rule), the row is kept
    unknown = by_ref["EV-3001"]
    assert unknown["primary_support_reason"] is None
    assert "primary_support_reason:unknown_code" in unknown["_field_faults"].split(";")
    impossible = by_ref["EV-3002"]
    assert impossible["event_end_date"] is None
    assert "event_end_date:impossible_date" in impossible["_field_faults"].split(";")
    assert impossible["event_start_date"] == date(2024, 11, 13)
    # the same person's other rows are clean
    assert by_ref["EV-3002"]["primary_support_reason"] == "Mental health support"

    # DD/MM/YYYY and ISO dates, Release 1 codes mapped to Release 2
    first = by_ref["EV-1001"]
    assert first["date_of_birth"] == date(1941, 3, 14)
    assert first["reporting_period_end_date"] == date(2025, 6, 30)
    assert first["ethnicity"] == "White: English, Welsh, Scottish, Northern Irish or British"
    assert first["client_type"] == "Service user"
    assert first["primary_support_reason"] == "Physical support: Personal care support"
    assert first["event_outcome"] == "Progress to assessment, review or reassessment"
    assert by_ref["EV-1002"]["assessment_type"] == "Long term assessment"
    assert by_ref["EV-1002"]["eligible_needs_identified"] == "Yes"
    assert by_ref["EV-1003"]["service_type"] == "Long term support: Community"
    assert by_ref["EV-1003"]["service_component"] == "Home support or domiciliary care"
    assert by_ref["EV-1003"]["unit_cost"] == pytest.approx(23.5)
    assert by_ref["EV-2001"]["gender"] == "Male"
    assert by_ref["EV-2001"]["date_of_birth"] == date(1958, 11, 2)
    assert by_ref["EV-2002"]["review_reason"] == "Planned review of long term support"
    assert first["_field_faults"] is None

    # identifiers as given: a spaced NHS number and a spreadsheet formula are stored verbatim
    assert first["nhs_number"] == "573 856 3913"
    assert by_ref["EV-4001"]["first_name"] == FORMULA_NAME
    assert by_ref["EV-4001"]["_field_faults"] is None

    # the extra column is kept (as text, no CR from the CRLF line ends); BOM gone from the first header
    assert "local_team" in raw.columns and raw.schema["local_team"] == pl.String
    assert set(raw["local_team"].to_list()) == {"North", "South", "East", "West"}
    assert "la_code" in raw.columns and set(raw["la_code"].to_list()) == {"E09000028"}


def test_foreign_mh_tables_reconcile(foreign_run):
    drop, home, result = foreign_run
    # the raw tables are stored by the ingest steps even if a later step of the run failed
    for name in ("patients", "referrals", "care_contacts", "hospital_spells", "mha_episodes", "diagnoses"):
        rows = len(csv_records(drop / "mh" / f"{name}.csv")) - 1
        raw, quarantine = _read(home, f"raw_mh_{name}"), _read(home, f"quarantine_mh_{name}")
        assert (raw.height, quarantine.height) == (rows, 0), name
    # the optional address file was not sent: an empty table with the contract's columns
    assert _read(home, "raw_mh_addresses").height == 0


def test_foreign_key_map(foreign_run):
    drop, home, result = foreign_run
    assert result.returncode == 0, "run failed (see test_foreign_drop_runs)"
    key_map = _read(home, "linkage_key_map")
    cld = csv_records(drop / "asc" / "cld_events.csv")
    person_col = [h.strip() for h in cld[0]].index("LA Person Unique Identifier")
    expected = {("asc", r[person_col]) for r in cld[1:] if r[person_col].strip()}
    expected |= {("mh", r[0]) for r in csv_records(drop / "mh" / "patients.csv")[1:]}

    pairs = list(zip(key_map["source"].to_list(), key_map["source_person_id"].to_list()))
    assert len(pairs) == len(set(pairs)), "a record appears more than once in the key map"
    assert set(pairs) == expected, "the key map does not hold every person record exactly once"
    assert all(re.fullmatch(r"RP[0-9A-Fa-f]{12}", rp) for rp in key_map["research_person_id"].to_list())

    rpid = {(s, p): r for s, p, r in key_map.select("source", "source_person_id", "research_person_id").iter_rows()}
    for la_id, patient_id in SHARED_PEOPLE:
        assert rpid[("asc", la_id)] == rpid[("mh", patient_id)], "a person in both systems was not linked"
    assert key_map["research_person_id"].n_unique() == FOREIGN_PERSONS, "people were split or merged wrongly"


def test_foreign_run_leaks_nothing(foreign_run):
    """The drop's identifiers (alphanumeric ids, a spaced NHS number, a formula as a name) reach
    neither the Dagster instance nor the research and published zones."""
    from asc_linkage_tests.defs.test_privacy import describe, load_identifiers, platform_vocabulary, scan_tree

    drop, home, result = foreign_run
    ids = load_identifiers(drop.parent, platform_vocabulary())
    assert ids.tokens.get("la_person_id") and ids.tokens.get("patient_id") and ids.spaced_nhs
    findings = {}
    for zone in ("dagster", "research", "published"):
        if any(p.is_file() for p in (home / zone).rglob("*")):
            findings.update(scan_tree(home / zone, ids))
    assert (home / "dagster").is_dir()
    assert not findings, describe(findings)


# --------------------------------------------------------------------------------------------
# key-map and demo on the shared demo home
# --------------------------------------------------------------------------------------------


def test_key_map_export(demo_home, tmp_path):
    out = tmp_path / "audit" / "key_map.csv"
    result = run_cli("key-map", "--home", str(demo_home), "--out", str(out))
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stderr == ""
    exported = pl.read_csv(out, infer_schema=False)
    assert exported.columns[:3] == ["source", "source_person_id", "research_person_id"]
    stored = VersionedStore(demo_home).read("identifiable", "linkage_key_map")
    assert exported.height == stored.height > 0
    assert set(exported["source"].unique().to_list()) == {"asc", "mh"}
    assert exported.select("source", "source_person_id").is_duplicated().sum() == 0
    assert exported["research_person_id"].str.contains(r"^RP[0-9A-Fa-f]{12}$").all()
    assert f"{exported.height:,}" in result.stdout
    # the export names the same research person for the same record as the stored key map
    joined = exported.join(stored.select("source", pl.col("source_person_id").cast(pl.String),
                                         pl.col("research_person_id").alias("stored_rp")),
                           on=["source", "source_person_id"], how="inner")
    assert joined.height == exported.height
    assert (joined["research_person_id"] == joined["stored_rp"]).all()


def test_quality_report_bands_count_every_scored_pair(demo_home):
    """The demo's linkage quality report (stored and on disk) has the match-probability bands, and
    they count each pair of the stored `linkage_pairs` once."""
    store = VersionedStore(demo_home)
    summary = store.read("research", "linkage_quality_report")
    bands = summary.filter((pl.col("section") == "probability_bands") & (pl.col("measure") == "candidate_pairs"))
    assert bands.height > 0
    assert bands["value"].sum() == store.read("identifiable", "linkage_pairs").height > 0
    reports = sorted((demo_home / "research" / "linkage_quality").glob("*.md"))
    assert "## Scored candidate pairs by match probability" in reports[-1].read_text()


def test_demo_says_where_outputs_are(demo_output):
    home, result = demo_output
    assert result.returncode == 0, result.stderr[-2000:]
    out = result.stdout
    for zone in ("identifiable", "research", "published"):
        assert str(home / zone) in out, f"demo does not say where the {zone} zone is"
    assert f"asc-linkage ui --home {home}" in out, "demo does not say how to open the web UI"
    assert f"demo secret: generated at {home / 'identifiable' / 'demo_secret'}" in out


def test_synth_leaves_out_the_record_classes_it_is_told_and_refuses_unknown_ones(tmp_path):
    out = tmp_path / "plain"
    result = run_cli("synth", "--out", str(out), "--persons", "300", "--quarters", f"{SYNTH_QUARTER}:{SYNTH_QUARTER}",
                     "--quiet", "--without", "sparse-records", "--without", "second-identities")
    assert result.returncode == 0, result.stderr[-2000:]
    assert (out / "ground_truth" / "truth.csv").exists()
    assert "left out: second-identities, sparse-records" in result.stdout
    made = json.loads((out / "ground_truth" / "generation.json").read_text())
    assert made["without"] == ["second-identities", "sparse-records"] and made["persons"] == 300
    refused = run_cli("synth", "--out", str(tmp_path / "x"), "--persons", "300", "--quiet", "--without", "typos")
    line = assert_one_line_fault(refused, tmp_path / "x", ["unknown record class", "typos", "sparse-records"])
    assert not (tmp_path / "x").exists(), line
