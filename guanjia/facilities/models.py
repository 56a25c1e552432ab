"""The records of facilities."""
