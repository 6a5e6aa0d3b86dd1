#!/usr/bin/env Rscript
# Reference values for tests/test_stats_*.py from R's glm and survival package (>= 3.5).
# The tests read the JSON written here and never need R.
#
#   Rscript tests/reference/make_reference.R
#       writes gbsg.csv/.json (survival's gbsg, treatment hormon) and ties.csv/.json (a made-up
#       data set with whole-day times 1..10: heavy ties, near-equal times, clusters)
#   Rscript tests/reference/make_reference.R --data cohort.csv --name cohort \
#       --treatment treated --duration time_days --event event \
#       --covariates age_years,sex,diagnosis [--categorical a,b] [--cluster patient_id]
#       writes <name>.json for any data set and copies the data to <name>.csv (text columns are
#       categorical, TRUE/FALSE are 0/1; --categorical makes numeric columns categorical too);
#       the tests pick up every <name>.json/.csv pair here by themselves
#
# Propensity: glm.fit(binomial) on a design built as myoild.stats.design_matrix does (indicator
# "name=level" per non-reference level, levels sorted in C-locale order). Weights: ATE from that
# model (and ATT, overlap, stabilised ATE, ATE truncated at the 1st/99th percentile). Cox models:
# coxph with Efron and Breslow ties, weighted (ATE) robust and unweighted; Kaplan-Meier:
# summary(survfit(...), censored = FALSE) weighted and unweighted by group; balance: standardised
# differences computed here by hand (Austin & Stuart 2015 formulas). No packages besides survival:
# JSON is written by the small writer below with 17 significant digits.

suppressPackageStartupMessages(library(survival))
stopifnot(packageVersion("survival") >= "3.5")

# ---- JSON ----------------------------------------------------------------------------------
json_string <- function(x) {
  x <- gsub("\\\\", "\\\\\\\\", x)
  paste0("\"", gsub("\"", "\\\\\"", x), "\"")
}

to_json <- function(x) {
  if (is.null(x)) return("null")
  if (is.data.frame(x)) x <- as.list(x)
  if (is.list(x)) {
    if (!is.null(names(x))) {
      items <- mapply(function(k, v) paste0(json_string(k), ": ", to_json(v)), names(x), x)
      return(paste0("{", paste(items, collapse = ", "), "}"))
    }
    return(paste0("[", paste(vapply(x, to_json, ""), collapse = ", "), "]"))
  }
  if (is.matrix(x)) return(to_json(lapply(seq_len(nrow(x)), function(i) I(unname(x[i, ])))))
  if (!is.null(names(x))) return(to_json(as.list(x)))
  if (is.factor(x)) x <- as.character(x)
  values <- if (is.character(x)) {
    ifelse(is.na(x), "null", json_string(x))
  } else if (is.logical(x)) {
    ifelse(is.na(x), "null", ifelse(x, "true", "false"))
  } else {
    ifelse(is.finite(x), sprintf("%.17g", as.double(x)), "null")
  }
  if (length(x) == 1 && !inherits(x, "AsIs")) values else paste0("[", paste(values, collapse = ", "), "]")
}

# ---- the reference computations ------------------------------------------------------------
design <- function(d, covariates, categorical) {
  columns <- list(`(Intercept)` = rep(1, nrow(d)))
  for (name in covariates) {
    x <- d[[name]]
    if (is.character(x) || is.factor(x) || name %in% categorical) {
      x <- as.character(x)
      levels <- sort(unique(x), method = "radix")
      for (level in levels[-1]) columns[[paste0(name, "=", level)]] <- as.numeric(x == level)
    } else {
      columns[[name]] <- as.numeric(x)
    }
  }
  do.call(cbind, columns)
}

balance <- function(d, treatment, covariates, categorical, w) {
  rows <- list()
  t <- d[[treatment]] == 1
  moments <- function(x, w, binary) {
    m <- sum(w * x) / sum(w)
    v <- if (binary) m * (1 - m) else sum(w) / (sum(w)^2 - sum(w^2)) * sum(w * (x - m)^2)
    c(m, v)
  }
  smd <- function(x, w, binary) {
    a <- moments(x[t], w[t], binary)
    b <- moments(x[!t], w[!t], binary)
    if (a[1] == b[1]) 0 else (a[1] - b[1]) / sqrt((a[2] + b[2]) / 2)
  }
  add <- function(label, x, binary) {
    rows[[length(rows) + 1]] <<- list(
      covariate = label, smd_unweighted = smd(x, rep(1, length(x)), binary),
      smd_weighted = smd(x, w, binary),
      mean_treated_w = sum((w * x)[t]) / sum(w[t]), mean_control_w = sum((w * x)[!t]) / sum(w[!t]))
  }
  for (name in covariates) {
    x <- d[[name]]
    if (is.character(x) || is.factor(x) || name %in% categorical) {
      x <- as.character(x)
      for (level in sort(unique(x), method = "radix")) {
        add(paste0(name, "=", level), as.numeric(x == level), TRUE)
      }
    } else {
      x <- as.numeric(x)
      add(name, x, all(x %in% c(0, 1)))
    }
  }
  as.list(do.call(rbind.data.frame, rows))
}

