"""The bulk of the synthetic data: commitments and measurements (``seed_demo
--commitments --measurements``), for ``fases.demo.synthetic.SyntheticData``.

On PostgreSQL they are generated inside the database (``fases.demo.generated``: one
``INSERT … SELECT`` per half a million rows, so the ten-times benchmark loads in minutes);
elsewhere (SQLite) row by row in Python with ``bulk_create``, with the same draws.
"""

import datetime
import random
import time
from collections import defaultdict
from decimal import Decimal

from django.db import connection
from django.db.models import Q
from django.utils.translation import gettext as _

from alianzas.lifecycle import Phase
from alianzas.models import Indicator, Membership
from fases.demo import generated
from fases.demo.common import past_period
from fases.demo.generated import COMMITMENT_STATES, MEASURED_PHASES
from fases.demo.names import (
    SYNTHETIC_ALLIANCE_PREFIX,
    synthetic_commitments,
    synthetic_measurements,
    words,
)
from seguimiento.models import (
    Commitment,
    CommitmentKind,
    CommitmentStatus,
    CommitmentUpdate,
    Measurement,
)


class Volume:
    """Commitments and measurements of the synthetic alliances, up to the totals asked
    for; mixed into ``SyntheticData`` (which gives ``today``, ``tz``, ``batch_size``,
    ``write``, ``nothing_to_do`` and ``at``)."""

    # --- Commitments ---

    def commitment_state(self, rng, phase, previous_cycle, start):
        """Status, progress and due date, realistic for the alliance's phase
        (``COMMITMENT_STATES``, which the PostgreSQL path draws from too)."""
        elapsed = max((self.today - start).days, 61)
        past = previous_cycle or phase == Phase.CLOSED
        statuses, weights = zip(*COMMITMENT_STATES["past" if past else phase], strict=True)
        status = rng.choices(statuses, weights=weights)[0]
        if past:
            due = start + datetime.timedelta(days=rng.randint(30, elapsed - 30))
        elif phase == Phase.IDENTIFICATION:
            due = self.today + datetime.timedelta(days=rng.randint(30, 400))
        else:
            due = start + datetime.timedelta(days=rng.randint(30, elapsed + 365))
        progress = {
            CommitmentStatus.PENDING: 0,
            CommitmentStatus.FULFILLED: 100,
        }.get(status)
        if progress is None:
            progress = rng.randint(5, 95) if status == CommitmentStatus.IN_PROGRESS else 0
        return status, progress, due

    def commitments(self, target: int) -> None:
        existing = synthetic_commitments().count()
        if target <= existing:
            if target:
                self.nothing_to_do(Commitment._meta.verbose_name_plural, existing)
            return
        if connection.vendor == "postgresql":
            self.generated(Commitment, existing, target, self.generated_commitments)
            return
        # Only current members commit: the commitments go round the active memberships,
        # so every member gets one in the alliance's current cycle before any gets two.
        pairs = list(
            Membership.objects.filter(
                alliance__name__startswith=SYNTHETIC_ALLIANCE_PREFIX, left_on__isnull=True
            )
            .order_by("alliance_id", "pk")
            .values_list(
                "alliance_id",
                "actor_id",
                "alliance__phase",
                "alliance__cycle",
                "alliance__start_date",
            )
        )
        rng = random.Random(f"compromisos-{existing}")
        kinds = list(CommitmentKind.values)
        started = time.monotonic()
        created = updates = 0
        for chunk_start in range(existing, target, self.batch_size):
            chunk = []
            for index in range(chunk_start, min(chunk_start + self.batch_size, target)):
                alliance_id, actor_id, phase, cycle, start = pairs[index % len(pairs)]
                commitment_cycle = cycle - (index // len(pairs)) % cycle
                status, progress, due = self.commitment_state(
                    rng, phase, commitment_cycle < cycle, start
                )
                if status == CommitmentStatus.CANCELLED and index < len(pairs):
                    # A member's first commitment stands, as the phase guards require.
                    status, progress = CommitmentStatus.IN_PROGRESS, rng.randint(5, 95)
                kind = rng.choice(kinds)
                chunk.append(
                    Commitment(
                        alliance_id=alliance_id,
                        actor_id=actor_id,
                        cycle=commitment_cycle,
                        description=rng.choice(words()["commitments"][kind]),
                        kind=kind,
                        value_pen=(
                            Decimal(rng.randrange(5, 800) * 1000)
                            if kind in (CommitmentKind.FINANCIAL, CommitmentKind.IN_KIND)
                            else None
                        ),
                        due_date=due,
                        status=status,
                        progress=progress,
                    )
                )
            Commitment.objects.bulk_create(chunk, batch_size=self.batch_size)
            # Each started commitment has the progress update its status follows from.
            chunk_updates = [
                CommitmentUpdate(
                    commitment_id=commitment.pk,
                    progress=commitment.progress,
                    status=commitment.status,
                    note="Avance reportado.",
                    created_at=self.at(min(commitment.due_date, self.today), 12),
                )
                for commitment in chunk
                if commitment.status != CommitmentStatus.PENDING
            ]
            CommitmentUpdate.objects.bulk_create(chunk_updates, batch_size=self.batch_size)
            created += len(chunk)
            updates += len(chunk_updates)
            self.progress_line(Commitment, existing + created, target, started)
        self.write(
            "  "
            + _(
                "%(model)s: %(count)s created (and %(updates)s progress updates) "
                "in %(seconds).1f s."
            )
            % {
                "model": Commitment._meta.verbose_name_plural,
                "count": created,
                "updates": updates,
                "seconds": time.monotonic() - started,
            }
        )

    def progress_line(self, model, done: int, total: int, started: float) -> None:
        """Every batch with -v 2; otherwise each time another fifth of the rows is in."""
        if self.command.verbosity == 0 or done == total:
            return
        step = max(self.batch_size, total // 5)
        before = max(done - self.batch_size, 0)
        if self.command.verbosity < 2 and done // step == before // step:
            return
        self.write(
            "    "
            + _("%(model)s: %(done)s of %(total)s (%(seconds).1f s)")
            % {
                "model": model._meta.verbose_name_plural,
                "done": done,
                "total": total,
                "seconds": time.monotonic() - started,
            }
        )

    # --- Measurements ---

    def measurements(self, target: int) -> None:
        existing = synthetic_measurements()
        existing_count = existing.count()
        if target <= existing_count:
            if target:
                self.nothing_to_do(Measurement._meta.verbose_name_plural, existing_count)
            return
        if connection.vendor == "postgresql":
            self.generated(Measurement, existing_count, target, self.generated_measurements)
            return
        indicators = list(
            Indicator.objects.filter(
                objective__alliance__name__startswith=SYNTHETIC_ALLIANCE_PREFIX
            )
            .order_by("pk")
            .values_list(
                "pk",
                "frequency",
                "baseline_value",
                "target_value",
                "objective__alliance__phase",
                "objective__alliance__cycle",
            )
        )
        # Indicators are measured once the alliance is monitoring them (or was, in an
        # earlier cycle); only if there are none do the others get values.
        pool = [i for i in indicators if i[4] in MEASURED_PHASES or i[5] > 1] or indicators
        used = defaultdict(set)
        for indicator_id, period_start in existing.values_list("indicator_id", "period_start"):
            used[indicator_id].add(period_start)
        next_offset = defaultdict(int)
        rng = random.Random(f"mediciones-{existing_count}")
        started = time.monotonic()
        created = 0
        for chunk_start in range(existing_count, target, self.batch_size):
            chunk = []
            for index in range(chunk_start, min(chunk_start + self.batch_size, target)):
                pk, frequency, baseline, target_value, _phase, cycle = pool[index % len(pool)]
                offset = next_offset[pk]
                start, end = past_period(self.today, frequency, offset)
                while start in used[pk]:
                    offset += 1
                    start, end = past_period(self.today, frequency, offset)
                next_offset[pk] = offset + 1
                used[pk].add(start)
                low = float(baseline if baseline is not None else 100)
                high = float(target_value if target_value is not None else low * 1.5)
                share = min(1.0, max(0.0, 0.85 - 0.1 * offset + rng.uniform(-0.08, 0.08)))
                chunk.append(
                    Measurement(
                        indicator_id=pk,
                        # The newest periods belong to the current cycle, older ones to
                        # the earlier cycles.
                        cycle=max(1, cycle - offset // 3),
                        period_start=start,
                        period_end=end,
                        value=Decimal(f"{low + (high - low) * share:.2f}"),
                    )
                )
            Measurement.objects.bulk_create(chunk, batch_size=self.batch_size)
            created += len(chunk)
            self.progress_line(Measurement, existing_count + created, target, started)
        self.write(
            "  "
            + _("%(model)s: %(count)s created in %(seconds).1f s.")
            % {
                "model": Measurement._meta.verbose_name_plural,
                "count": created,
                "seconds": time.monotonic() - started,
            }
        )

    # --- Generated inside PostgreSQL (``fases.demo.generated``) ---

    def generated(self, model, existing: int, target: int, insert) -> None:
        """Rows ``existing`` to ``target`` of ``model`` by ``insert(first, last)``, a
        batch at a time; ``insert`` returns how many it added."""
        started = time.monotonic()
        done = existing
        while done < target:
            added = insert(done, min(done + generated.BATCH, target) - 1)
            if not added:  # nothing more can be added: stop rather than loop
                break
            done += added
            self.progress_line(model, done, target, started)
        self.write(
            "  "
            + _("%(model)s: %(count)s created in %(seconds).1f s.")
            % {
                "model": model._meta.verbose_name_plural,
                "count": done - existing,
                "seconds": time.monotonic() - started,
            }
        )

    def generated_commitments(self, first: int, last: int) -> int:
        commitments, _updates = generated.insert_commitments(
            prefix=SYNTHETIC_ALLIANCE_PREFIX,
            first=first,
            last=last,
            today=self.today,
            tz=str(self.tz),
            words=words()["commitments"],
        )
        return commitments

    def generated_measurements(self, first: int, last: int) -> int:
        measured = Indicator.objects.filter(
            objective__alliance__name__startswith=SYNTHETIC_ALLIANCE_PREFIX
        ).filter(
            Q(objective__alliance__phase__in=MEASURED_PHASES) | Q(objective__alliance__cycle__gt=1)
        )
        added = generated.insert_measurements(
            prefix=SYNTHETIC_ALLIANCE_PREFIX,
            first=first,
            last=last,
            today=self.today,
            measured_only=measured.exists(),
        )
        return added
