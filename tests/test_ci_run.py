""".ci/run installs what the browser tests need from Debian when it is missing: chromium and chromium-driver.
Checked through the script's --print-apt-needs, which lists the packages it would install and stops there."""
from __future__ import annotations

import os
import subprocess

from tests.conftest import ROOT

SCRIPT = ROOT / ".ci" / "run"


def apt_needs(**paths: str) -> list[str]:
    env = {**os.environ, **paths}
    result = subprocess.run([str(SCRIPT), "--print-apt-needs"], env=env, capture_output=True, text=True, timeout=30,
                            check=False)
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


def test_a_missing_chromium_and_driver_are_installed_from_debian(tmp_path):
    needs = apt_needs(DRAFTER_CI_CHROMIUM=str(tmp_path / "no-chromium"),
                      DRAFTER_CI_CHROMEDRIVER=str(tmp_path / "no-chromedriver"))
    assert "chromium" in needs and "chromium-driver" in needs


def test_present_ones_are_left_alone(tmp_path):
    for name in ("chromium", "chromedriver"):
        (tmp_path / name).write_text("#!/bin/sh\n")
        (tmp_path / name).chmod(0o755)
    needs = apt_needs(DRAFTER_CI_CHROMIUM=str(tmp_path / "chromium"),
                      DRAFTER_CI_CHROMEDRIVER=str(tmp_path / "chromedriver"))
    assert "chromium" not in needs and "chromium-driver" not in needs


def test_only_the_driver_missing_installs_only_the_driver(tmp_path):
    (tmp_path / "chromium").write_text("#!/bin/sh\n")
    (tmp_path / "chromium").chmod(0o755)
    needs = apt_needs(DRAFTER_CI_CHROMIUM=str(tmp_path / "chromium"),
                      DRAFTER_CI_CHROMEDRIVER=str(tmp_path / "chromedriver"))
    assert "chromium-driver" in needs and "chromium" not in needs
