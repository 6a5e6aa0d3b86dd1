#!/usr/bin/env Rscript
# Reference values for tests/test_imputation.py: the categorical imputation model of
# myoild.imputation as R mice 3.15 builds and fits it. The tests read the JSON written here and
# never need R.
#
#   Rscript tests/reference/imputation/make_reference.R      (writes reference.json beside it)
#
# - "augment": mice:::augment(y, ry, x, wy) (White, Daniel & Royston 2010), the pseudo-patients
#   mice.impute.logreg and mice.impute.polyreg add against perfect prediction: their x, y and
#   weights (the data's own rows come first, unchanged, with weight 1);
# - "logreg": the fit mice.impute.logreg makes on the augmented observed rows,
#   glm.fit(cbind(1, x), y, family = quasibinomial, weights = w), its coefficients and
#   summary.glm()$cov.unscaled (the covariance its coefficient draw uses);
# - "multinom": nnet::multinom(y ~ x, weights = w) on the augmented observed rows of a 3-level
#   outcome (mice.impute.polyreg's fit; multinom_coefficients), polished by Newton steps on the
#   weighted log-likelihood written out, until its score is under 1e-10: coefficients (a row per
#   non-reference level) and nnet's covariance (vcov.multinom, the inverse of nnet's analytic
#   Hessian) there (level-major).
# The data are made up: x has a number and a 0/1 column, with a level that one of them predicts
# perfectly in the observed rows (so that the unaugmented fit would diverge).

suppressPackageStartupMessages({
  library(mice)
  library(nnet)
  library(jsonlite)
})
stopifnot(packageVersion("mice") >= "3.15")

here <- dirname(normalizePath(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE))))

x <- cbind(
  dose = c(42.5, 30, 55, 60, 25, 47.5, 80, 35, 52.5, 40, 65, 45, 50, 37.5),
  ivig = c(0, 0, 1, 1, 0, 0, 1, 0, 1, 0, 1, 0, 0, 1)
)
ry <- !(seq_len(nrow(x)) %in% c(4, 9, 13))
cases <- list()
for (outcome in list(
  list(name = "binary", y = c(0, 0, 1, NA, 0, 0, 1, 0, NA, 0, 1, 1, NA, 1)),
  list(name = "three_levels", y = c(0, 1, 2, NA, 0, 1, 2, 0, NA, 1, 2, 0, NA, 2))
)) {
  y <- outcome$y
  aug <- mice:::augment(y, ry, x, !ry)
  xa <- as.matrix(aug$x)
  fit_rows <- aug$ry
  case <- list(name = outcome$name, x = unname(x), y = y, observed = ry,
               augmented_x = unname(xa), augmented_y = aug$y, augmented_weights = aug$w)
  if (outcome$name == "binary") {
    fit <- glm.fit(cbind(1, xa)[fit_rows, ], aug$y[fit_rows], family = quasibinomial(link = logit),
                   weights = aug$w[fit_rows], control = glm.control(epsilon = 1e-14, maxit = 100))
    case$coefficients <- unname(coef(fit))
    case$covariance <- unname(summary.glm(fit)$cov.unscaled)
  } else {
    d <- data.frame(y = factor(aug$y), xa)[fit_rows, ]
    fit <- multinom(y ~ dose + ivig, data = d, weights = aug$w[fit_rows], trace = FALSE,
                    maxit = 10000, abstol = 1e-14, reltol = 1e-14)
    # nnet's BFGS stops with a score of about 1e-6: polish its fit on the weighted multinomial
    # log-likelihood written out, with its analytic score.
    X <- cbind(1, xa[fit_rows, ])
    yy <- aug$y[fit_rows]
    w <- aug$w[fit_rows]
    Y <- outer(yy, 1:2, "==")
    probabilities <- function(b) {
      eta <- cbind(0, X %*% matrix(b, ncol = 2))
      exp(eta - log(rowSums(exp(eta))))
    }
    minus_loglik <- function(b) -sum(w * log(probabilities(b)[cbind(seq_along(yy), yy + 1)]))
    minus_score <- function(b) -as.vector(t(X) %*% (w * (Y - probabilities(b)[, -1])))
    # Newton steps on the score with optimHess's numerical Hessian: the root of the score to
    # machine precision whatever the Hessian's small error (it only sets the speed).
    polished <- as.vector(t(coef(fit)))
    for (i in 1:20) {
      polished <- polished - solve(optimHess(polished, minus_loglik, minus_score), minus_score(polished))
    }
    stopifnot(max(abs(minus_score(polished))) < 1e-10)
    case$multinom_coefficients <- unname(coef(fit))
    case$coefficients <- matrix(polished, nrow = 2, byrow = TRUE)
    # nnet's analytic Hessian (vcov.multinom) at the polished coefficients: multinom started
    # there and not iterated (nnet's weights: per output unit an unused bias, then the
    # coefficients; the reference level's unit is all 0).
    at_polished <- multinom(y ~ dose + ivig, data = d, weights = aug$w[fit_rows], trace = FALSE,
                            Wts = c(0, 0, 0, 0, 0, polished[1:3], 0, polished[4:6]), maxit = 0, Hess = TRUE)
    stopifnot(max(abs(as.vector(t(coef(at_polished))) - polished)) == 0)
    case$covariance <- unname(vcov(at_polished))
  }
  cases[[length(cases) + 1]] <- case
}

writeLines(toJSON(list(mice_version = as.character(packageVersion("mice")), cases = cases),
                  auto_unbox = TRUE, digits = NA, na = "null", pretty = TRUE, matrix = "rowmajor"),
           file.path(here, "reference.json"), useBytes = TRUE)
