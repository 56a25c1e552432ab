from django.urls import path

from guanjia.households import views

# The resident portal's pages (named like the rest of the portal; the sign-in redirects to
# ``portal_join``).
portal_urls = [
    path("portal/join/", views.portal_join, name="portal_join"),
    path("portal/join/options/", views.portal_join_options, name="portal_join_options"),
    path("portal/household/", views.portal_household, name="portal_household"),
    path("portal/household/<int:pk>/revoke/", views.portal_household_revoke, name="portal_household_revoke"),
]

app_name = "households"
urlpatterns = [
    path("claims/", views.claim_list, name="claims"),
    path("claims/<int:pk>/", views.claim_detail, name="claim_detail"),
    path("claims/<int:pk>/approve/", views.claim_approve, name="claim_approve"),
    path("claims/<int:pk>/reject/", views.claim_reject, name="claim_reject"),
]
