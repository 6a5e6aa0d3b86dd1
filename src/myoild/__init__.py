"""myoild: the analysis of Chen et al. 2022 (tacrolimus in IIM-ILD) as a reusable library and pipeline."""

__version__ = "0.1.0"
