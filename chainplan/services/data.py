"""Use cases on the stored dataset: import, export, the demo data, the template, the summary."""

from __future__ import annotations

import io
import os
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chainplan.dataset import Dataset
from chainplan.demo import build_demo_dataset
from chainplan.errors import ChainplanError
from chainplan.io import read_input, write_dataset, write_template
from chainplan.ports import UnitOfWork
from chainplan.summary import summarize

__all__ = [
    "MAX_UPLOAD_BYTES",
    "ImportRefused",
    "ImportReport",
    "dataset_summary",
    "export_dataset",
    "import_dataset",
    "import_upload",
    "load_dataset",
    "load_demo",
    "make_template",
    "template_workbook",
    "write_demo_workbook",
]


@dataclass(frozen=True)
class ImportReport:
    """Rows per sheet before and after an import, and the fingerprint of what is now stored."""

    source: str
    before: dict[str, int]
    after: dict[str, int]
    fingerprint: str
    unchanged: bool
    warnings: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {"source": self.source, "before": self.before, "after": self.after,
                "fingerprint": self.fingerprint, "unchanged": self.unchanged, "warnings": list(self.warnings)}


def _replace(uow: UnitOfWork, dataset: Dataset, source: str, warnings: tuple[str, ...] = ()) -> ImportReport:
    with uow:
        before = uow.repository.counts()
        unchanged = uow.repository.load().fingerprint() == dataset.fingerprint()
        if not unchanged:
            uow.repository.replace(dataset)
            uow.commit()
        return ImportReport(source, before, uow.repository.counts(), dataset.fingerprint(), unchanged, warnings)


def import_dataset(path: str | os.PathLike[str], uow: UnitOfWork) -> ImportReport:
    """Read, check and store a workbook or CSV folder; it replaces the stored dataset as a whole.

    Raises :class:`~chainplan.dataset.DatasetError` with every problem, before anything is written.
    """
    read = read_input(path)
    return _replace(uow, read.dataset, str(path), tuple(read.warnings))


#: The largest workbook an upload may be (the importer has its own ceilings on rows and values). The page sends the
#: file as base64 (4 bytes per 3) inside a request the web server caps at 25 MB, so 18 MB is what fits;
#: ``chainplan import`` reads a file of any size.
MAX_UPLOAD_BYTES = 18 * 1024 * 1024
#: The content types of a workbook's main part (``[Content_Types].xml``): what openpyxl opens.
_WORKBOOK_TYPES = (b"spreadsheetml.sheet.main+xml", b"spreadsheetml.template.main+xml",
                   b"ms-excel.sheet.macroEnabled.main+xml", b"ms-excel.template.macroEnabled.main+xml")


class ImportRefused(ChainplanError, ValueError):
    """An upload that is not an Excel workbook at all (by its name, its size or its content); nothing is read."""


def _is_workbook(payload: bytes) -> bool:
    """Whether ``payload`` is an Office Open XML workbook: a zip whose content types name a workbook part."""
    try:
        with zipfile.ZipFile(io.BytesIO(payload)) as archive:
            types = archive.read("[Content_Types].xml")
    # RuntimeError: zipfile's answer to an encrypted member and (as its subclass) to an unsupported compression.
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, EOFError, RuntimeError):
        return False
    return any(kind in types for kind in _WORKBOOK_TYPES)


def import_upload(uow: UnitOfWork, filename: str, payload: bytes) -> ImportReport:
    """Check and store an uploaded workbook (the bytes a person sent, under the name they gave it).

    The file must be called ``*.xlsx``, be at most :data:`MAX_UPLOAD_BYTES` and be a workbook inside (a text file
    renamed ``.xlsx`` is not); otherwise :class:`ImportRefused` says which, by the file's name, and nothing is
    read. Then as :func:`import_dataset`: every problem at once (:class:`~chainplan.dataset.DatasetError`) and
    nothing written, or the dataset replaced as a whole.

    Examples
    --------
    >>> import_upload(None, "notes.txt", b"plan KH001")
    Traceback (most recent call last):
    ...
    chainplan.services.data.ImportRefused: notes.txt: only .xlsx workbooks are accepted.
    >>> try:
    ...     import_upload(None, "ke-hoach.xlsx", b"plan KH001")
    ... except ImportRefused as refused:
    ...     print(refused.code)
    error.import.not_workbook
    """
    name = Path(filename or "").name or "upload.xlsx"
    if not name.lower().endswith(".xlsx"):
        raise ImportRefused("error.import.not_xlsx", name=name)
    if len(payload) > MAX_UPLOAD_BYTES:
        raise ImportRefused("error.import.too_large", name=name, most=MAX_UPLOAD_BYTES // (1024 * 1024))
    if not _is_workbook(payload):
        raise ImportRefused("error.import.not_workbook", name=name)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(payload)
        return import_dataset(path, uow)


def load_demo(uow: UnitOfWork) -> ImportReport:
    """Store the generated Quảng Ninh demo dataset."""
    return _replace(uow, build_demo_dataset(), "demo:quang-ninh")


def write_demo_workbook(path: str | os.PathLike[str]) -> Path:
    """Write the demo dataset as a workbook or CSV folder without touching any database."""
    return write_dataset(build_demo_dataset(), path)


def export_dataset(path: str | os.PathLike[str], uow: UnitOfWork) -> Path:
    """Write the stored dataset as a workbook (``.xlsx``) or a CSV folder."""
    return write_dataset(load_dataset(uow), path)


def make_template(path: str | os.PathLike[str]) -> Path:
    """Write the empty input workbook with its README sheet."""
    return write_template(path)


def template_workbook() -> bytes:
    """The empty input workbook with its README sheet, as bytes: the same file ``chainplan template`` writes, for a
    page to offer as a download.

    Examples
    --------
    >>> template_workbook()[:2]  # a zip archive, as every .xlsx is
    b'PK'
    """
    with tempfile.TemporaryDirectory() as folder:
        return write_template(Path(folder) / "chainplan-template.xlsx").read_bytes()


def load_dataset(uow: UnitOfWork) -> Dataset:
    with uow:
        return uow.repository.load()


def dataset_summary(uow: UnitOfWork) -> dict[str, Any]:
    """Counts by region, tier, stars and appraisal state."""
    return summarize(load_dataset(uow))

