"""Dead letters that fit their topic and lose nothing (issue #16: a 20 MB page became a 37 MB dead letter).

A dead letter carries the original bytes (base64) when the whole record fits under the dead-letter topic's message
limit. Otherwise the original is kept beside it in the data directory by content hash,
`<data_dir>/dead-letters/<stage>/<sha256>.bin` (written atomically), and the record names it (`value_file`,
`value_sha256`, `value_size`, with topic, partition and offset as always), so it can still be replayed
(`original_value`); a key longer than KEY_CHARS is cut in the record and kept whole the same way (`key_file`,
`original_key`). Error text and traceback tail are bounded too, so the record's own size is.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import tempfile
import traceback
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

#: Kafka's default max.message.bytes (a topic created without the setting on a broker left as shipped). With
#: Settings the limit is `Settings.raw_pages_max_bytes` (BNWATCH_RAW_PAGES_MAX_BYTES), which ensure_topics sets as
#: the dead-letter topics' max.message.bytes (see `dead_letter_max_bytes`).
KAFKA_DEFAULT_MAX_MESSAGE_BYTES = 1024 * 1024
#: record and batch headers around key and value, counted against the limit
RECORD_OVERHEAD = 1024
TRACEBACK_LINES = 20
TRACEBACK_LINE_CHARS = 500
ERROR_CHARS = 4000
KEY_CHARS = 2048
DEAD_LETTERS_DIR = "dead-letters"


def dead_letter_max_bytes(target: Any, producer_config: dict[str, Any] | None = None) -> int:
    """The largest dead-letter record a stage may send: Settings' raw_pages_max_bytes (the dead-letter topics'
    max.message.bytes), Kafka's 1 MB default for a bare bootstrap string; never more than the producer's
    max_request_size when that is overridden."""
    limit = KAFKA_DEFAULT_MAX_MESSAGE_BYTES if isinstance(target, str) else int(target.raw_pages_max_bytes)
    override = (producer_config or {}).get("max_request_size")
    return min(limit, int(override)) if override else limit


def bounded_error(exc: BaseException) -> tuple[str, str]:
    """(error text, traceback tail) of `exc`, both bounded: ERROR_CHARS, and the last TRACEBACK_LINES lines of
    at most TRACEBACK_LINE_CHARS each."""
    lines = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__)).splitlines()[-TRACEBACK_LINES:]
    tb = "\n".join(line if len(line) <= TRACEBACK_LINE_CHARS else line[:TRACEBACK_LINE_CHARS] + "…" for line in lines)
    text = str(exc)
    return (text if len(text) <= ERROR_CHARS else text[:ERROR_CHARS] + "…"), tb


def keep_original(directory: str | Path, value: bytes) -> str:
    """Write `value` to <directory>/<sha256>.bin (temporary file, fsync, rename: a reader never sees half a file;
    the same bytes twice are one file). Returns the SHA-256 (hex)."""
    digest = hashlib.sha256(value).hexdigest()
    path = Path(directory) / f"{digest}.bin"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{digest}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(value)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    return digest


def build_dead_letter(stage: str, message: Any, exc: BaseException, *, max_bytes: int,
                      data_dir: str | Path | None, record_key: bytes = b"", now: datetime | None = None) -> bytes:
    """The dead-letter record of `message` (anything with topic, partition, offset, key, value, timestamp) for
    `stage`: with the original inside when the whole record (plus `record_key` and RECORD_OVERHEAD) fits in
    `max_bytes`, else with the original kept under `data_dir` (see the module docstring)."""
    value = message.value if message.value is not None else b""
    key = _key_text(message.key)
    error, tb = bounded_error(exc)
    doc: dict[str, Any] = {
        "kind": "dead_letter",
        "stage": stage,
        "topic": message.topic,
        "partition": message.partition,
        "offset": message.offset,
        "key": key if key is None or len(key) <= KEY_CHARS else key[:KEY_CHARS],
        "value": "",
        "value_size": len(value),
        "value_sha256": hashlib.sha256(value).hexdigest(),
        "error_type": type(exc).__name__,
        "error": error,
        "traceback": tb,
        "record_timestamp_ms": getattr(message, "timestamp", None),
        "timestamp": (now or datetime.now(timezone.utc)).isoformat(timespec="milliseconds"),
    }
    if key is not None and len(key) > KEY_CHARS:
        doc["key_truncated"] = True
        if data_dir is not None:  # the whole key beside it, like an oversize value: replay sends it back intact
            key_digest = keep_original(Path(data_dir) / DEAD_LETTERS_DIR / stage, message.key)
            doc["key_file"] = f"{DEAD_LETTERS_DIR}/{stage}/{key_digest}.bin"
    budget = max_bytes - RECORD_OVERHEAD - len(record_key)
    if 4 * ((len(value) + 2) // 3) < budget:  # base64 alone fits: try the whole record
        doc["value"] = base64.b64encode(value).decode("ascii")
        encoded = _encode(doc)
        if len(encoded) <= budget:
            return encoded
        doc["value"] = ""
    if data_dir is None:
        raise ValueError(f"a dead letter of {len(value)} bytes is over the {max_bytes}-byte limit and there is no "
                         "data directory to keep the original in")
    digest = keep_original(Path(data_dir) / DEAD_LETTERS_DIR / stage, value)
    doc["value_file"] = f"{DEAD_LETTERS_DIR}/{stage}/{digest}.bin"  # relative: the data dir may move
    return _encode(doc)


def original_value(doc: dict[str, Any], data_dir: str | Path | None) -> bytes:
    """The original bytes of a dead letter, from the record or from the file it names (checked against its
    SHA-256). Raises ValueError saying what is missing or wrong."""
    if not doc.get("value_file"):
        return base64.b64decode(doc.get("value") or "")
    return _read_kept(data_dir, doc["value_file"], "original", doc.get("value_sha256"))


def original_key(doc: dict[str, Any], data_dir: str | Path | None) -> bytes | None:
    """The original key of a dead letter: from the record, or — when it was cut to fit (`key_truncated`) — from
    the file it names. Raises ValueError when a cut key has no file to be read from."""
    if not doc.get("key_truncated"):
        return doc["key"].encode("utf-8") if doc.get("key") is not None else None
    if not doc.get("key_file"):
        raise ValueError("its key was cut to fit the record and no copy was kept")
    return _read_kept(data_dir, doc["key_file"], "key")


def _read_kept(data_dir: str | Path | None, relative: str, what: str, sha256: str | None = None) -> bytes:
    """A file keep_original wrote (named by its SHA-256), read back and checked. Raises ValueError."""
    if data_dir is None:
        raise ValueError(f"dead letter keeps its {what} in {relative}: no data directory given")
    path = Path(data_dir) / relative
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ValueError(f"dead letter {what} {path}: {exc.strerror or exc}") from None
    if hashlib.sha256(data).hexdigest() != (sha256 or path.stem):
        raise ValueError(f"dead letter {what} {path} does not match its SHA-256")
    return data


def _encode(doc: dict[str, Any]) -> bytes:
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _key_text(key: bytes | None) -> str | None:
    return key.decode("utf-8", errors="replace") if key is not None else None
