"""Calibration constants of the synthetic cohort, each with its source.

"Paper" is Chen et al. 2022, Front. Immunol. 13:978429; "Table 1" describes its retrospective
cohort (93 tacrolimus, 157 conventional), "Table 2" its prospective cohort (12 tacrolimus, 22
tacrolimus + pirfenidone). A value marked *assumed* is not in the paper: it is a plausible
clinical value chosen so that the data exercise the pipeline, and the reason is given.
"""

from __future__ import annotations

import math

DEFAULT_SEED = 20220912  # chosen among 20220900-20220959 as the seed whose IPTW hazard ratios lie nearest the paper's
DEFAULT_N_RETROSPECTIVE = 250  # Abstract: 250 retrospective patients
DEFAULT_N_PROSPECTIVE = 41  # Results: "Forty-one patients were prospectively enrolled"

SITE = "Tongji"  # single centre: Department of Rheumatology and Immunology, Tongji Hospital
WINDOW_DAYS = 365  # 12-month follow-up (Methods); data contract "Derived endpoints"
PREDNISOLONE_PER_METHYLPREDNISOLONE = 5.0 / 4.0  # data contract: 5 mg prednisolone = 4 mg MP
GLUCOCORTICOID_RELAPSE_MG_KG = 0.5  # Methods, relapse criterion (iii): > 0.5 mg/kg/day

# Index dates: Methods, retrospective records January 2014 - September 2020; prospective
# enrolment 2018-2020 (the last index leaves room for 12 months of follow-up).
RETRO_INDEX_RANGE = ("2014-01-01", "2020-09-30")
PROSP_INDEX_RANGE = ("2018-01-01", "2020-06-30")

# ---------------------------------------------------------------------------------------------
# Retrospective cohort: sizes and screening
# ---------------------------------------------------------------------------------------------
RETRO_TACROLIMUS_SHARE = 93 / 250  # Abstract: 93 tacrolimus of 250
#: Screened-out patients added on top of the eligible ones, as a share of the eligible count.
#: *Assumed* (the flowchart, Supplementary Figure 1, is not in the text): about 4.5 %.
RETRO_SCREENED_OUT_SHARE = 0.045
#: Kinds of screened-out patients (vocabulary of the derivation's exclusion reasons), at least
#: one each, the rest split evenly. Methods: IBM, malignancy-associated and overlap myositis were
#: excluded; the treatment rule (data contract) excludes tacrolimus with another
#: immunosuppressant and no immunosuppressant within 30 days of index.
RETRO_SCREENED_OUT_KINDS = (
    "diagnosis_IBM",
    "diagnosis_overlap",
    "diagnosis_cancer_associated",
    "tacrolimus_with_other_immunosuppressant",
    "no_immunosuppressant_within_30_days",
)

