"""Reminders: the right people are told, once, before work falls due.

Time is controlled (``time_machine``); tasks run in-process, as in the embedded default.
The real path, a worker over Redis against PostgreSQL, is in ``test_reminders_worker``.
"""

import datetime
import re
from pathlib import Path
from smtplib import SMTPServerDisconnected
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.mail.backends import locmem
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from alianzas.models import Alliance
from seguimiento import reminders
from seguimiento.models import (
    EmailOptOut,
    OutgoingMessage,
    Reminder,
    ReminderPolicy,
    ReminderRule,
)
from tests.factories import (
    ActorFactory,
    AllianceFactory,
    CommitmentFactory,
    HealthCheckFactory,
    IndicatorFactory,
    MeasurementFactory,
    MembershipFactory,
    ObjectiveFactory,
    ReminderFactory,
    UserFactory,
)
from tests.processes import run_python
from tools.management.commands.bench_reminders import FLOOR_RUNS
from tools.management.commands.bench_reminders import Command as BenchReminders

pytestmark = pytest.mark.django_db

LIMA = ZoneInfo("America/Lima")
ROOT = Path(__file__).resolve().parent.parent
# 2026-03-04 is a Wednesday.
WEDNESDAY = datetime.date(2026, 3, 4)


def day(value: str) -> datetime.date:
    return datetime.date.fromisoformat(value)


@pytest.fixture
def on(time_machine):
    """``on("2026-03-04")`` moves the clock to 9:00 in Lima on that day."""

    def move(date: str, hour: int = 9):
        value = day(date)
        time_machine.move_to(
            datetime.datetime(value.year, value.month, value.day, hour, tzinfo=LIMA), tick=False
        )

    return move


@pytest.fixture
def sweep(django_capture_on_commit_callbacks):
    """Run the sweep as the periodic task does, with what it queues after the commit."""

    def run():
        with django_capture_on_commit_callbacks(execute=True):
            return reminders.sweep()

    return run


@pytest.fixture
def member(alliance):
    return alliance.memberships.get().actor


def reminded(rule: str | None = None) -> list[tuple[str, str, str]]:
    rows = Reminder.objects.order_by("recipient__username", "rule", "period")
    if rule:
        rows = rows.filter(rule=rule)
    return list(rows.values_list("recipient__username", "rule", "period"))


def sent_to(address: str) -> list:
    return [message for message in mail.outbox if message.to == [address]]


def monitoring(alliance: Alliance) -> Alliance:
    """Put ``alliance`` in Monitoreo (the phase's own guards are tested elsewhere)."""
    Alliance.objects.filter(pk=alliance.pk).update(phase="monitoring")
    alliance.refresh_from_db()
    return alliance


# --- Commitments falling due ------------------------------------------------------


def test_representatives_are_reminded_seven_days_and_one_day_before_the_due_date(
    on, sweep, alliance, member, member_representative
):
    CommitmentFactory(alliance=alliance, actor=member, due_date=day("2026-03-11"))
    due_soon = ReminderRule.COMMITMENT_DUE_SOON

    on("2026-03-03")
    sweep()
    assert reminded(due_soon) == []

    on("2026-03-04")
    sweep()
    assert reminded(due_soon) == [(member_representative.username, due_soon, "2026-03-11:first")]

    for date in ("2026-03-05", "2026-03-09"):
        on(date)
        sweep()
    assert len(reminded(due_soon)) == 1

    on("2026-03-10")
    sweep()
    assert [period for *_, period in reminded(due_soon)] == ["2026-03-11:first", "2026-03-11:last"]

    on("2026-03-11")  # the due date itself: neither soon nor overdue
    sweep()
    assert len(reminded(due_soon)) == 2
    assert reminded(ReminderRule.COMMITMENT_OVERDUE) == []


def test_a_commitment_registered_the_day_before_gets_only_the_last_notice(
    on, sweep, alliance, member
):
    on("2026-03-10")
    CommitmentFactory(alliance=alliance, actor=member, due_date=day("2026-03-11"))

    sweep()

    assert [p for *_, p in reminded(ReminderRule.COMMITMENT_DUE_SOON)] == ["2026-03-11:last"]


