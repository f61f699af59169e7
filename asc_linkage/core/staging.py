"""ASC staging: each CLD event once across overlapping rolling-12-month submissions.

Unique event key (domain.md 1.4, adapted):
- When `event_reference` is present the key is (LA code, LA person id, event type, event
  reference). DHSC calls Event Reference "not currently suitable" as a key on its own because
  LAs did not keep it stable; our landing contract makes it stable per LA, and it is the only key
  that survives an event's own fields being corrected between submissions (a later submission
  fixing a start date or closing an open service would otherwise create a second event). It is
  scoped by LA and person so two LAs (or a reused reference) cannot collide.
- Without a reference, the DHSC composite key: LA code, person id, event type, start date,
  derived end date (not for services, whose end moves as they close), client type, plus route of
  access (requests), assessment type (assessments) or service type + component (services).
- A row without a reference is counted with the referenced event it matches on the composite key
  (the reference is blank in one submission and sent in another): the reference a row of its own
  drop sends with that composite key, else the reference whose latest record (in an earlier drop)
  has it. An event seen only without a reference joins a reference that first appears later with
  its composite key on the record kept for it (not one already sent with other fields: the drops
  carrying both could not be told apart from a count). Ties go to the smallest key. The rule
  looks at each drop and what came before it, so the quarterly build (last quarter's staged
  events + the new drop) gives the same events as staging every drop.

Record kept per key (DHSC order, "later submission wins" first): latest submission quarter, then
null end first, then the latest end, then the Event Outcome hierarchy, then the later row in the
file. An open service a later submission no longer carries is cropped to the period end of the
last submission that did (or the date of death, if earlier). Each event also lists every
postcode its submission rows carried (`postcodes_seen`), for the spine's postcode history.
"""
from __future__ import annotations

import polars as pl

from asc_linkage.core.frames import gather_rows
from asc_linkage.core.quarters import quarter_end
from asc_linkage.core.specs import load_contract

#: Event Outcome hierarchy rank (domain.md 1.3): lower is kept first.
OUTCOME_RANK = {
    "Progress to reablement/ST-Max": 1,
    "Progress to assessment, review or reassessment": 2,
    "Release 1 specification only: Not mapped": 3,
    "Progress to support planning or services": 4,
    "Continuation of support or services": 5,
    "Admitted to hospital": 6,
    "NFA: Responsibility moved to another local authority": 7,
    "NFA: Referral to NHS services or NHS funded social care": 8,
    "NFA: Self-funded client or under 12wk disregard": 9,
    "NFA: Information and advice or signposting": 10,
    "NFA: Referral to other service within the local authority": 11,
    "NFA: Support declined": 12,
    "NFA: Deceased": 13,
    "NFA: Support ended as planned": 14,
    "NFA: Support ended for other reason": 15,
    "NFA: No services offered for other reason": 16,
    "NFA: Other": 17,
}

_OPTIONAL = {
    "la_code": pl.String, "event_reference": pl.String, "event_end_date": pl.Date,
    "date_of_death": pl.Date, "client_type": pl.String, "request_route_of_access": pl.String,
    "assessment_type": pl.String, "service_type": pl.String, "service_component": pl.String,
    "event_outcome": pl.String, "postcode": pl.String, "reporting_period_end_date": pl.Date,
    "_row_number": pl.Int64, "_quarter": pl.String,
}


#: Row order of the staged table (both builds).
STAGED_ORDER = ["la_person_unique_identifier", "event_start_date", "event_key"]

#: The record kept per event (domain.md 1.4), on the narrow columns `_keep_columns` makes.
_KEEP_BY = ["_quarter", "_end_null", "event_end_date", "_outcome_rank", "_row_number"]
_KEEP_DESCENDING = [True, True, True, False, True]

_SEP = "\x1f"
_PERSON = pl.col("la_person_unique_identifier").cast(pl.String)


def _event_type_norm() -> pl.Expr:
    # DHSC matches event types with LIKE '%service%'; ingest already canonicalises, this is a guard.
    t = pl.col("event_type").cast(pl.String).str.to_lowercase()
    return (
        pl.when(t.str.contains("request")).then(pl.lit("Request"))
        .when(t.str.contains("assess")).then(pl.lit("Assessment"))
        .when(t.str.contains("service")).then(pl.lit("Service"))
        .when(t.str.contains("review")).then(pl.lit("Review"))
        .otherwise(pl.col("event_type"))
    )


