"""Person spines: one row per source person record with standardised identifiers.

Duplicate case records of one person stay separate rows here: merging them is the linkage's job
(dedupe within each system), so that one model and one audit trail decide every merge.
"""
from __future__ import annotations

import datetime as dt

import polars as pl

from asc_linkage.core import standardise as s
from asc_linkage.core.frames import gather_rows

#: Spine columns, in order (both systems).
SPINE_COLUMNS = [
    "source", "source_person_id", "nhs_number", "nhs_number_flag", "forename", "forename_other",
    "forename_nick", "surname", "surname_parts", "date_of_birth", "dob_flag", "sex", "postcode",
    "postcode_sector", "postcode_district", "postcode_history", "ethnic_group", "ethnicity_detail",
    "lsoa11", "imd_decile", "date_of_death", "lives_alone", "first_contact_date", "n_source_rows",
]
#: A person's row before the steps that need the whole table (shared NHS numbers, LSOA/IMD).
_ROW_COLUMNS = [c for c in SPINE_COLUMNS if c not in ("lsoa11", "imd_decile")]


def _standardise(df: pl.DataFrame, fn: str, sn: str, dob: str, sex: str, eth: str, nhs: str, pc: str, as_of: dt.date | None) -> pl.DataFrame:
    # Raw name columns renamed so the standardised struct fields (forename, surname) can take
    # their names (the MH file already uses them).
    df = df.rename({fn: "_raw_fn", sn: "_raw_sn"})
    fn, sn = "_raw_fn", "_raw_sn"
    dob_clean, dob_flag = s.standardise_dob(dob, as_of=as_of)
    out = df.with_columns(
        s.nhs_number_struct(nhs).alias("_nhs"),
        s.standardise_forenames(fn).alias("_fn"),
        s.standardise_surname(sn).alias("_sn"),
        dob_clean.alias("date_of_birth"),
        dob_flag.alias("dob_flag"),
        s.standardise_sex(sex).alias("sex"),
        s.standardise_ethnicity(eth).alias("_eth"),
        s.standardise_postcode(pc).alias("postcode"),
    ).drop(nhs).unnest("_nhs", "_fn", "_sn", "_eth")
    placeholder = s.placeholder_full_name("forename", "surname")
    out = out.with_columns(pl.when(~placeholder).then(pl.col(c)).alias(c)
                           for c in ("forename", "forename_other", "forename_nick", "surname", "surname_parts"))
    # Shared NHS numbers are judged later, on the whole table (`s.flag_shared_nhs`).
    return out.with_columns(
        s.postcode_sector("postcode").alias("postcode_sector"),
        s.postcode_district("postcode").alias("postcode_district"),
    )


def _attach_imd(df: pl.DataFrame, ref_postcode_lsoa: pl.DataFrame | None, ref_lsoa_imd: pl.DataFrame | None) -> pl.DataFrame:
    """LSOA and IMD decile of the current postcode where the reference files exist; never guessed."""
    if ref_postcode_lsoa is None or ref_postcode_lsoa.height == 0:
        return df.with_columns(pl.lit(None, pl.String).alias("lsoa11"), pl.lit(None, pl.Int64).alias("imd_decile"))
    lk = (
        ref_postcode_lsoa.select(s.standardise_postcode("postcode").alias("postcode"), pl.col("lsoa11").cast(pl.String))
        .drop_nulls("postcode")
        .unique("postcode", keep="first", maintain_order=True)
    )
    df = df.join(lk, on="postcode", how="left")
    if ref_lsoa_imd is None or ref_lsoa_imd.height == 0:
        return df.with_columns(pl.lit(None, pl.Int64).alias("imd_decile"))
    imd = (
        ref_lsoa_imd.select(pl.col("lsoa11").cast(pl.String), pl.col("imd_decile").cast(pl.Int64, strict=False))
        .filter(pl.col("imd_decile").is_between(1, 10))
        .unique("lsoa11", keep="first", maintain_order=True)
    )
    return df.join(imd, on="lsoa11", how="left")


def _person_rows(df: pl.DataFrame) -> pl.DataFrame:
    """The row columns, those a source does not carry as nulls."""
    for c, t in (("lives_alone", pl.Boolean), ("first_contact_date", pl.Date), ("date_of_death", pl.Date), ("n_source_rows", pl.Int64)):
        if c not in df.columns:
            df = df.with_columns(pl.lit(None, t).alias(c))
    return df.select(_ROW_COLUMNS)


