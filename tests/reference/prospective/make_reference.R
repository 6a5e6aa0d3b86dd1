# Reference values for the prospective-cohort statistics, computed with R so that the Python
# tests (which never need R) check myoild against R's own functions.
#
#   cd tests/reference/prospective && Rscript make_reference.R
#
# Needs R >= 4.0 with jsonlite and psych (Debian: r-cran-jsonlite, r-cran-psych). Writes
#   nonparametric.json  stats::wilcox.test (paired and unpaired, default arguments) and
#                       stats::fisher.test, on generated and edge-case samples
#   agreement.json      psych::ICC (ICC2 row, lmer = FALSE) and psych::cohen.kappa (levels 0:4)
#   scales_tiny.json    tables/scales.tsv recomputed from scales_tiny.csv with base R
# Inputs and outputs are stored side by side (15 significant digits, jsonlite's maximum);
# missing values are JSON null.

suppressPackageStartupMessages({
  library(jsonlite)
  library(psych)
})

set.seed(20220902)

variant <- function(test) {
  if (grepl("exact", test$method)) "exact" else if (grepl("continuity", test$method)) "normal_cc" else NA
}

# R stops (too few observations) or returns NA; both become a null p-value.
run_test <- function(...) {
  test <- tryCatch(suppressWarnings(wilcox.test(...)), error = function(e) NULL)
  if (is.null(test)) {
    return(list(statistic = unbox(NA), p_value = unbox(NA), method = unbox(NA)))
  }
  list(
    statistic = unbox(unname(test$statistic)),
    p_value = unbox(if (is.na(test$p.value)) NA else test$p.value),
    method = unbox(if (is.na(test$p.value)) NA else variant(test))
  )
}

# Values rounded to 3 decimals survive the JSON round trip exactly, so Python sees R's numbers.
rounded_normal <- function(n, mean, sd) round(rnorm(n, mean, sd), 3)

paired_inputs <- list(
  exact_n8 = list(x = c(1.5, 2.5, -0.3, 4, 5.2, 6.1, 7.7, 8.4), y = rep(0, 8)),
  exact_n20 = {
    y <- rounded_normal(20, 300, 60)
    list(x = round(y + rnorm(20, 15, 30), 3), y = y)
  },
  exact_n49 = {
    y <- rounded_normal(49, 10, 3)
    list(x = round(y + rnorm(49, -0.5, 2), 3), y = y)
  },
  normal_n50 = {
    y <- rounded_normal(50, 10, 3)
    list(x = round(y + rnorm(50, -0.5, 2), 3), y = y)
  },
  ties_integers = list(x = c(1, 1, 2, 0, 1, 0, 1, 2, 1, 3), y = c(3, 2, 2, 2, 3, 1, 2, 4, 2, 4)),
  zeros = list(x = c(12, 15, 9, 20, 14, 11, 18), y = c(12, 13, 10, 15, 14, 8, 12)),
  zeros_leave_49 = {
    y <- rounded_normal(55, 50, 10)
    x <- round(y + rnorm(55, 1, 4), 3)
    x[1:6] <- y[1:6]
    list(x = x, y = y)
  },
  missing_values = list(x = c(5.1, NA, 6.3, 7.0, 4.4, 8.8, NA, 6.6), y = c(4.0, 3.3, NA, 5.5, 4.9, 6.1, 2.0, 5.0)),
  all_increase_n12 = list(x = 1:12 + 0.5, y = rep(0, 12)),
  all_increase_n49 = list(x = (1:49) * 1.1, y = rep(0, 49)),
  single_pair = list(x = 3, y = 1),
  statistic_at_mean = list(x = c(1, -2, -3, 4), y = rep(0, 4)),
  ties_n34 = list(x = sample(0:4, 34, replace = TRUE), y = sample(0:4, 34, replace = TRUE)),
  all_zero = list(x = c(2, 3, 4), y = c(2, 3, 4)),
  no_complete_pair = list(x = c(NA, 2), y = c(1, NA))
)

