#!/usr/bin/env Rscript
# Reference values for tests/test_stats_zph.py: R survival's proportional-hazards test
# cox.zph(fit) with its defaults (transform = "km", terms = TRUE, global = TRUE) for the
# two-group Cox model, and the smooth that plot.cox.zph draws through the scaled Schoenfeld
# residuals. The tests read the JSON written here and never need R.
#
#   Rscript tests/reference/zph/make_reference.R      (writes reference.json beside this script)
#
# Data: the data sets of ../make_reference.R (built-in cohort, death and relapse; ties; gbsg),
# read from ../<name>.csv, with the ATE weights stored in ../<name>.json (glm there). Per data
# set, ties = "efron" and "breslow", each
#   weighted:   coxph(Surv(t, e) ~ treated, weights = w, robust = TRUE, ties = ties)
#   unweighted: coxph(Surv(t, e) ~ treated, ties = ties)
# Besides: the other transforms on gbsg, near-equal times (ties$time_near, R's timefix), and
# small data sets on which the test is undefined (R stops: the 2 x 2 information is singular).
# Stratified (R strata(), the model of survival.strata), per data set, ties and weighting as above:
#   coxph(Surv(t, e) ~ treated + strata(s), weights = w, robust = TRUE, ties = ties)
#   coxph(Surv(t, e) ~ treated + strata(s), ties = ties)
# with s the made-up centre of ../strata/make_reference.R for the built-in cohort and ties ("east"
# when the number in the id is a multiple of 10, else "north" when it is odd, else "south") and
# the column meno for gbsg; the labels are written to reference.json. On ties also two stratum
# columns (strata(site, sex)) and near-equal times. And a small data set with a stratum in which
# treatment is constant, its strata numbered so that the constant one comes last: with it first,
# cox.zph (3.5-3, its sgrp) scales the residuals of the wrong rows; both orders are written.

suppressPackageStartupMessages(library(survival))
stopifnot(packageVersion("survival") >= "3.5")

script_dir <- function() {
  file <- sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE))
  if (length(file)) dirname(normalizePath(file)) else getwd()
}
out <- script_dir()
reference_dir <- dirname(out)

# JSON (17 significant digits; jsonlite stops at 15) by the writer of ../make_reference.R: its
# two function definitions only, as that script writes files when run.
for (expr in parse(file.path(reference_dir, "make_reference.R"))) {
  if (is.call(expr) && identical(expr[[1]], as.name("<-")) &&
      as.character(expr[[2]]) %in% c("json_string", "to_json")) eval(expr)
}
# The ATE weights that ../make_reference.R stored for a data set (jsonlite reads 17 digits).
ate_weights <- function(name) {
  jsonlite::fromJSON(file.path(reference_dir, paste0(name, ".json")))$weights$ATE
}

# plot.cox.zph's smooth, its own lines (survival 3.5-3, R/plot.cox.zph.R) without the drawing:
# a natural spline of df columns (knots on c(pred.x, x)) fitted by least squares, evaluated at
# nsmo equally spaced x, with the band yhat +- 2 sqrt(var * diag(P (X'X)^-1 P')).
zph_smooth <- function(zph, df = 4, nsmo = 40) {
  xx <- zph$x
  y <- zph$y[, 1]
  pred.x <- seq(from = min(xx), to = max(xx), length = nsmo)
  lmat <- splines::ns(c(pred.x, xx), df = df, intercept = TRUE)
  pmat <- lmat[1:nsmo, ]
  xmat <- lmat[-(1:nsmo), ]
  qmat <- qr(xmat)
  yhat <- pmat %*% qr.coef(qmat, y)
  bk <- backsolve(qmat$qr[1:df, 1:df], diag(df))
  seval <- ((pmat %*% (bk %*% t(bk))) * pmat) %*% rep(1, df)
  band <- 2 * sqrt(zph$var[1, 1] * seval)
  # The time axis of a transformed scale: 8 round times at evenly spaced x (plot.cox.zph).
  first <- !duplicated(xx)
  at <- signif(approx(xx[first], zph$time[first], seq(min(xx), max(xx), length = 17)[2 * (1:8)])$y, 2)
  list(x = I(pred.x), fit = I(c(yhat)), lower = I(c(yhat - band)), upper = I(c(yhat + band)),
       axis_days = I(at), axis_x = I(approx(zph$time[first], xx[first], at)$y))
}

zph_values <- function(fit, transform = "km") {
  zph <- cox.zph(fit, transform = transform)
  table <- zph$table
  values <- list(chisq = table["treated", "chisq"], df = table["treated", "df"],
                 p = table["treated", "p"], global_chisq = table["GLOBAL", "chisq"],
                 coef = unname(coef(fit)), var = zph$var[1, 1], transform = zph$transform,
                 time = I(zph$time), x = I(zph$x), residual = I(unname(zph$y[, 1])))
  # Stratified: residuals in stratum order; the stratum of each (0-based, levels sorted).
  if (!is.null(zph$strata)) values$stratum <- I(as.integer(zph$strata) - 1L)
  values
}

made_up_site <- function(id) {  # as ../strata/make_reference.R
  number <- as.integer(gsub("\\D", "", id))
  ifelse(number %% 10 == 0, "east", ifelse(number %% 2 == 1, "north", "south"))
}

data_sets <- list(
  builtin_death = c(time = "death_time_days", event = "death_event", treated = "treated"),
  builtin_relapse = c(time = "relapse_time_days", event = "relapse_event", treated = "treated"),
  ties = c(time = "time", event = "event", treated = "treated"),
  gbsg = c(time = "rfstime", event = "status", treated = "hormon"))
