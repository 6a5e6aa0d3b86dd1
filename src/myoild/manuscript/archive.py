"""Byte-identical Office files: a .docx or .xlsx is a zip archive whose writers stamp each entry
with the time of writing. ``fixed_zip`` rewrites the entries, in their order, with one fixed date
and fixed attributes, so that the same content gives the same bytes."""

from __future__ import annotations

import io
import zipfile
from datetime import datetime, timezone

#: The time every file records: the earliest a zip entry can hold (no real date is meant).
FIXED_TIME = datetime(1980, 1, 1, tzinfo=timezone.utc)


def fixed_zip(data: bytes) -> bytes:
    """The archive ``data`` with every entry dated ``FIXED_TIME``, deflated, with no file mode."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=FIXED_TIME.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.create_system = 0
            entry.external_attr = 0
            target.writestr(entry, source.read(info.filename))
    return out.getvalue()
