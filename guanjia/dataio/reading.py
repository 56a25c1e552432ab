"""Reading an uploaded spreadsheet without trusting it: streamed, with every bound checked first.

An .xlsx is a zip of XML files, and every size in it is the sender's claim: the sheet's
``<dimension ref="A1:XFD1048576">``, the number of columns, the size a 1 MB entry unpacks to. A
reader that believes them allocates what they say (a 2 KB file once asked for 512 GiB). So:

- the zip's directory is checked before a byte is unpacked: the number of entries, the unpacked
  total (``MAX_UNPACKED_BYTES``) and each large entry's packing ratio (``MAX_RATIO``, a zip bomb
  packs 1 GiB of one repeated byte into 1 MB); ``zipfile`` itself never unpacks more than an
  entry's stated size, so the stated sizes are the bound;
- the sheet is read with a streaming XML parser, one row at a time, each row's elements dropped as
  soon as it is read; the stated dimension is ignored; a value beyond ``MAX_COLUMNS`` columns or
  ``MAX_ROWS`` rows and a cell longer than ``MAX_CELL_CHARS`` stop the reading with an error that
  names the place;
- a formula whose value the file did not save (written by a program, never opened in Excel) is
  named as such, instead of reading as an empty cell.

A .csv is decoded whole (it is at most the upload limit, 20 MB) and read row by row with the same
bounds; UTF-8 and GBK/GB18030 are accepted, with or without a byte-order mark.

``.xls`` and ``.ods`` are refused with a message to save as .xlsx: the libraries that read them
build the whole sheet at its stated size.
"""

from __future__ import annotations

import codecs
import csv
import io
import posixpath
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring, iterparse
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from guanjia.dataio.spreadsheets import unescape_csv_cell

XLSX_SUFFIXES = {".xlsx", ".xlsm"}
CSV_SUFFIXES = {".csv"}
REFUSED_SUFFIXES = {".xls", ".ods"}

MAX_ROWS = 200_000
MAX_COLUMNS = 40
MAX_CELL_CHARS = 2_000
MAX_ENTRIES = 1_000
MAX_UNPACKED_BYTES = 400 * 1024 * 1024
# A real sheet packs 5–20 times; a bomb thousands of times. Small entries may pack better.
MAX_RATIO = 150
RATIO_FLOOR_BYTES = 1024 * 1024
MAX_SHARED_STRINGS_BYTES = 100 * 1024 * 1024

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_REF = re.compile(r"^([A-Z]{1,3})(\d+)$")


class FileRefused(Exception):
    """The file breaks a bound or cannot be read; ``message`` says which, in the user's words."""

    def __init__(self, message: str, *, line: int = 0, column: int = 0):
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column

    def as_validation_error(self) -> ValidationError:
        return ValidationError({"file": self.message})


def column_letters(index: int) -> str:
    """1 → A, 27 → AA."""
    letters = ""
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _column_index(letters: str) -> int:
    index = 0
    for char in letters:
        index = index * 26 + ord(char) - 64
    return index


def kind_of(filename: str) -> str:
    """``xlsx`` or ``csv``; refuses every other file with the message the user sees."""
    suffix = Path(filename or "").suffix.lower()
    if suffix in XLSX_SUFFIXES:
        return "xlsx"
    if suffix in CSV_SUFFIXES:
        return "csv"
    if suffix in REFUSED_SUFFIXES:
        raise FileRefused(_("请在 Excel 中将文件另存为 .xlsx 格式后再导入"))
    raise FileRefused(_("只支持 .xlsx 或 .csv 文件"))


# The zip directory ------------------------------------------------------------------------------


