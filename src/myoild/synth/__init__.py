"""Synthetic cohort calibrated to Chen et al. 2022 (Front. Immunol. 13:978429), with its truth.

``generate_cohort(seed, n_retrospective, n_prospective)`` returns the five raw tables of
DATA_CONTRACT.md, a per-patient truth table and the generating parameters;
``write_cohort(cohort, out_dir, fmt)`` writes them (``<table>.parquet|csv``,
``truth/patients.parquet``, ``truth/parameters.json``). Same seed and sizes, same bytes. The
generator never uses the validation or derivation code it serves to test: the truth records what
it meant, by its own construction. Every constant, with its source, is in ``params``; "Table 1"
and "Table 2" below are the paper's, *assumed* marks a value the paper does not give.

Sizes and screening
    Retrospective: ``n_retrospective`` eligible patients, round(n x 93/250) tacrolimus and the rest
    conventional (250 -> 93 / 157), plus max(5, round(4.5 % x n)) screened-out patients split
    evenly over five kinds, at least one each: diagnosis IBM, overlap, cancer_associated (treated
    like anyone else), tacrolimus with cyclophosphamide started on day 0-30, and no
    immunosuppressant before day 31 (methotrexate on day 31-60). Prospective: ``n_prospective``
    enrolled; round(m x 7/41) withdraw, split 2:2:3 (lost to follow-up, discontinued intervention,
    other; 41 -> 2/2/3); of the rest round(k x 12/34) tacrolimus, the others tacrolimus +
    pirfenidone (34 -> 12 / 22). All prospective exclusion flags are false (everyone enrolled met
    the criteria). Ids: R000001..., P00001..., zero-padded so string order is numeric order;
    screened-out patients are interleaved at random.

Retrospective covariates and confounded treatment
    Each group's covariates are drawn to its Table 1 column with exact counts: sex (70.0 % /
    65.6 % female), diagnosis (DM/PM/CADM 60/22/11 and 112/32/13), IVIg (17/93, 21/157) and plasma
    exchange (17/93, 17/157; Table 1's IVIg/PE cells are misprinted, see ``params``), age normal
    (51.65 (11.27) / 51.90 (10.74)), start dose as below (pooled 53.4 (27.3) mg/day). The true
    propensity score is therefore the Bayes posterior P(tacrolimus | x), a logistic model
    (``retrospective.true_propensity_logit``, in truth as ``propensity_logit``): the tacrolimus
    group holds more plasma exchange, IVIg, CADM and women. Conventional patients get exact
    counts of immunosuppressant sets whose per-drug totals are Table 1's (CTX 69, MTX 51, AZA 15,
    LEF 9, CsA 9, MMF 9, tripterygium 30 of 157; 35 take two drugs, the second on day 0-30).
    Not in Table 1 (antibodies, signs, comorbidities, smoking, disease duration, labs, HRCT
    pattern): pooled Table 2, *assumed*.

Retrospective outcomes
    Weibull proportional hazards, H(t | x) = lambda t^k exp(x'beta + gamma x tacrolimus), latent
    day = ceil(T), with true conditional gamma = log 0.33 (death, k = 0.8) and log 0.55 (relapse,
    k = 0.9) (Abstract), and prognostic log HRs for age/10 y, male, PM, CADM, dose/10 mg, IVIg and
    plasma exchange (*assumed*; death HRs 1.35, 1.25, 0.8, 2.0, 1.08, 2.0, 2.5; relapse 1, 1, 1,
    1.4, 1.05, 1.4, 1.5). lambda is solved (Brent) so the mean one-year risk of the eligible
    conventional patients is 0.20 (death) and 0.585 (relapse): expected about 30/157 and 8/93
    deaths (the HR's CI implies about 40 deaths) and 81/157 and 35/93 relapses (Results: 81 and
    39). Six per cent are lost to follow-up on day 45-330 (*assumed*). Follow-up ends at
    max(365, m12 visit day) for completers, at the loss day, or at a death before either (then
    last contact = death date); a death after day 365 inside follow-up is recorded (censored at
    365 by the window). A relapsing patient's respiratory relapse is at the same visit (35 %),
    14-200 days later (15 %) or absent (*assumed*).

Prospective outcomes (exact counts per group, scaled by group size)
    Deaths 4/12 and 4/22 (26 of 34 had the 12-month HRCT, 8 and 18: the dead were not scanned),
    day 10-350. Relapses 7/12 and 6/22, respiratory relapses (a subset) 6/12 and 2/22 (Results:
    clearly more with tacrolimus alone, p = 0.0029; counts *assumed*), 80 % at the first relapse
    visit, else 14-150 days later; a relapse precedes the patient's death. Withdrawal on day
    20-300 is the last contact; withdrawn patients have no events.

Glucocorticoids and medications (``glucocorticoids``, ``medications``)
    Start dose D0 = 0.55 x weight + Gamma (mean and SD of Table 1 / Table 2), rounded up to 2.5 mg,
    so every baseline is above the 0.5 mg/kg/day threshold; recorded as prednisolone mg/day (75 %),
    prednisolone mg/kg/day (10 %) or methylprednisolone mg/day (15 %, 4 mg per 5 mg prednisolone),
    active from the baseline visit to day 27; then oral prednisolone, tapered per the Methods
    (-5 mg per 28 days above 20 mg/day, then -2.5 mg per 14-28 days to 5-10 mg/day): median about
    50 -> 10 mg/day (Results). Tacrolimus 0.15 mg/kg/day from day 0 (Methods); IVIg (2 g/kg, 5
    days) and plasma exchange (3-6 sessions) overlap days 0-30 for the patients with the
    covariate; pirfenidone 600/900 mg/day from day 0-30 in the combination group (Methods);
    hydroxychloroquine for 15 % of DM/CADM; decoys that must not count: earlier glucocorticoid
    courses ended before index, IVIg/PE after day 60 or ended before index, a drug added after day
    30 (3 % per retrospective group), pirfenidone after day 30 in the prospective tacrolimus group.

Visits and the relapse construction (``schedule``, ``visits``)
    Baseline 0-14 days before index; m1 day 26-34, m3 81-101, m6 168-196, m12 356-374, each
    missed with 3-5 %; Poisson(0.8) unscheduled visits on day 1-374; nothing after the last
    contact; one row per day. The latent relapse day moves to a scheduled visit within 10 days
    after it (inside the window), else it is an unscheduled visit. Criterion at that visit
    (exactly one construction each, recorded as the first criterion met): biomarker (ferritin or
    ESR 2.3-4.5 x baseline; 20 % also radiological), radiological, or glucocorticoid (dose raised
    to >= 0.6 mg/kg/day, only when the preceding visit's dose is <= 0.5 mg/kg/day); shares 30/25/45
    % where glucocorticoid is possible, else 55/45 % biomarker/radiological. No earlier visit meets
    the rule: ferritin/ESR stay <= 1.8 x baseline at symptomatic visits, radiological progression
    occurs only without symptoms, the dose never rises except +10 mg where the preceding visit was
    already above the threshold. Noise the rule must ignore: symptoms without a criterion, flags at
    the baseline visit, ESR exactly 2 x baseline, lab spikes without symptoms, missing baseline
    ferritin (5 %, any later level), doses above threshold for months, empty radiological cells,
    criteria met after day 365. Labs: baseline log-normal by Table 2 medians/IQRs, then
    baseline x exp(-decline x t/365 + N(0, 0.25^2)). Scales (prospective, scheduled visits):
    baseline normal, plus the 12-month change x visit progress (0.25, 0.55, 0.8, 1) x a patient
    response ~ N(1, 0.35^2), halved after a relapse, plus the pirfenidone extras (patient global
    and MYOACT at 12 months, MMT-8 at 3 months; Figures 2-3); levels *assumed*.

HRCT (``hrct``) and adverse events (``adverse_events``)
    Total severity ~ Gamma with Table 2's total mean (SD), split into features by Dirichlet
    shares, spread over lobes (basal predominance), graded 0-4 by stochastic rounding; a second
    reader agrees mostly, sometimes differs by one grade, occasionally two. At 12 months the
    combination group improves (total, consolidation, traction bronchiectasis), the tacrolimus
    group's reticulation worsens (Figure 4). Adverse events: exact patient counts per group and
    category (prospective opportunistic infections 8/12 and 10/22, Results), CTCAE grade 1-4,
    serious at grade >= 3, a plausible related drug, no prospective discontinuation.

Scale: all draws are vectorised over patients (numpy); ``benchmarks/bench_synth.py`` times it.
"""

from myoild.synth.cohort import SyntheticCohort, generate_cohort
from myoild.synth.io import write_cohort

__all__ = ["SyntheticCohort", "generate_cohort", "write_cohort"]
