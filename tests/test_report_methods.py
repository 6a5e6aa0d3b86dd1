"""The methods text says what the code does: each sentence is written from its setting and changes
with it; the balance sentence is the formula the weighting stage computes."""

import copy
import re
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from myoild.report.methods import (
    BALANCE_SD_DENOMINATOR,
    DEFAULTS,
    cohort_methods,
    survival_methods,
    test_methods,
    weighting_sentences,
)
from myoild.weighting import WeightingOptions, contrast_weights

SCHEMA = Path(__file__).parents[1] / "schemas/config.schema.yaml"
#: A full configuration as the workflow's validation leaves it (the schema's defaults).
BASE = {
    **copy.deepcopy(DEFAULTS),
    "study": {
        "followup_days": 365,
        "treatment_window_days": 30,
        "baseline_window_days": 14,
        "relapse_lab_ratio": 2,
        "relapse_gc_mg_kg": 0.5,
    },
}
BASE["bootstrap"] |= {"replicates": 2000, "seed": 20221}


class _Text(HTMLParser):
    def __init__(self, html: str):
        super().__init__()
        self.words = []
        self.feed(html)

    def handle_data(self, data):
        self.words.append(data)


def sentences(config: dict) -> set[str]:
    """The sentences of the methods that state choices (the config dump left out)."""
    html = "".join(
        [
            *cohort_methods(config),
            *(f"<p>{sentence}</p>" for sentence in weighting_sentences(config)),
            *survival_methods(config, None),
            *(f"<p>{sentence}</p>" for sentence in test_methods(config)),
        ]
    )
    text = " ".join(" ".join(_Text(html).words).split())
    return set(re.split(r"(?<=\.) (?=[A-Z])", text))


def _changed(path: str, value) -> dict:
    config = copy.deepcopy(BASE)
    *parents, key = path.split(".")
    section = config
    for parent in parents:
        section = section[parent]
    section[key] = value
    return config


def test_defaults_are_the_schemas():
    schema = yaml.safe_load(SCHEMA.read_text(encoding="utf-8"))["properties"]

    def default(path):
        node = schema
        for part in path.split("."):
            node = node[part] if part in node else node["properties"][part]
        return node["default"]

    for section, values in DEFAULTS.items():
        for key, value in values.items():
            if key == "endpoints":
                assert value == {cohort: default(f"{section}.{key}.{cohort}") for cohort in value}
            else:
                assert value == default(f"{section}.{key}"), f"{section}.{key}"
    for key in ("replicates", "seed"):
        assert BASE["bootstrap"][key] == default(f"bootstrap.{key}")
    assert BASE["study"] == {key: default(f"study.{key}") for key in BASE["study"]}


@pytest.mark.parametrize(
    ("setting", "value", "fragment"),
    [
        ("propensity.covariates", ["age_years", "ivig"], "on age, IVIg on days 0-30 (categorical"),
        ("propensity.estimand", "ATT", "effect on the treated (ATT): weight 1 for the first group"),
        ("propensity.stabilized", True, "Weights were stabilised (multiplied by the marginal probability"),
        ("propensity.truncate_percentiles", [5, 95], "clipped at the percentiles 5, 95 of all weights"),
        ("propensity.extreme_ps", 0.05, "outside [0.05, 0.95]"),
        ("propensity.min_ess_fraction", 0.3, "falls below 0.3 of its size"),
        ("propensity.max_smd_after", 0.2, "after weighting exceeds 0.2."),
        ("survival.ties", "breslow", "Breslow's approximation for tied event times"),
        ("survival.endpoints", {"retrospective": ["relapse"], "prospective": ["death"]}, "retrospective relapse; "),
        ("bootstrap.replicates", 100, "Bootstrap: 100 replicates (seed 20221)"),
        ("bootstrap.replicates", 0, "Bootstrap: not run."),
        ("bootstrap.seed", 7, "Bootstrap: 2000 replicates (seed 7)"),
        ("bootstrap.stratify", "none", "resamples patients from the whole contrast"),
        ("bootstrap.conf_level", 0.9, "90% percentile interval"),
        ("bootstrap.chunk_size", 50, "Replicates ran in jobs of 50;"),
        ("bootstrap.max_failed_fraction", 0.1, "more than 10% of a contrast's replicates fail"),
        ("tables.categorical_test", "pearson", "chi-square test without continuity correction for every n (%) row"),
        ("tables.continuous_test", "mann_whitney", "Mann-Whitney U test for every continuous row"),
        ("study.followup_days", 730, "Follow-up window: day 0 to day 730."),
        ("study.treatment_window_days", 60, "started on days 0-60 after the index date"),
        ("study.baseline_window_days", 7, "at most 7 days before it"),
        ("study.relapse_lab_ratio", 3, "above 3 times baseline"),
        ("study.relapse_gc_mg_kg", 1, "prednisolone above 1 mg/kg/day"),
    ],
)
def test_each_sentence_changes_with_its_setting(setting, value, fragment):
    before, after = sentences(BASE), sentences(_changed(setting, value))
    new = after - before
    assert new, f"no sentence changed with {setting}"
    assert any(fragment in sentence for sentence in new), new
    assert not any(fragment in sentence for sentence in before)


