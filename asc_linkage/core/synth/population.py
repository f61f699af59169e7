"""The simulated borough residents who touch adult social care, the trust, or both.

Each person gets a clinical profile first (it fixes age, sex, conditions and which services they
use), then an ethnic group drawn from the profile's mix, names from the group's naming traditions,
a home postcode (tilted towards deprived areas for some profiles), an optional house move, a death
date, and an entry date into each service they use. Everything is one numpy draw per attribute.

Profiles and shares (of all persons): ASC only 55% (older 78% of them, working-age 22%), MH only
35% (adult 88%, older 12%), both 10% (dementia 45%, SMI 45%, other 10%).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from . import names as name_pools
from .calendar import NEVER
from .geography import Geography, draw_postcodes

# key, CLD Release 2 label, NHS ethnic category letter, broad group, share among
# [borough, older service users, adult MH users], forename traditions, surname traditions.
ETHNIC_GROUPS = [
    ("white_british", "White: English, Welsh, Scottish, Northern Irish or British", "A", "White",
     (0.39, 0.52, 0.36), {"english": 1.0}, {"english": 1.0}),
    ("white_irish", "White: Irish", "B", "White", (0.02, 0.045, 0.025),
     {"irish": 0.7, "english": 0.3}, {"irish": 0.9, "english": 0.1}),
    ("gypsy_traveller", "White: Gypsy or Irish Traveller", "C", "White", (0.002, 0.002, 0.003),
     {"english": 0.6, "irish": 0.4}, {"english": 0.5, "irish": 0.5}),
    ("roma", "White: Roma", "C", "White", (0.003, 0.002, 0.003), {"european": 1.0}, {"european": 1.0}),
    ("white_other", "White: Any other White background", "C", "White", (0.13, 0.08, 0.10),
     {"european": 0.75, "latin_american": 0.1, "english": 0.15},
     {"european": 0.8, "latin_american": 0.1, "english": 0.1}),
    ("mixed_white_black_caribbean", "Mixed or multiple ethnic groups: White and Black Caribbean", "D",
     "Mixed", (0.03, 0.012, 0.045), {"english": 0.5, "caribbean": 0.5}, {"caribbean": 0.6, "english": 0.4}),
    ("mixed_white_black_african", "Mixed or multiple ethnic groups: White and Black African", "E",
     "Mixed", (0.015, 0.004, 0.02), {"english": 0.4, "west_african": 0.6},
     {"west_african": 0.5, "english": 0.5}),
    ("mixed_white_asian", "Mixed or multiple ethnic groups: White and Asian", "F", "Mixed",
     (0.01, 0.004, 0.01), {"english": 0.5, "south_asian": 0.5}, {"english": 0.5, "south_asian": 0.5}),
    ("mixed_other", "Mixed or multiple ethnic groups: Any other Mixed or multiple ethnic background", "G",
     "Mixed", (0.025, 0.008, 0.025), {"english": 0.5, "latin_american": 0.2, "caribbean": 0.3},
     {"english": 0.5, "latin_american": 0.2, "caribbean": 0.3}),
    ("indian", "Asian or Asian British: Indian", "H", "Asian", (0.02, 0.02, 0.015),
     {"south_asian": 1.0}, {"south_asian": 1.0}),
    ("pakistani", "Asian or Asian British: Pakistani", "J", "Asian", (0.01, 0.007, 0.008),
     {"south_asian": 1.0}, {"south_asian": 1.0}),
    ("bangladeshi", "Asian or Asian British: Bangladeshi", "K", "Asian", (0.01, 0.007, 0.01),
     {"south_asian": 1.0}, {"south_asian": 1.0}),
    ("chinese", "Asian or Asian British: Chinese", "R", "Asian", (0.015, 0.008, 0.008),
     {"chinese": 0.6, "english": 0.4}, {"chinese": 1.0}),
    ("asian_other", "Asian or Asian British: Any other Asian background", "L", "Asian",
     (0.015, 0.01, 0.012), {"south_asian": 0.7, "chinese": 0.3}, {"south_asian": 0.7, "chinese": 0.3}),
    ("black_african", "Black, Black British, Caribbean or African: African", "N", "Black",
     (0.12, 0.07, 0.15), {"west_african": 0.75, "somali": 0.25}, {"west_african": 0.75, "somali": 0.25}),
    ("black_caribbean", "Black, Black British, Caribbean or African: Caribbean", "M", "Black",
     (0.09, 0.13, 0.12), {"caribbean": 1.0}, {"caribbean": 1.0}),
    ("black_other", "Black, Black British, Caribbean or African: Any other Black, Black British or Caribbean background",
     "P", "Black", (0.04, 0.02, 0.05), {"caribbean": 0.5, "west_african": 0.3, "english": 0.2},
     {"caribbean": 0.5, "west_african": 0.3, "english": 0.2}),
    ("arab", "Other ethnic group: Arab", "S", "Other", (0.01, 0.004, 0.01), {"arab": 1.0}, {"arab": 1.0}),
    ("other", "Other ethnic group: Any other ethnic group", "S", "Other", (0.04, 0.02, 0.03),
     {"latin_american": 0.4, "arab": 0.2, "european": 0.2, "english": 0.2},
     {"latin_american": 0.4, "arab": 0.2, "european": 0.2, "english": 0.2}),
]
ETHNIC_KEYS = np.array([g[0] for g in ETHNIC_GROUPS], dtype=object)
ETHNIC_CLD_LABEL = np.array([g[1] for g in ETHNIC_GROUPS], dtype=object)
ETHNIC_NHS_LETTER = np.array([g[2] for g in ETHNIC_GROUPS], dtype=object)
ETHNIC_BROAD = np.array([g[3] for g in ETHNIC_GROUPS], dtype=object)

PROFILES = ["asc_older", "asc_younger", "mh_adult", "mh_older", "both_dementia", "both_smi", "both_other"]
PROFILE_SHARES = np.array([0.55 * 0.78, 0.55 * 0.22, 0.35 * 0.88, 0.35 * 0.12, 0.10 * 0.45, 0.10 * 0.45, 0.10 * 0.10])
IN_ASC = np.array([True, True, False, False, True, True, True])
IN_MH = np.array([False, False, True, True, True, True, True])
# Which column of the ethnic share triple each profile uses: older service users or adult MH users.
PROFILE_ETHNIC_MIX = np.array([1, 1, 2, 1, 1, 2, 2])
PROFILE_FEMALE_SHARE = np.array([0.62, 0.48, 0.54, 0.60, 0.63, 0.42, 0.55])
PROFILE_LIVES_ALONE = np.array([0.48, 0.35, 0.30, 0.45, 0.40, 0.45, 0.35])
# Residents' share placed out of borough or with a postcode outside the lookup.
OUT_OF_BOROUGH_SHARE = 0.03
MOVE_SHARE = 0.18
# Mortality: annual hazard exp(a + b*age), times multipliers for dementia and SMI.
MORTALITY_INTERCEPT, MORTALITY_AGE_SLOPE = -9.9, 0.095
MORTALITY_DEMENTIA, MORTALITY_SMI = 2.0, 1.8
# Share of each service's users whose contact began before the simulated window (long-known people).
ALREADY_KNOWN_SHARE = {"asc": 0.35, "mh": 0.40}

# Share of each naming tradition with a second genuine name that one system holds instead.
ALTERNATE_IDENTITY_SHARE = {"chinese": 0.35, "somali": 0.30, "west_african": 0.15, "arab": 0.15, "south_asian": 0.10,
                            "latin_american": 0.08, "european": 0.03}
# Share of Black African, Arab and other recent-arrival residents whose official birthday is 1 January.
REFUGEE_DOB_SHARE = 0.08

MH_PRIMARY = np.array(["smi", "dementia", "depression", "anxiety", "personality", "substance", "other"], dtype=object)


@dataclass(frozen=True)
class SimWindow:
    start: int          # first simulated day (day number)
    end: int            # last quarter end (day number)
    visible_from: int   # first day of the first drop's rolling 12 months


def _zipf_choice(rng: np.random.Generator, size: int, pool_size: int) -> np.ndarray:
    # Real name frequencies are heavy-tailed; a few common names give linkage realistic u-values.
    ranks = np.arange(pool_size)
    weights = 1.0 / (ranks + 4.0) ** 0.9
    return rng.choice(pool_size, size=size, p=weights / weights.sum())


# Every pool concatenated once, so names are drawn as integer positions and gathered by polars.
_POOL_KEYS = [(t, k) for t in name_pools.TRADITION_NAMES for k in ("male", "female", "surname")]
_POOL_OFFSETS = np.cumsum([0] + [len(name_pools.NAME_TRADITIONS[t][k]) for t, k in _POOL_KEYS])
ALL_NAMES = pl.Series("name", np.concatenate([name_pools.NAME_TRADITIONS[t][k] for t, k in _POOL_KEYS]).tolist(),
                      dtype=pl.String)
KIND_MALE, KIND_FEMALE, KIND_SURNAME = 0, 1, 2


def _draw_tradition(rng: np.random.Generator, ethnic_index: np.ndarray, which: int) -> np.ndarray:
    """Index into name_pools.TRADITION_NAMES for each person, from the ethnic group's mix."""
    out = np.zeros(len(ethnic_index), dtype=np.int64)
    for g, group in enumerate(ETHNIC_GROUPS):
        members = np.flatnonzero(ethnic_index == g)
        if len(members) == 0:
            continue
        mix = group[5 + which]
        codes = np.array([name_pools.TRADITION_NAMES.index(k) for k in mix])
        probs = np.array(list(mix.values()))
        out[members] = codes[rng.choice(len(codes), len(members), p=probs / probs.sum())]
    return out