def test_lead_times_follow_the_global_policy_and_an_alliance_of_its_own(
    on, sweep, alliance, member
):
    ReminderPolicy.objects.filter(alliance=None).update(first_notice_days=14, last_notice_days=2)
    other = AllianceFactory()
    other_member = ActorFactory(representatives=[UserFactory(username="rep-otra")])
    MembershipFactory(alliance=other, actor=other_member)
    ReminderPolicy.objects.create(alliance=other, first_notice_days=3)  # the rest inherited
    CommitmentFactory(alliance=alliance, actor=member, due_date=day("2026-03-18"))
    CommitmentFactory(alliance=other, actor=other_member, due_date=day("2026-03-18"))

    on("2026-03-04")  # 14 days before
    sweep()
    assert [r for r, *_ in reminded(ReminderRule.COMMITMENT_DUE_SOON)] == ["representante-miembro"]

    on("2026-03-15")  # 3 days before: the other alliance's first notice
    sweep()
    on("2026-03-16")  # 2 days before: the last notice of both (inherited by the other)
    sweep()
    assert reminded(ReminderRule.COMMITMENT_DUE_SOON) == [
        ("rep-otra", "commitment_due_soon", "2026-03-18:first"),
        ("rep-otra", "commitment_due_soon", "2026-03-18:last"),
        ("representante-miembro", "commitment_due_soon", "2026-03-18:first"),
        ("representante-miembro", "commitment_due_soon", "2026-03-18:last"),
    ]


def test_an_overdue_commitment_tells_its_representatives_then_the_coordinators_after_the_grace(
    on, sweep, alliance, member, coordinator, member_representative
):
    CommitmentFactory(alliance=alliance, actor=member, due_date=day("2026-03-01"))

    on("2026-03-02")
    sweep()
    assert reminded(ReminderRule.COMMITMENT_OVERDUE) == [
        (member_representative.username, "commitment_overdue", "2026-03-01")
    ]
    assert reminded(ReminderRule.COMMITMENT_ESCALATION) == []

    on("2026-03-07")  # six days overdue: still within the grace period
    sweep()
    assert reminded(ReminderRule.COMMITMENT_ESCALATION) == []

    on("2026-03-08")  # seven days overdue
    sweep()
    on("2026-03-09")
    sweep()
    assert reminded(ReminderRule.COMMITMENT_ESCALATION) == [
        (coordinator.username, "commitment_escalation", "2026-03-01")
    ]
    assert len(reminded(ReminderRule.COMMITMENT_OVERDUE)) == 1


def test_a_new_due_date_is_reminded_again(on, sweep, alliance, member):
    commitment = CommitmentFactory(alliance=alliance, actor=member, due_date=day("2026-03-01"))
    on("2026-03-02")
    sweep()

    commitment.due_date = day("2026-03-05")
    commitment.save()
    on("2026-03-06")
    sweep()

    assert [p for *_, p in reminded(ReminderRule.COMMITMENT_OVERDUE)] == [
        "2026-03-01",
        "2026-03-05",
    ]


def test_finished_commitments_closed_alliances_and_old_debts_are_not_reminded(
    on, sweep, alliance, member
):
    fulfilled = CommitmentFactory(alliance=alliance, actor=member, due_date=day("2026-03-01"))
    type(fulfilled).objects.filter(pk=fulfilled.pk).update(status="fulfilled")
    cancelled = CommitmentFactory(alliance=alliance, actor=member, due_date=day("2026-03-01"))
    type(cancelled).objects.filter(pk=cancelled.pk).update(status="cancelled")
    # Overdue for longer than the policy looks back (30 days): on the dashboard, not mailed.
    CommitmentFactory(alliance=alliance, actor=member, due_date=day("2026-01-30"))
    closed = AllianceFactory()
    MembershipFactory(alliance=closed, actor=member)
    CommitmentFactory(alliance=closed, actor=member, due_date=day("2026-03-01"))
    Alliance.objects.filter(pk=closed.pk).update(phase="closed")

    on("2026-03-02")
    sweep()

    assert reminded(ReminderRule.COMMITMENT_OVERDUE) == []
    assert reminded(ReminderRule.COMMITMENT_ESCALATION) == []