def stage_asc_events_incremental(previous_staged: pl.DataFrame, new_submission: pl.DataFrame) -> pl.DataFrame:
    """Next quarter's staged events from last quarter's and the new drop alone, equal to staging
    every drop again: the new drop is the latest submission, so its record wins for every event
    key it carries and every other event keeps last quarter's record."""
    rows, joined = _resolve_with_previous(_keyed_rows(new_submission), previous_staged)
    chosen = _chosen_rows(rows, in_staged_order=False)  # ordered below, with the kept rows
    before = previous_staged.select(
        pl.col("event_key"), pl.col("n_submissions").alias("_before"), _previous_postcodes(previous_staged).alias("postcodes_seen"))
    if joined.height:  # an event seen only without a reference joins the new drop's reference
        before = before.with_columns(pl.col("event_key").replace(joined["event_key"], joined["_into"]))
    # One join on the event keys finds the events last quarter already held (one hash of a million
    # string keys took 1.0 s at a million persons; a membership test and a join made two).
    again = (chosen.select("event_key").with_row_index("_c")
             .join(before.with_row_index("_p"), on="event_key", how="inner"))
    # Each new event holds at most one of them: a reference the drop sends for the first time had
    # no event of its own, and takes one event seen without a reference (`_resolve_with_previous`).
    replaced = pl.repeat(False, previous_staged.height, dtype=pl.Boolean, eager=True).scatter(again["_p"], True)
    carried = pl.zeros(chosen.height, dtype=pl.Int64, eager=True).scatter(again["_c"], again["_before"])
    # The new drop's postcodes of an event together with those last quarter's staged event held.
    seen = _sorted_sets(pl.concat([chosen.select(pl.int_range(pl.len(), dtype=pl.UInt32).alias("_r"), "postcodes_seen"),
                                   again.select(pl.col("_c").alias("_r"), "postcodes_seen")]))
    kept = (previous_staged.select(*STAGED_ORDER)
            .with_columns(before["_before"].alias("n_submissions"), before["postcodes_seen"])
            .with_row_index("_i").filter(~replaced))
    new = chosen.select((pl.col("_idx") + previous_staged.height).alias("_i"), *STAGED_ORDER,
                        pl.col("n_submissions") + carried, seen)
    order = pl.concat([kept, new], how="vertical_relaxed").sort(STAGED_ORDER, nulls_last=True)
    # The drop's wide rows are gathered once, with the kept rows, in the full build's order
    # (staging the drop on its own first gathered them twice).
    both = pl.concat([previous_staged.drop("n_submissions", "postcodes_seen", strict=False), rows], how="diagonal_relaxed")
    staged = gather_rows(both, order["_i"]).with_columns(order["n_submissions"], order["postcodes_seen"])
    return _crop_open_services(staged)


def stage_asc_events(raw_submissions: pl.DataFrame) -> pl.DataFrame:
    """Accepted `cld_events` rows of every drop up to the quarter (with `_quarter`) -> one row
    per unique event, plus `event_end_date_derived`, `event_key` (string, identifiable: contains
    the LA person id), `n_submissions` (how many drops carried the event) and `postcodes_seen`
    (every raw postcode the event's submission rows carried)."""
    df = _resolve_unreferenced(_keyed_rows(raw_submissions))
    chosen = _chosen_rows(df)
    seen = _sorted_sets(chosen.select(pl.int_range(pl.len(), dtype=pl.UInt32).alias("_r"), "postcodes_seen"))
    staged = gather_rows(df, chosen["_idx"]).with_columns(chosen["n_submissions"], seen)
    return _crop_open_services(staged)


