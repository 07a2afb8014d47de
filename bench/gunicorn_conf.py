"""gunicorn settings of the benchmark: tejido/gunicorn_conf.py as is, access log off (a log
line per request would be measured too)."""

from pathlib import Path

_conf = Path(__file__).resolve().parent.parent / "tejido" / "gunicorn_conf.py"
exec(compile(_conf.read_text(), str(_conf), "exec"))

accesslog = None