def test_inactive_people_are_not_reminded(on, sweep, alliance, member, member_representative):
    member_representative.is_active = False
    member_representative.save()
    CommitmentFactory(alliance=alliance, actor=member, due_date=day("2026-03-01"))

    on("2026-03-02")
    sweep()

    assert reminded(ReminderRule.COMMITMENT_OVERDUE) == []


# --- Indicator values and health checks -----------------------------------------------


def test_a_missing_value_tells_the_responsible_actor_then_the_coordinators(
    on, sweep, alliance, member, coordinator, member_representative
):
    monitoring(alliance)
    objective = ObjectiveFactory(alliance=alliance)
    missing = IndicatorFactory(objective=objective, responsible_actor=member, frequency="quarterly")
    reported = IndicatorFactory(
        objective=objective, responsible_actor=member, frequency="quarterly"
    )
    MeasurementFactory(
        indicator=reported, period_start=day("2026-01-01"), period_end=day("2026-03-31")
    )
    # Monthly: its last period (March) was measured, the quarter's was not.
    IndicatorFactory(objective=objective, responsible_actor=member, frequency="annual")

    on("2026-03-31")  # the quarter has not ended
    sweep()
    assert reminded(ReminderRule.MEASUREMENT_MISSING) == []

    on("2026-04-01")
    sweep()
    assert Reminder.objects.filter(rule="measurement_missing").get().object_id == missing.pk
    assert reminded(ReminderRule.MEASUREMENT_MISSING) == [
        (member_representative.username, "measurement_missing", "2026-01-01")
    ]
    assert reminded(ReminderRule.MEASUREMENT_ESCALATION) == []

    on("2026-04-07")  # ended 7 days ago: the grace period is over
    sweep()
    assert reminded(ReminderRule.MEASUREMENT_ESCALATION) == [
        (coordinator.username, "measurement_escalation", "2026-01-01")
    ]

    MeasurementFactory(
        indicator=missing, period_start=day("2026-01-01"), period_end=day("2026-03-31")
    )
    on("2026-04-08")
    sweep()
    assert Reminder.objects.filter(rule__startswith="measurement").count() == 2


def test_values_are_not_asked_outside_monitoring(on, sweep, alliance, member):
    IndicatorFactory(
        objective=ObjectiveFactory(alliance=alliance), responsible_actor=member, frequency="monthly"
    )

    on("2026-04-10")
    sweep()

    assert reminded(ReminderRule.MEASUREMENT_MISSING) == []


def test_the_health_check_is_asked_of_each_member_that_has_not_answered_once_per_cycle(
    on, sweep, alliance, member, member_representative
):
    answered = ActorFactory(representatives=[UserFactory(username="rep-respondio")])
    MembershipFactory(alliance=alliance, actor=answered)
    monitoring(alliance)
    HealthCheckFactory(alliance=alliance, actor=answered, cycle=1)

    on("2026-03-04")
    sweep()
    on("2026-03-05")
    sweep()
    assert reminded(ReminderRule.HEALTH_CHECK) == [
        (member_representative.username, "health_check", "cycle-1")
    ]

    Alliance.objects.filter(pk=alliance.pk).update(cycle=2)  # a new cycle: asked again
    sweep()
    assert reminded(ReminderRule.HEALTH_CHECK) == [
        ("rep-respondio", "health_check", "cycle-2"),
        (member_representative.username, "health_check", "cycle-1"),
        (member_representative.username, "health_check", "cycle-2"),
    ]


# --- The coordinators' weekly summary ---------------------------------------------------


def test_the_weekly_summary_comes_on_the_policy_day_once_a_week(on, sweep, alliance, coordinator):
    ReminderPolicy.objects.filter(alliance=None).update(digest_weekday=2)  # Wednesdays
    on("2026-03-03")  # Tuesday
    sweep()
    assert reminded(ReminderRule.WEEKLY_DIGEST) == []

    on("2026-03-04")  # Wednesday
    sweep()
    on("2026-03-06")
    sweep()
    assert reminded(ReminderRule.WEEKLY_DIGEST) == [
        (coordinator.username, "weekly_digest", "2026-03-02")
    ]

    on("2026-03-11")
    sweep()
    assert [p for *_, p in reminded(ReminderRule.WEEKLY_DIGEST)] == ["2026-03-02", "2026-03-09"]


