"""Dictionaries for correcting a reading: spelling suggestions for a doubtful word."""
