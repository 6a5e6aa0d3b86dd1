#!/usr/bin/env Rscript
# Reference values for tests/test_stats_strata.py and tests/test_sites.py: Cox models and
# log-rank tests stratified by centre, and the leave-one-site-out analysis (myoild.sites), from
# R's glm and survival (>= 3.5). The tests read reference.json and never need R.
#
#   Rscript tests/reference/strata/make_reference.R
#
# Needs r-cran-survival and r-cran-jsonlite. Data (kept beside the other references):
#   ../builtin_death.csv  the tacrolimus_vs_conventional patients of the built-in cohort
#                         (../export_builtin_cohort.py), endpoints death and relapse
#   ../ties.csv           whole-day times 1..10 with heavy ties, near-equal times and clusters
#                         (../make_reference.R)
# Neither has a centre, so each gets a made-up one from the number in its id (R000010 -> 10):
# "east" when the number is a multiple of 10 (the small site, one patient in ten), else "north"
# when it is odd, else "south". The site of every row is written to reference.json.
#
# Weights: the ATE weights 1/ps and 1/(1 - ps) of glm(treated ~ covariates, binomial) on all the
# rows (builtin: the paper's six covariates; ties: age, sex, diagnosis, ivig), written to
# reference.json too, so that the Cox tests check the Cox model alone.
# Cox: coxph(Surv(t, e) ~ treated + strata(site), weights = w, robust = TRUE, ties = ties) and the
# unweighted coxph(Surv(t, e) ~ treated + strata(site), ties = ties), Efron and Breslow; the
# stratified log-rank survdiff(Surv(t, e) ~ treated + strata(site)) (observed and expected summed
# over the strata). On ties.csv also: clusters (cluster = cluster), two stratum columns
# (strata(site, sex)), a second covariate (treated + age), near-equal times (time_near, merged
# by timefix before the strata are formed) and frequency counts (row i repeated i %% 3 times, each
# copy its own cluster; one and two covariates, weighted, and unweighted); on builtin_death.csv a second covariate (treated + age_years).
# Leave one site out: for each site, the rows of the other sites; the glm refitted on them (the
# six covariates, and the six plus site), ATE weights, and the stratified weighted Cox model
# above, for each endpoint and ties method (and once unstratified, with the six covariates).
# JSON by jsonlite with 15 significant digits; NA is null.

suppressPackageStartupMessages({
  library(survival)
  library(jsonlite)
})
stopifnot(packageVersion("survival") >= "3.5")

BUILTIN_COVARIATES <- c("age_years", "sex", "diagnosis", "initial_pred_mg_day", "plasma_exchange", "ivig")
TIES_COVARIATES <- c("age", "sex", "diagnosis", "ivig")
ENDPOINTS <- c("death", "relapse")
TIES <- c("efron", "breslow")

made_up_site <- function(id) {
  number <- as.integer(gsub("\\D", "", id))
  ifelse(number %% 10 == 0, "east", ifelse(number %% 2 == 1, "north", "south"))
}

ate_weights <- function(d, covariates) {
  ps <- fitted(glm(reformulate(covariates, "treated"), family = binomial, data = d))
  ifelse(d$treated == 1, 1 / ps, 1 / (1 - ps))
}

cox_summary <- function(fit) {
  s <- summary(fit)
  out <- list(
    coef = unname(coef(fit)), var = unname(fit$var),
    naive_var = unname(if (is.null(fit$naive.var)) fit$var else fit$naive.var),
    hr = unname(s$conf.int[1, "exp(coef)"]), ci_low = unname(s$conf.int[1, "lower .95"]),
    ci_high = unname(s$conf.int[1, "upper .95"]), p = unname(s$coefficients[1, "Pr(>|z|)"]),
    loglik = fit$loglik, sctest = unname(s$sctest["test"]), wald = unname(fit$wald.test),
    iter = fit$iter, n = fit$n, nevent = fit$nevent)
  if (!is.null(s$robscore)) {
    out$robscore <- unname(s$robscore["test"])
    out$robscore_p <- unname(s$robscore["pvalue"])
  }
  out
}

logrank <- function(formula, d) {
  s <- survdiff(formula, data = d)
  observed <- if (is.matrix(s$obs)) rowSums(s$obs) else s$obs
  expected <- if (is.matrix(s$exp)) rowSums(s$exp) else s$exp
  list(chisq = s$chisq, p = s$pvalue, observed = I(unname(observed)), expected = I(unname(expected)))
}

# Every model of one data set: d has columns t, e, treated, w, site (and what `extra` uses).
stratified_models <- function(d, extra) {
  out <- list()
  for (ties in TIES) {
    out[[paste0(ties, "_weighted")]] <- cox_summary(
      coxph(Surv(t, e) ~ treated + strata(site), data = d, weights = w, robust = TRUE, ties = ties))
    out[[paste0(ties, "_unweighted")]] <- cox_summary(
      coxph(Surv(t, e) ~ treated + strata(site), data = d, ties = ties))
    for (name in names(extra)) out[[paste0(ties, "_", name)]] <- cox_summary(extra[[name]](d, ties))
  }
  out$survdiff <- logrank(Surv(t, e) ~ treated + strata(site), d)
  out
}

