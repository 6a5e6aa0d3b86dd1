"""The derivation recovers what the synthetic generator meant (its own truth file), end to end
through the written files, validation and derivation; and the flow resembles the paper's."""

import numpy as np
import pandas as pd
import pytest

from myoild.derive import derive_cohort
from myoild.synth import generate_cohort, write_cohort
from myoild.validate import validate_folder


@pytest.fixture(scope="module", params=["parquet", "csv"])
def derived_and_truth(request, tmp_path_factory):
    folder = tmp_path_factory.mktemp(f"cohort_{request.param}")
    cohort = generate_cohort()
    write_cohort(cohort, folder, fmt=request.param)
    validation = validate_folder(folder)
    assert validation.status == "pass", validation.errors[:5]
    derivation = derive_cohort(validation.tables)
    truth = pd.read_parquet(folder / "truth" / "patients.parquet")
    return derivation.analysis_set, truth, derivation.flow


def test_every_patient_once_with_the_intended_screening(derived_and_truth):
    derived, truth, _ = derived_and_truth
    merged = derived.merge(truth, on="patient_id", suffixes=("", "_truth"), validate="one_to_one")
    assert len(merged) == len(truth) == len(derived)
    assert (merged["included"] == merged["included_truth"].astype(bool)).all()
    assert (merged["exclusion_reason"].fillna("") == merged["exclusion_reason_truth"].fillna("")).all()


def test_groups_covariates_and_endpoints_match_the_truth(derived_and_truth):
    derived, truth, _ = derived_and_truth
    merged = derived[derived["included"]].merge(truth, on="patient_id", suffixes=("", "_truth"))
    for column in ("group", "main_agent", "relapse_criterion"):
        assert (merged[column].fillna("") == merged[f"{column}_truth"].fillna("")).all(), column
    for column in ("ivig", "plasma_exchange"):
        assert (merged[column].astype(int) == merged[f"{column}_truth"].astype(int)).all(), column
    np.testing.assert_allclose(merged["initial_pred_mg_day"], merged["initial_pred_mg_day_truth"], rtol=1e-9)
    for endpoint in ("death", "relapse", "respiratory_relapse"):
        for part in ("event", "time_days"):
            column = f"{endpoint}_{part}"
            assert (merged[column].astype(int) == merged[f"{column}_truth"].astype(int)).all(), column
    for column in ("relapse_visit_date", "respiratory_relapse_visit_date"):
        derived_dates = pd.to_datetime(merged[column])
        truth_dates = pd.to_datetime(merged[f"{column}_truth"])
        assert ((derived_dates == truth_dates) | (derived_dates.isna() & truth_dates.isna())).all(), column


def test_flow_resembles_the_paper(derived_and_truth):
    _, _, flow = derived_and_truth
    analysed = flow[flow["step"] == "analysed"].set_index(["cohort", "reason"])["n"]
    assert analysed[("retrospective", "tacrolimus")] == 93
    assert analysed[("retrospective", "conventional")] == 157
    assert analysed[("prospective", "tacrolimus")] == 12
    assert analysed[("prospective", "tacrolimus+pirfenidone")] == 22
    screened = flow[flow["step"] == "screened"].set_index("cohort")["n"]
    assert screened["prospective"] == 41
    withdrawn = flow[(flow["cohort"] == "prospective") & flow["reason"].fillna("").str.startswith("withdrawn_")]
    assert withdrawn.set_index("reason")["n"].to_dict() == {
        "withdrawn_lost_to_follow_up": 2,
        "withdrawn_discontinued_intervention": 2,
        "withdrawn_other": 3,
    }
