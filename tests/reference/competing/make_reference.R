#!/usr/bin/env Rscript
# Reference values for tests/test_stats_competing.py (competing risks) from R's survival package
# (>= 3.5). The tests read the CSV and JSON written here and never need R.
#
#   Rscript tests/reference/competing/make_reference.R
#
# Needs survival and jsonlite (Debian: r-cran-survival, r-cran-jsonlite). Data sets, each written
# as <name>.csv (patient_id, treated, time_days, status, weight; status 0 censored, 1 relapse,
# 2 death without prior relapse) and read back, so that R and Python use the same numbers:
#   builtin     the built-in cohort (../builtin_relapse.csv, ../builtin_death.csv): relapse at the
#               relapse time, else death at the death time, else censored at the relapse time;
#               ATE weights from glm.fit(binomial) on the covariates, design as make_reference.R
#   ties        made up: whole-day times 1..10, both causes, relapses and deaths tied, censoring
#               at event times, non-integer weights
#   no_relapse  made up: the treated group has no relapse (Fine-Gray for relapse not estimable);
#               a death and a censoring at day 0
# For each: survfit(Surv(time, status) ~ treated, weights, id) (Aalen-Johansen, status a factor
# whose first level is censoring), summary(fit) at every event time, weighted and unweighted;
# finegray(..., etype) then coxph(Surv(fgstart, fgstop, fgstatus) ~ treated, weights = fgwt,
# cluster = patient_id), Efron and Breslow, weighted and unweighted, for each estimable cause, and
# the same stratified, ~ treated + strata(stratum), on the same finegray rows (the column stratum:
# s0, s1, s2 by row number modulo 3, written into the CSV); the finegray() rows themselves for the
# ties data. jsonlite writes 15 significant digits; NA is null.

suppressPackageStartupMessages({
  library(survival)
  library(jsonlite)
})
stopifnot(packageVersion("survival") >= "3.5")

CAUSES <- c("relapse", "death")

script_dir <- function() {
  file <- sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE))
  if (length(file)) dirname(normalizePath(file)) else getwd()
}
out <- script_dir()

# ---- the data sets ---------------------------------------------------------------------------
ate_weights <- function(d, covariates) {
  # As make_reference.R: indicators of the non-reference levels (C-locale sorted) of text columns.
  columns <- list(`(Intercept)` = rep(1, nrow(d)))
  for (name in covariates) {
    x <- d[[name]]
    if (is.character(x)) {
      for (level in sort(unique(x), method = "radix")[-1]) {
        columns[[paste0(name, "=", level)]] <- as.numeric(x == level)
      }
    } else {
      columns[[name]] <- as.numeric(x)
    }
  }
  ps <- glm.fit(do.call(cbind, columns), d$treated, family = binomial())$fitted.values
  ifelse(d$treated == 1, 1 / ps, 1 / (1 - ps))
}

make_builtin <- function() {
  relapse <- read.csv(file.path(out, "..", "builtin_relapse.csv"), stringsAsFactors = FALSE)
  death <- read.csv(file.path(out, "..", "builtin_death.csv"), stringsAsFactors = FALSE)
  stopifnot(identical(relapse$patient_id, death$patient_id),
            identical(relapse$death_time_days, death$death_time_days),
            identical(relapse$death_event, death$death_event))
  d <- relapse
  status <- ifelse(d$relapse_event == 1, 1L, ifelse(d$death_event == 1, 2L, 0L))
  time <- ifelse(status == 1, d$relapse_time_days,
                 ifelse(status == 2, d$death_time_days, d$relapse_time_days))
  w <- ate_weights(d, c("age_years", "sex", "diagnosis", "initial_pred_mg_day",
                        "plasma_exchange", "ivig"))
  data.frame(patient_id = d$patient_id, treated = d$treated, time_days = time, status = status,
             weight = w)
}

make_ties <- function() {
  set.seed(20240611)
  n <- 80
  d <- data.frame(patient_id = sprintf("T%03d", seq_len(n)), treated = rbinom(n, 1, 0.5),
                  time_days = sample(1:10, n, replace = TRUE),
                  status = sample(0:2, n, replace = TRUE, prob = c(0.35, 0.4, 0.25)),
                  weight = round(runif(n, 0.4, 3), 4))
  # The features the data set is for: a relapse and a death on one day, censoring on an event day.
  by_day <- function(s) unique(d$time_days[d$status == s])
  stopifnot(length(intersect(by_day(1), by_day(2))) > 0,
            length(intersect(by_day(0), union(by_day(1), by_day(2)))) > 0)
  d
}

make_no_relapse <- function() {
  set.seed(20240612)
  n <- 40
  treated <- rep(0:1, each = n / 2)
  status <- ifelse(treated == 1, sample(c(0L, 2L), n, replace = TRUE),
                   sample(0:2, n, replace = TRUE))
  d <- data.frame(patient_id = sprintf("N%03d", seq_len(n)), treated = treated,
                  time_days = sample(1:30, n, replace = TRUE), status = status,
                  weight = round(runif(n, 0.5, 2.5), 4))
  # Day 0: a death (finegray then starts rows at -1) and a censoring (no event: no row at 0).
  d[c(1, n), c("time_days", "status")] <- list(c(0L, 0L), c(2L, 0L))
  d
}

