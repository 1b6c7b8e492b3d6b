"""All SQL: one function per statement, named verb_noun, on a psycopg connection the caller
owns (and its transaction). May import only ``web.db``; no fastapi, starlette or jinja2.
"""
