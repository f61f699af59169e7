"""Cut the simulated histories into quarterly landing drops, exactly in the landing-zone form.

Council file: each drop is the CLD submission for the rolling 12 months to the quarter end, so an
event sits in up to four drops under one Event Reference. What a drop shows is what the council's
system held at that quarter end:

* requests, assessments and reviews appear once completed *and recorded* (3% are keyed 2-5
  months late, so they first appear in a later drop);
* services appear from their start; the end date is blank while open, and 4% of ended services
  have the end keyed 2-4 months late (blank in one drop, filled in the next);
* 2% of events carry a wrong value (unit cost x10 or /10, or another outcome) that a later drop
  corrects, and 0.2% of rows are sent twice, verbatim, in one drop (Event Reference is not a safe
  unique key);
* person fields are as held then: post-move postcode, married surname, traced NHS number, care
  home accommodation after a placement, date of death;
* 45% of events that started before 2024-04-01 and 12% of later ones are keyed in Release 1
  spellings; 1.5% of rows have case variants; two drops (2023-Q4, 2024-Q1 in the default run)
  use DD/MM/YYYY dates, as after a council system change.

Trust files are full snapshots at each quarter end with stable record ids.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
from pathlib import Path

import numpy as np
import polars as pl

from asc_linkage.core.specs import load_contract

from .calendar import NEVER, day_number, quarter_end, rolling_window_start
from .identifiers import scrambled_ids

LA_CODE = "208"
# Headers come from the contract in data_specs/ (written once there); the synthetic council
# fills the required CLD columns and these optional ones, among them the platform's `Lives Alone`.
_CONTRACT = load_contract()
CLD_REQUIRED_HEADERS = [c.header for c in _CONTRACT.file("cld_events").columns if c.required]
CLD_OPTIONAL_HEADERS = ["Has Unpaid Carer", "Lives Alone", "Dementia", "Client Funding Status",
                        "Adult 1 Linked Person_ID"]
CLD_HEADERS = CLD_REQUIRED_HEADERS + CLD_OPTIONAL_HEADERS
MH_FILES = ["mh/patients.csv", "mh/addresses.csv", "mh/referrals.csv", "mh/care_contacts.csv",
            "mh/hospital_spells.csv", "mh/mha_episodes.csv", "mh/diagnoses.csv"]
MH_HEADERS = {path: [c.header for c in _CONTRACT.file_for_path(path).columns] for path in MH_FILES}
# Manifest order: the council's file, then the trust's in contract order.
DROP_FILE_ORDER = ["asc/cld_events.csv", *MH_HEADERS]

# Release 2 -> Release 1 spellings (Release 1 was valid from April 2023; councils migrated slowly).
R1_CLIENT_TYPE = {"Service user": "Service User", "Unpaid carer": "Carer"}
R1_SERVICE_TYPE = {
    "Long term support: Nursing care": "Long Term Support: Nursing Care",
    "Long term support: Residential care": "Long Term Support: Residential Care",
    "Long term support: Community": "Long Term Support: Community",
    "Short term support: ST-Max": "Short Term Support: ST-Max",
    "Short term support: Other short term": "Short Term Support: Other Short Term",
    "Unpaid carer support: Direct to unpaid carer": "Carer Support: Direct to Carer",
    "Unpaid carer support: Support involving the person cared-for": "Carer Support: Support involving the person cared-for",
}
R1_MECHANISM = {"Direct payment": "Direct Payment", "CASSR managed personal budget": "CASSR Managed Personal Budget",
                "CASSR commissioned support": "CASSR Commissioned Support"}
R1_PSR = {
    "Physical support: Access and mobility only": "Physical Support: Access & mobility only",
    "Physical support: Personal care support": "Physical Support: Personal care support",
    "Sensory support: Support for visual impairment": "Sensory Support: Support for visual impairment",
    "Sensory support: Support for hearing impairment": "Sensory Support: Support for hearing impairment",
    "Support with memory and cognition": "Support with Memory & Cognition",
    "Learning disability support": "Learning Disability Support",
    "Mental health support": "Mental Health Support",
    "Social support: Substance misuse support": "Social Support: Substance misuse support",
    "Social support: Support for social isolation or other": "Social Support: Support for Social Isolation/Other",
    "Social support: Support to unpaid carer": "Social Support: Support to Carer",
}
R1_OUTCOME = {
    "Progress to reablement/ST-Max": "Progress to Reablement/ST-Max",
    "Progress to assessment, review or reassessment": "Progress to Assessment",
    "Progress to support planning or services": "Progress to Support Planning / Services",
    "Continuation of support or services": "No change in package",
    "NFA: Responsibility moved to another local authority": "NFA - Moved to another LA",
    "NFA: Referral to NHS services or NHS funded social care": "NFA - 100% NHS funded care",
    "NFA: Self-funded client or under 12wk disregard": "NFA - Self-funded client (Inc. 12wk disregard)",
    "NFA: Information and advice or signposting": "NFA - Information & Advice / Signposting only",
    "NFA: Support declined": "NFA - Support declined",
    "NFA: Deceased": "NFA - Deceased",
    "NFA: Support ended as planned": "Service ended as planned",
    "NFA: Support ended for other reason": "NFA - Support ended: Other reason",
    "NFA: No services offered for other reason": "NFA - No services offered: Other reason",
    "NFA: Other": "NFA- Other",
}
R1_ROUTE = {"Community/other route": "Community/Other route", "Discharge from hospital": "Discharge from Hospital",
            "Diversion from hospital services": "Diversion from Hospital Services",
            "Planned entry (transition)": "Planned Entry (Transition)"}
R1_ASSESSMENT = {"Long term assessment": "Care Act Needs", "Short term assessment": "Reablement",
                 "Unpaid carer assessment": "Carers"}
R1_REVIEW = {"Planned review of long term support": "Planned", "Unplanned review of long term support": "Unplanned"}
R1_GENDER = {"Male": "1", "Female": "2", "Unknown": "X"}
R1_ETHNICITY = {
    "White: English, Welsh, Scottish, Northern Irish or British": "White - English/Welsh/Scottish/Northern Irish/British",
    "No data: Undeclared or not known": "No data - Undeclared or Not known",
}
R1_SWITCH_DAY = day_number(dt.date(2024, 4, 1))
R1_SHARE_BEFORE, R1_SHARE_AFTER = 0.45, 0.12
CASE_VARIANT_SHARE = 0.015
LATE_RECORDING_SHARE = 0.03
LATE_END_SHARE = 0.04
CORRECTION_SHARE = 0.02
SENT_TWICE_SHARE = 0.002


def _date(expr: pl.Expr) -> pl.Expr:
    """Day number (NEVER = blank) to a date."""
    return pl.when(expr < NEVER).then(expr).otherwise(None).cast(pl.Int32).cast(pl.Date)


def csv_bytes(frame: pl.DataFrame, date_format: str | None = None) -> bytes:
    buffer = io.BytesIO()
    frame.write_csv(buffer, date_format=date_format, float_precision=2, line_terminator="\n")
    return buffer.getvalue()


def store_csv(payload: bytes | memoryview, path: Path, rows: int) -> dict:
    """Write CSV bytes and return their manifest entry (sha256 of the bytes, data rows).

    Safe to run in a worker thread: file writes and hashing release the GIL, so they overlap with
    polars formatting the next file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(payload)
    return {"sha256": hashlib.sha256(payload).hexdigest(), "rows": rows}


