"""A small finished results folder made by the real pipeline functions (no Snakemake), shared by
the report tests: synthetic cohort -> validation -> derivation -> weights -> survival -> Table 1/2,
HRCT, scales, glucocorticoids, adverse events -> figures. Holds no tests itself."""

from __future__ import annotations

import functools
import warnings
from pathlib import Path

import pandas as pd

from myoild.adverse_events import adverse_event_table
from myoild.contract import COHORTS
from myoild.derive import derive_cohort
from myoild.figures.adverse_events import adverse_event_chart
from myoild.figures.balance import love_plot, ps_overlap
from myoild.figures.flow import flow_diagram
from myoild.figures.forest import forest_plot
from myoild.figures.hrct import hrct_change_figure
from myoild.figures.km import km_figure
from myoild.figures.scales import scale_boxplots, scale_group_panels
from myoild.glucocorticoids import glucocorticoid_sparing
from myoild.hrct import hrct_deltas, hrct_scores, reader_agreement
from myoild.scales import scale_summary
from myoild.design import PAPER, StudyDesign
from myoild.figures.competing import competing_risks_figure
from myoild.figures.sensitivity import plot_sensitivity_grid
from myoild.figures.zph import plot_schoenfeld
from myoild.landmark import landmark_model_row
from myoild.ph_tests import schoenfeld_panels
from myoild.sensitivity import sensitivity_grid
from myoild.survival import MODEL_COLUMNS, analysis_data, survival_tables
from myoild.synth import generate_cohort, write_cohort
from myoild.tables import table1
from myoild.tabular import write_parquet, write_tsv
from myoild.validate import validate_folder, write_report
from myoild.weighting import WeightingOptions, weigh_contrasts

RETRO_CONTRASTS, PROSP_CONTRAST = PAPER.retrospective_contrasts, PAPER.prospective_contrast

SEED = 7
N_RETROSPECTIVE = 120
N_PROSPECTIVE = 24
CONFIG = {
    "input_dir": "",
    "results_dir": "results",
    "logs_dir": "logs",
    "synthetic": {"seed": SEED, "n_retrospective": N_RETROSPECTIVE, "n_prospective": N_PROSPECTIVE},
    "propensity": {
        "covariates": ["age_years", "sex", "diagnosis", "initial_pred_mg_day", "plasma_exchange", "ivig"],
        "estimand": "ATE",
        "stabilized": False,
        "truncate_percentiles": [],
        "extreme_ps": 0.01,
        "min_ess_fraction": 0.5,
    },
    "survival": {
        "ties": "efron",
        "endpoints": {"retrospective": ["death", "relapse"], "prospective": ["death", "respiratory_relapse"]},
    },
}
#: The main contrast's panels and the prospective one (the per-drug panels add nothing to the tests).
KM_PANELS = (
    (RETRO_CONTRASTS[0], True),
    (RETRO_CONTRASTS[0], False),
    (PROSP_CONTRAST, False),
)


