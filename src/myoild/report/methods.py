"""The methods section, written from the configuration the run used and the software it ran on."""

from __future__ import annotations

import json

import pandas as pd

from myoild.contract import WINDOW_DAYS
from myoild.figures.forest import ENDPOINT_NAMES
from myoild.report.folder import ResultsFolder
from myoild.report.formatting import format_count
from myoild.report.html import Heading, Markup, Section, bullet_list, escape, paragraph, table
from myoild.report.summary import input_statement
from myoild.tables import test_rule_sentence

COVARIATE_LABELS = {
    "age_years": "age",
    "sex": "sex",
    "diagnosis": "diagnosis (DM, PM, CADM)",
    "initial_pred_mg_day": "prednisolone-equivalent dose on the index date",
    "plasma_exchange": "plasma exchange on days 0-30",
    "ivig": "IVIg on days 0-30",
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


def _endpoints(names: list[str]) -> str:
    return ", ".join(ENDPOINT_NAMES.get(name, name).lower() for name in names) or "none"


def cohort_methods(config: dict) -> list:
    endpoints = config.get("survival", {}).get("endpoints", {})
    return [
        paragraph(input_statement(config)),
        bullet_list(
            [
                "Screening in this order, each excluded patient counted under the first reason met: diagnosis IBM, "
                "overlap or cancer-associated myositis; prospective only: an exclusion criterion or age under 18; "
                "the treatment rules; prospective only: withdrawal.",
                "Groups from the immunosuppressants started within 30 days of the index date: tacrolimus alone, or "
                "conventional immunosuppressants without tacrolimus (retrospective); tacrolimus with or without "
                "pirfenidone (prospective). Per-drug contrasts compare tacrolimus with the conventional patients "
                "whose earliest-started immunosuppressant is that drug.",
                f"Follow-up window: day 0 to day {WINDOW_DAYS}. Endpoints analysed: retrospective "
                f"{_endpoints(endpoints.get('retrospective', []))}; prospective "
                f"{_endpoints(endpoints.get('prospective', []))}.",
                "Relapse: the first visit after baseline with worsening symptoms and ferritin or ESR above twice "
                "baseline, radiological progression, or prednisolone above 0.5 mg/kg/day where the previous visit "
                "was not; death censors relapse. Respiratory relapse: worsening respiratory symptoms with "
                "radiological progression.",
            ]
        ),
    ]


def weighting_methods(config: dict) -> list:
    propensity = config.get("propensity", {})
    covariates = ", ".join(COVARIATE_LABELS.get(name, name) for name in propensity.get("covariates", []))
    estimand = propensity.get("estimand", "ATE")
    truncate = propensity.get("truncate_percentiles") or []
    truncation = (
        "Weights were not truncated."
        if not truncate
        else f"Weights were clipped at the percentiles {', '.join(f'{p:g}' for p in truncate)}."
    )
    stabilised = " Weights were stabilised (multiplied by the marginal probability of the group received)."
    return [
        paragraph(
            "Propensity score (ps): unpenalised logistic regression of receiving the contrast's first group on "
            f"{covariates or 'no covariates'} (categorical covariates dummy-coded), refitted for each "
            f"retrospective contrast. Weights for the {ESTIMAND_WEIGHTS.get(estimand, estimand)}."
            + (stabilised if propensity.get("stabilized") else "")
            + f" {truncation} Warnings when a propensity score lies outside "
            f"[{propensity.get('extreme_ps', 0.01):g}, {1 - propensity.get('extreme_ps', 0.01):g}] or an arm's "
            f"effective sample size falls below {propensity.get('min_ess_fraction', 0.5):g} of its size. Balance: "
            "standardised mean differences over the pooled unweighted SD (Austin 2009)."
        )
    ]


def survival_methods(config: dict, bootstrap: pd.DataFrame | None) -> list:
    ties = config.get("survival", {}).get("ties", "efron")
    items = [
        f"Cox proportional hazards models of the treatment alone, {TIES.get(ties, ties)}.",
        "IPTW model: weighted by the contrast's weights, robust sandwich variance clustered on patient (R "
        "coxph(..., weights = w, robust = TRUE)); 95% CI exp(log HR ± 1.96 robust SE); p from the robust Wald "
        "test; the robust score test stands in for the log-rank test.",
        "Unadjusted model: model-based variance, Wald CI and p; ordinary log-rank test (R survdiff).",
        "Kaplan-Meier curves with log-transformed 95% limits: Greenwood SE unweighted, infinitesimal-jackknife "
        "SE weighted (R survfit). Numbers at risk are whole patients; under IPTW the sum of their weights is "
        "shown beside them.",
    ]
    if bootstrap is None:
        items.append("Bootstrap: not run.")
    else:
        replicates = ", ".join(sorted({format_count(n) for n in bootstrap["replicates"]}))
        seeds = ", ".join(sorted({format_count(s) for s in bootstrap["seed"]}))
        items.append(
            f"Bootstrap: {replicates} replicates (seed {seeds}); each replicate resamples patients and refits the "
            "propensity model, the weights and the weighted Cox model; 95% percentile interval."
        )
    return [bullet_list(items)]


OTHER_TEST_METHODS = [
    "Assessment scales: paired Wilcoxon signed-rank test of each visit against baseline, Bonferroni-adjusted over "
    "the visits; Mann-Whitney U test between groups, on the values and on the change from baseline. All rank tests "
    "as R wilcox.test with its defaults (exact, or normal approximation with continuity correction).",
    "Glucocorticoids: paired Wilcoxon signed-rank test of the last-visit dose against the baseline dose.",
    "HRCT: feature scores summed over five lobes, total over four features, mean of two readers; change from "
    "baseline to 12 months in patients with both complete exams (Wilcoxon signed-rank within, Mann-Whitney "
    "between groups); reader agreement by ICC(2,1) and weighted kappa.",
    "Adverse events: events with onset on days 0-365; Fisher's exact test of patients with vs without an event.",
    "Proportional hazards: R cox.zph (transform = \"km\") on every Cox model, weighted fits included.",
    "E-values (VanderWeele & Ding 2017, R EValue::evalues.HR): RR = HR when the 12-month cumulative incidence "
    "is under 15% in both arms, else RR = (1 - 0.5^sqrt(HR)) / (1 - 0.5^sqrt(1/HR)).",
    "Absolute effects at 365 days: Kaplan-Meier event-free probability per arm and its difference (Wald CI); "
    "restricted mean event-free time (R survfit rmean) with bootstrap SE and percentile CI.",
    "Competing risks: weighted Aalen-Johansen cumulative incidence of relapse and of death before relapse (R survfit "
    "with a multi-state status); Fine-Gray subdistribution HR of relapse with the IPTW weights (R finegray + coxph, "
    "robust variance clustered on patient).",
    "Sensitivity grid of the main contrast: estimand (ATE, ATT, overlap) x weights (as estimated, truncated at the "
    "1st/99th or 5th/95th percentile, trimmed to propensity scores in [0.1, 0.9] with the model refitted; Crump et "
    "al. 2009) x ties (Efron, Breslow). Landmark analysis at day 30 for immortal time in the treatment-start window.",
    "All tests two-sided; p-values are unadjusted unless marked adjusted.",
]


def software_table(versions: dict[str, str]) -> str:
    return table(["Software", "Version"], [[name, version] for name, version in versions.items()], text=(0, 1))


def test_methods(config: dict) -> list[str]:
    """The tests used, the Table 1/2 rule written from the settings of ``tables``."""
    rules = config.get("tables", {})
    sentence = test_rule_sentence(rules.get("categorical_test", "auto"), rules.get("continuous_test", "by_statistic"))
    return [f"Table 1 and Table 2: {sentence}", *OTHER_TEST_METHODS]


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
