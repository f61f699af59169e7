"""Personal data never leaves the identifiable zone (issue 5 item 6).

After `asc-linkage demo`, every direct identifier of the demo landing drops (NHS number, forename,
surname, date of birth, postcode, LA Person Unique Identifier, trust patient_id) is looked for in
- everything under ``<home>/dagster/`` (SQLite run and event-log databases, compute logs, ...),
- every parquet table under ``<home>/research/`` and ``<home>/published/``, and every other
  text file there (markdown, json, csv, html).

Matching rules (chosen after looking at what ``synth`` writes):
- Digit identifiers (NHS numbers 10 digits, LA ids 7 digits, patient ids 8 digits in synth; any
  all-digit id of 6+ digits): a run of digits that is not part of a longer run of letters, digits
  or a decimal fraction (so 1763948123.4567891, a timestamp, or a hex run id cannot match by
  accident) and equals an identifier. NHS numbers also as written with spaces (``943 476 5919``).
  Placeholder NHS numbers (``9999999999``, ``1234567890``...) are shared by many people and not
  identifying; they are skipped. Other ids (letters and digits) match as whole tokens.
- Names: whole words, case-insensitively, skipping words of fewer than 4 letters and words that
  are ordinary vocabulary of the platform (every word of ``data_specs/**/*.yaml``, which holds the
  code lists, of ``asc_linkage/**/*.py`` and of Splink's chart templates, which the model's charts
  are made from): ``White``, ``Black`` are surnames and ethnic groups, ``Service`` is a word of the
  code lists, ``green`` a surname and a chart colour.
- Dates of birth: as written and as ISO ``YYYY-MM-DD`` in text. In parquet ``Date`` columns, see
  ``_dob_leaks``: a per-person rule, because a plain "date equals some DOB" test would flag
  ordinary event dates that happen to be someone else's birthday.
- Postcodes: any postcode-shaped token (with or without its space, any case), normalised and
  compared with the landing postcodes normalised.

Failure messages give the kind of identifier and counts (with the file and column they were found
in, which are names of our own tables), never a value.
"""

from __future__ import annotations

import base64
import re
import shutil
import sqlite3
import zlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import polars as pl
import pytest

from asc_linkage.core.store import VersionedStore

REPO = Path(__file__).resolve().parents[2]

# Static files a documentation site copies in verbatim (fonts, images): not data, not text.
STATIC_SUFFIXES = {".otf", ".ttf", ".woff", ".woff2", ".eot", ".png", ".gif", ".ico", ".jpg", ".jpeg"}

NAME_MIN_LETTERS = 4
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
_DIGIT_RUN = re.compile(r"(?<![0-9A-Za-z.])[0-9]{6,}(?![0-9A-Za-z])")
_SPACED_NHS = re.compile(r"(?<![0-9A-Za-z.])[0-9]{3} [0-9]{3} [0-9]{4}(?![0-9A-Za-z])")
_ISO_DATE = re.compile(r"(?<![0-9])[0-9]{4}-[0-9]{2}-[0-9]{2}(?![0-9])")
_UK_DATE = re.compile(r"(?<![0-9])[0-9]{1,2}/[0-9]{1,2}/[0-9]{4}(?![0-9])")
_POSTCODE = re.compile(r"(?<![0-9A-Za-z])[A-Za-z]{1,2}[0-9][A-Za-z0-9]? ?[0-9][A-Za-z]{2}(?![0-9A-Za-z])")
_TOKEN = re.compile(r"(?<![0-9A-Za-z])[0-9A-Za-z][0-9A-Za-z_-]*[0-9A-Za-z](?![0-9A-Za-z])")

# Per-person DOB rule for parquet date columns (see _dob_leaks).
DOB_PERSON_SHARE = 0.5  # a person "carries" their DOB in a column when over half their rows equal it
DOB_PERSONS_ALLOWED = 0.01  # ... and a column leaks when over 1% of its persons do (at least 3)


def _words(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text)]


def _postcode_key(text: str) -> str:
    return re.sub(r"\s+", "", text).upper()


