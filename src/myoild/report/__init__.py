"""The self-contained HTML report of a finished run (``report.html``).

``build_report(results_dir, config, versions)`` reads the tables and figures of a results folder
(RESULTS_CONTRACT.md) and returns the page; ``software_versions()`` lists what the run used.
"""

from myoild.report.build import build_report
from myoild.provenance import software_versions

__all__ = ["build_report", "software_versions"]
