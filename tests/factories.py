"""Factories for the domain; each builds a valid object with the fewest arguments."""

import datetime
from decimal import Decimal

import factory
from django.utils import timezone

from alianzas.criteria import CONDITIONS_FOR_SUCCESS
from alianzas.models import (
    Actor,
    Adjustment,
    Alliance,
    Indicator,
    Membership,
    Objective,
    Origin,
    Region,
    Role,
    Sector,
    User,
)
from fases.models import Evaluation
from seguimiento.models import (
    Commitment,
    CommitmentKind,
    Export,
    HealthCheck,
    HealthCheckAnswer,
    Measurement,
)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"persona{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.pe")
    first_name = factory.Faker("first_name", locale="es")
    last_name = factory.Faker("last_name", locale="es")
    password = factory.django.Password("clave-segura-2026")


class AdministratorFactory(UserFactory):
    is_staff = True
    is_superuser = True


class ActorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Actor
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Organización {n}")
    sector = Sector.PUBLIC
    region = factory.LazyFunction(lambda: Region.objects.get(code="15"))

    @factory.post_generation
    def representatives(self, create, extracted, **kwargs):
        if create and extracted:
            self.representatives.add(*extracted)


class AllianceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Alliance
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Alianza {n}")
    problem = "Baja cobertura de agua segura en comunidades rurales."
    origin = Origin.FROM_THE_BASE
    start_date = datetime.date(2026, 1, 1)

    @factory.post_generation
    def coordinators(self, create, extracted, **kwargs):
        if create and extracted:
            self.coordinators.add(*extracted)


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    alliance = factory.SubFactory(AllianceFactory)
    actor = factory.SubFactory(ActorFactory)
    role = Role.IMPLEMENTING_PARTNER
    joined_on = datetime.date(2026, 1, 1)


class ObjectiveFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Objective

    alliance = factory.SubFactory(AllianceFactory)
    position = factory.Sequence(lambda n: n + 1)
    title = "Aumentar el acceso a agua segura"


class IndicatorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Indicator

    objective = factory.SubFactory(ObjectiveFactory)
    name = factory.Sequence(lambda n: f"Hogares con agua segura {n}")
    unit = "hogares"
    baseline_value = Decimal("120")
    baseline_date = datetime.date(2025, 12, 31)
    target_value = Decimal("480")
    target_date = datetime.date(2027, 12, 31)


class CommitmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Commitment

    alliance = factory.SubFactory(AllianceFactory)
    actor = factory.SubFactory(ActorFactory)
    cycle = factory.LazyAttribute(lambda c: c.alliance.cycle)
    description = "Financiar la instalación de 200 sistemas de agua"
    kind = CommitmentKind.FINANCIAL
    value_pen = Decimal("150000.00")
    due_date = datetime.date(2026, 12, 31)


class MeasurementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Measurement

    indicator = factory.SubFactory(IndicatorFactory)
    cycle = factory.LazyAttribute(lambda m: m.indicator.objective.alliance.cycle)
    period_start = datetime.date(2026, 1, 1)
    period_end = datetime.date(2026, 3, 31)
    value = Decimal("180")


class EvaluationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Evaluation

    alliance = factory.SubFactory(AllianceFactory)
    cycle = factory.LazyAttribute(lambda e: e.alliance.cycle)
    decision = Evaluation.Decision.CONTINUE
    findings = "Se cumplieron las metas del ciclo."


def ready_for_implementation(alliance: Alliance) -> Alliance:
    """Give ``alliance`` everything it needs to start Implementación."""
    state = Actor.objects.create(name="Municipalidad Provincial de Huamanga", sector=Sector.PUBLIC)
    company = Actor.objects.create(name="Agua Andina S.A.C.", sector=Sector.PRIVATE)
    MembershipFactory(alliance=alliance, actor=state, role=Role.LEADER)
    MembershipFactory(alliance=alliance, actor=company, role=Role.FUNDER)
    objective = ObjectiveFactory(alliance=alliance)
    IndicatorFactory(objective=objective, responsible_actor=state, frequency="quarterly")
    CommitmentFactory(alliance=alliance, actor=state)
    CommitmentFactory(alliance=alliance, actor=company)
    sign_agreement_for_every_member(alliance)
    return alliance


