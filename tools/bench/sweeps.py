"""The reminder sweep at growing numbers of commitments (``bench_reminders --json``), each
size in a database of its own (``<name>_sweep_<size>``, kept between runs: ``seed_demo``
only ever adds rows, so one database cannot go back to a smaller size) and each sweep in a
process of its own, so that its peak memory is its own."""

import json
import os
import subprocess
import sys

from django.conf import settings
from django.core.management.base import CommandError
from django.db import connection

from tools.bench.data import ensure_database


def sweeps(sizes: list[int], out) -> list[dict]:
    url = os.environ["DATABASE_URL"].rstrip("/")
    server, name = url.rsplit("/", 1)
    manage = [sys.executable, "manage.py"]
    results = []
    for size in sorted(sizes):
        database = f"{name}_sweep_{size}"
        ensure_database({**connection.settings_dict, "NAME": database})
        env = {**os.environ, "DATABASE_URL": f"{server}/{database}"}
        subprocess.run([*manage, "migrate", "-v0"], cwd=settings.BASE_DIR, env=env, check=True)
        out(f"Reminder sweep over {size:,} commitments…")
        finished = subprocess.run(
            [*manage, "bench_reminders", "--commitments", str(size), "--json"],
            cwd=settings.BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
        )
        if finished.returncode:
            raise CommandError(finished.stderr)
        results.append(json.loads(finished.stdout.strip().splitlines()[-1]))
    return results
