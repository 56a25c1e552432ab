"""The gate in the admin: shown, never changed there (every write goes through the services)."""

from django.contrib import admin

from guanjia.core.admin import ReadOnlyAdmin
from guanjia.gate.models import AccessCard, BlacklistedPlate, Gate, ParkingSpace, Vehicle, VisitorPass


@admin.register(Gate)
class GateAdmin(ReadOnlyAdmin):
    list_display = ("name", "project", "kind", "active", "device_token_prefix")
    exclude = ("device_token_hash",)


@admin.register(VisitorPass)
class VisitorPassAdmin(ReadOnlyAdmin):
    list_display = ("visitor_name", "project", "unit", "kind", "valid_from", "valid_until", "checked_in_at")
    exclude = ("token",)


@admin.register(Vehicle)
class VehicleAdmin(ReadOnlyAdmin):
    list_display = ("plate", "project", "unit", "active")


@admin.register(ParkingSpace)
class ParkingSpaceAdmin(ReadOnlyAdmin):
    list_display = ("number", "project", "kind", "unit", "monthly_rent")


@admin.register(AccessCard)
class AccessCardAdmin(ReadOnlyAdmin):
    list_display = ("number", "holder_kind", "holder_name", "valid_until", "revoked_at", "deactivated_at")


@admin.register(BlacklistedPlate)
class BlacklistedPlateAdmin(ReadOnlyAdmin):
    list_display = ("plate", "project", "reason", "active")