def build_results(folder: Path, config: dict = CONFIG) -> Path:
    """Write a finished results folder under ``folder / "results"`` and return its path."""
    raw, results = folder / "raw", folder / "results"
    write_cohort(generate_cohort(SEED, N_RETROSPECTIVE, N_PROSPECTIVE), raw)
    validation = validate_folder(raw)
    assert validation.status == "pass", validation.errors[:3]
    write_report(validation, results / "validation/report.json", results / "validation/report.md")
    tables = validation.tables
    derivation = derive_cohort(tables)
    analysis_set = derivation.analysis_set
    write_parquet(analysis_set, results / "cohort/analysis_set.parquet")
    write_tsv(derivation.flow, results / "cohort/flow.tsv")

    options = WeightingOptions.from_config(config["propensity"], StudyDesign.from_config(config))
    weights, balance, diagnostics = weigh_contrasts(analysis_set, list(RETRO_CONTRASTS), options)
    ties, endpoints = config["survival"]["ties"], config["survival"]["endpoints"]
    survival = survival_tables(analysis_set, endpoints, weights, ties, diagnostics)
    grid = sensitivity_grid(analysis_set, RETRO_CONTRASTS[0], endpoints["retrospective"], options)
    landmark = [
        landmark_model_row(analysis_set, contrast, endpoint, options, PAPER.treatment_window_days, ties)
        for contrast in RETRO_CONTRASTS
        for endpoint in endpoints["retrospective"]
    ]
    models = pd.concat([survival.models, pd.DataFrame(landmark, columns=MODEL_COLUMNS)], ignore_index=True)
    scores = hrct_scores(tables["hrct_reads"])
    deltas, exclusions = hrct_deltas(scores, analysis_set)
    scales = scale_summary(tables["visits"], analysis_set)
    events = adverse_event_table(tables["adverse_events"], analysis_set, tables["patients"])
    outputs = {
        "weight_diagnostics": diagnostics,
        "balance": balance,
        "survival_models": models,
        "absolute_effects": survival.absolute,
        "ph_tests": survival.ph_tests,
        "competing_risks": survival.competing,
        "sensitivity": grid,
        "km": survival.km,
        "km_at_risk": survival.at_risk,
        "hrct_agreement": reader_agreement(tables["hrct_reads"], scores),
        "hrct_deltas": deltas,
        "hrct_exclusions": exclusions,
        "scales": scales,
        "glucocorticoids": glucocorticoid_sparing(analysis_set),
        "adverse_events": events,
    }
    for cohort in COHORTS:
        outputs[f"table1_{cohort}"] = table1(
            analysis_set, tables, cohort, hrct_scores=scores if cohort == "prospective" else None
        )
    for name, frame in outputs.items():
        write_tsv(frame, results / f"tables/{name}.tsv")
    write_parquet(scores, results / "tables/hrct_scores.parquet")

    figures = results / "figures"
    flow_diagram(derivation.flow, figures / "flow")
    forest_plot(models, figures / "forest")
    plot_sensitivity_grid(grid, figures / "sensitivity", ties=ties)
    competing_risks_figure(survival.competing, figures / "competing_risks")
    main = analysis_data(analysis_set, RETRO_CONTRASTS[0], weights[RETRO_CONTRASTS[0]])
    panels, _ = schoenfeld_panels(main, RETRO_CONTRASTS[0], endpoints["retrospective"], ties, "weight")
    plot_schoenfeld(panels, figures / "schoenfeld")
    love_plot(balance, figures / "balance")
    ps_overlap(weights, figures / "ps_overlap")
    for contrast, weighted in KM_PANELS:
        stem = figures / f"km_{contrast}_{'weighted' if weighted else 'unweighted'}"
        km_figure(survival.km, survival.at_risk, survival.models, contrast, weighted, stem)
    scale_boxplots(scales, figures / "scales_over_visits")
    scale_group_panels(scales, figures / "scales_by_group")
    hrct_change_figure(deltas, figures / "hrct_change")
    adverse_event_chart(events, figures / "adverse_events")
    return results


@functools.cache
def shared_results(basetemp: Path) -> Path:
    """One results folder per test session (``basetemp``: pytest's), however many modules ask."""
    with warnings.catch_warnings():
        # Convergence and pandas warnings of the small cohort's stages are not what these tests test.
        warnings.simplefilter("ignore")
        return build_results(basetemp / "report_results")


def main_models(results: Path) -> pd.DataFrame:
    """The IPTW rows with robust CI of tacrolimus vs conventional (the report's headline)."""
    models = pd.read_csv(results / "tables/survival_models.tsv", sep="\t")
    chosen = (models["contrast"] == RETRO_CONTRASTS[0]) & (models["model"] == "cox_iptw")
    return models[chosen & (models["ci_method"] == "robust")].set_index("endpoint")