def test_the_weekly_summary_lists_every_alliance_with_its_phase_gaps_and_overdue_items(
    on, sweep, alliance, member, coordinator
):
    coordinator.language = "en"
    coordinator.save()
    second = AllianceFactory(name="Bosques de Cotabambas", coordinators=[coordinator])
    CommitmentFactory(alliance=alliance, actor=member, due_date=day("2026-02-20"))
    Alliance.objects.filter(pk=AllianceFactory(coordinators=[coordinator]).pk).update(
        phase="closed"
    )

    on("2026-03-04")
    sweep()

    [message] = sent_to(coordinator.email)
    assert message.subject.startswith("Alianzas:")
    text = message.body
    assert "Weekly summary of your alliances" in text
    assert alliance.name in text
    assert second.name in text
    assert "1 overdue commitment." in text
    assert "Still missing for “Start implementation”:" in text
    assert "At least two member actors are needed (there are 1)." in text
    assert text.count("Phase: Identification, formulation and design (cycle 1).") == 2
    assert Reminder.objects.filter(rule="weekly_digest").count() == 2  # not the closed one


def test_the_weekly_summary_has_only_the_notes_a_floor_above_registered(
    on, sweep, monkeypatch, alliance, coordinator
):
    """What an alliance's next step lacks comes from ``fases`` (registered in its
    ``ready()``); with nothing registered the summary has no such notes."""
    coordinator.language = "en"
    coordinator.save()
    monkeypatch.setattr(reminders.wording, "_summary_notes", [])
    reminders.register_summary_notes(lambda alliance: [f"Nota sobre {alliance.name}."])

    on("2026-03-04")
    sweep()

    [message] = sent_to(coordinator.email)
    assert f"Nota sobre {alliance.name}." in message.body
    assert "Still missing for" not in message.body


# --- One e-mail per person and run ------------------------------------------------------


def test_sweeping_twice_records_and_sends_each_reminder_once(
    on, sweep, alliance, member, member_representative, coordinator
):
    CommitmentFactory(alliance=alliance, actor=member, due_date=day("2026-02-20"))
    CommitmentFactory(alliance=alliance, actor=member, due_date=day("2026-03-10"))

    on("2026-03-04")
    first = sweep()
    second = sweep()

    assert sum(first.recorded.values()) == 4  # overdue, due soon, escalation, summary
    assert sum(second.recorded.values()) == 0
    assert second.claimed.message_ids == []
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [member_representative.email, coordinator.email]
    )
    assert not Reminder.objects.filter(email_status="pending").exists()
    assert set(OutgoingMessage.objects.values_list("status", flat=True)) == {"sent"}


def test_all_of_a_persons_reminders_go_in_one_message_in_their_language_with_links(
    on, sweep, alliance, member, member_representative
):
    member_representative.language = "en"
    member_representative.save()
    late = CommitmentFactory(
        alliance=alliance,
        actor=member,
        description="Instalar 200 sistemas de agua",
        due_date=day("2026-02-27"),
    )
    soon = CommitmentFactory(
        alliance=alliance,
        actor=member,
        description="Capacitar a las JASS",
        due_date=day("2026-03-05"),
    )

    on("2026-03-04")
    sweep()

    [message] = sent_to(member_representative.email)
    assert message.subject == "Alianzas: 2 reminders"
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert '<html lang="en">' in html
    for commitment in (late, soon):
        link = "http://127.0.0.1:8000" + reverse(
            "seguimiento:commitment_detail", args=[alliance.pk, commitment.pk]
        )
        assert link in message.body
        assert f'href="{link}"' in html
    assert "due on March 5, 2026." in message.body
    assert "due on Feb. 27, 2026, overdue by 5 days." in message.body
    stored = OutgoingMessage.objects.get(recipient=member_representative)
    assert (stored.language, stored.status, stored.attempts) == ("en", "sent", 1)
    assert stored.sent_at is not None