glm_se <- function(fit) {
  # As summary.glm: the unscaled covariance from the QR of the last IRLS step.
  kept <- seq_len(fit$rank)
  se <- rep(NA_real_, length(fit$coefficients))
  se[fit$qr$pivot[kept]] <- sqrt(diag(chol2inv(fit$qr$qr[kept, kept, drop = FALSE])))
  se
}

cox_summary <- function(fit) {
  s <- summary(fit)
  out <- list(
    coef = unname(coef(fit)), se = unname(sqrt(diag(fit$var))),
    naive_se = unname(sqrt(diag(if (is.null(fit$naive.var)) fit$var else fit$naive.var))),
    hr = unname(s$conf.int[, "exp(coef)"]), ci_low = unname(s$conf.int[, "lower .95"]),
    ci_high = unname(s$conf.int[, "upper .95"]), p = unname(s$coefficients[, "Pr(>|z|)"]),
    var = fit$var, loglik = fit$loglik, sctest = unname(s$sctest["test"]),
    sctest_p = unname(s$sctest["pvalue"]), wald = unname(s$waldtest["test"]),
    iter = fit$iter, n = fit$n, nevent = fit$nevent)
  if (!is.null(s$robscore)) {
    out$robscore <- unname(s$robscore["test"])
    out$robscore_p <- unname(s$robscore["pvalue"])
  }
  out
}

km_table <- function(fit) {
  s <- summary(fit, censored = FALSE)
  list(strata = as.character(s$strata), time = s$time, n_risk = s$n.risk, n_event = s$n.event,
       surv = s$surv, std_err = s$std.err, lower = s$lower, upper = s$upper)
}

reference <- function(d, treatment, duration, event, covariates, categorical = character(),
                      cluster = NULL) {
  X <- design(d, covariates, categorical)
  y <- d[[treatment]]
  glm_fit <- glm.fit(X, y, family = binomial())
  ps <- glm_fit$fitted.values
  treated <- y == 1
  w <- ifelse(treated, 1 / ps, 1 / (1 - ps))
  limits <- quantile(w, c(0.01, 0.99), type = 7)
  d$.w <- w
  d$.t <- y
  surv <- Surv(d[[duration]], d[[event]])
  result <- list(
    glm = list(names = I(colnames(X)), coef = I(unname(glm_fit$coefficients)),
               se = I(glm_se(glm_fit)),
               deviance = glm_fit$deviance, iter = glm_fit$iter, ps = I(ps)),
    weights = list(
      ATE = I(w),
      ATE_stabilized = I(ifelse(treated, mean(treated) / ps, mean(!treated) / (1 - ps))),
      ATT = I(ifelse(treated, 1, ps / (1 - ps))),
      overlap = I(ifelse(treated, 1 - ps, ps)),
      ATE_truncated = I(pmin(pmax(w, limits[1]), limits[2]))),
    balance = balance(d, treatment, covariates, categorical, w),
    cox = list(), km = list())
  for (ties in c("efron", "breslow")) {
    result$cox[[paste0(ties, "_weighted")]] <- cox_summary(
      coxph(surv ~ .t, data = d, weights = .w, robust = TRUE, ties = ties))
    result$cox[[paste0(ties, "_unweighted")]] <- cox_summary(coxph(surv ~ .t, data = d, ties = ties))
    if (!is.null(cluster)) {
      d$.cluster <- d[[cluster]]
      result$cox[[paste0(ties, "_cluster")]] <- cox_summary(
        coxph(surv ~ .t, data = d, weights = .w, cluster = .cluster, ties = ties))
    }
  }
  # A second covariate (the first continuous one) checks the p x p algebra.
  numeric <- vapply(covariates, function(v) is.numeric(d[[v]]) && !(v %in% categorical), TRUE)
  if (any(numeric)) {
    d$.x2 <- d[[covariates[numeric][1]]]
    result$cox$efron_two_covariates <- c(list(second = covariates[numeric][1]), cox_summary(
      coxph(surv ~ .t + .x2, data = d, weights = .w, robust = TRUE)))
  }
  sdiff <- survdiff(surv ~ .t, data = d)
  result$survdiff <- list(chisq = sdiff$chisq, p = sdiff$pvalue, observed = I(sdiff$obs), expected = I(sdiff$exp))
  result$km$weighted <- km_table(survfit(surv ~ .t, data = d, weights = .w))
  result$km$unweighted <- km_table(survfit(surv ~ .t, data = d))
  result$km$weighted_pooled <- km_table(survfit(surv ~ 1, data = d, weights = .w))
  result$meta <- list(R = R.version.string, survival = as.character(packageVersion("survival")),
                      treatment = treatment, duration = duration, event = event,
                      covariates = I(covariates), categorical = I(categorical), cluster = cluster)
  result
}

