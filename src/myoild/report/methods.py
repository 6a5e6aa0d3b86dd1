"""The methods section, written from the configuration the run used and the software it ran on.

Every sentence that states a choice is written from the setting that makes it: the study design
(config ``study``), the propensity model and weights (``propensity.*``), the Cox models
(``survival.ties``, ``survival.endpoints``), the bootstrap (``bootstrap.*``) and the tests of
Table 1/2 (``tables.*``). A key the config leaves out takes the schema's default (``DEFAULTS``;
the study design's own, ``myoild.design``), as the workflow's validation fills it in. Balance is
described as ``myoild.stats.balance`` computes it for the weighting stage: weighted means over the
weighted SD after weighting (Austin & Stuart 2015), not the pooled unweighted SD.
"""

from __future__ import annotations

import json

import pandas as pd

from myoild.design import StudyDesign
from myoild.labels import ENDPOINT_NAMES
from myoild.report.folder import ResultsFolder
from myoild.report.formatting import format_count
from myoild.report.html import Heading, Markup, Section, bullet_list, escape, paragraph, table
from myoild.report.summary import input_statement
from myoild.tables import test_rule_sentence

#: Defaults of the settings the methods state (schemas/config.schema.yaml; a test keeps them equal).
#: ``bootstrap.replicates`` and ``seed`` have none here: without them (and without tables/bootstrap.tsv)
#: the bootstrap is reported as not run.
DEFAULTS = {
    "propensity": {
        "covariates": ["age_years", "sex", "diagnosis", "initial_pred_mg_day", "plasma_exchange", "ivig"],
        "estimand": "ATE",
        "stabilized": False,
        "truncate_percentiles": [],
        "extreme_ps": 0.01,
        "min_ess_fraction": 0.5,
        "max_smd_after": 0.1,
    },
    "survival": {
        "ties": "efron",
        "endpoints": {"retrospective": ["death", "relapse"], "prospective": ["death", "respiratory_relapse"]},
    },
    "bootstrap": {
        "chunk_size": 500,
        "stratify": "treatment",
        "conf_level": 0.95,
        "max_failed_fraction": 0.05,
    },
    "tables": {"categorical_test": "auto", "continuous_test": "by_statistic"},
}
#: The weighting stage (``myoild.weighting``) calls ``stats.balance_table`` with its default
#: ``sd_denominator="weighted"``; a test checks that the balance it writes is that one.
BALANCE_SD_DENOMINATOR = "weighted"

COVARIATE_LABELS = {
    "age_years": "age",
    "sex": "sex",
    "diagnosis": "diagnosis (DM, PM, CADM)",
    "initial_pred_mg_day": "prednisolone-equivalent dose on the index date",
    "plasma_exchange": "plasma exchange on days 0-{window}",
    "ivig": "IVIg on days 0-{window}",
}
ESTIMAND_WEIGHTS = {
    "ATE": "average treatment effect (ATE): weight 1/ps for the first group and 1/(1 - ps) for the second "
    "(the paper's)",
    "ATT": "effect on the treated (ATT): weight 1 for the first group and ps/(1 - ps) for the second",
    "overlap": "overlap population: weight 1 - ps for the first group and ps for the second",
}
TIES = {
    "efron": "Efron's approximation for tied event times (R coxph's default)",
    "breslow": "Breslow's approximation for tied event times",
}
BALANCE_AFTER_WEIGHTING = {
    "weighted": "after weighting, weighted means (proportions) over the pooled weighted SD, each group's SD "
    "with weights w: s^2 = sum w / ((sum w)^2 - sum w^2) x sum w (x - m)^2 (Austin & Stuart 2015)",
    "unweighted": "after weighting, weighted means (proportions) over the pooled unweighted SD of the groups "
    "(cobalt's default), so that only the mean difference moves",
}
STRATIFY = {
    "treatment": "resamples patients within each treatment group (the group sizes are kept)",
    "none": "resamples patients from the whole contrast",
}


def settings(config: dict, section: str) -> dict:
    """The config's ``section`` with the defaults of the keys it leaves out."""
    return {**DEFAULTS.get(section, {}), **(config.get(section) or {})}


def _percent(fraction: float) -> str:
    return f"{100 * fraction:g}%"


def _endpoints(names: list[str]) -> str:
    return ", ".join(ENDPOINT_NAMES.get(name, name).lower() for name in names) or "none"


