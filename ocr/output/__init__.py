"""A reading as documents: hOCR, ALTO, TSV, Word, searchable PDF and previews."""
