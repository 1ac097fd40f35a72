"""Peru's 25 regions (INEI ubigeo departments) and the 17 Sustainable Development Goals."""

from django.db import migrations

REGIONS = [
    ("01", "Amazonas"),
    ("02", "Áncash"),
    ("03", "Apurímac"),
    ("04", "Arequipa"),
    ("05", "Ayacucho"),
    ("06", "Cajamarca"),
    ("07", "Callao"),
    ("08", "Cusco"),
    ("09", "Huancavelica"),
    ("10", "Huánuco"),
    ("11", "Ica"),
    ("12", "Junín"),
    ("13", "La Libertad"),
    ("14", "Lambayeque"),
    ("15", "Lima"),
    ("16", "Loreto"),
    ("17", "Madre de Dios"),
    ("18", "Moquegua"),
    ("19", "Pasco"),
    ("20", "Piura"),
    ("21", "Puno"),
    ("22", "San Martín"),
    ("23", "Tacna"),
    ("24", "Tumbes"),
    ("25", "Ucayali"),
]

GOALS = [
    (1, "Fin de la pobreza", "No poverty"),
    (2, "Hambre cero", "Zero hunger"),
    (3, "Salud y bienestar", "Good health and well-being"),
    (4, "Educación de calidad", "Quality education"),
    (5, "Igualdad de género", "Gender equality"),
    (6, "Agua limpia y saneamiento", "Clean water and sanitation"),
    (7, "Energía asequible y no contaminante", "Affordable and clean energy"),
    (8, "Trabajo decente y crecimiento económico", "Decent work and economic growth"),
    (9, "Industria, innovación e infraestructura", "Industry, innovation and infrastructure"),
    (10, "Reducción de las desigualdades", "Reduced inequalities"),
    (11, "Ciudades y comunidades sostenibles", "Sustainable cities and communities"),
    (12, "Producción y consumo responsables", "Responsible consumption and production"),
    (13, "Acción por el clima", "Climate action"),
    (14, "Vida submarina", "Life below water"),
    (15, "Vida de ecosistemas terrestres", "Life on land"),
    (16, "Paz, justicia e instituciones sólidas", "Peace, justice and strong institutions"),
    (17, "Alianzas para lograr los objetivos", "Partnerships for the goals"),
]


def load(apps, schema_editor):
    Region = apps.get_model("alianzas", "Region")
    Goal = apps.get_model("alianzas", "SustainableDevelopmentGoal")
    for code, name in REGIONS:
        Region.objects.update_or_create(code=code, defaults={"name": name})
    for number, name, name_en in GOALS:
        Goal.objects.update_or_create(number=number, defaults={"name": name, "name_en": name_en})


def unload(apps, schema_editor):
    apps.get_model("alianzas", "Region").objects.filter(
        code__in=[code for code, _ in REGIONS]
    ).delete()
    apps.get_model("alianzas", "SustainableDevelopmentGoal").objects.filter(
        number__in=[number for number, *_ in GOALS]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("alianzas", "0001_initial")]

    operations = [migrations.RunPython(load, unload)]
