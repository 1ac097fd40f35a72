"""Django's templates beside Jinja2 on a page of *Mis compromisos* (``tools/bench/engines.py``).

    DATABASE_URL=postgres://…/alianzas_bench python manage.py bench_templates

Reads the commitments of the actor with the most (as ``make bench`` shows that page), a
page of them, and prints each engine's median CPU per render."""

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Case, Count, Value, When

from alianzas.models import Actor
from seguimiento.models import OPEN_STATUSES, Commitment
from tools.bench import engines


class Command(BaseCommand):
    help = "Render a page of Mis compromisos with Django's templates and with Jinja2."

    def add_arguments(self, parser):
        parser.add_argument("--rows", type=int, default=25)
        parser.add_argument("--renders", type=int, default=60)

    def handle(self, *args, **options):
        actor = Actor.objects.annotate(n=Count("commitments")).order_by("-n", "pk").first()
        if actor is None:
            raise CommandError("No actor: seed the database first (seed_demo).")
        commitments = list(
            Commitment.objects.filter(actor=actor)
            .select_related("alliance", "actor")
            .annotate(closed=Case(When(status__in=OPEN_STATUSES, then=Value(0)), default=Value(1)))
            .order_by("closed", "due_date", "pk")[: options["rows"]]
        )
        result = engines.compare(commitments, options["renders"])
        self.stdout.write(
            f"{result.rows} rows of Mis compromisos, median CPU per render: Django "
            f"{result.django_ms:.2f} ms, Jinja2 {result.jinja_ms:.2f} ms "
            f"({result.django_ms / result.jinja_ms:.2f}x); same HTML: {result.same_output}"
        )
        if not result.same_output:
            raise CommandError("The two templates do not give the same HTML: not comparable.")
