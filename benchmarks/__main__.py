"""``python -m benchmarks [--quick] [--only NAME ...] [--scheduler ADDRESS]``: the benchmark suite."""

import sys
from pathlib import Path

# The scripts import their helpers as top-level modules (``from _harness import ...``),
# as they do when run on their own; the suite uses the same modules the same way.
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _suite import main  # noqa: E402

raise SystemExit(main())