def measure_every_indicator(alliance: Alliance) -> None:
    today = timezone.localdate()
    for indicator in Indicator.objects.filter(objective__alliance=alliance):
        MeasurementFactory(
            indicator=indicator,
            cycle=alliance.cycle,
            period_start=today.replace(day=1),
            period_end=today,
        )


class AdjustmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Adjustment

    alliance = factory.SubFactory(AllianceFactory)
    cycle = factory.LazyAttribute(lambda a: a.alliance.cycle)
    phase = "implementation"
    subject = Adjustment.Subject.COMMITMENT
    object_id = 1
    object_label = "Financiar la instalación de 200 sistemas de agua"
    reason = Adjustment.Reason.DELAYS
    changes = factory.LazyFunction(lambda: {"due_date": ["2026-06-30", "2026-12-31"]})


class HealthCheckFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = HealthCheck
        skip_postgeneration_save = True

    alliance = factory.SubFactory(AllianceFactory)
    cycle = factory.LazyAttribute(lambda h: h.alliance.cycle)
    actor = factory.SubFactory(ActorFactory)

    @factory.post_generation
    def scores(self, create, extracted, **kwargs):
        """``scores={"trust": 2, ...}``; every condition answered 4 unless given."""
        if not create:
            return
        given = extracted or {}
        HealthCheckAnswer.objects.bulk_create(
            HealthCheckAnswer(health_check=self, condition=c, score=given.get(c, 4))
            for c in CONDITIONS_FOR_SUCCESS
        )


class ExportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Export

    alliance = factory.SubFactory(AllianceFactory)
    kind = Export.Kind.COMMITMENTS_CSV
    requested_by = factory.SubFactory(UserFactory)


def full_ratings(score: int = 4, note: str = "") -> dict[str, tuple[int, str]]:
    """Every evaluation criterion rated ``score`` (with ``note``), as ``record_evaluation``
    and its form take them."""
    from alianzas.criteria import EVALUATION_CRITERIA

    return {criterion.value: (score, note) for criterion in EVALUATION_CRITERIA}


def evaluation_form_data(decision: str, findings: str, score: int = 4, **extra) -> dict:
    """What the evaluation form posts: the decision, the findings and every criterion."""
    from alianzas.criteria import EVALUATION_CRITERIA

    data = {"decision": decision, "findings": findings, "lessons_learned": ""}
    for criterion in EVALUATION_CRITERIA:
        data[criterion.value] = str(score)
        data[f"{criterion.value}_note"] = ""
    data.update(extra)
    return data


# --- Reminders (models named by label: this block only appends) ---------------------


class ReminderPolicyFactory(factory.django.DjangoModelFactory):
    """An alliance's own policy; the fields left out inherit the global one."""

    class Meta:
        model = "seguimiento.ReminderPolicy"

    alliance = factory.SubFactory(AllianceFactory)
    first_notice_days = 10


class OutgoingMessageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "seguimiento.OutgoingMessage"

    recipient = factory.SubFactory(UserFactory)
    address = factory.LazyAttribute(lambda m: m.recipient.email)
    subject = "Alianzas: 1 recordatorio"
    text = "Un compromiso vencido."
    html = "<p>Un compromiso vencido.</p>"
    status = "sent"
    attempts = 1


class ReminderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "seguimiento.Reminder"

    recipient = factory.SubFactory(UserFactory)
    rule = "commitment_overdue"
    alliance = factory.SubFactory(AllianceFactory)
    object_id = factory.Sequence(lambda n: n + 1)
    period = "2026-03-01"


class EmailOptOutFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "seguimiento.EmailOptOut"
        django_get_or_create = ("user", "rule")

    user = factory.SubFactory(UserFactory)
    rule = "weekly_digest"


# --- The partnering agreement (fases.agreements) ---------------------------------------