def test_defaults_are_stated():
    text = " ".join(sentences(BASE))
    for fragment in (
        "average treatment effect (ATE)",
        "Weights were not stabilised.",
        "Weights were not truncated.",
        "outside [0.01, 0.99]",
        "Efron's approximation",
        "Bootstrap: 2000 replicates (seed 20221); each replicate resamples patients within each treatment group",
        "95% percentile interval",
        "Follow-up window: day 0 to day 365.",
        "Adverse events: events with onset on days 0-365",
        "Landmark analysis at day 30",
    ):
        assert fragment in text, fragment
    # The balance sentence states the weighted SD after weighting, not the pooled unweighted SD.
    assert "pooled weighted SD" in text and "Austin & Stuart 2015" in text
    assert "pooled unweighted SD" not in text


def test_a_missing_section_takes_the_defaults():
    assert sentences({"bootstrap": BASE["bootstrap"]}) == sentences(BASE)


def test_balance_written_by_the_weighting_stage_is_the_one_described():
    """SMD of age after weighting by hand (Austin & Stuart 2015): weighted means over the pooled
    weighted SD, s^2 = sum w / ((sum w)^2 - sum w^2) * sum w (x - m)^2."""
    rng = np.random.default_rng(3)
    n = 40
    treated = np.arange(n) < 15
    age = rng.normal(50, 10, n) + 6 * treated
    frame = pd.DataFrame(
        {
            "patient_id": [f"P{i:02d}" for i in range(n)],
            "cohort": "retrospective",
            "included": True,
            "group": np.where(treated, "tacrolimus", "conventional"),
            "main_agent": np.where(treated, "tacrolimus", "methotrexate"),
            "age_years": age,
        }
    )
    fitted = contrast_weights(frame, "tacrolimus_vs_conventional", WeightingOptions(covariates=("age_years",)))
    weights = fitted.weights.set_index("patient_id").loc[frame["patient_id"], "weight"].to_numpy()

    def moments(x, w):
        mean = np.sum(w * x) / np.sum(w)
        return mean, np.sum(w) / (np.sum(w) ** 2 - np.sum(w**2)) * np.sum(w * (x - mean) ** 2)

    (m1, v1), (m0, v0) = moments(age[treated], weights[treated]), moments(age[~treated], weights[~treated])
    weighted_sd = (m1 - m0) / np.sqrt((v1 + v0) / 2)
    unweighted_sd = (m1 - m0) / np.sqrt((np.var(age[treated], ddof=1) + np.var(age[~treated], ddof=1)) / 2)
    smd = fitted.balance.set_index("covariate").loc["age_years", "smd_weighted"]
    assert BALANCE_SD_DENOMINATOR == "weighted"
    assert smd == pytest.approx(weighted_sd, rel=1e-12)
    assert abs(weighted_sd - unweighted_sd) > 1e-6  # the two formulas differ on these data
