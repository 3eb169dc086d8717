"""The ``engine`` command's ``warmup`` subcommand."""

from __future__ import annotations

import engine
from engine.cli import build_parser, main


def test_warmup_command_reports_the_cache(capsys):
    engine.warmup()
    assert main(["warmup"]) == 0
    out = capsys.readouterr().out
    assert "kernel cache" in out and "already warm" in out


def test_warmup_command_takes_a_cache_dir(tmp_path):
    args = build_parser().parse_args(["warmup", "--cache-dir", str(tmp_path), "--force"])
    assert args.cache_dir == tmp_path and args.force