def check_package(fileobj) -> zipfile.ZipFile:
    """Open an .xlsx and check its directory: refuses a broken file and a zip bomb before any of it
    is unpacked. Cheap (reads the directory only): the upload request calls it."""
    try:
        package = zipfile.ZipFile(fileobj)
        entries = package.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise FileRefused(_("无法读取该 Excel 文件，请检查文件是否损坏")) from exc
    if len(entries) > MAX_ENTRIES:
        raise FileRefused(_("文件结构异常（包含过多部件），已拒绝"))
    total = 0
    for entry in entries:
        total += entry.file_size
        if entry.file_size > RATIO_FLOOR_BYTES and entry.file_size > MAX_RATIO * max(entry.compress_size, 1):
            raise FileRefused(_("文件解压后异常膨胀（疑似压缩炸弹），已拒绝"))
    if total > MAX_UNPACKED_BYTES:
        raise FileRefused(
            _("文件解压后超过 %(mb)s MB，请拆分后分批导入") % {"mb": MAX_UNPACKED_BYTES // (1024 * 1024)}
        )
    return package


def _parse_small(package: zipfile.ZipFile, name: str):
    with package.open(name) as part:
        data = part.read(8 * 1024 * 1024 + 1)
    if len(data) > 8 * 1024 * 1024:
        raise FileRefused(_("文件结构异常，已拒绝"))
    return fromstring(data)


def _first_sheet(package: zipfile.ZipFile) -> str:
    names = set(package.namelist())
    try:
        workbook = _parse_small(package, "xl/workbook.xml")
        sheet = workbook.find(f"{_MAIN}sheets/{_MAIN}sheet")
        rels = _parse_small(package, "xl/_rels/workbook.xml.rels")
        rel_id = sheet.get(f"{_REL}id") if sheet is not None else None
        for rel in rels.iter(f"{_PKG_REL}Relationship"):
            if rel.get("Id") == rel_id:
                target = rel.get("Target", "")
                path = target.lstrip("/") if target.startswith("/") else posixpath.join("xl", target)
                path = posixpath.normpath(path)
                if path in names:
                    return path
    except (KeyError, SyntaxError, DefusedXmlException) as exc:
        raise FileRefused(_("无法读取该 Excel 文件，请检查文件是否损坏")) from exc
    if "xl/worksheets/sheet1.xml" in names:
        return "xl/worksheets/sheet1.xml"
    raise FileRefused(_("文件中没有工作表"))


def _events(part, tags) -> Iterator[tuple[str, object]]:
    """Stream a zip part through a parser that refuses DTDs and entities (no entity expansion,
    no external references: an .xlsx never has them)."""
    try:
        yield from iterparse(part, events=tags, forbid_dtd=True)
    except (SyntaxError, DefusedXmlException) as exc:
        raise FileRefused(_("无法读取该 Excel 文件，请检查文件是否损坏")) from exc


def _shared_strings(package: zipfile.ZipFile) -> list[str]:
    name = "xl/sharedStrings.xml"
    if name not in package.namelist():
        return []
    if package.getinfo(name).file_size > MAX_SHARED_STRINGS_BYTES:
        raise FileRefused(_("文件中的文字内容过多，请拆分后分批导入"))
    strings: list[str] = []
    limit = MAX_ROWS * MAX_COLUMNS
    with package.open(name) as part:
        table = None
        for event, elem in _events(part, ("start", "end")):
            if event == "start":
                if table is None:
                    table = elem  # <sst>: emptied as we go, so read strings are not kept twice
                continue
            if elem.tag == f"{_MAIN}si":
                # Rich text is several runs (<r><t>); phonetic guides (<rPh>) are not the text.
                parts = []
                for child in elem:
                    if child.tag == f"{_MAIN}t":
                        parts.append(child.text or "")
                    elif child.tag == f"{_MAIN}r":
                        parts.extend(t.text or "" for t in child.iter(f"{_MAIN}t"))
                text = "".join(parts)
                strings.append(text[: MAX_CELL_CHARS + 1])
                table.clear()
                if len(strings) > limit:
                    raise FileRefused(_("文件中的文字内容过多，请拆分后分批导入"))
    return strings


def _cell_value(elem, kind: str | None, strings: list[str], line: int, column: int):
    value = elem.find(f"{_MAIN}v")
    raw = value.text if value is not None else None
    if kind == "inlineStr":
        node = elem.find(f"{_MAIN}is")
        return "".join(t.text or "" for t in node.iter(f"{_MAIN}t")) if node is not None else None
    if raw is None:
        if elem.find(f"{_MAIN}f") is not None:
            raise FileRefused(
                _(
                    "第%(line)s行 %(col)s列: 公式没有保存计算结果，请在 Excel 中打开并保存文件后再导入，或将公式粘贴为数值"
                )
                % {"line": line, "col": column_letters(column)},
                line=line,
                column=column,
            )
        return None
    if kind == "s":
        try:
            return strings[int(raw)]
        except (ValueError, IndexError) as exc:
            raise FileRefused(_("无法读取该 Excel 文件，请检查文件是否损坏")) from exc
    if kind in ("str", "e"):
        return raw
    if kind == "b":
        return raw == "1"
    try:
        number = float(raw)
    except ValueError:
        return raw
    return int(number) if number.is_integer() and abs(number) < 2**53 else number


def iter_xlsx(fileobj) -> Iterator[list]:
    """The first sheet's rows, from row 1, as lists of values; a row missing from the file is an
    empty list (so positions stay the spreadsheet's row numbers)."""
    package = check_package(fileobj)
    sheet = _first_sheet(package)
    strings = _shared_strings(package)
    expected_line = 1
    row_elements = 0
    sheet_data = None
    with package.open(sheet) as part:
        line = 0
        cells: dict[int, object] = {}
        next_column = 1
        for event, elem in _events(part, ("start", "end")):
            tag = elem.tag
            if event == "start":
                if tag == f"{_MAIN}sheetData":
                    sheet_data = elem
                elif tag == f"{_MAIN}row":
                    row_elements += 1
                    if row_elements > 2 * MAX_ROWS:
                        raise FileRefused(_("文件超过 %(n)s 行，请拆分后分批导入") % {"n": MAX_ROWS})
                    stated = elem.get("r")
                    line = int(stated) if stated and stated.isdigit() else line + 1
                    cells = {}
                    next_column = 1
                continue
            if tag == f"{_MAIN}c":
                ref = _REF.match(elem.get("r") or "")
                column = _column_index(ref.group(1)) if ref else next_column
                next_column = column + 1
                value = _cell_value(elem, elem.get("t"), strings, line, column)
                elem.clear()
                if value is None or value == "":
                    continue
                if column > MAX_COLUMNS:
                    raise FileRefused(
                        _("第%(line)s行 %(col)s列有内容：文件最多 %(n)s 列，请删除多余的列")
                        % {"line": line, "col": column_letters(column), "n": MAX_COLUMNS},
                        line=line,
                        column=column,
                    )
                if isinstance(value, str) and len(value) > MAX_CELL_CHARS:
                    raise FileRefused(
                        _("第%(line)s行 %(col)s列: 内容超过 %(n)s 个字")
                        % {"line": line, "col": column_letters(column), "n": MAX_CELL_CHARS},
                        line=line,
                        column=column,
                    )
                cells[column] = value
            elif tag == f"{_MAIN}row":
                if sheet_data is not None:
                    sheet_data.clear()  # the rows read so far, this one included
                if not cells:
                    continue
                if line > MAX_ROWS + 1:
                    raise FileRefused(
                        _("文件超过 %(n)s 行（第%(line)s行有内容），请拆分后分批导入")
                        % {"n": MAX_ROWS, "line": line},
                        line=line,
                    )
                while expected_line < line:
                    yield []
                    expected_line += 1
                row = [None] * max(cells)
                for column, value in cells.items():
                    row[column - 1] = value
                yield row
                expected_line = line + 1
            elif tag == f"{_MAIN}sheetData":
                elem.clear()


# CSV --------------------------------------------------------------------------------------------

_BOMS = (codecs.BOM_UTF8, b"\x84\x31\x95\x33")  # UTF-8; GB18030's own


def decode_csv(data: bytes) -> str:
    """UTF-8 or GBK/GB18030 (what Excel in China saves), with or without a byte-order mark: a GBK
    file behind a UTF-8 mark (written by some tools) is read too."""
    for bom in _BOMS:
        if data.startswith(bom):
            data = data[len(bom) :]
            break
    for encoding in ("utf-8", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise FileRefused(_("无法识别 CSV 文件的编码，请另存为 UTF-8"))  # pragma: no cover


def iter_csv(fileobj) -> Iterator[list]:
    from guanjia.dataio.services import MAX_UPLOAD_BYTES

    data = fileobj.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise FileRefused(_("文件不能超过 20 MB"))
    text = decode_csv(data)
    del data
    reader = csv.reader(io.StringIO(text))
    line = 0
    while True:
        line += 1
        try:
            raw = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise FileRefused(_("第%(line)s行: CSV 格式错误或内容过长") % {"line": line}, line=line) from exc
        if line > MAX_ROWS + 1 and any(v.strip() for v in raw):
            raise FileRefused(_("文件超过 %(n)s 行，请拆分后分批导入") % {"n": MAX_ROWS}, line=line)
        while raw and not raw[-1].strip():
            raw.pop()
        if len(raw) > MAX_COLUMNS:
            raise FileRefused(
                _("第%(line)s行 %(col)s列有内容：文件最多 %(n)s 列，请删除多余的列")
                % {"line": line, "col": column_letters(len(raw)), "n": MAX_COLUMNS},
                line=line,
                column=len(raw),
            )
        for index, value in enumerate(raw):
            if len(value) > MAX_CELL_CHARS:
                raise FileRefused(
                    _("第%(line)s行 %(col)s列: 内容超过 %(n)s 个字")
                    % {"line": line, "col": column_letters(index + 1), "n": MAX_CELL_CHARS},
                    line=line,
                    column=index + 1,
                )
        yield [unescape_csv_cell(v) for v in raw]


def iter_table(fileobj, filename: str) -> Iterator[list]:
    """The rows of an uploaded file, streamed and bounded (see the module's docstring)."""
    if kind_of(filename) == "xlsx":
        return iter_xlsx(fileobj)
    return iter_csv(fileobj)


def check_upload(fileobj, filename: str) -> None:
    """What the upload request checks: the kind, and for an .xlsx its zip directory. Unpacks nothing."""
    if kind_of(filename) == "xlsx":
        check_package(fileobj)
    fileobj.seek(0)
