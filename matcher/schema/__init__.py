"""The profile import/export contract: a verbatim copy of ``shared/schema``.

``load_schema()`` and ``load_taxonomy()`` read the JSON files shipped beside this module.
A test checks that they stay byte-identical to the shared copy.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

SCHEMA_DIR = Path(__file__).parent


@cache
def load_schema() -> dict[str, Any]:
    """The JSON Schema of one profile record."""
    return json.loads((SCHEMA_DIR / "profile.schema.json").read_text(encoding="utf-8"))


@cache
def load_taxonomy() -> dict[str, Any]:
    """The controlled vocabularies: kinds, partner types, stages, sectors, cooperation modes."""
    return json.loads((SCHEMA_DIR / "taxonomy.json").read_text(encoding="utf-8"))
