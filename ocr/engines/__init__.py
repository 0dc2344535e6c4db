"""The OCR engines behind one interface (words with boxes in the image's pixels, confidences,
timeouts): Tesseract as a command or in this process, and PP-OCRv6 in child processes."""

import os

# Debian's Tesseract spins one OpenMP thread per core; with several pages or requests in flight
# that oversubscribes the CPU (docs/decisions/0001). Set before any engine module loads libtesseract,
# whose OpenMP reads the limit once; the command line and PP-OCRv6's children inherit it.
os.environ.setdefault("OMP_THREAD_LIMIT", "1")
