"""write_report: one self-contained HTML file with embedded PNGs and tables; never overwrites."""

from __future__ import annotations

import base64
import re

import numpy as np
import pandas as pd
import pytest
from matplotlib.image import imread

from engine.drift import drift_report
from engine.report import plot_confusion_matrix, plot_roc_curve, write_report
from tests.report._png import PNG_SIGNATURE


@pytest.fixture(scope="module")
def parts():
    rng = np.random.default_rng(0)
    y_true = rng.integers(0, 2, size=100)
    y_score = np.clip(0.3 * y_true + rng.uniform(0, 0.7, size=100), 0, 1)
    roc = plot_roc_curve(y_true, y_score)
    cm = plot_confusion_matrix(y_true, (y_score > 0.5).astype(int))
    metrics = pd.DataFrame({"metric": ["accuracy", "roc_auc"], "value": [0.8125, 0.9031]})
    ref = pd.DataFrame({"a": rng.normal(size=200), "b": rng.normal(size=200)})
    cur = ref.assign(b=ref["b"] + 1.0)
    return roc, cm, metrics, drift_report(ref, cur)


def _images(text: str) -> list[bytes]:
    return [base64.b64decode(m) for m in re.findall(r'src="data:image/png;base64,([^"]+)"', text)]


def test_report_embeds_images_tables_and_timings(parts, tmp_path):
    roc, cm, metrics, drift = parts
    out = write_report(
        tmp_path / "report.html",
        [
            ("Metrics", [metrics, roc, cm]),
            ("Drift", drift),
            ("Notes", "fit on <train> & scored on test"),
            ("Summary", {"rows": 100, "share drifted": 0.5}),
            ("Matrix", np.array([[41, 7], [9, 43]])),
        ],
        title="Demo <run>",
        timings={"fit": 1.25, "evaluate": 0.5},
    )
    text = out.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>")
    assert "<title>Demo &lt;run&gt;</title>" in text
    images = _images(text)
    assert len(images) == 2
    for data, fig in zip(images, (roc, cm), strict=True):
        assert data[:8] == PNG_SIGNATURE
        path = tmp_path / f"{id(fig)}.png"
        path.write_bytes(data)
        width, height = (fig.get_size_inches() * fig.dpi).round().astype(int)
        assert imread(path).shape[:2] == (height, width)
    assert "accuracy" in text and "0.8125" in text and "roc_auc" in text
    assert drift.summary() in text
    for column in drift.columns["column"]:
        assert f"<td>{column}</td>" in text
    assert "fit on &lt;train&gt; &amp; scored on test" in text
    assert "share drifted" in text
    assert '<td class="num">41</td>' in text and '<td class="num">43</td>' in text
    timings = text[text.index('id="timings"') :]
    assert "fit" in timings and "1.250" in timings and "report rendering" in timings
    order = [text.index(f"<h2>{name}</h2>") for name in ("Metrics", "Drift", "Notes", "Summary")]
    assert order == sorted(order)
    assert not re.search(r'(src|href)="(https?:)?//', text)


def test_summary_comes_first_with_statuses(parts, tmp_path):
    roc, *_ = parts
    out = write_report(
        tmp_path / "r.html",
        {"ROC": roc},
        summary={"Task": "binary <classification>", "AUC": 0.912345, "Drift": ("none", "ok")},
    )
    text = out.read_text()
    block = text[text.index('<dl class="summary">') : text.index("</dl>")]
    assert text.index('<dl class="summary">') < text.index("<h2>ROC</h2>")
    assert "<dt>Task</dt><dd>binary &lt;classification&gt;</dd>" in block
    assert "<dd>0.9123</dd>" in block
    assert '<div class="ok"><dt>Drift</dt><dd>none</dd></div>' in block
    with pytest.raises(ValueError, match=r"summary\['Drift'\].*status"):
        write_report(tmp_path / "bad.html", {"ROC": roc}, summary={"Drift": ("none", "green")})
    assert not (tmp_path / "bad.html").exists()


def test_tables_round_numbers_and_drop_a_default_index(tmp_path):
    frame = pd.DataFrame(
        {
            "column": ["age", "income"],
            "mean": [45.291634, 50597.123],
            "min": [-3811640.2, 4.4e-18],
            "p_value": [np.nan, 0.0123456],
            "drifted": [True, False],
        }
    )
    by_group = pd.DataFrame(
        {"rate": [0.389447, 0.358209]}, index=pd.Index(["f", "m"], name="gender")
    )
    text = write_report(tmp_path / "t.html", {"T": [frame, by_group]}).read_text()
    assert '<td class="text">age</td>' in text and '<td class="num">45.29</td>' in text
    assert '<td class="num">50,597</td>' in text and '<td class="num">-3,811,640</td>' in text
    assert '<td class="num">4.40e-18</td>' in text and '<td class="missing">–</td>' in text
    assert '<td class="flag">yes</td>' in text and '<td class="text">no</td>' in text
    assert '<th class="text">0</th>' not in text  # the 0..n-1 index is left out
    assert '<th class="text">gender</th>' in text and '<th class="text">f</th>' in text
    assert '<td class="num">0.3894</td>' in text


def test_consecutive_figures_share_a_row(parts, tmp_path):
    roc, cm, metrics, _ = parts
    text = write_report(tmp_path / "f.html", {"Model": [metrics, roc, cm, "note", roc]}).read_text()
    rows = re.findall(r'<div class="figures">(.*?)</div>', text, flags=re.S)
    assert [row.count("<img ") for row in rows] == [2, 1]


def test_report_refuses_to_overwrite(parts, tmp_path):
    roc, *_ = parts
    target = tmp_path / "mine.html"
    target.write_text("my notes")
    with pytest.raises(FileExistsError, match="mine.html"):
        write_report(target, {"ROC": roc})
    assert target.read_text() == "my notes"
    write_report(target, {"ROC": roc}, overwrite=True)
    assert len(_images(target.read_text())) == 1


def test_report_bad_items(tmp_path):
    with pytest.raises(TypeError, match=r"Stuff\[1\].*object"):
        write_report(tmp_path / "bad.html", {"Stuff": ["ok", object()]})
    with pytest.raises(ValueError, match="PNG"):
        write_report(tmp_path / "bad2.html", {"Image": b"GIF89a"})
    with pytest.raises(TypeError, match="pair"):
        write_report(tmp_path / "bad3.html", ["just a title"])
    assert not (tmp_path / "bad.html").exists()
