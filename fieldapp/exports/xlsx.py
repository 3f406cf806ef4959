"""The export as an Excel workbook (XLSX), for partners who work in a spreadsheet.

Pure: no Flask, no database. Written with XlsxWriter, which stores each value with its type:
text is a string cell, so no formula can run and no apostrophe is needed (a name such as
``=HYPERLINK(...)`` or ``-2`` shows exactly as it was typed), numbers are numbers and the
last visit date is a date. The Sites sheet has the same columns as the CSV (less its WKT
column, which is for GIS software), a frozen header row, a filter on the header and column
widths fitted to the contents; the About sheet says what the export is, how to handle it and
what each column holds; every printed page carries the handling marking at the top and foot.
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterable, Iterator
from datetime import date, datetime

import xlsxwriter

from fieldapp.exports.encoders import (
    NOT_XML,
    Metadata,
    Site,
    table_columns,
    table_values,
)
from fieldapp.exports.profiles import column_help
from fieldapp.timeutil import uk_iso

# Excel holds 15 significant digits: a whole number beyond 2**53 is kept as text so no digit
# of it is lost.
LARGEST_EXACT = 2**53
EXCEL_LARGEST = 9.99999999999999e307  # Excel's largest number; beyond it, text
MAX_WIDTH = 60  # characters; longer text wraps onto the next line when the cell is opened
CHUNK = 1 << 16
DATE_COLUMNS = {"last_visit_date"}
OPTIONS = {
    "in_memory": True,
    # Never turn text into something else: it is stored exactly as the export holds it.
    "strings_to_numbers": False,
    "strings_to_formulas": False,
    "strings_to_urls": False,
}


def _text(value) -> str:
    if isinstance(value, list | tuple):
        value = "; ".join(str(v) for v in value)
    # XML (inside the XLSX) cannot carry most control characters: they are dropped, as in KML.
    return NOT_XML.sub("", str(value))


def _is_number(value) -> bool:
    """Whether a spreadsheet can hold ``value`` as a number without changing it."""
    if isinstance(value, int):
        return abs(value) <= LARGEST_EXACT
    return isinstance(value, float) and math.isfinite(value) and abs(value) <= EXCEL_LARGEST


def _write(sheet, row: int, col: int, value, formats: dict) -> int:
    """Write one value with its own type; return how wide it is, in characters."""
    if value is None or value == "":
        return 0
    if isinstance(value, bool):
        sheet.write_boolean(row, col, value)
        return 5
    if _is_number(value):
        sheet.write_number(row, col, value)
        return len(repr(value))
    if isinstance(value, int | float):
        value = repr(value)  # too large to hold exactly, or not finite: keep it as text
    text = _text(value)
    sheet.write_string(row, col, text)
    return max((len(line) for line in text.splitlines()), default=0)


def _write_date(sheet, row: int, col: int, value, formats: dict) -> int:
    try:
        day = date.fromisoformat(value)
    except (TypeError, ValueError):
        return _write(sheet, row, col, value, formats)
    sheet.write_datetime(row, col, datetime(day.year, day.month, day.day), formats["date"])
    return 10


def _print_setup(sheet, marking: str) -> None:
    """Landscape, one page wide, the marking at the top and foot of every printed page."""
    marked = marking.replace("&", "&&")  # & starts a header/footer code
    sheet.set_header(f"&C&B{marked}")
    sheet.set_footer(f"&L{marked}&RPage &P of &N")
    sheet.set_landscape()
    sheet.fit_to_pages(1, 0)


def _sites_sheet(book, meta: Metadata, cols: list[str], sites: Iterable[Site], formats) -> None:
    sheet = book.add_worksheet("Sites")
    header = table_columns(cols)
    widths = [len(name) for name in header]
    for col, name in enumerate(header):
        sheet.write_string(0, col, name, formats["header"])
    last = 0
    for last, site in enumerate(sites, 1):
        row = table_values(site, cols)
        for col, name in enumerate(header):
            write = _write_date if name in DATE_COLUMNS else _write
            widths[col] = max(widths[col], write(sheet, last, col, row[name], formats))
    for col, width in enumerate(widths):
        sheet.set_column(col, col, min(width + 2, MAX_WIDTH))
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, max(last, 1), len(header) - 1)
    sheet.repeat_rows(0)
    _print_setup(sheet, meta.marking)


def _about_sheet(book, meta: Metadata, cols: list[str], formats) -> None:
    sheet = book.add_worksheet("About")
    sheet.write_string(0, 0, f"{meta.marking}: about this export", formats["title"])
    row = 2
    for label, text in meta.labelled():
        sheet.write_string(row, 0, label, formats["header"])
        sheet.write_string(row, 1, _text(text), formats["wrap"])
        row += 1
    row += 1
    sheet.write_string(row, 0, "Column", formats["header"])
    sheet.write_string(row, 1, "What it holds", formats["header"])
    for name in table_columns(cols):
        row += 1
        sheet.write_string(row, 0, name)
        sheet.write_string(row, 1, column_help(name), formats["wrap"])
    sheet.set_column(0, 0, 24)
    sheet.set_column(1, 1, 90)
    _print_setup(sheet, meta.marking)


def xlsx_chunks(meta: Metadata, cols: list[str], sites: Iterable[Site], **_) -> Iterator[bytes]:
    """The export as an XLSX workbook: a Sites sheet and an About sheet.

    A workbook is a ZIP that is only complete when closed, so it is built in memory and then
    sent in chunks (about 10 MB at 50,000 sites).
    """
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, OPTIONS)
    # The file's own dates are the export's, so the same sites and metadata give the same file.
    made = datetime.fromisoformat(uk_iso(meta.made_at)).replace(tzinfo=None)
    book.set_properties(
        {"title": f"Sites for {meta.agency_name}", "created": made, "comments": meta.marking}
    )
    formats = {
        "header": book.add_format({"bold": True, "bg_color": "#f3f2f1", "bottom": 1}),
        "title": book.add_format({"bold": True, "font_size": 14}),
        "wrap": book.add_format({"text_wrap": True, "valign": "top"}),
        "date": book.add_format({"num_format": "yyyy-mm-dd"}),
    }
    _sites_sheet(book, meta, cols, sites, formats)
    _about_sheet(book, meta, cols, formats)
    book.close()
    data = buffer.getvalue()
    for start in range(0, len(data), CHUNK):
        yield data[start : start + CHUNK]
