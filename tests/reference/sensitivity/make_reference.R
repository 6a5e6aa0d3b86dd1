#!/usr/bin/env Rscript
# Reference values for tests/test_sensitivity.py and tests/test_landmark.py: the sensitivity grid
# (myoild.sensitivity) and the landmark IPTW Cox model (myoild.landmark) computed with R's glm and
# survival (>= 3.5) on the built-in cohort. The tests read reference.json and never need R.
#
#   Rscript tests/reference/sensitivity/make_reference.R
#
# Needs r-cran-survival and r-cran-jsonlite. Data (the same columns, one row per patient):
#   ../builtin_death.csv         the tacrolimus_vs_conventional patients (tests/reference/
#                                export_builtin_cohort.py; builtin_relapse.csv is the same file);
#                                no propensity score lies outside [0.1, 0.9] here
#   builtin_azathioprine.csv     the tacrolimus_vs_azathioprine patients, where trimming drops 34:
#       sed s/tacrolimus_vs_conventional/tacrolimus_vs_azathioprine/ \
#           tests/reference/export_builtin_cohort.py | .venv/bin/python - builtin_azathioprine.csv
#
# Built by hand, as the paper's methods and myoild.stats state them: propensity score
# glm(treated ~ covariates, binomial); weights ATE 1/ps and 1/(1 - ps) (stabilised: times the
# share of the group received), ATT 1 and ps/(1 - ps), overlap 1 - ps and ps; truncation clips at
# quantile(w, c(lo, hi) / 100, type = 7) of all the contrast's weights, after stabilisation;
# trimming keeps 0.1 <= ps <= 0.9 and refits the glm on those patients (Crump et al. 2009).
# Cox: coxph(Surv(t, e) ~ treated, weights = w, robust = TRUE, ties = ties). ESS: Kish,
# (sum w)^2 / sum w^2 per group. Balance: the largest |SMD| after weighting over every covariate
# (every level of a categorical one), Austin & Stuart (2015) formulas as in ../make_reference.R.
# Landmark: patients with t > L, time t - L, glm refitted on them, ATE weights, coxph as above.
# JSON by jsonlite with 15 significant digits; NA is null.

suppressPackageStartupMessages({
  library(survival)
  library(jsonlite)
})
stopifnot(packageVersion("survival") >= "3.5")

COVARIATES <- c("age_years", "sex", "diagnosis", "initial_pred_mg_day", "plasma_exchange", "ivig")
ENDPOINTS <- c("death", "relapse")
ESTIMANDS <- c("ATE", "ATT", "overlap")
TRUNCATIONS <- list(none = NULL, truncate_1_99 = c(1, 99), truncate_5_95 = c(5, 95))
TRIM <- "trim_0.1_0.9"

propensity <- function(d) {
  fitted(glm(reformulate(COVARIATES, "treated"), family = binomial, data = d))
}

balancing_weights <- function(ps, treated, estimand, stabilized, truncate) {
  t <- treated == 1
  w <- switch(estimand,
    ATE = ifelse(t, 1 / ps, 1 / (1 - ps)) * (if (stabilized) ifelse(t, mean(t), mean(!t)) else 1),
    ATT = ifelse(t, 1, ps / (1 - ps)),
    overlap = ifelse(t, 1 - ps, ps))
  if (is.null(truncate)) return(w)
  limits <- quantile(w, truncate / 100, type = 7, names = FALSE)
  pmin(pmax(w, limits[1]), limits[2])
}

kish <- function(w) sum(w)^2 / sum(w^2)

max_abs_smd <- function(d, w) {
  t <- d$treated == 1
  moments <- function(x, w, binary) {
    m <- sum(w * x) / sum(w)
    c(m, if (binary) m * (1 - m) else sum(w) / (sum(w)^2 - sum(w^2)) * sum(w * (x - m)^2))
  }
  smd <- function(x, binary) {
    a <- moments(x[t], w[t], binary)
    b <- moments(x[!t], w[!t], binary)
    if (a[1] == b[1]) 0 else (a[1] - b[1]) / sqrt((a[2] + b[2]) / 2)
  }
  values <- c()
  for (name in COVARIATES) {
    x <- d[[name]]
    if (is.character(x)) {
      for (level in sort(unique(x), method = "radix")) values <- c(values, smd(as.numeric(x == level), TRUE))
    } else {
      values <- c(values, smd(as.numeric(x), all(x %in% c(0, 1))))
    }
  }
  max(abs(values))
}

