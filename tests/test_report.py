"""The report builder: sections and anchors, numbers taken from the tables, missing optional tables,
self-containment and byte-identical output."""

import base64
import json
import math
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
from test_report_support import CONFIG, main_models, shared_results

from myoild.disclosure import Disclosure
from myoild.report import build_report, software_versions
from myoild.report.cohort import characteristics_table
from myoild.report.folder import ResultsFolder
from myoild.report.formatting import format_number, format_p, p_statement
from myoild.report.methods import methods_section
from myoild.report.survival import at_risk_table
from myoild.report.validation import MAX_ROWS, validation_section

VERSIONS = {"python": "3.11.0", "myoild": "0.1.0"}
SECTIONS = (
    "summary",
    "flow",
    "table1",
    "table2",
    "propensity",
    "hazard-ratios",
    "kaplan-meier",
    "scales",
    "hrct",
    "adverse-events",
    "methods",
    "validation",
)


class Page(HTMLParser):
    """Ids, internal links, image sources and the text of a page (stdlib parser, not the builder's code)."""

    def __init__(self, text: str):
        super().__init__()
        self.ids, self.links, self.images, self.words = [], [], [], []
        self.feed(text)
        self.text = " ".join(" ".join(self.words).split())

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.append(attrs["id"])
        if tag == "a":
            self.links.append(attrs.get("href", ""))
        if tag == "img":
            self.images.append(attrs.get("src", ""))

    def handle_data(self, data):
        self.words.append(data)


@pytest.fixture(scope="module")
def results(tmp_path_factory) -> Path:
    return shared_results(tmp_path_factory.getbasetemp())


@pytest.fixture(scope="module")
def page(results) -> Page:
    return Page(build_report(results, CONFIG, VERSIONS))


def _copy(results: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(results, tmp_path / "copy"))


def test_every_section_is_present_in_order_and_every_internal_link_resolves(page):
    positions = [page.ids.index(section) for section in SECTIONS]
    assert positions == sorted(positions)
    assert len(page.ids) == len(set(page.ids))
    targets = [link[1:] for link in page.links if link.startswith("#")]
    assert set(targets) >= set(SECTIONS)
    assert set(targets) <= set(page.ids)
    assert all(link.startswith("#") for link in page.links)


def test_headline_states_the_main_hazard_ratios_from_the_table_next_to_the_papers(results, page):
    main = main_models(results)
    for endpoint in ("death", "relapse"):
        row = main.loc[endpoint]
        # Written independently of the builder: 3 decimals for HR and CI, en dash between the limits.
        assert f"HR {row.hr:.3f} ({row.ci_low:.3f}–{row.ci_high:.3f})" in page.text
    assert "paper: 0.330 (0.161–0.675), p = 0.002" in page.text
    assert "paper: 0.548 (0.368–0.816), p = 0.003" in page.text
    assert "SYNTHETIC cohort (config input_dir is empty)" in page.text
    assert f"seed {CONFIG['synthetic']['seed']}" in page.text


def test_user_input_is_not_called_synthetic(results):
    text = Page(build_report(results, {**CONFIG, "input_dir": "/data/centre_a"}, VERSIONS)).text
    assert "SYNTHETIC" not in text
    assert "Input: the raw tables of the configured input folder" in text


def test_tables_are_rounded_for_people_from_the_machine_tables(results, page):
    models = pd.read_csv(results / "tables/survival_models.tsv", sep="\t")
    prospective = models[models["contrast"] == "tacrolimus+pirfenidone_vs_tacrolimus"].iloc[0]
    assert f"{prospective.hr:.3f} ({prospective.ci_low:.3f}–{prospective.ci_high:.3f})" in page.text
    table1 = pd.read_csv(results / "tables/table1_retrospective.tsv", sep="\t", keep_default_na=False)
    age = table1[table1["characteristic"] == "age_years"].iloc[0]
    assert f"Age (years), mean (SD) {age['tacrolimus']} {age['conventional']}" in page.text
    flow = pd.read_csv(results / "cohort/flow.tsv", sep="\t")
    screened = flow[(flow["cohort"] == "retrospective") & (flow["step"] == "screened")]["n"].iloc[0]
    assert f"retrospective Screened {screened}" in page.text
    assert "Bootstrap: not run (tables/bootstrap.tsv is absent)." in page.text


def test_p_values_have_three_significant_digits():
    values = (0.0035041, 0.178472, 0.065751, 0.99999999, 0.00099, math.nan)
    assert [format_p(p) for p in values] == ["0.00350", "0.178", "0.0658", "1.00", "<0.001", "–"]
    assert p_statement(0.0001) == "p < 0.001"
    assert p_statement(0.0421, "p adj") == "p adj = 0.0421"
    assert format_number(-0.0001, 2) == "0.00"


