"""Dockerfile, docker-compose.yml, requirements.lock and the CI workflow: they parse, name only
files and commands that exist, and the compose services' commands answer as local processes."""

import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement

from engine.cli import build_parser
from tests.conftest import _free_port

REPO = Path(__file__).resolve().parents[1]
LOCK_EXTRAS = ("serve", "mlflow", "jupyter")


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load((REPO / "docker-compose.yml").read_text())["services"]


def _lock() -> dict[str, str]:
    pins = {}
    for line in (REPO / "requirements.lock").read_text().splitlines():
        if line and not line.startswith("#"):
            name, version = line.split("==")
            pins[name] = version
    return pins


def test_the_image_copies_only_files_that_exist():
    dockerfile = (REPO / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.11-slim$", dockerfile, re.M)
    assert re.search(r"^USER engine$", dockerfile, re.M)  # not root
    copied = [p for line in re.findall(r"^COPY (.+) \S+$", dockerfile, re.M) for p in line.split()]
    assert copied and all((REPO / p).exists() for p in copied), copied
    assert "pip install --no-deps -r requirements.lock" in dockerfile
    # the kernels are compiled at build time, after the engine is installed, before USER
    warm = dockerfile.index("RUN engine warmup")
    assert dockerfile.index("ENV ENGINE_KERNEL_CACHE=") < warm < dockerfile.index("USER engine")
    assert dockerfile.index("RUN pip install --no-deps .") < warm


def test_the_lock_pins_every_dependency_within_pyproject():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    wanted = list(project["dependencies"])
    for extra in LOCK_EXTRAS:
        wanted += project["optional-dependencies"][extra]
    pins = _lock()
    for requirement in map(Requirement, wanted):
        name = requirement.name.lower()
        assert name in pins, f"{name} is not in requirements.lock: run make lock"
        assert requirement.specifier.contains(pins[name]), (name, pins[name])


def test_compose_services_build_this_image_and_run_existing_commands(compose):
    assert set(compose) == {"scheduler", "worker", "jupyter", "serve"}
    assert compose["worker"]["deploy"]["replicas"] == 2
    for name, service in compose.items():
        assert service["build"] == "." and (REPO / "Dockerfile").exists(), name
        command = service["command"]
        if command[0] == "engine":
            build_parser().parse_args(command[1:])  # exits on an unknown command or option
        elif command[0] == "jupyter":
            assert "jupyterlab" in _lock()  # installed in the image; not a dev dependency here
        else:
            assert command[0] == "dask" and shutil.which("dask", path=Path(sys.executable).parent)


def _local(command: list[str], options: dict[str, str], values=None) -> list[str]:
    """A compose command pointed at this machine: ``options`` flag -> new value, ``values`` old -> new."""
    out = [str(Path(sys.executable).with_name(command[0]))]
    for before, word in zip(command, command[1:], strict=False):
        out.append(options.get(before, (values or {}).get(word, word)))
    return out


def test_scheduler_and_a_worker_joining_it_answer_as_local_processes(compose, tmp_path):
    """(The serve service's command is the server of tests/serve/test_serve.py.)"""
    from distributed import Client

    port = str(_free_port())
    address = f"tcp://127.0.0.1:{port}"
    env = dict(os.environ, DASK_DISTRIBUTED__WORKER__DAEMON="true")
    scheduler = _local(
        compose["scheduler"]["command"],
        {"--host": "127.0.0.1", "--port": port, "--dashboard-address": ":0"},
    )
    worker = _local(
        compose["worker"]["command"], {"--memory-limit": "1GiB"}, {"tcp://scheduler:8786": address}
    )
    processes = [subprocess.Popen(scheduler, cwd=tmp_path, env=env, stderr=subprocess.DEVNULL)]
    try:
        processes.append(subprocess.Popen(worker, cwd=tmp_path, env=env, stderr=subprocess.DEVNULL))
        with Client(address, timeout=60) as client:
            client.wait_for_workers(1, timeout=60)
            assert client.submit(sum, [1, 2]).result() == 3
    finally:
        for process in reversed(processes):
            process.terminate()
            process.wait(timeout=30)


def test_ci_runs_the_readme_test_command_and_the_linter():
    workflow = yaml.safe_load((REPO / ".github" / "workflows" / "ci.yml").read_text())
    triggers = workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` as true
    assert {"push", "pull_request"} <= set(triggers)
    runs = [s["run"] for job in workflow["jobs"].values() for s in job["steps"] if "run" in s]
    assert "make test" in runs and "make lint" in runs
    assert "make test" in (REPO / "README.md").read_text()
    targets = set(re.findall(r"^([a-z]+):", (REPO / "Makefile").read_text(), re.M))
    assert {"test", "lint"} <= targets