def _keyed_rows(raw_submissions: pl.DataFrame) -> pl.DataFrame:
    """Contract columns of every submitted row, typed, with `event_end_date_derived` and `event_key`
    (the reference key, or the composite key when the row has no reference)."""
    # Extra columns a sender adds are kept in the raw layer and ignored from here on (contract).
    contract_columns = set(load_contract().file("cld_events").column_names)
    df = raw_submissions.select(c for c in raw_submissions.columns if c in contract_columns or c.startswith("_"))
    missing = [c for c in ("la_person_unique_identifier", "event_type", "event_start_date") if c not in df.columns]
    if missing:
        raise ValueError(f"cld_events: missing required column(s) {', '.join(missing)}")
    df = df.with_columns(
        pl.lit(None, dtype=t).alias(c) for c, t in _OPTIONAL.items() if c not in df.columns
    )
    # All-null columns (e.g. a drop with no requests) arrive typed Null; give them their types.
    df = df.with_columns(
        pl.col(c).cast(t) for c, t in _OPTIONAL.items() if df.schema[c] == pl.Null
    ).with_columns(event_type=_event_type_norm())

    # Date of death crops the end (DHSC derived end date); an open event of a dead person ends at death.
    end = pl.col("event_end_date")
    dod = pl.col("date_of_death")
    df = df.with_columns(
        event_end_date_derived=pl.when(dod.is_not_null() & (end.is_null() | (dod < end)) & (dod >= pl.col("event_start_date")))
        .then(dod)
        .otherwise(end)
    )
    ref_ok = pl.col("event_reference").is_not_null() & (pl.col("event_reference").cast(pl.String).str.strip_chars() != "")
    return df.with_columns(event_key=pl.when(ref_ok).then(_reference_key()).otherwise(_composite_key()))


def _reference_key() -> pl.Expr:
    return pl.concat_str(
        pl.lit("R"), pl.col("la_code").fill_null(""), _PERSON, pl.col("event_type").fill_null(""),
        pl.col("event_reference").cast(pl.String), separator=_SEP,
    )


def _composite_key() -> pl.Expr:
    """The DHSC composite key of a row (of `_keyed_rows`, or a staged row: same columns)."""
    et = pl.col("event_type")
    specific = (
        pl.when(et == "Request").then(pl.col("request_route_of_access"))
        .when(et == "Assessment").then(pl.col("assessment_type"))
        .when(et == "Service").then(pl.concat_str(pl.col("service_type"), pl.col("service_component"), separator="|", ignore_nulls=True))
        .otherwise(pl.lit(None, pl.String))
    )
    return pl.concat_str(
        pl.lit("C"),
        pl.col("la_code").fill_null(""),
        _PERSON,
        et.fill_null(""),
        pl.col("event_start_date").cast(pl.String).fill_null(""),
        pl.when(et == "Service").then(pl.lit("")).otherwise(pl.col("event_end_date_derived").cast(pl.String).fill_null("")),
        pl.col("client_type").fill_null(""),
        specific.fill_null(""),
        separator=_SEP,
    )


def _unreferenced() -> pl.Expr:
    return pl.col("event_key").str.starts_with("C")