def test_images_are_the_figure_files_embedded_as_png_data(results, page):
    assert len(page.images) == len(list((results / "figures").glob("*.png")))
    embedded = {base64.b64decode(src.split(",", 1)[1]) for src in page.images}
    assert all(src.startswith("data:image/png;base64,") for src in page.images)
    assert embedded == {path.read_bytes() for path in (results / "figures").glob("*.png")}


def test_building_twice_or_elsewhere_gives_the_same_bytes(results, tmp_path):
    first = build_report(results, CONFIG, VERSIONS)
    assert build_report(results, CONFIG, VERSIONS) == first
    assert build_report(_copy(results, tmp_path), CONFIG, VERSIONS) == first
    assert str(results) not in first and str(tmp_path) not in first


def test_missing_tables_and_figures_become_notes(results, tmp_path):
    folder = _copy(results, tmp_path)
    for relative in ("tables/scales.tsv", "figures/forest.png", "tables/km_at_risk.tsv", "validation/report.json"):
        (folder / relative).unlink()
    text = Page(build_report(folder, CONFIG, VERSIONS)).text
    for relative in ("tables/scales.tsv", "figures/forest.png", "validation/report.json"):
        assert f"Not available: {relative} is missing from the results folder." in text
    empty = Page(build_report(tmp_path / "nothing", {}, {}))
    assert set(SECTIONS) <= set(empty.ids)
    assert "Not available: tables/survival_models.tsv is missing" in empty.text


def test_bootstrap_table_and_percentile_rows_are_shown_when_present(results, tmp_path):
    folder = _copy(results, tmp_path)
    models = pd.read_csv(folder / "tables/survival_models.tsv", sep="\t")
    iptw = models[models["model"] == "cox_iptw"]
    twins = iptw.assign(ci_low=0.123456, ci_high=4.56789, ci_method="bootstrap_percentile", p_value=math.nan)
    pd.concat([models, twins]).to_csv(folder / "tables/survival_models.tsv", sep="\t", index=False)
    bootstrap = iptw[["contrast", "endpoint", "hr"]].assign(replicates=200, ci_low=0.123456, ci_high=4.56789, seed=42)
    bootstrap.to_csv(folder / "tables/bootstrap.tsv", sep="\t", index=False)
    text = Page(build_report(folder, CONFIG, VERSIONS)).text
    first = iptw.iloc[0]
    hr = first["hr"]
    assert f"IPTW Cox bootstrap percentile CI {first['n']} {first['events']} {hr:.3f} (0.123–4.568) –" in text
    assert f"Tacrolimus vs conventional Death 200 – {hr:.3f} (0.123–4.568) 42" in text
    assert "Bootstrap: 200 replicates (seed 42)" in text
    assert "not run" not in text


def test_at_risk_table_gives_whole_patients_and_weighted_sums():
    at_risk = pd.DataFrame(
        {
            "contrast": "tacrolimus_vs_conventional",
            "endpoint": "death",
            "group": ["tacrolimus", "tacrolimus", "conventional", "conventional"],
            "time_days": [0, 90, 0, 90],
            "n_risk": [93, 88, 157, 139],
            "n_risk_weighted": [250.58212, 236.679, 249.7686, 220.82785],
        }
    )
    text = Page(at_risk_table(at_risk, "tacrolimus_vs_conventional")).text
    assert "Numbers at risk: patients (sum of IPTW weights)" in text
    assert "Death Tacrolimus 93 (250.6) 88 (236.7) Death Conventional 157 (249.8) 139 (220.8)" in text
    unweighted = Page(at_risk_table(at_risk.assign(n_risk_weighted=math.nan), "tacrolimus_vs_conventional")).text
    assert "Death Tacrolimus 93 88" in unweighted and "(" not in unweighted.split("Numbers at risk: patients")[1]


def test_characteristics_table_indents_levels_and_gives_p_once():
    frame = pd.DataFrame(
        {
            "characteristic": ["patients", "age_years", "diagnosis", "diagnosis"],
            "level": [None, None, "DM", "PM"],
            "tacrolimus": ["3", "50.00 (2.00)", "2 (66.7)", "1 (33.3)"],
            "conventional": ["2", "48.00 (1.00)", "1 (50.0)", "1 (50.0)"],
            "p_value": [math.nan, 0.0421, 0.61, 0.61],
            "test": [None, "t_test", "fisher_exact", "fisher_exact"],
            "smd": [math.nan, 1.2649, 0.3333, -0.3333],
            "label": ["Patients", "Age (years)", "Diagnosis", "Diagnosis"],
            "statistic": ["n", "mean (SD)", "n (%)", "n (%)"],
            "test_detail": [None, "Student, pooled variance, two-sided", "exact", "exact"],
        }
    )
    text = Page(characteristics_table(frame)).text
    assert "Tacrolimus (n=3) Conventional (n=2) p SMD Test" in text
    assert "Age (years), mean (SD) 50.00 (2.00) 48.00 (1.00) 0.0421 1.26 Student's t (Student, pooled" in text
    assert "Diagnosis, n (%) 0.610 Fisher's exact (exact) DM 2 (66.7) 1 (50.0) 0.33 PM 1 (33.3) 1 (50.0) -0.33" in text