cox_row <- function(d, endpoint, w, ties) {
  d$.w <- w
  fit <- coxph(Surv(d[[paste0(endpoint, "_time_days")]], d[[paste0(endpoint, "_event")]]) ~ treated,
               data = d, weights = .w, robust = TRUE, ties = ties)
  s <- summary(fit)
  list(hr = unname(s$conf.int[1, "exp(coef)"]), ci_low = unname(s$conf.int[1, "lower .95"]),
       ci_high = unname(s$conf.int[1, "upper .95"]), se_log_hr = sqrt(fit$var[1, 1]),
       p_value = unname(s$coefficients[1, "Pr(>|z|)"]), logrank_p = unname(s$robscore["pvalue"]),
       n = fit$n, events = fit$nevent)
}

weighted_rows <- function(d, contrast, endpoint, estimand, weighting, stabilized) {
  ps <- propensity(d)
  w <- balancing_weights(ps, d$treated, estimand, stabilized, TRUNCATIONS[[weighting]])
  t <- d$treated == 1
  lapply(c("efron", "breslow"), function(ties) c(
    list(contrast = contrast, endpoint = endpoint, estimand = estimand, weights = weighting,
         stabilized = stabilized, ties = ties),
    cox_row(d, endpoint, w, ties),
    list(ess_treated = kish(w[t]), ess_control = kish(w[!t]), max_abs_smd_after = max_abs_smd(d, w))))
}

grid_rows <- function(d, contrast, stabilized) {
  ps <- propensity(d)
  trimmed <- d[ps >= 0.1 & ps <= 0.9, ]
  rows <- list()
  for (endpoint in ENDPOINTS) for (estimand in ESTIMANDS) {
    if (stabilized && estimand != "ATE") next
    for (weighting in c(names(TRUNCATIONS), TRIM)) {
      cell <- if (weighting == TRIM) trimmed else d
      rows <- c(rows, weighted_rows(cell, contrast, endpoint, estimand, weighting, stabilized))
    }
  }
  rows
}

landmark_rows <- function(d, contrast, landmark) {
  rows <- list()
  for (endpoint in ENDPOINTS) {
    time <- paste0(endpoint, "_time_days")
    kept <- d[d[[time]] > landmark, ]
    kept[[time]] <- kept[[time]] - landmark
    w <- balancing_weights(propensity(kept), kept$treated, "ATE", FALSE, NULL)
    for (ties in c("efron", "breslow")) {
      rows[[length(rows) + 1]] <- c(
        list(contrast = contrast, endpoint = endpoint, landmark_days = landmark, ties = ties,
             left_out = nrow(d) - nrow(kept)),
        cox_row(kept, endpoint, w, ties))
    }
  }
  rows
}

script_dir <- function() {
  file <- sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE))
  if (length(file)) dirname(normalizePath(file)) else getwd()
}

here <- script_dir()
read <- function(path) read.csv(path, stringsAsFactors = FALSE)
main <- read(file.path(here, "..", "builtin_death.csv"))
azathioprine <- read(file.path(here, "builtin_azathioprine.csv"))

rows_to_frame <- function(rows) do.call(rbind.data.frame, lapply(rows, as.data.frame))
result <- list(
  meta = list(R = R.version.string, survival = as.character(packageVersion("survival")),
              covariates = COVARIATES),
  grid = rows_to_frame(c(
    grid_rows(main, "tacrolimus_vs_conventional", FALSE),
    grid_rows(main, "tacrolimus_vs_conventional", TRUE),
    grid_rows(azathioprine, "tacrolimus_vs_azathioprine", FALSE))),
  landmark = rows_to_frame(c(
    landmark_rows(main, "tacrolimus_vs_conventional", 30),
    landmark_rows(main, "tacrolimus_vs_conventional", 90))))
path <- file.path(here, "reference.json")
writeLines(toJSON(result, auto_unbox = TRUE, digits = NA, na = "null", pretty = FALSE), path)
message("wrote ", path)
