"""The trust's clinical history for every MH user: referrals, contacts, spells, MHA, diagnoses.

Built per person with numpy draws, no per-person loops. All dates are day numbers; a blank
(open) end is ``NEVER``. The writer cuts full snapshots at each quarter end from these tables.

Built-in signals (sizes are the generator's parameters; the indicator code should recover them):

* crisis rate per person-year by main condition: SMI 0.30, personality disorder 0.25, substance
  0.12, depression 0.06, other 0.05, anxiety 0.03, dementia 0.03; times
  ``exp(0.10 * (5 - IMD decile))`` (decile 1: x1.49, decile 10: x0.61) and x1.3 for Black residents.
  A crisis opens a crisis referral (reason 18; team A02/A19/A22/A23/A25/A18) with home-treatment
  contacts; 45% (SMI 55%) are admitted (emergency methods 21/22/24/25/28).
* pre-crisis escalation (signal a): in the 90 days before a crisis each person gets extra contacts,
  Poisson(3.0) in days 1-30 before and Poisson(1.5) in days 31-90 before, on top of the routine
  rate (CMHT ~1.2 a month), and in 35% of crises a new routine referral opens 10-80 days before.
  Measured (seed 42, 20,000 persons, last drop): routine-team contacts per 30 days are 3.1 in the
  30 days before a first crisis, 1.7 in days 31-90 and 1.0 in days 181-365 (x3.0); new non-crisis
  referrals in the 90 days before are x2.3 the rate a year earlier.
* MHA (signal c): P(detention | admission) 0.35, x1.8 for Black residents (0.63); police-sourced
  crises (E1; 12%, Black 25%) go through a place of safety (S136, code 20) first in 60% of cases.
  Together with the higher crisis rate and more SMI, Black residents are detained x2.2 as often as
  White residents per person known to the trust, and x2.9 per simulated resident (200,000 persons).
* deprivation (signal c): crises per MH user fall from 1.04 (decile 1) to 0.18 (decile 10) over the
  simulated years, the rate gradient compounded by SMI and Black residents living in more deprived
  areas (``population`` tilts their postcodes).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from .calendar import NEVER
from .draws import choose, choose_by, lookup, repeat_rank

CRISIS_RATE = {"smi": 0.30, "personality": 0.25, "substance": 0.12, "depression": 0.06, "other": 0.05,
               "anxiety": 0.03, "dementia": 0.03}
DEPRIVATION_SLOPE = 0.10
BLACK_CRISIS_MULTIPLIER = 1.3
ADMISSION_PROBABILITY = {"smi": 0.55, "default": 0.45, "dementia": 0.30}
DETENTION_GIVEN_ADMISSION = 0.35
BLACK_DETENTION_MULTIPLIER = 1.8
PRE_CRISIS_CONTACTS_0_30 = 3.0
PRE_CRISIS_CONTACTS_31_90 = 1.5
PRE_CRISIS_NEW_REFERRAL = 0.35
# Contacts from before the simulated window are not in the extract (the trust migrated systems then).
CONTACT_HISTORY_DAYS = 0

# (team, share) by main condition for routine referrals.
ROUTINE_TEAMS = {
    "smi": (["A06", "A14", "A08", "A09", "A10"], [0.62, 0.18, 0.10, 0.05, 0.05]),
    "dementia": (["A17", "A07"], [0.75, 0.25]),
    "depression": (["A06", "A13", "A05", "A12"], [0.40, 0.35, 0.15, 0.10]),
    "anxiety": (["A13", "A05", "A06"], [0.50, 0.30, 0.20]),
    "personality": (["A16", "A06", "A12"], [0.50, 0.40, 0.10]),
    "substance": (["D01", "A06"], [0.65, 0.35]),
    "other": (["A06", "A11", "A13", "C10"], [0.45, 0.20, 0.25, 0.10]),
}
ROUTINE_REASONS = {
    "smi": (["02", "01", "03"], [0.60, 0.20, 0.20]),
    "dementia": (["08"], [1.0]),
    "depression": (["04", "15"], [0.85, 0.15]),
    "anxiety": (["05", "06", "11", "07"], [0.60, 0.15, 0.20, 0.05]),
    "personality": (["14", "15"], [0.70, 0.30]),
    "substance": (["09"], [1.0]),
    "other": (["23", "11", "12", "24", "19"], [0.35, 0.20, 0.15, 0.15, 0.15]),
}
# Routine referral length: lognormal median days and sigma.
REFERRAL_LENGTH = {"smi": (500, 0.8), "dementia": (150, 0.7), "default": (160, 0.7)}
# Contacts per 30 days by team type.
CONTACT_RATE = {"A06": 1.2, "A14": 3.0, "A08": 3.5, "A09": 2.0, "A10": 1.0, "A17": 0.4, "A07": 0.8,
                "A13": 2.5, "A05": 1.5, "A12": 2.0, "A16": 2.0, "D01": 2.0, "A11": 0.5, "C10": 2.5,
                "A02": 14.0, "A19": 1.5, "A22": 2.0, "A23": 2.0, "A25": 10.0, "A18": 1.0}
CRISIS_TEAMS = (["A02", "A19", "A22", "A23", "A25", "A18"], [0.60, 0.10, 0.10, 0.08, 0.05, 0.07])
ROUTINE_SOURCES = (["A1", "M7", "B1", "B2", "C1", "H2", "A3", "P1", "H1", "E1"],
                   [0.50, 0.15, 0.05, 0.04, 0.06, 0.06, 0.05, 0.05, 0.03, 0.01])
CRISIS_SOURCES = (["H1", "E1", "A1", "B1", "B2", "M7", "P1", "C1", "M2"],
                  [0.30, 0.12, 0.12, 0.10, 0.08, 0.10, 0.10, 0.05, 0.03])
ATTENDANCE = (["5", "6", "7", "3", "2", "4"], [0.72, 0.03, 0.01, 0.12, 0.06, 0.06])
PRE_CRISIS_ATTENDANCE = (["5", "6", "7", "3", "2", "4"], [0.62, 0.03, 0.02, 0.20, 0.07, 0.06])
MEDIUM = (["01", "02", "11", "98"], [0.70, 0.22, 0.06, 0.02])
ADMISSION_METHODS = (["21", "25", "22", "24", "28"], [0.45, 0.20, 0.10, 0.10, 0.15])
DIAGNOSES = {
    "smi": (["F20.0", "F20.9", "F25.0", "F25.1", "F31.1", "F31.2", "F31.6", "F32.3", "F33.3", "F23.0", "F29", "F22.0"],
            [0.30, 0.10, 0.08, 0.04, 0.08, 0.06, 0.04, 0.06, 0.03, 0.05, 0.08, 0.08]),
    "dementia": (["F00.1", "F00.9", "G30.1", "F01.9", "F03", "F02.3", "F05.1"], [0.30, 0.10, 0.10, 0.15, 0.25, 0.05, 0.05]),
    "depression": (["F32.1", "F32.2", "F33.1", "F32.9"], [0.30, 0.20, 0.30, 0.20]),
    "anxiety": (["F41.1", "F41.2", "F43.1", "F42"], [0.40, 0.30, 0.20, 0.10]),
    "personality": (["F60.3", "F60.2", "F61"], [0.70, 0.15, 0.15]),
    "substance": (["F10.2", "F10.1", "F19.2", "F12.2"], [0.50, 0.10, 0.20, 0.20]),
    "other": (["F43.2", "F84.0", "F90.0", "F50.0", "F06.7", "F99"], [0.30, 0.10, 0.20, 0.10, 0.10, 0.20]),
}
SECONDARY_DIAGNOSES = (["F10.2", "F12.2", "F41.1", "F32.1", "F60.3"], [0.35, 0.25, 0.15, 0.15, 0.10])
DISCHARGE_DESTINATIONS = (["19", "29", "54", "85", "49", "65"], [0.80, 0.06, 0.03, 0.05, 0.03, 0.03])


@dataclass(frozen=True)
class MhHistory:
    referrals: pl.DataFrame     # person_index, referral_seq, received, discharge, source, reason, team, kind
    contacts: pl.DataFrame      # person_index, referral_seq, contact_day, team, attendance, medium
    spells: pl.DataFrame        # person_index, admission, discharge, method, bed_type, destination
    mha: pl.DataFrame           # person_index, legal_status, start, end
    diagnoses: pl.DataFrame     # person_index, diagnosis_day, icd10_code, diagnosis_type
    crises: pl.DataFrame        # person_index, crisis_day, admitted, admission_day, discharge_day










def _open_after(end: np.ndarray, window_end: int) -> np.ndarray:
    """An end after the last quarter end has not happened yet: open."""
    return np.where(end > window_end, NEVER, end)


def _strs(values: np.ndarray) -> pl.Series:
    return pl.Series(values.tolist(), dtype=pl.String)


def build_mh_history(rng: np.random.Generator, persons: pl.DataFrame, window_start: int, window_end: int) -> MhHistory:
    mh = persons.filter(pl.col("in_mh"))
    pid = mh["person_index"].to_numpy()
    n = len(pid)
    primary = mh["mh_primary"].to_numpy().astype(object)
    entry = mh["mh_entry_day"].to_numpy()
    death = mh["death_day"].to_numpy()
    horizon = np.minimum(death, window_end)
    decile = mh["imd_decile"].to_numpy()
    black = (mh["ethnic_broad"] == "Black").to_numpy()
    age_end = mh["age_at_end"].to_numpy()
    span_years = np.maximum(horizon - entry, 1) / 365.25

    # --- routine referrals --------------------------------------------------------------------
    extra_rate = np.where(primary == "smi", 0.5, 0.3)
    n_extra = rng.poisson(extra_rate * span_years)
    owner, rank = repeat_rank(1 + n_extra)
    received = np.where(rank == 0, entry[owner],
                        entry[owner] + (rng.random(len(owner)) * np.maximum(horizon[owner] - entry[owner], 1)).astype(np.int64))
    r_primary = primary[owner]
    team = choose_by(rng, ROUTINE_TEAMS, r_primary)
    # Early intervention is for young people's first episode.
    young = (age_end[owner] - (window_end - received) / 365.25) < 36
    team = np.where((team == "A14") & ~young, "A06", team)
    reason = choose_by(rng, ROUTINE_REASONS, r_primary)
    reason = np.where(team == "A14", "01", reason)
    median = lookup(r_primary, {k: v[0] for k, v in REFERRAL_LENGTH.items()}, REFERRAL_LENGTH["default"][0])
    sigma = lookup(r_primary, {k: v[1] for k, v in REFERRAL_LENGTH.items()}, REFERRAL_LENGTH["default"][1])
    length = np.exp(np.log(median) + sigma * rng.standard_normal(len(owner))).astype(np.int64) + 7
    discharge = received + length
    discharge = np.where(discharge > death[owner], death[owner], discharge)
    discharge = np.where(discharge > window_end, NEVER, discharge)
    routine = {
        "owner": owner, "received": received, "discharge": discharge, "team": team, "reason": reason,
        "source": choose(rng, ROUTINE_SOURCES, len(owner)), "kind": np.full(len(owner), "routine", dtype=object),
    }

    # --- crises ---------------------------------------------------------------------------------
    crisis_start = np.maximum(entry, window_start - 365)
    crisis_years = np.maximum(horizon - crisis_start, 0) / 365.25
    base = lookup(primary, CRISIS_RATE, 0.05)
    deprivation = np.exp(DEPRIVATION_SLOPE * (5 - np.where(decile == 0, 5, decile)))
    rate = base * deprivation * np.where(black, BLACK_CRISIS_MULTIPLIER, 1.0)
    n_crises = rng.poisson(rate * crisis_years)
    c_owner, _ = repeat_rank(n_crises)
    c_day = crisis_start[c_owner] + (rng.random(len(c_owner)) * np.maximum(horizon[c_owner] - crisis_start[c_owner], 1)).astype(np.int64)
    m = len(c_owner)
    c_primary = primary[c_owner]
    c_black = black[c_owner]
    crisis_team = choose(rng, CRISIS_TEAMS, m)
    source = choose(rng, CRISIS_SOURCES, m)
    police = rng.random(m) < np.where(c_black, 0.25, 0.12)
    source = np.where(police, "E1", np.where(source == "E1", "H1", source))
    crisis_len = rng.integers(7, 43, m)
    crisis_discharge = np.minimum(c_day + crisis_len, death[c_owner])
    crisis_discharge = np.where(crisis_discharge > window_end, NEVER, crisis_discharge)
    crisis_refs = {
        "owner": c_owner, "received": c_day, "discharge": crisis_discharge, "team": crisis_team,
        "reason": np.full(m, "18", dtype=object), "source": source, "kind": np.full(m, "crisis", dtype=object),
    }

    # Pre-crisis escalation: sometimes a new routine referral shortly before the crisis.
    pre_new = rng.random(m) < PRE_CRISIS_NEW_REFERRAL
    p_idx = np.flatnonzero(pre_new)
    p_received = c_day[p_idx] - rng.integers(10, 81, len(p_idx))
    pre_refs = {
        "owner": c_owner[p_idx], "received": p_received,
        "discharge": _open_after(np.minimum(c_day[p_idx] + rng.integers(0, 31, len(p_idx)), death[c_owner[p_idx]]), window_end),
        "team": choose_by(rng, ROUTINE_TEAMS, c_primary[p_idx]),
        "reason": choose_by(rng, ROUTINE_REASONS, c_primary[p_idx]),
        "source": choose(rng, (["A1", "B2", "B1", "C1"], [0.6, 0.2, 0.1, 0.1]), len(p_idx)),
        "kind": np.full(len(p_idx), "pre_crisis", dtype=object),
    }

    # --- admissions and MHA -----------------------------------------------------------------------
    p_admit = np.where(c_primary == "smi", ADMISSION_PROBABILITY["smi"],
                       np.where(c_primary == "dementia", ADMISSION_PROBABILITY["dementia"], ADMISSION_PROBABILITY["default"]))
    admitted = rng.random(m) < p_admit
    a_idx = np.flatnonzero(admitted)
    a_owner = c_owner[a_idx]
    admission = np.minimum(c_day[a_idx] + rng.integers(0, 4, len(a_idx)), horizon[a_owner])
    los = np.exp(np.log(28) + 0.8 * rng.standard_normal(len(a_idx))).astype(np.int64) + 1
    a_discharge = admission + los
    died_in = a_discharge >= death[a_owner]
    a_discharge = np.where(died_in, death[a_owner], a_discharge)
    a_discharge = np.where(a_discharge > window_end, NEVER, a_discharge)
    a_age = age_end[a_owner] - (window_end - admission) / 365.25
    picu = rng.random(len(a_idx)) < 0.12
    bed = np.where(a_age >= 65, "201", np.where(picu, "202", "200"))
    destination = np.where(died_in, "79", choose(rng, DISCHARGE_DESTINATIONS, len(a_idx)))
    spells = pl.DataFrame({
        "person_index": pid[a_owner], "admission": admission, "discharge": a_discharge,
        "method": _strs(choose(rng, ADMISSION_METHODS, len(a_idx))), "bed_type": _strs(bed),
        "destination": _strs(np.where(a_discharge == NEVER, None, destination)),
    })

    detain_p = np.minimum(DETENTION_GIVEN_ADMISSION * np.where(c_black[a_idx], BLACK_DETENTION_MULTIPLIER, 1.0), 0.9)
    detained = rng.random(len(a_idx)) < detain_p
    d_idx = np.flatnonzero(detained)
    section = choose(rng, (["02", "03", "04", "05", "06"], [0.62, 0.28, 0.03, 0.05, 0.02]), len(d_idx))
    forensic = (rng.random(len(d_idx)) < 0.01) & (c_primary[a_idx][d_idx] == "smi")
    section = np.where(forensic, choose(rng, (["10", "09"], [0.7, 0.3]), len(d_idx)), section)
    s_start = admission[d_idx]
    limit = {"02": 28, "04": 3, "05": 3, "06": 1}
    s_len = lookup(section, limit, 180).astype(np.int64)
    s_end = np.minimum(s_start + s_len, a_discharge[d_idx])
    s_end = np.where(s_end > window_end, NEVER, s_end)
    mha_parts = [pl.DataFrame({"person_index": pid[a_owner[d_idx]], "legal_status": _strs(section),
                               "start": s_start, "end": s_end})]
    # A section 2 is often converted to a section 3 for the rest of the stay.
    to_s3 = (section == "02") & (rng.random(len(d_idx)) < 0.35) & (a_discharge[d_idx] > s_start + 28)
    t_idx = np.flatnonzero(to_s3)
    s3_start = s_start[t_idx] + 28
    s3_end = np.where(a_discharge[d_idx][t_idx] > window_end, NEVER, a_discharge[d_idx][t_idx])
    mha_parts.append(pl.DataFrame({"person_index": pid[a_owner[d_idx][t_idx]], "legal_status": "03",
                                   "start": s3_start, "end": s3_end}))
    # Informal admissions are recorded as legal status 01 for part of the trust.
    informal = ~detained & (rng.random(len(a_idx)) < 0.5)
    i_idx = np.flatnonzero(informal)
    mha_parts.append(pl.DataFrame({"person_index": pid[a_owner[i_idx]], "legal_status": "01",
                                   "start": admission[i_idx], "end": a_discharge[i_idx]}))
    # Police place-of-safety (S136) before assessment, with or without admission.
    pos = (source == "E1") & (rng.random(m) < 0.6)
    pos_idx = np.flatnonzero(pos)
    pos_start = c_day[pos_idx]
    mha_parts.append(pl.DataFrame({
        "person_index": pid[c_owner[pos_idx]], "legal_status": "20",
        "start": pos_start, "end": np.where(pos_start + 1 > window_end, NEVER, pos_start + 1),
    }))
    mha = pl.concat(mha_parts).with_columns(pl.col("start", "end").cast(pl.Int64))

    # --- referrals table ------------------------------------------------------------------------
    def refs_frame(parts: dict) -> pl.DataFrame:
        return pl.DataFrame({
            "person_index": pid[parts["owner"]], "received": parts["received"].astype(np.int64),
            "discharge": parts["discharge"].astype(np.int64), "source": _strs(parts["source"]),
            "reason": _strs(parts["reason"]), "team": _strs(parts["team"]), "kind": _strs(parts["kind"]),
        })
    referrals = pl.concat([refs_frame(routine), refs_frame(crisis_refs), refs_frame(pre_refs)])
    referrals = referrals.sort("person_index", "received", "kind", maintain_order=True).with_columns(
        referral_seq=pl.int_range(pl.len()).cast(pl.Int64)
    )

    # --- contacts -----------------------------------------------------------------------------------
    ref_team = referrals["team"].to_numpy().astype(object)
    ref_start = np.maximum(referrals["received"].to_numpy(), window_start - CONTACT_HISTORY_DAYS)
    ref_stop = np.minimum(referrals["discharge"].to_numpy(), window_end)
    ref_stop = np.minimum(ref_stop, persons["death_day"].to_numpy()[referrals["person_index"].to_numpy()])
    ref_days = np.maximum(ref_stop - ref_start, 0)
    rate = lookup(ref_team, CONTACT_RATE, 1.0)
    n_contacts = rng.poisson(rate * ref_days / 30.0)
    k_owner, _ = repeat_rank(n_contacts)
    k_day = ref_start[k_owner] + (rng.random(len(k_owner)) * ref_days[k_owner]).astype(np.int64)
    routine_contacts = pl.DataFrame({
        "person_index": referrals["person_index"].to_numpy()[k_owner], "referral_seq": k_owner.astype(np.int64),
        "contact_day": k_day, "pre_crisis": np.zeros(len(k_owner), dtype=bool),
    })

    # Pre-crisis contacts, attached to the referral open at that time (the pre-crisis one if made).
    n_near = rng.poisson(PRE_CRISIS_CONTACTS_0_30, m)
    n_far = rng.poisson(PRE_CRISIS_CONTACTS_31_90, m)
    near_owner, _ = repeat_rank(n_near)
    far_owner, _ = repeat_rank(n_far)
    pc_crisis = np.concatenate([near_owner, far_owner])
    pc_day = np.concatenate([c_day[near_owner] - rng.integers(1, 31, len(near_owner)),
                             c_day[far_owner] - rng.integers(31, 91, len(far_owner))])
    pre_contacts = pl.DataFrame({"person_index": pid[c_owner[pc_crisis]], "contact_day": pc_day.astype(np.int64)})
    pre_contacts = pre_contacts.filter(pl.col("contact_day") >= window_start - CONTACT_HISTORY_DAYS)
    open_refs = (referrals.filter(pl.col("kind") != "crisis")
                 .select("person_index", "referral_seq", pl.col("received").alias("contact_day"), "discharge")
                 .sort("contact_day", maintain_order=True))
    pre_contacts = pre_contacts.sort("contact_day", maintain_order=True).join_asof(
        open_refs, on="contact_day", by="person_index", strategy="backward", check_sortedness=False)
    # A contact before any referral (or after the last one closed) opens the crisis referral early.
    crisis_lookup = (referrals.filter(pl.col("kind") == "crisis")
                     .select("person_index", pl.col("referral_seq").alias("crisis_seq"), pl.col("received").alias("contact_day"))
                     .sort("contact_day", maintain_order=True))
    pre_contacts = pre_contacts.join_asof(crisis_lookup, on="contact_day", by="person_index", strategy="forward", check_sortedness=False)
    pre_contacts = pre_contacts.with_columns(
        referral_seq=pl.when(pl.col("referral_seq").is_not_null() & (pl.col("discharge") >= pl.col("contact_day")))
        .then(pl.col("referral_seq")).otherwise(pl.col("crisis_seq"))
    ).filter(pl.col("referral_seq").is_not_null())
    pre_contacts = pre_contacts.select("person_index", "referral_seq", "contact_day",
                                       pre_crisis=pl.lit(True))

    contacts = pl.concat([routine_contacts, pre_contacts]).sort("person_index", "contact_day", "referral_seq", maintain_order=True)
    k = contacts.height
    pre_flag = contacts["pre_crisis"].to_numpy()
    attendance = np.where(pre_flag, choose(rng, PRE_CRISIS_ATTENDANCE, k), choose(rng, ATTENDANCE, k))
    contacts = contacts.with_columns(
        team=pl.Series(ref_team.tolist(), dtype=pl.String).gather(contacts["referral_seq"]),
        attendance=_strs(attendance), medium=_strs(choose(rng, MEDIUM, k)),
    )
    # Crisis referrals that gained earlier contacts start at their first contact.
    first_contact = contacts.group_by("referral_seq").agg(first=pl.col("contact_day").min())
    referrals = referrals.join(first_contact, on="referral_seq", how="left", maintain_order="left").with_columns(
        received=pl.min_horizontal("received", pl.col("first").fill_null(NEVER))
    ).drop("first")

    # --- diagnoses --------------------------------------------------------------------------------
    dx_day = entry + rng.integers(0, 120, n)
    dx_keep = dx_day <= horizon
    primary_code = choose_by(rng, DIAGNOSES, primary)
    has_secondary = rng.random(n) < np.where(primary == "smi", 0.25, 0.08)
    secondary_code = choose(rng, SECONDARY_DIAGNOSES, n)
    # Some people are re-diagnosed later (a new primary diagnosis row).
    rediagnosed = rng.random(n) < 0.12
    re_day = dx_day + rng.integers(180, 900, n)
    re_code = choose_by(rng, DIAGNOSES, primary)
    diagnoses = pl.concat([
        pl.DataFrame({"person_index": pid, "diagnosis_day": dx_day, "icd10_code": _strs(primary_code), "diagnosis_type": "primary", "keep": dx_keep}),
        pl.DataFrame({"person_index": pid, "diagnosis_day": dx_day + 14, "icd10_code": _strs(secondary_code), "diagnosis_type": "secondary",
                      "keep": dx_keep & has_secondary & (dx_day + 14 <= horizon)}),
        pl.DataFrame({"person_index": pid, "diagnosis_day": re_day, "icd10_code": _strs(re_code), "diagnosis_type": "primary",
                      "keep": dx_keep & rediagnosed & (re_day <= horizon)}),
    ]).filter("keep").drop("keep")
    # The trust's systems store codes both with and without the dot.
    no_dot = rng.random(diagnoses.height) < 0.3
    diagnoses = diagnoses.with_columns(
        icd10_code=pl.when(pl.lit(pl.Series(no_dot))).then(pl.col("icd10_code").str.replace(".", "", literal=True))
        .otherwise(pl.col("icd10_code"))
    )

    crises = pl.DataFrame({"person_index": pid[c_owner], "crisis_day": c_day.astype(np.int64), "admitted": admitted})
    crises = crises.with_columns(crisis_index=pl.int_range(pl.len()))
    adm = pl.DataFrame({"crisis_index": a_idx.astype(np.int64), "admission_day": admission.astype(np.int64),
                        "discharge_day": a_discharge.astype(np.int64)})
    crises = crises.join(adm, on="crisis_index", how="left", maintain_order="left").drop("crisis_index")
    return MhHistory(referrals=referrals, contacts=contacts, spells=spells, mha=mha, diagnoses=diagnoses, crises=crises)
