"""A run's results folder: which input its results are of, and which run is writing it (issue 13 §3).

Input record. Snakemake decides what to rerun from its history in ``.snakemake/`` (parameters, code,
input checksums); in a results folder without that history (copied from another run, or
``.snakemake/`` removed) it sees only which outputs exist and how old they are, so such a folder
pointed at another input answered "Nothing to be done" and kept the other input's report. Rule
validate therefore also writes ``validated/input_<fingerprint>.json`` (``input_record_path``), whose
name holds the content fingerprint of the raw tables (``raw_input_fingerprint``): another input
makes it a missing output, which reruns validation and, through the newer validated tables,
everything after it, history or not. The validate job first removes the records of earlier inputs
and the report and manifest that vouched for the earlier results (``retire_superseded``), and
writes its record only when validation passed (``record_validated_input``).

Lock. Snakemake locks its working directory, not the results folder: two runs from two checkouts
could write one results folder at once and leave a report whose provenance names the other's
cohort. ``ResultsFolderLock`` keeps ``<results>/.myoild.lock`` for the length of a run: a second run
stops at its start with one line that says which run holds the folder and how to remove a stale
lock; a lock whose process is gone (same host) is taken over with a warning.

Imported when Snakemake parses the workflow (in every process it starts): it needs only the
standard library and ``myoild.provenance``, and writes no file before a job runs.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import sys
import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path

from myoild.provenance import file_sha256

#: The start of the built-in synthetic cohort's fingerprint (``built_in_fingerprint``).
BUILT_IN_COHORT = "built-in synthetic cohort"
#: The records of validated inputs: files ``RECORD_PATTERN`` in ``<results>/RECORD_DIR``.
RECORD_DIR = "validated"
RECORD_PATTERN = "input_*.json"
#: Where a run's main process leaves the fingerprint for the jobs it spawns (``raw_input_fingerprint``).
FINGERPRINT_VARIABLE = "MYOILD_INPUT_FINGERPRINT"
LOCK_NAME = ".myoild.lock"
#: The files that vouch for a whole run (docs/RESULTS.md): the report and the manifest.
VOUCHING_FILES = ("report.html", "manifest.json")


def tables_fingerprint(digests: Mapping[str, str]) -> str:
    """sha256 (hex) of ``{file name: sha256 of its bytes}`` as compact JSON with sorted names: the same
    whether computed from the raw files or from the ``tables`` of validation/report.json."""
    text = json.dumps(dict(sorted(digests.items())), separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _file_digest(path: Path) -> str:
    """sha256 of a file, or why it cannot be read: validation reports an unreadable table itself."""
    try:
        return file_sha256(path)
    except OSError as exc:
        return f"unreadable: {exc.strerror}"


def _size_and_time(path: Path) -> tuple[int, int]:
    status = path.stat()
    return status.st_size, status.st_mtime_ns


def raw_input_fingerprint(paths: Sequence[str | Path], *, reuse: bool) -> str:
    """``tables_fingerprint`` of the raw table files ``paths``.

    Every process that parses the workflow needs it (it is part of an output name of rule validate),
    including each job a cluster executor starts, which parses the workflow again: hashing the
    214 MB of a 200,000-patient CSV cohort takes 0.2 s here (0.5 s from disk). A run's main process
    (``reuse=False``) always hashes and leaves the result in the environment variable
    ``FINGERPRINT_VARIABLE``, keyed by each file's absolute path, size and modification time (ns),
    which the processes it starts inherit; a started job (``reuse=True``) takes it from there when
    that key still holds (it must name the same output as its main process), and hashes otherwise.
    """
    files = [Path(path) for path in paths]
    key = [[str(file.absolute()), *_size_and_time(file)] for file in files]
    if reuse:
        cached = json.loads(os.environ.get(FINGERPRINT_VARIABLE, "{}"))
        if cached.get("key") == key:
            return cached["fingerprint"]
    fingerprint = tables_fingerprint({file.name: _file_digest(file) for file in files})
    os.environ[FINGERPRINT_VARIABLE] = json.dumps({"key": key, "fingerprint": fingerprint})
    return fingerprint


def built_in_fingerprint(synthetic: Mapping) -> str:
    """The built-in synthetic cohort's fingerprint: ``BUILT_IN_COHORT`` and the sha256 of the
    generator's settings (config ``synthetic`` but ``out_dir``), which fix its tables (its files do
    not exist yet when the workflow is parsed)."""
    settings = json.dumps({key: value for key, value in synthetic.items() if key != "out_dir"}, sort_keys=True)
    return f"{BUILT_IN_COHORT} {hashlib.sha256(settings.encode()).hexdigest()}"


def is_built_in(fingerprint: str) -> bool:
    return fingerprint.startswith(BUILT_IN_COHORT)


def input_record_path(results_dir: str, fingerprint: str) -> str:
    """Where rule validate records its input: ``<results>/validated/input_builtin_<16 hex digits of
    the settings' hash>.json`` for the built-in cohort, else ``<results>/validated/input_<first 16
    hex digits of the fingerprint>.json``."""
    name = f"builtin_{fingerprint.split()[-1][:16]}" if is_built_in(fingerprint) else fingerprint[:16]
    return f"{results_dir}/{RECORD_DIR}/input_{name}.json"


def retire_superseded(results_dir: str | Path) -> list[Path]:
    """Remove, when validation runs again, what vouched for the results of the earlier validation:
    every ``RECORD_PATTERN`` record in ``validated/`` and the ``VOUCHING_FILES``; everything after
    validation is rebuilt from the new validated tables anyway. Says on stderr what it removed and
    returns those files."""
    results_dir = Path(results_dir)
    removed = []
    for path in [*(results_dir / RECORD_DIR).glob(RECORD_PATTERN), *(results_dir / name for name in VOUCHING_FILES)]:
        if path.is_file():
            path.unlink()
            removed.append(path)
    if removed:
        names = ", ".join(path.relative_to(results_dir).as_posix() for path in removed)
        print(f"myoild validate: validating again; removed the earlier results' {names}", file=sys.stderr)
    return removed


def record_validated_input(report_json: str | Path, fingerprint: str, record: str | Path) -> int:
    """After a passed validation, write ``record``: ``{"fingerprint", "tables": {table: {"file",
    "sha256"}}}`` (sorted keys, trailing newline), the files validation read as its report.json
    lists them; return 0.

    For the user's input, the fingerprint of those files must be ``fingerprint``, the one the run
    was planned with: otherwise the tables changed after the run started, the message says so on
    stderr and 1 is returned (the record is not written).
    """
    tables = {
        table: {"file": info["file"], "sha256": info["sha256"]}
        for table, info in json.loads(Path(report_json).read_text(encoding="utf-8"))["tables"].items()
    }
    validated = tables_fingerprint({info["file"]: info["sha256"] for info in tables.values()})
    if not is_built_in(fingerprint) and validated != fingerprint:
        print(
            f"myoild validate: the raw tables changed after this run started (fingerprint {fingerprint} "
            f"when it started, {validated} of the tables validated); run again",
            file=sys.stderr,
        )
        return 1
    text = json.dumps({"fingerprint": fingerprint, "tables": tables}, indent=2, sort_keys=True) + "\n"
    Path(record).write_text(text, encoding="utf-8")
    return 0


class ResultsFolderInUse(Exception):
    """Another run holds the results folder's lock; the message is the one line to show."""


