import datetime as dt

import polars as pl

from asc_linkage.core.frames import gather_rows, unchanged_since


def test_gather_rows_equals_indexing_across_chunks():
    df = pl.concat([pl.DataFrame({"a": [1, 2, 3], "s": ["x", "y", None], "l": [[1], [], None]}),
                    pl.DataFrame({"a": [4, 5], "s": ["z", "w"], "l": [[2, 3], [4]]})], rechunk=False)
    idx = pl.Series([4, 0, 2, 2, 3], dtype=pl.UInt32)
    got = gather_rows(df, idx)
    assert got.equals(df.rechunk()[idx]) and got.columns == df.columns


def test_unchanged_since_compares_every_column_nulls_equal():
    previous = pl.DataFrame({
        "id": ["a", "b", "c", "d", "e"],
        "name": ["ANN", "BO", None, "DI", "EVE"],
        "dob": [dt.date(1950, 1, 1), None, dt.date(1960, 2, 2), dt.date(1970, 3, 3), dt.date(1980, 4, 4)],
        "history": [["SE5 8AZ"], [], None, ["SW9 7AA", "SE1 1AA"], ["E1 6AN"]],
    })
    current = pl.DataFrame({
        "id": ["e", "d", "c", "b", "a", "new"],
        "name": ["EVE", "DI", None, "BO", "ANNE", "NEW"],  # a renamed
        "dob": [dt.date(1980, 4, 4), dt.date(1970, 3, 3), dt.date(1960, 2, 2), None, dt.date(1950, 1, 1), None],
        "history": [["E1 6AN"], ["SW9 7AA"], None, [], ["SE5 8AZ"], None],  # d lost a postcode
    })
    got = unchanged_since(current, previous, ["id"], ["name", "dob", "history"]).to_list()
    assert got == [True, False, True, True, False, False]  # e, d, c, b, a, new (order of `current`)
    # only the columns asked about count
    assert unchanged_since(current, previous, ["id"], ["dob"]).to_list() == [True, True, True, True, True, False]


def test_unchanged_since_with_a_column_typed_differently_compares_values():
    # An all-empty column is read as Null in one quarter and String in the other: still equal.
    previous = pl.DataFrame({"id": ["a", "b"], "extra": [None, None], "n": [1, 2]})
    current = pl.DataFrame({"id": ["a", "b"], "extra": pl.Series([None, "x"], dtype=pl.String), "n": [1, 2]})
    assert previous.schema["extra"] == pl.Null
    assert unchanged_since(current, previous, ["id"], ["extra", "n"]).to_list() == [True, False]
