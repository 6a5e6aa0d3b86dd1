#!/usr/bin/env Rscript
# Reference values for tests/test_stats_absolute.py and tests/test_evalue.py (R survival >= 3.5).
# The tests read the JSON written here and never need R.
#
#   Rscript tests/reference/absolute/make_reference.R      (writes reference.json beside it)
#
# Kaplan-Meier at fixed times: summary(survfit(Surv(t, e) ~ g, weights = w), times, extend = TRUE)
# -> surv, std.err (the SE of S; IJ for non-integer weights, Greenwood otherwise, survfit's
# defaults), lower, upper (conf.type "log"); restricted mean: summary(survfit(...), rmean = h)
# $table[, "rmean"]. Data: the built-in cohort (../builtin_<endpoint>.csv, ATE weights from glm
# as ../make_reference.R), ../ties.csv (times 1..10, so 365 lies past the last follow-up; also its
# near-equal times), and small made-up sets (an arm without events, follow-up that ends before
# 365 with non-integer and with whole-number weights, a curve that drops to 0). Each case keeps
# its data: a file name, or the columns themselves.
#
# E-values: the arithmetic of EValue 4.1.3 evalues.HR (github.com/mayamathur/evalue_package,
# EValue/R/effect_measures.R and EValue/R/EValue.R), written out by hand below because EValue is
# not in Debian.

suppressPackageStartupMessages(library(survival))
stopifnot(packageVersion("survival") >= "3.5")

here <- dirname(normalizePath(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE))))
# The JSON writer (to_json, write_json) and the propensity design (design) of ../make_reference.R:
# evaluate its function definitions only (its main block writes the other reference files).
for (e in parse(file.path(dirname(here), "make_reference.R"))) {
  if (is.call(e) && identical(e[[1]], as.name("<-")) && is.call(e[[3]]) &&
      identical(e[[3]][[1]], as.name("function"))) eval(e)
}

# ---- E-values (EValue 4.1.3) -----------------------------------------------------------------
# toRR.HR: if (rare_attr) RR <- est else RR <- ( 1 - 0.5^sqrt( est ) ) / ( 1 - 0.5^sqrt( 1 / est ) )
hr_to_rr <- function(hr, rare) if (rare) hr else (1 - 0.5^sqrt(hr)) / (1 - 0.5^sqrt(1 / hr))
# threshold(x, true = 1): if( x <= 1 ){ x = 1 / x } ... return( ( x + sqrt( x * ( x - true ) ) ) / true )
threshold <- function(x) {
  if (x <= 1) x <- 1 / x
  x + sqrt(x * (x - 1))
}
# evalues.RR: null.CI = (lo < true) when est > true, (hi > true) when est < true; if null.CI the
# CI's E-value is 1; otherwise only the limit closer to the null is reported (est > true: lower,
# est < true: upper); est == true: E[2] = 1.
evalue_hr <- function(hr, lo, hi, rare) {
  est <- hr_to_rr(hr, rare)
  lo <- hr_to_rr(lo, rare)
  hi <- hr_to_rr(hi, rare)
  ci <- if (est > 1) {
    if (lo < 1) 1 else threshold(lo)
  } else if (est < 1) {
    if (hi > 1) 1 else threshold(hi)
  } else 1
  list(rr = est, point = threshold(est), ci = ci)
}
evalue_cases <- list(
  list(0.56, 0.46, 0.69), list(0.35, 0.17, 0.72), list(1.8, 1.2, 2.7), list(3.9, 1.8, 8.7),
  list(0.8, 0.5, 1.3), list(1.3, 0.9, 1.9), list(1, 0.7, 1.4), list(0.97, 0.95, 0.99))
evalues <- list()
for (case in evalue_cases) for (rare in c(TRUE, FALSE)) {
  e <- evalue_hr(case[[1]], case[[2]], case[[3]], rare)
  evalues[[length(evalues) + 1]] <- list(hr = case[[1]], ci_low = case[[2]], ci_high = case[[3]],
                                         rare = rare, rr = e$rr, point = e$point, ci = e$ci)
}

# ---- Kaplan-Meier at fixed times and restricted means ----------------------------------------
level_of <- function(strata) if (is.null(strata)) NULL else as.character(sub("^[^=]*=", "", strata))

km_at <- function(d, duration, event, group, w, times, horizons) {
  formula <- if (is.null(group)) Surv(d[[duration]], d[[event]]) ~ 1 else
    Surv(d[[duration]], d[[event]]) ~ d[[group]]
  fit <- if (is.null(w)) survfit(formula) else survfit(formula, weights = w)
  s <- summary(fit, times = times, extend = TRUE)
  rmean <- lapply(horizons, function(h) {
    table <- summary(fit, rmean = h)$table
    if (is.matrix(table)) list(group = level_of(rownames(table)), rmean = unname(table[, "rmean"]))
    else list(group = NULL, rmean = unname(table["rmean"]))
  })
  list(survival = list(group = level_of(s$strata), time = s$time, surv = s$surv,
                       std_err = s$std.err, lower = s$lower, upper = s$upper),
       rmean = list(horizon = horizons, group = rmean[[1]]$group,
                    values = lapply(rmean, function(r) I(r$rmean))))
}

