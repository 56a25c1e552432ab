from django.urls import path

from guanjia.committee import views

app_name = "committee"
urlpatterns = []
