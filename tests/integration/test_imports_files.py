"""Bad files are refused with a message naming the problem; nothing is imported, no 500.

Every file here is built in the test: real XLSX workbooks (openpyxl), ZIPs crafted to look
like a zip bomb or a workbook with external links, an OLE header (what an encrypted,
password-protected workbook or an old .xls is), CSV in Latin-1.
"""

from __future__ import annotations

import io
import zipfile
from datetime import datetime

import openpyxl
import pytest
from sqlalchemy import func, select

from casework.extensions import db
from casework.imports import reader
from casework.models import Beneficiary, ImportBatch

from .test_imports import GOOD, batch_of, csv_file, upload


def xlsx(rows: list[list], header: list[str] | None = None) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(
        header or ["Given name", "Family name", "Sex", "Date of birth", "District", "Phone"]
    )
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def refused(client, content: bytes, name: str) -> str:
    response = upload(client, content, name)
    assert response.status_code == 422
    assert db.session.scalar(select(func.count()).select_from(ImportBatch)) == 0
    assert db.session.scalar(select(func.count()).select_from(Beneficiary)) == 0
    return response.get_data(as_text=True)


def test_an_xlsx_file_with_date_and_number_cells_imports(login_as):
    client = login_as("caseworker")
    content = xlsx([["Ram", "Thapa", "M", datetime(1990, 8, 28), "Kaski", 9812345678]])
    response = upload(client, content, "drive.xlsx")
    batch = batch_of(response)
    assert batch.rows_valid == 1, batch.report
    client.post(f"/imports/{batch.id}/apply", data={"duplicates": "skip"})
    person = db.session.scalar(select(Beneficiary))
    assert (person.date_of_birth.isoformat(), person.phone) == ("1990-08-28", "+9779812345678")


def test_a_formula_is_never_evaluated_and_its_row_is_an_error(login_as):
    client = login_as("caseworker")
    content = xlsx([["Ram", "Thapa", "M", None, "Kaski", "=9812345678+1"], ["Sita", "Rai", "F"]])
    batch = batch_of(upload(client, content, "drive.xlsx"))
    assert (batch.rows_error, batch.rows_valid) == (1, 1)
    (error,) = batch.report["errors"]
    assert (error["row"], error["column"]) == (2, "Phone")
    assert "formula" in error["message"]


def test_other_file_types_are_refused(login_as):
    page = refused(login_as("caseworker"), b"hello", "notes.txt")
    assert "Upload a CSV (.csv) or Excel (.xlsx) file." in page


def test_an_old_xls_is_refused_with_what_to_do(login_as):
    page = refused(login_as("caseworker"), reader.OLE_MAGIC + b"\0" * 100, "drive.xls")
    assert "save the file as .xlsx or CSV" in page


def test_an_encrypted_workbook_is_refused_with_what_to_do(login_as):
    # Excel stores a password-protected workbook as an OLE compound file, not a ZIP.
    page = refused(login_as("caseworker"), reader.OLE_MAGIC + b"\0" * 100, "drive.xlsx")
    assert "password-protected (encrypted)" in page


def test_a_text_file_named_xlsx_is_refused(login_as):
    page = refused(login_as("caseworker"), csv_file(*GOOD), "drive.xlsx")
    assert "This is not an Excel (.xlsx) file, or it is damaged." in page


def test_a_damaged_zip_is_refused(login_as):
    page = refused(login_as("caseworker"), reader.ZIP_MAGIC + b"\0" * 200, "drive.xlsx")
    assert "damaged" in page


def _zip(entries: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return out.getvalue()


def test_a_zip_bomb_is_refused_from_its_directory(login_as):
    bomb = _zip({"xl/workbook.xml": b"<workbook/>", "xl/worksheets/sheet1.xml": b"\0" * 50_000_000})
    assert len(bomb) < 100_000
    page = refused(login_as("caseworker"), bomb, "drive.xlsx")
    assert "would expand to 47 MB" in page


def test_a_workbook_with_external_links_is_refused(login_as):
    content = xlsx([["Ram", "Thapa", "M"]])
    with zipfile.ZipFile(io.BytesIO(content)) as original:
        entries = {name: original.read(name) for name in original.namelist()}
    entries["xl/externalLinks/externalLink1.xml"] = b"<externalLink/>"
    page = refused(login_as("caseworker"), _zip(entries), "drive.xlsx")
    assert "links to other files" in page


def test_csv_not_in_utf8_is_refused_naming_the_encoding_to_use(login_as):
    content = "Given name,Family name,Sex\nRamé,Thapa,M\n".encode("latin-1")
    page = refused(login_as("caseworker"), content, "drive.csv")
    assert "not in UTF-8" in page and "CSV UTF-8" in page


def test_csv_with_a_byte_order_mark_and_semicolons_is_read(login_as):
    content = "\ufeffGiven name;Family name;Sex\nRam;Thapa;M\n".encode()
    batch = batch_of(upload(login_as("caseworker"), content, "drive.csv"))
    assert batch.rows_valid == 1
    assert batch.report["columns"][0]["field"] == "given_name"


def test_a_file_over_the_size_limit_is_refused(app, login_as):
    client = login_as("caseworker")
    app.config["IMPORT_MAX_BYTES"] = 100
    try:
        page = refused(client, csv_file(*GOOD), "drive.csv")
    finally:
        del app.config["IMPORT_MAX_BYTES"]
    assert "larger than" in page


def test_a_file_over_the_row_limit_is_refused(app, login_as):
    client = login_as("caseworker")
    app.config["IMPORT_MAX_ROWS"] = 2
    try:
        page = refused(client, csv_file(*GOOD), "drive.csv")
    finally:
        del app.config["IMPORT_MAX_ROWS"]
    assert "more than 2 rows" in page


def test_an_upload_without_a_file_gets_a_message(login_as):
    response = login_as("caseworker").post("/imports/", data={"source": ""})
    assert response.status_code == 422
    assert "Choose a CSV or XLSX file." in response.get_data(as_text=True)


@pytest.mark.parametrize("name", ["empty.csv", "empty.xlsx"])
def test_an_empty_file_is_refused(login_as, name):
    content = b"" if name.endswith(".csv") else _empty_workbook()
    page = refused(login_as("caseworker"), content, name)
    assert "no header row" in page


def _empty_workbook() -> bytes:
    out = io.BytesIO()
    openpyxl.Workbook().save(out)
    return out.getvalue()
