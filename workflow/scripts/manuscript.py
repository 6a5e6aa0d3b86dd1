"""Table 1, Table 2, the hazard ratios and the adverse events as Word and Excel files (rule manuscript)."""

from myoild.design import StudyDesign
from myoild.disclosure import Disclosure
from myoild.manuscript import manuscript_tables, write_docx, write_xlsx
from myoild.pipeline import rule_log
from myoild.tabular import read_tsv

with rule_log(snakemake.log[0]):
    tables = manuscript_tables(
        read_tsv(snakemake.input.table1_retrospective),
        read_tsv(snakemake.input.table1_prospective),
        read_tsv(snakemake.input.models),
        read_tsv(snakemake.input.absolute),
        read_tsv(snakemake.input.adverse_events),
        categorical_test=snakemake.params.tables["categorical_test"],
        continuous_test=snakemake.params.tables["continuous_test"],
        bootstrap_level=snakemake.params.bootstrap_level,
        design=StudyDesign.from_dict(snakemake.params.design),
        disclosure=Disclosure(min_cell_count=snakemake.params.min_cell_count),
    )
    write_docx(tables, snakemake.output.docx)
    write_xlsx(tables, snakemake.output.xlsx)
