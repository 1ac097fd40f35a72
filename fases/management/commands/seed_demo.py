"""Load the demo: Peruvian actors, their people and alliances in every phase of the cycle.

Without options it loads the curated demo of ``fases/demo/stories.yaml`` (data that can be
edited without programming), idempotently: actors and users are found by name (and
username) and created only when missing, and a curated alliance that already exists (by
name) is skipped entirely, so a second run creates and changes nothing. The curated
alliances reach their phases through the real ``fases.services.change_phase`` and
``record_evaluation`` (``fases.demo.curated``), so the guards are honoured and the
``PhaseChange`` audit rows exist. It then prints the demo logins.

``--actors``, ``--alliances``, ``--commitments`` and ``--measurements`` add a large synthetic
dataset for benchmarks, with bulk inserts (``fases.demo.synthetic``; on PostgreSQL the
commitments and measurements are generated inside the database, ``fases.demo.generated``,
so the ten-times benchmark loads in minutes). Each number is a total of synthetic rows to
reach: a rerun with the same numbers adds nothing. Their phases take
the one documented bulk path, ``fases.demo.phases``: each alliance's history is a walk
through the lifecycle graph of ``alianzas.lifecycle`` (``FORWARD``, ``DECIDED``,
``NEW_CYCLE_TRANSITIONS`` and each transition's source and target as the model declares
them), and every step is written as the ``PhaseChange`` row ``change_phase`` would have
written (transition, source, target, cycle, user, date), every evaluation with its ratings
as ``record_evaluation`` would, without checking the conditions for success or locking rows.

It lives on the top floor (``fases``) because it uses all three apps, and it ships to
production: administrators load the demo there.
"""

import time

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from alianzas import generations
from fases.demo.curated import ADMINISTRATOR, DEMO_PASSWORD, CuratedDemo
from fases.demo.synthetic import SyntheticData

SIZE_OPTIONS = ("actors", "alliances", "commitments", "measurements")


class Command(BaseCommand):
    @property
    def help(self) -> str:
        # Translated when the parser is built: argparse cannot format a lazy string.
        return _(
            "Load the demo: Peruvian actors, users for every role and alliances in every phase. "
            "Idempotent. The size options add synthetic data for benchmarks; each is a total to "
            "reach, so a second run with the same numbers adds nothing."
        )

    def add_arguments(self, parser):
        helps = {
            "actors": _("Total of synthetic actors to reach (default 0)."),
            "alliances": _(
                "Total of synthetic alliances to reach, each with its members, objectives, "
                "indicators and phase history (default 0)."
            ),
            "commitments": _(
                "Total of commitments of the synthetic alliances to reach (default 0)."
            ),
            "measurements": _(
                "Total of measurements of the synthetic alliances to reach (default 0)."
            ),
        }
        for option in SIZE_OPTIONS:
            parser.add_argument(f"--{option}", type=int, default=0, metavar="N", help=helps[option])
        parser.add_argument(
            "--batch-size",
            type=int,
            default=5000,
            metavar="N",
            help=_("Rows per bulk insert (default 5000)."),
        )

    @staticmethod
    def number(option: str, value, minimum: int = 0) -> int:
        """The option's value as an integer of at least ``minimum``, or a clear refusal."""
        if isinstance(value, str):
            try:
                value = int(value.strip())
            except ValueError:
                value = None
        if not isinstance(value, int) or isinstance(value, bool):
            raise CommandError(
                _("--%(option)s must be a whole number.") % {"option": option.replace("_", "-")}
            )
        if value < minimum:
            raise CommandError(
                _("--%(option)s must be at least %(minimum)s, not %(value)s.")
                % {"option": option.replace("_", "-"), "minimum": minimum, "value": value}
            )
        return value

    def say(self, message: str) -> None:
        if self.verbosity >= 1:
            self.stdout.write(message)

    def handle(self, *args, **options):
        self.verbosity = options["verbosity"]
        sizes = {option: self.number(option, options[option]) for option in SIZE_OPTIONS}
        batch_size = self.number("batch_size", options["batch_size"], minimum=1)
        SyntheticData.check(sizes)

        started = time.monotonic()
        today = timezone.localdate()
        with transaction.atomic():
            demo = CuratedDemo(self, today)
            demo.run()
            if any(sizes.values()):
                SyntheticData(self, demo.admin, batch_size, today).run(**sizes)
            # Rows were bulk-created, without the signals that renew cached pages.
            generations.everything_changed()

        self.print_logins(demo)
        self.print_invitation()
        self.say(_("Done in %(seconds).1f s.") % {"seconds": time.monotonic() - started})

    def print_invitation(self) -> None:
        """A pending invitation to try how people come in (fases/demo/invitation.py)."""
        from fases.demo.invitation import demo_invitation

        found = demo_invitation()
        if found is None:
            return
        invitation, url = found
        self.say("")
        self.say(self.style.MIGRATE_HEADING(_("Demo invitation")))
        self.say(
            _("%(email)s is invited as %(role)s of “%(alliance)s”. Open this link, signed out:")
            % {
                "email": invitation.email,
                "role": invitation.role_label,
                "alliance": invitation.alliance.name,
            }
        )
        self.say(f"  {url}")

    def print_logins(self, demo: CuratedDemo) -> None:
        self.say("")
        self.say(self.style.MIGRATE_HEADING(_("Demo logins")))
        self.say(
            _(
                "Every demo user has the password below. It is for the demo only: never use "
                "these accounts outside a local demo."
            )
        )
        logins = demo.logins()
        for username, role, actor_name, created in logins:
            if role == ADMINISTRATOR:
                label = _("Administrator (staff and superuser)")
            elif role == "coordinator":
                label = _("Coordinator")
            else:
                label = _("Representative of %(actor)s") % {"actor": actor_name}
            marker = "" if created else " *"
            self.say(f"  {username:<20} {DEMO_PASSWORD}  {label}{marker}")
        if not all(created for *_rest, created in logins):
            self.say(_("* Already existed before this run: its password was not reset."))