def cohort_methods(config: dict) -> list:
    design = StudyDesign.from_config(config)
    endpoints = settings(config, "survival")["endpoints"]
    window, treatment = design.treatment_window_days, design.treatment
    comparators = ", ".join(design.comparators) or "none configured"
    return [
        paragraph(input_statement(config)),
        bullet_list(
            [
                "Screening in this order, each excluded patient counted under the first reason met: diagnosis IBM, "
                "overlap or cancer-associated myositis; prospective only: an exclusion criterion or age under 18; "
                "the treatment rules; prospective only: withdrawal.",
                f"Groups from the immunosuppressants started on days 0-{window} after the index date: {treatment} "
                f"alone, or conventional immunosuppressants without {treatment} (retrospective); {treatment} with or "
                f"without {design.add_on} (prospective). Per-drug contrasts compare {treatment} with the conventional "
                f"patients whose earliest-started immunosuppressant is that drug ({comparators}). IVIg and plasma "
                f"exchange count when an episode overlaps days 0-{window}.",
                f"Baseline visit: on the index date or at most {design.baseline_window_days} days before it. "
                f"Follow-up window: day 0 to day {design.followup_days}. Endpoints analysed: retrospective "
                f"{_endpoints(endpoints.get('retrospective', []))}; prospective "
                f"{_endpoints(endpoints.get('prospective', []))}.",
                "Relapse: the first visit after baseline with worsening symptoms and ferritin or ESR above "
                f"{design.relapse_lab_ratio:g} times baseline, radiological progression, or prednisolone above "
                f"{design.relapse_gc_mg_kg:g} mg/kg/day where the previous visit was not; death censors relapse. "
                "Respiratory relapse: worsening respiratory symptoms with radiological progression.",
            ]
        ),
    ]


def balance_sentence(max_smd_after: float, sd_denominator: str = BALANCE_SD_DENOMINATOR) -> str:
    """How balance is measured (``myoild.stats.balance``) and when a contrast is flagged."""
    return (
        "Balance: standardised mean difference of each covariate (each level of a categorical one), first group "
        "minus second; before weighting, means (proportions) over the pooled SD sqrt((s1^2 + s0^2) / 2) (Austin "
        f"2009), with p(1 - p) as the variance of a proportion; {BALANCE_AFTER_WEIGHTING[sd_denominator]}. A "
        f"contrast is flagged when the largest absolute difference after weighting exceeds {max_smd_after:g}."
    )


def weighting_sentences(config: dict) -> list[str]:
    """The propensity model, the weights, their diagnostics and the balance, from ``propensity.*``."""
    propensity = settings(config, "propensity")
    design = StudyDesign.from_config(config)
    window = design.treatment_window_days
    covariates = ", ".join(COVARIATE_LABELS.get(name, name).format(window=window) for name in design.covariates)
    estimand = propensity["estimand"]
    truncate = propensity["truncate_percentiles"] or []
    extreme = propensity["extreme_ps"]
    return [
        "Propensity score (ps): unpenalised logistic regression of receiving the contrast's first group on "
        f"{covariates or 'no covariates'} (categorical covariates dummy-coded), refitted for each retrospective "
        "contrast.",
        f"Weights for the {ESTIMAND_WEIGHTS.get(estimand, estimand)}.",
        (
            "Weights were stabilised (multiplied by the marginal probability of the group received)."
            if propensity["stabilized"]
            else "Weights were not stabilised."
        ),
        (
            f"Weights were clipped at the percentiles {', '.join(f'{p:g}' for p in truncate)} of all weights."
            if truncate
            else "Weights were not truncated."
        ),
        f"Warnings when a propensity score lies outside [{extreme:g}, {1 - extreme:g}], when an arm's effective "
        f"sample size falls below {propensity['min_ess_fraction']:g} of its size, or when the propensity model "
        "does not converge or separates the groups.",
        balance_sentence(propensity["max_smd_after"]),
    ]


def weighting_methods(config: dict) -> list:
    return [paragraph(" ".join(weighting_sentences(config)))]


def bootstrap_sentence(config: dict, bootstrap: pd.DataFrame | None) -> str:
    """The bootstrap from ``bootstrap.*``; the replicate count and seed as ``tables/bootstrap.tsv``
    records them when present (the run's own record), else as configured."""
    options = settings(config, "bootstrap")
    if bootstrap is not None and len(bootstrap):
        replicates = ", ".join(sorted({format_count(n) for n in bootstrap["replicates"]}))
        seeds = ", ".join(sorted({format_count(s) for s in bootstrap["seed"]}))
    elif options.get("replicates"):
        replicates, seeds = format_count(options["replicates"]), format_count(options["seed"])
    else:
        return "Bootstrap: not run."
    return (
        f"Bootstrap: {replicates} replicates (seed {seeds}); each replicate {STRATIFY[options['stratify']]} and "
        f"refits the propensity model, the weights and the weighted Cox model; {_percent(options['conf_level'])} "
        f"percentile interval. Replicates ran in jobs of {format_count(options['chunk_size'])}; each draws from its "
        "own seed derived from the seed, the contrast and its number, so results do not depend on the job size. "
        f"No interval when more than {_percent(options['max_failed_fraction'])} of a contrast's "
        "replicates fail (the rest would be a biased subset); the failures are counted by reason."
    )


