"""Programme officers' curated match lists: participants and rules (``lists``, ``forms``,
``csvids``), the bridge to the assignment solver (``instance``), runs and hand edits (``runs``,
``compare``), what the run pages show (``views``), publishing as meetings (``meetings``), outcomes
and the dashboard (``outcomes``) and the demo story (``demo``). Exports are ``web.interchange.exports``.
"""