# ---------------------------------------------------------------------------------------------
# Retrospective baseline covariates by group (Table 1). Drawing them given the group makes the
# true propensity score the Bayes posterior P(tacrolimus | x) (see ``retrospective``).
# ---------------------------------------------------------------------------------------------
#: Table 1: age 51.65 (11.27) and 51.90 (10.74), mean (SD).
RETRO_AGE_BY_GROUP = {"tacrolimus": (51.65, 11.27), "conventional": (51.90, 10.74)}
AGE_RANGE = (18.0, 85.0)  # *assumed*: adult cohort (prospective exclusion of under-18s)
#: Table 1 prints "Female 54 (70.0)" for tacrolimus, which is inconsistent (54/93 = 58.1 %).
#: 70.0 % (65/93) is taken as right because it reproduces the printed p = 0.485 against
#: 103/157 (65.6 %); 54/93 would give p = 0.23.
RETRO_FEMALE_BY_GROUP = {"tacrolimus": 65 / 93, "conventional": 103 / 157}
#: Table 1 diagnosis counts: DM 60 + 112, PM 22 + 32, CADM 11 + 13.
RETRO_DIAGNOSIS_BY_GROUP = {
    "tacrolimus": {"DM": 60 / 93, "PM": 22 / 93, "CADM": 11 / 93},
    "conventional": {"DM": 112 / 157, "PM": 32 / 157, "CADM": 13 / 157},
}
#: Table 1 prints IVIg "21 (13.4)" for tacrolimus and "17 (18.3)" for conventional; the
#: percentages fit the other column (17/93 = 18.3 %, 21/157 = 13.4 %) and the printed p = 0.297
#: fits 17/93 vs 21/157, so the columns are taken as swapped.
RETRO_IVIG_BY_GROUP = {"tacrolimus": 17 / 93, "conventional": 21 / 157}
#: Table 1 prints plasma exchange "17 (10.8)" and "10 (18.3)"; 17/93 = 18.3 % vs 17/157 = 10.8 %
#: reproduces the printed p = 0.097, so both groups are taken to have 17 patients.
RETRO_PE_BY_GROUP = {"tacrolimus": 17 / 93, "conventional": 17 / 157}
#: Table 1: initial prednisolone 54 (24) and 53 (29) mg/day, read as mean (SD). The groups differ
#: by less than the standard error of either mean, so one pooled distribution serves both, and
#: the dose carries no weight in the true propensity score.
RETRO_DOSE = (53.4, 27.3)
#: Screened-out patients are drawn from Table 1 pooled over the groups.
RETRO_POOLED_WEIGHTS = {"tacrolimus": 93 / 250, "conventional": 157 / 250}

# ---------------------------------------------------------------------------------------------
# Retrospective outcomes: Weibull proportional hazards, h(t|x) = h0(t) exp(x'beta + gamma * tac)
# ---------------------------------------------------------------------------------------------
#: Abstract: weighted HR 0.330 for death and 0.548 for relapse (tacrolimus vs conventional).
TRUE_HR = {"death": 0.33, "relapse": 0.55}
#: Prognostic log hazard ratios of the confounders, *assumed*: sicker patients (plasma exchange,
#: IVIg, CADM with anti-MDA5 rapidly progressive ILD, older, male) die more often. Because the
#: tacrolimus group holds more of them (Table 1), crude comparisons understate the benefit.
HAZARD_LOG_HR = {
    "death": {
        "age_per_10y": math.log(1.35),
        "male": math.log(1.25),
        "pm": math.log(0.8),
        "cadm": math.log(2.0),
        "dose_per_10mg": math.log(1.08),
        "ivig": math.log(2.0),
        "plasma_exchange": math.log(2.5),
    },
    "relapse": {
        "age_per_10y": 0.0,
        "male": 0.0,
        "pm": 0.0,
        "cadm": math.log(1.4),
        "dose_per_10mg": math.log(1.05),
        "ivig": math.log(1.4),
        "plasma_exchange": math.log(1.5),
    },
}
AGE_CENTRE, DOSE_CENTRE = 52.0, 54.0  # centring of age and dose in the hazard model
#: Weibull shapes, *assumed*: below 1 because deaths and flares cluster early (rapidly
#: progressive ILD, flares during glucocorticoid tapering; paper Discussion).
WEIBULL_SHAPE = {"death": 0.8, "relapse": 0.9}
#: One-year risk in the conventional group the baseline hazard is calibrated to, before
#: censoring. Results: 30/157 deaths implied by the HR's CI width (about 40 deaths in all) and
#: 81/157 observed relapses; the latent relapse risk is higher because death and loss to
#: follow-up censor relapse.
CONVENTIONAL_ONE_YEAR_RISK = {"death": 0.20, "relapse": 0.585}
#: Retrospective loss to follow-up, *assumed* (paper Limitations: missing data in the
#: retrospective study): share of patients and the range of their last contact day.
RETRO_LOST_SHARE = 0.06
RETRO_LOST_DAY_RANGE = (45, 330)
#: Respiratory relapse of a relapsing retrospective patient, *assumed*: at the same visit as the
#: first relapse (which then needs radiological progression), at a later visit, or not at all.
RETRO_RESPIRATORY_MODE = {"same_visit": 0.35, "later": 0.15, "none": 0.50}
RESPIRATORY_LATER_DELAY_DAYS = (14, 200)

