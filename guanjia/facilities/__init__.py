"""Facilities: equipment ledger, preventive maintenance, patrols (设备台账, 维保计划, 巡查)."""
