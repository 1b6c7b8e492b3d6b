"""Files in and out: the profile importer (JSON, JSON Lines, CSV), the officers' CSV and XLSX
exports, the spreadsheet escaping every export uses, and where the sample profiles live. May
import services, matching, store and db; the HTTP pages and the CLI import it.
"""
