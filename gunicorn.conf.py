"""gunicorn settings of the production server: `make serve`, `make bench` and `make loadtest`
all start gunicorn with this file, so what is measured is what is served.

- 2 sync workers, one per core of the office server: a request is mostly Python (the
  database answers in a fraction of it), so more processes than cores only queue.
- A 10-minute timeout: an export of a million rows takes about 20 s as CSV and several
  minutes as XLSX, longer than gunicorn's default 30 s.
"""

workers = 2
worker_class = "sync"
timeout = 600
