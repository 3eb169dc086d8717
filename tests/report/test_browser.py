"""The HTML report in a real browser (headless Chromium): offline, no errors, images decode."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from engine.report import plot_confusion_matrix, plot_roc_curve, write_report
from tests.headless import problems


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    rng = np.random.default_rng(0)
    y_true = rng.integers(0, 2, size=200)
    y_score = np.clip(0.3 * y_true + rng.uniform(0, 0.7, size=200), 0, 1)
    metrics = pd.DataFrame({"metric": ["accuracy", "roc_auc"], "value": [0.8125, 0.903123]})
    path = tmp_path_factory.mktemp("report") / "report.html"
    return write_report(
        path,
        [
            ("Metrics", [metrics, plot_roc_curve(y_true, y_score)]),
            ("Confusion", plot_confusion_matrix(y_true, (y_score > 0.5).astype(int))),
            ("Notes", "scored on the test part"),
            ("Facts", {"rows": 200, "share": 0.25}),
        ],
        title="Browser check",
        summary={"Task": "binary classification", "AUC": (0.903123, "ok")},
        timings={"fit": 1.25},
    )


def test_report_loads_offline_without_errors(chromium, report, tmp_path):
    visit = chromium.visit(report)
    assert problems(visit) == []
    assert visit.requests[0] == report.resolve().as_uri()  # the page itself, from its file
    assert [i["alt"] for i in visit.images] == ["Metrics[1]", "Confusion[0]"]
    assert all(i["width"] > 100 and i["height"] > 100 for i in visit.images)
    structure = visit.structure
    assert structure["title"] == "Browser check"
    assert [h["text"] for h in structure["headings"]] == [
        "Browser check",
        "Metrics",
        "Confusion",
        "Notes",
        "Facts",
        "Timings",
    ]
    assert structure["tables"] == 3 and structure["tableRows"] == [3, 2, 3]
    assert structure["text"].index("binary classification") < structure["text"].index("Metrics")
    (tmp_path / "report.png").write_bytes(visit.screenshot)  # a real PNG of the whole page
    assert visit.screenshot[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_broken_page_is_caught(chromium, tmp_path):
    """The checks can fail: a remote image, a broken image and a script error are all reported."""
    page = tmp_path / "broken.html"
    page.write_text(
        "<!DOCTYPE html><html><head><title>broken</title></head><body>"
        '<img alt="remote" src="http://example.invalid/x.png">'
        '<img alt="corrupt" src="data:image/png;base64,iVBORw0KGgoAAAA">'
        "<script>console.error('boom'); undefinedFunction();</script></body></html>"
    )
    found = "\n".join(problems(chromium.visit(page)))
    assert "network request http://example.invalid/x.png" in found
    assert "boom" in found and "undefinedFunction" in found
    assert "'remote' did not decode" in found and "'corrupt' did not decode" in found
