"""The validate stage: raw tables checked against the data contract (DATA_CONTRACT.md).

``validate_folder`` reads and checks the five tables, ``write_report`` writes
validation/report.{json,md}, ``write_normalised`` the typed tables for later stages,
``failure_message`` the short message of a failed run, and ``main`` does all of it for the
workflow and the command line.
"""

from myoild.validate.core import (
    TableInfo,
    ValidationDisabledError,
    ValidationResult,
    require_validation_enabled,
    validate_folder,
    write_normalised,
)
from myoild.validate.report import failure_message, write_report
from myoild.validate.schemas import MODELS
from myoild.validate.stage import main

__all__ = [
    "MODELS",
    "TableInfo",
    "ValidationDisabledError",
    "ValidationResult",
    "failure_message",
    "main",
    "require_validation_enabled",
    "validate_folder",
    "write_normalised",
    "write_report",
]
