"""Helpers the use-case families share: strict JSON documents, output checks, who is running."""

from __future__ import annotations

import datetime as dt
import getpass
import json
import math
import os
import tempfile
from pathlib import Path
from typing import Any

from chainplan.errors import ChainplanError, EditConflict
from chainplan.ports import EncodedDocument

__all__ = [
    "PROVINCE_TIME",
    "OutputNotWritable",
    "check_folder",
    "check_writable",
    "edit_conflict",
    "encoded_document",
    "json_document",
]

#: Vietnam's time (UTC+7, no summer time): the time of day a province's office reads.
PROVINCE_TIME = dt.timezone(dt.timedelta(hours=7), "ICT")


def edit_conflict(code: str, version: int, by: str, at: dt.datetime | None, **params: Any) -> EditConflict:
    """The refusal of a save on a form opened on an older version: who changed the row (someone, when the change
    came from the command line or an import) and when, in the province's time."""
    from chainplan.wording import Phrase

    when = (at or dt.datetime.now(dt.UTC)).astimezone(PROVINCE_TIME)
    return EditConflict(code, version=version, by=by or Phrase("phrase.someone", {}), date=when.date(),
                        time=when.strftime("%H:%M"), **params)


class OutputNotWritable(ChainplanError, ValueError):
    """A file the user asked for cannot be written there; the message names the path and the reason."""


def check_folder(target: Path) -> Path:
    """The folder ``target`` goes into; raise :class:`OutputNotWritable` when it does not exist (a mistyped folder
    is refused, never made)."""
    folder = target.parent
    if not folder.is_dir():
        raise OutputNotWritable("error.output.no_folder", path=str(target), folder=str(folder))
    return folder


def check_writable(path: str | os.PathLike[str], *, suffix: str) -> Path:
    """Raise :class:`OutputNotWritable` unless ``path`` can be written, before any work is done for it."""
    target = Path(path)
    if target.suffix.lower() != suffix:
        raise OutputNotWritable("error.output.wrong_suffix", path=str(target), suffix=suffix)
    if target.is_dir():
        raise OutputNotWritable("error.output.is_folder", path=str(target), suffix=suffix)
    folder = check_folder(target)
    try:
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as exc:
        raise OutputNotWritable("error.output.cannot_write_in", path=str(target), folder=str(folder),
                                detail=exc.strerror or str(exc)) from None
    if target.exists() and not os.access(target, os.W_OK):
        raise OutputNotWritable("error.output.read_only", path=str(target))
    return target


def encoded_document(value: dict[str, Any]) -> EncodedDocument:
    """``value`` as strict JSON values (as :func:`json_document`) together with its text, encoded once for the
    check, the store and the print (compact Unicode, as the command line prints JSON).

    Examples
    --------
    >>> document = encoded_document({"name": "Hạ Long", "gap": float("nan")})
    >>> document["gap"] is None, document.text
    (True, '{"name": "Hạ Long", "gap": null}')
    """
    try:
        text = json.dumps(value, ensure_ascii=False, allow_nan=False)
    except (ValueError, TypeError):
        value = _json_safe(value)
        text = json.dumps(value, ensure_ascii=False, allow_nan=False)
    return EncodedDocument(value, text)


def json_document(value: Any) -> Any:
    """``value`` as strict JSON values: NaN and infinities become ``None`` (PostgreSQL's JSON rejects them).

    The C encoder checks a whole result in a fraction of a second; only a document it refuses is walked.
    """
    try:
        json.dumps(value, allow_nan=False)
        return value
    except (ValueError, TypeError):
        return _json_safe(value)


def _json_safe(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _system_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (some containers)
        return f"uid {os.getuid()}" if hasattr(os, "getuid") else "unknown"

