"""Pure rules of the village errand book: no I/O, no Qt."""
