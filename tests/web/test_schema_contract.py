"""The project's copy of the import schema is the shared contract, byte for byte.

``matcher/schema/`` is the project's own contract; when the shared copy (``../shared/schema``)
is beside the checkout, the two must be identical. A clone on its own skips, saying what it
would compare."""

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared" / "schema"


@pytest.mark.parametrize("name", ["profile.schema.json", "taxonomy.json"])
def test_schema_copy_is_identical_to_shared(name: str) -> None:
    if not SHARED.is_dir():
        pytest.skip(
            f"compares matcher/schema/{name} (the project's own contract) with the shared copy at {SHARED}, "
            "which is not beside this checkout"
        )
    assert (REPO / "matcher" / "schema" / name).read_bytes() == (SHARED / name).read_bytes()