# ---------------------------------------------------------------------------------------------
# Retrospective conventional group: immunosuppressant sets (Table 1)
# ---------------------------------------------------------------------------------------------
#: Table 1 percentages of 157 add up to 192 drugs (CTX 69, MTX 51, AZA 15, LEF 9, CsA 9, MMF 9,
#: tripterygium 30), so 35 patients took two. The split into sets is *assumed*; the per-drug
#: totals equal Table 1 at n = 157. The first drug starts on the index date, the second within
#: 0-30 days (two orders of CTX + MTX, so either can be the main agent).
CONVENTIONAL_DRUG_SETS = (
    (("cyclophosphamide",), 49),
    (("cyclophosphamide", "tripterygium"), 10),
    (("cyclophosphamide", "methotrexate"), 5),
    (("methotrexate", "cyclophosphamide"), 5),
    (("methotrexate",), 31),
    (("methotrexate", "tripterygium"), 10),
    (("azathioprine",), 12),
    (("azathioprine", "tripterygium"), 3),
    (("leflunomide",), 8),
    (("leflunomide", "tripterygium"), 1),
    (("ciclosporin",), 9),
    (("mycophenolate",), 8),
    (("mycophenolate", "tripterygium"), 1),
    (("tripterygium",), 5),
)
#: A drug added after day 30 (does not change the group), *assumed* share per group.
LATE_ADDITION_SHARE = 0.03
LATE_ADDITION_DAY_RANGE = (45, 300)

