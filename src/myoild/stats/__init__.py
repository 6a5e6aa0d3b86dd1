"""The statistics core of myoild: propensity weights, balance, weighted Kaplan-Meier and Cox.

Works on any DataFrame (it knows no cohort and no Snakemake); numbers follow R (glm, survival
3.5: coxph, survfit, survdiff) and are tested against R reference values in tests/reference/.
"""

from .absolute import GroupedRmst, restricted_mean, survival_at
from .balance import balance_table, effective_sample_size, kish_ess
from .competing import competing_events, cumulative_incidence
from .cox import CoxFit, CoxResult, TwoGroupCox, fit_cox, weighted_cox
from .cox_counting import fit_cox_counting
from .design import Design, design_matrix
from .evalue import EValue, evalue_hr, outcome_is_rare
from .fine_gray import fine_gray, fine_gray_data
from .inference import ConvergenceWarning, WeightWarning
from .km import weighted_km
from .logrank import LogrankResult, logrank_test, survdiff
from .pooling import RubinPool, barnard_rubin_df, rubin_pool
from .propensity import (
    LogisticFit,
    PropensityModel,
    balancing_weights,
    logistic_regression,
    propensity_model,
    propensity_weights,
)
from .survdata import aeq_times
from .zph import ZphResult, proportional_hazards_test, zph_smooth

__all__ = [
    "ConvergenceWarning",
    "CoxFit",
    "CoxResult",
    "Design",
    "EValue",
    "LogisticFit",
    "LogrankResult",
    "PropensityModel",
    "RubinPool",
    "TwoGroupCox",
    "WeightWarning",
    "ZphResult",
    "aeq_times",
    "balance_table",
    "barnard_rubin_df",
    "balancing_weights",
    "competing_events",
    "cumulative_incidence",
    "design_matrix",
    "effective_sample_size",
    "evalue_hr",
    "fine_gray",
    "fine_gray_data",
    "fit_cox",
    "fit_cox_counting",
    "kish_ess",
    "logistic_regression",
    "logrank_test",
    "outcome_is_rare",
    "propensity_model",
    "propensity_weights",
    "proportional_hazards_test",
    "restricted_mean",
    "rubin_pool",
    "GroupedRmst",
    "survdiff",
    "survival_at",
    "weighted_cox",
    "weighted_km",
    "zph_smooth",
]
