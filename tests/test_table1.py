"""Table 1 / Table 2 built end to end (builders -> derive_cohort -> table1), checked against R and scipy."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from test_derive_builders import make_tables, medication, patient, visit

from myoild.derive import derive_cohort
from myoild.tables import table1, table1_markdown
from myoild.tabular import write_tsv

REFERENCE = Path(__file__).parent / "reference" / "table1"
DATA = pd.read_csv(REFERENCE / "data.csv", keep_default_na=False)
R = json.loads((REFERENCE / "reference.json").read_text())
CONTINUOUS = {c["variable"]: c for c in R["continuous"] if c["subset"] == "all"}
CATEGORICAL = {c["variable"]: c for c in R["categorical"] if c["subset"] == "all"}


@pytest.fixture(scope="module")
def reference_cohorts():
    """The R data set twice: retrospective (A = tacrolimus, B = conventional) and prospective
    (A = tacrolimus+pirfenidone, B = tacrolimus), so A is the contrast's first group in both."""
    patients, medications = [], []
    for cohort in ("retrospective", "prospective"):
        for i, row in DATA.iterrows():
            pid = f"{cohort[0].upper()}{i:03d}"
            patients.append(
                patient(
                    pid,
                    cohort=cohort,
                    age_years=float(row["cont"]),
                    disease_duration_months=float(row["score"]),
                    sex="F" if row["bin_big"] == 1 else "M",
                    smoking_history=bool(row["bin_small"]),
                    diagnosis=row["cat3_small"] if cohort == "prospective" else row["cat3_big"],
                )
            )
            if cohort == "retrospective":
                medications.append(medication(pid, "tacrolimus" if row["group"] == "A" else "methotrexate"))
            else:
                medications.append(medication(pid, "tacrolimus"))
                if row["group"] == "A":
                    medications.append(medication(pid, "pirfenidone", 7))
    tables = make_tables(patients, medications)
    return derive_cohort(tables).analysis_set, tables


def row(table, characteristic, level=None):
    chosen = table[
        (table["characteristic"] == characteristic)
        & (table["level"].isna() if level is None else table["level"] == level)
    ]
    assert len(chosen) == 1
    return chosen.iloc[0]


def test_p_values_and_smds_match_r_end_to_end(reference_cohorts):
    analysis_set, tables = reference_cohorts
    retro = table1(analysis_set, tables, "retrospective")
    prosp = table1(analysis_set, tables, "prospective")
    assert row(retro, "patients")[["tacrolimus", "conventional"]].tolist() == ["60", "45"]
    assert row(prosp, "patients")[["tacrolimus+pirfenidone", "tacrolimus"]].tolist() == ["60", "45"]
    for table in (retro, prosp):
        age = row(table, "age_years")
        assert age["test"] == "t_test" and age["p_value"] == pytest.approx(CONTINUOUS["cont"]["t_p"], rel=1e-10)
        assert age["smd"] == pytest.approx(CONTINUOUS["cont"]["smd"], rel=1e-12)
        female = row(table, "female_sex")
        assert female["test"] == "chi_square" and female["p_value"] == pytest.approx(
            CATEGORICAL["bin_big"]["rule_p"], rel=1e-10
        )
        assert female["smd"] == pytest.approx(CATEGORICAL["bin_big"]["level_smd"][1], rel=1e-12)
    duration = row(prosp, "disease_duration_months")
    assert duration["test"] == "mann_whitney" and duration["p_value"] == pytest.approx(
        CONTINUOUS["score"]["wilcox_p"], rel=1e-9
    )
    smoking = row(prosp, "smoking_history")
    assert smoking["test"] == "fisher_exact" and smoking["p_value"] == pytest.approx(
        CATEGORICAL["bin_small"]["rule_p"], rel=1e-9
    )
    for cohort_table, variable, test in ((retro, "cat3_big", "chi_square"), (prosp, "cat3_small", "fisher_exact")):
        case = CATEGORICAL[variable]
        for level, smd in zip(case["levels"], case["level_smd"]):
            diagnosis = row(cohort_table, "diagnosis", level)
            assert diagnosis["test"] == test and diagnosis["p_value"] == pytest.approx(case["rule_p"], rel=1e-9)
            assert diagnosis["smd"] == pytest.approx(smd, rel=1e-12)


