import datetime as dt

import polars as pl

from asc_linkage.core import standardise as s


def _nhs(values):
    clean, flag = s.standardise_nhs_number("n")
    return pl.DataFrame({"n": values}, schema={"n": pl.String}).select(clean.alias("c"), flag.alias("f"))


def test_nhs_modulus11_and_flags():
    out = _nhs(["943 476 5919", "6716689966", "401-023-2137", "9434765918", "0000000000", "9999999999", None, "12345"])
    assert out["c"].to_list() == ["9434765919", "6716689966", "4010232137", None, None, None, None, None]
    assert out["f"].to_list() == ["valid", "valid", "valid", "invalid", "shared_placeholder", "shared_placeholder", "missing", "invalid"]


def test_shared_nhs_by_count_and_dobs():
    d = dt.date(1950, 1, 2)
    df = pl.DataFrame({
        "nhs_number": ["9434765919"] * 6 + ["6716689966"] * 3 + ["4010232137"] * 2,
        "nhs_number_flag": ["valid"] * 11,
        "date_of_birth": [d] * 6 + [d, dt.date(1960, 1, 1), dt.date(1970, 1, 1)] + [d, dt.date(1951, 1, 2)],
    })
    out = s.flag_shared_nhs(df)
    assert out["nhs_number"].null_count() == 9  # six on one number, three DOBs on another
    assert out.filter(pl.col("nhs_number") == "4010232137").height == 2  # a DOB typo is not sharing


def test_names():
    df = pl.DataFrame({"fn": ["  bill henry", "BABY", "José-María", "Mr Peggy", None], "sn": ["Smith-Jones", "UNKNOWN", "Ñúñez", "o'brien", "TEST"]})
    out = df.select(s.standardise_forenames("fn").alias("f"), s.standardise_surname("sn").alias("s")).unnest("f", "s")
    assert out["forename"].to_list() == ["BILL", None, "JOSEMARIA", "PEGGY", None]
    assert out["forename_other"].to_list() == ["HENRY", None, None, None, None]
    assert out["forename_nick"].to_list() == ["WILLIAM", None, "JOSEMARIA", "MARGARET", None]
    assert out["surname"].to_list() == ["SMITHJONES", None, "NUNEZ", "OBRIEN", None]
    assert out["surname_parts"][0].to_list() == ["SMITH", "JONES"]
    assert len(s.NICKNAME_MAP) > 300


def test_a_placeholder_split_over_both_name_fields():
    """NOT + KNOWN is no name, though NOT and KNOWN each pass as one; a real name is left alone."""
    df = pl.DataFrame({"fn": ["NOT", "NO", "NOT", "KNOWN", None], "sn": ["KNOWN", "NAME", "STATED", "NOT", "KNOWN"]})
    assert df.select(s.placeholder_full_name("fn", "sn")).to_series().to_list() == [True, True, True, False, False]


def test_name_spellings_that_must_agree():
    """Apostrophe look-alikes, a spaced one-letter prefix, dashes of any width and Latin letters
    NFKD does not decompose give the same name as their plain forms."""
    sn = ["O'Brien", "O\u2019Brien", "O\u2018Brien", "O\u00b4Brien", "O\u02bcbrien", "O Brien", "Smith\u2013Jones", "\u0141ukasz", "S\u00f8ren"]
    out = pl.DataFrame({"sn": sn}).select(s.standardise_surname("sn").alias("s")).unnest("s")
    assert out["surname"].to_list() == ["OBRIEN"] * 6 + ["SMITHJONES", "LUKASZ", "SOREN"]
    fn = pl.DataFrame({"fn": ["Jean-Paul", "Jean\u2013Paul", "Baby of Sarah", "Unknown Male", "Infant Girl"]})
    out = fn.select(s.standardise_forenames("fn").alias("f")).unnest("f")
    assert out["forename"].to_list() == ["JEANPAUL", "JEANPAUL", None, None, None]


def test_names_in_other_scripts_are_romanised_not_lost():
    """A name written in Cyrillic, Greek, Arabic or Chinese was deleted with the diacritics; it is
    romanised instead, so the same spelling in two systems agrees. Emoji are not letters."""
    fn = pl.DataFrame({"fn": ["\u0418\u0432\u0430\u043d", "\u0393\u03b9\u03ce\u03c1\u03b3\u03bf\u03c2", "\u0645\u062d\u0645\u062f",
                              "\u4f1f", "Jos\u00e9 \U0001F600", "\u0141ucja"]})
    out = fn.select(s.standardise_forenames("fn").alias("f")).unnest("f")
    assert out["forename"].to_list() == ["IVAN", "GIORGOS", "MHMD", "WEI", "JOSE", "LUCJA"]
    # Latin letters NFKD leaves alone are romanised too (they used to split the name in two);
    # letters NFKD does map (circled, full-width) keep that mapping.
    sn = pl.DataFrame({"sn": ["\u738b", "\u041f\u0435\u0442\u0440\u043e\u0432-Smith", "Gu\u00f0r\u00fan",
                              "\u24bf\u24c4\u24bd\u24c3 Gro\u00df", "\uff2c\uff49"]})
    out = sn.select(s.standardise_surname("sn").alias("s")).unnest("s")
    assert out["surname"].to_list() == ["WANG", "PETROVSMITH", "GUDRUN", "JOHNGROSS", "LI"]


