import datetime as dt

import polars as pl

from asc_linkage.core.spine import SPINE_COLUMNS, build_asc_spine, build_mh_spine

D = dt.date


def _ev(pid, q, start, fn="John", sn="Smith", pc="SE5 8AZ", nhs="943 476 5919", dod=None):
    return {"la_person_unique_identifier": pid, "first_name": fn, "last_name": sn, "nhs_number": nhs, "gender": "Male",
            "ethnicity": "White: Irish", "date_of_birth": D(1950, 2, 3), "date_of_death": dod, "postcode": pc,
            "event_start_date": start, "_quarter": q, "_row_number": 1}


def test_asc_spine_one_row_per_record_latest_identifiers_and_history():
    stg = pl.DataFrame([
        _ev("P1", "2024-Q1", D(2024, 1, 1), pc="se5 8az"),
        _ev("P1", "2024-Q2", D(2024, 4, 1), fn="Jon", pc="SE5 9BB", dod=D(2024, 5, 1)),
        _ev("P2", "2024-Q2", D(2024, 4, 1), nhs=None, fn="BABY", sn="UNKNOWN", pc=None),
    ], schema_overrides={"date_of_death": pl.Date, "postcode": pl.String, "nhs_number": pl.String})
    ref_pc = pl.DataFrame({"postcode": ["SE59BB"], "lsoa11": ["E01000001"]})
    ref_imd = pl.DataFrame({"lsoa11": ["E01000001"], "imd_decile": [3]})
    sp = build_asc_spine(stg, ref_pc, ref_imd)
    assert sp.columns == SPINE_COLUMNS
    assert sp.height == 2
    p1 = sp.row(0, named=True)
    assert p1["source"] == "asc" and p1["forename"] == "JON" and p1["postcode"] == "SE5 9BB"
    assert p1["postcode_history"] == ["SE5 8AZ", "SE5 9BB"]
    assert p1["lsoa11"] == "E01000001" and p1["imd_decile"] == 3
    assert p1["date_of_death"] == D(2024, 5, 1) and p1["first_contact_date"] == D(2024, 1, 1)
    assert p1["nhs_number"] == "9434765919" and p1["nhs_number_flag"] == "valid"
    p2 = sp.row(1, named=True)
    assert p2["forename"] is None and p2["surname"] is None and p2["nhs_number_flag"] == "missing"
    assert p2["imd_decile"] is None  # never guessed


def test_a_placeholder_split_over_both_name_fields_is_no_name_in_either_spine():
    stg = pl.DataFrame([_ev("P1", "2024-Q2", D(2024, 4, 1), fn="Not", sn="Known"), _ev("P2", "2024-Q2", D(2024, 4, 1), fn="Knot", sn="Known")],
                       schema_overrides={"date_of_death": pl.Date})
    sp = build_asc_spine(stg).sort("source_person_id")
    assert sp["forename"].to_list() == [None, "KNOT"] and sp["surname"].to_list() == [None, "KNOWN"]
    assert sp["forename_nick"][0] is None and sp["surname_parts"][0] is None and sp["forename_other"][0] is None
    # A person recorded by name once and as NOT KNOWN on a later row keeps the name.
    named_first = pl.DataFrame([_ev("P3", "2024-Q1", D(2024, 1, 1), fn="Ann", sn="Lee"), _ev("P3", "2024-Q2", D(2024, 4, 1), fn="Not", sn="Known ")],
                               schema_overrides={"date_of_death": pl.Date})
    p3 = build_asc_spine(named_first).row(0, named=True)
    assert (p3["forename"], p3["surname"]) == ("ANN", "LEE")
    pts = pl.DataFrame({"patient_id": ["M1"], "nhs_number": [None], "forename": ["NOT"], "surname": ["KNOWN"], "date_of_birth": [D(1960, 1, 5)],
                        "gender": ["2"], "ethnic_category": ["N"], "postcode": ["SE5 8AZ"], "date_of_death": [None]},
                       schema_overrides={"nhs_number": pl.String, "date_of_death": pl.Date})
    m1 = build_mh_spine(pts, None).row(0, named=True)
    assert m1["forename"] is None and m1["surname"] is None and m1["date_of_birth"] == D(1960, 1, 5)


