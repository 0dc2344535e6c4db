"""Long documents as jobs: pages read one by one by Celery workers, state and uploads in Redis.

`store` keeps a job's upload, options and page results in Redis; `records` turns page results
into JSON and back; `queue` submits a document as one Celery task per page and holds the task
that reads one (the worker's entry point is worker.py, beside app.py).
"""
