"""Every notebook in notebooks/ runs top to bottom without error (executed, not read).

A notebook's cell tagged ``parameters`` holds the sizes a user runs it with;
the test inserts a cell after it with smaller ones (papermill's convention),
so the suite stays quick while every cell still runs.
"""

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))
WIDGET = "application/vnd.jupyter.widget-view+json"


def notebook_parameters(tmp_path) -> dict[str, dict]:
    return {
        "benchmarking.ipynb": {"REPO": REPO, "ONLY": ["split"], "RESULTS": tmp_path / "results"},
        "cluster_batch.ipynb": {
            "ROWS": 60_000,
            "PARTITIONS": 4,
            "WORKER_MEMORY": "1GiB",
            "WORKDIR": tmp_path / "batch",
        },
    }


def _inject(notebook, parameters: dict) -> None:
    if not parameters:
        return
    index = next(
        i for i, c in enumerate(notebook.cells) if "parameters" in c.metadata.get("tags", [])
    )
    lines = ["from pathlib import Path, PosixPath"]
    lines += [f"{name} = {value!r}" for name, value in parameters.items()]
    cell = nbformat.v4.new_code_cell("\n".join(lines), metadata={"tags": ["injected-parameters"]})
    notebook.cells.insert(index + 1, cell)


def _outputs(notebook):
    return [out for c in notebook.cells if c.cell_type == "code" for out in c.outputs]


def test_there_are_notebooks():
    assert {p.name for p in NOTEBOOKS} >= {
        "quickstart.ipynb",
        "interactive_analysis.ipynb",
        "cluster_batch.ipynb",
        "benchmarking.ipynb",
    }


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_executes(path, tmp_path):
    notebook = nbformat.read(path, as_version=4)
    assert not any(cell.get("outputs") for cell in notebook.cells if cell.cell_type == "code"), (
        f"{path.name} is committed with outputs"
    )
    _inject(notebook, notebook_parameters(tmp_path).get(path.name, {}))
    NotebookClient(
        notebook,
        timeout=300,
        kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path)}},
    ).execute()
    outputs = _outputs(notebook)
    assert any("image/png" in out.get("data", {}) for out in outputs), f"{path.name}: no plot"
    if path.name == "interactive_analysis.ipynb":  # the search's progress bar is a widget
        assert any(WIDGET in out.get("data", {}) for out in outputs)
