"""Importing listings from other directories' files (`manage.py import_listings`).

readers (files to records) -> mapping / presets (records to flat values) -> rows (checked
values) -> places (gazetteer), checks (regions, duplicates) -> write (one transaction).
`run.py` ties them together for the command and for the moderators' upload page, whose
files and confirmations are in `uploads.py`.
"""
