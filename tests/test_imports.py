"""Spreadsheet imports: templates, the check with every row's problems, all rows or none,
the same services as the forms, and a second import of the same file adds nothing."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from openpyxl import Workbook, load_workbook

from alianzas.models import Actor, Alliance, Indicator, Membership, Objective
from alianzas.refusals import NotPermitted
from alianzas.validators import ruc_check_digit
from seguimiento.imports import reading, running
from seguimiento.models import Commitment, Import, Measurement
from tests.factories import ActorFactory, AllianceFactory, MembershipFactory

pytestmark = pytest.mark.django_db


def ruc(n: int) -> str:
    first = f"20{n:08d}"
    return first + str(ruc_check_digit(first))


def csv_file(rows: list[list[str]], name="datos.csv", delimiter=",") -> SimpleUploadedFile:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter).writerows(rows)
    return SimpleUploadedFile(name, buffer.getvalue().encode("utf-8"), content_type="text/csv")


def xlsx_file(rows: list[list], name="datos.xlsx") -> SimpleUploadedFile:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def run(user, alliance, kind, upload, django_capture_on_commit_callbacks, **extra) -> Import:
    """Upload and check (the task runs in-process, as without a broker)."""
    with django_capture_on_commit_callbacks(execute=True):
        imported = running.start_import(
            user=user, alliance=alliance, kind=kind, upload=upload, **extra
        )
    imported.refresh_from_db()
    return imported


def confirm(user, imported, django_capture_on_commit_callbacks) -> Import:
    with django_capture_on_commit_callbacks(execute=True):
        running.confirm_import(user=user, imported=imported)
    imported.refresh_from_db()
    return imported


ACTOR_HEADER = ["Nombre", "Siglas", "Sector", "RUC", "Región"]


# --- Templates ---------------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(Import.Kind.values))
def test_each_kind_has_a_template_with_spanish_headers_an_example_and_accepted_values(
    client, coordinator, kind
):
    client.force_login(coordinator)
    response = client.get(reverse("seguimiento:import_template", args=[kind]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    workbook = load_workbook(io.BytesIO(response.content))
    data, guide = workbook["Datos"], workbook["Valores aceptados"]
    header = [cell.value for cell in data[1]]
    example = [cell.value for cell in data[2]]
    assert header[0] in {"Nombre", "Actor", "Objetivo"}
    assert any(example)
    guide_text = " ".join(str(cell.value) for row in guide.iter_rows() for cell in row)
    assert "Obligatoria" in guide_text or "Sí" in guide_text
    if kind == "members":
        assert "Líder" in guide_text
        assert "Socio implementador" in guide_text


def test_the_templates_example_row_imports_cleanly(coordinator, django_capture_on_commit_callbacks):
    """What the template shows is what the import accepts."""
    from seguimiento.imports.kinds import KINDS
    from seguimiento.imports.templates import template_xlsx

    upload = SimpleUploadedFile("plantilla.xlsx", template_xlsx(KINDS["actors"]))
    alliance = AllianceFactory(coordinators=[coordinator])
    imported = run(coordinator, alliance, "actors", upload, django_capture_on_commit_callbacks)
    assert imported.status == Import.Status.CHECKED, imported.problems
    assert imported.new_rows == 1


# --- The check: every problem next to its row and column, in Spanish ----------------------


def test_the_check_lists_every_rows_problems_by_row_and_column_and_saves_nothing(
    coordinator, django_capture_on_commit_callbacks
):
    alliance = AllianceFactory(coordinators=[coordinator])
    before = Actor.objects.count()
    bad_ruc = ruc(1)[:-1] + str((int(ruc(1)[-1]) + 1) % 10)
    upload = csv_file(
        [
            ACTOR_HEADER,
            ["Asociación de Productores de Cacao", "APC", "Sociedad civil", ruc(1), "Cusco"],
            ["Cooperativa Agraria", "", "Privado", bad_ruc, ""],
            ["Municipalidad Provincial", "", "", "", "Narnia"],
        ]
    )
    with translation.override("es"):
        imported = run(coordinator, alliance, "actors", upload, django_capture_on_commit_callbacks)
    assert imported.status == Import.Status.INVALID
    problems = {(p["row"], p["column"]): p["message"] for p in imported.problems}
    assert "dígito verificador" in problems[(3, "RUC")]
    assert "obligatoria" in problems[(4, "Sector")].lower() or (4, "Sector") in problems
    assert Actor.objects.count() == before  # not even the good row


def test_the_check_page_shows_each_problem_next_to_its_row_and_column(
    client, coordinator, django_capture_on_commit_callbacks
):
    alliance = AllianceFactory(coordinators=[coordinator])
    client.force_login(coordinator)
    upload = csv_file([ACTOR_HEADER, ["Sin sector", "", "Galáctico", "", ""]])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("seguimiento:alliance_import", args=[alliance.pk]),
            {"kind": "actors", "file": upload},
        )
    assert response.status_code == 302
    page = client.get(response.url).content.decode()
    # The column is named by the template's (Spanish) header, the accepted values by their
    # Spanish names; the wording around them follows the catalogue (the language's test is
    # tests/test_translations.py).
    assert "<td>2</td><td>Sector</td><td>Galáctico</td>" in page
    assert "Sociedad civil" in page
    assert "Comunidad" in page


def test_the_problems_are_in_english_for_an_english_speaker(
    client, coordinator, django_capture_on_commit_callbacks
):
    alliance = AllianceFactory(coordinators=[coordinator])
    client.force_login(coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("seguimiento:alliance_import", args=[alliance.pk]),
            {"kind": "actors", "file": csv_file([ACTOR_HEADER, ["X", "", "", "", ""]])},
            HTTP_ACCEPT_LANGUAGE="en",
        )
    page = client.get(response.url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "This column is required." in page


# --- All rows or none ----------------------------------------------------------------------


def test_a_clean_file_is_imported_whole_after_confirmation_through_the_services(
    coordinator, django_capture_on_commit_callbacks
):
    alliance = AllianceFactory(coordinators=[coordinator])
    upload = xlsx_file(
        [
            ACTOR_HEADER,
            ["Asociación de Productores de Cacao", "APC", "Sociedad civil", ruc(1), "cusco"],
            ["Cooperativa Agraria Pangoa", "CAC", "private", f"{ruc(2)[:2]} {ruc(2)[2:]}", ""],
        ]
    )
    imported = run(coordinator, alliance, "actors", upload, django_capture_on_commit_callbacks)
    assert imported.status == Import.Status.CHECKED, imported.problems
    assert (imported.total_rows, imported.new_rows) == (2, 2)
    assert not Actor.objects.filter(ruc__in=[ruc(1), ruc(2)]).exists()  # the check saves nothing

    imported = confirm(coordinator, imported, django_capture_on_commit_callbacks)
    assert imported.status == Import.Status.DONE
    actor = Actor.objects.get(ruc=ruc(1))
    assert actor.region.name == "Cusco"
    assert actor.sector == "civil_society"
    assert Actor.objects.get(ruc=ruc(2)).name == "Cooperativa Agraria Pangoa"  # RUC normalised
    assert actor.history.count() == 1  # saved as the form saves it, with its history


def test_when_a_row_fails_at_import_time_nothing_is_imported(
    coordinator, django_capture_on_commit_callbacks
):
    """Checked clean, then the world changes before the confirmation: all rows or none."""
    alliance = AllianceFactory(coordinators=[coordinator])
    first, second = ActorFactory(name="Primera"), ActorFactory(name="Segunda")
    MembershipFactory(alliance=alliance, actor=first)
    leaving = MembershipFactory(alliance=alliance, actor=second)
    upload = csv_file(
        [
            ["Actor", "Tipo", "Descripción", "Valor (S/)", "Fecha límite"],
            ["Primera", "Financiero", "Aportar fondos", "1.500,50", "2026-12-31"],
            ["Segunda", "Técnico", "Asistencia técnica", "", "31/12/2026"],
        ],
        delimiter=";",
    )
    imported = run(coordinator, alliance, "commitments", upload, django_capture_on_commit_callbacks)
    assert imported.status == Import.Status.CHECKED, imported.problems
    Membership.objects.filter(pk=leaving.pk).update(left_on=datetime.date(2026, 1, 2))

    imported = confirm(coordinator, imported, django_capture_on_commit_callbacks)
    assert imported.status == Import.Status.INVALID
    assert [p["row"] for p in imported.problems] == [3]
    assert not Commitment.objects.filter(alliance=alliance).exists()


def test_a_confirmation_imports_once(coordinator, django_capture_on_commit_callbacks):
    alliance = AllianceFactory(coordinators=[coordinator])
    upload = csv_file([ACTOR_HEADER, ["Una sola vez", "", "Público", ruc(7), ""]])
    imported = run(coordinator, alliance, "actors", upload, django_capture_on_commit_callbacks)
    confirm(coordinator, imported, django_capture_on_commit_callbacks)
    with pytest.raises(running.ImportRefused):
        running.confirm_import(user=coordinator, imported=imported)
    assert Actor.objects.filter(ruc=ruc(7)).count() == 1


# --- The same file twice adds nothing -----------------------------------------------------


def import_whole(user, alliance, kind, rows, capture, **extra) -> Import:
    imported = run(user, alliance, kind, csv_file(rows), capture, **extra)
    assert imported.status == Import.Status.CHECKED, imported.problems
    return confirm(user, imported, capture)


@time_machine.travel(datetime.datetime(2026, 7, 15, 12, tzinfo=datetime.UTC), tick=False)
def test_importing_the_same_files_twice_adds_nothing_the_second_time(
    coordinator, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    alliance = AllianceFactory(coordinators=[coordinator])
    files = {
        "actors": [
            ACTOR_HEADER,
            ["Municipalidad Distrital de Pichari", "MDP", "Público", ruc(11), "Cusco"],
            ["Centro de Salud Pichari", "", "Público", "", "Cusco"],
        ],
        "members": [
            ["Actor", "Rol", "Fecha de ingreso"],
            [ruc(11), "Líder", "2026-01-01"],
            ["centro de salud pichari", "Socio implementador", ""],
        ],
        "indicators": [
            [
                "Objetivo",
                "Indicador",
                "Unidad",
                "Sentido",
                "Línea de base",
                "Fecha de línea de base",
                "Meta",
                "Fecha de meta",
                "Frecuencia",
                "Actor responsable",
            ],
            [
                "Reducir la anemia",
                "Anemia en menores de 3 años",
                "%",
                "Disminuir",
                "42,5",
                "2025-12-31",
                "30",
                "2027-12-31",
                "Trimestral",
                "MDP",
            ],
            [
                "Reducir la anemia",
                "Niños con suplemento",
                "niños",
                "Aumentar",
                "100",
                "2025-12-31",
                "400",
                "2027-12-31",
                "Trimestral",
                "",
            ],
        ],
        "commitments": [
            ["Actor", "Tipo", "Descripción", "Valor (S/)", "Fecha límite"],
            ["MDP", "Financiero", "Comprar suplementos de hierro", "15000", "2026-12-15"],
        ],
    }
    for kind, rows in files.items():
        first = import_whole(coordinator, alliance, kind, rows, capture)
        assert first.new_rows == len(rows) - 1, kind
    Alliance.objects.filter(pk=alliance.pk).update(phase="implementation")
    alliance.refresh_from_db()
    values = [
        ["Objetivo", "Indicador", "Periodo", "Valor", "Nota"],
        ["", "Anemia en menores de 3 años", "2026-01-01", "41", "Padrón"],
        ["reducir la anemia", "anemia en menores de 3 anos", "2026-04-15", "39,5", ""],
    ]
    files["measurements"] = values
    assert import_whole(coordinator, alliance, "measurements", values, capture).new_rows == 2

    counts = (
        Actor.objects.count(),
        Membership.objects.filter(alliance=alliance).count(),
        Objective.objects.filter(alliance=alliance).count(),
        Indicator.objects.filter(objective__alliance=alliance).count(),
        Commitment.objects.filter(alliance=alliance).count(),
        Measurement.objects.filter(indicator__objective__alliance=alliance).count(),
    )
    assert counts[1:] == (2, 1, 2, 1, 2)
    reason = None
    for kind, rows in files.items():
        extra = {}
        if kind in ("members", "indicators"):
            from alianzas.adjustments import AdjustmentReason

            reason = AdjustmentReason("other", "Carga masiva", "")
            extra = {"reason": reason}
        again = import_whole(coordinator, alliance, kind, rows, capture, **extra)
        assert (again.new_rows, again.unchanged_rows) == (0, len(rows) - 1), kind
    assert counts == (
        Actor.objects.count(),
        Membership.objects.filter(alliance=alliance).count(),
        Objective.objects.filter(alliance=alliance).count(),
        Indicator.objects.filter(objective__alliance=alliance).count(),
        Commitment.objects.filter(alliance=alliance).count(),
        Measurement.objects.filter(indicator__objective__alliance=alliance).count(),
    )
    indicator = Indicator.objects.get(name="Anemia en menores de 3 años")
    assert indicator.baseline_value == Decimal("42.5")
    assert indicator.responsible_actor.ruc == ruc(11)
    assert alliance.lead_actor.ruc == ruc(11)


def test_after_identification_new_members_are_adjustments_with_the_reason_given(
    coordinator, django_capture_on_commit_callbacks
):
    from alianzas.adjustments import AdjustmentReason
    from alianzas.models import Adjustment

    alliance = AllianceFactory(coordinators=[coordinator])
    Alliance.objects.filter(pk=alliance.pk).update(phase="implementation")
    alliance.refresh_from_db()
    ActorFactory(name="Nueva ONG")
    rows = [["Actor", "Rol"], ["Nueva ONG", "Aliado técnico"]]
    without = run(
        coordinator, alliance, "members", csv_file(rows), django_capture_on_commit_callbacks
    )
    assert without.status == Import.Status.INVALID  # the service asks for the reason
    done = import_whole(
        coordinator,
        alliance,
        "members",
        rows,
        django_capture_on_commit_callbacks,
        reason=AdjustmentReason("partner_change", "", "Acordado en la asamblea"),
    )
    assert done.new_rows == 1
    adjustment = Adjustment.objects.get(alliance=alliance)
    assert adjustment.reason == "partner_change"
    assert adjustment.user == coordinator


# --- Files that are not what they say ------------------------------------------------------


def test_a_file_that_is_not_a_spreadsheet_is_refused_with_a_message(client, coordinator):
    alliance = AllianceFactory(coordinators=[coordinator])
    client.force_login(coordinator)
    png = SimpleUploadedFile("datos.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 64)
    response = client.post(
        reverse("seguimiento:alliance_import", args=[alliance.pk]),
        {"kind": "actors", "file": png},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert "This file is not an Excel workbook (.xlsx) or a CSV file." in response.content.decode()
    assert not Import.objects.exists()


def test_a_file_over_the_limit_is_refused(client, coordinator, monkeypatch):
    monkeypatch.setattr(reading, "MAX_IMPORT_BYTES", 100)
    alliance = AllianceFactory(coordinators=[coordinator])
    client.force_login(coordinator)
    response = client.post(
        reverse("seguimiento:alliance_import", args=[alliance.pk]),
        {"kind": "actors", "file": csv_file([ACTOR_HEADER, ["x" * 200, "", "", "", ""]])},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert "imported files can be at most" in response.content.decode()
    assert not Import.objects.exists()


@pytest.mark.parametrize(
    "content",
    [
        b"PK\x03\x04 not really a workbook",
        b"columna,otra\n1,2\n",
        b"",
        b"Nombre,Sector\n",
        'Nombre,Sector\n"sin cerrar,Público\n'.encode(),
    ],
    ids=["broken-xlsx", "wrong-headers", "empty", "header-only", "unclosed-quote"],
)
def test_a_malformed_file_gets_a_clear_message_never_a_500(
    client, coordinator, content, django_capture_on_commit_callbacks
):
    alliance = AllianceFactory(coordinators=[coordinator])
    client.force_login(coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("seguimiento:alliance_import", args=[alliance.pk]),
            {"kind": "actors", "file": SimpleUploadedFile("datos.csv", content)},
            HTTP_ACCEPT_LANGUAGE="en",
        )
    if response.status_code == 200:  # refused by the form
        assert "errorlist" in response.content.decode()
        return
    assert response.status_code == 302
    imported = Import.objects.get()
    assert imported.status == Import.Status.INVALID
    page = client.get(response.url, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    assert imported.problems
    assert imported.problems[0]["message"]
    assert Actor.objects.filter(name="sin cerrar").count() == 0


# --- Who may import ------------------------------------------------------------------------


def test_a_representative_may_not_import_into_the_alliance(alliance, member_representative):
    with pytest.raises(NotPermitted):
        running.start_import(
            user=member_representative,
            alliance=alliance,
            kind="actors",
            upload=csv_file([ACTOR_HEADER]),
        )


def test_only_administrators_import_into_the_registry_and_only_actors(
    coordinator, administrator, django_capture_on_commit_callbacks
):
    upload = csv_file([ACTOR_HEADER, ["Registro nacional", "", "Academia", ruc(21), ""]])
    with pytest.raises(NotPermitted):
        running.start_import(user=coordinator, alliance=None, kind="actors", upload=upload)
    with pytest.raises(NotPermitted):
        running.start_import(user=administrator, alliance=None, kind="members", upload=upload)
    imported = run(administrator, None, "actors", upload, django_capture_on_commit_callbacks)
    assert confirm(administrator, imported, django_capture_on_commit_callbacks).new_rows == 1


def test_an_import_is_seen_only_by_whoever_uploaded_it(
    client, coordinator, administrator, django_capture_on_commit_callbacks
):
    alliance = AllianceFactory(coordinators=[coordinator])
    imported = run(
        coordinator,
        alliance,
        "actors",
        csv_file([ACTOR_HEADER]),
        django_capture_on_commit_callbacks,
    )
    client.force_login(administrator)
    assert client.get(reverse("seguimiento:import_detail", args=[imported.pk])).status_code == 404


def test_the_pending_page_polls_for_its_progress(client, coordinator):
    alliance = AllianceFactory(coordinators=[coordinator])
    imported = Import.objects.create(
        alliance=alliance, kind="actors", requested_by=coordinator, file_name="a.csv", progress=40
    )
    client.force_login(coordinator)
    page = client.get(reverse("seguimiento:import_detail", args=[imported.pk])).content.decode()
    assert 'hx-trigger="every 1s"' in page
    assert 'value="40"' in page


def test_the_upload_page_asks_for_the_reason_when_new_members_are_adjustments(
    client, coordinator, django_capture_on_commit_callbacks
):
    alliance = AllianceFactory(coordinators=[coordinator])
    Alliance.objects.filter(pk=alliance.pk).update(phase="implementation")
    ActorFactory(name="Nueva ONG")
    client.force_login(coordinator)
    url = reverse("seguimiento:alliance_import", args=[alliance.pk])
    rows = [["Actor", "Rol"], ["Nueva ONG", "Observador"]]
    refused = client.post(
        url, {"kind": "members", "file": csv_file(rows)}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert refused.status_code == 200
    assert "Choose the reason for these changes." in refused.content.decode()
    assert not Import.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        accepted = client.post(
            url,
            {"kind": "members", "file": csv_file(rows), "adjustment-reason": "partner_change"},
        )
    assert accepted.status_code == 302
    imported = Import.objects.get()
    assert (imported.status, imported.reason) == ("checked", "partner_change")


def test_rucs_registered_before_or_earlier_in_the_file_are_left_as_they_are(
    administrator, django_capture_on_commit_callbacks, monkeypatch
):
    """The registered RUCs are read in batches before the walk; the walk's own new actors
    count too, so a RUC written twice in the file adds one actor."""
    from seguimiento.imports import kinds

    monkeypatch.setattr(kinds, "RUCS_PER_QUERY", 2)  # five registered RUCs: three queries
    for n in range(5):
        ActorFactory(name=f"Registrada {n}", ruc=ruc(300 + n))
    rows = [ACTOR_HEADER]
    rows += [[f"Otra vez {n}", "", "Academia", ruc(300 + n), "Cusco"] for n in range(5)]
    rows += [["Nueva", "", "Academia", ruc(400), ""], ["Nueva bis", "", "Academia", ruc(400), ""]]
    capture = django_capture_on_commit_callbacks
    checked = run(administrator, None, "actors", csv_file(rows), capture)
    assert (checked.status, checked.new_rows, checked.unchanged_rows) == ("checked", 1, 6)
    done = confirm(administrator, checked, capture)
    assert (done.status, done.new_rows, done.unchanged_rows) == ("done", 1, 6)
    assert Actor.objects.get(ruc=ruc(400)).name == "Nueva"
    assert Actor.objects.get(ruc=ruc(400)).registered_by == administrator
    assert Actor.objects.get(ruc=ruc(302)).name == "Registrada 2"


def test_a_registry_costs_the_same_queries_a_row_and_finds_each_region_once(
    administrator, django_capture_on_commit_callbacks
):
    """The actors' rows cost a fixed number of queries each: the regions they name are
    found once per file, and a new actor asks nothing about alliances it cannot be in."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries_for(first: int, rows: int) -> list[str]:
        upload = csv_file(
            [ACTOR_HEADER]
            + [
                [f"Registro {n}", "", "Academia", ruc(n), "Cusco"]
                for n in range(first, first + rows)
            ]
        )
        with CaptureQueriesContext(connection) as captured:
            imported = run(
                administrator, None, "actors", upload, django_capture_on_commit_callbacks
            )
            assert (
                confirm(administrator, imported, django_capture_on_commit_callbacks).new_rows
                == rows
            )
        return [q["sql"] for q in captured]

    ten, twenty = queries_for(100, 10), queries_for(200, 20)
    per_row = (len(twenty) - len(ten)) / 10
    # Checked and imported: 8 a row each way (13 before the file's RUCs were read at once
    # and the registering person stopped being looked up again, 11 before the RUC's
    # constraint was checked in one statement and a new actor's first version stopped
    # reading the representatives it cannot have yet).
    assert per_row <= 2 * 8, per_row
    for queries, rows in ((ten, 10), (twenty, 20)):
        # Which RUCs are registered already: one query a walk. The only read of actors a
        # row is the RUC's constraint, checked when each new actor is saved.
        assert sum('"alianzas_actor"."ruc" IN (' in sql for sql in queries) == 2
        looked_up = [
            sql for sql in queries if sql.startswith('SELECT 1 AS "a" FROM "alianzas_actor"')
        ]
        assert len(looked_up) == 2 * rows
        assert all('"alianzas_actor"."ruc" = ' in sql for sql in looked_up)
        assert not any('"alianzas_actor_representatives"' in sql for sql in queries)
        assert not any('FROM "alianzas_user"' in sql for sql in queries)
    for queries in (ten, twenty):
        # Found by name once in the check and once in the import, whatever the number of
        # rows (each row's region is still validated by its key, as every foreign key is).
        found = [sql for sql in queries if 'FROM "alianzas_region"' in sql]
        assert sum("SELECT 1 AS" not in sql for sql in found) == 2, found[:3]
        assert not any('FROM "alianzas_membership"' in sql for sql in queries)
