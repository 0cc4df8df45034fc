"""The demo's committee pack printed as an office prints it: LibreOffice opens the workbook and writes a PDF, and
the four options fit on a stack of paper a committee reads (it was 89 pages before the pack was laid out)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from chainplan import services
from chainplan.demo import build_demo_dataset
from tests.conftest import FakeUnitOfWork

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
#: The demo's four options (README, "Comparing options").
DEMO_OPTIONS = ("baseline-2020", "concentrate", "equity", "chains-first")
MOST_PAGES = 30

pytestmark = pytest.mark.office


@pytest.fixture(scope="module")
def demo_options() -> tuple[FakeUnitOfWork, list[int]]:
    uow = FakeUnitOfWork()
    services._replace(uow, build_demo_dataset(), "demo")
    ids = [services.run_allocation(uow, SCENARIOS / f"{name}.yaml", by="Phòng KH").run_id for name in DEMO_OPTIONS]
    assert None not in ids
    return uow, [i for i in ids if i is not None]


def _pages(pdf: Path) -> int:
    """Pages of a PDF: its page objects, and poppler's count when poppler is there (they must agree)."""
    counted = len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf.read_bytes()))
    if shutil.which("pdfinfo"):
        info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, timeout=60, check=True).stdout
        assert int(re.search(r"^Pages:\s+(\d+)", info, re.MULTILINE).group(1)) == counted  # type: ignore[union-attr]
    return counted


def _print(soffice: str, workbook: Path, folder: Path) -> Path:
    """The workbook as LibreOffice prints it to PDF (a throwaway profile, so no user's settings count)."""
    profile = folder / "office-profile"
    subprocess.run([soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to", "pdf",
                    "--outdir", str(folder), str(workbook)], capture_output=True, timeout=240, check=True)
    pdf = folder / f"{workbook.stem}.pdf"
    assert pdf.exists(), "LibreOffice wrote no PDF"
    return pdf


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_the_demo_pack_prints_on_at_most_30_pages(demo_options: tuple[FakeUnitOfWork, list[int]], soffice: str,
                                                  tmp_path: Path, lang: str) -> None:
    uow, ids = demo_options
    pack = tmp_path / f"pack-{lang}.xlsx"
    services.compare(uow, ids, out=pack, lang=lang)
    pages = _pages(_print(soffice, pack, tmp_path))
    # Seven sheets, each at least a page; the explanations (210 plans in four options) take most of the rest.
    assert 7 <= pages <= MOST_PAGES
    text = subprocess.run(["pdftotext", str(tmp_path / f"pack-{lang}.pdf"), "-"], capture_output=True, text=True,
                          timeout=60).stdout if shutil.which("pdftotext") else ""
    if text:  # names, not codes, where a person reads; the page header on every page
        assert "Lợn Móng Cái" in text and "TP Móng Cái" in text
        assert text.count("So sánh phương án phân bổ vốn" if lang == "vi" else "Comparison of funding options") \
            == pages
