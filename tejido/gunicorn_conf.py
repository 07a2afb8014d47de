"""gunicorn settings for `make run` and production.

The access log records method, path (no query string: no searched text or coordinates;
tiles without their x and y: tejido/private_logs.py), status, size and duration; never the
client address.
"""

import os

workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
timeout = 30
graceful_timeout = 10
accesslog = "-"
access_log_format = '%(t)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'
logger_class = "tejido.private_logs.PrivateAccessLogger"
