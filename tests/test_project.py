"""The project's set-up files agree with each other and with the README."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml
from packaging.requirements import Requirement

ROOT = Path(__file__).parent.parent
# conda-forge names that differ from the PyPI name of the same package.
CONDA_TO_PYPI = {"playwright-python": "playwright"}


def pyproject_requirements() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    listed = project["dependencies"] + project["optional-dependencies"]["dev"]
    return {Requirement(r).name.lower(): str(Requirement(r).specifier) for r in listed}


def conda_requirements() -> tuple[dict[str, str], list[str]]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda, pip = {}, []
    for entry in env["dependencies"]:
        if isinstance(entry, dict):
            pip += entry["pip"]
            continue
        name, spec = re.match(r"([A-Za-z0-9_.\-]+)\s*(.*)", entry).groups()
        name = CONDA_TO_PYPI.get(name.lower(), name.lower())
        conda[name] = spec.replace(" ", "")
    return conda, pip


def test_environment_yml_and_pyproject_list_the_same_packages():
    conda, pip = conda_requirements()
    assert conda.pop("python") == ">=3.11"
    assert conda.pop("pip") == ""
    wanted = {name: str(Requirement(f"x{spec}").specifier) for name, spec in conda.items()}
    assert wanted == pyproject_requirements()
    assert pip == ["--editable ."], "the conda environment must install the course package too"


def test_python_floor_agrees():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["requires-python"] == ">=3.11"


def test_readme_starts_with_the_two_commands_and_ci_runs_the_test_one():
    readme = (ROOT / "README.md").read_text()
    first_block = re.search(r"```(?:bash|sh)?\n(.*?)```", readme, re.S).group(1)
    assert "git clone" in first_block
    assert "make lab" in first_block and "make test" in first_block
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_makefile_has_the_documented_targets():
    makefile = (ROOT / "Makefile").read_text()
    for target in ("lab", "test", "execute"):
        assert re.search(rf"^{target}:", makefile, re.M), target
    assert "--ip=127.0.0.1" in makefile
