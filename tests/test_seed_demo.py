"""The demo loader: a curated demo in every phase, idempotent, and bulk synthetic data."""

import contextlib
import io
import itertools

import pytest
import yaml
from django.apps import apps
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.test.utils import override_settings
from django.utils import timezone

from alianzas.criteria import EVALUATION_CRITERIA
from alianzas.lifecycle import DECIDED, NEW_CYCLE_TRANSITIONS, TRANSITION_NAMES, Phase
from alianzas.models import Actor, Alliance, Membership, PhaseChange, Role, Sector, User
from alianzas.validators import validate_ruc
from fases.demo import curated, synthetic
from fases.demo.curated import DEMO_PASSWORD, load_stories
from fases.demo.phases import Walk
from fases.demo.synthetic import (
    SYNTHETIC_ALLIANCE_PREFIX,
    synthetic_actors,
    synthetic_alliances,
    synthetic_commitments,
    synthetic_measurements,
)
from fases.management.commands.seed_demo import Command
from fases.models import Evaluation
from fases.requirements import unmet_requirements
from seguimiento.models import OPEN_STATUSES, Commitment, CommitmentStatus, CommitmentUpdate

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


@contextlib.contextmanager
def seeded_once(tmp_path_factory, django_db_blocker, *args):
    """``seed_demo`` run once for a class of tests that read what it made: each test's own
    changes are rolled back to it (a savepoint), and the whole is rolled back after the
    class (one run of about 3 s, not one a test)."""
    media = tmp_path_factory.mktemp("media")
    with (
        django_db_blocker.unblock(),
        override_settings(MEDIA_ROOT=media),
        transaction.atomic(),
    ):
        output = seed(*args)
        yield output
        transaction.set_rollback(True)


@pytest.fixture(scope="class")
def curated_demo(django_db_setup, django_db_blocker, tmp_path_factory):
    """The curated demo, seeded once for a class; what ``seed_demo`` printed."""
    with seeded_once(tmp_path_factory, django_db_blocker) as output:
        yield output