def _draw_names(rng: np.random.Generator, tradition: np.ndarray, kind: np.ndarray) -> np.ndarray:
    """Positions in ALL_NAMES; within a pool, earlier names are commoner."""
    out = np.zeros(len(tradition), dtype=np.int64)
    pool_number = tradition * 3 + kind
    for pool in np.unique(pool_number):
        members = np.flatnonzero(pool_number == pool)
        size = _POOL_OFFSETS[pool + 1] - _POOL_OFFSETS[pool]
        out[members] = _POOL_OFFSETS[pool] + _zipf_choice(rng, len(members), size)
    return out


def nhs_check_digit(first_nine: np.ndarray) -> np.ndarray:
    """Modulus 11 check digit for rows of 9 digits; 10 means no valid number exists."""
    weights = np.arange(10, 1, -1)
    check = 11 - (first_nine @ weights) % 11
    return np.where(check == 11, 0, check)


def valid_nhs_numbers(rng: np.random.Generator, count: int) -> np.ndarray:
    """Unique valid 10-digit NHS numbers (first digit 4, 6 or 7: issued ranges, not the 999 test range)."""
    collected: list[np.ndarray] = []
    have = 0
    seen = np.empty(0, dtype=np.int64)
    while have < count:
        batch = int((count - have) * 1.15) + 16
        digits = rng.integers(0, 10, size=(batch, 9))
        digits[:, 0] = rng.choice([4, 6, 7], size=batch)
        check = nhs_check_digit(digits)
        ok = check != 10
        full = np.concatenate([digits[ok], check[ok, None]], axis=1)
        as_int = full @ (10 ** np.arange(9, -1, -1, dtype=np.int64))
        as_int = np.setdiff1d(np.unique(as_int), seen)
        as_int = rng.permutation(as_int)[: count - have]
        seen = np.concatenate([seen, as_int])
        collected.append(as_int)
        have += len(as_int)
    numbers = np.concatenate(collected)
    return pl.Series("nhs_number", numbers).cast(pl.String).str.zfill(10)


