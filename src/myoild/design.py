"""The study's definition, built once from the config (key ``study``) and handed to every stage.

The paper's design is the default (Chen et al. 2022; data contract, "Derived endpoints"):

- ``followup_days`` (365): the follow-up window, day 0 to this day inclusive; a death on its last
  day counts, one a day later is censored at it. It is also the Kaplan-Meier horizon, the
  horizon of absolute effects and E-values, the adverse-event window and the figures' time axis.
- ``treatment_window_days`` (30): drugs started on days 0 to this day define the treatment groups;
  IVIg and plasma exchange count as given when an episode overlaps days 0 to this day; the
  landmark of the immortal-time analysis.
- ``baseline_window_days`` (14): the baseline visit lies on the index date or at most this many
  days before it.
- ``relapse_lab_ratio`` (2): relapse criterion (i), ferritin or ESR strictly above this multiple of
  the baseline-visit value.
- ``relapse_gc_mg_kg`` (0.5): relapse criterion (iii), prednisolone-equivalent dose strictly above
  this many mg/kg/day where the preceding visit's was not.
- ``treatment`` (tacrolimus): the studied immunosuppressant. Retrospective groups: ``<treatment>``
  (it alone started in the treatment window) vs ``conventional`` (other immunosuppressants,
  without it); prospective groups: ``<treatment>`` vs ``<treatment>+<add_on>``.
- ``comparators`` (cyclophosphamide, methotrexate, azathioprine): the per-drug contrasts,
  ``<treatment>_vs_<drug>``: the conventional patients whose main agent is ``<drug>``.
- ``add_on`` (pirfenidone): the prospective add-on, contrast ``<treatment>+<add_on>_vs_<treatment>``.

- ``covariates`` (age, sex, diagnosis, initial prednisolone dose, plasma exchange, IVIg; config
  ``propensity.covariates``): the propensity model's covariates.
- ``strata`` (none; config ``survival.strata``): the columns every Cox-type model is stratified by.

Built once from the whole config (``from_config``) by the workflow (``DESIGN`` in
workflow/rules/common.smk) and handed to every stage that uses any of it as one parameter
(``as_dict`` / ``from_dict``), so that a setting walks from the config to the code unchanged.

Contrast names follow the results contract's pattern: ``<treated group>_vs_<comparator>``, the
treated group first (``myoild.contrasts`` reads a contrast's patients from its name).

``myoild.contract`` keeps only what the data contract itself fixes (allowed values).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

#: The retrospective comparison group: immunosuppressants other than the studied treatment.
CONVENTIONAL = "conventional"

#: Numbers at risk are shown at these fractions of the follow-up window (day 0, quarters, end).
AT_RISK_FRACTIONS = (0.0, 0.25, 0.5, 0.75, 1.0)


@dataclass(frozen=True)
class StudyDesign:
    """Windows and thresholds of the study (module docstring)."""

    followup_days: int = 365
    treatment_window_days: int = 30
    baseline_window_days: int = 14
    relapse_lab_ratio: float = 2.0
    relapse_gc_mg_kg: float = 0.5
    treatment: str = "tacrolimus"
    comparators: tuple[str, ...] = ("cyclophosphamide", "methotrexate", "azathioprine")
    add_on: str = "pirfenidone"
    covariates: tuple[str, ...] = ("age_years", "sex", "diagnosis", "initial_pred_mg_day", "plasma_exchange", "ivig")
    strata: tuple[str, ...] = ()

    def __post_init__(self):
        for name in ("comparators", "covariates", "strata"):  # lists of a config or a parameter
            object.__setattr__(self, name, tuple(getattr(self, name)))

    @classmethod
    def from_config(cls, config: dict | None) -> StudyDesign:
        """The design of a whole config: its ``study`` section, ``propensity.covariates`` and
        ``survival.strata`` (missing keys take the paper's values)."""
        config = config or {}
        values = dict(config.get("study") or {})
        for section, name in (("propensity", "covariates"), ("survival", "strata")):
            if name in (config.get(section) or {}):
                values[name] = config[section][name]
        return cls.from_dict(values)

    @classmethod
    def from_dict(cls, values: dict) -> StudyDesign:
        """The design of ``as_dict``'s fields (others are ignored; missing ones the paper's)."""
        return cls(**{name: values[name] for name in cls.__dataclass_fields__ if name in values})

    def as_dict(self) -> dict:
        return asdict(self)

    @property
    def combination(self) -> str:
        """The prospective add-on group, ``<treatment>+<add_on>``."""
        return f"{self.treatment}+{self.add_on}"

    @property
    def groups(self) -> dict[str, tuple[str, str]]:
        """Each cohort's two groups, in the order of its tables (retrospective: treated first;
        prospective: the treatment alone first)."""
        return {"retrospective": (self.treatment, CONVENTIONAL), "prospective": (self.treatment, self.combination)}

    @property
    def treated_group(self) -> dict[str, str]:
        """Each cohort's treated group (``treated = 1``, a contrast's first group)."""
        return {"retrospective": self.treatment, "prospective": self.combination}

    @property
    def main_contrast(self) -> str:
        """``<treatment>_vs_conventional``: the paper's main comparison."""
        return f"{self.treatment}_vs_{CONVENTIONAL}"

    @property
    def retrospective_contrasts(self) -> tuple[str, ...]:
        """The main contrast, then one per comparator drug in the configured order."""
        return (self.main_contrast, *(f"{self.treatment}_vs_{drug}" for drug in self.comparators))

    @property
    def prospective_contrast(self) -> str:
        """``<treatment>+<add_on>_vs_<treatment>``."""
        return f"{self.combination}_vs_{self.treatment}"

    @property
    def contrasts(self) -> tuple[str, ...]:
        """Every contrast: the retrospective ones, then the prospective one."""
        return (*self.retrospective_contrasts, self.prospective_contrast)

    @property
    def at_risk_days(self) -> tuple[int, ...]:
        """Days at which numbers at risk are reported: 0, each quarter of the window, its end
        (the paper's 0, 90, 180, 270, 365 for a 365-day window: quarters rounded down to a
        multiple of 30 days when the window is a whole number of 365 days)."""
        if self.followup_days % 365 == 0:
            step = 90 * self.followup_days // 365
            return (0, step, 2 * step, 3 * step, self.followup_days)
        return tuple(sorted({int(self.followup_days * fraction) for fraction in AT_RISK_FRACTIONS}))


PAPER = StudyDesign()
