"""Reports for partnership boards and councillors: scrutiny figures for a period.

- ``periods``: the periods a report covers (financial years, quarters, months or dates a
  coordinator chooses) and the one before each, read from a request's arguments.
- ``suppression``: disclosure control for tables shared outside the coordinators: small
  counts hidden, and a second cell hidden wherever a total would give the first away.
- ``figures``: the figures, by sector and in total, beside the previous period, each with
  how it was counted; the counting itself is SQL in :mod:`fieldapp.queries.reports`.
- ``csvfile``: the figures as a CSV file, exact or for sharing.

No Flask: the web layer in :mod:`fieldapp.web.reports` shows them.
"""
