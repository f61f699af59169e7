"""Rows the raw ingest must quarantine, added to each landing file as real extracts carry them.

Every fault is an EXTRA row: a copy of a clean row of the same file, broken in one way that a row
rule of ``data_specs/rules.yaml`` quarantines, written on the line after the row it copies. The
clean row stays where it was, so the rows the ingest accepts (and so staging, linkage, the
indicators and the ground truth) are exactly what they would be without faults.

=======================  ========================================================  ======================
fault                    how the extra row is made                                 files
=======================  ========================================================  ======================
missing_person_id        the person id blanked (an event or diagnosis left         asc/cld_events.csv,
                         attached to a merged or deleted record by the extract's   mh/diagnoses.csv
                         join)
duplicate_unique_id      the row repeated verbatim (a join fan-out, a re-sent      mh/patients.csv,
                         batch); the first row by row number is kept               mh/referrals.csv,
                                                                                   mh/care_contacts.csv,
                                                                                   mh/hospital_spells.csv,
                                                                                   mh/mha_episodes.csv
wrong_field_count        a row whose last field is empty, repeated without it      mh/patients.csv,
                         (export tools that drop trailing empty fields): one       mh/addresses.csv,
                         field short of the header                                 mh/hospital_spells.csv,
                                                                                   mh/mha_episodes.csv
=======================  ========================================================  ======================

A naive CSV reader (polars pads short rows with nulls) sees a wrong-field-count row as a verbatim
duplicate, so files stay readable by tools that do not know the contract.

Counts are per file per drop: ``max(MIN_FAULTS_PER_KIND, round(rows * share))`` for each kind the
file carries, at rows chosen by a random stream of their own (seed, quarter, file), so one seed
gives byte-identical files and the rest of the generator's draws are untouched. Only rows without
a quote character are copied, so editing a field is a split on commas; the manifest's row count
and checksum are of the bytes written, faults included.
"""

from __future__ import annotations

import csv
import io

import numpy as np

from asc_linkage.core.ingest import DUPLICATE_UNIQUE_ID, MISSING_PERSON_ID, WRONG_FIELD_COUNT
from asc_linkage.core.quarters import parse_quarter

# Shares of a file's rows, per kind. Council and trust extracts carry a handful of such rows per
# submission (about 1 in 2,000 rows in practice); the shares are kept that small so the demo
# looks like a real drop, and since every faulty row is an extra copy they cannot move linkage
# accuracy or any indicator in any case.
MISSING_PERSON_ID_SHARE = 1 / 2000
DUPLICATE_UNIQUE_ID_SHARE = 1 / 2000
WRONG_FIELD_COUNT_SHARE = 1 / 5000
# At least one row of each kind a file carries, in every drop, so that every quarantine table of
# even a small demo (a few dozen MHA episodes) shows its rule at work.
MIN_FAULTS_PER_KIND = 1

SHARES = {
    MISSING_PERSON_ID: MISSING_PERSON_ID_SHARE,
    DUPLICATE_UNIQUE_ID: DUPLICATE_UNIQUE_ID_SHARE,
    WRONG_FIELD_COUNT: WRONG_FIELD_COUNT_SHARE,
}
# Landing file -> the fault kinds it carries, in the order they are drawn.
FAULTS_BY_FILE: dict[str, tuple[str, ...]] = {
    "asc/cld_events.csv": (MISSING_PERSON_ID,),
    "mh/patients.csv": (DUPLICATE_UNIQUE_ID, WRONG_FIELD_COUNT),
    "mh/addresses.csv": (WRONG_FIELD_COUNT,),
    "mh/referrals.csv": (DUPLICATE_UNIQUE_ID,),
    "mh/care_contacts.csv": (DUPLICATE_UNIQUE_ID,),
    "mh/hospital_spells.csv": (DUPLICATE_UNIQUE_ID, WRONG_FIELD_COUNT),
    "mh/mha_episodes.csv": (DUPLICATE_UNIQUE_ID, WRONG_FIELD_COUNT),
    "mh/diagnoses.csv": (MISSING_PERSON_ID,),
}
# The column blanked by missing_person_id (the trust's files all use patient_id).
PERSON_ID_HEADER = {"asc/cld_events.csv": "LA Person Unique Identifier"}
_FILE_NUMBER = {name: number for number, name in enumerate(FAULTS_BY_FILE)}