# Write the data and read it back: the reference values are computed from the CSV's numbers.
stored <- function(d, name) {
  d$stratum <- paste0("s", (seq_len(nrow(d)) - 1) %% 3)
  path <- file.path(out, paste0(name, ".csv"))
  write.csv(d, path, row.names = FALSE)
  d <- read.csv(path, stringsAsFactors = FALSE)
  d$state <- factor(d$status, levels = 0:2, labels = c("censored", CAUSES))
  d
}

# ---- the reference computations ----------------------------------------------------------------
cif_table <- function(fit) {
  s <- summary(fit)
  state <- function(x, cause) unname(x[, match(cause, fit$states)])
  list(strata = as.character(s$strata), time = s$time, n_risk = state(s$n.risk, "(s0)"),
       cif = lapply(setNames(CAUSES, CAUSES), function(cause) state(s$pstate, cause)),
       se = lapply(setNames(CAUSES, CAUSES), function(cause) state(s$std.err, cause)),
       lower = lapply(setNames(CAUSES, CAUSES), function(cause) state(s$lower, cause)),
       upper = lapply(setNames(CAUSES, CAUSES), function(cause) state(s$upper, cause)),
       conf_type = fit$conf.type)
}

cox_summary <- function(fit) {
  s <- summary(fit)
  list(coef = unname(coef(fit)), se = unname(sqrt(diag(fit$var))),
       naive_se = unname(sqrt(diag(fit$naive.var))), hr = unname(s$conf.int[, "exp(coef)"]),
       ci_low = unname(s$conf.int[, "lower .95"]), ci_high = unname(s$conf.int[, "upper .95"]),
       p = unname(s$coefficients[, "Pr(>|z|)"]), loglik = fit$loglik,
       sctest = unname(s$sctest["test"]), robscore = unname(s$robscore["test"]),
       robscore_p = unname(s$robscore["pvalue"]), iter = fit$iter, n = fit$n,
       nevent = fit$nevent)
}

fine_gray_fits <- function(d, cause) {
  fits <- list()
  for (weighted in c(TRUE, FALSE)) {
    d$w <- if (weighted) d$weight else 1
    fg <- finegray(Surv(time_days, state) ~ ., data = d, weights = w, etype = cause)
    for (ties in c("efron", "breslow")) {
      key <- paste0(if (weighted) "weighted" else "unweighted", "_", ties)
      fit <- coxph(Surv(fgstart, fgstop, fgstatus) ~ treated, data = fg, weights = fgwt,
                   cluster = patient_id, ties = ties)
      fits[[key]] <- cox_summary(fit)
      stratified <- coxph(Surv(fgstart, fgstop, fgstatus) ~ treated + strata(stratum), data = fg,
                          weights = fgwt, cluster = patient_id, ties = ties)
      fits[[paste0(key, "_stratified")]] <- cox_summary(stratified)
    }
  }
  fits
}

finegray_rows <- function(d, cause) {
  fg <- finegray(Surv(time_days, state) ~ ., data = d, weights = weight, etype = cause)
  list(patient_id = fg$patient_id, fgstart = fg$fgstart, fgstop = fg$fgstop,
       fgstatus = fg$fgstatus, fgwt = fg$fgwt)
}

reference <- function(d, causes = CAUSES, rows = FALSE) {
  result <- list(
    cif = list(
      weighted = cif_table(survfit(Surv(time_days, state) ~ treated, data = d, weights = weight,
                                   id = patient_id)),
      unweighted = cif_table(survfit(Surv(time_days, state) ~ treated, data = d,
                                     id = patient_id)),
      weighted_pooled = cif_table(survfit(Surv(time_days, state) ~ 1, data = d, weights = weight,
                                          id = patient_id))),
    fine_gray = lapply(setNames(causes, causes), function(cause) fine_gray_fits(d, cause)))
  if (rows) {
    result$finegray_rows <- lapply(setNames(CAUSES, CAUSES), function(cause) finegray_rows(d, cause))
  }
  result
}

result <- list(
  builtin = reference(stored(make_builtin(), "builtin")),
  ties = reference(stored(make_ties(), "ties"), rows = TRUE),
  # Fine-Gray for relapse is not estimable here (no relapse among the treated).
  no_relapse = reference(stored(make_no_relapse(), "no_relapse"), causes = "death"),
  meta = list(R = R.version.string, survival = as.character(packageVersion("survival")),
              causes = CAUSES))
writeLines(toJSON(result, digits = NA, na = "null", auto_unbox = TRUE),
           file.path(out, "reference.json"), useBytes = TRUE)
message("wrote ", file.path(out, "reference.json"))
