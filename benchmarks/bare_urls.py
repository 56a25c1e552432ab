"""The bare ceiling's URLconf for ``benchmarks.requestpath``: one ping view and nothing else."""

from django.urls import path

from benchmarks import views

urlpatterns = [path("ping", views.ping)]
