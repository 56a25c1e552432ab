from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Only management commands: no models, so no admin section and no translated name to show."""

    name = "guanjia.demo"
    label = "demo"
