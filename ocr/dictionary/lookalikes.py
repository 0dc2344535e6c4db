"""Letters OCR takes for one another: what a misread word may have been before it was misread."""

# Each pair: what the engine may have read, and what the page may have said. Shapes that merge or
# split (rn/m, cl/d, vv/w) are what no spelling dictionary's edits model in one step; digits stand
# for the letters they look like, so 'he1lo' and 'd0cument' are words, not codes.
LOOKALIKES = (
    ("rn", "m"),
    ("m", "rn"),
    ("cl", "d"),
    ("d", "cl"),
    ("vv", "w"),
    ("w", "vv"),
    ("li", "h"),
    ("ii", "u"),
    ("nn", "m"),
    ("l", "i"),
    ("i", "l"),
    ("e", "c"),
    ("c", "e"),
    ("1", "l"),
    ("1", "i"),
    ("|", "l"),
    ("0", "o"),
    ("5", "s"),
)
LETTER_DIGITS = frozenset(read for read, _ in LOOKALIKES if read.isdigit())
MAX_CHANGES = 2  # lookalikes undone in one word: a word with more is not a misreading of one


def unmisread(word: str) -> dict[str, int]:
    """Each spelling the lowercase word may have had, with how many lookalikes it takes to reach it."""
    found = {word: 0}
    frontier = [word]
    for changes in range(1, MAX_CHANGES + 1):
        following = []
        for text in frontier:
            for read, meant in LOOKALIKES:
                start = text.find(read)
                while start >= 0:
                    variant = text[:start] + meant + text[start + len(read) :]
                    if variant not in found:
                        found[variant] = changes
                        following.append(variant)
                    start = text.find(read, start + 1)
        frontier = following
    return found
