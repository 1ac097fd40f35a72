"""The demo loader: a curated demo in every phase, idempotent, and bulk synthetic data."""

import io
import itertools

import pytest
from django.apps import apps
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from alianzas.management.commands.seed_demo import (
    DEMO_PASSWORD,
    SYNTHETIC_ALLIANCE_PREFIX,
    Command,
    synthetic_actors,
    synthetic_alliances,
    synthetic_commitments,
    synthetic_measurements,
)
from alianzas.models import Actor, Alliance, Membership, Role, Sector, User
from alianzas.validators import validate_ruc
from fases.lifecycle import Phase
from fases.models import Evaluation, PhaseChange
from fases.requirements import unmet_requirements
from seguimiento.models import OPEN_STATUSES, Commitment, CommitmentStatus

pytestmark = pytest.mark.django_db

SMALL_SYNTHETIC = ["--alliances", "30", "--actors", "20", "--commitments", "300"]
SMALL_SYNTHETIC += ["--measurements", "100"]


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # The demo users' passwords are hashed for real; a fast hasher keeps the tests quick.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def seed(*args, **options) -> str:
    out = io.StringIO()
    call_command("seed_demo", *args, stdout=out, **options)
    return out.getvalue()


def snapshot() -> dict:
    """Every model's row count, and what a rerun could change without adding rows."""
    state = {model._meta.label: model.objects.count() for model in apps.get_models()}
    state["actors"] = list(Actor.objects.order_by("pk").values_list("pk", "updated_at", "ruc"))
    state["alliances"] = list(
        Alliance.objects.order_by("pk").values_list("pk", "phase", "cycle", "updated_at")
    )
    state["commitments"] = list(
        Commitment.objects.order_by("pk").values_list("pk", "status", "progress", "updated_at")
    )
    state["users"] = list(
        User.objects.order_by("pk").values_list("pk", "password", "is_staff", "is_superuser")
    )
    state["representatives"] = list(
        Actor.representatives.through.objects.order_by("pk").values_list("pk", flat=True)
    )
    state["phase_changes"] = list(PhaseChange.objects.order_by("pk").values_list("pk", flat=True))
    return state


def printed_logins(output: str) -> list[tuple[str, str]]:
    logins = []
    for line in output.splitlines():
        words = line.split()
        if len(words) >= 2 and words[1] == DEMO_PASSWORD:
            logins.append((words[0], words[1]))
    return logins


def curated_alliances():
    return Alliance.objects.exclude(name__startswith=SYNTHETIC_ALLIANCE_PREFIX)


# --- The curated demo -------------------------------------------------------------


def test_a_second_run_creates_and_changes_nothing():
    seed()
    before = snapshot()

    output = seed()

    assert snapshot() == before
    assert "ya existía" in output


def test_the_demo_covers_every_sector_with_valid_rucs():
    seed()

    actors = Actor.objects.all()
    assert 10 <= actors.count() <= 16
    assert {actor.sector for actor in actors} == set(Sector.values)
    for actor in actors:
        assert actor.region_id is not None
        assert actor.phone
        if actor.ruc:
            assert actor.ruc.startswith("20")
            validate_ruc(actor.ruc)
    assert actors.exclude(ruc="").count() >= 8


def test_the_demo_has_an_alliance_in_every_phase_and_one_in_its_second_cycle():
    seed()

    alliances = curated_alliances()
    assert {alliance.phase for alliance in alliances} == set(Phase.values)
    second_cycle = alliances.get(cycle=2)
    assert second_cycle.phase_changes.filter(transition="continue_cycle", cycle=2).exists()
    assert second_cycle.evaluations.get(cycle=1).decision == Evaluation.Decision.CONTINUE
    closed = alliances.get(phase=Phase.CLOSED)
    assert closed.evaluations.get(cycle=1).decision == Evaluation.Decision.CLOSE
    assert closed.phase_changes.filter(transition="close").exists()


def test_every_curated_alliance_reached_its_phase_through_recorded_changes():
    seed()

    for alliance in curated_alliances():
        changes = list(alliance.phase_changes.order_by("created_at", "pk"))
        if alliance.phase == Phase.IDENTIFICATION:
            assert changes == []
            continue
        assert changes[-1].target_phase == alliance.phase
        assert changes[-1].cycle == alliance.cycle
        assert all(change.user.is_superuser for change in changes)
        leaders = alliance.memberships.filter(left_on__isnull=True, role=Role.LEADER)
        assert leaders.count() == 1
        assert alliance.coordinators.exists()
        assert alliance.goals.exists()
        assert alliance.regions.exists()


def test_the_identification_alliance_shows_what_it_still_lacks():
    seed()

    alliance = curated_alliances().get(phase=Phase.IDENTIFICATION)

    unmet = unmet_requirements(alliance, "start_implementation")
    assert unmet
    assert {requirement.code for requirement in unmet} >= {"actor_commitment"}


def test_commitments_are_in_progress_fulfilled_and_overdue():
    seed()

    commitments = Commitment.objects.all()
    assert commitments.filter(status=CommitmentStatus.IN_PROGRESS).exists()
    assert commitments.filter(status=CommitmentStatus.FULFILLED).exists()
    assert commitments.filter(status__in=OPEN_STATUSES, due_date__lt=timezone.localdate()).exists()
    for commitment in commitments.exclude(status=CommitmentStatus.PENDING):
        latest = commitment.updates.first()
        assert latest.progress == commitment.progress
        assert latest.status == commitment.status