def test_spanish_is_the_default_language_of_the_mail(on, sweep, alliance, member):
    representative = UserFactory(username="rep-es")
    member.representatives.add(representative)
    CommitmentFactory(alliance=alliance, actor=member, due_date=day("2026-03-05"))

    on("2026-03-04")
    sweep()

    [message] = sent_to(representative.email)
    assert '<html lang="es-pe">' in message.alternatives[0][0]
    assert "5 de marzo de 2026" in message.body
    assert OutgoingMessage.objects.get(recipient=representative).language == "es-pe"


def test_a_message_lists_a_few_items_of_each_kind_and_links_to_the_rest(
    on, sweep, alliance, member, member_representative
):
    for _ in range(reminders.ITEMS_PER_KIND + 3):
        CommitmentFactory(alliance=alliance, actor=member, due_date=day("2026-03-01"))

    on("2026-03-04")
    sweep()

    [message] = sent_to(member_representative.email)
    assert message.body.count("/compromisos/") == reminders.ITEMS_PER_KIND
    assert "http://127.0.0.1:8000/avisos/" in message.body
    assert Reminder.objects.filter(recipient=member_representative).count() == 18


# --- Opting out ---------------------------------------------------------------------


def test_a_kind_switched_off_is_not_emailed_but_still_shown(
    on, sweep, client, alliance, member, member_representative
):
    EmailOptOut.objects.create(user=member_representative, rule="commitment_overdue")
    CommitmentFactory(alliance=alliance, actor=member, due_date=day("2026-03-01"))

    on("2026-03-04")
    report = sweep()

    assert sent_to(member_representative.email) == []
    assert report.claimed.skipped == 1
    reminder = Reminder.objects.get(recipient=member_representative)
    assert (reminder.email_status, reminder.message) == ("skipped", None)
    client.force_login(member_representative)
    page = client.get(reverse("seguimiento:notifications"))
    assert [item.reminder for item in page.context["items"]] == [reminder]


def test_people_without_an_address_see_their_reminders_in_the_application_only(
    on, sweep, alliance, member, member_representative
):
    member_representative.email = ""
    member_representative.save()
    CommitmentFactory(alliance=alliance, actor=member, due_date=day("2026-03-01"))

    on("2026-03-04")
    sweep()

    assert Reminder.objects.get(recipient=member_representative).email_status == "skipped"
    assert not OutgoingMessage.objects.filter(recipient=member_representative).exists()


def test_every_email_carries_a_signed_one_click_link_that_asks_first(
    on, sweep, client, alliance, member, member_representative
):
    CommitmentFactory(alliance=alliance, actor=member, due_date=day("2026-03-01"))
    on("2026-03-04")
    sweep()
    [message] = sent_to(member_representative.email)
    header = message.extra_headers["List-Unsubscribe"]
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = header.strip("<>").removeprefix("http://127.0.0.1:8000")
    assert url in message.body  # and in the text, per kind

    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    assert 'method="post"' in page.content.decode()
    assert not EmailOptOut.objects.exists()  # a link scanner switches nothing off

    # What a mail program's one-click sends: a POST without a CSRF token.
    done = Client(enforce_csrf_checks=True).post(url)
    assert done.status_code == 200
    assert list(EmailOptOut.objects.values_list("user__username", "rule")) == [
        (member_representative.username, "commitment_overdue")
    ]


def test_a_forged_or_altered_opt_out_link_is_not_found(client, member_representative):
    token = reminders.unsubscribe_token(member_representative.pk, ["commitment_overdue"])
    for forged in (token[:-2] + "xx", "no-es-un-token", token.replace("eyJ", "eyK", 1)):
        url = reverse("seguimiento:reminder_unsubscribe", args=[forged])
        assert client.get(url).status_code == 404
        assert client.post(url).status_code == 404
    assert not EmailOptOut.objects.exists()


def test_email_preferences_switch_kinds_off_and_on(client, member_representative):
    client.force_login(member_representative)
    url = reverse("seguimiento:reminder_preferences")
    page = client.get(url)
    assert set(page.context["form"]["rules"].value()) == set(ReminderRule.values)

    kept = [rule for rule in ReminderRule.values if rule != "weekly_digest"]
    response = client.post(url, {"rules": kept[1:]})
    assert response.status_code == 302
    assert set(member_representative.email_opt_outs.values_list("rule", flat=True)) == {
        "weekly_digest",
        kept[0],
    }

    client.post(url, {"rules": ReminderRule.values})
    assert not member_representative.email_opt_outs.exists()


