"""The figures command centres are judged on: GET /stats/summary (docs/metrics.md, "Centre figures")."""
