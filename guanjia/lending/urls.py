from django.urls import path

from guanjia.lending import views

# The resident portal's page (named like the rest of the portal).
portal_urls = [path("portal/loans/", views.portal_loans, name="portal_loans")]

app_name = "lending"
urlpatterns = [
    path("lending/", views.loan_list, name="loans"),
    path("lending/new/", views.loan_create, name="loan_create"),
    path("lending/<int:pk>/", views.loan_detail, name="loan"),
    path("lending/<int:pk>/return/", views.loan_return, name="loan_return"),
    path("lending/items/", views.item_list, name="items"),
    path("lending/items/new/", views.item_edit, name="item_create"),
    path("lending/items/<int:pk>/", views.item_edit, name="item_edit"),
]
