"""Table 1 (retrospective) or Table 2 (prospective) as TSV and Markdown (rule table1)."""

import pandas as pd

from myoild.design import StudyDesign
from myoild.disclosure import Disclosure
from myoild.pipeline import rule_log
from myoild.scales import read_cohort_inputs
from myoild.tables import table1, table1_markdown
from myoild.tables.table1 import ANALYSIS_COLUMNS, INPUT_COLUMNS
from myoild.tabular import write_text, write_tsv

with rule_log(snakemake.log[0]):
    cohort = snakemake.wildcards.cohort
    analysis_set, tables = read_cohort_inputs(
        cohort,
        snakemake.input.analysis_set,
        ANALYSIS_COLUMNS,
        {table: (snakemake.input[table], columns) for table, columns in INPUT_COLUMNS.items()},
    )
    hrct_scores = pd.read_parquet(snakemake.input.hrct_scores) if "hrct_scores" in snakemake.input.keys() else None
    rules = {"categorical_test": snakemake.params.categorical_test, "continuous_test": snakemake.params.continuous_test}
    design = StudyDesign.from_dict(snakemake.params.design)
    table = table1(
        analysis_set, tables, cohort, hrct_scores=hrct_scores, **rules, covariates=design.covariates, design=design
    )
    write_tsv(table, snakemake.output.tsv)
    disclosure = Disclosure(min_cell_count=snakemake.params.min_cell_count)
    write_text(table1_markdown(table, **rules, disclosure=disclosure, design=design), snakemake.output.md)