def _iso(text: str) -> str | None:
    text = text.strip()
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text, fmt).date().isoformat()
        except ValueError:
            continue
    return None


def _is_placeholder_nhs(digits: str) -> bool:
    return len(set(digits)) == 1 or digits in {"1234567890", "0123456789"}


def platform_vocabulary() -> set[str]:
    """Lower-case words of the specs and the code. Name lists are data, not vocabulary: the
    synthetic generator's name pools (``core/synth/``) and the nickname tables of the name
    standardiser (upper-case words: ``MARGARET PEGGY MAGGIE``) are left out, or every synthetic
    name would be skipped."""
    words: set[str] = set()
    for path in REPO.glob("data_specs/**/*.yaml"):
        words.update(_words(path.read_text(encoding="utf-8", errors="replace")))
    for path in REPO.glob("asc_linkage/**/*.py"):
        if "synth" in path.relative_to(REPO / "asc_linkage").parts:
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        words.update(w.lower() for w in _WORD.findall(text) if not (w.isupper() and len(w) >= NAME_MIN_LETTERS))
    # The model's m/u and match-weight charts are Splink's Vega-Lite templates filled with model
    # parameters: their words ("green", a colour and a surname) are Splink's, not data.
    import splink

    for path in (Path(splink.__file__).parent / "internals" / "files" / "chart_defs").glob("*.json"):
        words.update(_words(path.read_text(encoding="utf-8", errors="replace")))
    return words


@dataclass
class Identifiers:
    """Direct identifiers read from landing drops, in the forms the scan looks for."""

    digits: dict[str, set[str]] = field(default_factory=dict)  # kind -> all-digit values
    tokens: dict[str, set[str]] = field(default_factory=dict)  # kind -> other ids, matched as tokens
    spaced_nhs: set[str] = field(default_factory=set)
    names: set[str] = field(default_factory=set)  # lower-case words
    dobs: set[str] = field(default_factory=set)  # as written and ISO
    postcodes: set[str] = field(default_factory=set)  # normalised, no space
    dob_of: dict[tuple[str, str], set[date]] = field(default_factory=dict)  # (source, id) -> DOBs

    def add_id(self, kind: str, value: str | None) -> None:
        value = (value or "").strip()
        if not value:
            return
        if value.isdigit() and len(value) >= 6:
            self.digits.setdefault(kind, set()).add(value)
        elif len(value) >= 4:
            self.tokens.setdefault(kind, set()).add(value)

    def add_nhs(self, value: str | None) -> None:
        value = (value or "").strip()
        digits = re.sub(r"[^0-9]", "", value)
        if len(digits) != 10 or _is_placeholder_nhs(digits):
            return
        self.digits.setdefault("nhs_number", set()).add(digits)
        if value != digits and _SPACED_NHS.fullmatch(value):
            self.spaced_nhs.add(value)

    def add_dob(self, source: str, person: str | None, value: str | None) -> None:
        value = (value or "").strip()
        iso = _iso(value) if value else None
        if not iso:
            return
        self.dobs.update({value, iso})
        if person:
            self.dob_of.setdefault((source, person.strip()), set()).add(date.fromisoformat(iso))

    def counts(self) -> dict[str, int]:
        found = {kind: len(values) for kind, values in self.digits.items()}
        for kind, values in self.tokens.items():
            found[kind] = found.get(kind, 0) + len(values)
        found.update(name=len(self.names), date_of_birth=len(self.dobs), postcode=len(self.postcodes))
        return found


def _csv(path: Path) -> pl.DataFrame:
    frame = pl.read_csv(path, infer_schema=False, encoding="utf8-lossy")
    return frame.rename({c: c.strip().lstrip("\ufeff") for c in frame.columns})