ate_weights <- function(d, treatment, covariates) {
  # As reference() in ../make_reference.R: glm.fit(binomial) on design(), ATE = 1/ps, 1/(1-ps).
  ps <- glm.fit(design(d, covariates, character()), d[[treatment]], family = binomial())$fitted.values
  ifelse(d[[treatment]] == 1, 1 / ps, 1 / (1 - ps))
}

# A case: data (a file under tests/reference, or the columns), the weights (or NULL), and R's
# values unweighted and (with weights) weighted.
km_case <- function(d, file, duration, event, group, w, times, horizons) {
  out <- list(file = file, duration = duration, event = event, group = group,
              times = I(times), weights = if (is.null(w)) NULL else I(w),
              unweighted = km_at(d, duration, event, group, NULL, times, horizons))
  if (is.null(file)) out$data <- lapply(d, I)
  if (!is.null(w)) out$weighted <- km_at(d, duration, event, group, w, times, horizons)
  out
}

times <- c(0.5, 30, 90, 180, 364.5, 365, 400)
cases <- list()
covariates <- c("age_years", "sex", "diagnosis", "initial_pred_mg_day", "plasma_exchange", "ivig")
for (endpoint in c("death", "relapse")) {
  file <- paste0("builtin_", endpoint, ".csv")
  d <- read.csv(file.path(dirname(here), file), stringsAsFactors = FALSE)
  w <- ate_weights(d, "treated", covariates)
  duration <- paste0(endpoint, "_time_days")
  event <- paste0(endpoint, "_event")
  cases[[paste0("builtin_", endpoint)]] <- km_case(d, file, duration, event, "treated", w, times,
                                                   c(365, 180))
  cases[[paste0("builtin_", endpoint, "_pooled")]] <- km_case(d, file, duration, event, NULL, w,
                                                              times, c(365, 180))
}

ties <- read.csv(file.path(dirname(here), "ties.csv"), stringsAsFactors = FALSE)
ties_w <- ate_weights(ties, "treated", c("age", "sex", "diagnosis", "ivig"))
ties_times <- c(0.5, 1, 2.5, 5, 9.9999, 10, 365)
cases$ties <- km_case(ties, "ties.csv", "time", "event", "treated", ties_w, ties_times, c(365, 5.5))
cases$ties_near_times <- km_case(ties, "ties.csv", "time_near", "event", "treated", ties_w,
                                 ties_times, c(365, 5.5))

set.seed(20240101)
no_events <- data.frame(
  time = c(12, 40, 40, 95, 150, 220, 300, 365, 365, 365, 30, 80, 200, 365, 365, 365),
  event = c(1, 1, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0),
  arm = rep(c("a", "b"), c(10, 6)))
cases$no_events <- km_case(no_events, NULL, "time", "event", "arm",
                           round(runif(nrow(no_events), 0.5, 3), 3), times, c(365, 100))

short <- data.frame(
  time = c(5, 20, 20, 45, 60, 60, 90, 120, 150, 200, 8, 15, 33, 33, 70, 100, 100, 160, 180),
  event = c(1, 0, 1, 1, 1, 0, 1, 0, 1, 0, 1, 1, 0, 1, 1, 1, 0, 1, 0),
  arm = rep(c("a", "b"), c(10, 9)))
cases$short_follow_up <- km_case(short, NULL, "time", "event", "arm",
                                 round(runif(nrow(short), 0.5, 3), 3), times, c(365, 100))
cases$short_follow_up_whole_weights <- km_case(short, NULL, "time", "event", "arm",
                                               sample(1:3, nrow(short), replace = TRUE), times,
                                               c(365, 100))

to_zero <- data.frame(time = c(1, 2, 3, 4, 5, 2, 6, 8), event = c(1, 0, 1, 1, 1, 1, 0, 1),
                      arm = rep(c("a", "b"), c(5, 3)))
cases$to_zero <- km_case(to_zero, NULL, "time", "event", "arm", c(1.5, 2, 0.5, 1, 1.2, 1, 2.5, 0.7),
                         c(2, 5, 6, 365), c(365, 6))

write_json(list(meta = list(R = R.version.string, survival = as.character(packageVersion("survival")),
                            evalue = "EValue 4.1.3 evalues.HR, by hand"),
                evalue = evalues, km = cases),
           file.path(here, "reference.json"))
