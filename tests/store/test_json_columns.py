"""JSON columns: the store's encoder writes what the standard library reads back, for every
value a row can hold, and never writes text a database would refuse as JSON."""

from __future__ import annotations

import json
import math
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import JSON, Column, Integer, MetaData, Table, insert, select

from store.db import make_engine, to_json

SCALARS = (st.none() | st.booleans() | st.integers() | st.text()
           | st.floats(allow_nan=False, allow_infinity=False))
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4)
                      | st.dictionaries(st.text(max_size=8), inner, max_size=4), max_leaves=20)


@given(VALUES)
def test_what_it_writes_reads_back_equal(value: object) -> None:
    assert json.loads(to_json(value)) == value


def test_keys_msgspec_refuses_are_written_as_before() -> None:
    assert to_json({True: 1, None: 2}) == json.dumps({True: 1, None: 2})


def test_integers_beyond_64_bits_stay_exact() -> None:
    assert json.loads(to_json({"n": 2**70, "m": -(2**90)})) == {"n": 2**70, "m": -(2**90)}


def test_nan_and_infinity_become_null_not_invalid_json() -> None:
    text = to_json({"a": math.nan, "b": [math.inf, -math.inf]})
    assert json.loads(text, parse_constant=_refuse) == {"a": None,
                                                                        "b": [None, None]}


def _refuse(constant: str) -> None:
    raise AssertionError(f"wrote the non-JSON constant {constant}")


def test_a_sqlite_json_column_round_trips_through_the_engine(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'j.db'}")
    table = Table("t", MetaData(), Column("id", Integer, primary_key=True), Column("v", JSON))
    table.metadata.create_all(engine)
    value = {"text": "我要投訴 — café", "scores": [0.1, 0.25], "big": 2**66, "none": None}
    with engine.begin() as conn:
        conn.execute(insert(table).values(id=1, v=value))
    with engine.connect() as conn:
        assert conn.execute(select(table.c.v)).scalar_one() == value
