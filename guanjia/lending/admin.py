"""The lending register in the admin: shown, never changed there (stock and loans go through services)."""

from django.contrib import admin

from guanjia.core.admin import ReadOnlyAdmin
from guanjia.lending.models import LendingItem, Loan, LoanReminder


@admin.register(LendingItem)
class LendingItemAdmin(ReadOnlyAdmin):
    list_display = ("name", "project", "quantity", "on_hand", "is_active")


@admin.register(Loan)
class LoanAdmin(ReadOnlyAdmin):
    list_display = ("item", "unit", "borrower_name", "quantity", "due_on", "returned_at", "return_condition")


@admin.register(LoanReminder)
class LoanReminderAdmin(ReadOnlyAdmin):
    list_display = ("loan", "day")
