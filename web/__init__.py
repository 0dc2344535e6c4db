"""The web layer's parts beside app.py: reading requests, and the jobs routes."""
