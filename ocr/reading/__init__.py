"""One page and one document read: prepare, read, second readings, the policy between engines, warnings."""
