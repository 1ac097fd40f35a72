from django.urls import path

from fases.public import views

app_name = "public"

urlpatterns = [
    path("", views.portfolio, name="portfolio"),
    path("alianzas/<int:pk>/", views.alliance, name="alliance"),
    path("alianzas/<int:pk>/iati.xml", views.alliance_iati, name="alliance_iati"),
    path("datos/", views.open_data, name="open_data"),
    path("datos/alianzas.csv", views.data_csv, name="data_csv"),
    path("datos/alianzas.json", views.data_json, name="data_json"),
    path("datos/alianzas-iati.xml", views.data_iati, name="data_iati"),
]
