"""Denial analytics on DuckDB: KPIs, Pareto, trends with spike detection, exports, charts.

Definitions of every metric: ``docs/kpis.md``. The public entry points, by module (not
re-exported here, so that importing the package for :mod:`.dimensions` does not load
DuckDB, Arrow, NumPy and SciPy into every ``denialops`` command):

- :mod:`.engine`: ``open_analytics(url_or_engine) -> AnalyticsDB``,
  ``AnalyticsDB.from_parquet(dir)``
- :mod:`.metrics`: ``compute_kpis(db, by=..., since=..., until=..., filters=...) -> KpiReport``,
  ``METRICS`` (cost per worked appeal uses ``denialops.work.priority.PrioritySettings``)
- :mod:`.pareto`: ``pareto(db, cause=..., measure=..., share=..., filters=...)``
- :mod:`.trend`: ``trend(db, by=..., freq=..., event=...)``, ``detect_spikes(values)``,
  ``event_effect(db, by=..., event_date=...)``
- :mod:`.export`: ``export_parquet(db, dir)``, ``report_csv/json/table/parquet(report)``
- :mod:`.charts`: ``pareto_spec``, ``trend_spec``, ``breakdown_spec`` (Vega-Lite dicts)
  and ``render(spec, path)`` for .png/.svg/.html
- :mod:`.dimensions`: the cuts (``CLAIM_DIMENSIONS``, ``DENIAL_DIMENSIONS``)
"""
