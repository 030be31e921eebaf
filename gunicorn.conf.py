"""gunicorn settings of the production server: `make serve`, `make bench` and `make loadtest`
all start gunicorn with this file, so what is measured is what is served.

- 2 sync workers, one per core of the office server: a request is mostly Python (the
  database answers in a fraction of it), so more processes than cores only queue.
- A 10-minute timeout: an export of a million rows takes about 20 s as CSV and several
  minutes as XLSX, longer than gunicorn's default 30 s.
- The access log (off unless `--access-logfile` is given) records the path without its
  query string and no referrer: a search `?q=Sita` would write a name to the log
  (casework/log_privacy.py; tested in test_no_personal_data_in_logs).
"""

workers = 2
worker_class = "sync"
timeout = 600
# Address, time, method, path (%(U)s: no query), status, bytes, duration in ms.
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)s'
