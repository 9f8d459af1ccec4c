"""What every list screen asks of its DataTable."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.cells import cell_len
from textual.widgets import DataTable

CELL_PADDING = 2  # DataTable's cell_padding of 1 on each side


def selected_key(table: DataTable[Any]) -> str | None:
    """The key of the row under the cursor, or None when the table is empty."""
    if table.row_count == 0:
        return None
    value = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
    return None if value is None else str(value)


def put_rows(table: DataTable[Any], rows: Sequence[tuple[str, Sequence[Any]]]) -> None:
    """Show `rows` (key, cells) in this order, changing only what changed: the cursor stays on
    its row while the rows around it come and go."""
    selected = selected_key(table)
    wanted = dict(rows)
    order = list(wanted)
    kept = [str(k.value) for k in table.rows if str(k.value) in wanted]
    if order[: len(kept)] != kept:
        table.clear()  # rows moved or came in between: rebuild
        kept = []
    for key in [str(k.value) for k in table.rows]:
        if key not in wanted:
            table.remove_row(key)
    columns = list(table.columns)
    for key, cells in wanted.items():
        if key in table.rows:
            for column, value in zip(columns, cells, strict=False):
                if table.get_cell(key, column) != value:
                    table.update_cell(key, column, value, update_width=True)
        else:
            table.add_row(*cells, key=key)
    if selected in wanted and table.get_row_index(selected) != table.cursor_row:
        table.move_cursor(row=table.get_row_index(selected))


def fit_columns(
    columns: Sequence[str], rows: Sequence[Sequence[Any]], width: int, drop: Sequence[str]
) -> list[int]:
    """Which columns to show so the table fits `width` without cutting a value: the columns
    in `drop` are hidden one by one, in that order, until it fits (or none is left to hide)."""
    widths = [
        max(cell_len(str(c)) for c in [name, *(row[i] for row in rows if i < len(row))])
        + CELL_PADDING
        for i, name in enumerate(columns)
    ]
    shown = list(range(len(columns)))
    for name in drop:
        if width <= 0 or sum(widths[i] for i in shown) <= width:
            break
        shown.remove(columns.index(name))
    return shown
