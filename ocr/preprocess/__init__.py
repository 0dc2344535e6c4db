"""Image -> image steps for OCR, the measurements that choose them, and the pipeline that chains them."""
