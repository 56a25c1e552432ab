"""The contractors' records in the admin: shown, never changed there (changes go through services)."""

from django.contrib import admin

from guanjia.contractors.models import Contract, ContractEvent, Contractor, OutsourcedWorker
from guanjia.core.admin import ReadOnlyAdmin


@admin.register(Contractor)
class ContractorAdmin(ReadOnlyAdmin):
    list_display = ("name", "category", "supplies_goods", "provides_services", "is_active")


@admin.register(Contract)
class ContractAdmin(ReadOnlyAdmin):
    list_display = ("number", "title", "contractor", "starts_on", "ends_on", "status", "decision")


@admin.register(ContractEvent)
class ContractEventAdmin(ReadOnlyAdmin):
    list_display = ("contract", "kind", "happened_at", "note")


@admin.register(OutsourcedWorker)
class OutsourcedWorkerAdmin(ReadOnlyAdmin):
    list_display = ("staff_member", "contractor", "supervisor")
