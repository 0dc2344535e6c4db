"""Measuring a page's text on another thread while the pipeline judges its polarity and noise."""

import functools
import os
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

from PIL import Image

from ocr.preprocess.measure import TextMeasures, text_measures


@dataclass(frozen=True)
class MeasuresAhead:
    """The text measures of `image`, being taken on another thread while the page's polarity
    and noise are judged: the longest measurement, done on a core that would otherwise wait.
    If neither step changes the page, the measures are of the page as it is."""

    image: Image.Image
    future: Future

    @classmethod
    def start(cls, image: Image.Image) -> "MeasuresAhead":
        return cls(image, _measuring_thread().submit(text_measures, image))

    def result_for(self, image: Image.Image) -> TextMeasures | None:
        """The measures if they are of this image, else None; not yet started (this process's
        thread busy with another page's) is also None: measuring here is then sooner than waiting."""
        if self.future.cancel() or image is not self.image:
            return None
        return self.future.result()


@functools.cache
def _measuring_thread() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="measures ahead")


# a forked worker has none of its parent's threads: it starts its own
os.register_at_fork(after_in_child=_measuring_thread.cache_clear)