# ---------------------------------------------------------------------------------------------
# Prospective cohort (Results and Table 2)
# ---------------------------------------------------------------------------------------------
#: Results: 41 enrolled, 7 excluded (lost to follow-up 2, discontinued intervention 2, other 3),
#: 34 analysed: 12 tacrolimus, 22 tacrolimus + pirfenidone.
PROSP_WITHDRAWALS = {"lost_to_follow_up": 2, "discontinued_intervention": 2, "other": 3}
PROSP_ENROLLED = 41
PROSP_GROUP_SIZES = {"tacrolimus": 12, "tacrolimus+pirfenidone": 22}
PROSP_WITHDRAWAL_DAY_RANGE = (20, 300)  # *assumed*
#: Deaths per group: 26 of 34 had the 12-month HRCT (8/12 and 18/22), and the HRCT analysis
#: left out only those who died (Results), so 4 died in each group.
PROSP_DEATHS = {"tacrolimus": 4, "tacrolimus+pirfenidone": 4}
PROSP_DEATH_DAY_RANGE = (10, 350)
#: Relapse counts, *assumed* (the paper reports respiratory relapse as clearly more frequent with
#: tacrolimus alone, log-rank p = 0.0029, without counts). Respiratory relapses are a subset of
#: relapses (a respiratory relapse visit also meets relapse criterion ii).
PROSP_RELAPSES = {"tacrolimus": 7, "tacrolimus+pirfenidone": 6}
PROSP_RESPIRATORY_RELAPSES = {"tacrolimus": 6, "tacrolimus+pirfenidone": 2}
PROSP_RESPIRATORY_SAME_VISIT_SHARE = 0.8  # *assumed*
#: Table 2, per group: mean (SD) age and initial prednisolone dose (mg/day).
PROSP_AGE = {"tacrolimus": (52.8, 11.2), "tacrolimus+pirfenidone": (50.0, 10.3)}
PROSP_DOSE = {"tacrolimus": (57.0, 30.0), "tacrolimus+pirfenidone": (56.0, 31.0)}
#: Table 2 counts per group (12 and 22 patients); exact at the paper's sizes.
PROSP_COUNTS = {
    "female": {"tacrolimus": 6, "tacrolimus+pirfenidone": 14},
    "smoking_history": {"tacrolimus": 3, "tacrolimus+pirfenidone": 5},
    "heliotrope_rash": {"tacrolimus": 4, "tacrolimus+pirfenidone": 13},
    "gottron_sign": {"tacrolimus": 6, "tacrolimus+pirfenidone": 17},
    "proximal_weakness": {"tacrolimus": 6, "tacrolimus+pirfenidone": 17},
    "hypertension": {"tacrolimus": 1, "tacrolimus+pirfenidone": 2},
    "diabetes": {"tacrolimus": 2, "tacrolimus+pirfenidone": 1},
    "malignancy": {"tacrolimus": 1, "tacrolimus+pirfenidone": 2},
    "ivig": {"tacrolimus": 5, "tacrolimus+pirfenidone": 8},
    "plasma_exchange": {"tacrolimus": 3, "tacrolimus+pirfenidone": 7},
}
PROSP_DIAGNOSIS = {
    "tacrolimus": {"DM": 5, "PM": 3, "CADM": 4},
    "tacrolimus+pirfenidone": {"DM": 12, "PM": 6, "CADM": 4},
}
#: Table 2 antibodies. The counts add up to the group sizes exactly (12 and 22), so every
#: patient carries exactly one myositis-specific antibody, as the model assumes.
ANTIBODIES = ("anti_mda5", "anti_jo1", "anti_ej", "anti_pl7", "anti_pl12")
PROSP_ANTIBODIES = {
    "tacrolimus": {"anti_mda5": 5, "anti_jo1": 3, "anti_ej": 1, "anti_pl7": 2, "anti_pl12": 1},
    "tacrolimus+pirfenidone": {"anti_mda5": 9, "anti_jo1": 6, "anti_ej": 3, "anti_pl7": 3, "anti_pl12": 1},
}
#: Table 2 HRCT patterns (UIP and unclassifiable: none).
PROSP_HRCT_PATTERNS = {
    "tacrolimus": {"NSIP": 7, "OP": 2, "NSIP+OP": 2, "AIP": 1},
    "tacrolimus+pirfenidone": {"NSIP": 19, "NSIP+OP": 2, "AIP": 1},
}
#: Table 2 median (IQR) of disease duration (months) and laboratory values.
PROSP_MEDIAN_IQR = {
    "disease_duration_months": {"tacrolimus": (3, 1, 10), "tacrolimus+pirfenidone": (3, 1, 7)},
    "ck_u_l": {"tacrolimus": (433, 66, 2267), "tacrolimus+pirfenidone": (269, 38, 618)},
    "ldh_u_l": {"tacrolimus": (384, 289, 541), "tacrolimus+pirfenidone": (320, 263, 413)},
    "ferritin_ug_l": {"tacrolimus": (784, 285, 1417), "tacrolimus+pirfenidone": (494, 108, 975)},
    "esr_mm_h": {"tacrolimus": (30, 23, 44), "tacrolimus+pirfenidone": (21, 19, 32)},
    "crp_mg_l": {"tacrolimus": (8.29, 3.40, 10.50), "tacrolimus+pirfenidone": (3.41, 1.17, 10.69)},
}
#: Pirfenidone: Methods, low dose 600-900 mg/day for 12 months. A tacrolimus-group patient who
#: starts it after day 30 stays in the tacrolimus group (data contract); *assumed* share.
PIRFENIDONE_DOSES = (600.0, 900.0)
PROSP_LATE_PIRFENIDONE_SHARE = 0.1

