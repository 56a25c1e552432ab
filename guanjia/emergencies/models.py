"""The records of emergencies."""
