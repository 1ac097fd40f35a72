"""The curated demo: the actors, people and alliances of ``stories.yaml``, performed through
the application's own services.

The file is data that someone who does not program can edit (its header explains it). Each
alliance is created with its members, objectives and indicators, and then its ``story`` is
performed step by step, in order, as people would have done it in the application:

- ``commitment``: a commitment of a member in the alliance's current cycle;
- ``progress``: ``seguimiento.services.log_progress``;
- ``measurements``: an indicator's values for past reporting periods;
- ``phase``: ``fases.services.change_phase`` (so the conditions for success are checked and
  the ``PhaseChange`` row written), by the administrator unless ``by`` names someone else;
- ``evaluation``: ``fases.services.record_evaluation``;
- ``agreement``: the partnering agreement drafted and signed by every member, or renewed
  (``fases/demo/agreements.py``).

Idempotent: actors are found by name and users by username and created only when missing,
and an alliance that already exists (by name) is skipped whole, so a second run creates and
changes nothing. A mistake in the file (an unknown key or code, a person or actor the file
does not define, a step the method refuses) stops the command with a message naming the
alliance and the step; ``seed_demo`` works in one transaction, so nothing is kept.
"""

import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

import yaml
from django.core.exceptions import ValidationError
from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from alianzas import places
from alianzas.criteria import EVALUATION_CRITERIA
from alianzas.models import (
    Actor,
    Alliance,
    Direction,
    Frequency,
    Indicator,
    Membership,
    Objective,
    Region,
    SustainableDevelopmentGoal,
    User,
)
from alianzas.refusals import Refused
from fases.demo import agreements as demo_agreements
from fases.demo import governance as demo_governance
from fases.demo.common import add_months, past_period, ruc
from fases.services import change_phase, record_evaluation
from seguimiento.models import Commitment, Measurement
from seguimiento.services import log_progress

STORIES_FILE = Path(__file__).with_name("stories.yaml")
DEMO_PASSWORD = "alianzas-demo-2026"
ADMINISTRATOR = "administrator"
ROLES = (ADMINISTRATOR, "coordinator", "representative")

# The keys each part of the file may have: a misspelt key is refused, not silently ignored.
FIELDS = {
    "file": {"actors", "users", "alliances"},
    "actor": {"key", "name", "acronym", "sector", "ruc", "region", "website", "email"}
    | {"phone", "address", "description"},
    "user": {"username", "first_name", "last_name", "role", "actor"},
    "alliance": {"name", "problem", "origin", "regions", "goals", "coordinators"}
    | {"started_months_ago", "members", "objectives", "story"},
    "member": {"actor", "role"},
    "objective": {"title", "description", "indicators"},
    "indicator": {"key", "name", "unit", "baseline", "target", "frequency", "direction"}
    | {"responsible"},
    "commitment": {"key", "actor", "description", "kind", "value", "due_in_days"},
    "progress": {"commitment", "by", "percent", "note"},
    "measurements": {"indicator", "by", "note", "values"},
    "phase": {"phase", "comment", "by"},
    "evaluation": {"decision", "findings", "lessons", "scores", "by"},
    "agreement": demo_agreements.FIELDS,
}
STEPS = ("commitment", "progress", "measurements", "phase", "evaluation", "agreement")


class StoryError(CommandError):
    """A mistake in the stories file.

    Its messages are in Spanish, like the file itself: they are for the people who edit
    the file, not part of the application's interface.
    """