# ---------------------------------------------------------------------------------------------
# Characteristics not reported for the retrospective cohort: pooled Table 2 rates (*assumed*)
# ---------------------------------------------------------------------------------------------
#: Antibody given the diagnosis, *assumed*: anti-MDA5 mostly in CADM, antisynthetase mostly in
#: PM. Used as the preference (log probability) when the exact antibody counts are allotted; the
#: mixture over Table 2's diagnoses (DM 17, PM 9, CADM 8 of 34) gives its pooled antibody shares
#: (MDA5 14, Jo-1 9, EJ 4, PL-7 5, PL-12 2 of 34), so the preference and the counts agree.
ANTIBODY_GIVEN_DIAGNOSIS = {
    "DM": (0.42, 0.245, 0.12, 0.16, 0.055),
    "PM": (0.05, 0.45, 0.18, 0.22, 0.10),
    "CADM": (0.80, 0.10, 0.04, 0.04, 0.02),
}
#: Retrospective HRCT pattern shares: pooled Table 2, plus *assumed* 4 % UIP and 4 %
#: unclassifiable so every pattern of the contract occurs.
RETRO_HRCT_PATTERN_SHARES = {
    "NSIP": 26 / 34 * 0.92,
    "OP": 2 / 34 * 0.92,
    "NSIP+OP": 4 / 34 * 0.92,
    "AIP": 2 / 34 * 0.92,
    "UIP": 0.04,
    "unclassifiable": 0.04,
}
#: Log-odds preference of a sign for the diagnoses where it belongs, used when exact counts are
#: allotted (Gumbel-top-k): rash in DM/CADM, weakness in DM/PM. *Assumed*; not absolute, because
#: Table 2's 17 Gottron signs among 22 exceed its 16 DM/CADM patients.
SIGN_PREFERENCE = {"heliotrope_rash": ("PM", -3.0), "gottron_sign": ("PM", -3.0), "proximal_weakness": ("CADM", -3.0)}

# ---------------------------------------------------------------------------------------------
# Body weight, glucocorticoids and the visit schedule
# ---------------------------------------------------------------------------------------------
#: Body weight (kg) by sex, *assumed* typical of Chinese adults: mean, SD; clipped to a range.
WEIGHT_BY_SEX = {"F": (57.0, 8.0), "M": (67.0, 9.0)}
WEIGHT_RANGE = (38.0, 110.0)
#: Initial glucocorticoid dose: Methods give 0.8-1.5 mg/kg/day; the model keeps every start
#: dose at or above this many mg/kg/day so that baseline is above the relapse threshold (0.5) and
#: a glucocorticoid relapse always needs a taper below it first. Prednisolone-equivalent doses
#: are rounded up to 2.5 mg.
DOSE_FLOOR_MG_KG = 0.55
DOSE_CAP_MG_DAY = 250.0  # intravenous methylprednisolone 200 mg/day
#: How the start dose is recorded, *assumed* shares: prednisolone in mg/day, prednisolone in
#: mg/kg/day, intravenous methylprednisolone in mg/day.
GC_FORMS = ("prednisolone_mg_day", "prednisolone_mg_kg_day", "methylprednisolone_mg_day")
GC_FORM_SHARES = (0.75, 0.10, 0.15)
PRIOR_GC_SHARE = 0.05  # *assumed*: an earlier course that ended before index (does not count)
#: Taper, Methods: start dose for 4 weeks, then -5 mg every 4 weeks while above 20 mg/day, then
#: -2.5 mg every 2-4 weeks; "the lowest possible dose". Maintenance floor *assumed* so the
#: median at 12 months is 10 mg/day (Results: 50 mg/d at baseline vs 10 mg/d at last visit).
TAPER_START_DAY = 28
TAPER_HIGH_STEP_MG, TAPER_HIGH_STEP_DAYS, TAPER_LOW_ABOVE_MG = 5.0, 28, 20.0
TAPER_LOW_STEP_MG = 2.5
TAPER_LOW_STEP_DAYS = (14, 21, 28)
TAPER_FLOORS_MG = (5.0, 7.5, 10.0)
TAPER_FLOOR_SHARES = (0.15, 0.30, 0.55)
#: Visits: Methods, baseline and 1, 3, 6, 12 months; baseline 0-14 days before index (data
#: contract). Day windows and the missed-visit rate are *assumed*.
BASELINE_OFFSET_RANGE = (0, 14)
SCHEDULED_VISIT_DAYS = {"m1": (26, 34), "m3": (81, 101), "m6": (168, 196), "m12": (356, 374)}
MISSED_VISIT_SHARE = {"m1": 0.05, "m3": 0.05, "m6": 0.05, "m12": 0.03}
UNSCHEDULED_VISITS_MEAN = 0.8
UNSCHEDULED_DAY_RANGE = (1, 374)
#: A relapse is recorded at a scheduled visit when one falls within this many days after the
#: latent relapse time (and inside the window), else at an unscheduled visit on that day.
RELAPSE_SNAP_DAYS = 10

