"""The README's quick start, run as written by bash in a directory laid out like a fresh clone.

The directory has the repository's ``scripts/serve`` and this checkout's ``.venv`` (so the
first run does not reinstall), and no database: the server starts empty. The only change to
the text is the port, ``localhost:8000`` becoming a free one (``OMNI_PORT`` tells the server),
so that the test never collides with a server already running on 8000.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
from pathlib import Path

from tests.e2e.conftest import REPO_ROOT, clean_environment, free_port

README = REPO_ROOT / "README.md"


def quick_start() -> str:
    section = README.read_text().split("## Quick start", 1)[1]
    match = re.search(r"```bash\n(.*?)```", section, flags=re.S)
    assert match is not None, "no bash block in the Quick start section"
    return match.group(1)


def test_readme_quick_start_runs_as_written(tmp_path: Path) -> None:
    clone = tmp_path / "clone"
    (clone / "scripts").mkdir(parents=True)
    shutil.copy2(REPO_ROOT / "scripts" / "serve", clone / "scripts" / "serve")
    (clone / ".venv").symlink_to(REPO_ROOT / ".venv")
    port = free_port()
    script = "set -e\n" + quick_start().replace("localhost:8000", f"localhost:{port}")
    proc = subprocess.Popen(
        ["bash", "-c", script],
        cwd=clone,
        env=clean_environment(OMNI_PORT=str(port)),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        out, err = proc.communicate(timeout=120)
    finally:
        # Whatever the script left behind (the server, if ``kill %1`` was not reached).
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
    log = (clone / "omni.log").read_text(errors="replace") if (clone / "omni.log").exists() else ""
    assert proc.returncode == 0, f"stdout:\n{out}\nstderr:\n{err}\nserver log:\n{log}"
    assert '"role":"ASSISTANT"' in out and "AAPL" in out
    assert re.search(r'"status":"(queued|running)"', out), out
    assert '{"data":{"canceled":true}' in out, out
    assert (clone / "omni-data" / "omni.db").exists()
