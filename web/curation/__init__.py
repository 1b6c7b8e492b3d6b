"""Programme officers' curated match lists: participants and rules (``lists``), the bridge to the
assignment solver (``instance``), runs and hand edits (``runs``), what the run pages show
(``views``), publishing as meetings (``meetings``), outcomes and the dashboard (``outcomes``,
``charts``) and exports (``exports``).

``load_list_instance(list_id)`` serves ``caunoi assign LIST_ID``.
"""

from web.curation.instance import load_list_instance

__all__ = ["load_list_instance"]
