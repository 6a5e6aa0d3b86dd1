"""Descriptive tables: Table 1 (retrospective) and Table 2 (prospective) of the paper."""

from myoild.tables.table1 import characteristics_of, patient_characteristics, table1, table1_markdown

__all__ = ["characteristics_of", "patient_characteristics", "table1", "table1_markdown"]
