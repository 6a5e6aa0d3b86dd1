#!/usr/bin/env Rscript
# Reference values for tests/test_pooling.py: Rubin's rules as R mice 3.15 pools a scalar.
# The tests read the JSON written here and never need R.
#
#   Rscript tests/reference/pooling/make_reference.R      (writes reference.json beside it)
#
# Two kinds of case:
#
# - "scalar": hand-made sets of m complete-data estimates Q and variances U with a complete-data
#   df (dfcom; null = infinite), pooled by mice::pool.scalar(Q, U, n = dfcom + 1, k = 1) (qbar,
#   ubar, b, t, df, r, fmi). Its lambda, CI and p are not returned by pool.scalar: they come from
#   a mice "mipo" object made of pool.scalar's numbers and read by mice's own summary.mipo and
#   confint.mipo (lambda = (1 + 1/m) b / t as pool.fitlist computes it);
# - "coxph": m weighted Cox fits coxph(Surv(time, status) ~ treated, weights = w, robust = TRUE)
#   of made-up data sets that differ in the imputed values of a covariate, pooled by
#   mice::pool(as.mira(fits)) with no dfcom given: mice's get.dfcom then takes, for a coxph fit,
#   nevent - length(coef) (broom's glance has no df.residual), and pool.fitlist pools the robust
#   SE (broom's robust.se column replaces std.error). The JSON keeps each fit's estimate, robust
#   SE and nevent beside mice's pooled numbers.

suppressPackageStartupMessages({
  library(mice)
  library(survival)
  library(jsonlite)
})
stopifnot(packageVersion("mice") >= "3.15")

here <- dirname(normalizePath(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE))))

summarised <- function(pooled, conf_level) {
  # pooled: a one-row data frame in pool.fitlist's layout; mice's summary and confint read it.
  mipo <- structure(list(m = pooled$m, pooled = pooled), class = c("mipo", "data.frame"))
  s <- summary(mipo, conf.int = TRUE, conf.level = conf_level)
  list(
    estimate = pooled$estimate, ubar = pooled$ubar, b = pooled$b, t = pooled$t,
    dfcom = if (is.finite(pooled$dfcom)) pooled$dfcom else NULL,
    df = pooled$df, riv = pooled$riv, lambda = pooled$lambda, fmi = pooled$fmi,
    std_error = s$std.error, statistic = s$statistic, p_value = s$p.value,
    ci_low = s[[ncol(s) - 1]], ci_high = s[[ncol(s)]]  # the two confint columns come last
  )
}

scalar_case <- function(name, Q, U, dfcom, conf_level = 0.95) {
  p <- pool.scalar(Q, U, n = dfcom + 1, k = 1)
  m <- p$m
  pooled <- data.frame(term = "x", m = m, estimate = p$qbar, ubar = p$ubar, b = p$b, t = p$t,
                       dfcom = dfcom, df = p$df, riv = p$r, lambda = (1 + 1 / m) * p$b / p$t,
                       fmi = p$fmi)
  list(name = name, kind = "scalar", estimates = Q, variances = U, conf_level = conf_level,
       pooled = summarised(pooled, conf_level))
}

cases <- list(
  scalar_case("m5_infinite_dfcom", c(-0.42, -0.35, -0.51, -0.38, -0.47),
              c(0.041, 0.039, 0.044, 0.040, 0.043), Inf),
  scalar_case("m5_dfcom_30", c(-0.42, -0.35, -0.51, -0.38, -0.47),
              c(0.041, 0.039, 0.044, 0.040, 0.043), 30),
  scalar_case("m2_large_between", c(0.10, 0.90), c(0.02, 0.03), 10),
  scalar_case("m20_no_between_variance", rep(-0.2231, 20), rep(0.0625, 20), 57),
  scalar_case("m20_dfcom_100", -0.3 + 0.05 * sin(1:20) + 0.02 * cos(3 * (1:20)),
              0.05 + 0.004 * cos(1:20), 100),
  scalar_case("m10_small_dfcom_high_fmi", c(1.2, 0.4, 2.1, -0.3, 0.9, 1.7, 0.1, 1.1, 2.5, 0.6),
              rep(0.09, 10), 5),
  scalar_case("m3_conf_level_90", c(0.5, 0.7, 0.6), c(0.01, 0.012, 0.011), 40, conf_level = 0.9)
)

# ---- Cox fits pooled by mice::pool ----------------------------------------------------------
set.seed(20221)
n <- 120
treated <- rep(0:1, each = n / 2)
age <- round(rnorm(n, 52, 11), 1)
time <- pmin(ceiling(rexp(n, 0.002 * exp(-0.5 * treated + 0.02 * (age - 52)))), 365)
status <- as.integer(time < 365 & runif(n) < 0.8)
missing <- seq(3, n, by = 7)  # ages "imputed" differently in each data set
fits <- lapply(1:6, function(j) {
  d <- data.frame(time, status, treated, age)
  d$age[missing] <- d$age[missing] + 6 * sin(j * seq_along(missing))
  ps <- fitted(glm(treated ~ age, family = binomial, data = d))
  d$w <- ifelse(d$treated == 1, 1 / ps, 1 / (1 - ps))
  coxph(Surv(time, status) ~ treated, data = d, weights = w, robust = TRUE)
})
pooled <- pool(as.mira(fits))
cox_pooled <- pooled$pooled
cases[[length(cases) + 1]] <- list(
  name = "coxph_weighted_robust", kind = "coxph",
  estimates = vapply(fits, function(f) unname(coef(f)), 0),
  variances = vapply(fits, function(f) unname(f$var[1, 1]), 0),
  nevent = fits[[1]]$nevent, n_coefficients = length(coef(fits[[1]])), conf_level = 0.95,
  pooled = summarised(cox_pooled, 0.95)
)

writeLines(toJSON(list(mice_version = as.character(packageVersion("mice")), cases = cases),
                  auto_unbox = TRUE, digits = NA, null = "null", pretty = TRUE),
           file.path(here, "reference.json"), useBytes = TRUE)
