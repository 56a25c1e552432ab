"""The records of quality."""
