"""Write the figures of a `make reliability` run into docs/reliability.md.

    python tools/reliability_report.py --junit tests.xml --load load.json \
        --database postgres://... --doc docs/reliability.md

Replaces what lies between the ``<!-- results:start -->`` and ``<!-- results:end -->``
markers with the machine, the tests' outcomes (from pytest's JUnit XML) and the load
test's figures (from ``manage.py load_test --json``); the rest of the document is prose.
"""

import argparse
import datetime
import json
import os
import platform
import re
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import psycopg2

START, END = "<!-- results:start -->", "<!-- results:end -->"


def machine(database: str) -> list[str]:
    memory = "?"
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        kib = int(re.search(r"MemTotal:\s+(\d+)", meminfo.read_text()).group(1))
        memory = f"{kib / 1024 / 1024:.1f} GiB"
    with psycopg2.connect(database) as connection, connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgres = cursor.fetchone()[0]
    return [
        f"- Run: {datetime.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}",
        f"- Machine: {os.cpu_count()} CPUs (`nproc`), {memory} RAM, {platform.platform()}",
        f"- Python {platform.python_version()}, PostgreSQL {postgres}",
    ]


def tests(junit: Path) -> list[str]:
    lines = ["| test | result | seconds |", "| --- | --- | ---: |"]
    # pytest's own JUnit file from this run (make reliability), not input from anyone else.
    for case in ElementTree.parse(junit).iter("testcase"):  # nosec B314 - our own file
        outcome = "passed"
        for tag in ("failure", "error", "skipped"):
            if case.find(tag) is not None:
                outcome = {"failure": "**failed**", "error": "**error**"}.get(tag, "skipped")
        name = f"{case.get('classname', '').rsplit('.', 1)[-1]}::{case.get('name')}"
        lines.append(f"| `{name}` | {outcome} | {float(case.get('time', 0)):.1f} |")
    return lines


def load(summary: dict) -> list[str]:
    latency = summary["latency_ms"]
    roles = ", ".join(f"{n} {r}s" for r, n in summary["roles"].items())
    lines = [
        f"{summary['users']} simulated people ({roles}), signed in first, then for"
        f" {summary['seconds']} s against `{summary['url']}`:",
        "",
        "| measure | value |",
        "| --- | ---: |",
        f"| requests | {summary['requests']} ({summary['per_second']}/s) |",
    ]
    lines += [f"| HTTP {status} | {count} |" for status, count in summary["statuses"].items()]
    lines += [
        f"| **5xx responses** | **{summary['server_errors']}** |",
        f"| requests without a response | {summary['no_response']} |",
        f"| latency median / p95 / max (ms) | {latency['median']} / {latency['p95']} /"
        f" {latency['max']} |",
    ]
    for kind, writes in summary["writes"].items():
        lines.append(
            f"| {kind} writes acknowledged / found in the database | {writes['acknowledged']}"
            f" / {writes['found']} |"
        )
        lines.append(
            f"| {kind} writes refused or unanswered (of which stored) |"
            f" {writes['not acknowledged']} ({writes['not acknowledged but stored']}) |"
        )
    lines += [
        f"| **lost writes** | **{summary['lost_writes']}** |",
        f"| commitments whose progress is not their latest update's |"
        f" {summary['inconsistent_commitments']} |",
        "",
        "Requests by action and status:",
        "",
        "| action | statuses |",
        "| --- | --- |",
    ]
    for action, counts in summary["by_action"].items():
        shown = ", ".join(f"{status}: {count}" for status, count in counts.items())
        lines.append(f"| {action} | {shown} |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--junit", type=Path, required=True)
    parser.add_argument("--load", type=Path, required=True)
    parser.add_argument("--database", required=True)
    parser.add_argument("--doc", type=Path, default=Path("docs/reliability.md"))
    arguments = parser.parse_args()

    section = [START, "", "### Machine", "", *machine(arguments.database), ""]
    section += ["### Concurrency and fault tests", "", *tests(arguments.junit), ""]
    section += ["### Load test", ""]
    if arguments.load.exists():
        section += load(json.loads(arguments.load.read_text()))
    else:
        section.append("The load test did not finish: see the output of `make reliability`.")
    section += ["", END]

    document = arguments.doc.read_text()
    before, _, rest = document.partition(START)
    _, _, after = rest.partition(END)
    arguments.doc.write_text(before + "\n".join(section) + after)


if __name__ == "__main__":
    main()