# Frequency counts: row i of d repeated i %% 3 times (0, 1 or 2).
copies <- function(d) d[rep(seq_len(nrow(d)), seq_len(nrow(d)) %% 3), ]

builtin_extra <- list(
  two_covariates = function(d, ties) coxph(Surv(t, e) ~ treated + age_years + strata(site), data = d,
                                           weights = w, robust = TRUE, ties = ties))
ties_extra <- list(
  cluster = function(d, ties) coxph(Surv(t, e) ~ treated + strata(site), data = d, weights = w,
                                    cluster = cluster, ties = ties),
  two_strata = function(d, ties) coxph(Surv(t, e) ~ treated + strata(site, sex), data = d,
                                       weights = w, robust = TRUE, ties = ties),
  two_covariates = function(d, ties) coxph(Surv(t, e) ~ treated + age + strata(site), data = d,
                                           weights = w, robust = TRUE, ties = ties),
  near_times = function(d, ties) coxph(Surv(time_near, e) ~ treated + strata(site), data = d,
                                       weights = w, robust = TRUE, ties = ties),
  counts = function(d, ties) {
    coxph(Surv(t, e) ~ treated + strata(site), data = copies(d), weights = w, robust = TRUE, ties = ties)
  },
  counts_unweighted = function(d, ties) {
    coxph(Surv(t, e) ~ treated + strata(site), data = copies(d), ties = ties)
  },
  counts_two_covariates = function(d, ties) {
    coxph(Surv(t, e) ~ treated + age + strata(site), data = copies(d), weights = w, robust = TRUE, ties = ties)
  })

leave_one_site_out <- function(d, covariates, label, stratified = TRUE) {
  rows <- list()
  for (endpoint in ENDPOINTS) for (site in sort(unique(d$site), method = "radix")) {
    kept <- d[d$site != site, ]
    kept$w <- ate_weights(kept, covariates)
    surv <- Surv(kept[[paste0(endpoint, "_time_days")]], kept[[paste0(endpoint, "_event")]])
    for (ties in TIES) {
      model <- if (stratified) surv ~ treated + strata(site) else surv ~ treated
      fit <- coxph(model, data = kept, weights = w, robust = TRUE, ties = ties)
      s <- summary(fit)
      rows[[length(rows) + 1]] <- list(
        covariates = label, strata = if (stratified) "site" else "none", endpoint = endpoint, site_left_out = site, ties = ties, n = nrow(kept),
        hr = unname(s$conf.int[1, "exp(coef)"]), ci_low = unname(s$conf.int[1, "lower .95"]),
        ci_high = unname(s$conf.int[1, "upper .95"]))
    }
  }
  rows
}

script_dir <- function() {
  file <- sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE))
  if (length(file)) dirname(normalizePath(file)) else getwd()
}

here <- script_dir()
read <- function(name) read.csv(file.path(here, "..", name), stringsAsFactors = FALSE)
builtin <- read("builtin_death.csv")
builtin$site <- made_up_site(builtin$patient_id)
builtin$w <- ate_weights(builtin, BUILTIN_COVARIATES)
ties <- read("ties.csv")
ties$site <- made_up_site(ties$id)
ties$w <- ate_weights(ties, TIES_COVARIATES)

with_endpoint <- function(d, endpoint) {
  d$t <- d[[paste0(endpoint, "_time_days")]]
  d$e <- d[[paste0(endpoint, "_event")]]
  d
}
ties$t <- ties$time
ties$e <- ties$event

rows_to_frame <- function(rows) do.call(rbind.data.frame, lapply(rows, as.data.frame))
result <- list(
  meta = list(R = R.version.string, survival = as.character(packageVersion("survival"))),
  builtin = list(
    site = builtin$site, w = builtin$w,
    death = stratified_models(with_endpoint(builtin, "death"), builtin_extra),
    relapse = stratified_models(with_endpoint(builtin, "relapse"), builtin_extra)),
  ties = list(site = ties$site, w = ties$w, models = stratified_models(ties, ties_extra)),
  leave_one_site_out = rows_to_frame(c(
    leave_one_site_out(builtin, BUILTIN_COVARIATES, "paper"),
    leave_one_site_out(builtin, c(BUILTIN_COVARIATES, "site"), "paper+site"),
    leave_one_site_out(builtin, BUILTIN_COVARIATES, "paper", stratified = FALSE))))
path <- file.path(here, "reference.json")
writeLines(toJSON(result, auto_unbox = TRUE, digits = NA, na = "null", pretty = FALSE), path)
message("wrote ", path)
