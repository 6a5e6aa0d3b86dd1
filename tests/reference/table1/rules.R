# Reference values for the configurable test rules of Table 1 / Table 2 (config tables.categorical_test).
# Run from this folder: Rscript rules.R  (writes rules.json; base R only).
# 1. The paper's Table 2 (Chen et al. 2022, Front. Immunol. 13:978429): the counts of its n (%) rows as
#    printed, tacrolimus group (n = 12) and tacrolimus + pirfenidone group (n = 22), with the printed
#    p-value, and R's chisq.test(correct = FALSE), chisq.test() and fisher.test on them. Diabetes is
#    printed "1 (5.0)" in the combination group: 1 of 22 is 4.5 %, 1 of 20 is 5.0 %, so both are given.
#    HRCT patterns: the four printed levels (UIP and unclassifiable have no count in the paper).
# 2. Tables whose exact p-value is 1: R's value (%.17g) and what print.htest shows (format.pval with
#    4 digits), which is "1".

num <- function(x) if (is.na(x)) "null" else sprintf("%.17g", x)
str <- function(x) sprintf("\"%s\"", x)
obj <- function(fields) paste0("{", paste0(str(names(fields)), ": ", unlist(fields), collapse = ", "), "}")
arr <- function(values) paste0("[", paste(values, collapse = ", "), "]")

tests_of <- function(tab) list(
  pearson_p = num(suppressWarnings(chisq.test(tab, correct = FALSE))$p.value),
  yates_p = num(suppressWarnings(chisq.test(tab))$p.value),
  fisher_p = num(fisher.test(tab)$p.value),
  fisher_printed = str(format.pval(fisher.test(tab)$p.value, digits = 4))
)

# A binary row: positives of n in each group, as levels (no, yes).
binary <- function(characteristic, yes_tac, yes_combo, paper_p, n_tac = 12, n_combo = 22) {
  categorical(characteristic, c("no", "yes"), c(n_tac - yes_tac, yes_tac), c(n_combo - yes_combo, yes_combo), paper_p)
}
categorical <- function(characteristic, levels, tac, combo, paper_p) {
  tab <- rbind(tacrolimus = tac, combination = combo)
  obj(c(
    list(
      characteristic = str(characteristic), levels = arr(str(levels)),
      counts_tacrolimus = arr(tac), counts_combination = arr(combo), paper_p = num(paper_p)
    ),
    tests_of(tab)
  ))
}

paper <- list(
  binary("female_sex", 6, 14, 0.440),
  binary("smoking_history", 3, 5, 0.881),
  binary("heliotrope_rash", 4, 13, 0.151),
  binary("gottron_sign", 6, 17, 0.104),
  binary("proximal_weakness", 6, 17, 0.104),
  binary("hypertension", 1, 2, 0.941),
  binary("diabetes", 2, 1, 0.273),
  binary("diabetes_of_20", 2, 1, 0.273, n_combo = 20),
  binary("malignancy", 1, 2, 0.909),
  binary("anti_mda5", 5, 9, 0.966),
  binary("anti_jo1", 3, 6, 0.886),
  binary("anti_ej", 1, 3, 0.999),
  binary("anti_pl7", 2, 3, 0.999),
  binary("anti_pl12", 1, 1, 0.999),
  binary("ivig", 5, 8, 0.761),
  binary("plasma_exchange", 3, 7, 0.677),
  categorical("diagnosis", c("DM", "PM", "CADM"), c(5, 3, 4), c(12, 6, 4), 0.597),
  categorical("hrct_pattern", c("NSIP", "OP", "NSIP+OP", "AIP"), c(7, 2, 2, 1), c(19, 0, 2, 1), 0.109)
)

near_one_case <- function(first, second) {
  tab <- rbind(first, second)
  obj(c(list(counts_a = arr(first), counts_b = arr(second)), tests_of(tab)))
}
near_one <- list(
  near_one_case(c(2, 1), c(2, 1)),
  near_one_case(c(3, 0), c(2, 1)),
  near_one_case(c(5, 5), c(5, 5)),
  near_one_case(c(0, 0, 1), c(1, 1, 3)),
  near_one_case(c(11, 1), c(21, 1))
)

json <- paste0(
  "{\n", "\"r_version\": ", str(paste(R.version$major, R.version$minor, sep = ".")), ",\n",
  "\"paper_table2\": [\n  ", paste(paper, collapse = ",\n  "), "\n],\n",
  "\"near_one\": [\n  ", paste(near_one, collapse = ",\n  "), "\n]\n}\n"
)
writeLines(json, "rules.json", sep = "")
