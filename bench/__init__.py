"""Benchmarks of fieldapp: each prints its figures beside its targets and a same-run baseline.

Run them from the repository root, after ``scripts/test`` has set up ``.venv``:

    .venv/bin/python -m bench.submit        visit submissions against gunicorn (wrk if installed)
    .venv/bin/python -m bench.page_weight   the checklist page on a first load in Chromium
    .venv/bin/python -m bench.risk_map      the risk map at 1k-50k sites against naive folium
    .venv/bin/python -m bench.export        50,000 sites to GeoJSON against json.dumps
    .venv/bin/python -m bench.faults        1,000 visits while the server is killed and restarted
    .venv/bin/python -m bench.places        2.7 million postcodes loaded, against sqlite3's .import

Each takes ``--help``, and most an option to run at a small size for a quick try. Each exits
0 only when it met every target it checks, and 1 otherwise, after printing "all targets met"
or "MISSED: ..." (see ``bench._targets``). ``bench._server`` starts gunicorn on a throwaway
instance and signs clients in; ``bench._synthetic`` writes a large synthetic register
straight to SQLite.
"""