two_sample_inputs <- list(
  exact_5_7 = list(x = rounded_normal(5, 0, 1), y = rounded_normal(7, 1, 1)),
  exact_12_22 = list(x = rounded_normal(12, 14, 4), y = rounded_normal(22, 15, 5)),
  exact_49_49 = list(x = rounded_normal(49, 0, 1), y = rounded_normal(49, 0.4, 1)),
  normal_50_10 = list(x = rounded_normal(50, 0, 1), y = rounded_normal(10, 0.8, 1)),
  ties_integers = list(x = c(3, 2, 2, 1, 4, 3, 2), y = c(1, 1, 2, 0, 1, 2, 1, 3)),
  separated_20_20 = list(x = 1:20, y = 21:40),
  sizes_1_3 = list(x = 2.5, y = c(1, 3, 4)),
  missing_values = list(x = c(1.2, NA, 3.4, 2.2), y = c(NA, 4.1, 5.0, 3.9, 2.8)),
  all_equal = list(x = c(2, 2), y = c(2, 2, 2)),
  empty_sample = list(x = c(NA_real_, NA_real_), y = c(1, 2, 3))
)

fisher_tables <- list(
  paper_opportunistic = matrix(c(8, 10, 4, 12), 2),
  zero_cell = matrix(c(0, 2, 3, 1), 2),
  no_event_in_either_group = matrix(c(0, 0, 12, 22), 2),
  all_with_event = matrix(c(12, 22, 0, 0), 2),
  empty_group = matrix(c(0, 3, 0, 5), 2),
  balanced = matrix(c(5, 5, 5, 5), 2),
  large = matrix(c(39, 81, 54, 76), 2),
  extreme = matrix(c(20, 0, 0, 20), 2)
)

paired <- lapply(paired_inputs, function(case) {
  c(list(x = case$x, y = case$y), run_test(case$x, case$y, paired = TRUE))
})
two_sample <- lapply(two_sample_inputs, function(case) {
  c(list(x = case$x, y = case$y), run_test(case$x, case$y))
})
fisher <- lapply(fisher_tables, function(tab) {
  list(table = lapply(1:2, function(i) tab[i, ]), p_value = unbox(fisher.test(tab)$p.value))
})
write_json(
  list(wilcoxon_signed_rank = paired, mann_whitney = two_sample, fisher = fisher),
  "nonparametric.json", digits = NA, na = "null", pretty = TRUE
)

# Agreement ----------------------------------------------------------------------------------
icc_inputs <- list(
  five_subjects = cbind(c(1, 3, 5, 7, 2), c(2, 3, 6, 7, 4)),
  readers_26_bias = {
    truth <- sample(4:30, 26, replace = TRUE)
    cbind(truth + sample(-2:2, 26, replace = TRUE), truth + 1 + sample(-2:2, 26, replace = TRUE))
  },
  readers_60 = {
    truth <- sample(0:20, 60, replace = TRUE)
    cbind(truth + sample(-1:1, 60, replace = TRUE), truth + sample(-1:1, 60, replace = TRUE))
  },
  poor_agreement = cbind(sample(0:10, 15, replace = TRUE), sample(0:10, 15, replace = TRUE)),
  three_raters = cbind(c(9, 6, 8, 7, 10, 6), c(2, 1, 4, 1, 5, 2), c(5, 3, 6, 2, 6, 4))
)
icc <- lapply(icc_inputs, function(ratings) {
  row <- ICC(ratings, lmer = FALSE)$results["Single_random_raters", ]
  list(
    ratings = lapply(seq_len(nrow(ratings)), function(i) ratings[i, ]),
    icc = unbox(row$ICC), ci_low = unbox(row$`lower bound`), ci_high = unbox(row$`upper bound`),
    f_value = unbox(row$F), p_value = unbox(row$p)
  )
})