def _narrow(df: pl.DataFrame, persons: pl.Series) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Rows of `persons` (few: those with rows lacking a reference), split into referenced rows
    (`_i`, `R`, `_quarter`, `C` their composite key, keep columns) and unreferenced ones (`_i`,
    `C`, `_quarter`, keep columns, `_local`: the reference a row of the same drop sends with the
    same composite key, if any)."""
    rows = (df.with_row_index("_i").filter(_PERSON.is_in(persons.implode()))
            .select("_i", "event_key", _unreferenced().alias("_unref"), _composite_key().alias("C"), *_keep_columns()))
    refs = rows.filter(~pl.col("_unref")).rename({"event_key": "R"}).drop("_unref")
    local = refs.group_by("C", "_quarter").agg(pl.col("R").min().alias("_local"))
    unref = rows.filter("_unref").drop("_unref", "event_key").join(local, on=["C", "_quarter"], how="left")
    return refs, unref


def _resolve_unreferenced(df: pl.DataFrame) -> pl.DataFrame:
    """`df` with each unreferenced row's `event_key` moved to the reference it belongs to (module
    docstring), over every drop at once."""
    persons = df.filter(_unreferenced()).select(_PERSON.unique()).to_series()
    if persons.is_empty():
        return df
    refs, unref = _narrow(df, persons)
    # Each reference's record in each drop sending it, its latest until the next such drop.
    latest = (_records(refs, unref).sort("R", "_quarter")
              .with_columns(pl.col("_quarter").shift(-1).over("R").alias("_until")))
    pending = unref.filter(pl.col("_local").is_null()).select("_i", "C", "_quarter")
    earlier = (
        pending.join(latest.rename({"_quarter": "_from"}), on="C")
        .filter((pl.col("_from") < pl.col("_quarter")) & (pl.col("_until").is_null() | (pl.col("_quarter") < pl.col("_until"))))
        .group_by("_i").agg(pl.col("R").min().alias("_earlier"))
    )
    # Otherwise the first later drop that sends a new reference whose record has the composite key.
    new_refs = (latest.filter(pl.col("_quarter") == pl.col("_quarter").min().over("R"))
                .group_by("C", "_quarter").agg(pl.col("R").min().alias("_later")).rename({"_quarter": "_at"}))
    later = (
        pending.join(earlier, on="_i", how="anti").join(new_refs, on="C")
        .filter(pl.col("_at") > pl.col("_quarter"))
        .sort("_at").unique("_i", keep="first").select("_i", "_later")
    )
    moved = pl.concat([
        unref.filter(pl.col("_local").is_not_null()).select("_i", pl.col("_local").alias("_key")),
        earlier.rename({"_earlier": "_key"}), later.rename({"_later": "_key"}),
    ])
    return df.with_columns(df["event_key"].scatter(moved["_i"], moved["_key"]))


def _resolve_with_previous(rows: pl.DataFrame, previous_staged: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The new drop's `rows` with unreferenced rows keyed as `_resolve_unreferenced` keys them over
    every drop, from last quarter's staged events; and the earlier events seen only without a
    reference that join a reference the drop sends for the first time (`event_key` -> `_into`)."""
    none = pl.DataFrame(schema={"event_key": pl.String, "_into": pl.String})
    previous_unref = previous_staged.filter(_unreferenced())
    persons = pl.concat([rows.filter(_unreferenced()).select(_PERSON), previous_unref.select(_PERSON)]).to_series().unique()
    if persons.is_empty():
        return rows, none
    refs, unref = _narrow(rows, persons)
    # A reference this drop does not send keeps last quarter's record, which holds its latest composite key.
    earlier_refs = (previous_staged.filter(_PERSON.is_in(persons.implode()) & ~_unreferenced())
                    .select(pl.col("event_key").alias("R"), _composite_key().alias("C"))
                    .join(refs.select("R").unique(), on="R", how="anti"))
    earlier = (unref.filter(pl.col("_local").is_null()).join(earlier_refs, on="C")
               .group_by("_i").agg(pl.col("R").min().alias("_earlier")))
    moved = pl.concat([unref.filter(pl.col("_local").is_not_null()).select("_i", pl.col("_local").alias("_key")),
                       earlier.rename({"_earlier": "_key"})])
    rows = rows.with_columns(rows["event_key"].scatter(moved["_i"], moved["_key"]))
    new_refs = (_records(refs, unref).filter(~pl.col("R").is_in(previous_staged["event_key"].implode()))
                .group_by("C").agg(pl.col("R").min().alias("_into")))
    joined = previous_unref.select("event_key").join(new_refs, left_on="event_key", right_on="C")
    return rows, joined


def _records(refs: pl.DataFrame, unref: pl.DataFrame) -> pl.DataFrame:
    """The record a reference keeps in each drop sending it (`R`, `_quarter`, `C` its composite
    key), chosen among its rows and the unreferenced rows of the drop matched to it: the record a
    staged event of that drop holds, so the quarterly build reads it back from last quarter's."""
    matched = unref.filter(pl.col("_local").is_not_null()).rename({"_local": "R"})
    return (pl.concat([refs, matched], how="diagonal_relaxed")
            .sort(_KEEP_BY, descending=_KEEP_DESCENDING, nulls_last=True)
            .unique(["R", "_quarter"], keep="first", maintain_order=True)
            .select("R", "_quarter", "C"))


def _keep_columns() -> list[pl.Expr]:
    rank = pl.col("event_outcome").replace_strict(OUTCOME_RANK, default=99, return_dtype=pl.Int32)
    return ["_quarter", "_row_number", "event_end_date", rank.alias("_outcome_rank"), pl.col("event_end_date").is_null().alias("_end_null")]