def load_stories(path: Path | None = None) -> dict:
    """The stories file, read and its keys checked (``STORIES_FILE`` unless ``path``)."""
    path = Path(path or STORIES_FILE)
    try:
        stories = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise StoryError(f"{path.name} no es YAML válido: {error}") from error
    check_keys(stories, "file", path.name)
    for part in ("actors", "users", "alliances"):
        if not isinstance(stories.get(part), list):
            raise StoryError(f"{path.name}: «{part}» debe ser una lista.")
    for actor in stories["actors"]:
        check_keys(actor, "actor", f"actor «{actor.get('key')}»")
    for user in stories["users"]:
        check_keys(user, "user", f"usuario «{user.get('username')}»")
        if user.get("role") not in ROLES:
            raise StoryError(
                f"usuario «{user.get('username')}»: el rol debe ser {', '.join(ROLES)}."
            )
    if [user["role"] for user in stories["users"]].count(ADMINISTRATOR) != 1:
        raise StoryError(f"{path.name}: debe haber exactamente un usuario «{ADMINISTRATOR}».")
    for alliance in stories["alliances"]:
        where = f"alianza «{alliance.get('name')}»"
        check_keys(alliance, "alliance", where)
        for member in alliance.get("members") or []:
            check_keys(member, "member", where)
        for objective in alliance.get("objectives") or []:
            check_keys(objective, "objective", where)
            for indicator in objective.get("indicators") or []:
                check_keys(indicator, "indicator", where)
        for number, step in enumerate(alliance.get("story") or [], start=1):
            kind, details = step_parts(step, f"{where}, paso {number}")
            check_keys(details, kind, f"{where}, paso {number} ({kind})")
    return stories


def check_keys(data, part: str, where: str) -> None:
    if not isinstance(data, dict):
        raise StoryError(f"{where}: se esperaba una lista de «clave: valor».")
    unknown = sorted(set(data) - FIELDS[part])
    if unknown:
        raise StoryError(
            f"{where}: clave desconocida {', '.join(map(repr, unknown))}; "
            f"se admiten: {', '.join(sorted(FIELDS[part]))}."
        )


def step_parts(step, where: str) -> tuple[str, dict]:
    """A step's kind and its details: ``{phase: name, comment: …}`` is written flat, every
    other kind as ``{kind: {…}}``."""
    kinds = [key for key in step if key in STEPS] if isinstance(step, dict) else []
    if len(kinds) != 1:
        raise StoryError(f"{where}: cada paso es uno de {', '.join(STEPS)}.")
    kind = kinds[0]
    return kind, (step if kind == "phase" else step[kind])


def decimal(value, where: str) -> Decimal:
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise StoryError(f"{where}: «{value}» no es un número.") from None


