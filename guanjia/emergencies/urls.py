app_name = "emergencies"
urlpatterns: list = []