def test_mh_spine_address_history_and_no_reference():
    pts = pl.DataFrame({"patient_id": ["M1", "M2"], "nhs_number": ["6716689966", None], "nhs_number_status": ["01", "07"],
                        "forename": ["Mary", "Ann"], "surname": ["Jones", "Lee"], "date_of_birth": [D(1960, 1, 5), None],
                        "gender": ["2", "X"], "ethnic_category": ["N", "99"], "postcode": [None, "SW1A 1AA"], "date_of_death": [None, None]},
                       schema_overrides={"postcode": pl.String, "date_of_death": pl.Date})
    addr = pl.DataFrame({"patient_id": ["M1", "M1"], "postcode": ["E1 6AN", "E2 7AA"], "start_date": [D(2010, 1, 1), D(2020, 1, 1)], "end_date": [D(2019, 12, 31), None]})
    refs = pl.DataFrame({"patient_id": ["M1", "M1"], "referral_received_date": [D(2021, 1, 1), D(2019, 1, 1)]})
    sp = build_mh_spine(pts, addr, mh_referrals=refs)
    m1 = sp.row(0, named=True)
    assert m1["postcode"] == "E2 7AA" and m1["postcode_history"] == ["E1 6AN", "E2 7AA"]
    assert m1["sex"] == "Female" and m1["ethnic_group"] == "Black" and m1["first_contact_date"] == D(2019, 1, 1)
    assert m1["lsoa11"] is None and m1["imd_decile"] is None
    m2 = sp.row(1, named=True)
    assert m2["sex"] == "Unknown" and m2["ethnic_group"] == "Unknown" and m2["postcode_history"] == ["SW1A 1AA"]


def test_incremental_asc_spine_equals_full_rebuild():
    from asc_linkage.core.spine import build_asc_spine_incremental

    q1 = [_ev("P1", "2024-Q1", D(2024, 1, 1)), _ev("P2", "2024-Q1", D(2024, 1, 2), fn="Ann", sn="Lee", nhs=None),
          _ev("P3", "2024-Q1", D(2024, 1, 3), fn="Bo", sn="Ray", pc="SE5 9BB")]
    q2 = [_ev("P1", "2024-Q2", D(2024, 4, 1), pc="SW9 7AA"),  # moved: rebuilt, history grows
          _ev("P4", "2024-Q2", D(2024, 4, 2), fn="Cy", sn="Dee")]  # new person
    schema = {"date_of_death": pl.Date, "postcode": pl.String, "nhs_number": pl.String}
    before = pl.DataFrame(q1, schema_overrides=schema)
    after = pl.concat([before, pl.DataFrame(q2, schema_overrides=schema)])
    ref_pc = pl.DataFrame({"postcode": ["SE59BB", "SW97AA"], "lsoa11": ["E01000001", "E01000002"]})
    ref_imd = pl.DataFrame({"lsoa11": ["E01000001", "E01000002"], "imd_decile": [3, 7]})
    previous = build_asc_spine(before, ref_pc, ref_imd, as_of=D(2024, 3, 31))
    touched = pl.Series(["P1", "P4"])
    incremental, rebuilt = build_asc_spine_incremental(previous, after, touched, ref_pc, ref_imd, as_of=D(2024, 6, 30))
    assert incremental.equals(build_asc_spine(after, ref_pc, ref_imd, as_of=D(2024, 6, 30)))
    assert rebuilt == 2  # P1 and P4; P2 and P3 keep last quarter's rows
    assert incremental.filter(pl.col("source_person_id") == "P1")["postcode_history"].to_list() == [["SE5 8AZ", "SW9 7AA"]]


