"""Write the self-contained report.html (rule report)."""

from myoild.pipeline import rule_log
from myoild.provenance import software_versions
from myoild.report import build_report
from myoild.tabular import write_text

with rule_log(snakemake.log[0]):
    write_text(build_report(snakemake.params.results_dir, snakemake.params.config, software_versions()), snakemake.output[0])
