"""Tools that are not the product (benchmarks, load tests) live in tools/, apart from the
apps: installed only outside production and left out of the production image."""

import re
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TOOL_COMMANDS = {"benchmark", "load_test", "bench_reminders"}
PRODUCTION = {
    "DJANGO_ENV": "production",
    "SECRET_KEY": "x" * 64,
    "ALLOWED_HOSTS": "alianzas.example.pe",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/alianzas",
}


def commands(env: dict, tmp_path) -> set[str]:
    """The command names ``manage.py help`` lists in that environment."""
    result = subprocess.run(
        [sys.executable, "manage.py", "help"],
        cwd=ROOT,
        env={
            "PATH": "/usr/bin:/bin",
            "HOME": str(tmp_path),
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "ALIANZAS_VAR_DIR": str(tmp_path),
            **env,
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return set(re.findall(r"^ {4}(\w+)$", result.stdout, re.MULTILINE))


def test_production_lists_no_tool_but_keeps_the_demo_and_the_reminders(tmp_path):
    listed = commands(PRODUCTION, tmp_path)

    assert not listed & TOOL_COMMANDS
    assert {"seed_demo", "send_reminders", "migrate"} <= listed


def test_development_lists_the_tools(tmp_path):
    assert commands({}, tmp_path) >= TOOL_COMMANDS | {"seed_demo", "send_reminders"}


def test_the_production_image_leaves_tools_out():
    ignored = (ROOT / ".dockerignore").read_text().split("\n")
    assert "tools" in [line.strip().strip("/") for line in ignored]
    packages = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    assert not any(name.startswith("tools") for name in packages["packages"]["find"]["include"])
    instructions = [
        line
        for line in (ROOT / "Dockerfile").read_text().splitlines()
        if not line.lstrip().startswith("#")
    ]
    assert not any("tools" in line for line in instructions)


def test_the_tools_are_in_tools_and_no_app_imports_them():
    tools = ROOT / "tools" / "management" / "commands"
    assert {path.stem for path in tools.glob("*.py")} >= TOOL_COMMANDS
    assert (ROOT / "tools" / "reliability_report.py").exists()
    for app in ("config", "alianzas", "fases", "seguimiento"):
        for path in (ROOT / app).rglob("*.py"):
            assert not re.search(r"^\s*(from|import) tools\b", path.read_text(), re.MULTILINE), path
            if path.parent.name == "commands":
                assert path.stem not in TOOL_COMMANDS, path
