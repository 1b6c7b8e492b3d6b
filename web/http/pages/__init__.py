"""The web pages, one router per area (and the dashboard's SVG ``charts``). A route parses its
input, calls one service function and renders a page or an htmx fragment; no SQL, no scoring.
"""