def _finish(df: pl.DataFrame) -> pl.DataFrame:
    return df.select(SPINE_COLUMNS).sort("source_person_id")


def _whole_table(rows: pl.DataFrame, ref_postcode_lsoa: pl.DataFrame | None, ref_lsoa_imd: pl.DataFrame | None) -> pl.DataFrame:
    """The steps that need every row: numbers held by too many records, then LSOA/IMD."""
    return _finish(_attach_imd(s.flag_shared_nhs(rows), ref_postcode_lsoa, ref_lsoa_imd))


def _kept_and_rebuilt(kept: pl.DataFrame, fresh: pl.DataFrame, ref_postcode_lsoa: pl.DataFrame | None,
                      ref_lsoa_imd: pl.DataFrame | None) -> tuple[pl.DataFrame, int]:
    """(the spine from last quarter's kept rows and the rebuilt ones, the number rebuilt)."""
    rows = pl.concat([kept.select(fresh.columns), fresh], how="vertical_relaxed")
    return _whole_table(rows, ref_postcode_lsoa, ref_lsoa_imd), fresh.height


def _carry_forward(previous_spine: pl.DataFrame, present: pl.Series, rebuild: pl.Series) -> tuple[pl.DataFrame, pl.Series]:
    """Next quarter: last quarter's rows that stand (ids `present` this quarter and not rebuilt)
    and every id to rebuild: `rebuild`, ids new since last quarter, and ids whose previous row holds
    a judgement that may no longer stand: a DOB in the future (the reference date has moved) or a
    number nulled as shared (a holder may have gone)."""
    judged = previous_spine.filter((pl.col("dob_flag") == "implausible") | (pl.col("nhs_number_flag") == "shared_placeholder"))
    new = present.filter(~present.is_in(previous_spine["source_person_id"].implode()))
    redo = pl.concat([rebuild.cast(pl.String), new, judged["source_person_id"]]).unique()
    kept = previous_spine.filter(pl.col("source_person_id").is_in(present.implode()) & ~pl.col("source_person_id").is_in(redo.implode()))
    return kept, redo


def _lives_alone_expr(cols: list[str]) -> pl.Expr:
    # Neither contract carries household composition; an extra column of that name (kept by
    # ingest as a string) is used when a sender provides it, otherwise it stays unknown.
    if "lives_alone" not in cols:
        return pl.lit(None, pl.Boolean)
    v = pl.col("lives_alone").cast(pl.String).str.to_lowercase().str.strip_chars()
    return pl.when(v.is_in(["y", "yes", "true", "1"])).then(True).when(v.is_in(["n", "no", "false", "0"])).then(False).otherwise(None)


_ASC_SORT_COLUMNS = ("_quarter", "event_start_date", "_row_number")
_ASC_IDENTIFIER_COLUMNS = ["la_person_unique_identifier", "nhs_number", "first_name", "last_name", "date_of_birth",
                           "gender", "ethnicity", "postcode", "date_of_death", "event_start_date"]
#: Staged-event columns a council spine row is built from.
_ASC_SPINE_INPUTS = {*_ASC_IDENTIFIER_COLUMNS, *_ASC_SORT_COLUMNS, "lives_alone", "postcodes_seen"}


def _latest_first(df: pl.DataFrame, sort_cols: list[str]) -> pl.DataFrame:
    """`df` sorted on `sort_cols`, each descending, nulls last. The columns are packed into one
    integer key (each as its rank among the column's values, null lowest), which is sorted, and
    the rows gathered: sorting the wide event rows on three keys, one of them a string, took 0.3 s
    of the council spine's 1.3 s at 200,000 persons, against 0.1 s. Falls back to the plain sort
    if the ranks need more than 63 bits."""
    ranks, bits = [], 0
    for c in sort_cols:
        col = df.get_column(c)
        if col.dtype == pl.String:  # submission quarters: a handful of distinct values
            values = col.unique().drop_nulls().sort()
            rank = col.replace_strict(values, pl.int_range(1, values.len() + 1, eager=True, dtype=pl.Int64), default=0).fill_null(0)
            top = values.len()
        elif (col.dtype.is_integer() and col.dtype != pl.UInt64) or col.dtype == pl.Date:
            as_int = col.cast(pl.Int64)
            low, high = as_int.min(), as_int.max()
            top = 0 if low is None else high - low + 1  # Python integers: no overflow
            rank = (as_int - (low or 0) + 1).fill_null(0) if top.bit_length() <= 63 else None
        else:
            rank, top = None, 1 << 64
        bits += top.bit_length()
        if rank is None or bits > 63:
            return df.sort(sort_cols, descending=True, nulls_last=True)
        ranks.append((rank, top.bit_length()))
    key, shift = pl.zeros(df.height, dtype=pl.Int64, eager=True), bits
    for rank, width in ranks:
        shift -= width
        key = key + rank * (1 << shift)
    return gather_rows(df, key.arg_sort(descending=True))


