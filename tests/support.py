"""Helpers shared by the tests."""

import os

import pytest

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def require_service(available: bool, what: str) -> None:
    """Skip on a developer's machine that lacks ``what``; under CI=true, fail instead."""
    if available:
        return
    if IN_CI:
        pytest.fail(f"{what} is required under CI=true but is not available.", pytrace=False)
    pytest.skip(f"{what} is not available here (`make test` and .ci/run provide it).")
