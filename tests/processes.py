"""The project's Python in a process of its own, for what a test's process cannot show:
settings read when Django starts, a worker's first imports, `make run`'s commands, a part of
the suite on another database. Each test gives the whole environment and checks the
outcome itself."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def bare_environment(home: Path) -> dict[str, str]:
    """Nothing of this process's environment: the system's commands, a home of its own and
    the project's settings. A test adds what it is about."""
    return {
        "PATH": "/usr/bin:/bin",
        "HOME": str(home),
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }


def run_python(
    args: list[str], env: dict[str, str], *, cwd: Path = ROOT, timeout: float = 120
) -> subprocess.CompletedProcess:
    """``python *args`` (``["-c", code]``, ``["manage.py", …]``, ``["-m", "pytest", …]``)
    with this interpreter, in ``cwd``, its output captured as text."""
    return subprocess.run(
        [sys.executable, *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