#: Identifier columns of a council person taken from their latest row that carries a clean value.
_ASC_PICKED_COLUMNS = ["nhs_number", "first_name", "last_name", "date_of_birth", "gender", "ethnicity", "postcode"]


def _unclean_rank(column: str, as_of: dt.date | None) -> pl.Expr:
    """0 where a raw value of `column` standardises to a usable identifier, higher where it is
    weaker (a 1 January DOB) or unusable (an invalid NHS number, a placeholder name, a junk
    postcode, an unknown sex or ethnicity)."""
    if column == "nhs_number":
        return (s.nhs_number_struct(column).struct.field("nhs_number_flag") != "valid").cast(pl.Int8)
    if column == "first_name":
        return s.standardise_forenames(column).struct.field("forename").is_null().cast(pl.Int8)
    if column == "last_name":
        return s.standardise_surname(column).struct.field("surname").is_null().cast(pl.Int8)
    if column == "date_of_birth":
        return s.dob_evidence_rank(s.standardise_dob(column, as_of=as_of)[1])
    if column == "gender":
        return (s.standardise_sex(column) == "Unknown").cast(pl.Int8)
    if column == "ethnicity":
        return (s.standardise_ethnicity(column).struct.field("ethnic_group") == "Unknown").cast(pl.Int8)
    return s.standardise_postcode(column).is_null().cast(pl.Int8)


def _pick_clean_values(per: pl.DataFrame, rows: pl.DataFrame, as_of: dt.date | None) -> pl.DataFrame:
    """`per` (a council person a row, each column its latest non-null raw value) with each of
    `_ASC_PICKED_COLUMNS` replaced, for persons whose rows carry several different values, by the
    latest value that standardises best: a blank, invalid or placeholder value on the latest row
    must not wipe out a valid one the person's earlier rows carry. `rows`: the persons' rows,
    latest first. Standardised only for persons whose rows differ in these columns (`_variants`):
    most carry one value of each."""
    person = "la_person_unique_identifier"
    several = per.filter(pl.col("_variants") > 1)
    per = per.drop("_variants")
    if several.height == 0:
        return per
    rows = rows.join(several.select(person), on=person, how="semi").select(person, *_ASC_PICKED_COLUMNS).with_row_index("_pos")
    # A placeholder split over the two name fields (NOT + KNOWN) is no name on its row, so a real
    # name on another row wins (`_standardise` nulls it where the person has no other).
    split = s.placeholder_full_name(*(s.clean_name_text(c) for c in ("first_name", "last_name")))
    rows = rows.with_columns(pl.when(split).then(None).otherwise(pl.col(c)).alias(c) for c in ("first_name", "last_name"))
    for column in _ASC_PICKED_COLUMNS:
        values = rows.select(pl.col(column).drop_nulls().unique())
        ranked = values.with_columns(_unclean_rank(column, as_of).alias("_rank"))
        best = (
            rows.select(person, "_pos", column).drop_nulls(column).join(ranked, on=column)
            .group_by(person).agg(pl.col(column).sort_by("_rank", "_pos").first().alias("_best"))
        )
        per = per.join(best, on=person, how="left", maintain_order="left").with_columns(
            pl.coalesce("_best", column).alias(column)).drop("_best")
    return per


def _asc_event_counts() -> list[pl.Expr]:
    """A council person's spine columns counted over their events (aggregations)."""
    return [pl.col("event_start_date").min().alias("first_contact_date"), pl.len().cast(pl.Int64).alias("n_source_rows")]


