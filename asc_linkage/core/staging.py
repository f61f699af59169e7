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

Record kept per key (DHSC order, "later submission wins" first): latest submission quarter, then
null end first, then the Event Outcome hierarchy, then the later row in the file.
"""
from __future__ import annotations

import polars as pl

from asc_linkage.core.frames import gather_rows
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
    "event_outcome": pl.String, "_row_number": pl.Int64, "_quarter": pl.String,
}


#: Row order of the staged table (both builds).
STAGED_ORDER = ["la_person_unique_identifier", "event_start_date", "event_key"]


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
    rows = _keyed_rows(new_submission)
    chosen = _chosen_rows(rows, in_staged_order=False)  # ordered below, with the kept rows
    # One join on the event keys finds the events last quarter already held (one hash of a million
    # string keys took 1.0 s at a million persons; a membership test and a join made two).
    again = (chosen.select("event_key").with_row_index("_c")
             .join(previous_staged.select("event_key", pl.col("n_submissions").alias("_before")).with_row_index("_p"),
                   on="event_key", how="inner"))
    carried = pl.zeros(chosen.height, dtype=pl.Int64, eager=True).scatter(again["_c"], again["_before"])
    replaced = pl.repeat(False, previous_staged.height, dtype=pl.Boolean, eager=True).scatter(again["_p"], True)
    kept = previous_staged.select(*STAGED_ORDER, "n_submissions").with_row_index("_i").filter(~replaced)
    new = chosen.select((pl.col("_idx") + previous_staged.height).alias("_i"), *STAGED_ORDER,
                        pl.col("n_submissions") + carried)
    order = pl.concat([kept, new], how="vertical_relaxed").sort(STAGED_ORDER, nulls_last=True)
    # The drop's wide rows are gathered once, with the kept rows, in the full build's order
    # (staging the drop on its own first gathered them twice).
    both = pl.concat([previous_staged.drop("n_submissions"), rows], how="diagonal_relaxed")
    return gather_rows(both, order["_i"]).with_columns(order["n_submissions"])


def stage_asc_events(raw_submissions: pl.DataFrame) -> pl.DataFrame:
    """Accepted `cld_events` rows of every drop up to the quarter (with `_quarter`) -> one row
    per unique event, plus `event_end_date_derived`, `event_key` (string, identifiable: contains
    the LA person id) and `n_submissions` (how many drops carried the event)."""
    df = _keyed_rows(raw_submissions)
    chosen = _chosen_rows(df)
    return gather_rows(df, chosen["_idx"]).with_columns(chosen["n_submissions"])


def _keyed_rows(raw_submissions: pl.DataFrame) -> pl.DataFrame:
    """Contract columns of every submitted row, typed, with `event_end_date_derived` and `event_key`."""
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

    et = pl.col("event_type")
    specific = (
        pl.when(et == "Request").then(pl.col("request_route_of_access"))
        .when(et == "Assessment").then(pl.col("assessment_type"))
        .when(et == "Service").then(pl.concat_str(pl.col("service_type"), pl.col("service_component"), separator="|", ignore_nulls=True))
        .otherwise(pl.lit(None, pl.String))
    )
    composite = pl.concat_str(
        pl.lit("C"),
        pl.col("la_code").fill_null(""),
        pl.col("la_person_unique_identifier").cast(pl.String),
        et.fill_null(""),
        pl.col("event_start_date").cast(pl.String).fill_null(""),
        pl.when(et == "Service").then(pl.lit("")).otherwise(pl.col("event_end_date_derived").cast(pl.String).fill_null("")),
        pl.col("client_type").fill_null(""),
        specific.fill_null(""),
        separator="\x1f",
    )
    by_ref = pl.concat_str(
        pl.lit("R"),
        pl.col("la_code").fill_null(""),
        pl.col("la_person_unique_identifier").cast(pl.String),
        et.fill_null(""),
        pl.col("event_reference").cast(pl.String),
        separator="\x1f",
    )
    ref_ok = pl.col("event_reference").is_not_null() & (pl.col("event_reference").cast(pl.String).str.strip_chars() != "")
    return df.with_columns(event_key=pl.when(ref_ok).then(by_ref).otherwise(composite))


def _chosen_rows(df: pl.DataFrame, in_staged_order: bool = True) -> pl.DataFrame:
    """The row kept per event key (`_idx` into `df`, with `n_submissions` and the STAGED_ORDER
    columns), in staged order (or in no set order)."""
    rank = pl.col("event_outcome").replace_strict(OUTCOME_RANK, default=99, return_dtype=pl.Int32)
    # Choose rows on a narrow frame and gather the wide rows once: sorting the full frame (dozens
    # of string columns, millions of rows) cost most of the run time.
    chosen = (
        df.select(
            pl.int_range(pl.len(), dtype=pl.UInt32).alias("_idx"),
            "event_key", "_quarter", "_row_number", "la_person_unique_identifier", "event_start_date",
            rank.alias("_outcome_rank"), pl.col("event_end_date").is_null().alias("_end_null"),
        )
        .with_columns(n_submissions=pl.col("_quarter").n_unique().over("event_key").cast(pl.Int64))
        .sort(["_quarter", "_end_null", "_outcome_rank", "_row_number"], descending=[True, True, False, True], nulls_last=True)
        .unique(subset=["event_key"], keep="first", maintain_order=True)
    )
    return chosen.sort(STAGED_ORDER, nulls_last=True) if in_staged_order else chosen
