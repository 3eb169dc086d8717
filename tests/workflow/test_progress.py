"""The workflow's task progress bar: text on a terminal, nothing when off or short."""

import re

import dask.array as da
import numpy as np

from engine.workflow._progress import progress_bar


def test_bar_counts_every_task_of_a_local_computation(capsys):
    x = da.ones(100, chunks=10)
    with progress_bar(True, minimum=0):
        total = (x + 1).sum().compute()
    assert total == 200
    err = capsys.readouterr().err
    done = re.findall(r"tasks: 100%\|\S+\| (\d+)/(\d+) ", err)
    assert len(done) == 1 and done[0][0] == done[0][1] and int(done[0][0]) >= 10  # >= 10 chunks


def test_no_bar_when_disabled_on_a_cluster_or_under_the_minimum(capsys):
    x = da.from_array(np.arange(10), chunks=5)
    for kwargs in ({"enabled": False}, {"enabled": True, "client": object()}, {"enabled": True}):
        with progress_bar(**kwargs):
            x.sum().compute()
    assert capsys.readouterr().err == ""
