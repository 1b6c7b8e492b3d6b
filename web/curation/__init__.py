"""Programme officers' curated match lists: participants and rules (``lists``), the bridge to the
assignment solver (``instance``), runs and hand edits (``runs``), what the run pages show
(``views``), publishing as meetings (``meetings``), outcomes and the dashboard (``outcomes``,
``charts``) and exports (``exports``).
"""
