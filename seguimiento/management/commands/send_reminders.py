"""Run the reminder sweep by hand, as Celery beat does every few minutes.

    python manage.py send_reminders            # record what is due and e-mail it
    python manage.py send_reminders --dry-run  # only say what would be recorded and sent

Both print, per person, the reminders of each kind, and how long the sweep took with
the process's peak memory.
"""

import json
import resource
import sys
import time
from collections import Counter, defaultdict

from django.core.management.base import BaseCommand
from django.db.models import Count
from django.utils.translation import gettext as _

from alianzas.models import User
from seguimiento import reminders
from seguimiento.models import EmailOptOut, OutgoingMessage, ReminderRule

# Without -v 2, at most this many people are listed.
LISTED = 20


def peak_memory_mb() -> float:
    """The process's peak resident memory. On Linux from /proc (VmHWM), because
    ``ru_maxrss`` carries over the parent's peak into a child started by fork and exec."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # Kilobytes on Linux, bytes on macOS.
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


class Command(BaseCommand):
    @property
    def help(self) -> str:
        return _(
            "Record the reminders due now and e-mail each person one message, as the "
            "periodic task does. With --dry-run, only print what would be recorded and sent."
        )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help=_("Print what is due without recording or sending anything."),
        )
        parser.add_argument(
            "--json",
            action="store_true",
            help=_("Print only one line of JSON with the counts, timings and peak memory."),
        )

    def handle(self, *args, **options):
        self.verbosity = options["verbosity"]
        started = time.monotonic()
        if options["dry_run"]:
            report = reminders.dry_run()
            self.print_dry_run(report)
        elif options["json"]:
            report = reminders.sweep()
            self.stdout.write(
                json.dumps(
                    {
                        "seconds": time.monotonic() - started,
                        **{f"{name}_seconds": value for name, value in report.seconds.items()},
                        "memory_mb": peak_memory_mb(),
                        "recorded": sum(report.recorded.values()),
                        "queued": len(report.claimed.message_ids),
                    }
                )
            )
            return
        else:
            report = reminders.sweep()
            self.print_sweep(report)
        timings = ", ".join(f"{name} {seconds:.2f} s" for name, seconds in report.seconds.items())
        self.say(
            _("Done in %(seconds).2f s (%(timings)s); peak memory %(memory).0f MB.")
            % {
                "seconds": time.monotonic() - started,
                "timings": timings,
                "memory": peak_memory_mb(),
            }
        )

    def say(self, message: str = "") -> None:
        if self.verbosity >= 1:
            self.stdout.write(message)

    def print_counts(self, heading: str, counts: Counter) -> None:
        self.say(self.style.MIGRATE_HEADING(heading))
        if not counts:
            self.say("  " + _("none"))
        for rule in ReminderRule:
            if counts.get(rule.value):
                self.say(f"  {rule.label}: {counts[rule.value]}")

    @staticmethod
    def kinds(counts: Counter) -> str:
        return ", ".join(
            f"{counts[rule.value]} × {rule.label}" for rule in ReminderRule if counts[rule.value]
        )

    def listed(self, rows: list) -> list:
        if self.verbosity >= 2 or len(rows) <= LISTED:
            return rows
        return rows[:LISTED]

    def print_more(self, rows: list) -> None:
        if self.verbosity < 2 and len(rows) > LISTED:
            self.say(
                "  "
                + _("… and %(count)s more (-v 2 lists them all).") % {"count": len(rows) - LISTED}
            )

    def print_sweep(self, report) -> None:
        self.print_counts(_("Reminders recorded"), report.recorded)
        ids = report.claimed.message_ids
        self.say(self.style.MIGRATE_HEADING(_("E-mails queued: %(count)s") % {"count": len(ids)}))
        listed = self.listed(ids)
        counts = defaultdict(Counter)
        addresses = {}
        for message_id, address, rule, count in (
            # Through the index of (recipient, id): the message's id is in no index.
            reminders.message_reminders(OutgoingMessage.objects.filter(pk__in=listed))
            .values_list("message_id", "message__address", "rule")
            .annotate(count=Count("pk"))
            .order_by()
        ):
            counts[message_id][rule] = count
            addresses[message_id] = address
        for message_id in listed:
            if message_id in addresses:
                self.say(f"  {addresses[message_id]}: {self.kinds(counts[message_id])}")
        self.print_more(ids)
        if report.claimed.skipped:
            self.say(
                _(
                    "%(count)s reminders shown in the application only "
                    "(e-mail switched off or no address)."
                )
                % {"count": report.claimed.skipped}
            )
        if report.requeued or report.failed_stuck:
            self.say(
                _(
                    "Lost e-mails queued again: %(requeued)s; "
                    "interrupted ones marked failed: %(failed)s."
                )
                % {"requeued": report.requeued, "failed": report.failed_stuck}
            )

    def print_dry_run(self, report) -> None:
        self.say(_("Dry run: nothing is recorded or sent."))
        self.print_counts(_("Reminders that would be recorded"), report.recorded)
        ids = sorted(report.due)
        people = User.objects.in_bulk(self.listed(ids))
        switched_off = Counter()
        for user_id, rule in EmailOptOut.objects.filter(user_id__in=list(people)).values_list(
            "user_id", "rule"
        ):
            switched_off[(user_id, rule)] = 1
        self.say(
            self.style.MIGRATE_HEADING(
                _("People who would be reminded: %(count)s") % {"count": len(ids)}
            )
        )
        for user_id in self.listed(ids):
            user = people.get(user_id)
            if user is None:
                continue
            counts = report.due[user_id]
            mailed = Counter(
                {rule: n for rule, n in counts.items() if not switched_off[(user_id, rule)]}
            )
            if not (user.is_active and user.email) or not mailed:
                note = _("application only")
            else:
                note = _("e-mail to %(address)s") % {"address": user.email}
            self.say(f"  {user.username} ({note}): {self.kinds(counts)}")
        self.print_more(ids)
