"""Markdown for the benchmark reports: tables, milliseconds, and the targets with their verdicts."""

from __future__ import annotations


def markdown_table(header: list[str], rows: list[list[str]]) -> str:
    """A GitHub-flavoured markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    return "\n".join(lines + ["| " + " | ".join(row) + " |" for row in rows])


def ms(seconds: float) -> str:
    """Seconds shown as whole milliseconds."""
    return f"{seconds * 1000:.0f} ms"


def targets_table(checks: list[dict]) -> str:
    """Every target with its measurement and verdict."""
    return markdown_table(
        ["Target", "Measured", "Limit", "Verdict"],
        [[c["target"], c["shown"], c["limit"], "PASS" if c["passed"] else "FAIL"] for c in checks],
    )