def test_incremental_asc_spine_judges_shared_nhs_numbers_on_every_record():
    """A number becomes shared (a sixth holder arrives) or stops being shared (a holder's number
    is corrected): the untouched holders' rows must follow, as in a full rebuild."""
    from asc_linkage.core.spine import build_asc_spine_incremental

    schema = {"date_of_death": pl.Date, "postcode": pl.String, "nhs_number": pl.String}
    holders = [_ev(f"P{i}", "2024-Q1", D(2024, 1, i), fn=f"Name{chr(64 + i)}") for i in range(1, 6)]
    before = pl.DataFrame(holders, schema_overrides=schema)
    sixth = pl.DataFrame([_ev("P6", "2024-Q2", D(2024, 4, 1), fn="Zed")], schema_overrides=schema)
    after = pl.concat([before, sixth])
    previous = build_asc_spine(before, as_of=D(2024, 3, 31))
    assert previous["nhs_number_flag"].to_list() == ["valid"] * 5
    incremental, rebuilt = build_asc_spine_incremental(previous, after, pl.Series(["P6"]), as_of=D(2024, 6, 30))
    assert rebuilt == 1
    full = build_asc_spine(after, as_of=D(2024, 6, 30))
    assert full["nhs_number_flag"].to_list() == ["shared_placeholder"] * 6
    assert incremental.equals(full)

    # Next quarter P6's number is corrected: five holders are within the limit again, so the five
    # untouched rows get their number back, as in a full rebuild.
    fixed = pl.DataFrame([_ev("P6", "2024-Q3", D(2024, 4, 1), fn="Zed", nhs="401 023 2137")], schema_overrides=schema)
    later = pl.concat([after, fixed])
    incremental_2, rebuilt_2 = build_asc_spine_incremental(incremental, later, pl.Series(["P6"]), as_of=D(2024, 9, 30))
    # The count is of rows rebuilt, not of persons in the drop: the five untouched holders were
    # rebuilt too, as their number had been judged shared.
    assert rebuilt_2 == 6
    full_2 = build_asc_spine(later, as_of=D(2024, 9, 30))
    assert full_2["nhs_number_flag"].to_list() == ["valid"] * 6
    assert incremental_2.equals(full_2)