class CuratedDemo:
    """Creates what is missing of the curated demo, through the real services."""

    def __init__(self, command, today: datetime.date, stories: dict | None = None):
        self.command = command
        self.today = today
        self.stories = stories or load_stories()
        self.actors: dict[str, Actor] = {}
        self.users: dict[str, User] = {}
        self.created_users: set[str] = set()

    def write(self, message: str) -> None:
        self.command.say(message)

    @property
    def admin(self) -> User:
        return next(
            self.users[user["username"]]
            for user in self.stories["users"]
            if user["role"] == ADMINISTRATOR
        )

    def run(self) -> None:
        self.write(self.command.style.MIGRATE_HEADING(_("Curated demo")))
        self.load_actors()
        self.load_users()
        for story in self.stories["alliances"]:
            self.where = f"alianza «{story.get('name')}»"
            try:
                self.tell(story)
            except (ValidationError, Refused, ValueError) as error:
                messages = getattr(error, "messages", None) or [str(error)]
                raise StoryError(f"{self.where}: {' '.join(map(str, messages))}") from error

    # --- Actors and people ---

    def load_actors(self) -> None:
        regions = {region.code: region for region in Region.objects.all()}
        created = 0
        for data in self.stories["actors"]:
            data = dict(data)
            key = data.pop("key")
            actor = Actor.objects.filter(name=data.get("name")).order_by("pk").first()
            if actor is None:
                self.where = f"actor «{key}»"
                digits = str(data.get("ruc") or "")
                data["ruc"] = ruc(digits) if digits else ""
                data["region"] = self.pick(regions, region_code(data.get("region")), "región")
                data = {name: "" if value is None else value for name, value in data.items()}
                actor = Actor(**data)
                try:
                    actor.full_clean()
                except ValidationError as error:
                    raise StoryError(f"{self.where}: {' '.join(error.messages)}") from error
                actor.save()
                created += 1
            self.actors[key] = actor
        self.write(
            _("Actors: %(created)s created, %(existing)s already there.")
            % {"created": created, "existing": len(self.stories["actors"]) - created}
        )

    def load_users(self) -> None:
        people = self.stories["users"]
        for person in people:
            username = person["username"]
            administrator = person["role"] == ADMINISTRATOR
            user, created = User.objects.get_or_create(
                username=username,
                defaults={
                    "first_name": person.get("first_name") or "",
                    "last_name": person.get("last_name") or "",
                    "email": f"{username}@alianzas.demo.example",
                    "is_staff": administrator,
                    "is_superuser": administrator,
                },
            )
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save(update_fields=["password"])
                self.created_users.add(username)
            if person.get("actor"):
                self.where = f"usuario «{username}»"
                # add() only inserts the link when it is missing.
                self.actor(person["actor"]).representatives.add(user)
            self.users[username] = user
        self.write(
            _("Users: %(created)s created, %(existing)s already there.")
            % {
                "created": len(self.created_users),
                "existing": len(people) - len(self.created_users),
            }
        )

    # --- Looking up what the file names ---

    def pick(self, known: dict, key, what: str):
        if key not in known:
            raise StoryError(f"{self.where}: {what} «{key}» desconocido.")
        return known[key]

    def actor(self, key) -> Actor:
        return self.pick(self.actors, key, "actor")

    def user(self, username) -> User:
        return self.admin if username is None else self.pick(self.users, username, "usuario")

    # --- One alliance ---

    def tell(self, story: dict) -> None:
        alliance = self.new_alliance(story)
        if alliance is None:
            return
        for member in story.get("members") or []:
            membership = Membership(
                alliance=alliance,
                actor=self.actor(member.get("actor")),
                role=member.get("role"),
                joined_on=alliance.start_date,
            )
            membership.full_clean()
            membership.save()
        indicators: dict[str, Indicator] = {}
        for position, data in enumerate(story.get("objectives") or [], start=1):
            objective = Objective(
                alliance=alliance,
                position=position,
                title=data.get("title", ""),
                description=data.get("description") or "",
            )
            objective.full_clean()
            objective.save()
            for indicator in data.get("indicators") or []:
                created = self.indicator(objective, indicator)
                if indicator.get("key"):
                    indicators[indicator["key"]] = created
        commitments: dict[str, Commitment] = {}
        where = self.where
        for position, step in enumerate(story.get("story") or [], start=1):
            kind, details = step_parts(step, where)
            self.where = f"{where}, paso {position} ({kind})"
            if kind == "commitment":
                commitment = self.commit(alliance, details)
                if details.get("key"):
                    commitments[details["key"]] = commitment
            elif kind == "progress":
                log_progress(
                    commitment=self.pick(commitments, details.get("commitment"), "compromiso"),
                    user=self.user(details.get("by")),
                    progress=details.get("percent"),
                    note=details.get("note") or "",
                )
            elif kind == "measurements":
                indicator = self.pick(indicators, details.get("indicator"), "indicador")
                for periods_ago, value in (details.get("values") or {}).items():
                    self.measure(indicator, int(periods_ago), value, details)
            elif kind == "agreement":
                demo_agreements.perform(
                    alliance,
                    details,
                    coordinator=alliance.coordinators.order_by("pk").first() or self.admin,
                    representatives={
                        self.actor(person["actor"]).pk: self.users[person["username"]]
                        for person in self.stories["users"]
                        if person.get("actor")
                    },
                )
            elif kind == "phase":
                change_phase(
                    alliance=alliance,
                    transition=details["phase"],
                    user=self.user(details.get("by")),
                    comment=details.get("comment") or "",
                )
            else:
                self.evaluate(alliance, details)
        self.where = where
        # The committee, meetings, action points and risks (fases/demo/governance.yaml).
        demo_governance.perform(
            alliance,
            coordinator=alliance.coordinators.order_by("pk").first() or self.admin,
            representatives={
                self.actor(person["actor"]).pk: self.users[person["username"]]
                for person in self.stories["users"]
                if person.get("actor")
            },
        )
        self.write(
            _("Alliance “%(name)s”: created, in phase “%(phase)s”, cycle %(cycle)s.")
            % {
                "name": alliance.name,
                "phase": alliance.get_phase_display(),
                "cycle": alliance.cycle,
            }
        )

    def new_alliance(self, story: dict) -> Alliance | None:
        """The alliance, or None when it already exists (then it is left as it is)."""
        name = story.get("name")
        if Alliance.objects.filter(name=name).exists():
            self.write(_("Alliance “%(name)s”: already there, left as it is.") % {"name": name})
            return None
        start = add_months(self.today.replace(day=1), -int(story.get("started_months_ago", 0)))
        alliance = Alliance(
            name=name,
            problem=story.get("problem", ""),
            origin=story.get("origin"),
            start_date=start,
            end_date=add_months(start, 36) - datetime.timedelta(days=1),
        )
        alliance.full_clean()
        alliance.save()
        regions = [region_code(code) for code in story.get("regions") or []]
        alliance.regions.set(Region.objects.filter(code__in=regions))
        places.sync_departments(alliance)
        alliance.goals.set(
            SustainableDevelopmentGoal.objects.filter(number__in=story.get("goals") or [])
        )
        alliance.coordinators.set([self.user(name) for name in story.get("coordinators") or []])
        return alliance

    def indicator(self, objective: Objective, data: dict) -> Indicator:
        alliance = objective.alliance
        target = data.get("target")
        indicator = Indicator(
            objective=objective,
            name=data.get("name", ""),
            unit=data.get("unit", ""),
            baseline_value=decimal(data.get("baseline"), self.where),
            baseline_date=alliance.start_date - datetime.timedelta(days=1),
            target_value=None if target is None else decimal(target, self.where),
            target_date=None if target is None else alliance.end_date,
            direction=data.get("direction", Direction.INCREASE),
            frequency=data.get("frequency", Frequency.QUARTERLY),
            responsible_actor=self.actor(data["responsible"]) if data.get("responsible") else None,
        )
        indicator.full_clean()
        indicator.save()
        return indicator

    def commit(self, alliance: Alliance, data: dict) -> Commitment:
        value = data.get("value")
        commitment = Commitment(
            alliance=alliance,
            actor=self.actor(data.get("actor")),
            cycle=alliance.cycle,
            description=data.get("description", ""),
            kind=data.get("kind"),
            value_pen=None if value is None else decimal(value, self.where),
            due_date=self.today + datetime.timedelta(days=int(data.get("due_in_days", 0))),
        )
        commitment.full_clean()
        commitment.save()
        return commitment

    def measure(self, indicator: Indicator, periods_ago: int, value, data: dict) -> None:
        start, end = past_period(self.today, indicator.frequency, periods_ago)
        measurement = Measurement(
            indicator=indicator,
            cycle=indicator.objective.alliance.cycle,
            period_start=start,
            period_end=end,
            value=decimal(value, self.where),
            reported_by=self.user(data.get("by")),
            note=data.get("note") or "",
        )
        measurement.full_clean()
        measurement.save()

    def evaluate(self, alliance: Alliance, data: dict) -> None:
        """Every criterion rated 4 unless ``scores`` says otherwise."""
        scores = data.get("scores") or {}
        unknown = set(scores) - {criterion.value for criterion in EVALUATION_CRITERIA}
        if unknown:
            raise StoryError(f"{self.where}: criterio desconocido {', '.join(sorted(unknown))}.")
        record_evaluation(
            alliance=alliance,
            user=self.user(data.get("by")),
            decision=data.get("decision"),
            findings=data.get("findings", ""),
            lessons_learned=data.get("lessons") or "",
            ratings={c.value: (scores.get(c.value, 4), "") for c in EVALUATION_CRITERIA},
        )

    def logins(self) -> list[tuple[str, str, str | None, bool]]:
        """Each demo user's username, role, represented actor's name, and whether this run
        created it."""
        names = {actor["key"]: actor["name"] for actor in self.stories["actors"]}
        return [
            (
                person["username"],
                person["role"],
                names.get(person.get("actor")),
                person["username"] in self.created_users,
            )
            for person in self.stories["users"]
        ]


def region_code(code) -> str:
    """``"05"``; also from ``5``, as YAML reads an unquoted ``05``."""
    return f"{code:02d}" if isinstance(code, int) else str(code or "")