def test_rows_follow_the_paper(reference_cohorts):
    analysis_set, tables = reference_cohorts
    retro = table1(analysis_set, tables, "retrospective")
    assert list(retro.columns[:7]) == [
        "characteristic",
        "level",
        "tacrolimus",
        "conventional",
        "p_value",
        "test",
        "smd",
    ]
    assert list(dict.fromkeys(retro["characteristic"])) == [
        "patients", "age_years", "female_sex", "diagnosis", "initial_pred_mg_day", "ivig", "plasma_exchange",
        "tacrolimus", "cyclophosphamide", "methotrexate", "azathioprine", "leflunomide", "ciclosporin",
        "mycophenolate", "tripterygium",
    ]  # fmt: skip
    assert list(retro.loc[retro["characteristic"] == "diagnosis", "level"]) == ["DM", "PM", "CADM"]
    prosp = table1(analysis_set, tables, "prospective")
    assert list(prosp.columns[2:4]) == ["tacrolimus", "tacrolimus+pirfenidone"]
    assert list(dict.fromkeys(prosp["characteristic"])) == [
        "patients", "age_years", "female_sex", "disease_duration_months", "smoking_history", "diagnosis",
        "heliotrope_rash", "gottron_sign", "proximal_weakness", "hypertension", "diabetes", "malignancy",
        "ck_u_l", "ldh_u_l", "ferritin_ug_l", "esr_mm_h", "crp_mg_l", "anti_mda5", "anti_jo1", "anti_ej",
        "anti_pl7", "anti_pl12", "hrct_pattern", "initial_pred_mg_day", "ivig", "plasma_exchange",
    ]  # fmt: skip


@pytest.fixture(scope="module")
def small_retrospective():
    """Five tacrolimus and four conventional patients with hand-countable values."""
    tac = [f"T{i}" for i in range(5)]
    conv = [f"C{i}" for i in range(4)]
    patients = [patient(pid, age_years=age, sex=sex) for pid, age, sex in zip(tac, (40, 50, 60, 45, 55), "FFFMM")]
    patients += [patient(pid, age_years=age, sex=sex) for pid, age, sex in zip(conv, (30, 70, 52, 48), "FMMM")]
    medications = [medication(pid, "tacrolimus") for pid in tac]
    medications += [
        medication("C0", "cyclophosphamide"),
        medication("C1", "cyclophosphamide"),
        medication("C1", "methotrexate", 10),
    ]
    medications += [medication("C2", "methotrexate"), medication("C3", "tripterygium")]
    # Initial prednisolone: tacrolimus 60 mg/day (1 mg/kg/day x 60 kg) each but T4 40; conventional 50 each.
    medications += [medication(pid, "prednisolone", 0, None, 1.0, "mg/kg/day") for pid in tac[:4]]
    medications += [medication("T4", "prednisolone", 0, None, 40.0, "mg/day")]
    medications += [medication(pid, "methylprednisolone", 0, None, 40.0, "mg/day") for pid in conv]
    medications += [medication("T0", "ivig", 3, 5), medication("C0", "ivig", 2, 4), medication("C1", "ivig", 2, 4)]
    visits = [visit(pid, 0, "baseline") for pid in tac + conv]
    tables = make_tables(patients, medications, visits)
    return derive_cohort(tables).analysis_set, tables


