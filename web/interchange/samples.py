"""Where the sample ecosystem lives and which of its files are profiles."""

from __future__ import annotations

from pathlib import Path

REPO_PROFILES = Path(__file__).resolve().parents[2] / "profiles"


def sample_files(folder: Path) -> list[Path]:
    """The sample ecosystem files of a profiles folder (not the gold labels)."""
    return sorted(folder.glob("ecosystem*.jsonl")) + sorted(folder.glob("ecosystem*.json"))