def _asc_person_rows(stg_events: pl.DataFrame, as_of: dt.date | None) -> pl.DataFrame:
    """Spine rows of the persons in `stg_events`, before shared NHS numbers and LSOA/IMD (both
    need the whole table)."""
    sort_cols = [c for c in _ASC_SORT_COLUMNS if c in stg_events.columns]
    # Only the columns a spine needs: sorting the wide event rows cost most of the time.
    df = stg_events.select(
        *_ASC_IDENTIFIER_COLUMNS, *(c for c in sort_cols if c not in _ASC_IDENTIFIER_COLUMNS),
        _lives_alone_expr(stg_events.columns).alias("lives_alone"),
    )
    # Standardised once per distinct raw postcode, not once per event row.
    pcs = df.select(pl.col("postcode").unique().drop_nulls())
    df = df.join(pcs.with_columns(s.standardise_postcode("postcode").alias("_pc_any")), on="postcode", how="left", maintain_order="left")
    history = None
    if "postcodes_seen" in stg_events.columns:
        # Every postcode any submission carried for the person's events, not only the kept rows':
        # only events whose submissions carried more than one add any (exploding every event's
        # list took 1.7 s at 200,000 persons).
        moved = stg_events.filter(pl.col("postcodes_seen").list.len() > 1)
        if moved.height:
            history = (
                moved.select("la_person_unique_identifier", pl.col("postcodes_seen").alias("postcode")).explode("postcode")
                .with_columns(s.standardise_postcode("postcode").alias("_pc")).drop_nulls("_pc")
                .group_by("la_person_unique_identifier").agg(pl.col("_pc").alias("_seen"))
            )
    df = _latest_first(df, sort_cols) if sort_cols else df
    per = df.group_by("la_person_unique_identifier", maintain_order=True).agg(
        *(pl.col(c).drop_nulls().first() for c in _ASC_PICKED_COLUMNS),
        # Rows that differ in an identifier: a hash of them costs a quarter of testing each column.
        pl.struct(*_ASC_PICKED_COLUMNS).hash().n_unique().alias("_variants"),
        pl.col("_pc_any").drop_nulls().unique().sort().alias("postcode_history"),
        pl.col("date_of_death").drop_nulls().max(),
        pl.col("lives_alone").drop_nulls().first(),
        *_asc_event_counts(),
    )
    per = _pick_clean_values(per, df, as_of)
    if history is not None:
        person = "la_person_unique_identifier"
        grown = per.join(history, on=person).with_columns(
            pl.concat_list("postcode_history", "_seen").list.unique().list.sort().alias("postcode_history")).drop("_seen")
        per = pl.concat([per.join(history, on=person, how="anti"), grown.select(per.columns)])
    per = per.with_columns(
        pl.lit("asc").alias("source"),
        pl.col("la_person_unique_identifier").cast(pl.String).alias("source_person_id"),
    )
    return _person_rows(_standardise(per, "first_name", "last_name", "date_of_birth", "gender", "ethnicity", "nhs_number", "postcode", as_of))


def build_asc_spine(
    stg_events: pl.DataFrame,
    ref_postcode_lsoa: pl.DataFrame | None = None,
    ref_lsoa_imd: pl.DataFrame | None = None,
    as_of: dt.date | None = None,
) -> pl.DataFrame:
    """One row per `la_person_unique_identifier` from staged CLD events. Each identifier comes
    from the person's most recent row (latest submission, then latest event) that carries a usable
    value of it (a valid NHS number, a name, a DOB, a postcode), else from the most recent row;
    postcode history is every postcode the person's rows carried; the date of death is the latest
    one recorded."""
    return _whole_table(_asc_person_rows(stg_events, as_of), ref_postcode_lsoa, ref_lsoa_imd)