def test_incremental_mh_spine_equals_full_rebuild():
    from asc_linkage.core.spine import build_mh_spine_incremental, mh_changed_patients

    def patients(rows):
        return pl.DataFrame(rows, schema=["patient_id", "nhs_number", "forename", "surname", "date_of_birth", "gender",
                                          "ethnic_category", "postcode", "date_of_death", "_row_number"], orient="row")

    def addresses(rows):
        return pl.DataFrame(rows, schema=["patient_id", "postcode", "start_date", "end_date"], orient="row")

    def referrals(rows):
        return pl.DataFrame(rows, schema=["patient_id", "referral_received_date"], orient="row")

    base = [("M1", "6716689966", "Mary", "Jones", D(1960, 1, 5), "2", "N", None, None, 1),
            ("M2", None, "Ann", "Lee", D(1970, 2, 6), "2", "A", "SW1A 1AA", None, 2),
            ("M3", None, "Bo", "Ray", D(1980, 3, 7), "1", "B", "SE5 8AZ", None, 3),
            ("M4", None, "Cy", "Dee", D(1990, 4, 8), "1", "C", "SE5 9BB", None, 4),
            ("M5", None, "Di", "Eve", D(1991, 5, 9), "2", "D", "SE5 9BB", None, 5)]
    q1 = (patients(base), addresses([("M1", "E1 6AN", D(2010, 1, 1), None), ("M3", "E2 7AA", D(2011, 1, 1), None)]),
          referrals([("M1", D(2021, 1, 1)), ("M4", D(2022, 1, 1))]))
    changed = [base[0], ("M2", None, "Anne", "Lee", D(1970, 2, 6), "2", "A", "SW1A 1AA", None, 2), base[2], base[3],
               ("M6", None, "Ed", "Fox", D(1992, 6, 10), "1", "A", None, None, 6), ("M6", None, "Ed", "Fox", D(1992, 6, 11), "1", "A", None, None, 7)]
    q2 = (patients(changed),  # M2 renamed, M5 gone, M6 new (twice: the later row wins)
          addresses([("M1", "E1 6AN", D(2010, 1, 1), D(2024, 1, 1)), ("M1", "E3 3AA", D(2024, 1, 2), None),  # M1 moved
                     ("M3", "E2 7AA", D(2011, 1, 1), None)]),
          referrals([("M1", D(2021, 1, 1)), ("M4", D(2022, 1, 1)), ("M4", D(2020, 1, 1))]))  # M4: an earlier referral
    ref_pc = pl.DataFrame({"postcode": ["E33AA", "SE59BB"], "lsoa11": ["E01000001", "E01000002"]})
    ref_imd = pl.DataFrame({"lsoa11": ["E01000001", "E01000002"], "imd_decile": [3, 7]})
    previous = build_mh_spine(q1[0], q1[1], ref_pc, ref_imd, q1[2], as_of=D(2024, 3, 31))
    incremental, rebuilt = build_mh_spine_incremental(previous, q1, q2[0], q2[1], ref_pc, ref_imd, q2[2], as_of=D(2024, 6, 30))
    full = build_mh_spine(q2[0], q2[1], ref_pc, ref_imd, q2[2], as_of=D(2024, 6, 30))
    assert incremental.equals(full)
    assert rebuilt == 4  # M1, M2, M4 changed and M6 new; M5, gone, has no row to rebuild
    assert mh_changed_patients(q2, q1).sort().to_list() == ["M1", "M2", "M4", "M5", "M6"]
    assert mh_changed_patients(q2, q2).to_list() == ["M6"]  # an id on two patient rows
    assert mh_changed_patients((q2[0].drop("gender"), *q2[1:]), q1) is None  # the columns changed
    assert full.filter(pl.col("source_person_id") == "M4")["first_contact_date"].item() == D(2020, 1, 1)
    # Nothing changed: every row but M6's is last quarter's (an id on two patient rows is always
    # rebuilt), and still equal.
    unchanged, rebuilt = build_mh_spine_incremental(full, q2, *q2[:2], ref_pc, ref_imd, q2[2], as_of=D(2024, 6, 30))
    assert unchanged.equals(full) and rebuilt == 1


def test_latest_first_orders_as_a_descending_sort_with_nulls_last():
    from asc_linkage.core.spine import _latest_first

    df = pl.DataFrame({
        "_quarter": ["2024-Q1", "2024-Q2", None, "2024-Q2", "2023-Q4", "2024-Q2"],
        "event_start_date": [D(2024, 1, 5), D(2024, 4, 1), D(2024, 6, 1), None, D(1899, 12, 31), D(2024, 4, 1)],
        "_row_number": [3, 7, 1, 2, None, 9],
        "value": ["a", "b", "c", "d", "e", "f"],
    })
    cols = ["_quarter", "event_start_date", "_row_number"]
    expected = df.sort(cols, descending=True, nulls_last=True)
    assert _latest_first(df, cols)["value"].to_list() == expected["value"].to_list() == ["f", "b", "d", "a", "e", "c"]
    # a key that does not fit one integer: the plain sort
    wide = df.with_columns(pl.Series("_row_number", [3, 7, 1, 2, -(2**62), 2**62]))
    assert _latest_first(wide, cols).equals(wide.sort(cols, descending=True, nulls_last=True))