def test_hand_counted_table_with_independent_scipy_p_values(small_retrospective):
    analysis_set, tables = small_retrospective
    table = table1(analysis_set, tables, "retrospective")
    age = row(table, "age_years")
    # tacrolimus 40, 50, 60, 45, 55: mean 50, SD sqrt(250/4) = 7.91
    assert age["tacrolimus"] == "50.00 (7.91)"
    assert age["p_value"] == pytest.approx(stats.ttest_ind([40, 50, 60, 45, 55], [30, 70, 52, 48]).pvalue, rel=1e-12)
    female = row(table, "female_sex")
    assert female[["tacrolimus", "conventional"]].tolist() == ["3 (60.0)", "1 (25.0)"]
    # expected counts 9 x 4 / 9 ... all under 5: Fisher, table [[male, female], ...] = [[2, 3], [3, 1]]
    assert female["test"] == "fisher_exact"
    assert female["p_value"] == pytest.approx(stats.fisher_exact([[2, 3], [3, 1]]).pvalue, rel=1e-12)
    pred = row(table, "initial_pred_mg_day")
    # tacrolimus 60, 60, 60, 60, 40: mean 56, SD sqrt(320/4) = 8.94; conventional 40 x 5/4 = 50, SD 0
    assert pred[["tacrolimus", "conventional"]].tolist() == ["56.00 (8.94)", "50.00 (0.00)"]
    assert pred["smd"] == pytest.approx((56 - 50) / np.sqrt((80 + 0) / 2), rel=1e-12)
    ivig = row(table, "ivig")
    assert ivig[["tacrolimus", "conventional"]].tolist() == ["1 (20.0)", "2 (50.0)"]
    # binary SMD: (0.2 - 0.5) / sqrt((0.2 x 0.8 + 0.5 x 0.5) / 2)
    assert ivig["smd"] == pytest.approx(-0.3 / np.sqrt(0.205), rel=1e-12)
    drugs = table.set_index("characteristic").loc[["tacrolimus", "cyclophosphamide", "methotrexate", "tripterygium"]]
    assert drugs["conventional"].tolist() == ["0 (0.0)", "2 (50.0)", "2 (50.0)", "1 (25.0)"]
    assert drugs["test"].isna().all() and drugs["p_value"].isna().all()


def test_hrct_scores_hook_adds_baseline_score_rows(reference_cohorts):
    analysis_set, tables = reference_cohorts
    prospective = analysis_set[analysis_set["cohort"] == "prospective"]
    features = ("total", "ground_glass", "consolidation", "reticulation", "traction_bronchiectasis")
    scores = pd.DataFrame(
        [
            {
                "patient_id": pid,
                "timepoint": timepoint,
                "feature": feature,
                "score": (k % 7) + j + (timepoint == "m12") * 50.0,
            }
            for k, pid in enumerate(prospective["patient_id"])
            for j, feature in enumerate(features)
            for timepoint in ("baseline", "m12")
        ]
    )
    table = table1(analysis_set, tables, "prospective", hrct_scores=scores)
    names = list(dict.fromkeys(table["characteristic"]))
    assert names[names.index("hrct_pattern") + 1 : names.index("initial_pred_mg_day")] == [
        f"hrct_{f}" for f in features
    ]
    total = row(table, "hrct_total")
    baseline = scores[(scores["timepoint"] == "baseline") & (scores["feature"] == "total")].set_index("patient_id")[
        "score"
    ]
    group = prospective.set_index("patient_id")["group"]
    combo, tac = baseline[group == "tacrolimus+pirfenidone"], baseline[group == "tacrolimus"]
    assert total["tacrolimus"] == f"{tac.mean():.2f} ({tac.std():.2f})"  # m12 scores (+50) are not used
    assert total["p_value"] == pytest.approx(stats.ttest_ind(combo, tac).pvalue, rel=1e-12)


def test_markdown_and_tsv(small_retrospective, tmp_path):
    analysis_set, tables = small_retrospective
    table = table1(analysis_set, tables, "retrospective")
    markdown = table1_markdown(table)
    lines = markdown.splitlines()
    assert lines[0] == "| Characteristic | tacrolimus (n=5) | conventional (n=4) | p | test | SMD |"
    # Fisher p of [[2, 3], [3, 1]] = 0.5238; SMD (0.6 - 0.25) / sqrt((0.24 + 0.1875) / 2) = 0.757
    assert "| Female sex, n (%) | 3 (60.0) | 1 (25.0) | 0.524 | Fisher's exact | 0.76 |" in lines
    assert "(tacrolimus - conventional) / pooled SD" in markdown
    write_tsv(table, tmp_path / "tables/table1_retrospective.tsv")
    tsv = tmp_path / "tables/table1_retrospective.tsv"
    back = pd.read_csv(tsv, sep="\t", keep_default_na=False, na_values=[""], float_precision="round_trip")
    np.testing.assert_allclose(back["p_value"], table["p_value"], rtol=0, atol=0)  # full precision survives
    assert back["test"].isna().tolist() == table["test"].isna().tolist()