def write_csv_hashed(frame: pl.DataFrame, path: Path, date_format: str | None = None) -> dict:
    """Write `frame` as CSV and return its manifest entry."""
    return store_csv(csv_bytes(frame, date_format), path, frame.height)


def write_manifest(drop_dir: Path, quarter: str, files: dict[str, dict]) -> None:
    created = dt.datetime.combine(quarter_end(quarter) + dt.timedelta(days=28), dt.time(10, 0))
    manifest = {"quarter": quarter, "created": created.strftime("%Y-%m-%dT%H:%M:%SZ"), "files": files}
    (drop_dir / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")


def _mapped(col: str, mapping: dict[str, str], flag: str = "_r1") -> pl.Expr:
    return pl.when(pl.col(flag)).then(pl.col(col).replace(mapping)).otherwise(pl.col(col)).alias(col)


def prepare_asc_events(events: pl.DataFrame, records: pl.DataFrame, identities: pl.DataFrame,
                       person_fields: pl.DataFrame, persons: pl.DataFrame, rng: np.random.Generator,
                       visible_from: int) -> pl.DataFrame:
    """Every event that can reach a drop, with its record, recording lags, correction and spelling
    flags, and person fields. Events ended before the first drop's window (``visible_from``) can
    never be submitted and are left out here, once, rather than filtered in every drop."""
    events = events.filter(pl.col("end") >= visible_from)
    n = events.height
    u = rng.random((8, n))
    dup = records.filter(pl.col("is_duplicate")).select("person_index", dup_id="record_id", dup_day="dup_day")
    orig = records.filter(~pl.col("is_duplicate")).select("person_index", orig_id="record_id")
    events = events.join(orig, on="person_index", how="left", maintain_order="left").join(dup, on="person_index", how="left", maintain_order="left")
    events = events.with_columns(
        record_id=pl.when(pl.col("dup_day").is_not_null() & (pl.col("start") >= pl.col("dup_day")))
        .then(pl.col("dup_id")).otherwise(pl.col("orig_id"))
    ).drop("orig_id", "dup_id", "dup_day")
    is_service = (events["event_type"] == "Service").to_numpy()
    end = events["end"].to_numpy()
    start = events["start"].to_numpy()
    late = u[0] < LATE_RECORDING_SHARE
    lag = np.where(late, rng.integers(60, 150, n), rng.integers(0, 21, n))
    recorded = np.where(is_service, start + np.minimum(lag, 14), np.where(end < NEVER, end + lag, NEVER))
    late_end = u[1] < LATE_END_SHARE
    end_recorded = np.where(end < NEVER, end + np.where(late_end, rng.integers(60, 120, n), 0), NEVER)
    corrected = u[2] < CORRECTION_SHARE
    fix_day = np.where(corrected, recorded + rng.integers(60, 200, n), -NEVER)
    wrong_cost = np.where(u[3] < 0.5, 10.0, 0.1)
    r1 = u[4] < np.where(start < R1_SWITCH_DAY, R1_SHARE_BEFORE, R1_SHARE_AFTER)
    case_variant = u[5] < CASE_VARIANT_SHARE
    references = scrambled_ids(rng, n, 8)[rng.permutation(n)]
    events = events.with_columns(
        _recorded=recorded, _end_recorded=end_recorded, _fix_day=fix_day, _wrong_cost=wrong_cost,
        _wrong_outcome=pl.Series(np.where(u[6] < 0.5, "NFA: Other", "Continuation of support or services").tolist()),
        _r1=r1, _case=case_variant, _case_upper=u[7] < 0.5,
        event_reference=pl.Series(references).cast(pl.String),
        _death_known=pl.Series(rng.random(n) < 0.97),
        _sent_twice=pl.Series(rng.random(n) < SENT_TWICE_SHARE),
        _is_service=pl.Series(is_service),
    )
    # Numbers traced after registration fill in from some drop on (the council's PDS batch trace).
    traced_day = rng.integers(visible_from, max(int(events["start"].max() or 0), visible_from) + 1, identities.height)
    ident = identities.with_columns(nhs_traced_day=traced_day).select(
        "record_id", "person_index", "nhs_number", "nhs_number_traced", "nhs_traced_day", "forename", "surname",
        "surname_new", "marriage_day", "dob", "sex", "ethnic_cld", "postcode", "new_postcode", "postcode_day",
        ethnic_refused=pl.Series(rng.random(identities.height) < 0.15),
    ).drop("person_index")
    events = events.join(ident, on="record_id", how="left", maintain_order="left")
    events = events.join(person_fields, on="person_index", how="left", maintain_order="left")
    # Carers are linked to someone the council supports (an original record of a service user).
    cared_for = records.filter(~pl.col("is_duplicate")).join(
        person_fields.filter(~pl.col("is_carer")).select("person_index"), on="person_index", maintain_order="left")["record_id"]
    carers = person_fields.filter(pl.col("is_carer")).select("person_index")
    if cared_for.len() and carers.height:
        carers = carers.with_columns(linked_person=cared_for.gather(rng.integers(0, cared_for.len(), carers.height)))
    else:
        carers = carers.with_columns(linked_person=pl.lit(None, pl.String))
    events = events.join(carers, on="person_index", how="left", maintain_order="left")
    events = events.join(persons.select("person_index", "death_day"), on="person_index", how="left", maintain_order="left")
    return _spell_as_keyed(events)


def _r1_outcome(outcome: pl.Expr) -> pl.Expr:
    """Release 1 wording of an outcome; reviews that led to reassessment had their own R1 value."""
    return (pl.when((pl.col("event_type") == "Review") & (outcome == "Progress to assessment, review or reassessment"))
            .then(pl.lit("Progress to Re-assessment / Unplanned Review"))
            .otherwise(outcome.replace(R1_OUTCOME)))


def _spell_as_keyed(events: pl.DataFrame) -> pl.DataFrame:
    """Labels as the council keyed them: Release 1 for some rows, odd case for a few.

    Fixed per event (it is how the row was entered), so it is done once, not per drop; the drop
    only chooses between the true and the not-yet-corrected outcome."""
    events = events.with_columns(
        gender=pl.col("sex").replace_strict({"M": "Male", "F": "Female", "U": "Unknown"}),
        ethnicity=pl.coalesce(pl.col("ethnic_cld"), pl.when(pl.col("ethnic_refused")).then(pl.lit("No data: Refused"))
                              .otherwise(pl.lit("No data: Undeclared or not known"))),
    )
    events = events.with_columns(
        _mapped("client_type", R1_CLIENT_TYPE), _mapped("service_type", R1_SERVICE_TYPE), _mapped("mechanism", R1_MECHANISM),
        _mapped("psr", R1_PSR), _mapped("route", R1_ROUTE), _mapped("assessment_type", R1_ASSESSMENT),
        _mapped("review_reason", R1_REVIEW), _mapped("gender", R1_GENDER), _mapped("eligible", {"Yes": "Y", "No": "N"}),
        pl.when(pl.col("_r1")).then(_r1_outcome(pl.col("outcome"))).otherwise(pl.col("outcome")).alias("outcome"),
        pl.when(pl.col("_r1")).then(_r1_outcome(pl.col("_wrong_outcome"))).otherwise(pl.col("_wrong_outcome")).alias("_wrong_outcome"),
        pl.when(pl.col("_r1")).then(
            pl.col("ethnicity").replace(R1_ETHNICITY).str.replace(": ", " - ", literal=True)
        ).otherwise(pl.col("ethnicity")).alias("ethnicity"),
    )
    # Front-end systems that send upper or lower case labels.
    return events.with_columns(
        pl.when(pl.col("_case") & pl.col("_case_upper")).then(pl.col(c).str.to_uppercase())
        .when(pl.col("_case")).then(pl.col(c).str.to_lowercase()).otherwise(pl.col(c)).alias(c)
        for c in ("event_type", "client_type", "service_type", "component")
    )


def asc_drop(events: pl.DataFrame, quarter: str) -> pl.DataFrame:
    pe = day_number(quarter_end(quarter))
    ps = day_number(rolling_window_start(quarter))
    service = pl.col("_is_service")
    in_drop = (
        pl.when(service)
        .then((pl.col("start") <= pe) & (pl.col("_recorded") <= pe) & (pl.col("end") >= ps))
        .otherwise((pl.col("_recorded") <= pe) & (pl.col("end") >= ps) & (pl.col("end") <= pe))
    )
    df = events.filter(in_drop)
    end_shown = pl.col("_end_recorded") <= pe
    wrong = pl.col("_fix_day") > pe
    df = df.with_columns(
        end=pl.when(service & ~end_shown).then(pl.lit(NEVER, pl.Int64)).otherwise(pl.col("end")),
        outcome=pl.when(service & ~end_shown).then(None).when(wrong & pl.col("outcome").is_not_null())
        .then(pl.col("_wrong_outcome")).otherwise(pl.col("outcome")),
        unit_cost=pl.when(wrong).then((pl.col("unit_cost") * pl.col("_wrong_cost")).round(2)).otherwise(pl.col("unit_cost")),
        surname=pl.when(pl.col("surname_new").is_not_null() & (pl.col("marriage_day") <= pe)).then(pl.col("surname_new"))
        .otherwise(pl.col("surname")),
        postcode=pl.when(pl.col("postcode_day") <= pe).then(pl.col("new_postcode")).otherwise(pl.col("postcode")),
        nhs_number=pl.coalesce(pl.col("nhs_number"),
                               pl.when(pl.col("nhs_traced_day") <= pe).then(pl.col("nhs_number_traced"))),
        accommodation=pl.when(pl.col("placement_day") <= pe).then(pl.col("care_home_status")).otherwise(pl.col("accommodation")),
        death=pl.when((pl.col("death_day") <= pe) & pl.col("_death_known")).then(pl.col("death_day")).otherwise(pl.lit(NEVER, pl.Int64)),
    )
    # Extracts occasionally repeat a row verbatim (a join fan-out in the council's report).
    df = pl.concat([df, df.filter(pl.col("_sent_twice"))])
    df = df.sort("record_id", "start", "event_reference", maintain_order=True)
    return df.select(
        pl.lit(LA_CODE).alias("LA Code"),
        pl.lit(dt.date.fromordinal(ps + dt.date(1970, 1, 1).toordinal())).alias("Reporting Period Start Date"),
        pl.lit(quarter_end(quarter)).alias("Reporting Period End Date"),
        pl.col("nhs_number").alias("NHS Number"),
        pl.col("record_id").alias("LA Person Unique Identifier"),
        pl.col("forename").alias("First Name"),
        pl.col("surname").alias("Last Name"),
        pl.col("gender").alias("Gender"),
        pl.col("ethnicity").alias("Ethnicity"),
        pl.col("dob").alias("Date of Birth"),
        _date(pl.col("death")).alias("Date of Death"),
        pl.col("client_type").alias("Client Type"),
        pl.col("psr").alias("Primary Support Reason"),
        pl.col("postcode").alias("Postcode"),
        pl.col("accommodation").alias("Accommodation Status"),
        pl.col("event_type").alias("Event Type"),
        pl.col("event_reference").alias("Event Reference"),
        _date(pl.col("start")).alias("Event Start Date"),
        _date(pl.col("end")).alias("Event End Date"),
        pl.col("outcome").alias("Event Outcome"),
        pl.col("route").alias("Request: Route of Access"),
        pl.col("assessment_type").alias("Assessment Type"),
        pl.col("eligible").alias("Eligible Needs Identified"),
        pl.col("service_type").alias("Service Type"),
        pl.col("component").alias("Service Component"),
        pl.col("mechanism").alias("Delivery Mechanism"),
        pl.col("review_reason").alias("Review Reason"),
        pl.col("unit_cost").alias("Unit Cost"),
        pl.col("cost_frequency").alias("Cost Frequency (Unit Type)"),
        pl.col("planned_units").alias("Planned units per week"),
        pl.col("has_unpaid_carer").alias("Has Unpaid Carer"),
        pl.col("dementia_flag").alias("Dementia"),
        pl.col("funding").alias("Client Funding Status"),
        pl.col("linked_person").alias("Adult 1 Linked Person_ID"),
        pl.col("lives_alone_recorded").alias("Lives Alone"),
    )


# --- trust snapshots ---------------------------------------------------------------------------------

def _record_for(frame: pl.DataFrame, day_col: str, records: pl.DataFrame) -> pl.DataFrame:
    """Which of a person's trust records an event was filed under (the duplicate from its opening)."""
    dup = records.filter(pl.col("is_duplicate")).select("person_index", _dup_id="record_id", _dup_day="dup_day")
    orig = records.filter(~pl.col("is_duplicate")).select("person_index", _orig_id="record_id")
    return frame.join(orig, on="person_index", how="left", maintain_order="left").join(dup, on="person_index", how="left", maintain_order="left").with_columns(
        patient_id=pl.when(pl.col("_dup_day").is_not_null() & (pl.col(day_col) >= pl.col("_dup_day")))
        .then(pl.col("_dup_id")).otherwise(pl.col("_orig_id"))
    ).drop("_dup_id", "_dup_day", "_orig_id")


def prepare_mh_tables(history, records: pl.DataFrame, identities: pl.DataFrame, persons: pl.DataFrame,
                      geography_postcodes: pl.Series, rng: np.random.Generator) -> dict[str, pl.DataFrame]:
    """Whole-history trust tables with stable ids; snapshots are filters of these by quarter end."""
    referrals = _record_for(history.referrals, "received", records)
    referrals = referrals.with_columns(
        referral_id=pl.Series(scrambled_ids(rng, referrals.height, 9)[rng.permutation(referrals.height)]).cast(pl.String)
    )
    contacts = history.contacts.join(referrals.select("referral_seq", "referral_id", "patient_id"), on="referral_seq", how="left", maintain_order="left")
    contacts = contacts.sort("contact_day", "patient_id", "referral_id", maintain_order=True).with_columns(
        contact_id=(pl.int_range(pl.len(), dtype=pl.Int64) + 300_000_001).cast(pl.String),
        # The biggest file is rewritten in every snapshot: format its date once, not eight times.
    )
    spells = _record_for(history.spells, "admission", records).sort("admission", "patient_id", maintain_order=True).with_columns(
        spell_id=pl.concat_str([pl.lit("HS"), (pl.int_range(pl.len(), dtype=pl.Int64) + 500_001).cast(pl.String)])
    )
    mha = _record_for(history.mha, "start", records).sort("start", "patient_id", "legal_status", maintain_order=True).with_columns(
        episode_id=pl.concat_str([pl.lit("MHA"), (pl.int_range(pl.len(), dtype=pl.Int64) + 700_001).cast(pl.String)])
    )
    diagnoses = _record_for(history.diagnoses, "diagnosis_day", records)

    # A record exists from its first referral (a duplicate from the day it was opened).
    first_referral = referrals.group_by("patient_id").agg(first=pl.col("received").min())
    recs = records.join(first_referral, left_on="record_id", right_on="patient_id", how="left", maintain_order="left").with_columns(
        created=pl.when(pl.col("is_duplicate")).then(pl.min_horizontal("dup_day", pl.col("first").fill_null(NEVER)))
        .otherwise(pl.col("first"))
    ).filter(pl.col("created").is_not_null() & (pl.col("created") < NEVER))
    n = identities.height
    patients = recs.select("record_id", "person_index", "created").join(
        identities.drop("person_index"), on="record_id", how="left", maintain_order="left"
    ).join(persons.select("person_index", "death_day"), on="person_index", how="left", maintain_order="left")
    status_missing = np.array(["03", "07", "04", "05"], dtype=object)[rng.choice(4, n, p=[0.4, 0.3, 0.2, 0.1])]
    status_doubtful = np.array(["02", "04", "05"], dtype=object)[rng.choice(3, n, p=[0.5, 0.3, 0.2])]
    status_ok = np.where(rng.random(n) < 0.9, "01", "02")
    status = identities.select("record_id").with_columns(
        _s_missing=pl.Series(status_missing.tolist()), _s_doubt=pl.Series(status_doubtful.tolist()),
        _s_ok=pl.Series(status_ok.tolist()), _death_known=pl.Series(rng.random(n) < 0.9),
        _unknown_sex_code=pl.Series(np.where(rng.random(n) < 0.7, "X", "9").tolist()),
        _unknown_ethnic=pl.Series(np.where(rng.random(n) < 0.6, "Z", "99").tolist()),
        _history_start=pl.Series(rng.integers(0, 3 * 365, n)),
        _prior_address=pl.Series(rng.random(n) < 0.15),
        _prior_postcode=geography_postcodes.gather(rng.integers(0, len(geography_postcodes), n)),
    )
    patients = patients.join(status, on="record_id", how="left", maintain_order="left")
    nhs_bad = (pl.col("err_nhs_invalid") | pl.col("err_nhs_placeholder") | pl.col("err_nhs_shared"))
    patients = patients.with_columns(
        nhs_number_status=pl.when(pl.col("nhs_number").is_null()).then(pl.col("_s_missing"))
        .when(nhs_bad).then(pl.col("_s_doubt")).otherwise(pl.col("_s_ok")),
        gender=pl.col("sex").replace_strict({"M": "1", "F": "2", "U": "X"}),
    ).with_columns(
        gender=pl.when(pl.col("gender") == "X").then(pl.col("_unknown_sex_code")).otherwise(pl.col("gender")),
        ethnic_category=pl.coalesce(pl.col("ethnic_nhs"), pl.col("_unknown_ethnic")),
    )

    # Address history: a prior address for some, the address at registration, and the move.
    first_start = pl.col("created") - pl.col("_history_start")
    moved = pl.col("postcode_day") < NEVER
    move_after_created = moved & (pl.col("postcode_day") > first_start)
    current = patients.select(
        pl.col("record_id").alias("patient_id"),
        pl.when(moved).then(pl.col("new_postcode")).otherwise(pl.col("postcode")).alias("postcode"),
        pl.when(move_after_created).then(pl.col("postcode_day")).otherwise(first_start).alias("start"),
        pl.lit(NEVER, pl.Int64).alias("end"),
    )
    before_move = patients.filter(move_after_created).select(
        pl.col("record_id").alias("patient_id"), "postcode", first_start.alias("start"), (pl.col("postcode_day") - 1).alias("end"),
    )
    prior = patients.filter(pl.col("_prior_address")).select(
        pl.col("record_id").alias("patient_id"), pl.col("_prior_postcode").alias("postcode"),
        (first_start - 400 - pl.col("_history_start")).alias("start"), (first_start - 1).alias("end"),
    )
    addresses = pl.concat([prior, before_move, current]).filter(pl.col("postcode").is_not_null()).sort("patient_id", "start", maintain_order=True)
    return {"patients": patients, "addresses": addresses, "referrals": referrals, "contacts": contacts,
            "spells": spells, "mha": mha, "diagnoses": diagnoses}


class PrefixCsv:
    """A snapshot file whose every drop is a prefix of one CSV, formatted once.

    Care contacts never change once recorded and are sorted by date, so the snapshot at a quarter
    end is the header plus the first rows up to that date: slicing one formatted payload gives
    byte-for-byte the file that formatting the filtered frame would."""

    def __init__(self, frame: pl.DataFrame, days: np.ndarray):
        self.payload = csv_bytes(frame)
        self.line_ends = np.flatnonzero(np.frombuffer(self.payload, dtype=np.uint8) == ord("\n"))
        self.days = days
        if len(self.line_ends) != frame.height + 1 or np.any(np.diff(days) < 0):
            raise ValueError("prefix snapshots need one line per row, sorted by day")

    def up_to(self, day: int) -> tuple[memoryview, int]:
        rows = int(np.searchsorted(self.days, day, side="right"))
        return memoryview(self.payload)[: self.line_ends[rows] + 1], rows


def contacts_snapshots(tables: dict[str, pl.DataFrame]) -> PrefixCsv:
    c = tables["contacts"]
    frame = c.select("contact_id", "patient_id", "referral_id", _date(pl.col("contact_day")).alias("contact_date"),
                     pl.col("team").alias("team_type"), "attendance", pl.col("medium").alias("consultation_medium"))
    return PrefixCsv(frame, c["contact_day"].to_numpy())


def _shown(col: str, pe: int) -> pl.Expr:
    """An end date as the trust held it at `pe`: blank while still in the future."""
    return pl.when(pl.col(col) <= pe).then(pl.col(col)).otherwise(pl.lit(NEVER, pl.Int64))


def mh_drop(tables: dict[str, pl.DataFrame], quarter: str) -> dict[str, pl.DataFrame]:
    """The trust's snapshot files at the quarter end, except care contacts (``contacts_snapshots``)."""
    pe = day_number(quarter_end(quarter))
    p = tables["patients"].filter(pl.col("created") <= pe)
    patients = p.sort("record_id", maintain_order=True).select(
        pl.col("record_id").alias("patient_id"), "nhs_number", "nhs_number_status", "forename",
        pl.when(pl.col("surname_new").is_not_null() & (pl.col("marriage_day") <= pe)).then(pl.col("surname_new"))
        .otherwise(pl.col("surname")).alias("surname"),
        pl.col("dob").alias("date_of_birth"), "gender", "ethnic_category",
        pl.when(pl.col("postcode_day") <= pe).then(pl.col("new_postcode")).otherwise(pl.col("postcode")).alias("postcode"),
        _date(pl.when((pl.col("death_day") <= pe) & pl.col("_death_known")).then(pl.col("death_day"))
              .otherwise(pl.lit(NEVER, pl.Int64))).alias("date_of_death"),
    )
    a = tables["addresses"].filter(pl.col("start") <= pe)
    addresses = a.select("patient_id", "postcode", _date(pl.col("start")).alias("start_date"),
                         _date(_shown("end", pe)).alias("end_date"))
    r = tables["referrals"].filter(pl.col("received") <= pe).sort("received", "referral_id", maintain_order=True)
    referrals = r.select("referral_id", "patient_id", _date(pl.col("received")).alias("referral_received_date"),
                         _date(_shown("discharge", pe)).alias("discharge_date"), pl.col("source").alias("source_of_referral"),
                         pl.col("reason").alias("primary_reason"), pl.col("team").alias("team_type"))
    s = tables["spells"].filter(pl.col("admission") <= pe)
    spells = s.select("spell_id", "patient_id", _date(pl.col("admission")).alias("admission_date"),
                      _date(_shown("discharge", pe)).alias("discharge_date"), pl.col("method").alias("admission_method"),
                      "bed_type", pl.when(pl.col("discharge") <= pe).then(pl.col("destination")).alias("discharge_destination"))
    m = tables["mha"].filter(pl.col("start") <= pe)
    mha = m.select("episode_id", "patient_id", "legal_status", _date(pl.col("start")).alias("start_date"),
                   _date(_shown("end", pe)).alias("end_date"))
    d = tables["diagnoses"].filter(pl.col("diagnosis_day") <= pe).sort("diagnosis_day", "patient_id", "diagnosis_type", maintain_order=True)
    diagnoses = d.select("patient_id", _date(pl.col("diagnosis_day")).alias("diagnosis_date"), "icd10_code", "diagnosis_type")
    return {"mh/patients.csv": patients, "mh/addresses.csv": addresses, "mh/referrals.csv": referrals,
            "mh/hospital_spells.csv": spells, "mh/mha_episodes.csv": mha,
            "mh/diagnoses.csv": diagnoses}
