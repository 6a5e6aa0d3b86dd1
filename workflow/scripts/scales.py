"""Assessment scales per group and visit with their tests (rule scales)."""

from myoild.design import StudyDesign
from myoild.pipeline import rule_log
from myoild.scales import ANALYSIS_COLUMNS, VISIT_COLUMNS, read_cohort_inputs, scale_summary
from myoild.tabular import write_tsv

with rule_log(snakemake.log[0]):
    analysis_set, tables = read_cohort_inputs(
        "prospective",
        snakemake.input.analysis_set,
        ANALYSIS_COLUMNS,
        {"visits": (snakemake.input.visits, VISIT_COLUMNS)},
    )
    table = scale_summary(tables["visits"], analysis_set, StudyDesign.from_dict(snakemake.params.design))
    write_tsv(table, snakemake.output.scales)
