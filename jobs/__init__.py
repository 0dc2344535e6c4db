"""Long documents as jobs: pages read one by one by Celery workers, state and uploads in Redis.

`store` keeps a job's upload, options and page results in Redis; `records` turns page results
into JSON and back; `worker` is the Celery app whose task reads one page.
"""