def agreement_version(alliance: Alliance, cycle: int | None = None, **content):
    """The agreement of ``cycle`` (the alliance's current one by default) with a first
    version, written directly (as the services would, without their checks)."""
    from fases.models import Agreement, AgreementVersion

    agreement, _created = Agreement.objects.get_or_create(
        alliance=alliance, cycle=cycle or alliance.cycle
    )
    number = (agreement.versions.count() or 0) + 1
    fields = {
        "objective": "Agua segura para 480 hogares rurales",
        "decision_making": "Por consenso en el comité de gestión",
        "committee_frequency": "Cada mes",
        "conflict_resolution": "Mediación de la coordinación en 15 días",
        "returns_sharing": "Datos abiertos; crédito compartido entre los socios",
        "starts_on": datetime.date(2026, 1, 1),
        "ends_on": datetime.date(2027, 12, 31),
        "amendment_reason": "" if number == 1 else "Adenda",
        **content,
    }
    return AgreementVersion.objects.create(agreement=agreement, number=number, **fields)


def paper_signature(version, actor, *, signatory: str = "", signed_on=None):
    """``actor``'s signature of ``version`` on paper, written directly (no checks)."""
    from fases.models import AgreementSignature, SignatureMethod

    return AgreementSignature.objects.create(
        version=version,
        actor=actor,
        method=SignatureMethod.PAPER,
        signatory=signatory or f"Representante de {actor.name}",
        signed_on=signed_on or datetime.date(2026, 1, 15),
    )


def sign_agreement_for_every_member(alliance: Alliance, cycle: int | None = None):
    """Every current member signs the version in force of ``cycle``'s agreement (one is
    written first if there is none): what starting Implementación requires."""
    from fases.models import Agreement, AgreementSignature, SignatureMethod

    agreement = Agreement.objects.filter(alliance=alliance, cycle=cycle or alliance.cycle).first()
    version = agreement.versions.order_by("-number").first() if agreement else None
    if version is None:
        version = agreement_version(alliance, cycle)
    for membership in alliance.memberships.filter(left_on__isnull=True).select_related("actor"):
        AgreementSignature.objects.get_or_create(
            version=version,
            actor=membership.actor,
            defaults={
                "method": SignatureMethod.PAPER,
                "signatory": f"Representante de {membership.actor.name}",
                "signed_on": datetime.date(2026, 1, 15),
            },
        )
    alliance.forget()
    return version


# --- Governance (fases/governance.py, fases/risks.py) ------------------------------------


class MeetingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "fases.Meeting"

    alliance = factory.SubFactory(AllianceFactory)
    cycle = factory.LazyAttribute(lambda m: m.alliance.cycle)
    title = factory.Sequence(lambda n: f"Reunión del comité {n}")
    starts_at = factory.LazyFunction(
        lambda: timezone.make_aware(datetime.datetime(2026, 3, 10, 10, 0))
    )
    place = "Municipalidad de Cusco"
    agenda = "Avance de los compromisos\nRiesgos"


class DecisionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "fases.Decision"

    meeting = factory.SubFactory(MeetingFactory)
    text = "Ampliar la cobertura a dos comunidades más"


class ActionPointFactory(factory.django.DjangoModelFactory):
    """Give it ``decision``, ``owner_actor`` and ``owner`` of the same alliance."""

    class Meta:
        model = "fases.ActionPoint"

    decision = factory.SubFactory(DecisionFactory)
    alliance = factory.LazyAttribute(lambda p: p.decision.meeting.alliance)
    description = "Enviar el informe técnico al comité"
    owner_actor = factory.SubFactory(ActorFactory)
    owner = factory.SubFactory(UserFactory)
    due_date = datetime.date(2026, 4, 15)


class RiskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "fases.Risk"

    alliance = factory.SubFactory(AllianceFactory)
    title = factory.Sequence(lambda n: f"Riesgo {n}")
    likelihood = 2
    impact = 2
    reviewed_on = datetime.date(2026, 1, 10)
    reviewed_in_cycle = factory.LazyAttribute(lambda r: r.alliance.cycle)
