"""Median and percentiles of latencies measured by the bench's own clients (writes, mixed
run), in the same shape as wrk's report, so the report treats both alike."""

import statistics


def percentile(ordered: list[float], fraction: float) -> float:
    """The nearest-rank percentile of an ordered list (``fraction`` 0.95 for p95)."""
    if not ordered:
        return 0.0
    rank = max(1, round(fraction * len(ordered) + 0.5 - 1e-9))
    return ordered[min(rank, len(ordered)) - 1]


def summary(seconds: list[float], *, errors: int = 0, duration: float = 0.0) -> dict:
    """``{"requests", "duration_us", "bad_status", "socket_errors", "p50_us", "p95_us",
    "p99_us"}`` of latencies in seconds (wrk's keys)."""
    ordered = sorted(seconds)
    return {
        "requests": len(ordered),
        "duration_us": round(duration * 1e6),
        "bad_status": errors,
        "socket_errors": 0,
        "p50_us": round(statistics.median(ordered) * 1e6) if ordered else 0,
        "p95_us": round(percentile(ordered, 0.95) * 1e6),
        "p99_us": round(percentile(ordered, 0.99) * 1e6),
    }