_NEWLINE, _QUOTE, _COMMA = ord("\n"), ord('"'), ord(",")


def fault_rng(seed: int, stream: int, quarter: str, landing_path: str) -> np.random.Generator:
    """The draws for one file of one drop: independent of every other file, drop and component."""
    year, number = parse_quarter(quarter)
    return np.random.default_rng([seed, stream, year, number, _FILE_NUMBER[landing_path]])


def fault_count(rows: int, kind: str) -> int:
    """How many faulty rows of ``kind`` a file of ``rows`` clean data rows gets."""
    return max(MIN_FAULTS_PER_KIND, round(rows * SHARES[kind])) if rows else 0


def add_faulty_rows(payload: bytes | memoryview, rows: int, landing_path: str,
                    rng: np.random.Generator) -> tuple[bytes | memoryview, int, dict[str, int]]:
    """``payload`` (a header plus ``rows`` one-line records, ``\\n``-terminated) with the faulty rows
    of ``FAULTS_BY_FILE`` inserted; returns the bytes, their data-row count and the count per kind."""
    kinds = FAULTS_BY_FILE.get(landing_path, ())
    if not kinds or not rows:
        return payload, rows, {}
    buffer = np.frombuffer(payload, dtype=np.uint8)
    line_ends = np.flatnonzero(buffer == _NEWLINE)
    if len(line_ends) != rows + 1 or line_ends[-1] != len(buffer) - 1:
        raise ValueError(f"{landing_path}: faults need one line per row")
    starts = np.concatenate(([0], line_ends[:-1] + 1))
    # Line 0 is the header; a line holding a quote may hold a quoted comma, so it is never copied.
    quoted_lines = np.searchsorted(line_ends, np.flatnonzero(buffer == _QUOTE))
    plain = np.bincount(quoted_lines, minlength=rows + 1) == 0
    plain[0] = False
    header = next(csv.reader(io.StringIO(bytes(payload[: line_ends[0]]).decode("utf-8"))))
    person_column = header.index(PERSON_ID_HEADER.get(landing_path, "patient_id"))

    inserts: list[tuple[int, int, bytes]] = []  # (line, draw order, faulty row)
    counts: dict[str, int] = {}
    for kind in kinds:
        candidates = plain.copy()
        if kind == WRONG_FIELD_COUNT:
            candidates &= buffer[np.maximum(line_ends - 1, 0)] == _COMMA  # the last field is empty
        lines = np.flatnonzero(candidates)
        chosen = np.sort(rng.choice(lines, size=min(fault_count(rows, kind), len(lines)), replace=False))
        for line in chosen.tolist():
            text = bytes(payload[starts[line]:line_ends[line]])
            if kind == MISSING_PERSON_ID:
                fields = text.split(b",")
                fields[person_column] = b""
                text = b",".join(fields)
            elif kind == WRONG_FIELD_COUNT:
                text = text[:-1]
            inserts.append((int(line), len(inserts), text + b"\n"))
        if len(chosen):
            counts[kind] = len(chosen)
    if not inserts:
        return payload, rows, counts
    pieces: list[bytes | memoryview] = []
    view, previous = memoryview(payload), 0
    for line, _, text in sorted(inserts):
        end = int(line_ends[line]) + 1
        pieces += [view[previous:end], text]
        previous = end
    pieces.append(view[previous:])
    return b"".join(pieces), rows + len(inserts), counts


__all__ = ["FAULTS_BY_FILE", "add_faulty_rows", "fault_count", "fault_rng"]
