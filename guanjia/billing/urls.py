from django.urls import path

from guanjia.billing import views, views_loops

app_name = "billing"
urlpatterns = [
    path("billing/", views.bill_list, name="bills"),
    path("billing/generate/", views.bill_generate, name="generate"),
    path("billing/remind/", views.bill_bulk_remind, name="bulk_remind"),
    path("billing/units/<int:pk>/", views.unit_statement, name="unit"),
    path("billing/units/<int:pk>/pay/", views.payment_post, name="pay"),
    path("billing/units/<int:pk>/visit/", views.visit_book, name="visit_book"),
    path("billing/visits/", views.visit_list, name="visits"),
    path("billing/visits/<int:pk>/", views.visit_close, name="visit_close"),
    path("billing/units/<int:pk>/<str:kind>/", views.correction_request, name="correction_request"),
    path("billing/corrections/", views.correction_list, name="corrections"),
    path("billing/corrections/<int:pk>/", views.correction_decide, name="correction_decide"),
    path("billing/arrears/", views.arrears, name="arrears"),
    path("billing/collection/", views.collection, name="collection"),
    path("billing/receipts/<int:pk>/", views.receipt, name="receipt"),
    path("billing/receipts/<int:pk>/pdf/", views_loops.receipt_pdf, name="receipt_pdf"),
    path("billing/receipts/<int:pk>/invoice/", views_loops.invoice_ask, name="invoice_ask"),
    path("billing/refunds/<int:pk>/", views_loops.refund_note, name="refund_note"),
    path("billing/invoices/", views_loops.invoice_queue, name="invoices"),
    path("billing/invoices/<int:pk>/", views_loops.invoice_decide, name="invoice_decide"),
    path("billing/late-fees/", views_loops.loops_settings, name="loops"),
    path("portal/bills/", views.portal_bills, name="portal_bills"),
    path("portal/bills/receipts/<int:pk>/", views.portal_receipt, name="portal_receipt"),
]