def build_population(rng: np.random.Generator, persons: int, geography: Geography, window: SimWindow,
                     second_identities: bool = True) -> pl.DataFrame:
    """`second_identities=False`: nobody has a second genuine name or an official 1 January birthday
    (the same draws are made, so everything else is as with them)."""
    n = persons
    profile = rng.choice(len(PROFILES), size=n, p=PROFILE_SHARES / PROFILE_SHARES.sum())
    in_asc, in_mh = IN_ASC[profile], IN_MH[profile]

    shares = np.array([g[4] for g in ETHNIC_GROUPS])
    ethnic = np.empty(n, dtype=np.int64)
    for mix in (1, 2):
        members = np.flatnonzero(PROFILE_ETHNIC_MIX[profile] == mix)
        p = shares[:, mix] / shares[:, mix].sum()
        ethnic[members] = rng.choice(len(ETHNIC_GROUPS), size=len(members), p=p)
    broad = ETHNIC_BROAD[ethnic]
    is_black = broad == "Black"

    # Ages at the last quarter end, by profile.
    age = np.empty(n)
    draws = {
        0: lambda k: 65 + rng.gamma(2.5, 7.0, k),
        1: lambda k: 18 + 46 * rng.beta(1.6, 1.2, k),
        2: lambda k: 18 + rng.gamma(2.2, 8.5, k),
        3: lambda k: 65 + rng.gamma(2.0, 6.0, k),
        4: lambda k: 65 + rng.gamma(2.2, 6.5, k),
        5: lambda k: 20 + rng.gamma(3.0, 9.0, k),
        6: lambda k: 18 + rng.gamma(2.5, 11.0, k),
    }
    for p_index, draw in draws.items():
        members = np.flatnonzero(profile == p_index)
        age[members] = draw(len(members))
    age = np.clip(age, 18.0, 104.9)

    u = rng.random((8, n))
    dementia = ((profile == 0) & (u[0] < 0.18)) | ((profile == 3) & (u[0] < 0.65)) | (profile == 4)
    smi = (((profile == 2) & (u[1] < 0.30)) | ((profile == 3) & (u[1] < 0.10)) | (profile == 5)
           | ((profile == 1) & (u[1] < 0.03))) & ~dementia
    learning_disability = (profile == 1) & (u[2] < 0.28) & ~smi
    female = u[3] < np.where(smi, 0.42, PROFILE_FEMALE_SHARE[profile])
    lives_alone = u[4] < PROFILE_LIVES_ALONE[profile]

    # The trust's main reason for knowing each MH user.
    other_mh = rng.choice(np.arange(2, 7), size=n, p=[0.40, 0.25, 0.12, 0.13, 0.10])
    mh_primary = np.where(smi, 0, np.where(dementia, 1, other_mh))

    tilt = np.round(0.05 + 0.25 * smi + 0.15 * is_black + 0.10 * (profile == 1) + 0.10 * (profile == 2), 2)
    postcode, decile = draw_postcodes(rng, geography, tilt, OUT_OF_BOROUGH_SHARE)
    moves = u[5] < MOVE_SHARE
    move_day = np.where(moves, rng.integers(window.start, window.end, n), NEVER)
    new_postcode, new_decile = draw_postcodes(rng, geography, tilt, OUT_OF_BOROUGH_SHARE)

    # Dates of birth: age at the window end, so a uniform day within the birth year.
    dob = (window.end - np.floor(age * 365.25) - rng.integers(0, 365, n)).astype(np.int64)
    age_at_end = (window.end - dob) / 365.25

    def entry_days(share_known: float, new_from: int) -> np.ndarray:
        known = rng.random(n) < share_known
        before = new_from - rng.integers(1, 4 * 365, n)
        during = rng.integers(new_from, window.end - 14, n)
        return np.where(known, before, during)

    # Council drops only show the rolling 12 months, so new social care users arrive from the first
    # window (earlier, short journeys would be invisible); long-known ones have ongoing support.
    asc_entry = np.where(in_asc, entry_days(ALREADY_KNOWN_SHARE["asc"], window.visible_from), NEVER)
    mh_entry = np.where(in_mh, entry_days(ALREADY_KNOWN_SHARE["mh"], window.start), NEVER)
    # People with dementia are usually diagnosed by the memory service before social care starts.
    both_dem = (profile == 4) & (u[6] < 0.7)
    asc_entry = np.where(both_dem, np.minimum(mh_entry + rng.integers(30, 540, n), window.end - 14), asc_entry)
    first_entry = np.minimum(asc_entry, mh_entry)

    # Everyone simulated is alive when the first drop's window opens (they touch a service in a drop).
    at_risk_from = np.maximum(first_entry, window.visible_from)
    age_at_entry = (at_risk_from - dob) / 365.25
    hazard = np.exp(MORTALITY_INTERCEPT + MORTALITY_AGE_SLOPE * age_at_entry)
    hazard *= np.where(dementia, MORTALITY_DEMENTIA, 1.0) * np.where(smi, MORTALITY_SMI, 1.0)
    death_after = rng.exponential(365.25 / hazard)
    death_day = at_risk_from + 30 + death_after.astype(np.int64)
    death_day = np.where(death_day <= window.end, death_day, NEVER)

    forename_tradition = _draw_tradition(rng, ethnic, 0)
    surname_tradition = _draw_tradition(rng, ethnic, 1)
    forename = ALL_NAMES.gather(_draw_names(rng, forename_tradition, np.where(female, KIND_FEMALE, KIND_MALE)))
    surname_kind = np.full(n, KIND_SURNAME)
    first_surname_pos = _draw_names(rng, surname_tradition, surname_kind)
    second_surname_pos = _draw_names(rng, surname_tradition, surname_kind)
    # Double-barrelled surnames, mostly in anglophone traditions.
    anglophone = np.isin(surname_tradition, [name_pools.TRADITION_NAMES.index(t) for t in ("english", "caribbean", "irish")])
    double = anglophone & (u[7] < 0.03) & (first_surname_pos != second_surname_pos)
    surname = pl.select(
        pl.when(pl.lit(pl.Series(double)))
        .then(pl.concat_str([pl.lit(ALL_NAMES.gather(first_surname_pos)), pl.lit(ALL_NAMES.gather(second_surname_pos))], separator="-"))
        .otherwise(pl.lit(ALL_NAMES.gather(first_surname_pos)))
    ).to_series()

    # Marriage during the window: a new surname from the date of marriage.
    marries = female & (age_at_end < 60) & (rng.random(n) < 0.06)
    married_surname = pl.select(
        pl.when(pl.lit(pl.Series(marries))).then(pl.lit(ALL_NAMES.gather(_draw_names(rng, surname_tradition, surname_kind))))
    ).to_series()
    marriage_day = np.where(marries, rng.integers(window.start, window.end, n), NEVER)
    tradition_names = pl.Series(name_pools.TRADITION_NAMES, dtype=pl.String)

    # A second genuine identity detail that one of the two systems holds instead (never an error:
    # both are the person's). Chinese residents' English names and West Africans' Christian names,
    # another patronymic for Somali and Arab names, a maternal surname for Latin Americans, a middle
    # name in everyday use; and refugees' official 1 January birthdays. Which system has it is random.
    tradition_key = np.array(name_pools.TRADITION_NAMES, dtype=object)[surname_tradition]
    alt_share = np.array([ALTERNATE_IDENTITY_SHARE.get(t, 0.02) for t in name_pools.TRADITION_NAMES])[surname_tradition]
    has_alt = (rng.random(n) < alt_share) & second_identities
    english = name_pools.TRADITION_NAMES.index("english")
    alt_kind_forename = np.isin(tradition_key, ["chinese", "west_african", "south_asian", "english", "irish", "caribbean", "european"])
    english_given = np.isin(tradition_key, ["chinese", "west_african"])
    alt_forename_pos = _draw_names(rng, np.where(english_given, english, forename_tradition), np.where(female, KIND_FEMALE, KIND_MALE))
    alt_surname_pos = _draw_names(rng, surname_tradition, surname_kind)
    alt_forename = pl.select(pl.when(pl.lit(pl.Series(has_alt & alt_kind_forename))).then(pl.lit(ALL_NAMES.gather(alt_forename_pos)))).to_series()
    alt_surname = pl.select(pl.when(pl.lit(pl.Series(has_alt & ~alt_kind_forename))).then(pl.lit(ALL_NAMES.gather(alt_surname_pos)))).to_series()
    refugee_dob = np.isin(ETHNIC_KEYS[ethnic], ["black_african", "arab", "other", "asian_other"]) & (rng.random(n) < REFUGEE_DOB_SHARE) & second_identities
    system_of_alt = np.where(rng.random(n) < 0.5, "asc", "mh").astype(object)

    return pl.DataFrame({
        "person_index": np.arange(n, dtype=np.int64),
        "true_person_id": "TP" + pl.Series(np.arange(n)).cast(pl.String).str.zfill(7),
        "profile": pl.Series(PROFILES).gather(profile),
        "in_asc": in_asc, "in_mh": in_mh,
        "ethnic_key": pl.Series(ETHNIC_KEYS.tolist()).gather(ethnic),
        "ethnic_broad": pl.Series(ETHNIC_BROAD.tolist()).gather(ethnic),
        "ethnic_cld": pl.Series(ETHNIC_CLD_LABEL.tolist()).gather(ethnic),
        "ethnic_nhs": pl.Series(ETHNIC_NHS_LETTER.tolist()).gather(ethnic),
        "female": female,
        "dob_day": dob,
        "age_at_end": age_at_end,
        "dementia": dementia, "smi": smi, "learning_disability": learning_disability,
        "lives_alone": lives_alone,
        "mh_primary": pl.Series(MH_PRIMARY.tolist()).gather(mh_primary).to_frame().select(
            pl.when(pl.lit(pl.Series(in_mh))).then(pl.first())).to_series(),
        "postcode": geography.all_postcodes.gather(postcode), "imd_decile": decile.astype(np.int64),
        "move_day": move_day.astype(np.int64),
        "new_postcode": geography.all_postcodes.gather(new_postcode), "new_imd_decile": new_decile.astype(np.int64),
        "death_day": death_day.astype(np.int64),
        "asc_entry_day": asc_entry.astype(np.int64), "mh_entry_day": mh_entry.astype(np.int64),
        "forename": forename, "surname": surname,
        "forename_tradition": tradition_names.gather(forename_tradition),
        "surname_tradition": tradition_names.gather(surname_tradition),
        "married_surname": married_surname,
        "marriage_day": marriage_day.astype(np.int64),
        "nhs_number": valid_nhs_numbers(rng, n),
        "alt_forename": alt_forename.alias("alt_forename"), "alt_surname": alt_surname.alias("alt_surname"),
        "alt_in": pl.Series(np.where(has_alt, system_of_alt, None).tolist(), dtype=pl.String),
        "official_dob_in": pl.Series(np.where(refugee_dob, system_of_alt, None).tolist(), dtype=pl.String),
    })