def _process_alive(pid: int) -> bool:
    """Whether process ``pid`` exists on this host (signal 0 checks without sending anything)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class ResultsFolderLock:
    """``<folder>/.myoild.lock`` for the length of one run: ``acquire`` when it starts (refuses if
    another run holds it), ``release`` when it ends.

    The lock file is created exclusively (``O_CREAT | O_EXCL``) and holds JSON: ``host``, ``pid``,
    ``started`` (UTC), ``working_directory`` and a random ``token``. A lock left by a process that
    no longer exists on this host is stale: ``acquire`` removes it (if it has not changed since it
    was read) with a warning on stderr and takes the folder; a lock from another host, or one that
    cannot be read, is never judged stale (the message says how to remove it). Two runs taking over
    the same stale lock in the same instant can both succeed: a window of microseconds, after a
    crash. ``release`` removes the lock only while it is this run's own.
    """

    def __init__(self, folder: str | Path):
        self.folder = Path(os.path.abspath(folder))
        self.path = self.folder / LOCK_NAME
        self.held: dict | None = None

    def acquire(self) -> None:
        """Take the folder, or raise ``ResultsFolderInUse``."""
        self.folder.mkdir(parents=True, exist_ok=True)
        if self._create():
            return
        holder, text = self._holder()
        if holder is not None and self._stale(holder):
            print(
                f"myoild: taking over the lock of results folder {self.folder}: the run that left it "
                f"(host {holder['host']}, pid {holder['pid']}, started {holder['started']}) has ended",
                file=sys.stderr,
            )
            if self._holder()[1] == text:
                self.path.unlink(missing_ok=True)
            if self._create():
                return
            holder, text = self._holder()
        raise ResultsFolderInUse(self._busy_message(holder, text))

    def release(self) -> None:
        """Remove the lock if this run holds it (an error of the run releases it too)."""
        if self.held is not None and self._holder()[0] == self.held:
            self.path.unlink(missing_ok=True)
        self.held = None

    def _create(self) -> bool:
        """Create the lock file with this run's record; False if it exists."""
        record = {
            "host": socket.gethostname(),
            "pid": os.getpid(),
            "started": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "working_directory": os.getcwd(),
            "token": uuid.uuid4().hex,
        }
        try:
            descriptor = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            return False
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            json.dump(record, handle, sort_keys=True)
        self.held = record
        return True

    def _holder(self) -> tuple[dict | None, str]:
        """The lock's record (None if it cannot be read as one) and its text (or why not)."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except OSError as exc:
            return None, exc.strerror or str(exc)
        try:
            holder = json.loads(text)
        except json.JSONDecodeError:
            return None, text
        fields = {"host", "pid", "started", "working_directory", "token"}
        readable = isinstance(holder, dict) and fields <= holder.keys() and isinstance(holder["pid"], int)
        return (holder, text) if readable else (None, text)

    @staticmethod
    def _stale(holder: dict) -> bool:
        return holder["host"] == socket.gethostname() and not _process_alive(holder["pid"])

    def _busy_message(self, holder: dict | None, text: str) -> str:
        if holder is None:
            who = f"a lock that cannot be read ({text.strip()[:80]!r})"
        else:
            who = (
                f"another run (host {holder['host']}, pid {holder['pid']}, started {holder['started']}, "
                f"working directory {holder['working_directory']})"
            )
        return (
            f"myoild: results folder {self.folder} is in use by {who}; wait for that run to end or "
            f"choose another results_dir. If no run is writing there, delete {self.path} and start again."
        )