def test_methods_are_written_from_the_config(tmp_path):
    config = {
        "input_dir": "centre",
        "propensity": {
            "covariates": ["age_years", "ivig"],
            "estimand": "ATT",
            "stabilized": True,
            "truncate_percentiles": [1, 99],
            "extreme_ps": 0.05,
            "min_ess_fraction": 0.3,
        },
        "survival": {
            "ties": "breslow",
            "endpoints": {"retrospective": ["relapse"], "prospective": ["death"]},
            "strata": ["site"],
        },
    }
    section = methods_section(ResultsFolder(tmp_path), config, {"python": "3.11.0", "pandas": "2.3.3"})
    text = Page(section.html(1)).text
    assert "on age, IVIg on days 0-30 (categorical" in text
    assert "effect on the treated (ATT): weight 1 for the first group and ps/(1 - ps)" in text
    assert "Weights were stabilised" in text and "clipped at the percentiles 1, 99" in text
    assert "outside [0.05, 0.95]" in text and "below 0.3 of its size" in text
    assert "Breslow's approximation" in text
    assert "is stratified by site: each stratum has its own baseline hazard" in text
    assert "stratified by" not in Page(methods_section(ResultsFolder(tmp_path), {}, {}).html(1)).text
    assert "Endpoints analysed: retrospective relapse; prospective death." in text
    assert "Bootstrap: not run." in text
    assert "python 3.11.0 pandas 2.3.3" in text
    assert '"estimand": "ATT"' in text  # the configuration itself


def test_validation_notes_list_errors_and_warnings_capped(tmp_path):
    note = {"table": "hrct_reads", "column": None, "patient_id": "P1", "check": "grid"}
    notes = [{**note, "row": i, "message": f"m{i}"} for i in range(1, MAX_ROWS + 3)]
    report = {"status": "pass", "errors": [], "notes": notes, "tables": {"patients": {"rows": 5, "file": "p.csv"}}}
    (tmp_path / "validation").mkdir()
    (tmp_path / "validation/report.json").write_text(json.dumps(report), encoding="utf-8")
    text = Page(validation_section(ResultsFolder(tmp_path), Disclosure(show_patient_ids=True)).html(1)).text
    assert f"pass, 0 errors, {MAX_ROWS + 2} warnings" in text
    assert "No errors." in text
    assert f"m{MAX_ROWS}" in text and f"m{MAX_ROWS + 1}" not in text
    assert "... and 2 more warnings: see validation/report.md." in text


def test_software_versions_name_every_package_the_brief_lists():
    versions = software_versions()
    names = {"python", "myoild", "pandas", "numpy", "scipy", "statsmodels", "pandera", "snakemake", "matplotlib"}
    assert names | {"pyarrow"} <= set(versions)
    assert all(isinstance(value, str) and value for value in versions.values())


def test_flow_shows_patients_per_site_and_patients_left_out_per_missing_covariate():
    from myoild.report.cohort import missing_covariate_table, site_table

    by_site = pd.DataFrame(
        [
            ("retrospective", "A", "screened", 7, None),
            ("retrospective", "A", "excluded", 2, "diagnosis_IBM"),
            ("retrospective", "A", "analysed", 3, "tacrolimus"),
            ("retrospective", "A", "analysed", 2, "conventional"),
            ("retrospective", "B", "screened", 1, None),
            ("retrospective", "B", "excluded", 0, "diagnosis_IBM"),
            ("retrospective", "B", "analysed", 0, "tacrolimus"),
            ("retrospective", "B", "analysed", 1, "conventional"),
        ],
        columns=["cohort", "site", "step", "n", "reason"],
    )
    text = " ".join(Page(site_table(by_site, Disclosure())).text.split())
    assert "retrospective A 7 2 Tacrolimus 3, Conventional 2" in text
    assert "retrospective B 1 0 Tacrolimus 0, Conventional 1" in text
    diagnostics = pd.DataFrame(
        {
            "contrast": ["tacrolimus_vs_conventional", "tacrolimus_vs_azathioprine"],
            "n_missing_covariates": [4, 0],
            "missing_by_covariate": ["anti_mda5=3 baseline_ferritin_ug_l=2", ""],
        }
    )
    text = " ".join(Page(missing_covariate_table(diagnostics, Disclosure())).text.split())
    assert "Tacrolimus vs conventional 4 anti_mda5 3, baseline_ferritin_ug_l 2" in text
    assert "azathioprine" not in text
