"""OCR domain: image or document bytes in, readings and rendered documents out; never imports Flask, Celery or Redis."""
