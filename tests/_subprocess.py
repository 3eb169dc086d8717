"""Run Python code in a fresh interpreter that finds the same modules as the test's."""

from __future__ import annotations

import os
import subprocess
import sys


def run_python(code: str, *, timeout: float, **kwargs) -> subprocess.CompletedProcess:
    """``python -c code`` with this interpreter's ``sys.path``; raises when it fails.

    Output is captured; ``kwargs`` go to :func:`subprocess.run` (``input``, ``text``).
    """
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    return subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        capture_output=True,
        timeout=timeout,
        check=True,
        **kwargs,
    )
