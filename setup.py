"""Ship the top-level checklists/ and static/ folders inside the wheel.

They stay at the repository's top level (a lead officer edits checklists/ there, and
frontend/ rebuilds static/); building copies them into the package as ``fieldapp/_data/``,
where fieldapp.config.shipped() finds them once installed. Everything else is in
pyproject.toml.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
SHIPPED = ("checklists", "static")


class BuildWithData(build_py):
    """build_py, then a fresh copy of each shipped folder under fieldapp/_data/."""

    def run(self):
        super().run()
        if getattr(self, "editable_mode", False):
            return  # an editable install reads the folders where they are
        for name in SHIPPED:
            target = Path(self.build_lib) / "fieldapp" / "_data" / name
            shutil.rmtree(target, ignore_errors=True)  # nothing stale from an earlier build
            shutil.copytree(HERE / name, target)


setup(cmdclass={"build_py": BuildWithData})