def test_asc_spine_keeps_an_earlier_valid_identifier_over_a_later_junk_one():
    """The latest row's blank NHS number, placeholder name, default DOB and junk postcode do not
    wipe out the valid values of the person's earlier row; a later valid value still wins."""
    stg = pl.DataFrame([
        _ev("P1", "2024-Q1", D(2024, 1, 1)),
        {**_ev("P1", "2024-Q2", D(2024, 4, 1), fn="UNKNOWN", pc="NFA", nhs="   "), "date_of_birth": D(1900, 1, 1)},
        _ev("P2", "2024-Q1", D(2024, 1, 1), nhs="123"),
        _ev("P2", "2024-Q2", D(2024, 4, 1), fn="Jon", pc="SW9 7AA", nhs="6716689966"),
    ], schema_overrides={"date_of_death": pl.Date, "postcode": pl.String, "nhs_number": pl.String})
    p1, p2 = build_asc_spine(stg, as_of=D(2024, 6, 30)).iter_rows(named=True)
    assert (p1["nhs_number"], p1["nhs_number_flag"]) == ("9434765919", "valid")
    assert (p1["forename"], p1["date_of_birth"], p1["dob_flag"]) == ("JOHN", D(1950, 2, 3), "ok")
    assert p1["postcode"] == "SE5 8AZ" and p1["postcode_history"] == ["SE5 8AZ"]
    assert (p2["nhs_number"], p2["forename"], p2["postcode"]) == ("6716689966", "JON", "SW9 7AA")


def test_mh_spine_falls_back_to_the_address_file_for_a_junk_patient_postcode():
    pts = pl.DataFrame({"patient_id": ["M1"], "nhs_number": ["6716689966"], "forename": ["Mary"], "surname": ["Jones"],
                        "date_of_birth": [D(1960, 1, 5)], "gender": ["2"], "ethnic_category": ["N"], "postcode": ["UNKNOWN"],
                        "date_of_death": [None]}, schema_overrides={"date_of_death": pl.Date})
    addr = pl.DataFrame({"patient_id": ["M1"], "postcode": ["E2 7AA"], "start_date": [D(2020, 1, 1)], "end_date": [None]},
                        schema_overrides={"end_date": pl.Date})
    m1 = build_mh_spine(pts, addr).row(0, named=True)
    assert m1["postcode"] == "E2 7AA" and m1["postcode_history"] == ["E2 7AA"]


def test_asc_postcode_history_holds_postcodes_of_earlier_submissions_of_an_event():
    """One event carried by two drops, the person having moved between them: staging keeps the
    later row, and the spine's history still holds the earlier postcode (`postcodes_seen`)."""
    from asc_linkage.core.staging import stage_asc_events

    rows = [{**_ev("P1", q, D(2024, 1, 1), pc=pc), "la_code": "210", "event_type": "Service", "event_reference": "E1",
             "event_end_date": None, "client_type": "Service user", "service_type": "Long term support: Community",
             "service_component": "Day support", "event_outcome": None, "request_route_of_access": None,
             "assessment_type": None, "reporting_period_end_date": end}
            for q, pc, end in (("2024-Q1", "SE5 8AZ", D(2024, 3, 31)), ("2024-Q2", "SW9 7AA", D(2024, 6, 30)))]
    stg = stage_asc_events(pl.DataFrame(rows, schema_overrides={"date_of_death": pl.Date, "event_end_date": pl.Date}))
    assert stg.height == 1 and stg["postcode"].to_list() == ["SW9 7AA"]
    p1 = build_asc_spine(stg).row(0, named=True)
    assert p1["postcode"] == "SW9 7AA" and p1["postcode_history"] == ["SE5 8AZ", "SW9 7AA"]


def _drop_row(pid, q, ref, start, **kw):
    end = {"2024-Q1": D(2024, 3, 31), "2024-Q2": D(2024, 6, 30)}[q]
    return {**_ev(pid, q, start, **kw), "la_code": "210", "event_type": "Service", "event_reference": ref,
            "event_end_date": None, "client_type": "Service user", "service_type": "Long term support: Community",
            "service_component": "Day support", "event_outcome": None, "request_route_of_access": None,
            "assessment_type": None, "reporting_period_end_date": end}


