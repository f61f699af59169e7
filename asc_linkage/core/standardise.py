"""Standardisation of person identifiers (NHS number, names, DOB, sex, postcode, ethnicity).

Pure polars. Everything here runs inside the identifiable zone; functions return values and
flags, never messages containing values.
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata

import numpy as np
import polars as pl
from anyascii import anyascii


def _map_distinct(e: pl.Expr, fn, dtype: pl.DataType) -> pl.Expr:
    """Apply a Python function once per distinct value (names and postcodes repeat a lot, and
    per-row Python calls dominate run time at a million rows)."""

    def f(s: pl.Series) -> pl.Series:
        u = s.drop_nulls().unique(maintain_order=False).sort()
        mapped = pl.Series("v", [fn(x) for x in u.to_list()], dtype=dtype)
        lut = pl.DataFrame({"k": u, "v": mapped})
        return pl.DataFrame({"k": s}).join(lut, on="k", how="left", maintain_order="left")["v"]

    return e.map_batches(f, return_dtype=dtype)


# ---------------------------------------------------------------------------------------------
# NHS number
# ---------------------------------------------------------------------------------------------

#: Numbers that pass Modulus 11 (or are all one digit) but are known fillers in extracts.
PLACEHOLDER_NHS = frozenset(
    {
        "0000000000", "1111111111", "2222222222", "3333333333", "4444444444", "5555555555",
        "6666666666", "7777777777", "8888888888", "9999999999", "1234567890", "0123456789",
    }
)
#: NHS England reserves numbers starting 999 for testing: a test record's, never a person's.
TEST_NHS_PREFIX = "999"


def nhs_digits(col: str | pl.Expr) -> pl.Expr:
    """Digits only (spaces, hyphens and other separators removed)."""
    e = pl.col(col) if isinstance(col, str) else col
    return e.cast(pl.String).str.replace_all(r"[^0-9]", "")


def nhs_mod11_valid(digits: pl.Expr) -> pl.Expr:
    """Modulus 11 check of a 10-digit string expression (domain.md 3.1); null input -> False."""
    total = pl.lit(0)
    for i in range(9):
        total = total + digits.str.slice(i, 1).cast(pl.Int64, strict=False) * (10 - i)
    check = 11 - (total % 11)
    check = pl.when(check == 11).then(0).otherwise(check)
    last = digits.str.slice(9, 1).cast(pl.Int64, strict=False)
    ok = (digits.str.len_chars() == 10) & (check != 10) & (check == last)
    return ok.fill_null(False)


_NHS_DTYPE = pl.Struct({"nhs_number": pl.String, "nhs_number_flag": pl.String})


def standardise_nhs_number(col: str = "nhs_number") -> tuple[pl.Expr, pl.Expr]:
    """(clean NHS number or null, flag) where flag is valid|missing|invalid|shared_placeholder.
    Shared numbers found by counting (one number on many records) are flagged later by
    `flag_shared_nhs` (needs the whole table)."""
    st = nhs_number_struct(col)
    return st.struct.field("nhs_number"), st.struct.field("nhs_number_flag")


def nhs_number_struct(col: str = "nhs_number") -> pl.Expr:
    """Struct {nhs_number, nhs_number_flag} of `standardise_nhs_number`, computed once (taking
    the two fields of it in one `with_columns` computed the check twice)."""
    return pl.col(col).cast(pl.String).map_batches(_nhs_batch, return_dtype=_NHS_DTYPE)


_NHS_WEIGHTS = np.arange(10, 1, -1, dtype=np.int64)


def _nfkc_where_not_ascii(s: pl.Series) -> pl.Series:
    """Full-width and other compatibility forms folded (NFKC): ９４３ is 943 and ＳＥ５ is SE5, not
    characters deleted. Only non-ASCII strings are normalised (the rest would pay 0.3 s per million)."""
    wide = s.str.len_bytes() != s.str.len_chars()
    if not wide.any():
        return s
    return pl.select(pl.when(wide).then(s.str.normalize("NFKC")).otherwise(s)).to_series().alias(s.name)


def _nhs_batch(s: pl.Series) -> pl.Series:
    # Modulus 11 on a (rows x 10) digit matrix in numpy: as polars string slices it ran ~20x slower.
    d = _nfkc_where_not_ascii(s).str.replace_all(r"[^0-9]", "")
    ten = (d.str.len_bytes() == 10).fill_null(False)
    ok = np.zeros(len(d), dtype=bool)
    if ten.any():
        digits = np.frombuffer("".join(d.filter(ten).to_list()).encode("ascii"), dtype=np.uint8).reshape(-1, 10) - ord("0")
        check = 11 - (digits[:, :9].astype(np.int64) @ _NHS_WEIGHTS) % 11
        check[check == 11] = 0
        ok[ten.to_numpy()] = (check != 10) & (check == digits[:, 9])
    placeholder = pl.col("d").is_in(list(PLACEHOLDER_NHS)) | pl.col("d").str.starts_with(TEST_NHS_PREFIX)
    out = pl.DataFrame({"d": d, "ok": ok}).select(
        pl.when(pl.col("ok") & ~placeholder).then(pl.col("d")).alias("nhs_number"),
        pl.when(pl.col("d").is_null() | (pl.col("d") == "")).then(pl.lit("missing"))
        .when(placeholder).then(pl.lit("shared_placeholder"))
        .when(pl.col("ok")).then(pl.lit("valid"))
        .otherwise(pl.lit("invalid")).alias("nhs_number_flag"),
    )
    return out.to_struct(s.name)


def flag_shared_nhs(
    df: pl.DataFrame,
    nhs_col: str = "nhs_number",
    flag_col: str = "nhs_number_flag",
    dob_col: str = "date_of_birth",
    max_records: int = 5,
    max_distinct_dob: int = 2,
) -> pl.DataFrame:
    """Null a number held by more than `max_records` records or by records with more than
    `max_distinct_dob` distinct dates of birth: such a number cannot identify one person
    (a real person's duplicate records rarely exceed a handful, and a DOB typo gives 2)."""
    stats = (
        df.filter(pl.col(nhs_col).is_not_null())
        .group_by(nhs_col)
        .agg(
            pl.len().alias("_n"),
            pl.col(dob_col).drop_nulls().n_unique().alias("_ndob"),
        )
        .filter((pl.col("_n") > max_records) | (pl.col("_ndob") > max_distinct_dob))
        .select(nhs_col, pl.lit(True).alias("_shared"))
    )
    out = df.join(stats, on=nhs_col, how="left", nulls_equal=False)
    shared = pl.col("_shared").fill_null(False)
    return out.with_columns(
        pl.when(shared).then(None).otherwise(pl.col(nhs_col)).alias(nhs_col),
        pl.when(shared).then(pl.lit("shared_placeholder")).otherwise(pl.col(flag_col)).alias(flag_col),
    ).drop("_shared")


# ---------------------------------------------------------------------------------------------
# Names
# ---------------------------------------------------------------------------------------------

#: Whole-name values that are not names (recording placeholders).
JUNK_NAMES = frozenset(
    {
        "BABY", "BABY BOY", "BABY GIRL", "BOY", "GIRL", "INFANT", "UNKNOWN", "UNK", "NOT KNOWN",
        "NOTKNOWN", "NK", "N K", "TEST", "TESTING", "TEST PATIENT", "PATIENT", "XXX", "XX", "X",
        "NONE", "NULL", "NA", "N A", "ANON", "ANONYMOUS", "DUMMY", "ZZZ", "TWIN", "TWIN 1",
        "TWIN 2", "MALE", "FEMALE", "NO NAME", "NONAME", "REFUSED", "UNNAMED", "UNIDENTIFIED",
        "NOT GIVEN", "NOT STATED", "MR", "MRS", "MS", "MISS", "DR",
    }
)
_JUNK_TOKENS = frozenset({"BABY", "INFANT", "UNKNOWN", "TEST", "UNK", "DUMMY", "XXX", "ANONYMOUS", "UNNAMED"})
#: Placeholders of two words, as they arrive split over the forename and surname fields.
_JUNK_SPLIT_NAMES = frozenset(n for n in JUNK_NAMES if " " in n)
_TITLES = frozenset({"MR", "MRS", "MS", "MISS", "MX", "DR", "PROF", "REV", "SIR", "LADY", "LORD"})

# Nickname groups: canonical name first, then variants and diminutives. Ambiguous diminutives
# (e.g. ALEX, CHRIS, SAM, JO) belong to one group only: the group is a comparison level, not an
# identity claim, and its weight is learnt by EM.
_NICKNAME_GROUPS = """
WILLIAM BILL BILLY WILL WILLIE WILLY LIAM WILF
ROBERT BOB BOBBY ROB ROBBIE ROBIN BERT BERTIE
RICHARD RICK RICKY DICK DICKIE RICH RICHIE
MARGARET PEGGY MAGGIE MEG MEGAN MADGE MAISIE MARGIE MARGO MARGOT GRETA RITA PEG MAGS
ELIZABETH LIZ LIZZIE LIZZY BETH BETTY BETSY BESS BESSIE ELIZA LISA LIBBY ELSIE LIZA BETTE ELISABETH
JAMES JIM JIMMY JAMIE JIMMIE JAS
JOHN JACK JOHNNY JON JOHNNIE JONNY
JONATHAN JONNIE
MICHAEL MIKE MICK MICKY MICKEY MIKEY
THOMAS TOM TOMMY THOM
CHARLES CHARLIE CHAS CHUCK CHAZ
EDWARD ED EDDIE EDDY NED TED TEDDY
EDMUND EDMOND
JOSEPH JOE JOEY JO
JOSEPHINE JOSIE JOSIE JO-ANNE
ANTHONY TONY ANTONY ANT
DANIEL DAN DANNY
DAVID DAVE DAVEY DAVY DAI
STEPHEN STEVE STEVIE STEVEN STEPH
MATTHEW MATT MATTY
ANDREW ANDY DREW
PETER PETE
PATRICK PAT PADDY
PATRICIA PATSY PATTY TRISH TRICIA
SAMUEL SAM SAMMY
SAMANTHA SAMMIE
BENJAMIN BEN BENNY BENJI
NICHOLAS NICK NICKY NICOL
CHRISTOPHER CHRIS KIT TOPHER
CHRISTINE CHRISTINA CHRISSIE TINA KIRSTY KRISTINA CHRISTIE
ALEXANDER ALEX ALEC ALASTAIR ALISTAIR SANDY ALEXANDRE ALEXANDRO XANDER
ALEXANDRA SANDRA ALEXA LEXIE
KATHERINE KATE KATIE KATHY CATHERINE CATHY KAY KIT KITTY KATHRYN KATRINA CATRIONA CAITLIN KATHLEEN KATY CATH CAT KATH
SUSAN SUE SUSIE SUZY SUZANNE SUSANNA SUSANNAH
DEBORAH DEBBIE DEB DEBRA DEBBY
REBECCA BECKY BECCA BECKIE
VICTORIA VICKY VICKI TORI VIC
JENNIFER JENNY JEN JENNI JENNIE
JESSICA JESS JESSIE
JACQUELINE JACKIE JACQUI
BARBARA BARB BABS BARBIE
DOROTHY DOT DOTTY DOLLY DOROTHEA DORA
MARY MOLLY POLLY MAMIE MAE MAY MARIE MARIA MAURA MOIRA MAIRE
ANNE ANN ANNIE ANNA NAN NANCY ANNETTE ANITA HANNAH
HELEN HELENA ELLEN ELLIE NELL NELLIE ELLA LENA ELENA EILEEN AILEEN
ELEANOR ELINOR NORA NORAH
FRANCES FRAN FRANNIE FANNY
FRANCIS FRANK FRANKIE FRANCO FRANCESCO FRANCISCO
GEORGE GEORDIE GEORGIE
GEORGINA GEORGIA GINA
HENRY HARRY HAL HANK
HAROLD HAL HARRY
HARRIET HATTIE HETTY
JANE JANET JANIE JEAN JEANNE JEANETTE JANICE JOAN JOANNE JOANNA SHEILA SIOBHAN SINEAD
LAWRENCE LAURENCE LARRY LAURIE LAURI
LEONARD LEN LENNY LEO LEON
RAYMOND RAY
RONALD RON RONNIE
DONALD DON DONNIE
KENNETH KEN KENNY
GERALD GERRY JERRY GERARD
GREGORY GREG
PHILIP PHILLIP PHIL PIP
TIMOTHY TIM TIMMY
TERENCE TERRY TERRANCE
VINCENT VINCE VINNY
WALTER WALLY WALT
ALBERT AL ALBIE BERTIE
ALFRED ALF ALFIE FRED FREDDIE FREDDY
FREDERICK FREDRICK FRITZ
ARTHUR ART ARTIE
BERNARD BERNIE BARNEY
CLIFFORD CLIFF
DOUGLAS DOUG DOUGIE
ERNEST ERNIE
EUGENE GENE
FRANKLIN
GILBERT GIL
HERBERT HERB HERBIE
HUGH HUGHIE HUW HUGO
IAN IAIN EOIN EVAN EWAN EUAN JOHN-PAUL
ISAAC IKE ZAC
JACOB JAKE JAKOB JACOBO
JEFFREY JEFF GEOFFREY GEOFF JEFFERY
JEREMY JERRY JEZ
JOSHUA JOSH
KEVIN KEV
LEWIS LOUIS LOU LOUIE LUIS LUIGI LUDOVIC
MALCOLM MAL
MARTIN MARTY
MAXWELL MAX MAXIMILIAN MAXIMUS
NATHAN NATE NAT NATHANIEL
NORMAN NORM
OLIVER OLLIE OLLY
OWEN OWAIN
REGINALD REG REGGIE
RODNEY ROD RODDY RODERICK
RUSSELL RUSS
SIMON SIMEON SI
STANLEY STAN
STUART STEWART STU
SYDNEY SIDNEY SID
THEODORE THEO TED
VICTOR VIC
ZACHARY ZACH ZAK ZACK
ABIGAIL ABBY ABBIE GAIL GAYLE
ALICE ALICIA ALI ALLIE ALISON ALLISON
AMANDA MANDY
AMELIA AMY MILLIE EMILIA
ANGELA ANGIE ANGELINA
CAROL CAROLE CAROLINE CAROLYN CARRIE CARLY CHARLOTTE LOTTIE LOTTE CHARLEY
CHERYL SHERYL
CYNTHIA CINDY HYACINTH
BEVERLEY BEV BEVERLY
CONSTANCE CONNIE
AGNES AGGIE
BRIDGET BIDDY BRIDIE
LESLIE LES
CLAUDETTE CLAUDIE
DIANA DIANE DI DIANNE DIANNA
DONNA
EMILY EMMY EM
EMMA EMMIE
EVELYN EVE EVIE EVA
FLORENCE FLO FLOSSIE FLORRIE
GILLIAN GILL JILL JILLIAN
GLORIA GLORY GLO
GWENDOLINE GWEN GWENDOLYN
ISABEL ISABELLA ISOBEL IZZY BELLA ISABELLE ELIZABELLE
JUDITH JUDY JUDE
JULIA JULIE JULIET JULIANA JULES
LORRAINE LORRIE
LOUISE LOUISA LOU LULU
LUCY LUCILLE LUCINDA LUCIA
MADELEINE MADELINE MADDIE MADDY
MARJORIE MARGERY MARJ
MATILDA TILLY MATTIE MAUD MAUDE
MELANIE MEL
MELISSA MISSY LISSA
MILDRED MILLY
MIRIAM MIMI MIRI
NATALIE NATALIA NATASHA TASHA NAT
NICOLA NICOLE NIKKI NICKI
OLIVIA LIV LIVVY
PAMELA PAM
PENELOPE PENNY
PHILIPPA PIPPA PHILLIPA
PRISCILLA CILLA
ROSEMARY ROSE ROSIE ROSA ROSALIND ROZ
RUTH RUTHIE
SARAH SARA SALLY SADIE SAL
SHARON SHAZ
SOPHIA SOPHIE SOFIA SOPHY
STEPHANIE STEFANIE STEPH STEFFI
THERESA TERESA TESS TESSA TERRI TRACY TRACEY
VALERIE VAL
VERONICA RONNIE RONI
VIRGINIA GINNY GINGER
WENDY GWENDA
WINIFRED WINNIE FREDA
YVONNE EVONNE
ZOE ZOEY
MOHAMMED MOHAMMAD MUHAMMAD MOHAMED MUHAMMED MOHAMAD MAHOMED MOHD MOHAMMEDALI MUHAMAD MEHMET
AHMED AHMAD AHMET AHMEED
ABDUL ABDULLAH ABDALLAH
HUSSAIN HUSSEIN HUSAIN HOSSAIN HUSEYIN
HASSAN HASAN HASSEN
ALI ALY
YUSUF YUSEF YOUSEF YOUSSEF JOSEF
IBRAHIM EBRAHIM IBRAHEEM
ISMAIL ISMAEL
MUSTAFA MUSTAPHA MOSTAFA
OMAR UMAR OMER
OSMAN USMAN UTHMAN
FATIMA FATEMA FATIMAH FATMA
AISHA AYESHA AISHAH AYSHA AYSE
KHADIJA KHADIJAH KHADEEJA
MARIAM MARYAM MERYEM MIRIAM
NUR NOOR NUUR
SIDDIQUE SIDDIQ SIDIQ
RAHMAN REHMAN RAHMANE
CHOUDHURY CHOWDHURY CHOUDHARY CHAUDHRY CHAUDHARY CHOUDRY
MUHAMMADU
OLUWASEUN SEUN
OLUWATOBI TOBI
OLUWAFEMI FEMI
OLUWAKEMI KEMI
OLUWADAMILOLA DAMI DAMILOLA LOLA
OLUWATOYIN TOYIN
ABIMBOLA BIMBO BIMBOLA
ADEBAYO BAYO
OLUWABUNMI BUNMI
OLUFUNMILAYO FUNMI FUNMILAYO
CHUKWUEMEKA EMEKA
BABATUNDE TUNDE
OLUSEGUN SEGUN
ADERONKE RONKE
TITILAYO TITI
TOLULOPE TOLU
OLUWABUKOLA BUKOLA BUKKY
OLAYINKA YINKA
ADEWALE WALE
OLUWATOSIN TOSIN
TEMITOPE TOPE
MOJISOLA MOJI
CHIDINMA DINMA
NKECHI NKECHINYERE
KWAME KWAMENA
KOFI KOFFI
EMMANUEL EMMA MANNY
SEBASTIAN SEB SEBASTIEN
GABRIEL GABE GABBY
GABRIELLE GABRIELA GABRIELLA
DOMINIC DOM DOMINICK
ADRIAN ADE
AIDAN AIDEN AYDEN
CONOR CONNOR
SEAN SHAUN SHAWN SEAN-PAUL
NIAMH NEVE NIEVE
AOIFE EVA
DECLAN
DERMOT DIARMUID
LIAM
PADRAIG PADRAIC
ROISIN ROSHEEN
SIOBHAN SHEVAUN CHEVONNE
GRAHAM GRAEME GRAHAME
DUNCAN
NEIL NEAL NIALL NEILL
KEITH
CRAIG
MARK MARC MARCUS MARCO
CARL KARL CARLOS
PAUL PAULO PABLO
ERIC ERIK ERICK
RAFAEL RAPHAEL RAFA
MIGUEL MIGUELITO
JOSE PEPE
JUAN JUANITO
ALEJANDRO ALEJO
FERNANDO NANDO
ANTONIO TONI
GIUSEPPE BEPPE PEPPE
GIOVANNI GIANNI
PIOTR PETR PIETRO PEDRO PIERRE
PAWEL PAVEL PAOLO
KRZYSZTOF KRYSTOF
WOJCIECH WOJTEK
MALGORZATA GOSIA
KATARZYNA KASIA
AGNIESZKA AGA
ALEKSANDRA OLA
ALEKSANDER OLEK
MAGDALENA MAGDA MADDALENA
MARCIN MARTIN
TOMASZ TOMAS TOMASSO
JAKUB KUBA
IWONA
ANDRZEJ ANDREI ANDREJ ANDRES ANDREAS ANDRE
MIHAI MICHAL MIKHAIL MICHEL MICHELE MIGUEL
IOAN IOANNIS JOHANN JOHANNES JAN JANUSZ IVAN EVAN GIOVANNI JUAN
ELENA YELENA OLENA
YURI YURIY IURIE
DMITRI DMITRY DIMITRI DIMITRIS
NIKOLAI NIKOLAY NIKOLAS NIKOS
SERGEI SERGEY SERGIO SERGE
VLADIMIR VLAD VOLODYMYR
OLEKSANDR OLEXANDER SASHA
TATIANA TANYA TATYANA
SVETLANA SVETA LANA
EKATERINA YEKATERINA KATYA
NATALYA NATALIYA
PRIYA PRIA
RAJESH RAJ RAJU
SURESH SURI
MAHENDRA MAHINDER
GURPREET GURPRIT
HARPREET HARPRIT
MANPREET MANPRIT
JASWINDER JASVINDER
KULDIP KULDEEP
SANDEEP SANDIP
PRADEEP PRADIP
DEEPAK DIPAK
AMANDEEP AMANDIP
SUNIL SUNNY
ANIL ANEEL
VIJAY VIJAI
LAKSHMI LAXMI LAKSHMY
SHREYA SHRIYA
XIAO SIAO
WEI WAI
ZHANG CHANG CHEUNG
CHEN CHAN TAN
WANG WONG
LI LEE LEIGH
HUANG WONG WANG
LIU LAU LAO
NGUYEN NGUYEN-VAN
TRAN
"""


def _build_nickname_map() -> dict[str, str]:
    # First group wins for a token listed twice, so the table stays a function (one canonical).
    out: dict[str, str] = {}
    for line in _NICKNAME_GROUPS.strip().splitlines():
        names = line.split()
        if not names:
            continue
        canon = names[0]
        for n in names:
            out.setdefault(n.replace("-", ""), canon)
    # A group whose canonical was claimed by an earlier group joins that group (ALY -> ALI ->
    # ALICE becomes ALY -> ALICE), so that mapping twice gives what mapping once gives. Targets
    # are always names seen earlier, so this ends.
    for name in out:
        target = out[name]
        while out[target] != target:
            target = out[target]
        out[name] = target
    return out


NICKNAME_MAP: dict[str, str] = _build_nickname_map()


# Latin letters that NFKD does not split into a base letter and an accent (it would drop them).
_LATIN_EXTRA = str.maketrans({"Ł": "L", "ł": "l", "Ø": "O", "ø": "o", "Æ": "AE", "æ": "ae", "Œ": "OE", "œ": "oe",
                              "Đ": "D", "đ": "d", "Þ": "TH", "þ": "th", "ı": "i"})
# Apostrophes and their look-alikes (O'BRIEN, O’BRIEN, O´BRIEN), removed before NFKD turns the
# acute accent into a space; dashes of every width, so that JEAN–PAUL is JEAN-PAUL.
_APOSTROPHES = re.compile("['`\u2018\u2019\u02bc\u00b4\u2032]")
_DASHES = re.compile("[\u2010\u2011\u2012\u2013\u2014\u2015\u2212]")


def _ascii_letter(ch: str) -> str:
    """One character as ASCII: its accent stripped (NFKD), else romanised if it is a letter."""
    t = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
    if t.isascii():
        return t
    return anyascii(ch) if unicodedata.category(ch)[0] in "LM" else " "


def _ascii_upper(s: str) -> str:
    s = s.translate(_LATIN_EXTRA)
    t = "".join(ch for ch in unicodedata.normalize("NFKD", s) if not unicodedata.combining(ch))
    if not t.isascii():
        # Letters NFKD leaves as they are (another script: Cyrillic, Greek, Arabic, Chinese; or
        # Latin such as ð and ŋ) are romanised by anyascii (ИВАН -> IVAN, 王伟 -> WANGWEI,
        # GUÐRÚN -> GUDRUN), where they used to be deleted: a name spelt the same way in both
        # systems then agrees. Symbols (emoji) are not letters and stay out of names.
        t = "".join(_ascii_letter(ch) for ch in unicodedata.normalize("NFC", s))
    return t.upper()


def _clean_one(v: str) -> str | None:
    t = _ascii_upper(_DASHES.sub("-", _APOSTROPHES.sub("", v)))
    t = re.sub(r"[^A-Z]+", " ", t).strip()
    return None if (not t or t in JUNK_NAMES) else t


def clean_name_text(col: str | pl.Expr) -> pl.Expr:
    """Upper case ASCII, diacritics stripped (NFKD), apostrophes dropped (O'BRIEN -> OBRIEN),
    other punctuation -> space, runs of space collapsed; junk placeholders -> null."""
    e = pl.col(col) if isinstance(col, str) else col
    return _map_distinct(e.cast(pl.String), _clean_one, pl.String)


_FN_DTYPE = pl.Struct({"forename": pl.String, "forename_other": pl.String, "forename_nick": pl.String})
_SN_DTYPE = pl.Struct({"surname": pl.String, "surname_parts": pl.List(pl.String)})


def _forenames_one(v: str) -> dict:
    # Hyphenated forenames are joined (JEAN-PAUL -> JEANPAUL): systems differ on keeping the hyphen.
    t = _clean_one(_DASHES.sub("", v).replace("-", ""))
    words = (t or "").split(" ")
    # BABY OF SARAH, UNKNOWN MALE: a placeholder word makes the rest no forename either.
    if any(w in _JUNK_TOKENS for w in words):
        words = []
    parts = [p for p in words if p and p not in _TITLES]
    if not parts:
        return {"forename": None, "forename_other": None, "forename_nick": None}
    return {"forename": parts[0], "forename_other": " ".join(parts[1:]) or None,
            "forename_nick": NICKNAME_MAP.get(parts[0], parts[0])}


def _surname_one(v: str) -> dict:
    t = _clean_one(v)
    words = [p for p in (t or "").split(" ") if p and p not in _JUNK_TOKENS]
    # Single letters stay in the whole surname (O BRIEN is OBRIEN, as O'BRIEN is) but are not parts.
    parts = [p for p in words if len(p) >= 2]
    if not parts:
        return {"surname": None, "surname_parts": None}
    return {"surname": "".join(words), "surname_parts": parts}


def standardise_forenames(col: str | pl.Expr) -> pl.Expr:
    """Struct {forename: first forename, forename_other: the rest joined by space, forename_nick:
    nickname-group canonical of the first forename}. One Python call per distinct value."""
    e = pl.col(col) if isinstance(col, str) else col
    return _map_distinct(e.cast(pl.String), _forenames_one, _FN_DTYPE)


def placeholder_full_name(forename: str | pl.Expr, surname: str | pl.Expr) -> pl.Expr:
    """True where a standardised forename and surname together spell a placeholder that neither
    is on its own: NOT + KNOWN, NO + NAME, NOT + STATED (each word alone can be a name part)."""
    fn = pl.col(forename) if isinstance(forename, str) else forename
    sn = pl.col(surname) if isinstance(surname, str) else surname
    return pl.concat_str([fn, sn], separator=" ").is_in(list(_JUNK_SPLIT_NAMES)).fill_null(False)


def standardise_surname(col: str | pl.Expr) -> pl.Expr:
    """Struct {surname: whole surname without spaces/hyphens, surname_parts: list of parts of a
    double-barrelled or multi-word surname (>= 2 letters each)}."""
    e = pl.col(col) if isinstance(col, str) else col
    return _map_distinct(e.cast(pl.String), _surname_one, _SN_DTYPE)


# ---------------------------------------------------------------------------------------------
# Phonetic code (no phonetic package is a project dependency; Soundex is short and exact)
# ---------------------------------------------------------------------------------------------

_SDX = {c: d for d, letters in {"1": "BFPV", "2": "CGJKQSXZ", "3": "DT", "4": "L", "5": "MN", "6": "R"}.items() for c in letters}


def soundex(name: str | None) -> str | None:
    """American Soundex (H and W do not separate equal codes)."""
    if not name:
        return None
    name = re.sub(r"[^A-Z]", "", name.upper())
    if not name:
        return None
    first = name[0]
    out = []
    prev = _SDX.get(first, "")
    for ch in name[1:]:
        code = _SDX.get(ch, "")
        if ch in "HW":
            continue
        if code and code != prev:
            out.append(code)
        prev = code
    return (first + "".join(out) + "000")[:4]


def soundex_expr(col: str | pl.Expr) -> pl.Expr:
    e = pl.col(col) if isinstance(col, str) else col
    return _map_distinct(e, soundex, pl.String)


def phonetic_key(name: str | None) -> str | None:
    """A coarse sound-alike key beyond Soundex: common English/transliteration spellings folded
    (PH->F, CK/Q->K, KH->K, GH->G, DH->D, TH->T, Z->S, W->V, Y/J->I, doubled letters), then vowels
    after the first letter dropped. Catches MOHAMMED/MUHAMAD, CATHRYN/KATHRYN better than Soundex
    keeps the first letter. An initial vowel folds to A (ABDUL/ABDOOL, EMMA/AMMA); an initial J,
    or a Y before a vowel, is a consonant and folds to I only (JUSUF/YUSUF), so JOHN is not ANN,
    nor JAMES AMOS; a Y before a consonant is a vowel (YVONNE/EVONNE)."""
    if not name:
        return None
    s = re.sub(r"[^A-Z]", "", name.upper())
    if not s:
        return None
    consonant_head = s[0] == "J" or (s[0] == "Y" and s[1:2] in tuple("AEIOU"))
    for a, b in (("PH", "F"), ("CK", "K"), ("KH", "K"), ("GH", "G"), ("DH", "D"), ("TH", "T"),
                 ("SCH", "SH"), ("Q", "K"), ("Z", "S"), ("W", "V"), ("Y", "I"), ("J", "I")):
        s = s.replace(a, b)
    s = re.sub(r"^C(?=[AOU])", "K", s)
    s = re.sub(r"C(?=[EIY])", "S", s)
    s = re.sub(r"(.)\1+", r"\1", s)
    head, tail = s[0], re.sub(r"[AEIOUH]", "", s[1:])
    if head in "AEIOU" and not consonant_head:
        head = "A"
    return head + tail


def phonetic_expr(col: str | pl.Expr) -> pl.Expr:
    e = pl.col(col) if isinstance(col, str) else col
    return _map_distinct(e, phonetic_key, pl.String)


#: Bigram Dice similarity at or above which two names count as alike in spelling: the model's fuzzy
#: name level in tokens mode, and the quality report's test of agreeing names.
NAME_DICE_ALIKE = 0.7


def bigrams_expr(col: str | pl.Expr) -> pl.Expr:
    """Distinct padded character bigrams of a name (pad '_' both ends) as a sorted list."""
    e = pl.col(col) if isinstance(col, str) else col
    return _map_distinct(e, bigrams, pl.List(pl.String))


def bigrams(s: str) -> list[str]:
    p = f"_{s}_"
    return sorted({p[i : i + 2] for i in range(len(p) - 1)})


#: Shortest name given a deletion neighbourhood: deleting a letter of a three-letter name leaves
#: two, which many unrelated names share (ALI, ALY, ALA, ...).
MIN_ONE_EDIT_LENGTH = 4


def one_edit_keys_expr(col: str | pl.Expr) -> pl.Expr:
    """A name's deletion neighbourhood as a sorted list (`one_edit_keys`); null for names shorter
    than `MIN_ONE_EDIT_LENGTH`."""
    e = pl.col(col) if isinstance(col, str) else col
    return _map_distinct(e, one_edit_keys, pl.List(pl.String))


def one_edit_keys(s: str) -> list[str] | None:
    """The name and every string one letter shorter (its deletion neighbourhood). Two names share
    a key when one letter was dropped, added or changed, or two neighbours swapped (JAMES/JAME,
    KEMI/KEHI, MOHAMUD/MOHMAUD): the one-edit test, made by set overlap so it works on keyed
    tokens, where bigram Dice is too strict for short names (one changed letter of a four-letter
    name leaves Dice 0.6)."""
    if len(s) < MIN_ONE_EDIT_LENGTH:
        return None
    return sorted({s, *(s[:i] + s[i + 1:] for i in range(len(s)))})


# ---------------------------------------------------------------------------------------------
# Date of birth, sex
# ---------------------------------------------------------------------------------------------

DEFAULT_DOBS = (dt.date(1900, 1, 1), dt.date(1901, 1, 1), dt.date(1800, 1, 1), dt.date(1970, 1, 1), dt.date(2000, 1, 1))


def standardise_dob(col: str = "date_of_birth", as_of: dt.date | None = None) -> tuple[pl.Expr, pl.Expr]:
    """(DOB or null, flag ok|missing|default|implausible). Default dates (1900-01-01 ...) and
    DOBs in the future or before 1890 are nulled; a 1st of January DOB is kept but flagged
    `jan1` since systems use it when only the year is known."""
    d = pl.col(col).cast(pl.Date, strict=False)
    upper = pl.lit(as_of or dt.date(2100, 1, 1))
    default = d.is_in(list(DEFAULT_DOBS))
    implaus = (d < pl.lit(dt.date(1890, 1, 1))) | (d > upper)
    flag = (
        pl.when(d.is_null()).then(pl.lit("missing"))
        .when(default).then(pl.lit("default"))
        .when(implaus).then(pl.lit("implausible"))
        .when((d.dt.month() == 1) & (d.dt.day() == 1)).then(pl.lit("jan1"))
        .otherwise(pl.lit("ok"))
    )
    clean = pl.when(default | implaus).then(None).otherwise(d)
    return clean, flag


def dob_evidence_rank(flag: pl.Expr) -> pl.Expr:
    """What a DOB flag (`standardise_dob`) leaves to compare: 0 a full date, 1 the year only (a
    1 January date), 2 nothing (missing, a default or implausible)."""
    return pl.when(flag == "ok").then(0).when(flag == "jan1").then(1).otherwise(2).cast(pl.Int8)


_SEX_MAP = {
    "MALE": "Male", "M": "Male", "1": "Male", "MAN": "Male",
    "FEMALE": "Female", "F": "Female", "2": "Female", "WOMAN": "Female",
    "OTHER": "Other", "3": "Other", "4": "Other", "9": "Other", "I": "Other", "INDETERMINATE": "Other",
    "NON-BINARY": "Other", "NON BINARY": "Other",
    "UNKNOWN": "Unknown", "X": "Unknown", "Z": "Unknown", "0": "Unknown", "NOT KNOWN": "Unknown",
    "U": "Unknown", "NOT STATED": "Unknown",
}


def standardise_sex(col: str) -> pl.Expr:
    """CLD Gender words and NHS Person Stated Gender codes -> Male|Female|Other|Unknown."""
    e = pl.col(col).cast(pl.String).str.strip_chars().str.to_uppercase()
    return e.replace_strict(_SEX_MAP, default="Unknown", return_dtype=pl.String).fill_null("Unknown")


# ---------------------------------------------------------------------------------------------
# Postcode
# ---------------------------------------------------------------------------------------------

_PC_RE = r"^(GIR0AA|[A-Z]{1,2}[0-9][0-9A-Z]?[0-9][A-Z]{2})$"


def standardise_postcode(col: str | pl.Expr) -> pl.Expr:
    """ONSPD `pcds` form (outward + space + inward) or null when not a valid UK shape, or an NHS
    pseudo-postcode (ZZ99: no fixed abode, address not known, a country abroad): not an address,
    and everyone without one would agree on it."""
    e = pl.col(col) if isinstance(col, str) else col
    s = e.cast(pl.String).map_batches(_nfkc_where_not_ascii, return_dtype=pl.String).str.to_uppercase().str.replace_all(r"[^A-Z0-9]", "")
    ok = s.str.contains(_PC_RE) & ~s.str.starts_with("ZZ99")
    n = s.str.len_chars()
    pcds = s.str.slice(0, n - 3) + pl.lit(" ") + s.str.slice(n - 3, 3)
    return pl.when(ok).then(pcds).otherwise(None)


def postcode_sector(pcds: str | pl.Expr) -> pl.Expr:
    """Outward code + first inward digit ('SE5 8AZ' -> 'SE5 8')."""
    e = pl.col(pcds) if isinstance(pcds, str) else pcds
    n = e.str.len_chars()
    return e.str.slice(0, n - 2)


def postcode_district(pcds: str | pl.Expr) -> pl.Expr:
    e = pl.col(pcds) if isinstance(pcds, str) else pcds
    return e.str.split(" ").list.first()


# ---------------------------------------------------------------------------------------------
# Ethnicity
# ---------------------------------------------------------------------------------------------

# NHS Data Dictionary Ethnic Category (2001) -> (broad ONS 2021 group, detailed ONS 2021 label).
_NHS_ETHNIC = {
    "A": ("White", "White: English, Welsh, Scottish, Northern Irish or British"),
    "B": ("White", "White: Irish"),
    "C": ("White", "White: Any other White background"),
    "T": ("White", "White: Gypsy or Irish Traveller"),
    "U": ("White", "White: Roma"),
    "D": ("Mixed", "Mixed or multiple ethnic groups: White and Black Caribbean"),
    "E": ("Mixed", "Mixed or multiple ethnic groups: White and Black African"),
    "F": ("Mixed", "Mixed or multiple ethnic groups: White and Asian"),
    "G": ("Mixed", "Mixed or multiple ethnic groups: Any other Mixed or multiple ethnic background"),
    "H": ("Asian", "Asian or Asian British: Indian"),
    "J": ("Asian", "Asian or Asian British: Pakistani"),
    "K": ("Asian", "Asian or Asian British: Bangladeshi"),
    "L": ("Asian", "Asian or Asian British: Any other Asian background"),
    # ONS 2021 places Chinese under Asian (NHS 2001 publication put it under Other).
    "R": ("Asian", "Asian or Asian British: Chinese"),
    "M": ("Black", "Black, Black British, Caribbean or African: Caribbean"),
    "N": ("Black", "Black, Black British, Caribbean or African: African"),
    "P": ("Black", "Black, Black British, Caribbean or African: Any other Black, Black British or Caribbean background"),
    "V": ("Other", "Other ethnic group: Arab"),
    "S": ("Other", "Other ethnic group: Any other ethnic group"),
    "Z": ("Unknown", "No data: Refused"),
    "99": ("Unknown", "No data: Undeclared or not known"),
}
_BROAD_PREFIX = [
    ("white", "White"), ("mixed", "Mixed"), ("asian", "Asian"), ("black", "Black"),
    ("other ethnic", "Other"), ("other", "Other"), ("arab", "Other"), ("chinese", "Asian"),
]


def _ethnicity_one(v: str | None) -> tuple[str, str | None]:
    if v is None:
        return ("Unknown", None)
    s = v.strip()
    if s.upper() in _NHS_ETHNIC:
        return _NHS_ETHNIC[s.upper()]
    low = s.lower()
    if low.startswith("no data") or low in {"unknown", "not known", "not stated", "refused"}:
        return ("Unknown", s if low.startswith("no data") else None)
    # R1 ' - ' separator -> R2 ': '
    label = re.sub(r"\s+-\s+", ": ", s, count=1)
    for prefix, broad in _BROAD_PREFIX:
        if low.startswith(prefix):
            return (broad, label)
    return ("Unknown", None)


def standardise_ethnicity(col: str) -> pl.Expr:
    """Struct {ethnic_group: broad White|Mixed|Asian|Black|Other|Unknown, ethnicity_detail: ONS
    2021 label or null} from CLD labels or NHS ethnic category letters."""
    dtype = pl.Struct({"ethnic_group": pl.String, "ethnicity_detail": pl.String})
    s = _map_distinct(
        pl.col(col).cast(pl.String),
        lambda v: dict(zip(("ethnic_group", "ethnicity_detail"), _ethnicity_one(v))),
        dtype,
    )
    return pl.when(s.is_null()).then(pl.struct(pl.lit("Unknown").alias("ethnic_group"), pl.lit(None, pl.String).alias("ethnicity_detail"))).otherwise(s)
