"""The curated demo's governance (``fases/demo/governance.yaml``): a committee, two
meetings with minutes, decisions and action points (one overdue) and a risk register for
each curated alliance not closed, through the services, as people would record them."""

import datetime
from pathlib import Path

import yaml
from django.utils import timezone

from fases import governance, risks

GOVERNANCE_FILE = Path(__file__).with_name("governance.yaml")


def load() -> dict:
    return yaml.safe_load(GOVERNANCE_FILE.read_text(encoding="utf-8"))


def perform(alliance, *, coordinator, representatives: dict, data: dict | None = None) -> None:
    """``representatives``: the demo's person for each actor id."""
    if alliance.is_closed:
        return
    data = data or load()
    members = [m.actor for m in alliance.memberships.filter(left_on__isnull=True).order_by("pk")]
    if not members:
        return

    def actor(number: int):
        return members[(number - 1) % len(members)]

    def person(number: int):
        return representatives.get(actor(number).pk) or coordinator

    seated = set()
    for seat in data.get("committee") or []:
        who, what = person(seat["member"]), actor(seat["member"])
        if who.pk in seated:
            continue
        governance.add_committee_member(
            alliance=alliance, user=coordinator, person=who, actor=what, role=seat["role"]
        )
        seated.add(who.pk)

    now = timezone.now()
    today = timezone.localdate()
    decisions = {}
    for number, meeting_data in enumerate(data.get("meetings") or [], start=1):
        starts_at = now.replace(hour=10, minute=0, second=0, microsecond=0) - datetime.timedelta(
            days=meeting_data["days_ago"]
        )
        meeting = governance.save_meeting(
            alliance=alliance,
            user=coordinator,
            title=meeting_data["title"],
            starts_at=starts_at,
            place=meeting_data.get("place") or "",
            link=meeting_data.get("link") or "",
            agenda="\n".join(meeting_data.get("agenda") or []),
            minutes=meeting_data.get("minutes") or "",
            attendees={actor(n) for n in meeting_data.get("attendance") or []},
        )
        for position, decision_data in enumerate(meeting_data.get("decisions") or [], start=1):
            action = decision_data.get("action")
            owner = action and person(action["member"])
            owner_actor = action and actor(action["member"])
            if action and not owner.actors.filter(pk=owner_actor.pk).exists():
                # The coordinator speaks for this member: seat them for it if not seated.
                if owner.pk not in seated:
                    governance.add_committee_member(
                        alliance=alliance,
                        user=coordinator,
                        person=owner,
                        actor=owner_actor,
                        role="member",
                    )
                    seated.add(owner.pk)
                else:
                    owner_actor = governance.committee_actor_of(alliance, owner) or owner_actor
            decision = governance.record_decision(
                meeting=meeting,
                user=coordinator,
                text=decision_data["text"],
                action=action
                and {
                    "description": action["description"],
                    "owner_actor": owner_actor,
                    "owner": owner,
                    "due_date": today + datetime.timedelta(days=action["due_in_days"]),
                },
            )
            decisions[(number, position)] = decision
            # The first meeting's first action point was done; the rest stay open.
            if action and action["due_in_days"] < 0 and not action.get("open"):
                governance.close_action_point(
                    action_point=decision.action_points.get(),
                    user=coordinator,
                    status="done",
                    note="Enviado por correo a todos los miembros.",
                )

    for item in data.get("risks") or []:
        settled = item.get("settled_by")
        risks.save_risk(
            alliance=alliance,
            user=coordinator,
            kind=item["kind"],
            title=item["title"],
            description=item.get("description") or "",
            likelihood=item["likelihood"],
            impact=item["impact"],
            response=item.get("response") or "",
            owner_actor=actor(item["owner"]) if item.get("owner") else None,
            status=item.get("status") or "open",
            actors={actor(n) for n in item.get("members") or []},
            settled_by=decisions.get(tuple(settled)) if settled else None,
        )