def test_incremental_asc_spine_rebuilds_only_persons_whose_evidence_changed():
    """With last quarter's staged events, a person the drop carries with the same identifiers on
    every row keeps last quarter's row (event count and first contact brought up to date); a
    changed value on a resubmitted event, a new event that differs, or a second postcode for one
    event in the drop makes a rebuild. Always equal to a full rebuild."""
    from asc_linkage.core.spine import asc_persons_with_new_evidence, build_asc_spine_incremental
    from asc_linkage.core.staging import stage_asc_events, stage_asc_events_incremental

    schema = {"date_of_death": pl.Date, "event_end_date": pl.Date, "nhs_number": pl.String}
    q1 = pl.DataFrame([
        _drop_row("STEADY", "2024-Q1", "E1", D(2024, 2, 1)),
        _drop_row("RESUBMITTED", "2024-Q1", "E2", D(2024, 2, 1), fn="Ann", sn="Lee", nhs=None),
        _drop_row("NEW_EVENT", "2024-Q1", "E3", D(2024, 2, 1), fn="Bo", sn="Ray", nhs=None),
        _drop_row("TWO_POSTCODES", "2024-Q1", "E4", D(2024, 2, 1), fn="Cy", sn="Dee", nhs=None, pc="SE5 9BB"),
        _drop_row("UNTOUCHED", "2024-Q1", "E5", D(2024, 2, 1), fn="Di", sn="Eve", nhs=None),
    ], schema_overrides=schema)
    q2 = pl.DataFrame([
        _drop_row("STEADY", "2024-Q2", "E1", D(2024, 2, 1)),  # the same event again
        _drop_row("STEADY", "2024-Q2", "E6", D(2023, 12, 1)),  # an earlier event: first contact moves
        _drop_row("RESUBMITTED", "2024-Q2", "E2", D(2024, 2, 1), fn="Anne", sn="Lee", nhs=None),  # every row now says Anne
        _drop_row("NEW_EVENT", "2024-Q2", "E7", D(2024, 5, 1), fn="Bo", sn="Ray", nhs=None, pc="SW9 7AA"),
        # The kept row (the later one) has last quarter's postcode; the other, seen too, does not.
        _drop_row("TWO_POSTCODES", "2024-Q2", "E8", D(2024, 5, 1), fn="Cy", sn="Dee", nhs=None, pc="E1 6AN"),
        {**_drop_row("TWO_POSTCODES", "2024-Q2", "E8", D(2024, 5, 1), fn="Cy", sn="Dee", nhs=None, pc="SE5 9BB"), "_row_number": 2},
    ], schema_overrides=schema)
    before = stage_asc_events(q1)
    after = stage_asc_events_incremental(before, q2)
    previous = build_asc_spine(before, as_of=D(2024, 3, 31))
    touched = q2["la_person_unique_identifier"].unique()
    assert sorted(asc_persons_with_new_evidence(before, after, touched).to_list()) == ["NEW_EVENT", "RESUBMITTED", "TWO_POSTCODES"]

    full = build_asc_spine(after, as_of=D(2024, 6, 30))
    incremental, rebuilt = build_asc_spine_incremental(previous, after, touched, as_of=D(2024, 6, 30), previous_stg_events=before)
    assert rebuilt == 3
    assert incremental.equals(full)
    steady = incremental.filter(pl.col("source_person_id") == "STEADY").row(0, named=True)
    assert steady["n_source_rows"] == 2 and steady["first_contact_date"] == D(2023, 12, 1)
    assert full.filter(pl.col("source_person_id") == "RESUBMITTED")["forename"].to_list() == ["ANNE"]
    assert full.filter(pl.col("source_person_id") == "TWO_POSTCODES")["postcode_history"].to_list() == [["E1 6AN", "SE5 9BB"]]
    # Without last quarter's events every person the drop carries is rebuilt, to the same spine; so
    # too with events staged before `postcodes_seen` existed (an evidence column they lack).
    everyone, rebuilt_all = build_asc_spine_incremental(previous, after, touched, as_of=D(2024, 6, 30))
    assert rebuilt_all == 4 and everyone.equals(full)
    older = before.drop("postcodes_seen")
    assert sorted(asc_persons_with_new_evidence(older, after, touched).to_list()) == sorted(touched.to_list())
