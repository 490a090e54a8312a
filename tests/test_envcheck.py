import tomllib
from pathlib import Path

from packaging.requirements import Requirement

from workerlab.lab.envcheck import _version_tuple, check_environment, required_packages

ROOT = Path(__file__).parent.parent


def test_report_lists_python_cores_and_packages():
    report = check_environment(cores=4)
    names = [name for name, _ in report.rows]
    assert names[:3] == ["Python", "CPU cores", "GIL"]
    assert {"jupyterlab", "ipywidgets", "matplotlib", "tqdm"} <= set(names)
    assert dict(report.rows)["CPU cores"] == "4"


def test_the_check_lists_every_runtime_package_of_pyproject_with_its_floor():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = {}
    for line in project["dependencies"]:
        requirement = Requirement(line)
        (floor,) = [s.version for s in requirement.specifier if s.operator == ">="]
        wanted[requirement.name] = _version_tuple(floor)
    assert required_packages() == wanted
    names = [name for name, _ in check_environment(cores=2).rows]
    assert names[3:] == list(wanted)


def test_this_environment_is_fine():
    report = check_environment(cores=2)
    assert report.ok, report.warnings
    assert str(report).endswith("All good: this machine can run every lesson.")


def test_warns_clearly_about_old_python_and_one_core():
    report = check_environment(version_info=(3, 9), cores=1)
    assert not report.ok
    text = str(report)
    assert "WARNING: Python 3.9 is too old" in text
    assert "only 1 CPU core" in text


def test_version_tuple_handles_suffixes():
    assert _version_tuple("8.1.5") == (8, 1, 5)
    assert _version_tuple("4.70.1.dev3") == (4, 70, 1)
    assert _version_tuple("3.11rc1") == (3, 11)
