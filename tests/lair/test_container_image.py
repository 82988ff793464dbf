"""The container image holds every package of the project (Dockerfile).

There is no container engine in the test run; the file itself is checked:
an app added to INSTALLED_APPS but not copied into the image breaks every
deployment while every other test passes.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from django.apps import apps

ROOT = Path(__file__).resolve().parents[2]


def copied_folders() -> set[str]:
    dockerfile = (ROOT / "Dockerfile").read_text()
    return {m[1] for m in re.finditer(r"^COPY\s+(\S+)\s+\./\1/?\s*$", dockerfile, re.M)}


def test_every_app_of_the_project_is_copied_into_the_image():
    ours = {
        config.name.split(".")[0]
        for config in apps.get_app_configs()
        if Path(config.path).resolve().parent == ROOT
    }
    assert ours - copied_folders() == set()


def test_every_installed_package_is_copied_before_pip_installs_it():
    packages = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"][
        "packages"
    ]["find"]["include"]
    dockerfile = (ROOT / "Dockerfile").read_text()
    install = dockerfile.index("pip install")
    for pattern in packages:
        name = pattern.rstrip("*")
        assert re.search(rf"^COPY\s+{name}\s", dockerfile[:install], re.M), name