def test_the_printed_logins_sign_in_with_their_roles(rf):
    output = seed()

    logins = printed_logins(output)
    assert len(logins) >= 6
    users = []
    for username, password in logins:
        # With the request, as the sign-in page calls it (django-axes needs it).
        user = authenticate(rf.post("/"), username=username, password=password)
        assert user is not None, username
        users.append(user)
    administrators = [user for user in users if user.is_staff and user.is_superuser]
    coordinators = [user for user in users if user.coordinated_alliances.exists()]
    representatives = [user for user in users if user.actors.exists()]
    assert len(administrators) == 1
    assert 2 <= len(coordinators) <= 3
    assert len(representatives) >= 3
    assert "solo para la demostración" in output


def test_a_rerun_does_not_reset_a_changed_password(rf):
    seed()
    user = User.objects.get(username="coord.quispe")
    user.set_password("otra-clave-privada-2026")
    user.save()

    output = seed()

    assert authenticate(rf.post("/"), username="coord.quispe", password="otra-clave-privada-2026")
    assert "coord.quispe" in output


# --- Synthetic data ---------------------------------------------------------------


def test_synthetic_data_reaches_exactly_the_totals_asked_for():
    seed(*SMALL_SYNTHETIC)

    assert synthetic_actors().count() == 20
    assert synthetic_alliances().count() == 30
    assert synthetic_commitments().count() == 300
    assert synthetic_measurements().count() == 100


def test_synthetic_commitments_belong_to_active_members_only():
    seed(*SMALL_SYNTHETIC)

    active_member = Membership.objects.filter(
        alliance=OuterRef("alliance"), actor=OuterRef("actor"), left_on__isnull=True
    )
    assert not synthetic_commitments().exclude(Exists(active_member)).exists()
    overdue = synthetic_commitments().filter(
        status__in=OPEN_STATUSES, due_date__lt=timezone.localdate()
    )
    assert overdue.exists()


def test_synthetic_alliances_are_consistent():
    seed(*SMALL_SYNTHETIC)

    alliances = synthetic_alliances().annotate(
        members=Count("memberships", filter=Q(memberships__left_on__isnull=True)),
        sectors=Count(
            "memberships__actor__sector",
            filter=Q(memberships__left_on__isnull=True),
            distinct=True,
        ),
        leaders=Count(
            "memberships",
            filter=Q(memberships__left_on__isnull=True, memberships__role=Role.LEADER),
        ),
    )
    for alliance in alliances:
        assert 2 <= alliance.members <= 5
        assert alliance.sectors >= 2
        assert alliance.leaders == 1
        assert alliance.objectives.filter(indicators__isnull=False).exists()
        changes = list(alliance.phase_changes.order_by("created_at", "pk"))
        if changes:
            assert (changes[-1].target_phase, changes[-1].cycle) == (alliance.phase, alliance.cycle)
            assert changes[0].source_phase == Phase.IDENTIFICATION
            for earlier, later in itertools.pairwise(changes):
                assert later.source_phase == earlier.target_phase
        else:
            assert (alliance.phase, alliance.cycle) == (Phase.IDENTIFICATION, 1)
    today = timezone.localdate()
    assert not synthetic_measurements().filter(period_start__gt=today).exists()
    assert not synthetic_measurements().filter(cycle__isnull=True).exists()


def test_a_synthetic_rerun_with_the_same_numbers_adds_nothing():
    seed(*SMALL_SYNTHETIC)
    before = snapshot()

    output = seed(*SMALL_SYNTHETIC)

    assert snapshot() == before
    assert "no hay nada que añadir" in output


def test_larger_totals_add_only_the_difference():
    seed("--actors", "10", "--alliances", "5", "--commitments", "20", "--measurements", "10")

    seed("--actors", "15", "--alliances", "8", "--commitments", "50", "--measurements", "30")

    assert synthetic_actors().count() == 15
    assert synthetic_actors().values("name").distinct().count() == 15
    assert synthetic_alliances().count() == 8
    assert synthetic_commitments().count() == 50
    assert synthetic_measurements().count() == 30


# --- Refusals -------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["--alliances", "-1"],
        ["--actors=-5"],
        ["--commitments", "muchos"],
        ["--measurements", "2.5"],
        ["--batch-size", "0"],
        ["--commitments", "10"],  # no synthetic alliances to hold them
        ["--alliances", "10", "--actors", "2"],  # too few actors to build them from
    ],
)
def test_bad_input_is_refused_and_changes_nothing(args):
    before = snapshot()

    with pytest.raises(CommandError):
        seed(*args)

    assert snapshot() == before


def test_bad_values_given_as_keyword_arguments_are_refused():
    before = snapshot()

    with pytest.raises(CommandError, match="debe ser al menos 0"):
        seed(measurements=-3)
    with pytest.raises(CommandError, match="debe ser un número entero"):
        seed(actors="veinte")

    assert snapshot() == before


def test_the_help_lists_the_size_options():
    text = Command().create_parser("manage.py", "seed_demo").format_help()

    for option in ("--actors", "--alliances", "--commitments", "--measurements", "--batch-size"):
        assert option in text


def test_verbosity_zero_prints_nothing():
    assert seed(verbosity=0) == ""