def load_identifiers(landing: Path, vocabulary: set[str]) -> Identifiers:
    ids = Identifiers()
    name_words: set[str] = set()
    drops = sorted(p for p in landing.iterdir() if p.is_dir() and re.fullmatch(r"\d{4}-Q[1-4]", p.name))
    assert drops, "no landing drops to read identifiers from"
    for drop in drops:
        cld = _csv(drop / "asc" / "cld_events.csv")
        for row in cld.select("NHS Number", "LA Person Unique Identifier", "First Name", "Last Name",
                              "Date of Birth", "Postcode").iter_rows():
            nhs, person, first, last, dob, postcode = row
            ids.add_nhs(nhs)
            ids.add_id("la_person_id", person)
            name_words.update(_words(first or "") + _words(last or ""))
            ids.add_dob("asc", person, dob)
            if postcode and postcode.strip():
                ids.postcodes.add(_postcode_key(postcode))
        patients = _csv(drop / "mh" / "patients.csv")
        for row in patients.select("patient_id", "nhs_number", "forename", "surname", "date_of_birth",
                                   "postcode").iter_rows():
            person, nhs, first, last, dob, postcode = row
            ids.add_id("patient_id", person)
            ids.add_nhs(nhs)
            name_words.update(_words(first or "") + _words(last or ""))
            ids.add_dob("mh", person, dob)
            if postcode and postcode.strip():
                ids.postcodes.add(_postcode_key(postcode))
        for path in (drop / "mh").glob("*.csv"):
            frame = _csv(path)
            if "patient_id" in frame.columns:
                for value in frame["patient_id"].drop_nulls().unique().to_list():
                    ids.add_id("patient_id", value)
            if "postcode" in frame.columns:
                ids.postcodes.update(_postcode_key(v) for v in frame["postcode"].drop_nulls().to_list() if v.strip())
    ids.names = {w for w in name_words if len(w) >= NAME_MIN_LETTERS and w not in vocabulary}
    return ids


# --------------------------------------------------------------------------------------------
# scanning
# --------------------------------------------------------------------------------------------


# Charts are drawn into metadata as base64 SVG pictures, where a value would not read as text.
_SVG_DATA_URI = re.compile(r"data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)")


def scan_text(text: str, ids: Identifiers) -> Counter:
    """Identifier kind -> number of occurrences in ``text``, and in the SVG pictures it embeds."""
    found: Counter = Counter()
    for picture in _SVG_DATA_URI.findall(text):
        found += scan_text(base64.b64decode(picture).decode("utf-8", errors="replace"), ids)
    for run in _DIGIT_RUN.findall(text):
        for kind, values in ids.digits.items():
            if run in values:
                found[kind] += 1
    for spaced in _SPACED_NHS.findall(text):
        if spaced in ids.spaced_nhs:
            found["nhs_number"] += 1
    if ids.tokens:
        for token in _TOKEN.findall(text):
            for kind, values in ids.tokens.items():
                if token in values:
                    found[kind] += 1
    for word in _words(text):
        if word in ids.names:
            found["name"] += 1
    for pattern in (_ISO_DATE, _UK_DATE):
        for value in pattern.findall(text):
            if value in ids.dobs:
                found["date_of_birth"] += 1
    for value in _POSTCODE.findall(text):
        if _postcode_key(value) in ids.postcodes:
            found["postcode"] += 1
    return found


def _sqlite_text(path: Path) -> str:
    """Every cell of every table of a SQLite database (WAL included), blobs decompressed where
    they are zlib (Dagster's snapshots): overflow pages split long values in the raw file."""
    parts: list[str] = []
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        tables = [r[0] for r in connection.execute("select name from sqlite_master where type = 'table'")]
        for table in tables:
            for row in connection.execute(f'select * from "{table}"'):
                for cell in row:
                    if isinstance(cell, bytes):
                        try:
                            parts.append(zlib.decompress(cell).decode("utf-8", errors="replace"))
                        except zlib.error:
                            parts.append(cell.decode("utf-8", errors="replace"))
                    elif cell is not None:
                        parts.append(str(cell))
    finally:
        connection.close()
    return "\n".join(parts)


# A word or number touching a binary byte in a SQLite file is a fragment: a long value is split
# where a page ends and its overflow page begins, behind a 4-byte page pointer, so "c" + pointer +
# "ross" of "cross" would read as a surname. The raw scan drops such fragments; `_sqlite_text`
# reads every live value whole.
_BINARY_EDGE = re.compile(r"[^\W_]*[\x00-\x08\x0e-\x1f\ufffd]+[^\W_]*")
_SQLITE_MAGIC = (b"SQLite format 3\x00", b"\x37\x7f\x06\x82", b"\x37\x7f\x06\x83")  # database, WAL


