"""The data every stage passes: options, limits, results, warnings, errors and geometry."""