def survival_methods(config: dict, bootstrap: pd.DataFrame | None) -> list:
    ties = settings(config, "survival")["ties"]
    items = [
        f"Cox proportional hazards models of the treatment alone, {TIES.get(ties, ties)}.",
        "IPTW model: weighted by the contrast's weights, robust sandwich variance clustered on patient (R "
        "coxph(..., weights = w, robust = TRUE)); 95% CI exp(log HR ± 1.96 robust SE); p from the robust Wald "
        "test; the robust score test stands in for the log-rank test.",
        "Unadjusted model: model-based variance, Wald CI and p; ordinary log-rank test (R survdiff).",
        "Kaplan-Meier curves with log-transformed 95% limits: Greenwood SE unweighted, infinitesimal-jackknife "
        "SE weighted (R survfit). Numbers at risk are whole patients; under IPTW the sum of their weights is "
        "shown beside them.",
        bootstrap_sentence(config, bootstrap),
    ]
    strata = StudyDesign.from_config(config).strata
    if strata:
        items.insert(
            1,
            f"Every Cox-type model (IPTW, unadjusted, landmark, sensitivity grid, bootstrap, leave-one-site-out, "
            f"Fine-Gray), its log-rank or score test and its proportional-hazards test is stratified by "
            f"{', '.join(strata)}: each stratum has its own baseline hazard (R coxph(... + strata({', '.join(strata)}))).",
        )
    return [bullet_list(items)]


def other_test_methods(design: StudyDesign) -> list[str]:
    """The tests beyond Table 1/2, with the windows of the study ``design``."""
    horizon, landmark = design.followup_days, design.treatment_window_days
    return [
        "Assessment scales: paired Wilcoxon signed-rank test of each visit against baseline, Bonferroni-adjusted "
        "over the visits; Mann-Whitney U test between groups, on the values and on the change from baseline. All "
        "rank tests as R wilcox.test with its defaults (exact, or normal approximation with continuity "
        "correction).",
        "Glucocorticoids: paired Wilcoxon signed-rank test of the dose at the last visit in the follow-up window "
        "against the dose on the index date (the start of treatment).",
        "HRCT: feature scores summed over five lobes, total over four features, mean of two readers; change from "
        "baseline to 12 months in patients with both complete exams (Wilcoxon signed-rank within, Mann-Whitney "
        "between groups); reader agreement by ICC(2,1) and weighted kappa.",
        f"Adverse events: events with onset on days 0-{horizon}; Fisher's exact test of patients with vs without "
        "an event.",
        'Proportional hazards: R cox.zph (transform = "km") on every Cox model, weighted fits included.',
        "E-values (VanderWeele & Ding 2017, R EValue::evalues.HR): RR = HR when the cumulative incidence at day "
        f"{horizon} is under 15% in both arms, else RR = (1 - 0.5^sqrt(HR)) / (1 - 0.5^sqrt(1/HR)).",
        f"Absolute effects at {horizon} days: Kaplan-Meier event-free probability per arm and its difference "
        "(Wald CI); restricted mean event-free time (R survfit rmean) with bootstrap SE and percentile CI.",
        "Competing risks: weighted Aalen-Johansen cumulative incidence of relapse and of death before relapse (R "
        "survfit with a multi-state status); Fine-Gray subdistribution HR of relapse with the IPTW weights (R "
        "finegray + coxph, robust variance clustered on patient).",
        "Sensitivity grid of the main contrast: estimand (ATE, ATT, overlap) x weights (as estimated, truncated at "
        "the 1st/99th or 5th/95th percentile, trimmed to propensity scores in [0.1, 0.9] with the model refitted; "
        "Crump et al. 2009) x ties (Efron, Breslow). Landmark analysis at day "
        f"{landmark} for immortal time in the treatment-start window.",
        "All tests two-sided; p-values are unadjusted unless marked adjusted.",
    ]


def software_table(versions: dict[str, str]) -> str:
    return table(["Software", "Version"], [[name, version] for name, version in versions.items()], text=(0, 1))


def test_methods(config: dict) -> list[str]:
    """The tests used, the Table 1/2 rule written from the settings of ``tables``."""
    rules = settings(config, "tables")
    sentence = test_rule_sentence(rules["categorical_test"], rules["continuous_test"])
    return [f"Table 1 and Table 2: {sentence}", *other_test_methods(StudyDesign.from_config(config))]


test_methods.__test__ = False  # not a pytest test, though its name starts with test_


def methods_section(results: ResultsFolder, config: dict, versions: dict[str, str]) -> Section:
    config_text = json.dumps(config, indent=2, sort_keys=True, ensure_ascii=False, default=str)
    blocks = [
        Heading("methods-cohorts", "Data, cohorts and endpoints"),
        *cohort_methods(config),
        Heading("methods-weights", "Propensity scores and weights"),
        *weighting_methods(config),
        Heading("methods-survival", "Survival analysis"),
        *survival_methods(config, results.table("tables/bootstrap.tsv")),
        Heading("methods-tests", "Other tests"),
        bullet_list(test_methods(config)),
        Heading("methods-software", "Software"),
        paragraph(
            "Computed in Python with the myoild package; the Cox models follow R survival's coxph conventions, "
            "against which the package's tests check them."
        ),
        software_table(versions),
        Heading("methods-config", "Configuration used"),
        Markup(f"<pre>{escape(config_text)}</pre>\n"),
    ]
    return Section("methods", "Methods", tuple(blocks))
