"""A run's document is encoded once: the text stored is the text printed, and both read as the document."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from chainplan import services
from chainplan.cli.common import print_document
from chainplan.ports import EncodedDocument
from chainplan.services import encoded_document
from models.cli import main
from models.uow import SqlAlchemyUnitOfWork

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


def test_the_printed_and_the_stored_text_are_the_document(database_url: str,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    services.load_demo(SqlAlchemyUnitOfWork(database_url), history=False)
    capsys.readouterr()
    assert main(["--db", database_url, "allocate", str(SCENARIOS / "equity.yaml"), "--format", "json"]) == 0
    printed = capsys.readouterr().out
    document = json.loads(printed)
    stored = services.stored_run(SqlAlchemyUnitOfWork(database_url), document["run_id"])
    # What the command printed before the document was encoded once: the stored document and its run id.
    assert printed == json.dumps({**stored.result, "run_id": stored.id}, ensure_ascii=False) + "\n"
    assert "Hạ Long" in printed or "Quảng Ninh" in printed  # Vietnamese as itself, not \\u escapes
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            raw = connection.execute(text("SELECT CAST(result AS TEXT) FROM allocation_runs WHERE id = :id"),
                                     {"id": stored.id}).scalar_one()
    finally:
        engine.dispose()
    assert json.loads(raw) == stored.result
    assert printed.startswith(raw[:-1] + ", ") or database_url.startswith("postgresql")


def test_an_encoded_document_is_strict_json_and_cannot_go_stale() -> None:
    document = encoded_document({"objective": float("inf"), "gap": float("nan"), "name": "Tiên Yên", "n": 3})
    assert dict(document) == {"objective": None, "gap": None, "name": "Tiên Yên", "n": 3}
    assert json.loads(document.text) == document
    for change in (lambda d: d.__setitem__("n", 4), lambda d: d.update(n=4), lambda d: d.pop("n"),
                   lambda d: d.setdefault("m", 1), lambda d: d.clear(), lambda d: d.__delitem__("n")):
        with pytest.raises(TypeError):
            change(document)
    assert document["n"] == 3 and json.loads(document.text)["n"] == 3
    copied = pickle.loads(pickle.dumps(document))
    assert isinstance(copied, EncodedDocument) and copied == document and copied.text == document.text


@pytest.mark.parametrize("document, more", [
    (encoded_document({"a": 1, "b": "Đầm Hà"}), {"run_id": 7}),
    (encoded_document({"a": 1}), {"run_id": None}),
    (encoded_document({}), {"run_id": 7}),
    (encoded_document({"run_id": 1}), {"run_id": 2}),  # a key the document has: the added one wins
    (encoded_document({"a": 1}), {}),
    ({"a": 1.5}, {"run_id": 7}),  # a plain dict is encoded
])
def test_a_document_prints_as_one_json_dump(document: dict[str, object], more: dict[str, object],
                                            capsys: pytest.CaptureFixture[str]) -> None:
    print_document(document, **more)
    assert capsys.readouterr().out == json.dumps({**document, **more}, ensure_ascii=False) + "\n"
