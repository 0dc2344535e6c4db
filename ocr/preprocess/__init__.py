"""Image -> image steps for OCR, the measurements that choose them, and the pipeline that chains them."""

from ocr.preprocess.measure import otsu_threshold
from ocr.preprocess.pipeline import STEPS, Prepared, prepare
from ocr.preprocess.steps import rescale

__all__ = ["STEPS", "Prepared", "otsu_threshold", "prepare", "rescale"]
