"""The project's copy of the import schema is the shared contract, byte for byte."""

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared" / "schema"


@pytest.mark.parametrize("name", ["profile.schema.json", "taxonomy.json"])
def test_schema_copy_is_identical_to_shared(name: str) -> None:
    if not SHARED.is_dir():
        pytest.fail(f"../shared/schema not found beside the project ({SHARED})")
    assert (REPO / "matcher" / "schema" / name).read_bytes() == (SHARED / name).read_bytes()