# ---------------------------------------------------------------------------------------------
# Relapse criteria and noise at visits (all *assumed*; the paper gives the criteria, not rates)
# ---------------------------------------------------------------------------------------------
#: Criterion of a relapse whose visit allows a glucocorticoid relapse (the preceding visit's dose
#: is at most 0.5 mg/kg/day), and of one whose visit does not.
CRITERION_SHARES_GC_POSSIBLE = {"biomarker": 0.30, "radiological": 0.25, "glucocorticoid": 0.45}
CRITERION_SHARES_GC_IMPOSSIBLE = {"biomarker": 0.55, "radiological": 0.45}
#: A respiratory relapse at the same visit needs radiological progression there: criterion
#: radiological, or biomarker with radiological progression as well (recorded as biomarker).
SAME_VISIT_CRITERION_SHARES = {"biomarker": 0.25, "radiological": 0.75}
BIOMARKER_ALSO_RADIOLOGICAL_SHARE = 0.2
BIOMARKER_FERRITIN_SHARE = 0.7  # the rest fire through ESR (always ESR without baseline ferritin)
#: Methods, relapse criterion (i): ferritin or ESR > 2-fold the baseline level. At the relapse
#: visit the fold is 2.3-4.5 (clearly above 2, also after rounding); at any other symptomatic
#: visit at most 1.8, so (i) cannot fire there.
RELAPSE_LAB_FOLD_RANGE = (2.3, 4.5)
LAB_FOLD_CAP = 1.8
LAB_SPIKE_SHARE = 0.03  # ferritin/ESR above 2x at a visit without symptom exacerbation
LAB_SPIKE_FOLD_RANGE = (2.2, 3.5)
ESR_EXACTLY_DOUBLE_SHARE = 0.03  # symptomatic visit with ESR = 2 x baseline: not strictly above
MISSING_BASELINE_FERRITIN_SHARE = 0.05
MISSING_LAB_SHARE = 0.05
SYMPTOM_NOISE_SHARE = {"baseline": 0.5, "before_relapse": 0.12, "after_relapse": 0.2}
RESPIRATORY_GIVEN_SYMPTOM_SHARE = 0.4
RADIOLOGICAL_NOISE_SHARE = {"baseline": 0.3, "before_relapse": 0.05, "after_relapse": 0.1}
RADIOLOGICAL_MISSING_SHARE = 0.1
GC_BUMP_TRAP_SHARE = 0.3  # symptomatic visit above threshold gets +10 mg: not a crossing
GC_BUMP_TRAP_MG = 10.0
GC_RELAPSE_DOSE_MG_KG = 0.6  # relapse dose at least this (rounded up to 5 mg)
LAB_DECLINE = {"ferritin_ug_l": 0.5, "esr_mm_h": 0.4, "crp_mg_l": 0.8, "ck_u_l": 1.0, "ldh_u_l": 0.3}
LAB_NOISE_SD = 0.25
LAB_DECIMALS = {"ferritin_ug_l": 1, "esr_mm_h": 0, "crp_mg_l": 2, "ck_u_l": 0, "ldh_u_l": 0}
LAB_MINIMUM = {"ferritin_ug_l": 5.0, "esr_mm_h": 2.0, "crp_mg_l": 0.1, "ck_u_l": 10.0, "ldh_u_l": 80.0}

