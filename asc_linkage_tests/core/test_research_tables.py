import datetime as dt
import hashlib
import hmac

import polars as pl

from asc_linkage.core.research_tables import POPULATION_COLUMNS, build_research_population, linked_cohort, pseudonymise_events

D = dt.date


def _spine(source, ids, dobs, sex, eth, imd, first):
    n = len(ids)
    return pl.DataFrame({"source": [source] * n, "source_person_id": ids, "date_of_birth": dobs, "sex": sex, "ethnic_group": eth,
                         "imd_decile": imd, "date_of_death": [None] * n, "lives_alone": [None] * n, "first_contact_date": first},
                        schema_overrides={"date_of_death": pl.Date, "lives_alone": pl.Boolean, "imd_decile": pl.Int64})


KM = pl.DataFrame({"source": ["asc", "asc", "mh", "mh", "mh"], "source_person_id": ["a1", "a2", "m1", "m2", "m3"],
                   "research_person_id": ["RP1", "RP2", "RP1", "RP3", "RP4"], "link_method": ["deterministic_nhs", "unlinked", "deterministic_nhs", "unlinked", "unlinked"],
                   "match_probability": [1.0, None, 1.0, None, None]})
ASC = _spine("asc", ["a1", "a2"], [D(1950, 1, 1), D(2001, 1, 1)], ["Male", "Female"], ["Black", "Unknown"], [3, None], [D(2024, 1, 1), D(2024, 2, 1)])
MH = _spine("mh", ["m1", "m2", "m3"], [D(1950, 1, 1), D(1940, 1, 1), None], ["Male", "Unknown", "Female"], ["Black", "White", "Unknown"], [None, 10, None],
            [D(2020, 1, 1), D(2021, 1, 1), None])
DX = pl.DataFrame({"patient_id": ["m1", "m2", "m3", "m3"], "diagnosis_date": [D(2020, 1, 1), D(2020, 1, 1), D(2020, 1, 1), D(2030, 1, 1)],
                   "icd10_code": ["F20.0", "F001", "F32.1", "F200"], "diagnosis_type": ["primary"] * 4})


def test_population_columns_and_flags():
    pop = build_research_population(KM, ASC, MH, DX, D(2025, 6, 30))
    assert pop.columns == POPULATION_COLUMNS
    assert pop.height == 4
    r1 = pop.filter(pl.col("research_person_id") == "RP1").row(0, named=True)
    assert r1["in_both"] and r1["smi"] and not r1["dementia"] and r1["age_band"] == "75-84" and r1["birth_year"] == 1950
    assert r1["imd_decile"] == 3 and r1["imd_quintile"] == 2 and r1["first_asc_date"] == D(2024, 1, 1) and r1["first_mh_date"] == D(2020, 1, 1)
    r3 = pop.filter(pl.col("research_person_id") == "RP3").row(0, named=True)
    assert r3["dementia"] and not r3["smi"] and r3["sex"] == "Unknown" and r3["in_mh"] and not r3["in_asc"]
    r4 = pop.filter(pl.col("research_person_id") == "RP4").row(0, named=True)
    assert not r4["smi"]  # F200 dated after the quarter end does not count yet
    assert linked_cohort(pop)["research_person_id"].to_list() == ["RP1"]


def test_pseudonymised_events_have_no_source_ids():
    stg = pl.DataFrame({"la_person_unique_identifier": ["a1", "a2"], "event_key": ["k1", "k2"], "event_type": ["Service", "Request"],
                        "event_start_date": [D(2024, 1, 1)] * 2, "event_end_date": [None, D(2024, 1, 2)], "event_end_date_derived": [None, D(2024, 1, 2)],
                        "first_name": ["John", "Mary"], "nhs_number": ["9434765919", None]},
                       schema_overrides={"event_end_date": pl.Date, "event_end_date_derived": pl.Date})
    refs = pl.DataFrame({"referral_id": ["R1", "R2"], "patient_id": ["m1", "m2"], "referral_received_date": [D(2020, 1, 1)] * 2,
                         "discharge_date": [None, None], "source_of_referral": ["A1", "C1"], "primary_reason": ["18", "01"], "team_type": ["A01", "C02"],
                         "free_text_extra": ["secret note", "x"]}, schema_overrides={"discharge_date": pl.Date})
    contacts = pl.DataFrame({"contact_id": ["C1"], "patient_id": ["m1"], "referral_id": ["R1"], "contact_date": [D(2020, 2, 1)],
                             "team_type": ["A01"], "attendance": ["5"], "consultation_medium": ["01"]})
    out = pseudonymise_events(KM, stg, {"mh_referrals": refs, "mh_care_contacts": contacts, "mh_diagnoses": DX}, b"s")
    ev = out["research_asc_events"]
    assert "la_person_unique_identifier" not in ev.columns and "first_name" not in ev.columns and "nhs_number" not in ev.columns
    assert set(ev["research_person_id"]) == {"RP1", "RP2"}
    r = out["research_mh_referrals"]
    assert "patient_id" not in r.columns and "free_text_extra" not in r.columns
    assert not set(r["referral_id"]) & {"R1", "R2"}
    c = out["research_mh_care_contacts"]
    assert c["referral_id"][0] in set(r["referral_id"])  # hashed ids still join
    assert out["research_mh_diagnoses"].height == 4


def test_record_ids_are_keyed_hashes_stable_across_releases():
    """Record ids are 'H' + the first 16 hex digits, upper case, of HMAC-SHA256 under a key derived
    from the secret: pinned, as research tables of different quarters (and releases) join on them."""
    refs = pl.DataFrame({"referral_id": ["R1", "R2", None], "patient_id": ["m1", "m2", "m3"]})
    contacts = pl.DataFrame({"contact_id": ["C1", "C2", "C3"], "patient_id": ["m1", "m1", "m2"], "referral_id": ["R1", "R1", None]})
    out = pseudonymise_events(KM, None, {"mh_referrals": refs, "mh_care_contacts": contacts}, b"s")
    key = hmac.digest(b"s", b"asc-linkage research record ids v1", hashlib.sha256)

    def expected(domain, value):
        return None if value is None else "H" + hmac.new(key, f"{domain}\x1f{value}".encode(), hashlib.sha256).hexdigest()[:16].upper()

    r = out["research_mh_referrals"].sort("research_person_id")
    assert r["referral_id"].to_list() == [expected("referral_id", v) for v in ("R1", "R2", None)]
    c = out["research_mh_care_contacts"].sort("research_person_id", "contact_id")
    assert sorted(c["contact_id"].to_list()) == sorted(expected("contact_id", v) for v in ("C1", "C2", "C3"))
    assert c["referral_id"].to_list().count(expected("referral_id", "R1")) == 2 and c["referral_id"].null_count() == 1
