"""The parts of the production check (.ci/production_check.py), by concern."""
