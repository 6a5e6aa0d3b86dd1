"""The reader-facing words of ``myoild.labels`` cover every code the results tables can hold, so no
figure, report or manuscript falls back to a raw code."""

from myoild.contract import (
    AE_ANY,
    AE_CATEGORIES,
    ENDPOINTS,
    HRCT_FEATURES,
    IMMUNOSUPPRESSANTS,
    SCALES,
    SCHEDULED_VISITS,
)
from myoild.design import CONVENTIONAL
from myoild.labels import (
    CATEGORY_LABELS,
    ENDPOINT_NAMES,
    FEATURE_LABELS,
    GROUP_LABELS,
    SCALE_LABELS,
    VISIT_LABELS,
    contrast_label,
)


def test_adverse_event_labels_cover_every_category_and_any():
    assert list(CATEGORY_LABELS) == [*AE_CATEGORIES, AE_ANY]


def test_every_contract_code_has_a_label():
    assert set(ENDPOINT_NAMES) == set(ENDPOINTS)
    assert set(FEATURE_LABELS) == {"total", *HRCT_FEATURES}
    assert set(SCALE_LABELS) == set(SCALES)
    assert set(VISIT_LABELS) == set(SCHEDULED_VISITS)
    assert {*IMMUNOSUPPRESSANTS, CONVENTIONAL, "all"} <= set(GROUP_LABELS)


def test_contrast_label_names_both_arms_as_words():
    assert contrast_label("tacrolimus_vs_conventional") == "Tacrolimus vs conventional"
    assert contrast_label("tacrolimus+pirfenidone_vs_tacrolimus") == "Tacrolimus + pirfenidone vs tacrolimus"
