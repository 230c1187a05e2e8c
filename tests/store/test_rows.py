"""The engine-to-store write contract: each row kind's fields are exactly what its table can
take, so renaming a column fails here, not silently in production."""

from __future__ import annotations

from dataclasses import MISSING, fields

import pytest
from sqlalchemy import Column, Table

from store.rows import TABLES, CallRow, DeskRow
from store.schema import calls, desk_states


def _required(column: Column) -> bool:
    """A column an insert must name: NOT NULL with no default and not an autoincrement key."""
    generated = column.primary_key and column.autoincrement is True
    return not (column.nullable or column.default is not None
                or column.server_default is not None or generated)


@pytest.mark.parametrize(("row", "table"), list(TABLES.items()),
                         ids=[t.name for t in TABLES.values()])
def test_every_field_is_a_column_and_every_required_column_a_field(row: type,
                                                                  table: Table) -> None:
    names = {f.name for f in fields(row)}
    assert names - set(table.c.keys()) == set(), f"{row.__name__}: fields with no column"
    missing = {c.name for c in table.columns if _required(c)} - names
    assert missing == set(), f"{row.__name__}: required columns of {table.name} with no field"


def test_rows_the_writer_upserts_carry_every_column() -> None:
    """An upsert updates only the columns it names: a column left out keeps a stale value."""
    assert {f.name for f in fields(CallRow)} == set(calls.c.keys())
    assert {f.name for f in fields(DeskRow)} == set(desk_states.c.keys())


def test_defaulted_fields_match_their_column_defaults() -> None:
    """A field default that disagrees with its column's would store two answers."""
    for row, table in TABLES.items():
        for f in fields(row):
            default = table.c[f.name].default
            if f.default is not MISSING and default is not None:
                assert f.default == default.arg, f"{row.__name__}.{f.name}"


def test_a_renamed_column_is_caught() -> None:
    """The check itself: a table whose column was renamed no longer matches its row."""
    from sqlalchemy import MetaData

    renamed = Table("desk_states", MetaData(), *(
        Column("light_state" if c.name == "state" else c.name, c.type, nullable=c.nullable,
               primary_key=c.primary_key) for c in desk_states.columns))
    names = {f.name for f in fields(DeskRow)}
    assert names - set(renamed.c.keys()) == {"state"}
    assert {c.name for c in renamed.columns if _required(c)} - names == {"light_state"}