grades <- 0:4
agreement_weights <- list(
  linear = outer(grades, grades, function(i, j) 1 - abs(i - j) / 4),
  quadratic = outer(grades, grades, function(i, j) 1 - (i - j)^2 / 16)
)
kappa_inputs <- list(
  two_grade_disagreement = list(a = c(0, 1, 2, 3, 4, 2, 1, 0), b = c(0, 1, 4, 3, 4, 2, 1, 2)),
  lobes_130 = {
    a <- sample(grades, 130, replace = TRUE, prob = c(0.3, 0.3, 0.2, 0.15, 0.05))
    b <- pmin(4, pmax(0, a + sample(-2:2, 130, replace = TRUE, prob = c(0.05, 0.15, 0.6, 0.15, 0.05))))
    list(a = a, b = b)
  },
  unobserved_grades = list(a = c(0, 0, 1, 3, 3, 1, 0), b = c(0, 1, 1, 3, 1, 1, 0))
)
kappa <- lapply(kappa_inputs, function(case) {
  values <- lapply(agreement_weights, function(w) {
    unbox(suppressWarnings(cohen.kappa(cbind(case$a, case$b), w = w, levels = grades))$weighted.kappa)
  })
  c(list(a = case$a, b = case$b), values)
})
write_json(list(icc = icc, weighted_kappa = kappa), "agreement.json", digits = NA, na = "null", pretty = TRUE)

# tables/scales.tsv on scales_tiny.csv -------------------------------------------------------
tiny <- read.csv("scales_tiny.csv", stringsAsFactors = FALSE)
groups <- c("tacrolimus", "tacrolimus+pirfenidone")
visits <- c("baseline", "m1", "m3", "m6", "m12")
value_at <- function(data, scale, visit) {
  # one value per patient, NA where the visit or the value is missing
  patients <- unique(data$patient_id)
  rows <- data[data$visit == visit, ]
  setNames(rows[[scale]][match(patients, rows$patient_id)], patients)
}
scale_rows <- list()
for (scale in c("six_mwt_m", "mmrc")) {
  for (group in c(groups, "all")) {
    data <- if (group == "all") tiny else tiny[tiny$group == group, ]
    base <- value_at(data, scale, "baseline")
    p_raw <- sapply(visits[-1], function(v) run_test(value_at(data, scale, v), base, paired = TRUE)$p_value)
    n_compared <- sum(!is.na(p_raw))
    for (visit in visits) {
      values <- value_at(data, scale, visit)
      present <- values[!is.na(values)]
      q <- quantile(present, c(0.25, 0.5, 0.75), type = 7, names = FALSE)
      p <- if (visit == "baseline") NA else p_raw[[visit]]
      between <- NA
      between_change <- NA
      if (group != "all") {
        by_group <- lapply(groups, function(g) value_at(tiny[tiny$group == g, ], scale, visit))
        between <- run_test(by_group[[1]], by_group[[2]])$p_value
        if (visit != "baseline") {
          change <- lapply(groups, function(g) {
            d <- tiny[tiny$group == g, ]
            value_at(d, scale, visit) - value_at(d, scale, "baseline")
          })
          between_change <- run_test(change[[1]], change[[2]])$p_value
        }
      }
      scale_rows[[length(scale_rows) + 1]] <- list(
        group = unbox(group), scale = unbox(scale), visit = unbox(visit), n = unbox(length(present)),
        median = unbox(q[2]), q1 = unbox(q[1]), q3 = unbox(q[3]),
        p_vs_baseline = unbox(p), p_vs_baseline_adj = unbox(if (is.na(p)) NA else min(1, p * n_compared)),
        p_between_groups = unbox(between), p_between_groups_change = unbox(between_change)
      )
    }
  }
}
write_json(scale_rows, "scales_tiny.json", digits = NA, na = "null", pretty = TRUE)
