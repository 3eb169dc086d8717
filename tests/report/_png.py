"""Checks that a file is a real, non-blank PNG of a figure's size."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.image import imread

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def assert_real_png(path: Path, fig) -> np.ndarray:
    data = Path(path).read_bytes()
    assert data[:8] == PNG_SIGNATURE
    pixels = imread(path)
    width, height = (fig.get_size_inches() * fig.dpi).round().astype(int)
    assert pixels.shape[:2] == (height, width)
    assert pixels[..., :3].var() > 0
    return pixels
