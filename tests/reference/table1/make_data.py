"""Writes data.csv, the fixed data set of the Table 1 test reference (run once; kept for provenance).

Then ``Rscript reference.R`` writes reference.json from it. Group A has 60 patients, B 45, so a
test on all rows of ``cont`` uses the normal approximation (60 >= 50) and one on the first 20 A
and 15 B rows (column ``small``) is exact.
"""

from pathlib import Path

import numpy as np
import pandas as pd

rng = np.random.default_rng(978429)
group = np.array(["A"] * 60 + ["B"] * 45)
n = len(group)
is_a = group == "A"
data = pd.DataFrame(
    {
        "group": group,
        "small": np.concatenate([np.arange(60) < 20, np.arange(45) < 15]),
        # continuous without ties
        "cont": np.round(np.where(is_a, rng.normal(51.6, 11.3, n), rng.normal(55.9, 10.7, n)), 3),
        # integer scores with many ties
        "score": np.where(is_a, rng.integers(0, 8, n), rng.integers(1, 10, n)),
        # binary, every expected count >= 5
        "bin_big": (rng.random(n) < np.where(is_a, 0.6, 0.4)).astype(int),
        # binary with a rare level: expected counts under 5
        "bin_small": (rng.random(n) < np.where(is_a, 0.02, 0.12)).astype(int),
        # three levels, expected counts >= 5
        "cat3_big": rng.choice(["DM", "PM", "CADM"], n, p=[0.5, 0.3, 0.2]),
        # three levels with a rare one
        "cat3_small": np.where(is_a, rng.choice(["DM", "PM", "CADM"], n, p=[0.7, 0.28, 0.02]), rng.choice(["DM", "PM", "CADM"], n, p=[0.5, 0.3, 0.2])),
        # six levels (HRCT patterns), used on the small subset
        "cat6": rng.choice(["NSIP", "UIP", "OP", "NSIP+OP", "AIP", "unclassifiable"], n, p=[0.5, 0.1, 0.1, 0.15, 0.1, 0.05]),
    }
)  # fmt: skip
data.to_csv(Path(__file__).with_name("data.csv"), index=False, lineterminator="\n")
