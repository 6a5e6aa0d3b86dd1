"""The statistics core of myoild: propensity weights, balance, weighted Kaplan-Meier and Cox.

Works on any DataFrame (it knows no cohort and no Snakemake); numbers follow R (glm, survival
3.5: coxph, survfit, survdiff) and are tested against R reference values in tests/reference/.
"""

from .balance import balance_table, effective_sample_size, kish_ess
from .cox import CoxFit, CoxResult, TwoGroupCox, fit_cox, weighted_cox
from .design import Design, design_matrix
from .inference import ConvergenceWarning, WeightWarning
from .km import weighted_km
from .logrank import LogrankResult, logrank_test, survdiff
from .propensity import (
    LogisticFit,
    PropensityModel,
    balancing_weights,
    logistic_regression,
    propensity_model,
    propensity_weights,
)
from .survdata import aeq_times

__all__ = [
    "ConvergenceWarning",
    "CoxFit",
    "CoxResult",
    "Design",
    "LogisticFit",
    "LogrankResult",
    "PropensityModel",
    "TwoGroupCox",
    "WeightWarning",
    "aeq_times",
    "balance_table",
    "balancing_weights",
    "design_matrix",
    "effective_sample_size",
    "fit_cox",
    "kish_ess",
    "logistic_regression",
    "logrank_test",
    "propensity_model",
    "propensity_weights",
    "survdiff",
    "weighted_cox",
    "weighted_km",
]