def build_asc_spine_incremental(
    previous_spine: pl.DataFrame,
    stg_events: pl.DataFrame,
    touched_person_ids: pl.Series,
    ref_postcode_lsoa: pl.DataFrame | None = None,
    ref_lsoa_imd: pl.DataFrame | None = None,
    as_of: dt.date | None = None,
    previous_stg_events: pl.DataFrame | None = None,
) -> tuple[pl.DataFrame, int]:
    """(the next quarter's council spine, the number of its rows rebuilt). The spine equals
    `build_asc_spine` on all staged events: only persons the new drop carries
    (`touched_person_ids`) are rebuilt from their events; the others keep last quarter's row,
    except a DOB judged in the future last quarter (the reference date moved) and a number nulled
    as shared last quarter (it may no longer be), which are rebuilt too, and LSOA/IMD, which are
    looked up again in case the reference files changed. Shared numbers are judged again on every
    row: a new holder can make a kept row's number shared.

    With last quarter's staged events (`previous_stg_events`, the evidence columns suffice), a
    person the drop carries is rebuilt only if their evidence may have changed
    (`asc_persons_with_new_evidence`); the others keep last quarter's row with their event count
    and first contact date brought up to date."""
    person = pl.col("la_person_unique_identifier").cast(pl.String)
    present = stg_events.select(person.unique())["la_person_unique_identifier"]
    touched = touched_person_ids.cast(pl.String)
    changed = touched if previous_stg_events is None else asc_persons_with_new_evidence(previous_stg_events, stg_events, touched)
    kept, redo = _carry_forward(previous_spine, present, changed)
    # Columns first: filtering the wide staged rows would copy every event column.
    inputs = stg_events.select(c for c in stg_events.columns if c in _ASC_SPINE_INPUTS)
    steady = touched.filter(~touched.is_in(redo.implode()))
    if steady.len():
        counts = inputs.filter(person.is_in(steady.implode())).group_by(person.alias("source_person_id")).agg(*_asc_event_counts())
        kept = kept.update(counts, on="source_person_id", how="left")
    fresh = _asc_person_rows(inputs.filter(person.is_in(redo.implode())), as_of)
    return _kept_and_rebuilt(kept, fresh, ref_postcode_lsoa, ref_lsoa_imd)


#: Staged-event columns that decide a council person's spine row but for the event count and first
#: contact date (the picked identifiers, date of death, lives alone, the postcodes seen), with the id.
ASC_EVIDENCE_COLUMNS = ["la_person_unique_identifier", *_ASC_PICKED_COLUMNS, "date_of_death", "lives_alone", "postcodes_seen"]


def asc_persons_with_new_evidence(previous_stg_events: pl.DataFrame, stg_events: pl.DataFrame,
                                  touched_person_ids: pl.Series) -> pl.Series:
    """The persons of `touched_person_ids` (those the new drop carries) whose spine row may differ
    from last quarter's in more than the event count and first contact date.

    A person whose every staged row, last quarter's and this quarter's, carries one and the same
    evidence (`ASC_EVIDENCE_COLUMNS`) gets the same identifiers, postcode history, date of death
    and lives-alone flag from either set of rows: every pick is that one value. Most persons in a
    rolling 12-month drop are such (200,000 persons: 79,000 of the 88,000 the drop carries), and
    rebuilding them cost most of a next quarter's council spine. Anyone else is returned: a value
    that differs on any row, old or new, may move a pick. Rows are compared by a 64-bit
    fingerprint of their evidence, as `frames.unchanged_since` does."""
    person = "la_person_unique_identifier"
    touched = touched_person_ids.cast(pl.String)
    columns = [c for c in ASC_EVIDENCE_COLUMNS if c in stg_events.columns]
    if not set(columns) <= set(previous_stg_events.columns):
        return touched
    # Every row hashed and grouped, not only the touched persons': they hold most rows (480,000 of
    # 538,000 at 200,000 persons), and selecting them by a join on the string ids cost 0.27 s
    # against 0.1 s for the whole.
    now = stg_events.select(pl.col(person).cast(pl.String), *columns[1:])
    before = previous_stg_events.select(pl.col(person).cast(pl.String), *columns[1:])
    if now.schema != before.schema:  # a column read as another type: its fingerprints would differ
        return touched
    fingerprints = pl.concat([
        now.select(person, now.select(columns[1:]).hash_rows(seed=0).alias("_fp"), pl.lit(False).alias("_before")),
        before.select(person, before.select(columns[1:]).hash_rows(seed=0).alias("_fp"), pl.lit(True).alias("_before")),
    ])
    steady = (
        fingerprints.group_by(person)
        .agg(((pl.col("_fp").n_unique() == 1) & pl.col("_before").any() & (~pl.col("_before")).any()).alias("_steady"))
        .filter("_steady")[person]
    )
    return touched.filter(~touched.is_in(steady.implode()))


