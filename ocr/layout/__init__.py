"""Words into lines, paragraphs, blocks, columns and rows: the reading order of a page."""