def scan_file_as_text(path: Path, ids: Identifiers) -> Counter:
    data = path.read_bytes()
    text = data.decode("utf-8", errors="replace")
    if data.startswith(_SQLITE_MAGIC):
        text = _BINARY_EDGE.sub(" ", text)
    found = scan_text(text, ids)
    if data.startswith(_SQLITE_MAGIC[0]):
        found += scan_text(_sqlite_text(path), ids)
    return found


def _dob_by_research_person(home: Path, ids: Identifiers) -> pl.DataFrame:
    key_map = VersionedStore(home).read("identifiable", "linkage_key_map")
    rows = [
        (rp, dob)
        for source, person, rp in key_map.select("source", "source_person_id", "research_person_id").iter_rows()
        for dob in ids.dob_of.get((source, str(person)), ())
    ]
    return pl.DataFrame(rows, schema={"research_person_id": pl.String, "_dob": pl.Date}, orient="row").unique()


def _dob_leaks(frame: pl.DataFrame, column: str, dob: pl.DataFrame) -> bool:
    """Does ``column`` (a Date column of a table keyed by research_person_id) carry people's DOBs?

    An event date (a referral, a placement, a death) can fall on the person's own date of birth
    only by coincidence or a data-entry slip, so for a genuine event column almost no person has
    most of their rows equal to their DOB. A column that copies the DOB (for everyone or for a
    subset) makes that true for many persons. So: a person carries their DOB in the column when
    more than DOB_PERSON_SHARE of their non-null rows equal it; the column leaks when more than
    DOB_PERSONS_ALLOWED of its persons (and at least 3) do.
    """
    rows = frame.select("research_person_id", pl.col(column).alias("_value")).drop_nulls()
    if rows.is_empty():
        return False
    marks = dob.select("research_person_id", pl.col("_dob").alias("_value"), pl.lit(True).alias("_is_dob"))
    rows = rows.join(marks, on=["research_person_id", "_value"], how="left").with_columns(pl.col("_is_dob").fill_null(False))
    per_person = rows.group_by("research_person_id").agg(pl.col("_is_dob").mean().alias("share"))
    carrying = int((per_person["share"] > DOB_PERSON_SHARE).sum())
    return carrying >= 3 and carrying > DOB_PERSONS_ALLOWED * per_person.height


def scan_parquet(path: Path, ids: Identifiers, dob: pl.DataFrame | None) -> Counter:
    """Identifier kind -> occurrences, in string cells (whole cells and words in them), in
    integer cells (digit ids), and in Date columns by the per-person DOB rule."""
    frame = pl.read_parquet(path)
    found: Counter = Counter()
    for column, dtype in frame.schema.items():
        if dtype == pl.String:
            # distinct values: a finding counts once per column however many rows repeat it
            for cell in frame[column].drop_nulls().unique().to_list():
                found += scan_text(cell, ids)
                stripped = cell.strip()
                if stripped.lower() in ids.names and " " in stripped:
                    found["name"] += 1  # a multi-word name cell the word scan would split
        elif dtype.is_integer():
            for value in frame[column].drop_nulls().unique().cast(pl.String).to_list():
                for kind, digit_ids in ids.digits.items():
                    if value in digit_ids:
                        found[kind] += 1
        elif dtype == pl.Date:
            if "research_person_id" in frame.columns and dob is not None:
                if _dob_leaks(frame, column, dob):
                    found[f"date_of_birth (column {column})"] += 1
            else:
                iso = {d.isoformat() for d in frame[column].drop_nulls().to_list()}
                if iso and len(iso & ids.dobs) > 0.01 * len(iso) + 2:
                    found[f"date_of_birth (column {column})"] += 1
    return found