def test_nickname_map_maps_to_a_fixed_point():
    """Groups sharing a name end at one canonical: mapping twice gives what mapping once gives."""
    m = s.NICKNAME_MAP
    assert all(m.get(v, v) == v for v in m.values())
    assert m["ALY"] == m["ALI"] and m["YELENA"] == m["ELENA"] and m["SHEVAUN"] == m["SIOBHAN"]


def test_soundex_and_phonetic():
    assert [s.soundex(x) for x in ["Robert", "Rupert", "Ashcraft", "Tymczak", "Pfister"]] == ["R163", "R163", "A261", "T522", "P236"]
    assert s.phonetic_key("MOHAMMED") == s.phonetic_key("MUHAMAD")
    assert s.phonetic_key("CATHRYN") == s.phonetic_key("KATHRYN")


def test_dob_sex_postcode_ethnicity():
    dob, flag = s.standardise_dob("d")
    df = pl.DataFrame({"d": [dt.date(1900, 1, 1), dt.date(1950, 1, 1), dt.date(1950, 3, 4), None]})
    out = df.select(dob.alias("dob"), flag.alias("flag"))
    assert out["dob"].to_list() == [None, dt.date(1950, 1, 1), dt.date(1950, 3, 4), None]
    assert out["flag"].to_list() == ["default", "jan1", "ok", "missing"]

    sx = pl.DataFrame({"g": ["Male", "2", "X", "9", None, "female"]}).select(s.standardise_sex("g"))["g"].to_list()
    assert sx == ["Male", "Female", "Unknown", "Other", "Unknown", "Female"]

    pc = pl.DataFrame({"p": ["se58az", " SW1A1AA ", "GIR0AA", "not a pc", None]}).select(s.standardise_postcode("p").alias("p"))
    pc = pc.with_columns(s.postcode_sector("p").alias("sec"), s.postcode_district("p").alias("dis"))
    assert pc["p"].to_list() == ["SE5 8AZ", "SW1A 1AA", "GIR 0AA", None, None]
    assert pc["sec"].to_list()[:2] == ["SE5 8", "SW1A 1"]
    assert pc["dis"].to_list()[:2] == ["SE5", "SW1A"]

    e = pl.DataFrame({"e": ["A", "R", "Z", "Black, Black British, Caribbean or African: African", "Mixed - White and Asian", None, "No data: Refused"]})
    e = e.select(s.standardise_ethnicity("e").alias("x")).unnest("x")
    assert e["ethnic_group"].to_list() == ["White", "Asian", "Unknown", "Black", "Mixed", "Unknown", "Unknown"]
    assert e["ethnicity_detail"][4] == "Mixed: White and Asian"


def test_nhs_pseudo_postcodes_are_no_postcode():
    out = pl.DataFrame({"pc": ["ZZ99 3VZ", "zz993wz", "ZZ99 1AA", "SE5 8AZ"]}).select(s.standardise_postcode("pc"))
    assert out["pc"].to_list() == [None, None, None, "SE5 8AZ"]


def test_nhs_test_numbers_are_no_link_key():
    """9990000018 passes Modulus 11, but NHS England reserves the 999 range for testing."""
    num, flag = s.standardise_nhs_number("n")
    out = pl.DataFrame({"n": ["999 000 0018", "943 476 5919"]}).select(num.alias("num"), flag.alias("flag"))
    assert out.rows() == [(None, "shared_placeholder"), ("9434765919", "valid")]


def test_full_width_digits_and_letters_are_read_not_deleted():
    """A number or postcode typed with full-width characters (an East Asian input method) is the
    same number: NFKC maps it to ASCII before non-digits are stripped (it used to be 'missing')."""
    out = _nhs(["\uff19\uff14\uff13 \uff14\uff17\uff16 \uff15\uff19\uff11\uff19", "943 476 5919"])
    assert out.rows() == [("9434765919", "valid"), ("9434765919", "valid")]
    pc = pl.DataFrame({"p": ["\uff33\uff25\uff15 \uff18\uff21\uff3a", "se5 8az"]}).select(s.standardise_postcode("p"))
    assert pc["p"].to_list() == ["SE5 8AZ", "SE5 8AZ"]


def test_phonetic_key_keeps_an_initial_j_or_y_a_consonant():
    """An initial vowel folds to A, but J, and Y before a vowel, are consonants there: JOHN and
    ANN, JAMES and AMOS used to share a key (J -> I -> A) and reached the forename's phonetic
    level together."""
    k = s.phonetic_key
    assert k("JOHN") != k("ANN") and k("JAMES") != k("AMOS") and k("YASMIN") != k("ASMAN")
    assert k("JUSUF") == k("YUSUF") and k("ABDUL") == k("ABDOOL") and k("EMMA") == k("AMMA")
    assert k("YVONNE") == k("EVONNE") and k("Y") == k("I")  # Y before a consonant (or alone) is a vowel


def test_names_one_letter_apart_share_a_key_and_names_two_apart_do_not():
    from asc_linkage.core.standardise import one_edit_keys

    def share(a: str, b: str) -> bool:
        return bool(set(one_edit_keys(a)) & set(one_edit_keys(b)))

    assert share("KEMI", "KEHI")          # a changed letter: bigram Dice only 0.6
    assert share("JAMES", "JAME")         # a dropped letter
    assert share("MOHAMUD", "MOHMAUD")    # two neighbours swapped
    assert share("DAVI", "DAVID")         # an added letter
    assert not share("HUSSEIN", "HUSAIN")  # two edits: left to the phonetic level
    assert not share("KEMI", "KATE")
    assert one_edit_keys("ALI") is None    # ALI minus a letter is AL, LI or AI: shared by too many