# ---------------------------------------------------------------------------------------------
# Assessment scales (prospective, scheduled visits). The paper reports directions and tests
# only (Figures 2, 3, S4), so levels are *assumed* typical values from Rider et al. 2011 (ref 22).
# ---------------------------------------------------------------------------------------------
#: scale: (baseline mean, baseline SD, mean change at 12 months, minimum, maximum, decimals).
#: None decimals = integer column. All improve (6MWT and MMT-8 up, the rest down): Figure 2.
SCALES = {
    "six_mwt_m": (330.0, 90.0, 90.0, 0.0, 1000.0, 0),
    "mmrc": (2.4, 0.9, -1.6, 0.0, 4.0, None),
    "patient_global": (6.0, 1.8, -3.2, 0.0, 10.0, 1),
    "mmt8": (64.0, 9.0, 10.0, 0.0, 80.0, 0),
    "myoact": (4.5, 1.8, -2.8, 0.0, 10.0, 1),
    "mitax": (0.35, 0.15, -0.22, 0.0, 1.0, 2),
    "mdi": (3.5, 1.5, -2.0, 0.0, 40.0, 0),
    "cat": (9.0, 4.0, -6.0, 0.0, 100.0, 0),
    "hama": (14.0, 5.0, -7.0, 0.0, 56.0, None),
    "hamd": (15.0, 5.0, -7.0, 0.0, 52.0, None),
}
#: Share of the 12-month change reached at each scheduled visit, *assumed* ("progressive
#: improvements", Figure 2).
SCALE_PROGRESS = {"baseline": 0.0, "m1": 0.25, "m3": 0.55, "m6": 0.8, "m12": 1.0}
#: Extra change in the pirfenidone group (Figure 3: patient global and MYOACT better at 12
#: months, MMT-8 at 3 months), *assumed* sizes.
PIRFENIDONE_SCALE_EXTRA = {
    "patient_global": {"m6": -1.0, "m12": -2.2},
    "myoact": {"m6": -0.8, "m12": -1.8},
    "mmt8": {"m3": 6.0, "m6": 2.0},
}
SCALE_MISSING_SHARE = 0.05

# ---------------------------------------------------------------------------------------------
# HRCT (prospective): Table 2 baseline feature scores (sum of 5 lobe grades, mean of 2 readers)
# ---------------------------------------------------------------------------------------------
#: Mean baseline feature score per group (Table 2; SDs there: ground glass 3.35 / 3.35,
#: consolidation 2.71 / 3.29, reticulation 2.43 / 2.60, traction bronchiectasis 1.71 / 1.72).
HRCT_FEATURE_MEANS = {
    "ground_glass": {"tacrolimus": 6.17, "tacrolimus+pirfenidone": 6.18},
    "consolidation": {"tacrolimus": 2.42, "tacrolimus+pirfenidone": 3.50},
    "reticulation": {"tacrolimus": 4.33, "tacrolimus+pirfenidone": 4.45},
    "traction_bronchiectasis": {"tacrolimus": 1.00, "tacrolimus+pirfenidone": 1.27},
}
#: Mean change of the feature score at 12 months, *assumed* to follow Figure 4: total improves
#: with pirfenidone (consolidation and traction bronchiectasis fall), reticulation worsens with
#: tacrolimus alone, ground glass about unchanged in both.
HRCT_CHANGE = {
    "ground_glass": {"tacrolimus": -0.5, "tacrolimus+pirfenidone": -0.5},
    "consolidation": {"tacrolimus": -0.8, "tacrolimus+pirfenidone": -2.2},
    "reticulation": {"tacrolimus": 1.6, "tacrolimus+pirfenidone": 0.0},
    "traction_bronchiectasis": {"tacrolimus": 0.8, "tacrolimus+pirfenidone": -1.0},
}
HRCT_CHANGE_LOBE_SD = 0.25
#: Table 2 total score, mean (SD). Its SD (3.66) is smaller than the four feature SDs would give
#: if independent (5.2): the features share one lung, so the model splits a total severity into
#: feature shares ~ Dirichlet(concentration x mean share); concentration 5 reproduces the
#: feature SDs within about 20 % (*assumed* form).
HRCT_TOTAL = {"tacrolimus": (13.92, 3.66), "tacrolimus+pirfenidone": (15.41, 5.35)}
HRCT_SHARE_CONCENTRATION = 5.0
#: Relative involvement of the lobes, *assumed* basal predominance of myositis ILD (mean 1).
LOBE_WEIGHTS = {"RUL": 0.7, "RML": 0.9, "RLL": 1.35, "LUL": 0.7, "LLL": 1.35}
HRCT_READERS = ("RAD1", "RAD2")
#: Second reader minus first reader, grades: mostly agree, sometimes one apart, rarely two
#: (applied where both first +- d are valid grades, see ``hrct``).
READER_DIFFERENCE = {0: 0.80, -1: 0.08, 1: 0.08, -2: 0.02, 2: 0.02}

