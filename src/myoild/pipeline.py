"""What the thin workflow scripts share: writing a rule's log, with the job's BLAS and OpenMP
threads pinned to its Snakemake threads."""

from __future__ import annotations

import contextlib
import io
import logging
import sys
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

from threadpoolctl import threadpool_limits


class _Both(io.TextIOBase):
    """A text stream that writes to a log file and to the console."""

    def __init__(self, log: TextIO, console: TextIO) -> None:
        self.log, self.console = log, console

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self.log.write(text)
        self.console.write(text)
        return len(text)

    def flush(self) -> None:
        self.log.flush()
        self.console.flush()


@contextlib.contextmanager
def rule_log(path: str | Path, threads: int = 1) -> Iterator[None]:
    """Send the output of a rule's job to its ``log:`` file, with the BLAS and OpenMP thread pools
    limited to ``threads`` (the rule's Snakemake threads: 1 unless it declares more), so that jobs
    running side by side do not oversubscribe the cores (threadpoolctl).

    ``print`` to stdout, warnings and ``logging`` go to the log only; what the job writes to stderr
    (the few lines a user must see, such as the validation summary) goes to the log and to the
    console. An exception that ends the job has its traceback written to the log before it
    propagates (Snakemake then shows it on the console too), so the log says why the job failed.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with (
        path.open("w", encoding="utf-8") as log,
        contextlib.redirect_stdout(log),
        contextlib.redirect_stderr(_Both(log, sys.stderr)),
    ):
        handler = logging.StreamHandler(log)
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        root = logging.getLogger()
        root.addHandler(handler)
        root.setLevel(logging.INFO)
        logging.captureWarnings(True)
        try:
            with threadpool_limits(limits=threads):
                yield
        except Exception:
            traceback.print_exc(file=log)
            raise
        finally:
            root.removeHandler(handler)
            logging.captureWarnings(False)
