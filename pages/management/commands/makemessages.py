"""`makemessages` that also reads Tejido's Jinja2 templates (jinja2/, decision 0016).

Django's own command reads Python files and Django templates; a Jinja2 template is read here
by Jinja2's extractor (`jinja2.ext.babel_extract`, the one Babel uses): `_()`, `gettext`,
`ngettext`, `pgettext` and `{% trans %}` blocks, trimmed as they render. Each message is
written to xgettext as a Python call on the line it has in the template, so the catalogs'
references (`#: jinja2/pages/_result_card.html:12`) point at the template itself. Everything
else is Django's command (`make messages`).
"""

import os

from django.core.management.commands import makemessages
from jinja2.ext import babel_extract

#: The directory of the Jinja2 templates (TEMPLATES' Jinja2 DIRS), relative to the project.
JINJA2_DIR = "jinja2"
KEYWORDS = ("_", "gettext", "ngettext", "pgettext", "npgettext")


def _call(funcname: str, message) -> str:
    """The message as a Python call xgettext reads with Django's keywords."""
    strings = message if isinstance(message, tuple) else (message,)
    args = ", ".join(repr(s) if isinstance(s, str) else "n" for s in strings)
    name = "gettext" if funcname == "_" else funcname
    return f"{name}({args})"


def templatize_jinja2(path: str) -> str:
    """The Jinja2 template at `path` as Python source holding its messages, line for line."""
    with open(path, encoding="utf-8") as fp:
        source = fp.read()
    with open(path, "rb") as fp:
        found = babel_extract(fp, KEYWORDS, ["Translators:"], {"trimmed": "false"})
        calls: dict[int, list[str]] = {}
        for lineno, funcname, message, _comments in found:
            calls.setdefault(lineno, []).append(_call(funcname, message))
    lines = ["; ".join(calls.get(number, ())) for number in range(1, source.count("\n") + 2)]
    return "\n".join(lines) + "\n"


class BuildFile(makemessages.BuildFile):
    @property
    def is_jinja2(self) -> bool:
        parts = os.path.normpath(self.translatable.dirpath).split(os.sep)
        return bool(parts) and parts[0] == JINJA2_DIR

    def preprocess(self):
        if not (self.is_templatized and self.is_jinja2):
            return super().preprocess()
        with open(self.work_path, "w", encoding="utf-8") as fp:
            fp.write(templatize_jinja2(self.path))


class Command(makemessages.Command):
    build_file_class = BuildFile
