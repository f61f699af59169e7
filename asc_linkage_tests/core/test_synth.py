"""The synthetic landing generator: layout, contract conformance, ground truth, error injection."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from asc_linkage.core.synth import DEFAULT_QUARTERS, generate
from asc_linkage.core.synth import identifiers as ids
from asc_linkage.core.synth import writer
from asc_linkage.core.synth.population import nhs_check_digit
from asc_linkage_tests.landing_contract import CLD_OPTIONAL, CLD_REQUIRED, LANDING_PATHS, MH_COLUMNS

PERSONS = 1500
SEED = 7

MH_CONTRACT = {LANDING_PATHS[table]: columns for table, columns in MH_COLUMNS.items() if table.startswith("mh_")}
CONTRACT_HEADERS = {"asc/cld_events.csv": CLD_REQUIRED, **MH_CONTRACT}
DROP_FILES = {"manifest.json", *CONTRACT_HEADERS}


def _contract():
    try:
        from asc_linkage.core.specs import load_contract
        return load_contract()
    except Exception:  # the contract module is another engineer's and may be mid-change
        return None


@pytest.fixture(scope="module")
def synth(tmp_path_factory) -> tuple[Path, object]:
    out = tmp_path_factory.mktemp("synth")
    summary = generate(out, persons=PERSONS, seed=SEED, progress=False)
    return out, summary


def _read(path: Path) -> pl.DataFrame:
    return pl.read_csv(path, infer_schema=False)


def _drop_files(drop: Path) -> set[str]:
    return {str(p.relative_to(drop)) for p in drop.rglob("*") if p.is_file()}


def _valid_nhs(series: pl.Series) -> np.ndarray:
    digits_only = series.str.replace_all(" ", "")
    ok_shape = digits_only.str.contains(r"^\d{10}$").fill_null(False).to_numpy()
    padded = digits_only.fill_null("0000000000").str.replace(r"^(.{0,9})$", "0000000000")
    digits = np.array([[int(c) for c in s] for s in padded.to_list()]) if len(series) else np.zeros((0, 10), int)
    check = nhs_check_digit(digits[:, :9]) if len(series) else np.zeros(0)
    return ok_shape & (check == digits[:, 9])


def test_every_drop_has_exactly_the_contract_files_and_headers(synth):
    out, summary = synth
    landing = out / "landing"
    assert summary.quarters == DEFAULT_QUARTERS
    assert sorted(p.name for p in landing.iterdir()) == sorted([*DEFAULT_QUARTERS, "reference"])
    contract = _contract()
    for quarter in DEFAULT_QUARTERS:
        drop = landing / quarter
        assert _drop_files(drop) == DROP_FILES
        for name, headers in CONTRACT_HEADERS.items():
            header = (drop / name).read_text(encoding="utf-8").split("\n", 1)[0].split(",")
            if name == "asc/cld_events.csv":
                # Every required header in spec order, then optional ones (with the platform's Lives Alone).
                assert header[: len(headers)] == headers
                assert set(header[len(headers):]) <= set(CLD_OPTIONAL) | {"Lives Alone"}
            else:
                assert header == headers
            if contract is not None:
                spec = contract.file_for_path(name)
                required = [c.header for c in spec.columns if c.required]
                known = {c.header for c in spec.columns}
                assert set(required) <= set(header), name
                assert set(header) <= known, name
    assert b"NaN" not in (landing / DEFAULT_QUARTERS[-1] / "asc" / "cld_events.csv").read_bytes()
    assert _read(landing / "reference" / "postcode_lsoa.csv").columns == ["postcode", "lsoa11"]
    assert _read(landing / "reference" / "lsoa_imd.csv").columns == ["lsoa11", "imd_decile"]


def test_manifest_is_written_last_with_true_checksums_and_row_counts(synth):
    out, _ = synth
    for quarter in DEFAULT_QUARTERS:
        drop = out / "landing" / quarter
        manifest_path = drop / "manifest.json"
        manifest = json.loads(manifest_path.read_text())
        assert manifest["quarter"] == quarter
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z", manifest["created"])
        assert set(manifest["files"]) == DROP_FILES - {"manifest.json"}
        for name, entry in manifest["files"].items():
            payload = (drop / name).read_bytes()
            assert hashlib.sha256(payload).hexdigest() == entry["sha256"]
            assert payload.count(b"\n") - 1 == entry["rows"] == _read(drop / name).height
            assert manifest_path.stat().st_mtime_ns >= (drop / name).stat().st_mtime_ns


def test_truth_covers_every_source_id_including_duplicate_records(synth):
    out, summary = synth
    truth = _read(out / "ground_truth" / "truth.csv")
    assert truth.columns == ["true_person_id", "source", "source_person_id"]
    assert truth.select("source", "source_person_id").is_duplicated().sum() == 0
    asc_ids, mh_ids = set(), set()
    for quarter in DEFAULT_QUARTERS:
        drop = out / "landing" / quarter
        # A blank id (a faulty row, quarantined on ingest) is no source record.
        asc_ids |= set(_read(drop / "asc" / "cld_events.csv")["LA Person Unique Identifier"].drop_nulls().to_list())
        for name in CONTRACT_HEADERS:
            if name.startswith("mh/"):
                mh_ids |= set(_read(drop / name)["patient_id"].drop_nulls().to_list())
    assert set(truth.filter(pl.col("source") == "asc")["source_person_id"]) == asc_ids
    assert set(truth.filter(pl.col("source") == "mh")["source_person_id"]) == mh_ids
    per_person = truth.group_by("true_person_id", "source").len()
    assert per_person.filter((pl.col("source") == "asc") & (pl.col("len") > 1)).height > 0
    assert per_person.filter((pl.col("source") == "mh") & (pl.col("len") > 1)).height > 0
    # Roughly 10% of people are in both systems; ASC-only is the largest group.
    assert 0.06 * PERSONS < summary.both_persons < 0.16 * PERSONS
    assert summary.asc_persons > summary.mh_persons > summary.both_persons


def test_nhs_numbers_valid_missing_spaced_and_placeholder_as_designed(synth):
    out, _ = synth
    last = out / "landing" / DEFAULT_QUARTERS[-1]
    cld = _read(last / "asc" / "cld_events.csv").unique("LA Person Unique Identifier")
    patients = _read(last / "mh" / "patients.csv")
    asc_nhs, mh_nhs = cld["NHS Number"], patients["nhs_number"]
    assert 0.10 < asc_nhs.is_null().mean() < 0.30
    assert 0.01 < mh_nhs.is_null().mean() < 0.09
    assert asc_nhs.str.contains(r"^\d{3} \d{3} \d{4}$").fill_null(False).sum() > 0
    present = asc_nhs.drop_nulls()
    valid = _valid_nhs(present)
    assert 0.90 < valid.mean() < 0.995          # invalid check digits / transpositions ~3%
    assert _valid_nhs(mh_nhs.drop_nulls()).mean() > 0.98
    assert set(mh_nhs.drop_nulls().str.replace_all(" ", "")) - {"0000000000", "9999999999", "1111111111"}
    assert patients["nhs_number_status"].is_in([f"{i:02d}" for i in range(1, 8)]).all()
    # Missing numbers are never marked verified.
    assert patients.filter(pl.col("nhs_number").is_null())["nhs_number_status"].is_in(["01"]).sum() == 0


def test_generated_numbers_pass_modulus_11():
    from asc_linkage.core.synth.population import valid_nhs_numbers

    numbers = valid_nhs_numbers(np.random.default_rng(0), 5000)
    assert numbers.n_unique() == 5000
    assert _valid_nhs(numbers).all()
    assert _valid_nhs(pl.Series(["9434765919", "6716689966", "4010232137"])).all()
    assert not _valid_nhs(pl.Series(["9434765918", "4934765919"])).any()


def test_consecutive_drops_overlap_and_later_drops_correct_rows(synth):
    out, _ = synth
    drops = [_read(out / "landing" / q / "asc" / "cld_events.csv") for q in DEFAULT_QUARTERS]
    for earlier, later in zip(drops, drops[1:]):
        shared = set(earlier["Event Reference"]) & set(later["Event Reference"])
        assert len(shared) > 0.3 * earlier.height
    # References repeat within a drop only where a row was sent twice verbatim (or as a faulty
    # copy with a blank person id, which the ingest quarantines).
    for drop in drops:
        attributed = drop.filter(pl.col("LA Person Unique Identifier").is_not_null())
        assert attributed["Event Reference"].n_unique() == attributed.unique().height
        assert drop.height - drop.unique().height < 0.01 * drop.height
    appearances = pl.concat([d.select("Event Reference") for d in drops])["Event Reference"].value_counts()
    assert appearances["count"].max() >= 4
    # An open service gains its end date (or a value is corrected) in a later drop.
    both = drops[3].join(drops[4], on="Event Reference", suffix="_later")
    changed = both.filter(
        (pl.col("Event End Date").is_null() & pl.col("Event End Date_later").is_not_null())
        | (pl.col("Unit Cost") != pl.col("Unit Cost_later"))
        | (pl.col("Event Outcome") != pl.col("Event Outcome_later"))
    )
    assert changed.height > 0
    # Each drop covers its rolling 12 months.
    for quarter, drop in zip(DEFAULT_QUARTERS, drops):
        assert drop["Reporting Period End Date"].n_unique() == 1


def test_dates_are_iso_except_the_councils_ddmmyyyy_drops(synth):
    out, _ = synth
    iso, dmy = r"^\d{4}-\d{2}-\d{2}$", r"^\d{2}/\d{2}/\d{4}$"
    for position, quarter in enumerate(DEFAULT_QUARTERS):
        cld = _read(out / "landing" / quarter / "asc" / "cld_events.csv")
        pattern = dmy if position in (1, 2) else iso
        for column in ("Event Start Date", "Date of Birth", "Reporting Period End Date"):
            assert cld[column].drop_nulls().str.contains(pattern).all(), (quarter, column)
        referrals = _read(out / "landing" / quarter / "mh" / "referrals.csv")
        assert referrals["referral_received_date"].str.contains(iso).all()


def test_trust_files_are_growing_full_snapshots_with_stable_ids(synth):
    out, _ = synth
    previous: dict[str, set] = {}
    for quarter in DEFAULT_QUARTERS:
        drop = out / "landing" / quarter / "mh"
        current = {
            "patients": set(_read(drop / "patients.csv")["patient_id"]),
            "referrals": set(_read(drop / "referrals.csv")["referral_id"]),
            "contacts": set(_read(drop / "care_contacts.csv")["contact_id"]),
            "episodes": set(_read(drop / "mha_episodes.csv")["episode_id"]),
        }
        for key, ids_now in current.items():
            assert previous.get(key, set()) <= ids_now, (quarter, key)
        previous = current
    contacts = _read(out / "landing" / DEFAULT_QUARTERS[-1] / "mh" / "care_contacts.csv")
    referrals = _read(out / "landing" / DEFAULT_QUARTERS[-1] / "mh" / "referrals.csv")
    assert set(contacts["referral_id"]) <= set(referrals["referral_id"])
    diagnoses = _read(out / "landing" / DEFAULT_QUARTERS[-1] / "mh" / "diagnoses.csv")
    codes = set(diagnoses["icd10_code"])
    assert {"F20.0", "F200"} & codes and any("." not in c for c in codes) and any("." in c for c in codes)


def test_code_values_are_accepted_by_the_contract(synth):
    contract = _contract()
    if contract is None:
        pytest.skip("data_specs contract not loadable")
    out, _ = synth
    checked = 0
    for quarter in (DEFAULT_QUARTERS[0], DEFAULT_QUARTERS[-1]):
        for name in CONTRACT_HEADERS:
            frame = _read(out / "landing" / quarter / name)
            spec = contract.file_for_path(name)
            for column in spec.columns:
                if column.codelist is None or column.header not in frame.columns:
                    continue
                codelist = contract.codelist(column.codelist)
                values = frame[column.header].drop_nulls().unique().to_list()
                unknown = [v for v in values if codelist.canonical(v) is None]
                assert not unknown, (quarter, name, column.header, unknown[:5])
                checked += 1
    assert checked > 20


def test_reference_lookup_covers_borough_postcodes_with_skewed_deciles(synth):
    out, _ = synth
    ref = out / "landing" / "reference"
    lookup = _read(ref / "postcode_lsoa.csv")
    imd = _read(ref / "lsoa_imd.csv").with_columns(pl.col("imd_decile").cast(pl.Int64))
    assert lookup["lsoa11"].str.contains(r"^E01\d{6}$").all()
    assert set(lookup["lsoa11"]) == set(imd["lsoa11"])
    assert imd["imd_decile"].is_between(1, 10).all()
    assert imd["imd_decile"].is_between(2, 5).mean() > 0.6
    patients = _read(out / "landing" / DEFAULT_QUARTERS[-1] / "mh" / "patients.csv")
    normalised = patients["postcode"].drop_nulls().str.to_uppercase().str.replace_all(" ", "")
    normalised = normalised.str.slice(0, normalised.str.len_chars() - 3) + " " + normalised.str.slice(-3)
    assert normalised.is_in(lookup["postcode"].implode()).mean() > 0.9


def test_identifier_error_rates_are_roughly_as_designed():
    from asc_linkage.core.synth.calendar import day_number, quarter_end
    from asc_linkage.core.synth.geography import build_geography
    from asc_linkage.core.synth.population import SimWindow, build_population

    rng = np.random.default_rng(3)
    window = SimWindow(day_number(quarter_end("2020-Q3")), day_number(quarter_end("2025-Q2")), day_number(quarter_end("2022-Q3")))
    people = build_population(rng, 40000, build_geography(rng), window)
    records = people.select("person_index").with_columns(
        record_id=pl.col("person_index").cast(pl.String), is_duplicate=pl.lit(False))
    asc = ids.record_identifiers(records, people, ids.ASC_RATES, rng, 40000, "asc")
    rates = ids.ASC_RATES
    for flag, expected in [("err_forename_typo", rates.forename_typo), ("err_nhs_invalid", rates.nhs_invalid),
                           ("err_upper_case", rates.upper_case), ("err_dob_year_off", rates.dob_year_off)]:
        observed = asc[flag].mean()
        assert 0.5 * expected < observed < 2.0 * expected, flag
    assert 0.15 < asc["err_nhs_missing"].mean() < 0.30
    assert asc["nhs_number"].is_null().mean() == pytest.approx(asc["err_nhs_missing"].mean() + asc["err_all_missing"].mean(), abs=0.002)
    # Contact-only records (no NHS number, little else) are twice as common for recent arrivals.
    sparse = asc.join(people.select("person_index", "ethnic_key"), on="person_index").group_by(
        pl.col("ethnic_key").is_in(ids.RECENT_ARRIVAL_GROUPS).alias("recent")).agg(pl.col("err_sparse_record").mean())
    sparse = dict(zip(sparse["recent"], sparse["err_sparse_record"]))
    assert 0.02 < sparse[False] < 0.06 and sparse[True] > 1.5 * sparse[False]
    # Naming traditions differ: names are swapped far more often for Chinese than English names.
    joined = asc.join(people.select("person_index", "surname_tradition"), on="person_index")
    swap = joined.group_by("surname_tradition").agg(pl.col("err_name_swap").mean()).to_dict(as_series=False)
    swap = dict(zip(swap["surname_tradition"], swap["err_name_swap"]))
    assert swap["chinese"] > 3 * swap["english"]
    # Typos really change the name by a small edit, and lost diacritics leave plain letters.
    typo = asc.filter(pl.col("err_forename_typo") & ~pl.col("err_name_swap") & ~pl.col("err_placeholder_name"))
    assert typo.height > 0
    stripped = asc.filter(pl.col("err_lost_diacritics"))["forename"].drop_nulls()
    assert not stripped.str.contains("[éèóöüñçãõłŁśżźćńąęōíáúÉÓ]").any()
    assert asc.filter(pl.col("err_placeholder_name"))["forename"].is_in(["BABY", "UNKNOWN", "TEST", "NOT"]).all()


def test_leaving_out_sparse_records_and_second_identities_changes_only_them():
    from dataclasses import replace

    from asc_linkage.core.synth.calendar import day_number, quarter_end
    from asc_linkage.core.synth.geography import build_geography
    from asc_linkage.core.synth.population import SimWindow, build_population

    window = SimWindow(day_number(quarter_end("2020-Q3")), day_number(quarter_end("2025-Q2")), day_number(quarter_end("2022-Q3")))

    def people(second_identities: bool) -> pl.DataFrame:
        rng = np.random.default_rng(5)
        return build_population(rng, 20000, build_geography(rng), window, second_identities=second_identities)

    full, plain = people(True), people(False)
    assert full["alt_in"].is_not_null().sum() > 500 and full["official_dob_in"].is_not_null().sum() > 20
    assert plain["alt_in"].is_null().all() and plain["official_dob_in"].is_null().all()
    # The same draws are made: every other column of every resident is as in the full data.
    second = ["alt_in", "official_dob_in", "alt_forename", "alt_surname"]
    assert plain.drop(second).equals(full.drop(second))

    records = full.select("person_index").with_columns(record_id=pl.col("person_index").cast(pl.String), is_duplicate=pl.lit(False))
    with_sparse = ids.record_identifiers(records, full, ids.ASC_RATES, np.random.default_rng(9), 20000, "asc")
    without = ids.record_identifiers(records, full, replace(ids.ASC_RATES, sparse_record=0.0), np.random.default_rng(9), 20000, "asc")
    sparse = with_sparse["err_sparse_record"]
    assert sparse.sum() > 400 and not without["err_sparse_record"].any()
    # Records that were not sparse are identical, but for which records carry a shared wrong number
    # (drawn among records that have one); the sparse ones got their identifiers back.
    untouched = ~sparse & ~with_sparse["err_nhs_shared"] & ~without["err_nhs_shared"]
    assert untouched.sum() > 18000
    assert without.filter(untouched).equals(with_sparse.filter(untouched))
    assert without["err_nhs_shared"].sum() == with_sparse["err_nhs_shared"].sum()
    assert without.filter(sparse)["nhs_number"].is_not_null().mean() > 0.7
    assert with_sparse.filter(sparse)["nhs_number"].is_null().all()


def test_an_unknown_record_class_to_leave_out_is_refused(tmp_path):
    with pytest.raises(ValueError, match="unknown record class"):
        generate(tmp_path, persons=100, without=frozenset({"typos"}))


def test_same_seed_same_bytes_different_seed_different(tmp_path, synth):
    out, _ = synth

    def checksums(root: Path) -> dict:
        return {q: json.loads((root / "landing" / q / "manifest.json").read_text())["files"] for q in DEFAULT_QUARTERS}

    again = tmp_path / "again"
    generate(again, persons=PERSONS, seed=SEED, progress=False)
    assert checksums(again) == checksums(out)
    assert (again / "ground_truth" / "truth.csv").read_bytes() == (out / "ground_truth" / "truth.csv").read_bytes()
    made = json.loads((out / "ground_truth" / "generation.json").read_text())
    assert made == {"persons": PERSONS, "seed": SEED, "quarters": DEFAULT_QUARTERS, "without": []}
    other = tmp_path / "other"
    generate(other, persons=PERSONS, seed=SEED + 1, progress=False, quarters=DEFAULT_QUARTERS)
    assert checksums(other) != checksums(out)


def test_trust_record_ids_are_unique_within_each_file(synth):
    out, _ = synth
    drop = out / "landing" / DEFAULT_QUARTERS[-1] / "mh"
    for name, key in [("patients.csv", "patient_id"), ("referrals.csv", "referral_id"),
                      ("care_contacts.csv", "contact_id"), ("hospital_spells.csv", "spell_id"),
                      ("mha_episodes.csv", "episode_id")]:
        # An id repeats only in a faulty copy of its row (quarantined on ingest), never on two
        # different rows.
        frame = _read(drop / name).unique()
        assert frame[key].n_unique() == frame.height, name
    patients = set(_read(drop / "patients.csv")["patient_id"])
    for name in ("referrals.csv", "care_contacts.csv", "hospital_spells.csv", "mha_episodes.csv", "diagnoses.csv", "addresses.csv"):
        assert set(_read(drop / name)["patient_id"].drop_nulls()) <= patients, name


def test_built_in_signals_are_recoverable_from_the_files(synth):
    out, _ = synth
    drop = out / "landing" / DEFAULT_QUARTERS[-1] / "mh"
    truth = _read(out / "ground_truth" / "truth.csv").filter(pl.col("source") == "mh")
    person = truth.select("true_person_id", patient_id="source_person_id")
    referrals = _read(drop / "referrals.csv").join(person, on="patient_id").with_columns(
        pl.col("referral_received_date").str.to_date())
    contacts = _read(drop / "care_contacts.csv").join(person, on="patient_id").with_columns(
        pl.col("contact_date").str.to_date())
    # (a) routine contacts rise before a first crisis: days 1-30 before vs days 181-365 before.
    crisis = (referrals.filter((pl.col("primary_reason") == "18") & (pl.col("referral_received_date") >= pl.date(2022, 1, 1)))
              .group_by("true_person_id").agg(crisis=pl.col("referral_received_date").min()))
    before = (contacts.filter(~pl.col("team_type").is_in(["A02", "A18", "A19", "A22", "A23", "A25"]))
              .join(crisis, on="true_person_id")
              .select(days=(pl.col("crisis") - pl.col("contact_date")).dt.total_days()))
    near = before.filter(pl.col("days").is_between(1, 30)).height / 30
    far = before.filter(pl.col("days").is_between(181, 365)).height / 185
    assert near > 2.0 * far
    # (c) detentions (civil and place of safety) per resident known to the trust, Black vs White.
    patients = _read(drop / "patients.csv").join(person, on="patient_id")
    broad = patients.select("true_person_id", black=pl.col("ethnic_category").is_in(["M", "N", "P"]),
                            white=pl.col("ethnic_category").is_in(["A", "B", "C"])).unique("true_person_id")
    detained = (_read(drop / "mha_episodes.csv").filter(pl.col("legal_status").is_in(["02", "03", "04", "05", "06", "19", "20"]))
                .join(person, on="patient_id").select("true_person_id").unique().join(broad, on="true_person_id"))
    black_rate = detained["black"].sum() / broad["black"].sum()
    white_rate = detained["white"].sum() / broad["white"].sum()
    assert black_rate > 1.5 * white_rate


def test_every_drop_carries_a_few_rows_the_ingest_quarantines(synth):
    """Each file gets the faulty rows of ``faults.FAULTS_BY_FILE``: the drop still matches its
    manifest, every row is accepted or quarantined, and the faulty rows are extra copies, so every
    person record of the truth table keeps its accepted rows."""
    from asc_linkage.core.ingest import check_drop, ingest_file, landing_files
    from asc_linkage.core.specs import load_contract
    from asc_linkage.core.synth import faults

    out, summary = synth
    contract = load_contract()
    truth = _read(out / "ground_truth" / "truth.csv")
    true_ids = {source: set(truth.filter(pl.col("source") == source)["source_person_id"]) for source in ("asc", "mh")}
    reasons_by_file: dict[str, set[str]] = {}
    accepted_ids: dict[str, set[str]] = {"asc": set(), "mh": set()}
    for quarter in DEFAULT_QUARTERS:
        drop = out / "landing" / quarter
        manifest = check_drop(drop, contract)  # faulty rows never make the drop incomplete
        quarantined_in_drop = 0
        for table, (path, spec, name) in landing_files(out / "landing", quarter, contract).items():
            result = ingest_file(path, spec, quarter, name, contract)
            rows_in_file = path.read_bytes().count(b"\n") - 1
            assert result.rows_accepted + result.rows_quarantined == result.rows_in == rows_in_file, name
            assert rows_in_file == manifest.files[spec.landing_path].rows, name
            counts = dict(result.quarantine_counts)
            assert counts == summary.faulty_rows[quarter].get(spec.landing_path, {}), name
            assert set(counts) <= set(faults.FAULTS_BY_FILE[spec.landing_path]), name
            reasons_by_file.setdefault(spec.landing_path, set()).update(counts)
            # A small share: at least one row of each kind, about 1 in 2,000 rows otherwise.
            assert result.rows_quarantined <= max(len(faults.FAULTS_BY_FILE[spec.landing_path]), 0.002 * rows_in_file), name
            quarantined_in_drop += result.rows_quarantined
            # A quarantined row with a person id copies a row of a record that is also accepted.
            source = "asc" if table == "cld_events" else "mh"
            person = result.accepted.get_column(spec.person_id).drop_nulls()
            accepted_ids[source] |= set(person.to_list())
            held = set(result.quarantined.get_column(spec.person_id).drop_nulls().to_list())
            assert held <= set(person.to_list()), name
        assert quarantined_in_drop > 0, quarter
    assert reasons_by_file == {path: set(kinds) for path, kinds in faults.FAULTS_BY_FILE.items()}
    assert {r for reasons in reasons_by_file.values() for r in reasons} == {
        "missing_person_id", "duplicate_unique_id", "wrong_field_count"}
    # The truth lists exactly the person records that survive ingest.
    assert accepted_ids == true_ids
