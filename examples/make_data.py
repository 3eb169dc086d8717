"""Write the small example tables the specs in this folder read (deterministic, seeded).

Shaped like the R datasets users try first: ``default.csv`` (ISLR ``Default``:
"Yes"/"No" target, a student flag, balance and income), ``flowers.csv`` (``iris``:
three species as strings, written by R's ``write.csv`` with its row-name column)
and ``prices.csv`` (``diamonds``: a price, carat, cut grades, a sale date and a
listing ID). Run from the repository root: ``python examples/make_data.py``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd


def default_table(rows: int = 600, seed: int = 0) -> pd.DataFrame:
    """Binary "Yes"/"No" target driven by balance and student status."""
    rng = np.random.default_rng(seed)
    student = rng.random(rows) < 0.3
    balance = rng.gamma(4.0, 250.0, rows)
    income = rng.normal(40_000, 12_000, rows) - 15_000 * student
    logit = (balance - 1_200) / 250 - 0.5 * student
    default = rng.random(rows) < 1 / (1 + np.exp(-logit))
    return pd.DataFrame(
        {
            "default": np.where(default, "Yes", "No"),
            "student": np.where(student, "Yes", "No"),
            "balance": balance.round(2),
            "income": income.round(2),
        }
    )


def flowers_table(rows_per_class: int = 50, seed: int = 0) -> pd.DataFrame:
    """Three species (strings) with four measurements; R row names 1..n in the first column."""
    rng = np.random.default_rng(seed)
    centres = {
        "setosa": (5.0, 3.4, 1.5, 0.25),
        "versicolor": (5.9, 2.8, 4.3, 1.3),
        "virginica": (6.6, 3.0, 5.5, 2.0),
    }
    parts = [
        pd.DataFrame(
            rng.normal(centre, 0.35, (rows_per_class, 4)).round(1),
            columns=["Sepal.Length", "Sepal.Width", "Petal.Length", "Petal.Width"],
        ).assign(Species=species)
        for species, centre in centres.items()
    ]
    table = pd.concat(parts, ignore_index=True)
    table.index = pd.RangeIndex(1, len(table) + 1)  # R's row names
    return table


def prices_table(rows: int = 500, seed: int = 0) -> pd.DataFrame:
    """A price (whole dollars) from carat and cut; a sale date and a listing ID beside."""
    rng = np.random.default_rng(seed)
    cuts = np.array(["Fair", "Good", "Very Good", "Premium", "Ideal"])
    cut = rng.integers(0, len(cuts), rows)
    carat = rng.gamma(2.0, 0.4, rows).round(2)
    sold = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 365, rows), unit="D")
    price = np.maximum(3_000 * carat + 250 * cut + rng.normal(0, 300, rows), 300.0)
    price = price.round().astype(np.int64)
    return pd.DataFrame(
        {
            "listing_id": [f"L{n:06d}" for n in rng.permutation(rows) + 1],
            "sold": sold.strftime("%Y-%m-%d"),
            "carat": carat,
            "cut": cuts[cut],
            "price": price,
        }
    )


def write_examples(folder: str | Path) -> dict[str, Path]:
    """Write the three tables as CSV into ``folder``; return their paths."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = {name: folder / f"{name}.csv" for name in ("default", "flowers", "prices")}
    default_table().to_csv(paths["default"], index=False)
    flowers_table().to_csv(paths["flowers"], index_label="")  # as R's write.csv
    prices_table().to_csv(paths["prices"], index=False)
    return paths


if __name__ == "__main__":
    for path in write_examples(sys.argv[1] if len(sys.argv) > 1 else "examples/data").values():
        print(path)
