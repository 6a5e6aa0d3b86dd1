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
  list(chisq = table["treated", "chisq"], df = table["treated", "df"], p = table["treated", "p"],
       global_chisq = table["GLOBAL", "chisq"], coef = unname(coef(fit)),
       var = zph$var[1, 1], transform = zph$transform, time = I(zph$time), x = I(zph$x),
       residual = I(unname(zph$y[, 1])))
}

data_sets <- list(
  builtin_death = c(time = "death_time_days", event = "death_event", treated = "treated"),
  builtin_relapse = c(time = "relapse_time_days", event = "relapse_event", treated = "treated"),
  ties = c(time = "time", event = "event", treated = "treated"),
  gbsg = c(time = "rfstime", event = "status", treated = "hormon"))

result <- list(meta = list(R = R.version.string, survival = as.character(packageVersion("survival"))),
               data_sets = list(), models = list())
for (name in names(data_sets)) {
  columns <- data_sets[[name]]
  d <- read.csv(file.path(reference_dir, paste0(name, ".csv")))
  d <- data.frame(t = d[[columns[["time"]]]], e = d[[columns[["event"]]]],
                  treated = d[[columns[["treated"]]]])
  d$w <- ate_weights(name)
  result$data_sets[[name]] <- as.list(columns)
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
