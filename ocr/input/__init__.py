"""Bytes to upright pages: sniffing, limits, EXIF orientation and PDF rasterizing."""