# --- In the application ---------------------------------------------------------------


def test_the_header_counts_unread_reminders_and_they_can_be_marked_read(
    client, alliance, member_representative
):
    first, *_others = (
        ReminderFactory(recipient=member_representative, alliance=alliance, period=f"p{n}")
        for n in range(3)
    )
    ReminderFactory(alliance=alliance)  # someone else's
    client.force_login(member_representative)
    url = reverse("seguimiento:notifications")

    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert page.context["unread_reminders"]() == 3
    assert re.search(r"Notices \(3<span", page.content.decode())

    assert client.post(reverse("seguimiento:reminder_read", args=[first.pk])).status_code == 302
    first.refresh_from_db()
    assert first.read_at is not None
    assert client.get(url).context["unread_reminders"]() == 2

    client.post(reverse("seguimiento:reminders_read_all"))
    assert not Reminder.objects.filter(recipient=member_representative, read_at=None).exists()
    assert Reminder.objects.filter(read_at=None).count() == 1


def test_someone_elses_reminder_cannot_be_marked_read(client, alliance, outsider_representative):
    reminder = ReminderFactory(alliance=alliance)
    client.force_login(outsider_representative)

    response = client.post(reverse("seguimiento:reminder_read", args=[reminder.pk]))

    assert response.status_code == 404
    reminder.refresh_from_db()
    assert reminder.read_at is None


@pytest.mark.parametrize("count", [3, 40])
def test_the_notifications_page_lists_newest_first_in_bounded_queries(
    client, django_assert_max_num_queries, alliance, member, member_representative, count
):
    for n in range(count):
        commitment = CommitmentFactory(alliance=alliance, actor=member)
        ReminderFactory(
            recipient=member_representative,
            alliance=alliance,
            object_id=commitment.pk,
            period=f"2026-03-{n % 28 + 1:02d}",
        )
    client.force_login(member_representative)

    # Session, user, unread count, "represents an actor?", page count, page rows, and the
    # commitments and alliances they name (and the portfolio check): whatever the count.
    with django_assert_max_num_queries(10):
        page = client.get(reverse("seguimiento:notifications"))

    items = page.context["items"]
    assert len(items) == min(count, 25)
    created = [item.reminder.created_at for item in items]
    assert created == sorted(created, reverse=True)


# --- Sending: stored first, sent once, retried ---------------------------------------


class FlakyBackend(locmem.EmailBackend):
    """The mail server: refuses ``failures`` times, then accepts."""

    failures = 0

    def send_messages(self, messages):
        if FlakyBackend.failures:
            FlakyBackend.failures -= 1
            raise SMTPServerDisconnected("Connection unexpectedly closed")
        return super().send_messages(messages)


@pytest.fixture
def flaky_mail(settings):
    settings.EMAIL_BACKEND = "tests.test_reminders.FlakyBackend"
    settings.REMINDER_RETRY_DELAY = 0
    yield FlakyBackend
    FlakyBackend.failures = 0


def test_a_refused_message_is_retried_and_sent_once(
    on, sweep, flaky_mail, alliance, member, member_representative
):
    flaky_mail.failures = 1
    CommitmentFactory(alliance=alliance, actor=member, due_date=day("2026-03-01"))

    on("2026-03-04")
    sweep()

    assert len(sent_to(member_representative.email)) == 1
    message = OutgoingMessage.objects.get(recipient=member_representative)
    assert (message.status, message.attempts, message.error) == ("sent", 2, "")


def test_a_message_refused_every_time_is_recorded_as_failed_with_the_error(
    on, sweep, flaky_mail, monkeypatch, alliance, member, member_representative
):
    monkeypatch.setattr(reminders.send_reminder_message, "max_retries", 2)
    flaky_mail.failures = 99
    CommitmentFactory(alliance=alliance, actor=member, due_date=day("2026-03-01"))

    on("2026-03-04")
    sweep()

    message = OutgoingMessage.objects.get(recipient=member_representative)
    assert (message.status, message.attempts) == ("failed", 3)
    assert message.error == "SMTPServerDisconnected: Connection unexpectedly closed"
    assert sent_to(member_representative.email) == []


