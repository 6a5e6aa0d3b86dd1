"""Descriptive tables: Table 1 (retrospective) and Table 2 (prospective) of the paper."""

from myoild.tables.hypothesis_tests import CATEGORICAL_RULES, CONTINUOUS_RULES, test_rule_sentence
from myoild.tables.table1 import characteristics_of, patient_characteristics, table1, table1_markdown

__all__ = [
    "CATEGORICAL_RULES",
    "CONTINUOUS_RULES",
    "characteristics_of",
    "patient_characteristics",
    "table1",
    "table1_markdown",
    "test_rule_sentence",
]