def scan_tree(root: Path, ids: Identifiers, dob: pl.DataFrame | None = None) -> dict[str, Counter]:
    """Relative path -> identifier counts, for every file under ``root`` with any finding."""
    findings: dict[str, Counter] = {}
    files = [p for p in sorted(root.rglob("*")) if p.is_file()]
    assert files, f"nothing to scan under {root.name}"
    for path in files:
        if path.suffix.lower() in STATIC_SUFFIXES:
            continue
        if path.suffix == ".parquet":
            found = scan_parquet(path, ids, dob)
        else:
            found = scan_file_as_text(path, ids)
        if found:
            findings[str(path.relative_to(root.parent))] = found
    return findings


def describe(findings: dict[str, Counter]) -> str:
    """Kinds and counts only (and our own file names): never a value."""
    total: Counter = Counter()
    for found in findings.values():
        total.update(found)
    lines = [f"personal data found in {len(findings)} file(s): "
             + ", ".join(f"{kind}: {n}" for kind, n in sorted(total.items()))]
    for where, found in sorted(findings.items())[:20]:
        lines.append(f"  {where}: " + ", ".join(f"{kind} x{n}" for kind, n in sorted(found.items())))
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------
# fixtures and tests
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def vocabulary() -> set[str]:
    return platform_vocabulary()


@pytest.fixture(scope="module")
def identifiers(demo_home, vocabulary) -> Identifiers:
    return load_identifiers(demo_home / "demo_data" / "landing", vocabulary)


@pytest.fixture(scope="module")
def dob_by_person(demo_home, identifiers) -> pl.DataFrame:
    return _dob_by_research_person(demo_home, identifiers)


def test_identifiers_were_read(identifiers, dob_by_person):
    """The scan has something to look for: a scan over empty sets would pass vacuously."""
    counts = identifiers.counts()
    for kind in ("nhs_number", "la_person_id", "patient_id", "name", "date_of_birth", "postcode"):
        assert counts.get(kind, 0) >= 50, f"only {counts.get(kind, 0)} {kind} value(s) read from the landing drops"
    assert len(identifiers.spaced_nhs) > 0, "no NHS number written with spaces in the demo drops"
    assert dob_by_person.height > 100


def test_no_personal_data_in_dagster_folder(demo_home, identifiers):
    findings = scan_tree(demo_home / "dagster", identifiers)
    assert not findings, describe(findings)


@pytest.mark.parametrize("zone", ["research", "published"])
def test_no_personal_data_in_research_or_published(demo_home, identifiers, dob_by_person, zone):
    root = demo_home / zone
    assert any(root.rglob("*.parquet")), f"no {zone} tables to scan"
    findings = scan_tree(root, identifiers, dob_by_person)
    assert not findings, describe(findings)


# --- negative controls: the scan finds what is planted -----------------------------------------


def _research_table_with_person_and_date(demo_home: Path) -> Path:
    store = VersionedStore(demo_home)
    path = store.latest_path("research", "research_population")
    frame = pl.read_parquet(path)
    assert "research_person_id" in frame.columns
    return path


def test_scan_finds_an_nhs_number_planted_in_a_research_table(demo_home, identifiers, dob_by_person, tmp_path):
    source = _research_table_with_person_and_date(demo_home)
    frame = pl.read_parquet(source)
    clean = tmp_path / "clean.parquet"
    frame.write_parquet(clean)
    assert not scan_parquet(clean, identifiers, dob_by_person), "the unmodified table already has findings"

    nhs = sorted(identifiers.digits["nhs_number"])[0]
    text_column = next(c for c, t in frame.schema.items() if t == pl.String and c != "research_person_id")
    planted = frame.with_columns(
        pl.when(pl.int_range(pl.len()) == 3).then(pl.lit(nhs)).otherwise(pl.col(text_column)).alias(text_column)
    )
    planted.write_parquet(tmp_path / "planted.parquet")
    assert scan_parquet(tmp_path / "planted.parquet", identifiers, dob_by_person) == Counter(nhs_number=1)

    # as an integer column too
    as_int = frame.with_columns(pl.lit(int(nhs), dtype=pl.Int64).alias("extra_number"))
    as_int.write_parquet(tmp_path / "as_int.parquet")
    assert scan_parquet(tmp_path / "as_int.parquet", identifiers, dob_by_person) == Counter(nhs_number=1)