def test_a_sent_message_is_never_sent_again(on, sweep, alliance, member, member_representative):
    CommitmentFactory(alliance=alliance, actor=member, due_date=day("2026-03-01"))
    on("2026-03-04")
    sweep()
    message = OutgoingMessage.objects.get(recipient=member_representative)

    # A task delivered twice (after a worker crash, say).
    assert reminders.send_reminder_message.delay(message.pk).get() == "skipped"
    assert reminders.deliver(message.pk) == "skipped"

    assert len(sent_to(member_representative.email)) == 1


def test_lost_and_interrupted_messages_are_sent_again_and_worn_out_ones_marked_failed(
    on, sweep, django_capture_on_commit_callbacks, monkeypatch, alliance, member
):
    representative = member.representatives.get()
    CommitmentFactory(alliance=alliance, actor=member, due_date=day("2026-03-01"))
    on("2026-03-04")
    # The broker is unreachable: the sweep stores the messages, nothing is sent.
    monkeypatch.setattr(reminders.outbox, "queue_compose", lambda ids: None)
    sweep()
    assert set(OutgoingMessage.objects.values_list("status", flat=True)) == {"composing"}
    lost = set(OutgoingMessage.objects.values_list("pk", flat=True))
    monkeypatch.undo()
    # A worker died while sending each of these: one was claimed once, the other as many
    # times as a message may be.
    interrupted, worn_out = (
        OutgoingMessage.objects.create(
            recipient=representative, address=address, subject="s", text="t", html="h"
        )
        for address in ("x@example.pe", "y@example.pe")
    )
    OutgoingMessage.objects.filter(pk=interrupted.pk).update(status="sending", attempts=1)
    OutgoingMessage.objects.filter(pk=worn_out.pk).update(
        status="sending", attempts=reminders.MAX_SEND_ATTEMPTS
    )

    on("2026-03-04", hour=10)
    report = sweep()

    assert report.requeued == len(lost) + 1
    assert report.failed_stuck == 1
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [
            *OutgoingMessage.objects.filter(pk__in=lost).values_list("address", flat=True),
            "x@example.pe",
        ]
    )
    interrupted.refresh_from_db()
    assert (interrupted.status, interrupted.attempts) == ("sent", 2)
    sent_again = next(m for m in mail.outbox if m.to == ["x@example.pe"])
    assert sent_again.extra_headers["Message-ID"] == reminders.message_id_header(interrupted)
    worn_out.refresh_from_db()
    assert worn_out.status == "failed"
    assert worn_out.error


def test_the_admin_queues_failed_messages_again(client, administrator, alliance):
    failed = ReminderFactory(alliance=alliance).recipient.outgoing_messages.create(
        address="rep@example.pe", subject="s", text="t", html="h", status="failed"
    )
    client.force_login(administrator)

    response = client.post(
        reverse("admin:seguimiento_outgoingmessage_changelist"),
        {"action": "queue_again", "_selected_action": [failed.pk]},
    )

    assert response.status_code == 302
    failed.refresh_from_db()
    assert (failed.status, failed.attempts) == ("queued", 0)


# --- The policy ------------------------------------------------------------------------


def test_the_policy_must_be_complete_and_coherent(alliance):
    with pytest.raises(ValidationError) as incomplete:
        ReminderPolicy(first_notice_days=7).full_clean()
    assert "grace_days" in incomplete.value.error_dict

    with pytest.raises(ValidationError) as incoherent:
        ReminderPolicy(
            first_notice_days=3, last_notice_days=5, grace_days=7, lookback_days=5, digest_weekday=0
        ).full_clean()
    assert {"last_notice_days", "lookback_days"} <= set(incoherent.value.error_dict)

    with pytest.raises(ValidationError):  # the global one exists (the migration made it)
        ReminderPolicy(**ReminderPolicy.DEFAULTS).full_clean()

    ReminderPolicy(alliance=alliance, first_notice_days=3).full_clean()  # inherits the rest
    with pytest.raises(ValidationError) as inherited:  # the global first notice is 7
        ReminderPolicy(alliance=alliance, last_notice_days=10).full_clean()
    assert list(inherited.value.error_dict) == ["last_notice_days"]
    ReminderPolicy.objects.create(alliance=alliance, first_notice_days=3)
    with pytest.raises(ValidationError):  # one per alliance
        ReminderPolicy(alliance=alliance, grace_days=3).full_clean()


