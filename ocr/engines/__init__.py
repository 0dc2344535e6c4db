"""The OCR engines behind one interface (words with boxes in the image's pixels, confidences,
timeouts): Tesseract (tesseract.py), PP-OCRv6 (ppocr.py), and which of them reads a page
(choice.py)."""
