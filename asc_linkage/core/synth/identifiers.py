"""How each system records a person: identifier errors injected per source record.

A *source record* is one LA Person Unique Identifier or one trust patient_id; a person may have two
(duplicate case records, made when a search for the person failed, so they carry more errors).
Errors are drawn independently per record with the rates in ``ErrorRates`` (below; council and
trust defaults differ, the council's front door being less careful about NHS numbers and
diacritics). Rates are multiplied for some naming traditions, which is what lets the linkage's
equity be measured:

* forename/surname swapped: base rate x ``names.SWAP_RATE_MULTIPLIER`` (Chinese x8, Somali x6, ...);
* typos: x1.5 for non-anglophone traditions (unfamiliar spellings);
* transliteration variants (Mohammed/Muhammad, Zhang/Cheung, ...): only names with variants;
* NHS number missing: x1.4 for groups with many recent arrivals (White Other, African, Arab, Other);
* a second genuine name held by one system only (``population.ALTERNATE_IDENTITY_SHARE``: Chinese
  35%, Somali 30%, West African and Arab 15%, South Asian 10%, ...) and refugees' official
  1 January birthdays (8% of African, Arab and other recent-arrival residents), one system only;
* "contact only" records with no NHS number and often no DOB or postcode (council 4%, trust 1.5%,
  x2 for recent arrivals): the pairs a linkage genuinely misses.

Time-varying parts (marriage, house move, NHS number traced later) are returned as two values and
a change day; the writer picks the one in force at each drop's quarter end.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from . import names as name_pools
from .calendar import NEVER
from .draws import lookup

PLACEHOLDER_NHS = ["0000000000", "9999999999", "1111111111"]
RECENT_ARRIVAL_GROUPS = ["white_other", "black_african", "arab", "other", "roma"]
ANGLOPHONE_TRADITIONS = ["english", "irish", "caribbean"]


@dataclass(frozen=True)
class ErrorRates:
    nhs_missing: float
    nhs_invalid: float          # wrong check digit or two adjacent digits transposed
    nhs_spaced: float           # `943 476 5919`
    nhs_placeholder: float      # 0000000000 / 9999999999 / 1111111111
    nhs_shared_records: int     # records (per 20,000 persons) carrying one wrong valid number
    nhs_traced_later: float     # share of missing numbers filled in at a later drop
    forename_typo: float
    surname_typo: float
    nickname: float             # of records whose forename has a nickname
    name_swap: float            # before the tradition multiplier
    transliteration: float      # of records whose name has a variant spelling
    lost_diacritics: float      # of records with a diacritic in a name
    upper_case: float
    double_barrel_variant: float  # of double-barrelled surnames: space, or first part only
    surname_update: float       # of marriages, share the system records
    dob_day_month_swap: float   # of records whose day <= 12 and differs from the month
    dob_default: float          # 01/01/yyyy
    dob_year_off: float
    dob_missing: float
    postcode_missing: float
    postcode_typo: float
    postcode_format: float      # no space / lower case
    postcode_update: float      # of house moves, share the system records
    ethnicity_not_stated: float
    sex_unknown: float
    placeholder_name: float     # BABY BOY, UNKNOWN, TEST
    all_missing: float          # every identifier blank
    sparse_record: float        # no NHS number, and DOB and postcode often missing too
    duplicate_record: float     # persons with a second record in this system
    duplicate_error_multiplier: float


ASC_RATES = ErrorRates(
    nhs_missing=0.20, nhs_invalid=0.03, nhs_spaced=0.10, nhs_placeholder=0.006, nhs_shared_records=50,
    nhs_traced_later=0.30, forename_typo=0.03, surname_typo=0.03, nickname=0.10, name_swap=0.012,
    transliteration=0.25, lost_diacritics=0.70, upper_case=0.20, double_barrel_variant=0.35,
    surname_update=0.6, dob_day_month_swap=0.03, dob_default=0.008, dob_year_off=0.004,
    dob_missing=0.006, postcode_missing=0.03, postcode_typo=0.01, postcode_format=0.06,
    postcode_update=0.85, ethnicity_not_stated=0.08, sex_unknown=0.01, placeholder_name=0.001,
    all_missing=0.0008, sparse_record=0.04, duplicate_record=0.03, duplicate_error_multiplier=2.5,
)
MH_RATES = ErrorRates(
    nhs_missing=0.04, nhs_invalid=0.005, nhs_spaced=0.02, nhs_placeholder=0.001, nhs_shared_records=5,
    nhs_traced_later=0.0, forename_typo=0.015, surname_typo=0.015, nickname=0.05, name_swap=0.006,
    transliteration=0.20, lost_diacritics=0.25, upper_case=0.0, double_barrel_variant=0.25,
    surname_update=0.8, dob_day_month_swap=0.012, dob_default=0.002, dob_year_off=0.002,
    dob_missing=0.002, postcode_missing=0.015, postcode_typo=0.008, postcode_format=0.03,
    postcode_update=0.95, ethnicity_not_stated=0.05, sex_unknown=0.005, placeholder_name=0.001,
    all_missing=0.0005, sparse_record=0.015, duplicate_record=0.025, duplicate_error_multiplier=2.0,
)


def _variant_table(groups: list[list[str]]) -> pl.DataFrame:
    rows = [(name, g, rank, len(group)) for g, group in enumerate(groups) for rank, name in enumerate(group)]
    return pl.DataFrame(rows, schema=["name", "group", "rank", "size"], orient="row")


_TRANSLIT = _variant_table(name_pools.TRANSLITERATIONS)
_NICK = _variant_table([[formal, *nicks] for formal, nicks in name_pools.NICKNAMES.items()])
_INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"


def _with_variants(df: pl.DataFrame, col: str, table: pl.DataFrame, u_col: str, formal_first_only: bool) -> pl.DataFrame:
    """Attach `_<col>_group` and `_<col>_variant` (another spelling from the same group)."""
    first = table.unique("name", keep="first")
    if formal_first_only:
        first = first.filter(pl.col("rank") == 0)  # nicknames only replace the formal name
    joined = df.join(first.rename({"name": col, "group": f"_{col}_group", "rank": "_rank", "size": "_size"}),
                     on=col, how="left", maintain_order="left")
    offset = (1 + (pl.col(u_col) * (pl.col("_size") - 1)).floor().cast(pl.Int64))
    joined = joined.with_columns(_target_rank=((pl.col("_rank") + offset) % pl.col("_size")).cast(pl.Int64))
    lookup = table.select(pl.col("group").alias(f"_{col}_group"), pl.col("rank").alias("_target_rank"),
                          pl.col("name").alias(f"_{col}_variant"))
    return joined.join(lookup, on=[f"_{col}_group", "_target_rank"], how="left", maintain_order="left").drop("_rank", "_size", "_target_rank")


def _typo(col: str, kind: str, pos: str, letter: str) -> pl.Expr:
    """One keyboard error at a position that is never the first letter (people get those right)."""
    s = pl.col(col)
    length = s.str.len_chars()
    p = (1 + (pl.col(pos) * (length - 1).clip(lower_bound=1)).floor()).cast(pl.Int64).clip(upper_bound=(length - 1).clip(lower_bound=0))
    head = s.str.slice(0, p)
    deleted = head + s.str.slice(p + 1)
    substituted = head + pl.col(letter) + s.str.slice(p + 1)
    # A transposition needs a letter after the position, so it swaps the pair ending there at the latest.
    t = p.clip(upper_bound=(length - 2).clip(lower_bound=0))
    transposed = s.str.slice(0, t) + s.str.slice(t + 1, 1) + s.str.slice(t, 1) + s.str.slice(t + 2)
    doubled = s.str.slice(0, p + 1) + s.str.slice(p, 1) + s.str.slice(p + 1)
    k = pl.col(kind)
    edited = (pl.when(k == 0).then(deleted).when(k == 1).then(substituted).when(k == 2).then(transposed)
              .otherwise(doubled))
    # A 1-2 letter name is left alone: an edit would make it unrecognisable rather than misspelt.
    return pl.when(length >= 3).then(edited).otherwise(s)


def _strip_diacritics(expr: pl.Expr) -> pl.Expr:
    folded = expr.str.normalize("NFKD").str.replace_all(r"\p{M}", "")
    return folded.str.replace_many(list(name_pools.EXTRA_ASCII_FOLD), list(name_pools.EXTRA_ASCII_FOLD.values()))


def _spaced_nhs(expr: pl.Expr) -> pl.Expr:
    return pl.concat_str([expr.str.slice(0, 3), expr.str.slice(3, 3), expr.str.slice(6)], separator=" ")


def _postcode_format_variant(expr: pl.Expr, which: pl.Expr) -> pl.Expr:
    return pl.when(which < 0.5).then(expr.str.replace(" ", "")).otherwise(expr.str.to_lowercase())


def _postcode_typo(expr: pl.Expr, letter: pl.Expr) -> pl.Expr:
    # The last letter of the inward code mistyped: still a valid shape, a different unit postcode.
    return expr.str.slice(0, expr.str.len_chars() - 1) + letter


def record_identifiers(records: pl.DataFrame, persons: pl.DataFrame, rates: ErrorRates,
                       rng: np.random.Generator, persons_total: int, system: str) -> pl.DataFrame:
    """Recorded identifiers for each source record.

    ``records``: record_id, person_index, is_duplicate. Returns one row per record with
    nhs_number / nhs_number_traced / nhs_traced_day, forename, surname / surname_new / surname_day,
    dob_day (nullable Int64), female (nullable: unknown sex), ethnic_* (nullable = not stated),
    postcode / postcode_new / postcode_day, plus the error flags (``err_*``) the tests check.
    """
    n = records.height
    df = records.join(persons, on="person_index", how="left", maintain_order="left").sort("record_id", maintain_order=True)
    # The person's other genuine name or official birthday, where this system is the one holding it.
    here = pl.col("alt_in") == system
    df = df.with_columns(
        err_alternate_name=here.fill_null(False),
        err_official_dob=(pl.col("official_dob_in") == system).fill_null(False),
        forename=pl.when(here & pl.col("alt_forename").is_not_null()).then(pl.col("alt_forename")).otherwise(pl.col("forename")),
        surname=pl.when(here & pl.col("alt_surname").is_not_null()).then(pl.col("alt_surname")).otherwise(pl.col("surname")),
    )
    dup = df["is_duplicate"].to_numpy()
    mult = np.where(dup, rates.duplicate_error_multiplier, 1.0)
    tradition_f = df["forename_tradition"].to_numpy()
    tradition_s = df["surname_tradition"].to_numpy()
    non_anglo = ~np.isin(tradition_s, ANGLOPHONE_TRADITIONS)
    swap_mult = lookup(tradition_s, name_pools.SWAP_RATE_MULTIPLIER, 1.0)
    u = rng.random((40, n))

    def flag(i: int, rate: float | np.ndarray) -> np.ndarray:
        return u[i] < np.minimum(np.asarray(rate) * mult, 0.95)

    letters = np.array(list("abcdefghijklmnoprstuvwy"))
    df = df.with_columns(
        _u_f=u[30], _u_s=u[31], _u_n=u[32], _u_t=u[33],
        _kind_f=rng.integers(0, 4, n), _pos_f=u[34], _let_f=letters[rng.integers(0, len(letters), n)],
        _kind_s=rng.integers(0, 4, n), _pos_s=u[35], _let_s=letters[rng.integers(0, len(letters), n)],
        _pc_letter=np.array(list(_INWARD_LETTERS))[rng.integers(0, len(_INWARD_LETTERS), n)],
        _u_pc=u[36],
    )

    # --- names ---------------------------------------------------------------------------
    df = _with_variants(df, "forename", _TRANSLIT, "_u_t", formal_first_only=False)
    df = df.rename({"_forename_group": "_tf_group", "_forename_variant": "_tf_variant"})
    df = _with_variants(df, "surname", _TRANSLIT, "_u_t", formal_first_only=False)
    df = _with_variants(df, "forename", _NICK, "_u_n", formal_first_only=True)
    err = {
        "forename_translit": flag(0, rates.transliteration),
        "surname_translit": flag(1, rates.transliteration),
        "nickname": flag(2, rates.nickname),
        "forename_typo": flag(3, rates.forename_typo * np.where(non_anglo, 1.5, 1.0)),
        "surname_typo": flag(4, rates.surname_typo * np.where(non_anglo, 1.5, 1.0)),
        "name_swap": flag(5, rates.name_swap * swap_mult),
        "lost_diacritics": u[6] < rates.lost_diacritics,
        "upper_case": u[7] < rates.upper_case,
        "double_barrel_variant": u[8] < rates.double_barrel_variant,
        "surname_update": u[9] < rates.surname_update,
        "placeholder_name": flag(10, rates.placeholder_name),
        "all_missing": flag(11, rates.all_missing),
    }
    for key in ("forename_translit", "surname_translit", "nickname", "forename_typo", "surname_typo",
                "name_swap", "lost_diacritics", "upper_case", "double_barrel_variant", "surname_update",
                "placeholder_name", "all_missing"):
        df = df.with_columns(pl.Series(f"err_{key}", err[key]))
    df = df.with_columns(
        forename=pl.when(pl.col("err_forename_translit") & pl.col("_tf_group").is_not_null()).then(pl.col("_tf_variant"))
        .when(pl.col("err_nickname") & pl.col("_forename_group").is_not_null()).then(pl.col("_forename_variant"))
        .otherwise(pl.col("forename")),
        surname=pl.when(pl.col("err_surname_translit") & pl.col("_surname_group").is_not_null())
        .then(pl.col("_surname_variant")).otherwise(pl.col("surname")),
    )
    # Effective flags: a variant only happened where the name had one.
    df = df.with_columns(
        err_forename_translit=pl.col("err_forename_translit") & pl.col("_tf_group").is_not_null(),
        err_surname_translit=pl.col("err_surname_translit") & pl.col("_surname_group").is_not_null(),
        err_nickname=pl.col("err_nickname") & pl.col("_forename_group").is_not_null()
        & ~(pl.col("err_forename_translit") & pl.col("_tf_group").is_not_null()),
    )
    barrel_first_only = u[12] < 0.5
    df = df.with_columns(
        surname=pl.when(pl.col("err_double_barrel_variant") & pl.col("surname").str.contains("-"))
        .then(pl.when(pl.lit(pl.Series(barrel_first_only))).then(pl.col("surname").str.split("-").list.first())
              .otherwise(pl.col("surname").str.replace("-", " ")))
        .otherwise(pl.col("surname")),
        surname_new=pl.when(pl.col("err_surname_update")).then(pl.col("married_surname")),
    )
    df = df.with_columns(
        forename=pl.when(pl.col("err_forename_typo")).then(_typo("forename", "_kind_f", "_pos_f", "_let_f")).otherwise(pl.col("forename")),
        surname=pl.when(pl.col("err_surname_typo")).then(_typo("surname", "_kind_s", "_pos_s", "_let_s")).otherwise(pl.col("surname")),
    )
    df = df.with_columns(
        forename=pl.when(pl.col("err_name_swap")).then(pl.col("surname")).otherwise(pl.col("forename")),
        surname=pl.when(pl.col("err_name_swap")).then(pl.col("forename")).otherwise(pl.col("surname")),
        surname_new=pl.when(pl.col("err_name_swap")).then(None).otherwise(pl.col("surname_new")),
    )
    for col in ("forename", "surname", "surname_new"):
        df = df.with_columns(pl.when(pl.col("err_lost_diacritics")).then(_strip_diacritics(pl.col(col))).otherwise(pl.col(col)).alias(col))
        df = df.with_columns(pl.when(pl.col("err_upper_case")).then(pl.col(col).str.to_uppercase()).otherwise(pl.col(col)).alias(col))
    placeholder = np.array(name_pools.PLACEHOLDER_NAMES, dtype=object)[rng.integers(0, len(name_pools.PLACEHOLDER_NAMES), n)]
    df = df.with_columns(
        forename=pl.when(pl.col("err_placeholder_name")).then(pl.lit(pl.Series(placeholder[:, 0].tolist(), dtype=pl.String))).otherwise(pl.col("forename")),
        surname=pl.when(pl.col("err_placeholder_name")).then(pl.lit(pl.Series(placeholder[:, 1].tolist(), dtype=pl.String))).otherwise(pl.col("surname")),
    )

    # --- NHS number ------------------------------------------------------------------------
    recent = df["ethnic_key"].is_in(RECENT_ARRIVAL_GROUPS).to_numpy()
    missing_rate = np.where(dup, min(0.5, rates.nhs_missing * 2.5), rates.nhs_missing) * np.where(recent, 1.4, 1.0)
    # Front-door "contact only" records: keyed in a hurry with no NHS number and little else, twice
    # as often for recent arrivals. These are the records that genuinely cannot be linked.
    sparse = rng.random(n) < np.minimum(rates.sparse_record * mult * np.where(recent, 2.0, 1.0), 0.5)
    sparse_detail = rng.random(n)
    nhs_missing = (u[13] < np.minimum(missing_rate, 0.9)) | sparse
    nhs_invalid = ~nhs_missing & flag(14, rates.nhs_invalid)
    nhs_placeholder = ~nhs_missing & ~nhs_invalid & flag(15, rates.nhs_placeholder)
    shared_count = int(round(rates.nhs_shared_records * persons_total / 20000))
    nhs_shared = np.zeros(n, dtype=bool)
    if shared_count and n:
        candidates = np.flatnonzero(~nhs_missing & ~nhs_invalid & ~nhs_placeholder)
        nhs_shared[rng.choice(candidates, size=min(shared_count, len(candidates)), replace=False)] = True
    nhs_spaced = u[16] < rates.nhs_spaced
    traced_later = nhs_missing & (u[17] < rates.nhs_traced_later)
    transposed = u[18] < 0.5
    pos = rng.integers(0, 8, n)
    shift = rng.integers(1, 10, n)
    digits = df["nhs_number"].str.split("").list.eval(pl.element().cast(pl.Int64)).list.to_array(10).to_numpy()
    bad = digits.copy()
    rows = np.arange(n)
    a, b = bad[rows, pos].copy(), bad[rows, pos + 1].copy()
    # Transposing equal digits changes nothing; fall back to a wrong check digit there.
    really_transposed = transposed & (a != b)
    bad[rows[really_transposed], pos[really_transposed]] = b[really_transposed]
    bad[rows[really_transposed], pos[really_transposed] + 1] = a[really_transposed]
    wrong_check = ~really_transposed
    bad[wrong_check, 9] = (bad[wrong_check, 9] + shift[wrong_check]) % 10
    bad_str = pl.Series((bad @ (10 ** np.arange(9, -1, -1, dtype=np.int64)))).cast(pl.String).str.zfill(10)
    shared_number = df["nhs_number"][int(rng.integers(0, n))] if n else ""
    placeholders = np.array(PLACEHOLDER_NHS, dtype=object)[rng.choice(3, n, p=[0.6, 0.3, 0.1])]
    df = df.with_columns(
        err_nhs_missing=nhs_missing, err_nhs_invalid=nhs_invalid, err_nhs_placeholder=nhs_placeholder,
        err_nhs_shared=nhs_shared, err_nhs_spaced=nhs_spaced & ~nhs_missing, err_nhs_traced_later=traced_later,
        _bad=bad_str, _placeholder=pl.Series(placeholders.tolist(), dtype=pl.String),
    )
    true_nhs = pl.col("nhs_number")
    recorded = (pl.when(pl.col("err_nhs_missing")).then(None)
                .when(pl.col("err_nhs_invalid")).then(pl.col("_bad"))
                .when(pl.col("err_nhs_placeholder")).then(pl.col("_placeholder"))
                .when(pl.col("err_nhs_shared")).then(pl.lit(shared_number))
                .otherwise(true_nhs))
    df = df.with_columns(nhs_number_true=true_nhs, nhs_number=recorded)
    df = df.with_columns(
        nhs_number=pl.when(pl.col("err_nhs_spaced")).then(_spaced_nhs(pl.col("nhs_number"))).otherwise(pl.col("nhs_number")),
        nhs_number_traced=pl.when(pl.col("err_nhs_traced_later")).then(pl.col("nhs_number_true")),
    )

    # --- date of birth -----------------------------------------------------------------------
    dob = pl.lit(pl.Series(df["dob_day"].to_numpy().astype("datetime64[D]"))).cast(pl.Date)
    df = df.with_columns(_dob=dob)
    d = pl.col("_dob")
    swappable = (d.dt.day() <= 12) & (d.dt.day() != d.dt.month())
    df = df.with_columns(
        err_dob_day_month_swap=pl.lit(pl.Series(flag(19, rates.dob_day_month_swap))) & swappable,
        err_dob_default=pl.lit(pl.Series(flag(20, rates.dob_default) | (sparse & (sparse_detail >= 0.5) & (sparse_detail < 0.8)))),
        err_dob_year_off=pl.lit(pl.Series(flag(21, rates.dob_year_off))),
        err_dob_missing=pl.lit(pl.Series(flag(22, rates.dob_missing) | (sparse & (sparse_detail < 0.5)))),
    )
    year_step = pl.lit(pl.Series(np.where(u[23] < 0.5, "1y", "-1y")))
    df = df.with_columns(
        dob=pl.when(pl.col("err_dob_missing")).then(None)
        .when(pl.col("err_dob_default") | pl.col("err_official_dob")).then(pl.date(d.dt.year(), 1, 1))
        .when(pl.col("err_dob_day_month_swap")).then(pl.date(d.dt.year(), d.dt.day(), d.dt.month()))
        .when(pl.col("err_dob_year_off")).then(d.dt.offset_by(year_step))
        .otherwise(d)
    )

    # --- postcode ----------------------------------------------------------------------------
    df = df.with_columns(
        err_postcode_missing=pl.lit(pl.Series(flag(24, rates.postcode_missing) | (sparse & (u[37] < 0.4)))),
        err_sparse_record=pl.lit(pl.Series(sparse)),
        err_postcode_typo=pl.lit(pl.Series(flag(25, rates.postcode_typo))),
        err_postcode_format=pl.lit(pl.Series(flag(26, rates.postcode_format))),
        err_postcode_update=pl.lit(pl.Series(u[27] < rates.postcode_update)),
    )
    for col in ("postcode", "new_postcode"):
        pc = pl.col(col)
        pc = pl.when(pl.col("err_postcode_typo")).then(_postcode_typo(pc, pl.col("_pc_letter"))).otherwise(pc)
        pc = pl.when(pl.col("err_postcode_format")).then(_postcode_format_variant(pc, pl.col("_u_pc"))).otherwise(pc)
        pc = pl.when(pl.col("err_postcode_missing")).then(None).otherwise(pc)
        df = df.with_columns(pc.alias(col))
    df = df.with_columns(
        postcode_day=pl.when(pl.col("err_postcode_update")).then(pl.col("move_day")).otherwise(pl.lit(NEVER, pl.Int64)),
    )

    # --- sex, ethnicity, and records with nothing ---------------------------------------------
    df = df.with_columns(
        err_sex_unknown=pl.lit(pl.Series(flag(28, rates.sex_unknown))),
        err_ethnicity_not_stated=pl.lit(pl.Series(flag(29, rates.ethnicity_not_stated))),
    )
    df = df.with_columns(
        sex=pl.when(pl.col("err_sex_unknown")).then(pl.lit("U")).when(pl.col("female")).then(pl.lit("F")).otherwise(pl.lit("M")),
        ethnic_cld=pl.when(pl.col("err_ethnicity_not_stated")).then(None).otherwise(pl.col("ethnic_cld")),
        ethnic_nhs=pl.when(pl.col("err_ethnicity_not_stated")).then(None).otherwise(pl.col("ethnic_nhs")),
    )
    blank_all = pl.col("err_all_missing")
    df = df.with_columns(
        [pl.when(blank_all).then(None).otherwise(pl.col(c)).alias(c)
         for c in ("nhs_number", "nhs_number_traced", "forename", "surname", "surname_new", "dob", "postcode", "new_postcode")]
    )
    keep = ["record_id", "person_index", "is_duplicate", "nhs_number", "nhs_number_traced", "forename", "surname",
            "surname_new", "marriage_day", "dob", "sex", "ethnic_cld", "ethnic_nhs", "postcode", "new_postcode",
            "postcode_day"]
    return df.select(keep + sorted(c for c in df.columns if c.startswith("err_")))


def duplicate_records(persons_in_system: pl.DataFrame, rates: ErrorRates, rng: np.random.Generator,
                      entry_col: str, end_day: int) -> pl.DataFrame:
    """Source records for a system: one per person, plus a duplicate for some, opened on `dup_day`.

    Returns person_index, record_index (0 original, 1 duplicate), is_duplicate, dup_day.
    """
    n = persons_in_system.height
    entry = persons_in_system[entry_col].to_numpy()
    horizon = np.minimum(persons_in_system["death_day"].to_numpy(), end_day)
    has_dup = (rng.random(n) < rates.duplicate_record) & (horizon - np.maximum(entry, 0) > 60)
    lo = entry + 30
    dup_day = np.where(has_dup, lo + (rng.random(n) * np.maximum(horizon - lo, 1)).astype(np.int64), NEVER)
    base = pl.DataFrame({"person_index": persons_in_system["person_index"], "dup_day": dup_day})
    originals = base.with_columns(is_duplicate=pl.lit(False))
    duplicates = base.filter(pl.col("dup_day") < NEVER).with_columns(is_duplicate=pl.lit(True))
    return pl.concat([originals, duplicates]).sort("person_index", "is_duplicate", maintain_order=True)


def scrambled_ids(rng: np.random.Generator, count: int, digits: int) -> np.ndarray:
    """`count` distinct random-looking integers with exactly `digits` digits.

    An affine map i -> (a*i + b) mod M with a coprime to M = 9*10^(digits-1) is a bijection, so
    ids are unique without drawing from (or storing) the whole range.
    """
    modulus = 9 * 10 ** (digits - 1)
    if count > modulus:
        raise ValueError("more ids than the id space holds")
    while True:
        a = int(rng.integers(modulus // 3, modulus))
        if a % 2 and a % 3 and a % 5:
            break
    b = int(rng.integers(0, modulus))
    i = np.arange(count, dtype=np.int64)
    return 10 ** (digits - 1) + (a * i + b) % modulus


def assign_record_ids(records: pl.DataFrame, rng: np.random.Generator, prefix: str, digits: int) -> pl.DataFrame:
    """Random-looking unique ids (no order leaks which record is the duplicate)."""
    n = records.height
    numbers = scrambled_ids(rng, n, digits)[rng.permutation(n)]
    return records.with_columns(
        record_id=pl.concat_str([pl.lit(prefix), pl.Series(numbers).cast(pl.String)]),
    )