@pytest.fixture(scope="class")
def small_synthetic_data(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo with small synthetic totals, seeded once for a class."""
    with seeded_once(tmp_path_factory, django_db_blocker, *SMALL_SYNTHETIC) as output:
        yield output


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


@pytest.mark.usefixtures("curated_demo")
class TestTheCuratedDemo:
    """What one run of the curated demo leaves, and what a second run keeps."""

    def test_a_second_run_creates_and_changes_nothing(self):
        before = snapshot()

        output = seed()

        assert snapshot() == before
        assert "ya existía" in output

    def test_the_demo_covers_every_sector_with_valid_rucs(self):
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

    def test_the_demo_has_an_alliance_in_every_phase_and_one_in_its_second_cycle(self):
        alliances = curated_alliances()
        assert {alliance.phase for alliance in alliances} == set(Phase.values)
        second_cycle = alliances.get(cycle=2)
        assert second_cycle.phase_changes.filter(transition="continue_cycle", cycle=2).exists()
        assert second_cycle.evaluations.get(cycle=1).decision == Evaluation.Decision.CONTINUE
        closed = alliances.get(phase=Phase.CLOSED)
        assert closed.evaluations.get(cycle=1).decision == Evaluation.Decision.CLOSE
        assert closed.phase_changes.filter(transition="close").exists()

    def test_every_curated_alliance_reached_its_phase_through_recorded_changes(self):
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

    def test_the_identification_alliance_shows_what_it_still_lacks(self):
        alliance = curated_alliances().get(phase=Phase.IDENTIFICATION)

        unmet = unmet_requirements(alliance, "start_implementation")
        assert unmet
        assert {requirement.code for requirement in unmet} >= {"actor_commitment"}

    def test_commitments_are_in_progress_fulfilled_and_overdue(self):
        commitments = Commitment.objects.all()
        assert commitments.filter(status=CommitmentStatus.IN_PROGRESS).exists()
        assert commitments.filter(status=CommitmentStatus.FULFILLED).exists()
        assert commitments.filter(
            status__in=OPEN_STATUSES, due_date__lt=timezone.localdate()
        ).exists()
        for commitment in commitments.exclude(status=CommitmentStatus.PENDING):
            latest = commitment.updates.first()
            assert latest.progress == commitment.progress
            assert latest.status == commitment.status

    def test_the_printed_logins_sign_in_with_their_roles(self, curated_demo, rf):
        output = curated_demo

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

    def test_a_rerun_does_not_reset_a_changed_password(self, rf):
        user = User.objects.get(username="coord.quispe")
        user.set_password("otra-clave-privada-2026")
        user.save()

        output = seed()

        assert authenticate(
            rf.post("/"), username="coord.quispe", password="otra-clave-privada-2026"
        )
        assert "coord.quispe" in output


# --- The stories file ---------------------------------------------------------------


@pytest.fixture
def stories(tmp_path, monkeypatch):
    """A copy of the stories file that the test edits and seed_demo then reads."""
    copy = tmp_path / "stories.yaml"

    def write(data: dict) -> None:
        copy.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))

    data = load_stories()
    monkeypatch.setattr(curated, "STORIES_FILE", copy)
    write(data)
    return data, write


def test_the_stories_file_drives_the_demo(stories):
    data, write = stories
    story = next(a for a in data["alliances"] if a["name"].startswith("Café de especialidad"))
    story["name"] = "Cacao fino de aroma en el VRAEM"
    story["members"].append({"actor": "pucp", "role": "technical_ally"})
    commitment = {"actor": "pucp", "description": "Medir la huella de carbono del cacao"}
    story["story"].insert(0, {"commitment": {**commitment, "kind": "technical", "due_in_days": 90}})
    story["story"].append({"phase": "start_monitoring", "comment": "Primera cosecha."})
    data["alliances"] = [story]
    data["users"].append(
        {
            "username": "rep.pucp",
            "first_name": "Inés",
            "last_name": "Rojas",
            "role": "representative",
            "actor": "pucp",
        }
    )
    write(data)

    output = seed()

    alliance = Alliance.objects.get()
    assert alliance.name == "Cacao fino de aroma en el VRAEM"
    assert alliance.phase == Phase.MONITORING
    assert alliance.memberships.filter(actor__acronym="PUCP", role=Role.TECHNICAL_ALLY).exists()
    assert alliance.commitments.get(actor__acronym="PUCP").description.endswith("del cacao")
    assert list(alliance.phase_changes.values_list("transition", "comment").order_by("pk")) == [
        (
            "start_implementation",
            "Convenio firmado por los cuatro socios en la mesa técnica del café.",
        ),
        ("start_monitoring", "Primera cosecha."),
    ]
    assert ("rep.pucp", DEMO_PASSWORD) in printed_logins(output)
    assert User.objects.get(username="rep.pucp").actors.get().acronym == "PUCP"


def test_a_story_the_method_does_not_allow_stops_and_says_where(stories):
    data, write = stories
    story = data["alliances"][0]  # in Identificación, without what implementation needs
    story["story"].append({"phase": "start_implementation", "comment": "Demasiado pronto."})
    write(data)
    before = snapshot()

    with pytest.raises(CommandError) as refused:
        seed()

    assert story["name"] in str(refused.value)
    assert f"paso {len(story['story'])} (phase)" in str(refused.value)
    assert snapshot() == before


def test_a_misspelt_key_in_the_stories_file_is_named(stories):
    data, write = stories
    step = next(step for step in data["alliances"][1]["story"] if "phase" in step)
    step["coment"] = step.pop("comment")
    write(data)

    with pytest.raises(CommandError, match="'coment'"):
        seed()

    assert not Alliance.objects.exists()


# --- Synthetic data ---------------------------------------------------------------


@pytest.mark.usefixtures("small_synthetic_data")
class TestSmallSyntheticData:
    """What one run with small synthetic totals leaves, and what a second run keeps."""

    def test_synthetic_data_reaches_exactly_the_totals_asked_for(self):
        assert synthetic_actors().count() == 20
        assert synthetic_alliances().count() == 30
        assert synthetic_commitments().count() == 300
        assert synthetic_measurements().count() == 100

    def test_synthetic_commitments_belong_to_active_members_only(self):
        active_member = Membership.objects.filter(
            alliance=OuterRef("alliance"), actor=OuterRef("actor"), left_on__isnull=True
        )
        assert not synthetic_commitments().exclude(Exists(active_member)).exists()
        overdue = synthetic_commitments().filter(
            status__in=OPEN_STATUSES, due_date__lt=timezone.localdate()
        )
        assert overdue.exists()

    def test_synthetic_alliances_are_consistent(self):
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
                assert (changes[-1].target_phase, changes[-1].cycle) == (
                    alliance.phase,
                    alliance.cycle,
                )
                assert changes[0].source_phase == Phase.IDENTIFICATION
                for earlier, later in itertools.pairwise(changes):
                    assert later.source_phase == earlier.target_phase
            else:
                assert (alliance.phase, alliance.cycle) == (Phase.IDENTIFICATION, 1)
        today = timezone.localdate()
        assert not synthetic_measurements().filter(period_start__gt=today).exists()
        assert not synthetic_measurements().filter(cycle__isnull=True).exists()

    def test_a_synthetic_rerun_with_the_same_numbers_adds_nothing(self):
        before = snapshot()

        output = seed(*SMALL_SYNTHETIC)

        assert snapshot() == before
        assert "no hay nada que añadir" in output


def test_a_larger_rerun_adds_only_the_difference_in_chunks_and_reuses_the_rows(monkeypatch):
    # Alliances are built a chunk at a time (memory stays flat at 100,000 of them).
    monkeypatch.setattr(synthetic, "ALLIANCES_PER_CHUNK", 7)
    seed(*SMALL_SYNTHETIC)
    before = snapshot()
    seed(*SMALL_SYNTHETIC)
    assert snapshot() == before  # a second run reuses the rows

    seed("--alliances", "32", "--actors", "20", "--commitments", "500", "--measurements", "250")

    assert synthetic_alliances().count() == 32
    assert synthetic_commitments().count() == 500
    assert synthetic_measurements().count() == 250
    assert (
        list(
            Commitment.objects.order_by("pk").values_list("pk", "status", "progress", "updated_at")
        )[: len(before["commitments"])]
        == before["commitments"]
    )
    # Each started commitment has the one progress update its status follows from.
    started = synthetic_commitments().exclude(status=CommitmentStatus.PENDING)
    assert not started.exclude(
        Exists(
            CommitmentUpdate.objects.filter(
                commitment=OuterRef("pk"), status=OuterRef("status"), progress=OuterRef("progress")
            )
        )
    ).exists()
    assert (
        not synthetic_commitments().filter(status=CommitmentStatus.PENDING, progress__gt=0).exists()
    )
    assert (
        not synthetic_commitments()
        .filter(status=CommitmentStatus.FULFILLED, progress__lt=100)
        .exists()
    )
    # Each indicator's values fill its periods backwards, one value a period.
    periods = synthetic_measurements().values("indicator_id", "period_start")
    assert periods.distinct().count() == 250


def test_synthetic_phase_changes_walk_the_lifecycle_graph():
    """Every synthetic alliance's PhaseChange rows go from Identificación, cycle 1, to its
    phase and cycle through transitions of the graph, written as change_phase writes them,
    and every evaluation is recorded as record_evaluation records it."""
    seed("--alliances", "200", "--actors", "20")
    admin = User.objects.get(username="admin")
    taken = set()

    for alliance in synthetic_alliances().prefetch_related("phase_changes", "evaluations"):
        phase, cycle = Phase.IDENTIFICATION, 1
        decided = {}
        for change in sorted(alliance.phase_changes.all(), key=lambda c: (c.created_at, c.pk)):
            transition = getattr(Alliance, change.transition)._django_fsm.get_transition(phase)
            assert transition is not None, (alliance.name, change.transition, phase)
            assert (change.source_phase, change.target_phase) == (phase, transition.target)
            cycle += change.transition in NEW_CYCLE_TRANSITIONS
            assert change.cycle == cycle
            assert change.user == admin
            if change.source_phase == Phase.EVALUATION and change.transition != "close_early":
                decided[cycle - (change.transition in NEW_CYCLE_TRANSITIONS)] = change.transition
            phase = change.target_phase
            taken.add(change.transition)
        assert (phase, cycle) == (alliance.phase, alliance.cycle)
        evaluations = {e.cycle: e for e in alliance.evaluations.all()}
        assert {n: DECIDED[e.decision] for n, e in evaluations.items()} == decided
        for evaluation in evaluations.values():
            assert evaluation.author == admin
            assert evaluation.ratings.count() == len(EVALUATION_CRITERIA)
    assert taken == set(TRANSITION_NAMES)


def test_the_bulk_path_refuses_a_step_the_graph_does_not_have():
    walk = Walk()

    with pytest.raises(ValueError, match="close"):
        walk.take("close")  # only from Evaluación
    walk.take("start_implementation")

    assert (walk.phase, walk.cycle, len(walk.steps)) == (Phase.IMPLEMENTATION, 1, 1)


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