def _mh_person_rows(mh_patients: pl.DataFrame, mh_addresses: pl.DataFrame | None, mh_referrals: pl.DataFrame | None,
                    as_of: dt.date | None) -> pl.DataFrame:
    """Spine rows of the patients in `mh_patients`, before shared NHS numbers and LSOA/IMD."""
    p = mh_patients.with_columns(
        pl.col("patient_id").cast(pl.String).alias("source_person_id"),
        pl.lit("mh").alias("source"),
        _lives_alone_expr(mh_patients.columns).alias("lives_alone"),
        pl.lit(1, pl.Int64).alias("n_source_rows"),
    )
    # A trust snapshot should hold each patient once; if not, keep the last row of the file.
    if "_row_number" in p.columns:
        p = p.sort("_row_number", descending=True)
    p = p.unique("source_person_id", keep="first", maintain_order=True).with_columns(
        s.standardise_postcode("postcode").alias("_own_pc"))
    hist = p.select("source_person_id", pl.col("_own_pc").alias("_pc"))
    if mh_addresses is not None and mh_addresses.height > 0:
        a = mh_addresses.with_columns(
            pl.col("patient_id").cast(pl.String).alias("source_person_id"),
            s.standardise_postcode("postcode").alias("_pc"),
        )
        hist = pl.concat([hist, a.select("source_person_id", "_pc")])
        cur = (
            a.drop_nulls("_pc")
            .sort(["source_person_id", "end_date", "start_date"], descending=[False, True, True], nulls_last=False)
            .unique("source_person_id", keep="first", maintain_order=True)
            .select("source_person_id", pl.col("_pc").alias("_addr_pc"))
        )
        # A patient postcode that does not standardise (NFA, UNKNOWN, blank) is no postcode.
        p = p.join(cur, on="source_person_id", how="left").with_columns(
            pl.when(pl.col("_own_pc").is_not_null()).then(pl.col("postcode").cast(pl.String)).otherwise(pl.col("_addr_pc")).alias("postcode")
        ).drop("_addr_pc")
    p = p.drop("_own_pc")
    hist = hist.drop_nulls("_pc").group_by("source_person_id").agg(pl.col("_pc").unique().sort().alias("postcode_history"))
    p = p.join(hist, on="source_person_id", how="left").with_columns(
        pl.col("postcode_history").fill_null(pl.lit([], dtype=pl.List(pl.String)))
    )
    if mh_referrals is not None and mh_referrals.height > 0:
        fc = mh_referrals.group_by(pl.col("patient_id").cast(pl.String).alias("source_person_id")).agg(
            pl.col("referral_received_date").min().alias("first_contact_date")
        )
        p = p.join(fc, on="source_person_id", how="left")
    gender = "gender" if "gender" in p.columns else None
    if gender is None:
        p = p.with_columns(pl.lit(None, pl.String).alias("gender"))
    return _person_rows(_standardise(p, "forename", "surname", "date_of_birth", "gender", "ethnic_category", "nhs_number", "postcode", as_of))


def build_mh_spine(
    mh_patients: pl.DataFrame,
    mh_addresses: pl.DataFrame | None = None,
    ref_postcode_lsoa: pl.DataFrame | None = None,
    ref_lsoa_imd: pl.DataFrame | None = None,
    mh_referrals: pl.DataFrame | None = None,
    as_of: dt.date | None = None,
) -> pl.DataFrame:
    """One row per `patient_id`. Postcode history = current postcode plus every address in
    `mh_addresses`; the current postcode falls back to the open (or latest) address when the
    patient row has none. `first_contact_date` = earliest referral received, when referrals given."""
    return _whole_table(_mh_person_rows(mh_patients, mh_addresses, mh_referrals, as_of), ref_postcode_lsoa, ref_lsoa_imd)