# --- By hand ---------------------------------------------------------------------------


def test_dry_run_prints_what_is_due_and_writes_nothing(
    on, capsys, alliance, member, member_representative
):
    CommitmentFactory(alliance=alliance, actor=member, due_date=day("2026-03-01"))
    on("2026-03-04")

    with translation.override("en"):
        call_command("send_reminders", "--dry-run")

    out = capsys.readouterr().out
    assert "Overdue commitment: 1" in out
    assert f"{member_representative.username} (e-mail to {member_representative.email})" in out
    assert not Reminder.objects.exists()
    assert not OutgoingMessage.objects.exists()
    assert mail.outbox == []


def test_send_reminders_records_sends_and_prints_it(
    on, capsys, django_capture_on_commit_callbacks, alliance, member, member_representative
):
    CommitmentFactory(alliance=alliance, actor=member, due_date=day("2026-03-01"))
    on("2026-03-04")

    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_reminders")

    out = capsys.readouterr().out
    assert f"{member_representative.email}: 1 × " in out
    assert len(sent_to(member_representative.email)) == 1


def test_the_embedded_default_runs_the_sweep_on_sqlite(tmp_path):
    """``make run``'s database: the same SQL works on SQLite (a process of its own)."""
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "ALIANZAS_VAR_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }

    def manage(*args):
        result = run_python(["manage.py", *args], env, timeout=180)
        assert result.returncode == 0, result.stderr
        return result.stdout

    manage("migrate", "--noinput", "-v", "0")
    manage("seed_demo", "-v", "0")
    dry = manage("send_reminders", "--dry-run")
    first = manage("send_reminders")
    second = manage("send_reminders")

    assert "×" in dry  # someone would be reminded of something
    assert "Subject: Alianzas:" in first  # the console backend prints what was sent
    assert "Subject:" not in second


def test_make_run_uses_a_broker_in_files_and_beat_sweeps_every_five_minutes(tmp_path):
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "ALIANZAS_VAR_DIR": str(tmp_path),
        "CELERY_BROKER_URL": "filesystem://",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    show = (
        "import django; django.setup(); from django.conf import settings as s;"
        "from config.celery import app; app.loader.import_default_modules();"
        "print(s.CELERY_TASK_ALWAYS_EAGER, s.CELERY_BROKER_TRANSPORT_OPTIONS['data_folder_in'],"
        "s.CELERY_BEAT_SCHEDULE['sweep-reminders']['schedule'],"
        "s.CELERY_BEAT_SCHEDULE['sweep-reminders']['task'] in app.tasks)"
    )
    result = run_python(["-c", show], env)

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", str(tmp_path / "celery" / "queue"), "300", "True"]
    assert (tmp_path / "celery" / "queue").is_dir()


# --- The sweep's floor (``bench_reminders``) ---------------------------------------------


def inserts(captured: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in captured.captured_queries if q["sql"].lstrip().startswith("INSERT")]


@pytest.mark.django_db(transaction=True)  # the benchmark vacuums, outside any transaction
def test_the_floor_runs_the_very_statements_the_sweep_records_with(
    on, alliance, member, member_representative, coordinator
):
    CommitmentFactory(alliance=alliance, actor=member, due_date=day("2026-02-20"))
    CommitmentFactory(alliance=alliance, actor=member, due_date=day("2026-03-10"))
    on("2026-03-04")

    with CaptureQueriesContext(connection) as floor_sql:
        floor = BenchReminders().floor()
    assert not Reminder.objects.exists()  # forgotten: the sweep starts from none
    with CaptureQueriesContext(connection) as sweep_sql:
        recorded = reminders.record_due_reminders(today=WEDNESDAY, now=timezone.now())

    assert floor.recorded == recorded.total() == 4
    assert len(inserts(sweep_sql)) == len(reminders.due_queries(WEDNESDAY))
    assert inserts(floor_sql) == inserts(sweep_sql) * FLOOR_RUNS
