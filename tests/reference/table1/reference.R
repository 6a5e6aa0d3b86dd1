# Reference values for the Table 1 tests, computed with R's own functions from data.csv.
# Run from this folder: Rscript reference.R  (writes reference.json; base R only).
# The test rule is the paper's, written here independently of the Python code: continuous rows by
# t.test(var.equal = TRUE) and wilcox.test (R's defaults: exact when both n < 50 and no ties,
# continuity correction); categorical rows by fisher.test when any expected count is under 5,
# else chisq.test (Yates' correction for 2 x 2 by default). Each categorical case also records
# chisq.test(correct = FALSE), chisq.test() and fisher.test alone, for the configurable rules
# (config tables.categorical_test: pearson, yates, fisher); t.test and wilcox.test are recorded for
# every continuous case (tables.continuous_test: t_test, mann_whitney).

data <- read.csv("data.csv", stringsAsFactors = FALSE)
data$small <- data$small == "True"

num <- function(x) if (is.na(x)) "null" else sprintf("%.17g", x)
str <- function(x) sprintf("\"%s\"", x)
obj <- function(fields) paste0("{", paste0(str(names(fields)), ": ", unlist(fields), collapse = ", "), "}")
arr <- function(values) paste0("[", paste(values, collapse = ", "), "]")

smd_cont <- function(a, b) (mean(a) - mean(b)) / sqrt((var(a) + var(b)) / 2)
smd_bin <- function(a, b) {
  p1 <- mean(a); p2 <- mean(b)
  (p1 - p2) / sqrt((p1 * (1 - p1) + p2 * (1 - p2)) / 2)
}

continuous_case <- function(variable, subset) {
  rows <- if (subset == "small") data[data$small, ] else data
  a <- rows[rows$group == "A", variable]
  b <- rows[rows$group == "B", variable]
  ties <- length(unique(c(a, b))) < length(c(a, b))
  w <- suppressWarnings(wilcox.test(a, b))
  obj(list(
    variable = str(variable), subset = str(subset),
    t_p = num(t.test(a, b, var.equal = TRUE)$p.value),
    wilcox_p = num(w$p.value),
    wilcox_exact = if (length(a) < 50 && length(b) < 50 && !ties) "true" else "false",
    mean_a = num(mean(a)), sd_a = num(sd(a)), mean_b = num(mean(b)), sd_b = num(sd(b)),
    quartiles_a = arr(sapply(quantile(a, c(0.25, 0.5, 0.75), type = 7), num)),
    quartiles_b = arr(sapply(quantile(b, c(0.25, 0.5, 0.75), type = 7), num)),
    smd = num(smd_cont(a, b))
  ))
}

categorical_case <- function(variable, subset) {
  rows <- if (subset == "small") data[data$small, ] else data
  tab <- table(factor(rows$group, levels = c("A", "B")), rows[[variable]])
  chi <- suppressWarnings(chisq.test(tab))
  use_fisher <- min(chi$expected) < 5
  levels <- colnames(tab)
  smd <- sapply(levels, function(l) smd_bin(rows[rows$group == "A", variable] == l, rows[rows$group == "B", variable] == l))
  obj(list(
    variable = str(variable), subset = str(subset),
    levels = arr(str(levels)),
    counts_a = arr(as.integer(tab["A", ])), counts_b = arr(as.integer(tab["B", ])),
    min_expected = num(min(chi$expected)),
    chisq_p = num(chi$p.value),
    chisq_pearson_p = num(suppressWarnings(chisq.test(tab, correct = FALSE))$p.value),
    fisher_p = num(fisher.test(tab)$p.value),
    rule_test = str(if (use_fisher) "fisher_exact" else "chi_square"),
    rule_p = num(if (use_fisher) fisher.test(tab)$p.value else chi$p.value),
    level_smd = arr(sapply(smd, num))
  ))
}

continuous <- list(
  continuous_case("cont", "all"), continuous_case("cont", "small"),
  continuous_case("score", "all"), continuous_case("score", "small")
)
categorical <- list(
  categorical_case("bin_big", "all"), categorical_case("bin_small", "all"),
  categorical_case("cat3_big", "all"), categorical_case("cat3_small", "all"),
  categorical_case("cat6", "small")
)
json <- paste0(
  "{\n", "\"r_version\": ", str(paste(R.version$major, R.version$minor, sep = ".")), ",\n",
  "\"continuous\": [\n  ", paste(continuous, collapse = ",\n  "), "\n],\n",
  "\"categorical\": [\n  ", paste(categorical, collapse = ",\n  "), "\n]\n}\n"
)
writeLines(json, "reference.json", sep = "")
