"""The web layer, put together by app.py: pages, the HTTP API and its description, errors, logs, metrics, keys."""