# The stratum of each row (a made-up centre from the id, or a column of the data).
stratum_of <- list(
  builtin_death = function(d) made_up_site(d$patient_id),
  builtin_relapse = function(d) made_up_site(d$patient_id),
  ties = function(d) made_up_site(d$id),
  gbsg = function(d) d$meno)

result <- list(meta = list(R = R.version.string, survival = as.character(packageVersion("survival"))),
               data_sets = list(), models = list(), strata = list(), stratified = list())
for (name in names(data_sets)) {
  columns <- data_sets[[name]]
  raw <- read.csv(file.path(reference_dir, paste0(name, ".csv")))
  d <- data.frame(t = raw[[columns[["time"]]]], e = raw[[columns[["event"]]]],
                  treated = raw[[columns[["treated"]]]], s = stratum_of[[name]](raw))
  d$w <- ate_weights(name)
  result$data_sets[[name]] <- as.list(columns)
  result$strata[[name]] <- I(d$s)
  for (ties in c("efron", "breslow")) {
    weighted <- coxph(Surv(t, e) ~ treated + strata(s), data = d, weights = w, robust = TRUE,
                      ties = ties)
    unweighted <- coxph(Surv(t, e) ~ treated + strata(s), data = d, ties = ties)
    for (fit in list(list("weighted", weighted), list("unweighted", unweighted))) {
      values <- zph_values(fit[[2]])
      values$smooth <- zph_smooth(cox.zph(fit[[2]]))
      result$stratified[[length(result$stratified) + 1]] <- c(
        list(data = name, ties = ties, weighted = fit[[1]] == "weighted"), values)
    }
  }
  for (ties in c("efron", "breslow")) {
    weighted <- coxph(Surv(t, e) ~ treated, data = d, weights = w, robust = TRUE, ties = ties)
    unweighted <- coxph(Surv(t, e) ~ treated, data = d, ties = ties)
    for (fit in list(list("weighted", weighted), list("unweighted", unweighted))) {
      values <- zph_values(fit[[2]])
      values$smooth <- zph_smooth(cox.zph(fit[[2]]))
      result$models[[length(result$models) + 1]] <- c(
        list(data = name, ties = ties, weighted = fit[[1]] == "weighted"), values)
    }
  }
  if (name == "gbsg") {
    for (transform in c("identity", "rank", "log")) {
      for (ties in c("efron", "breslow")) {
        fit <- coxph(Surv(t, e) ~ treated, data = d, weights = w, robust = TRUE, ties = ties)
        result$models[[length(result$models) + 1]] <- c(
          list(data = name, ties = ties, weighted = TRUE), zph_values(fit, transform))
      }
    }
  }
}

# Near-equal times: ties$time_near differs from whole days by < 1.5e-8 (R's timefix merges).
near <- read.csv(file.path(reference_dir, "ties.csv"))
near$w <- ate_weights("ties")
result$near_times <- list(
  data = "ties", time = "time_near", event = "event", treated = "treated",
  efron_weighted = zph_values(coxph(Surv(time_near, event) ~ treated, data = near, weights = w,
                                    robust = TRUE)))

# Stratified by two columns, and with near-equal times merged before the strata are formed.
near$site <- made_up_site(near$id)
result$stratified_ties <- list(
  two_strata = zph_values(coxph(Surv(time, event) ~ treated + strata(site, sex), data = near,
                                weights = w, robust = TRUE)),
  near_times = zph_values(coxph(Surv(time_near, event) ~ treated + strata(site), data = near,
                                weights = w, robust = TRUE)))

# A stratum in which treatment is constant (numbered 1: first, 2: last).
constant <- data.frame(t = c(1, 2, 3, 4, 5, 1.5, 2.5, 3.5, 4.5, 5.5, 6.5),
                       e = c(1, 1, 1, 0, 1, 1, 1, 0, 1, 1, 0),
                       treated = c(0, 0, 0, 0, 0, 0, 1, 0, 1, 1, 0),
                       constant_stratum = c(rep(1, 5), rep(2, 6)))
result$constant_stratum <- list(
  t = I(constant$t), e = I(constant$e), treated = I(constant$treated),
  constant_stratum = I(constant$constant_stratum),
  last = zph_values(coxph(Surv(t, e) ~ treated + strata(3 - constant_stratum), data = constant)),
  first = zph_values(coxph(Surv(t, e) ~ treated + strata(constant_stratum), data = constant)))

# Undefined tests: every informative event time (both groups at risk) has the same
# transformed time, so the information of the time term is 0 and R's solve() stops.
undefined <- list(
  one_event_time = data.frame(t = c(5, 5, 5, 8, 9, 10), e = c(1, 1, 1, 0, 0, 0),
                              treated = c(0, 1, 0, 1, 0, 1)),
  one_informative_time = data.frame(t = c(5, 5, 6, 8, 9, 10), e = c(1, 1, 1, 0, 0, 0),
                                    treated = c(0, 1, 0, 0, 0, 0)))
result$undefined <- lapply(undefined, function(d) {
  fit <- coxph(Surv(t, e) ~ treated, data = d)
  error <- tryCatch({cox.zph(fit); NA_character_}, error = function(e) conditionMessage(e))
  list(t = I(d$t), e = I(d$e), treated = I(d$treated), error = error)
})

writeLines(to_json(result), file.path(out, "reference.json"), useBytes = TRUE)
message("wrote ", file.path(out, "reference.json"))
