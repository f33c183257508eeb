"""The wheel must carry everything the installed program reads at run time."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from conftest import REPO


@pytest.mark.slow
def test_wheel_carries_bundled_data(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps",
         "-w", str(tmp_path), str(REPO)],
        check=True, capture_output=True, timeout=300,
    )
    (wheel,) = tmp_path.glob("toolcoder_repl-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = [
        "toolcoder_repl/bundled/tools/tmdb/manifest.yaml",
        "toolcoder_repl/bundled/tools/spotify/manifest.yaml",
        "toolcoder_repl/sandbox/child/bootstrap.py",
    ]
    for name in expected:
        assert name in names, f"{name} missing from the wheel"
    assert any(n.startswith("toolcoder_repl/bundled/themes/") for n in names), "no themes in wheel"
    assert any(n.startswith("toolcoder_repl/coder/prompts/") and n.endswith(".txt") for n in names)
    assert any(n.startswith("toolcoder_repl/evals/apibank/data/") for n in names)
