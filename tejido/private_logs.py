"""Logs that keep no place a person looked at nor what they searched (DESIGN.md §9: light
pages and logs): no query string (`q`, `near`, `lat`, `lng`, `bbox`...), and no tile
coordinates, which say which part of the map someone had in view.

`PrivateAccessLogger` is gunicorn's access logger with the path's atoms scrubbed
(tejido/gunicorn_conf.py); `PrivateRecords` does the same to Django's request warnings
("Not Found: /api/v1/tiles/9/86/203.pbf"), on every handler of the root logger.
"""

import logging
import re

from gunicorn.glogging import Logger

#: /tiles/<z>/<x>/<y>: the zoom stays (how far in), the place goes.
TILE = re.compile(r"(/tiles/(?:[^/?]+/)*?\d+)/\d+/\d+(?=\.|/|\?|$)")


def scrub_path(path: str) -> str:
    """`path` without its query string and without a tile's x and y."""
    return TILE.sub(r"\1/x/y", str(path).split("?", 1)[0])


class PrivateAccessLogger(Logger):
    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        atoms["U"] = scrub_path(atoms.get("U", ""))
        atoms["q"] = ""
        method, _space, rest = str(atoms.get("r", "")).partition(" ")
        target, _space, protocol = rest.partition(" ")
        atoms["r"] = " ".join(filter(None, (method, scrub_path(target), protocol)))
        # The referer (a page's address, its query too) and any header or environ variable
        # that repeats the address.
        for key, value in atoms.items():
            if "query_string" in key:
                atoms[key] = ""
            elif key != "r" and isinstance(value, str) and ("?" in value or "/tiles/" in value):
                atoms[key] = scrub_path(value)
        return atoms


class PrivateRecords(logging.Filter):
    """Scrubs the paths in records' arguments (Django logs `request.path`, the tiles' x and y
    included) and in their messages."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                scrub_path(arg) if isinstance(arg, str) and arg.startswith("/") else arg
                for arg in record.args
            )
        if isinstance(record.msg, str) and "/tiles/" in record.msg:
            record.msg = TILE.sub(r"\1/x/y", record.msg)
        return True