write_json <- function(x, path) {
  writeLines(to_json(x), path, useBytes = TRUE)
  message("wrote ", path)
}

# ---- the built-in reference data sets ------------------------------------------------------
make_ties <- function() {
  set.seed(20220901)
  n <- 300
  d <- data.frame(
    id = sprintf("P%03d", seq_len(n)),
    age = round(rnorm(n, 55, 12), 1),
    sex = sample(c("F", "M"), n, replace = TRUE, prob = c(0.6, 0.4)),
    diagnosis = sample(c("CADM", "DM", "PM"), n, replace = TRUE, prob = c(0.3, 0.5, 0.2)),
    ivig = rbinom(n, 1, 0.3))
  lp <- -0.4 + 0.03 * (d$age - 55) + 0.5 * (d$sex == "M") +
    c(CADM = 0.6, DM = 0, PM = -0.5)[d$diagnosis] + 0.7 * d$ivig
  d$treated <- rbinom(n, 1, plogis(lp))
  rate <- 0.12 * exp(-0.5 * d$treated + 0.02 * (d$age - 55) + 0.4 * d$ivig)
  event_day <- ceiling(rexp(n, rate))
  censor_day <- sample(1:10, n, replace = TRUE, prob = c(rep(0.03, 9), 0.73))
  d$time <- pmin(event_day, censor_day)
  d$event <- as.integer(event_day <= censor_day)
  # Two rows per cluster, for the clustered sandwich.
  d$cluster <- sprintf("C%03d", ceiling(sample(n) / 2))
  # Times that differ from whole days by less than R's timefix tolerance (1.5e-8).
  d$time_near <- d$time + c(0, 1e-9, -4e-9)[seq_len(n) %% 3 + 1]
  d
}

script_dir <- function() {
  file <- sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE))
  if (length(file)) dirname(normalizePath(file)) else getwd()
}

args <- commandArgs(TRUE)
if (length(args) == 0) {
  out <- script_dir()
  gbsg_data <- survival::gbsg
  write.csv(gbsg_data, file.path(out, "gbsg.csv"), row.names = FALSE)
  write_json(reference(gbsg_data, "hormon", "rfstime", "status",
                       c("age", "meno", "size", "grade", "nodes", "pgr", "er"),
                       categorical = "grade"),
             file.path(out, "gbsg.json"))

  ties <- make_ties()
  write.csv(ties, file.path(out, "ties.csv"), row.names = FALSE)
  covariates <- c("age", "sex", "diagnosis", "ivig")
  result <- reference(ties, "treated", "time", "event", covariates, cluster = "cluster")
  near <- reference(ties, "treated", "time_near", "event", covariates)
  result$near_times <- list(cox = near$cox, km = near$km)
  # aeqSurv on its own: absolute and relative tolerance, chains of near ties.
  probes <- list(c(1, 1 + 1e-9, 2, 2 + 2e-8, 3 - 1e-8, 3, 3 + 1e-8),
                 c(1, 2, 2 + 1e-9, 5, 1e9, 1e9 + 1, 1e9 + 20))
  result$aeq <- lapply(probes, function(x) list(input = I(x), output = I(aeqSurv(Surv(x, rep(1, length(x))))[, 1])))
  write_json(result, file.path(out, "ties.json"))
} else {
  option <- function(flag, default = NULL) {
    at <- match(flag, args)
    if (is.na(at)) default else args[at + 1]
  }
  split <- function(x) if (is.null(x)) character() else strsplit(x, ",", fixed = TRUE)[[1]]
  name <- option("--name", "custom")
  d <- read.csv(option("--data"), stringsAsFactors = FALSE, na.strings = "")
  # The tests read <name>.csv beside <name>.json: keep the data used with its reference values.
  file.copy(option("--data"), file.path(script_dir(), paste0(name, ".csv")), overwrite = TRUE)
  for (v in names(d)) if (is.logical(d[[v]])) d[[v]] <- as.numeric(d[[v]])
  result <- reference(d, option("--treatment"), option("--duration"), option("--event"),
                      split(option("--covariates")), split(option("--categorical")),
                      option("--cluster"))
  write_json(result, file.path(script_dir(), paste0(name, ".json")))
}