def _previous_postcodes(previous_staged: pl.DataFrame) -> pl.Expr:
    # Staged tables written before `postcodes_seen` existed hold only the kept row's postcode.
    if "postcodes_seen" in previous_staged.columns:
        return pl.col("postcodes_seen")
    return pl.concat_list(pl.col("postcode")).list.drop_nulls()


def _chosen_rows(df: pl.DataFrame, in_staged_order: bool = True) -> pl.DataFrame:
    """The row kept per event key (`_idx` into `df`, with `n_submissions`, `postcodes_seen` (for
    `_sorted_sets`) and the STAGED_ORDER columns), in staged order (or in no set order)."""
    # Choose rows on a narrow frame and gather the wide rows once: sorting the full frame (dozens
    # of string columns, millions of rows) cost most of the run time. One group-by on the sorted
    # frame takes each key's first row (rows keep their order within a group) and its counts.
    chosen = (
        df.select(pl.int_range(pl.len(), dtype=pl.UInt32).alias("_idx"), "event_key", *STAGED_ORDER[:2],
                  "postcode", *_keep_columns())
        .sort(_KEEP_BY, descending=_KEEP_DESCENDING, nulls_last=True)
        .group_by("event_key")
        .agg(pl.col("_idx", *STAGED_ORDER[:2]).first(),
             pl.col("_quarter").n_unique().cast(pl.Int64).alias("n_submissions"),
             pl.col("postcode").unique().alias("postcodes_seen"))
    )
    return chosen.sort(STAGED_ORDER, nulls_last=True) if in_staged_order else chosen


def _sorted_sets(lists: pl.DataFrame) -> pl.Series:
    """`postcodes_seen` lists per `_r` (0 to n-1, each present at least once) -> one list per `_r`,
    in `_r` order: distinct, sorted, nulls dropped."""
    # Exploding and sorting once took 0.07 s on 600,000 short lists; `list.sort` took 5.5 s (polars 2.1).
    return (lists.explode("postcodes_seen", empty_as_null=True)
            .sort("_r", "postcodes_seen", nulls_last=True)
            .group_by("_r", maintain_order=True)
            .agg(pl.col("postcodes_seen").drop_nulls().unique(maintain_order=True))
            .get_column("postcodes_seen"))


def _crop_open_services(staged: pl.DataFrame) -> pl.DataFrame:
    """`event_end_date_derived` of an open service that a later drop no longer carries: the period
    end of the last drop that did (its quarter's end when not sent), or the date of death if
    earlier (domain.md 1.4). The staged table's latest quarter is the latest drop, so both builds
    crop the same events; cropping again changes nothing."""
    if staged.is_empty():
        return staged
    quarter = pl.col("_quarter")
    # A handful of quarters: mapped, not parsed on every row.
    ends = {q: quarter_end(q) for q in staged["_quarter"].unique().drop_nulls()}
    period_end = pl.coalesce(pl.col("reporting_period_end_date"), quarter.replace_strict(ends, default=None, return_dtype=pl.Date))
    dropped = ((pl.col("event_type") == "Service") & pl.col("event_end_date").is_null()
               & (quarter < staged["_quarter"].max()) & (period_end >= pl.col("event_start_date")))
    derived = pl.col("event_end_date_derived")
    return staged.with_columns(
        event_end_date_derived=pl.when(dropped).then(pl.min_horizontal(derived, period_end)).otherwise(derived))


def council_code_counts(staged: pl.DataFrame) -> dict[str, int]:
    """How many LA codes the staged events carry, and their events: the council spine keys a
    person by LA Person Unique Identifier alone, which only one council keeps unique, so events
    of a second council would merge its people with ours. Counts only: a shifted column can put
    anything in `la_code`."""
    codes = staged.get_column("la_code")  # staging adds it when a submission lacks it
    counts = codes.drop_nulls().value_counts(sort=True)
    main = int(counts["count"][0]) if counts.height else 0
    return {
        "la_codes": counts.height,
        "events_main_la_code": main,
        "events_other_la_codes": int(codes.is_not_null().sum()) - main,
        "events_no_la_code": int(codes.is_null().sum()),
    }
