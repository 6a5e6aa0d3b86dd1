"""The contrast stages read only the analysis set's columns their analyses use (issue 13, section 6).

Weights, survival, sensitivity and landmark, bootstrap, leave-one-site-out and the Schoenfeld
panels read ``contrasts.analysis_columns`` of the analysis set (``tabular.read_analysis_columns``);
each gives the same results from those columns as from the whole analysis set, for the paper's
design and for one stratified by site with one more covariate. A column used but not listed would
be a KeyError here.
"""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import pytest
from test_registry_scale import validated  # noqa: F401 (the built-in cohort's validated tables)

from myoild.bootstrap import bootstrap_chunk
from myoild.contrasts import CONTRAST_COLUMNS, analysis_columns
from myoild.derive import derive_cohort
from myoild.design import PAPER
from myoild.landmark import landmark_model_row
from myoild.ph_tests import schoenfeld_panels
from myoild.sensitivity import sensitivity_grid
from myoild.sites import SITE, leave_one_site_out
from myoild.survival import analysis_data, survival_tables
from myoild.tabular import read_analysis_columns, read_patient_rows, write_parquet
from myoild.weighting import WeightingOptions, weigh_contrasts

ENDPOINTS = {"retrospective": ["death", "relapse"], "prospective": ["death", "respiratory_relapse"]}
STRATIFIED = replace(PAPER, covariates=(*PAPER.covariates, "smoking_history"), strata=("site",))


@pytest.fixture(scope="module")
def analysis_set_file(validated, tmp_path_factory):  # noqa: F811 (the imported fixture)
    path = tmp_path_factory.mktemp("cohort") / "analysis_set.parquet"
    write_parquet(derive_cohort(validated).analysis_set, path)
    return path


def _both(path, design, endpoints, extra=()):
    """The whole analysis set, and the columns a stage of ``design`` reads."""
    whole = pd.read_parquet(path)
    read = read_analysis_columns(path, [*analysis_columns(design, endpoints), *extra])
    assert read.shape[1] < whole.shape[1] / 2
    return whole, read


def _options(design):
    section = {"estimand": "ATE", "stabilized": False, "extreme_ps": 0.01, "min_ess_fraction": 0.5}
    return WeightingOptions.from_config(section, design)


@pytest.mark.parametrize("design", [PAPER, STRATIFIED], ids=["paper", "stratified"])
def test_weights_and_survival_read_only_their_columns(analysis_set_file, design):
    every_endpoint = [name for names in ENDPOINTS.values() for name in names]
    whole, read = _both(analysis_set_file, design, every_endpoint)
    contrasts = list(design.retrospective_contrasts)
    full, pruned = weigh_contrasts(whole, contrasts, _options(design)), weigh_contrasts(
        read, contrasts, _options(design)
    )
    for contrast in contrasts:
        pd.testing.assert_frame_equal(pruned[0][contrast], full[0][contrast])
    for part in (1, 2):
        pd.testing.assert_frame_equal(pruned[part], full[part])
    tables = [
        survival_tables(data, ENDPOINTS, full[0], "efron", full[2], design, design.strata) for data in (whole, read)
    ]
    for part in ("models", "km", "at_risk", "absolute", "ph_tests", "competing"):
        pd.testing.assert_frame_equal(getattr(tables[1], part), getattr(tables[0], part))
    assert len(tables[0].competing) and tables[0].models["hr"].notna().sum() > 10


@pytest.mark.parametrize("design", [PAPER, STRATIFIED], ids=["paper", "stratified"])
def test_sensitivity_landmark_and_bootstrap_read_only_their_columns(analysis_set_file, design):
    endpoints = ENDPOINTS["retrospective"]
    whole, read = _both(analysis_set_file, design, endpoints)
    options, main = _options(design), design.main_contrast
    grids = [sensitivity_grid(data, main, endpoints, options, design.strata) for data in (whole, read)]
    pd.testing.assert_frame_equal(grids[1], grids[0])
    landmarks = [landmark_model_row(data, main, "death", options, 30, "efron", design.strata) for data in (whole, read)]
    assert landmarks[1] == pytest.approx(landmarks[0], nan_ok=True)
    chunks = [
        bootstrap_chunk(
            data,
            list(design.retrospective_contrasts),
            endpoints,
            options,
            replicates=range(3),
            seed=7,
            strata=design.strata,
        )
        for data in (whole, read)
    ]
    pd.testing.assert_frame_equal(chunks[1], chunks[0])


def test_sites_and_schoenfeld_read_only_their_columns(analysis_set_file):
    endpoints, design = ENDPOINTS["retrospective"], STRATIFIED
    whole, read = _both(analysis_set_file, design, endpoints, [SITE])
    options, main = _options(design), design.main_contrast
    tables = [leave_one_site_out(data, main, endpoints, options, design.strata, "efron") for data in (whole, read)]
    pd.testing.assert_frame_equal(tables[1], tables[0])
    weights = weigh_contrasts(whole, [main], options)[0][main]
    panels = [
        schoenfeld_panels(analysis_data(data, main, weights), main, endpoints, "efron", "weight", design.strata)
        for data in (whole, read)
    ]
    assert len(panels[0][0]) == len(panels[1][0]) == len(endpoints)
    for full, pruned in zip(panels[0][0], panels[1][0]):
        assert repr(pruned) == repr(full)


def test_analysis_columns_name_each_column_once():
    columns = analysis_columns(STRATIFIED, ["death", "relapse", "death"])
    assert len(columns) == len(set(columns))
    assert columns[: len(CONTRAST_COLUMNS)] == list(CONTRAST_COLUMNS)
    assert {"death_time_days", "relapse_event", "smoking_history", "site", "sex"} <= set(columns)


def test_a_column_the_analysis_set_lacks_is_named(analysis_set_file):
    with pytest.raises(KeyError, match="no column 'frailty_score'"):
        read_analysis_columns(analysis_set_file, ["patient_id", "frailty_score"])


def test_patient_rows_of_a_table_written_without_rows(tmp_path):
    """A normalised table without rows has an untyped patient_id, which Arrow cannot filter by:
    the reader gives its header (no rows) instead of an ArrowTypeError."""
    path = tmp_path / "hrct_reads.parquet"
    write_parquet(pd.DataFrame({"patient_id": pd.Series([], dtype=object), "score": pd.Series([], dtype=float)}), path)
    read = read_patient_rows(path, ["patient_id", "score", "reader"], ["P001"])
    assert list(read.columns) == ["patient_id", "score"] and read.empty