def mh_changed_patients(current: tuple[pl.DataFrame, pl.DataFrame | None, pl.DataFrame | None],
                        previous: tuple[pl.DataFrame, pl.DataFrame | None, pl.DataFrame | None]) -> pl.Series | None:
    """Patient ids whose spine inputs differ between two snapshots (patients, addresses, referrals):
    a patient row, an address row or a referral date that is in one and not the other, or an id on
    several patient rows. Sets, not multisets: a repeated identical row changes no spine value.
    None when the files' columns differ (every row may then differ)."""
    ids = []
    for table, (now, before) in zip(("patients", "addresses", "referrals"), zip(current, previous)):
        now = now if now is not None and now.height else None
        before = before if before is not None and before.height else None
        if now is None and before is None:
            continue
        if now is None or before is None:
            ids.append((now if now is not None else before)["patient_id"].cast(pl.String))
            continue
        if table == "referrals":
            cols = ["patient_id", "referral_received_date"]  # the spine reads only the earliest date
        else:
            cols = sorted(c for c in now.columns if not c.startswith("_"))
            if cols != sorted(c for c in before.columns if not c.startswith("_")):
                return None
        a, b = now.select(cols), before.select(cols)
        # An all-empty column arrives typed Null; it compares as the other snapshot's type.
        a = a.cast({c: b.schema[c] for c in cols if a.schema[c] == pl.Null})
        b = b.cast({c: a.schema[c] for c in cols if b.schema[c] == pl.Null})
        if a.schema != b.schema:
            return None
        # Rows compared by a 64-bit fingerprint of all their values, patient_id included (equal
        # types, checked above): anti-joins on every column took 0.13-0.18 s of a next quarter at
        # 200,000 persons and 1.3 s at a million, on the fingerprint alone 0.07 s and 0.65 s (the
        # same patients). Two different rows share a fingerprint with probability 2^-64.
        fa = a.select("patient_id", a.hash_rows(seed=0).alias("__row"))
        fb = b.select("patient_id", b.hash_rows(seed=0).alias("__row"))
        ids += [fa.join(fb.select("__row"), on="__row", how="anti")["patient_id"].cast(pl.String),
                fb.join(fa.select("__row"), on="__row", how="anti")["patient_id"].cast(pl.String)]
        if table == "patients":
            ids.append(a.filter(pl.col("patient_id").is_duplicated())["patient_id"].cast(pl.String))
    return pl.concat(ids).unique() if ids else pl.Series("patient_id", [], dtype=pl.String)


def build_mh_spine_incremental(
    previous_spine: pl.DataFrame,
    previous_inputs: tuple[pl.DataFrame, pl.DataFrame | None, pl.DataFrame | None],
    mh_patients: pl.DataFrame,
    mh_addresses: pl.DataFrame | None = None,
    ref_postcode_lsoa: pl.DataFrame | None = None,
    ref_lsoa_imd: pl.DataFrame | None = None,
    mh_referrals: pl.DataFrame | None = None,
    as_of: dt.date | None = None,
    changed: pl.Series | None = None,
) -> tuple[pl.DataFrame, int]:
    """(the next quarter's trust spine, the number of its rows rebuilt). The spine equals
    `build_mh_spine` on this quarter's snapshot: `previous_inputs` are last quarter's (patients,
    addresses, referrals) that `previous_spine` was built from. A patient whose patient row,
    address rows and referral dates are all unchanged keeps last quarter's row; others are
    rebuilt, as are a DOB judged in the future last quarter and a number nulled as shared last
    quarter; LSOA/IMD are looked up again. Shared numbers are judged on every row.
    `changed`: `mh_changed_patients` of these inputs, when the caller has it already."""
    if changed is None:
        changed = mh_changed_patients((mh_patients, mh_addresses, mh_referrals), previous_inputs)
    if changed is None:
        spine = build_mh_spine(mh_patients, mh_addresses, ref_postcode_lsoa, ref_lsoa_imd, mh_referrals, as_of)
        return spine, spine.height
    pid = pl.col("patient_id").cast(pl.String)
    kept, redo = _carry_forward(previous_spine, mh_patients.select(pid.unique())["patient_id"], changed)
    redo = redo.implode()
    fresh = _mh_person_rows(
        mh_patients.filter(pid.is_in(redo)),
        None if mh_addresses is None else mh_addresses.filter(pid.is_in(redo)),
        None if mh_referrals is None else mh_referrals.filter(pid.is_in(redo)),
        as_of,
    )
    return _kept_and_rebuilt(kept, fresh, ref_postcode_lsoa, ref_lsoa_imd)