def test_scan_finds_dates_of_birth_copied_into_a_research_table(demo_home, identifiers, dob_by_person, tmp_path):
    frame = pl.read_parquet(_research_table_with_person_and_date(demo_home))
    with_dob = frame.join(dob_by_person.unique("research_person_id"), on="research_person_id", how="left")
    with_dob.rename({"_dob": "first_contact_date"}).write_parquet(tmp_path / "dob.parquet")
    found = scan_parquet(tmp_path / "dob.parquet", identifiers, dob_by_person)
    assert found == Counter({"date_of_birth (column first_contact_date)": 1})
    # a date column unrelated to birth does not trip the rule
    frame.with_columns(pl.lit(date(2025, 6, 30)).alias("quarter_end")).write_parquet(tmp_path / "qe.parquet")
    assert not scan_parquet(tmp_path / "qe.parquet", identifiers, dob_by_person)


def test_scan_finds_identifiers_planted_in_text_and_sqlite(demo_home, identifiers, tmp_path):
    # a copy of the run database and of one compute log (the whole folder is scanned above)
    copy = tmp_path / "dagster"
    source = demo_home / "dagster"
    for path in [next(source.rglob("runs.db")), next(source.rglob("*.err"), None)]:
        if path is not None:
            target = copy / path.relative_to(source)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target)
    assert not scan_tree(copy, identifiers), "the copied Dagster files already have findings"

    nhs = sorted(identifiers.digits["nhs_number"])[1]
    name = sorted(identifiers.names)[0]
    postcode = sorted(identifiers.postcodes)[0]
    log = next(copy.rglob("*.err"), None) or copy / "storage" / "planted.err"
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "a", encoding="utf-8") as handle:
        # a name in a sentence (title case), a postcode without its space, an NHS number in JSON
        handle.write(f'\nlinked record for {name.title()}, {postcode.lower()}: {{"nhs": "{nhs}"}}\n')
    found = scan_tree(copy, identifiers)
    assert list(found) == [str(log.relative_to(tmp_path))]
    assert found[str(log.relative_to(tmp_path))] == Counter(nhs_number=1, name=1, postcode=1)

    # inside a SQLite event log, as Dagster would store a metadata value
    database = next(copy.rglob("runs.db"))
    connection = sqlite3.connect(database)
    patient = sorted(identifiers.digits["patient_id"])[0]
    connection.execute("create table planted (body text)")
    connection.execute("insert into planted values (?)", (f'{{"metadata": {{"patient": "{patient}"}}}}',))
    connection.commit()
    connection.close()
    found = scan_tree(copy, identifiers)
    assert found[str(database.relative_to(tmp_path))]["patient_id"] >= 1


def test_scan_reads_no_name_into_a_word_split_by_a_sqlite_page(identifiers, tmp_path):
    """Where a SQLite page ends inside "cross", the raw file holds "c", the next page's pointer and
    "ross": no name (the run database once failed this test on exactly that). A whole name in the
    same file is still found."""
    name = sorted(identifiers.names)[0]
    wal = tmp_path / "runs.db-wal"
    wal.write_bytes(b"\x37\x7f\x06\x82| c\x00\x00\x00\x89" + name.encode() + b"-system |")
    assert scan_file_as_text(wal, identifiers) == Counter()
    wal.write_bytes(b"\x37\x7f\x06\x82\x00\x00 {\"label\": \"" + name.title().encode() + b" x\"}")
    assert scan_file_as_text(wal, identifiers) == Counter(name=1)


def test_scan_does_not_match_inside_longer_numbers_or_words(identifiers):
    nhs = sorted(identifiers.digits["nhs_number"])[0]
    name = sorted(identifiers.names)[0]
    noise = f"1{nhs} {nhs}7 0.{nhs} x{nhs} {name}x run-{nhs}a"
    assert scan_text(noise, identifiers) == Counter(), "the rules match inside longer tokens"
    assert scan_text(f"ok {nhs}. {name.upper()}!", identifiers) == Counter(nhs_number=1, name=1)
