"""Write manifest.json (rule manifest)."""

from pathlib import Path

from myoild.manifest import build_manifest
from myoild.pipeline import rule_log
from myoild.provenance import software_versions
from myoild.tabular import write_text

with rule_log(snakemake.log[0]):
    results = Path(snakemake.params.results_dir)
    # The validation report is written by the validate job but is not a declared output of it.
    validation = sorted((results / "validation").glob("report.*"))
    manifest = build_manifest(
        list(snakemake.input.raw),
        snakemake.params.input_dir,
        [*snakemake.input.outputs, *snakemake.input.report, *validation],
        results,
        snakemake.params.config,
        software_versions(),
    )
    write_text(manifest, snakemake.output[0])
