"""Spreadsheets in and out (.xlsx and .csv), pure: rows of text keyed by the roster's English field names.

Headers may be English (`grid_code`) or the Chinese ones offices use (`网格编码`). A file is read
whole but row by row (openpyxl read-only mode), so a town of 20,000 households stays small in memory.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from openpyxl import Workbook, load_workbook

# English field -> Chinese header, in the order files are written.
COLUMNS: dict[str, str] = {
    "grid_code": "网格编码",
    "address": "门牌地址",
    "head_name": "户主",
    "phone": "电话",
    "members": "人数",
    "tags": "标签",
    "lat": "纬度",
    "lon": "经度",
    "crs": "坐标系",
}
_BY_HEADER = {**{k: k for k in COLUMNS}, **{v: k for k, v in COLUMNS.items()}}
REQUIRED = ("grid_code", "address", "members")


class BadFile(ValueError):
    """The file as a whole cannot be read (not a spreadsheet, no header, a required column missing)."""


@dataclass(frozen=True)
class Sheet:
    headers: dict[str, str]  # field -> the header as written in the file
    rows: list[tuple[int, dict[str, str]]]  # (spreadsheet row number, field -> text)


def read_sheet(data: bytes, filename: str, max_rows: int) -> Sheet:
    """The rows of an .xlsx or .csv roster; BadFile when it is neither or lacks a required column."""
    lines = _xlsx_lines(data) if _is_xlsx(data, filename) else _csv_lines(data)
    header = next(lines, None)
    if header is None:
        raise BadFile("the file is empty")
    fields: list[str | None] = [_BY_HEADER.get(h.strip().lstrip("\ufeff").lower()) or _BY_HEADER.get(h.strip())
                                for h in header]  # fmt: skip
    headers = {f: h.strip() for f, h in zip(fields, header, strict=True) if f is not None}
    missing = [f"{f} {COLUMNS[f]}" for f in REQUIRED if f not in headers]
    if missing:
        raise BadFile(f"missing column(s): {', '.join(missing)}")
    rows: list[tuple[int, dict[str, str]]] = []
    for number, line in enumerate(lines, start=2):
        if not any(cell.strip() for cell in line):
            continue
        if len(rows) >= max_rows:
            raise BadFile(f"more than {max_rows} rows")
        rows.append((number, {f: c.strip() for f, c in zip(fields, line, strict=False) if f is not None}))
    return Sheet(headers, rows)


def _is_xlsx(data: bytes, filename: str) -> bool:
    return data[:4] == b"PK\x03\x04" or filename.lower().endswith(".xlsx")


def _csv_lines(data: bytes) -> Iterator[list[str]]:
    for encoding in ("utf-8-sig", "gb18030"):  # offices' Excel saves CSV as GBK
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise BadFile("the CSV file is neither UTF-8 nor GB18030 text")
    if "\x00" in text:
        raise BadFile("the file is neither an .xlsx workbook nor CSV text")
    yield from csv.reader(io.StringIO(text, newline=""))


def _xlsx_lines(data: bytes) -> Iterator[list[str]]:
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise BadFile("the file is not a readable .xlsx workbook") from exc
    try:
        sheet = book.worksheets[0]
        for values in sheet.iter_rows(values_only=True):
            yield [_cell(v) for v in values]
    finally:
        book.close()


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def write_xlsx(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(list(headers))
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def write_csv(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers)
    writer.writerows(["" if v is None else v for v in row] for row in rows)
    return ("\ufeff" + out.getvalue()).encode()  # the BOM makes Excel read it as UTF-8
