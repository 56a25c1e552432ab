"""Emergencies: plans, command posts, incidents, aftermath, drills (突发事件应急预案)."""