def test_added_propensity_covariates_and_sites_get_rows():
    """Covariates beyond the table's own rows (anti-MDA5 and baseline ferritin in Table 1, weight)
    get rows, and a cohort of several sites shows its patients per site; the default adds none."""
    from myoild.synth import generate_cohort, write_cohort
    from myoild.validate import validate_folder
    from myoild.derive import derive_cohort
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as folder:
        write_cohort(generate_cohort(seed=5, n_retrospective=60, n_prospective=20), Path(folder))
        tables = validate_folder(folder).tables
    tables["patients"] = tables["patients"].assign(
        site=np.where(np.arange(len(tables["patients"])) % 3 == 0, "Union", "Tongji")
    )
    analysis_set = derive_cohort(tables).analysis_set
    plain = table1(analysis_set, tables, "retrospective")
    extra = table1(analysis_set, tables, "retrospective", covariates=("age_years", "anti_mda5", "baseline_ferritin_ug_l", "weight_kg"))
    added = extra[~extra["characteristic"].isin(plain["characteristic"])]
    assert list(dict.fromkeys(added["characteristic"])) == ["anti_mda5", "ferritin_ug_l", "weight_kg"]
    sites = plain[plain["characteristic"] == "site"]  # several sites: shown whatever the covariates
    retro = analysis_set[(analysis_set["cohort"] == "retrospective") & analysis_set["included"]]
    assert sites["n_tacrolimus"].iloc[0] == (retro["group"] == "tacrolimus").sum()
    counts = sites.set_index("level")["tacrolimus"].str.split(" ").str[0].astype(int)
    assert counts.to_dict() == retro[retro["group"] == "tacrolimus"]["site"].value_counts().to_dict()
    one_site = {**tables, "patients": tables["patients"].assign(site="A")}
    assert "site" not in set(table1(derive_cohort(one_site).analysis_set, one_site, "retrospective")["characteristic"])


def test_table1_of_only_the_cohorts_rows_and_read_columns_is_the_same(tmp_path):
    """The table1 job reads only the cohort's rows and ``ANALYSIS_COLUMNS`` of the analysis set
    (``tabular.read_analysis_columns``), its included patients and ``INPUT_COLUMNS`` of the
    normalised tables (``tabular.read_patient_rows``): the tables are the same as from all of them."""
    from myoild.derive import derive_cohort
    from myoild.scales import analysed_patients
    from myoild.synth import generate_cohort, write_cohort
    from myoild.tables.table1 import ANALYSIS_COLUMNS, INPUT_COLUMNS
    from myoild.tabular import read_analysis_columns, read_patient_rows, write_parquet
    from myoild.validate import validate_folder

    write_cohort(generate_cohort(seed=3, n_retrospective=80, n_prospective=30), tmp_path / "raw")
    tables = validate_folder(tmp_path / "raw").tables
    analysis_set = derive_cohort(tables).analysis_set
    for name, table in {**tables, "analysis_set": analysis_set}.items():
        write_parquet(table, tmp_path / f"{name}.parquet")
    for cohort in ("retrospective", "prospective"):
        chosen = analysed_patients(analysis_set, cohort)["patient_id"]
        read = {name: read_patient_rows(tmp_path / f"{name}.parquet", columns, chosen) for name, columns in INPUT_COLUMNS.items()}
        assert len(read["patients"]) == len(chosen) and set(read["visits"].columns) <= set(INPUT_COLUMNS["visits"])
        covariates = ("age_years", "anti_mda5", "weight_kg", "site", "baseline_ferritin_ug_l")
        cohort_rows = read_analysis_columns(tmp_path / "analysis_set.parquet", ANALYSIS_COLUMNS, cohort)
        assert set(cohort_rows["cohort"]) == {cohort}
        pd.testing.assert_frame_equal(
            table1(cohort_rows, read, cohort, covariates=covariates), table1(analysis_set, tables, cohort, covariates=covariates)
        )
    assert len(read_patient_rows(tmp_path / "visits.parquet", ["patient_id"], [])) == 0