# ---------------------------------------------------------------------------------------------
# Adverse events (share of patients with at least one event per category)
# ---------------------------------------------------------------------------------------------
#: Prospective opportunistic infections: Results, 8/12 and 10/22. The other categories are
#: *assumed*, guided by the Discussion (infections, glucose metabolism and electrolyte
#: disturbances most common; gastrointestinal events with pirfenidone).
AE_SHARES = {
    "prospective": {
        "tacrolimus": {
            "opportunistic_infection": 8 / 12,
            "other_infection": 3 / 12,
            "glucose_metabolism": 4 / 12,
            "electrolyte": 3 / 12,
            "gastrointestinal": 1 / 12,
            "hepatic": 1 / 12,
            "renal": 1 / 12,
            "haematological": 1 / 12,
            "other": 1 / 12,
        },
        "tacrolimus+pirfenidone": {
            "opportunistic_infection": 10 / 22,
            "other_infection": 5 / 22,
            "glucose_metabolism": 6 / 22,
            "electrolyte": 5 / 22,
            "gastrointestinal": 4 / 22,
            "hepatic": 2 / 22,
            "renal": 1 / 22,
            "haematological": 2 / 22,
            "other": 1 / 22,
        },
    },
    "retrospective": {
        "tacrolimus": {
            "opportunistic_infection": 0.18,
            "other_infection": 0.15,
            "glucose_metabolism": 0.20,
            "electrolyte": 0.12,
            "gastrointestinal": 0.05,
            "hepatic": 0.05,
            "renal": 0.05,
            "haematological": 0.04,
            "other": 0.04,
        },
        "conventional": {
            "opportunistic_infection": 0.22,
            "other_infection": 0.15,
            "glucose_metabolism": 0.20,
            "electrolyte": 0.08,
            "gastrointestinal": 0.08,
            "hepatic": 0.07,
            "renal": 0.02,
            "haematological": 0.08,
            "other": 0.04,
        },
    },
}
AE_TERMS = {
    "opportunistic_infection": (
        "Pneumocystis pneumonia",
        "CMV reactivation",
        "EBV reactivation",
        "Invasive aspergillosis",
        "Oral candidiasis",
        "Herpes zoster",
    ),
    "other_infection": ("Bacterial pneumonia", "Urinary tract infection", "Cellulitis"),
    "glucose_metabolism": ("Steroid-induced hyperglycaemia", "New-onset diabetes mellitus"),
    "electrolyte": ("Hypokalaemia", "Hypomagnesaemia", "Hyponatraemia"),
    "gastrointestinal": ("Nausea", "Dyspepsia", "Diarrhoea"),
    "hepatic": ("ALT increased",),
    "renal": ("Creatinine increased",),
    "haematological": ("Leukopenia", "Anaemia", "Thrombocytopenia"),
    "other": ("Tremor", "Photosensitivity", "Alopecia"),
}
#: CTCAE grade 1-4 shares, *assumed*; Results: no adverse event directly caused death (no grade 5).
AE_GRADE_SHARES = {"infection": (0.15, 0.45, 0.30, 0.10), "other": (0.45, 0.40, 0.13, 0.02)}
AE_SECOND_EVENT_SHARE = 0.25
AE_SERIOUS_GRADE2_SHARE = 0.1
AE_RELATED_MISSING_SHARE = 0.1
#: Results: "none of the patients discontinued the treatment due to severe AEs" (prospective);
#: *assumed* share of grade >= 3 retrospective events that led to discontinuation.
AE_DISCONTINUATION_SHARE = {"prospective": 0.0, "retrospective": 0.05}
#: Causes of death, *assumed* shares; Discussion: exacerbation of ILD was the dominant cause.
DEATH_CAUSES = {"ILD exacerbation": 0.7, "infection": 0.2, "respiratory failure": 0.1}
