"""Node.js for the tests that use Microsoft's own JavaScript tools (the Agents Playground, adaptivecards)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest


def node_or_skip() -> str:
    """The node binary; in CI (CI=true) a missing node fails the test instead of skipping it."""
    node = shutil.which("node")
    if node is None or shutil.which("npm") is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("node and npm are needed for the Teams tests against Microsoft's tools (CI=true)")
        pytest.skip("node/npm not installed: the Teams tests against Microsoft's tools need Node.js 18 or newer")
    return node


def npm_install(folder: Path) -> None:
    """Install the pinned packages of `folder` from its lock file, once."""
    if (folder / "node_modules").is_dir():
        return
    result = subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=folder, capture_output=True, text=True, timeout=600)
    if result.returncode != 0:
        raise RuntimeError(f"npm ci in {folder} failed:\n{result.stdout}\n{result.stderr}")
