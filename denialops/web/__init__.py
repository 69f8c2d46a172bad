"""The web application: FastAPI routes, Jinja2 pages and the JSON API under ``/api/v1``.

``create_app`` (in :mod:`denialops.web.app`) builds it; ``denialops serve`` runs it. The
package is a thin shell: cases, queues, ingest and analytics come from the library.
"""
