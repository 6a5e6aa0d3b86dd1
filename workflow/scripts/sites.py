"""Leave-one-site-out reruns of the main contrast, and their forest plot (rule sites)."""

from myoild.contrasts import analysis_columns
from myoild.design import StudyDesign
from myoild.figures.sites import plot_leave_one_site_out
from myoild.figures.style import message_figure
from myoild.pipeline import rule_log
from myoild.sites import SITE, leave_one_site_out
from myoild.tabular import read_analysis_columns, read_tsv, write_tsv
from myoild.weighting import WeightingOptions

with rule_log(snakemake.log[0]):
    params = snakemake.params
    design = StudyDesign.from_dict(params.design)
    analysis_set = read_analysis_columns(
        snakemake.input.analysis_set, [*analysis_columns(design, params.endpoints), SITE]
    )
    options = WeightingOptions.from_config(params.propensity, design)
    rows = leave_one_site_out(analysis_set, params.contrast, params.endpoints, options, design.strata, params.ties)
    write_tsv(rows, snakemake.output.table)
    if rows["site_left_out"].nunique() < 2:
        message_figure("Leave one site out: the data set has one site, so there is nothing to leave out", params.stem)
    else:
        models = read_tsv(snakemake.input.models)
        overall = models[(models["contrast"] == params.contrast) & (models["model"] == "cox_iptw")]
        plot_leave_one_site_out(rows, params.stem, overall)
