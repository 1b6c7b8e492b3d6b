"""HTTP: dependencies (``deps``), sessions and CSRF, middleware, rendering, the one exception
converter (``handlers``); the web pages (``pages``) and the JSON API (``api``). Routes parse,
call one service function, render. May import services, matching, store and db; nothing below
imports it.
"""
