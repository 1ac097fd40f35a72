"""Load the demo: Peruvian actors, their people and alliances in every phase of the cycle.

Without options it creates a small curated demo, idempotently: actors and users
are found by name (and username) and created only when missing, and a curated
alliance that already exists (by name) is skipped entirely, so a second run
creates and changes nothing. The curated alliances reach their phases through
the real ``fases.services.change_phase`` and ``record_evaluation``, so the
guards are honoured and the ``PhaseChange`` audit rows exist.

``--actors``, ``--alliances``, ``--commitments`` and ``--measurements`` add a
large synthetic dataset for benchmarks, with bulk inserts. Each number is a
total of synthetic rows to reach: a rerun with the same numbers adds nothing.
Synthetic rows are recognisable by their names ("Actor sintético 00042",
"Alianza sintética 000123"; their commitments and measurements belong to those
alliances).
"""

import datetime
import random
import time
from collections import defaultdict
from decimal import Decimal

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from alianzas import generations
from alianzas.models import (
    Actor,
    Alliance,
    Direction,
    Frequency,
    Indicator,
    Membership,
    Objective,
    Origin,
    Region,
    Role,
    Sector,
    SustainableDevelopmentGoal,
    User,
)
from alianzas.validators import ruc_check_digit
from fases.criteria import EVALUATION_CRITERIA
from fases.lifecycle import Phase
from fases.models import Evaluation, PhaseChange
from fases.services import change_phase, record_evaluation
from seguimiento.models import (
    Commitment,
    CommitmentKind,
    CommitmentStatus,
    CommitmentUpdate,
    Measurement,
)
from seguimiento.services import log_progress

DEMO_PASSWORD = "alianzas-demo-2026"
SYNTHETIC_ACTOR_PREFIX = "Actor sintético "
SYNTHETIC_ALLIANCE_PREFIX = "Alianza sintética "
SIZE_OPTIONS = ("actors", "alliances", "commitments", "measurements")
# A synthetic alliance takes 2 to 5 members from at least two sectors.
MIN_SYNTHETIC_ACTORS = 5


# --- Small helpers ------------------------------------------------------------


def ruc(first_ten_digits: str) -> str:
    """A valid RUC: the ten digits given and SUNAT's check digit."""
    return first_ten_digits + str(ruc_check_digit(first_ten_digits))


def add_months(first_of_month: datetime.date, months: int) -> datetime.date:
    index = first_of_month.year * 12 + first_of_month.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


MONTHS_PER_PERIOD = {
    Frequency.MONTHLY: 1,
    Frequency.QUARTERLY: 3,
    Frequency.SEMIANNUAL: 6,
    Frequency.ANNUAL: 12,
}


def past_period(today: datetime.date, frequency: str, periods_ago: int):
    """Start and end of a complete period before today's: 0 is the last one that ended."""
    step = MONTHS_PER_PERIOD.get(frequency, 3)
    current = today.year * 12 + today.month - 1
    start_index = current - current % step - (periods_ago + 1) * step
    start = datetime.date(start_index // 12, start_index % 12 + 1, 1)
    return start, add_months(start, step) - datetime.timedelta(days=1)


def synthetic_actors():
    return Actor.objects.filter(name__startswith=SYNTHETIC_ACTOR_PREFIX)


def synthetic_alliances():
    return Alliance.objects.filter(name__startswith=SYNTHETIC_ALLIANCE_PREFIX)


def synthetic_commitments():
    return Commitment.objects.filter(alliance__name__startswith=SYNTHETIC_ALLIANCE_PREFIX)


def synthetic_measurements():
    return Measurement.objects.filter(
        indicator__objective__alliance__name__startswith=SYNTHETIC_ALLIANCE_PREFIX
    )


# --- The curated demo's data (Spanish: it is data, not interface) -------------

ACTORS = [
    {
        "key": "minam",
        "name": "Ministerio del Ambiente",
        "acronym": "MINAM",
        "sector": Sector.PUBLIC,
        "ruc": "2054129170",
        "region": "15",
        "website": "https://www.gob.pe/minam",
        "email": "alianzas@minam.demo.example",
        "phone": "+51 1 555 0100",
        "address": "Av. Antonio Miroquesada 425, Magdalena del Mar, Lima",
        "description": "Ente rector del sector ambiental: conservación de ecosistemas, gestión "
        "de residuos sólidos y adaptación al cambio climático.",
    },
    {
        "key": "gore_cusco",
        "name": "Gobierno Regional de Cusco",
        "acronym": "GORE Cusco",
        "sector": Sector.PUBLIC,
        "ruc": "2052714381",
        "region": "08",
        "website": "https://www.regioncusco.gob.pe",
        "email": "desarrollo.economico@gorecusco.demo.example",
        "phone": "+51 84 555 010",
        "address": "Av. Tomasa Ttito Condemayta s/n, Wanchaq, Cusco",
        "description": "Gobierno regional; lidera la competitividad agraria y la conectividad "
        "de las provincias altas.",
    },
    {
        "key": "mp_huamanga",
        "name": "Municipalidad Provincial de Huamanga",
        "acronym": "MPH",
        "sector": Sector.PUBLIC,
        "ruc": "2014372053",
        "region": "05",
        "website": "https://www.munihuamanga.gob.pe",
        "email": "desarrollo.social@munihuamanga.demo.example",
        "phone": "+51 66 555 020",
        "address": "Portal Municipal 44, Plaza de Armas, Ayacucho",
        "description": "Gobierno local de la provincia de Huamanga: agua y saneamiento, salud "
        "comunitaria y programas sociales.",
    },
    {
        "key": "minera",
        "name": "Minera Los Andes del Sur S.A.A.",
        "acronym": "MASSA",
        "sector": Sector.PRIVATE,
        "ruc": "2060218847",
        "region": "03",
        "website": "",
        "email": "relaciones.comunitarias@andesdelsur.demo.example",
        "phone": "+51 1 555 0300",
        "address": "Av. Víctor Andrés Belaúnde 147, San Isidro, Lima",
        "description": "Empresa minera con operaciones de cobre en Cotabambas; su programa "
        "ambiental financia la restauración de cabeceras de cuenca.",
    },
    {
        "key": "agro",
        "name": "Agroexportadora Sierra y Selva S.A.C.",
        "acronym": "SYS",
        "sector": Sector.PRIVATE,
        "ruc": "2060553179",
        "region": "15",
        "website": "",
        "email": "sostenibilidad@sierrayselva.demo.example",
        "phone": "+51 1 555 0400",
        "address": "Jr. Los Cedros 250, La Molina, Lima",
        "description": "Exporta café, cacao y quinua orgánicos; compra a organizaciones de "
        "productores con precios diferenciados por calidad.",
    },
    {
        "key": "giz",
        "name": "Deutsche Gesellschaft für Internationale Zusammenarbeit",
        "acronym": "GIZ",
        "sector": Sector.INTERNATIONAL_COOPERATION,
        "ruc": "2050891254",
        "region": "15",
        "website": "https://www.giz.de/en/worldwide/398.html",
        "email": "giz-peru@giz.demo.example",
        "phone": "+51 1 555 0500",
        "address": "Av. Prolongación Arenales 801, Miraflores, Lima",
        "description": "Cooperación alemana para el desarrollo: gestión ambiental, agua y "
        "educación técnica.",
    },
    {
        "key": "aecid",
        "name": "Agencia Española de Cooperación Internacional para el Desarrollo",
        "acronym": "AECID",
        "sector": Sector.INTERNATIONAL_COOPERATION,
        "ruc": "",
        "region": "15",
        "website": "https://www.aecid.pe",
        "email": "otc-peru@aecid.demo.example",
        "phone": "+51 1 555 0600",
        "address": "Av. Jorge Basadre 460, San Isidro, Lima",
        "description": "Cooperación española: desarrollo rural, género y gobernabilidad.",
    },
    {
        "key": "pnud",
        "name": "Programa de las Naciones Unidas para el Desarrollo",
        "acronym": "PNUD",
        "sector": Sector.INTERNATIONAL_COOPERATION,
        "ruc": "",
        "region": "15",
        "website": "https://www.undp.org/es/peru",
        "email": "registro.pe@pnud.demo.example",
        "phone": "+51 1 555 0700",
        "address": "Av. Pérez Araníbar 750, Magdalena del Mar, Lima",
        "description": "Agencia de Naciones Unidas que acompaña políticas de reducción de la "
        "pobreza, salud e inclusión.",
    },
    {
        "key": "care",
        "name": "CARE Perú",
        "acronym": "CARE",
        "sector": Sector.CIVIL_SOCIETY,
        "ruc": "2013657402",
        "region": "15",
        "website": "https://www.care.org.pe",
        "email": "programas@careperu.demo.example",
        "phone": "+51 1 555 0800",
        "address": "Av. General Santa Cruz 659, Jesús María, Lima",
        "description": "Organización no gubernamental: nutrición infantil, agua y saneamiento, "
        "y derechos de las mujeres.",
    },
    {
        "key": "asociacion",
        "name": "Asociación Civil Reciclando Juntos",
        "acronym": "",
        "sector": Sector.CIVIL_SOCIETY,
        "ruc": "2060791136",
        "region": "15",
        "website": "",
        "email": "contacto@reciclandojuntos.demo.example",
        "phone": "+51 955 500 101",
        "address": "Calle Las Begonias 312, San Juan de Lurigancho, Lima",
        "description": "Agrupa asociaciones de recicladoras y recicladores de base de Lima "
        "y Callao.",
    },
    {
        "key": "pucp",
        "name": "Pontificia Universidad Católica del Perú",
        "acronym": "PUCP",
        "sector": Sector.ACADEMIA,
        "ruc": "2015594621",
        "region": "15",
        "website": "https://www.pucp.edu.pe",
        "email": "responsabilidad.social@pucp.demo.example",
        "phone": "+51 1 555 0900",
        "address": "Av. Universitaria 1801, San Miguel, Lima",
        "description": "Universidad privada; su dirección de responsabilidad social acompaña "
        "la medición y la evaluación de impacto.",
    },
    {
        "key": "unsaac",
        "name": "Universidad Nacional de San Antonio Abad del Cusco",
        "acronym": "UNSAAC",
        "sector": Sector.ACADEMIA,
        "ruc": "2017230568",
        "region": "08",
        "website": "https://www.unsaac.edu.pe",
        "email": "proyeccion.social@unsaac.demo.example",
        "phone": "+51 84 555 090",
        "address": "Av. de la Cultura 733, Cusco",
        "description": "Universidad pública del Cusco: agronomía tropical, educación "
        "intercultural y tecnologías de la información.",
    },
    {
        "key": "cc_quispillaccta",
        "name": "Comunidad Campesina de Quispillaccta",
        "acronym": "",
        "sector": Sector.COMMUNITY,
        "ruc": "2045271690",
        "region": "05",
        "website": "",
        "email": "",
        "phone": "+51 966 500 202",
        "address": "Distrito de Chuschi, provincia de Cangallo, Ayacucho",
        "description": "Comunidad quechua conocida por la siembra y cosecha de agua y la "
        "gestión comunal de sus pastos.",
    },
    {
        "key": "cc_tambobamba",
        "name": "Comunidad Campesina de Tambobamba",
        "acronym": "",
        "sector": Sector.COMMUNITY,
        "ruc": "",
        "region": "03",
        "website": "",
        "email": "",
        "phone": "+51 983 500 303",
        "address": "Distrito de Tambobamba, provincia de Cotabambas, Apurímac",
        "description": "Comunidad altoandina de las cabeceras de cuenca de Cotabambas.",
    },
]

# (username, first name, last name, role, actor key for representatives)
ADMINISTRATOR = "admin"
USERS = [
    (ADMINISTRATOR, "Ana", "Torres Salinas", "administrator", None),
    ("coord.quispe", "Lucía", "Quispe Huamán", "coordinator", None),
    ("coord.mamani", "Jorge", "Mamani Condori", "coordinator", None),
    ("coord.flores", "Rosa", "Flores Ccahuana", "coordinator", None),
    ("rep.minam", "Carlos", "Vargas Paredes", "representative", "minam"),
    ("rep.gorecusco", "Milagros", "Huamán Quispe", "representative", "gore_cusco"),
    ("rep.care", "Patricia", "Chávez Rojas", "representative", "care"),
    ("rep.minera", "Eduardo", "Castillo Benavides", "representative", "minera"),
    ("rep.quispillaccta", "Fortunato", "Ccori Núñez", "representative", "cc_quispillaccta"),
]


class CuratedDemo:
    """Creates what is missing of the curated demo, through the real services."""

    def __init__(self, command: "Command", today: datetime.date):
        self.command = command
        self.today = today
        self.actors: dict[str, Actor] = {}
        self.users: dict[str, User] = {}
        self.created_users: set[str] = set()

    def write(self, message: str) -> None:
        self.command.say(message)

    @property
    def admin(self) -> User:
        return self.users[ADMINISTRATOR]

    def run(self) -> None:
        self.write(self.command.style.MIGRATE_HEADING(_("Curated demo")))
        self.load_actors()
        self.load_users()
        for build in (
            self.water_in_huamanga,
            self.coffee_in_la_convencion,
            self.forests_in_cotabambas,
            self.anaemia_in_ayacucho,
            self.recycling_in_lima,
            self.connected_schools_in_cusco,
        ):
            build()

    # --- Actors and people ---

    def load_actors(self) -> None:
        regions = {region.code: region for region in Region.objects.all()}
        created = 0
        for data in ACTORS:
            data = dict(data)
            key = data.pop("key")
            actor = Actor.objects.filter(name=data["name"]).order_by("pk").first()
            if actor is None:
                data["ruc"] = ruc(data["ruc"]) if data["ruc"] else ""
                data["region"] = regions[data["region"]]
                actor = Actor(**data)
                actor.full_clean()
                actor.save()
                created += 1
            self.actors[key] = actor
        self.write(
            _("Actors: %(created)s created, %(existing)s already there.")
            % {"created": created, "existing": len(ACTORS) - created}
        )

    def load_users(self) -> None:
        for username, first_name, last_name, role, actor_key in USERS:
            administrator = role == "administrator"
            user, created = User.objects.get_or_create(
                username=username,
                defaults={
                    "first_name": first_name,
                    "last_name": last_name,
                    "email": f"{username}@alianzas.demo.example",
                    "is_staff": administrator,
                    "is_superuser": administrator,
                },
            )
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save(update_fields=["password"])
                self.created_users.add(username)
            if actor_key:
                # add() only inserts the link when it is missing.
                self.actors[actor_key].representatives.add(user)
            self.users[username] = user
        self.write(
            _("Users: %(created)s created, %(existing)s already there.")
            % {"created": len(self.created_users), "existing": len(USERS) - len(self.created_users)}
        )

    # --- Building blocks ---

    def new_alliance(self, *, name, problem, origin, regions, goals, coordinators, months_ago):
        """The alliance, or None when it already exists (then it is left as it is)."""
        if Alliance.objects.filter(name=name).exists():
            self.write(_("Alliance “%(name)s”: already there, left as it is.") % {"name": name})
            return None
        start = add_months(self.today.replace(day=1), -months_ago)
        alliance = Alliance(
            name=name,
            problem=problem,
            origin=origin,
            start_date=start,
            end_date=add_months(start, 36) - datetime.timedelta(days=1),
        )
        alliance.full_clean()
        alliance.save()
        alliance.regions.set(Region.objects.filter(code__in=regions))
        alliance.goals.set(SustainableDevelopmentGoal.objects.filter(number__in=goals))
        alliance.coordinators.set([self.users[username] for username in coordinators])
        return alliance

    def member(self, alliance, actor_key, role) -> None:
        membership = Membership(
            alliance=alliance,
            actor=self.actors[actor_key],
            role=role,
            joined_on=alliance.start_date,
        )
        membership.full_clean()
        membership.save()

    def objective(self, alliance, position, title, description="") -> Objective:
        objective = Objective(
            alliance=alliance, position=position, title=title, description=description
        )
        objective.full_clean()
        objective.save()
        return objective

    def indicator(
        self,
        objective,
        name,
        unit,
        baseline,
        target,
        *,
        frequency=Frequency.QUARTERLY,
        responsible=None,
        direction=Direction.INCREASE,
    ) -> Indicator:
        alliance = objective.alliance
        indicator = Indicator(
            objective=objective,
            name=name,
            unit=unit,
            baseline_value=Decimal(baseline),
            baseline_date=alliance.start_date - datetime.timedelta(days=1),
            target_value=None if target is None else Decimal(target),
            target_date=None if target is None else alliance.end_date,
            direction=direction,
            frequency=frequency,
            responsible_actor=self.actors[responsible] if responsible else None,
        )
        indicator.full_clean()
        indicator.save()
        return indicator

    def commit(self, alliance, actor_key, description, kind, value, due_in_days) -> Commitment:
        commitment = Commitment(
            alliance=alliance,
            actor=self.actors[actor_key],
            cycle=alliance.cycle,
            description=description,
            kind=kind,
            value_pen=None if value is None else Decimal(value),
            due_date=self.today + datetime.timedelta(days=due_in_days),
        )
        commitment.full_clean()
        commitment.save()
        return commitment

    def progress(self, commitment, username, progress, note) -> None:
        log_progress(commitment=commitment, user=self.users[username], progress=progress, note=note)

    def measure(self, indicator, periods_ago, value, username, note="") -> None:
        start, end = past_period(self.today, indicator.frequency, periods_ago)
        measurement = Measurement(
            indicator=indicator,
            cycle=indicator.objective.alliance.cycle,
            period_start=start,
            period_end=end,
            value=Decimal(value),
            reported_by=self.users[username],
            note=note,
        )
        measurement.full_clean()
        measurement.save()

    def phase(self, alliance, transition, comment) -> None:
        change_phase(alliance=alliance, transition=transition, user=self.admin, comment=comment)

    def evaluate(self, alliance, decision, findings, lessons="", scores=None) -> None:
        """Every criterion rated 4 unless ``scores`` says otherwise."""
        scores = scores or {}
        record_evaluation(
            alliance=alliance,
            user=self.admin,
            decision=decision,
            findings=findings,
            lessons_learned=lessons,
            ratings={c.value: (scores.get(c.value, 4), "") for c in EVALUATION_CRITERIA},
        )

    def done(self, alliance) -> None:
        self.write(
            _("Alliance “%(name)s”: created, in phase “%(phase)s”, cycle %(cycle)s.")
            % {
                "name": alliance.name,
                "phase": alliance.get_phase_display(),
                "cycle": alliance.cycle,
            }
        )

    # --- The six alliances ---

    def water_in_huamanga(self) -> None:
        """Identification, still incomplete: its checklist shows what is missing."""
        alliance = self.new_alliance(
            name="Agua segura para las comunidades altoandinas de Huamanga",
            problem="En las comunidades altoandinas de la provincia de Huamanga cerca de la "
            "mitad de los hogares consume agua sin tratamiento, lo que se asocia a altas tasas "
            "de enfermedad diarreica aguda en niñas y niños menores de cinco años.",
            origin=Origin.FROM_THE_BASE,
            regions=["05"],
            goals=[6, 3],
            coordinators=["coord.quispe"],
            months_ago=2,
        )
        if alliance is None:
            return
        self.member(alliance, "mp_huamanga", Role.LEADER)
        self.member(alliance, "cc_quispillaccta", Role.IMPLEMENTING_PARTNER)
        self.member(alliance, "care", Role.TECHNICAL_ALLY)
        water = self.objective(
            alliance, 1, "Ampliar el acceso a agua segura en 12 comunidades campesinas"
        )
        # The target is still being agreed with the communities.
        self.indicator(water, "Hogares que consumen agua clorada", "hogares", "420", None)
        self.objective(
            alliance,
            2,
            "Fortalecer a las Juntas Administradoras de Servicios de Saneamiento (JASS)",
            "Capacitación en operación, mantenimiento y cloración de los sistemas.",
        )
        self.commit(
            alliance,
            "mp_huamanga",
            "Elaborar el expediente técnico de los sistemas de cloración por goteo",
            CommitmentKind.TECHNICAL,
            "85000",
            120,
        )
        self.done(alliance)

    def coffee_in_la_convencion(self) -> None:
        """Implementation, cycle 1: commitments under way, one overdue."""
        alliance = self.new_alliance(
            name="Café de especialidad con familias productoras de La Convención",
            problem="Las familias cafetaleras de La Convención venden su café sin diferenciar, "
            "a precios bajos y con rendimientos afectados por la roya amarilla; pocas "
            "organizaciones acceden a certificaciones y a mercados de cafés especiales.",
            origin=Origin.ARTICULATION,
            regions=["08"],
            goals=[8, 2, 12],
            coordinators=["coord.mamani"],
            months_ago=9,
        )
        if alliance is None:
            return
        self.member(alliance, "gore_cusco", Role.LEADER)
        self.member(alliance, "agro", Role.IMPLEMENTING_PARTNER)
        self.member(alliance, "unsaac", Role.TECHNICAL_ALLY)
        self.member(alliance, "aecid", Role.FUNDER)
        productivity = self.objective(
            alliance, 1, "Mejorar la productividad y la calidad del café de 800 familias"
        )
        self.indicator(
            productivity,
            "Rendimiento promedio de café pergamino",
            "qq/ha",
            "14",
            "22",
            frequency=Frequency.SEMIANNUAL,
            responsible="unsaac",
        )
        markets = self.objective(alliance, 2, "Acceder a mercados de cafés especiales")
        self.indicator(
            markets,
            "Lotes de café con puntaje de taza de 84 o más",
            "lotes",
            "12",
            "60",
            responsible="agro",
        )
        renewal = self.commit(
            alliance,
            "gore_cusco",
            "Cofinanciar la renovación de 400 hectáreas de cafetales con variedades "
            "resistentes a la roya",
            CommitmentKind.FINANCIAL,
            "1200000",
            180,
        )
        self.commit(
            alliance,
            "agro",
            "Comprar la producción de cafés especiales a precio diferenciado y financiar la "
            "certificación orgánica",
            CommitmentKind.FINANCIAL,
            "350000",
            240,
        )
        plots = self.commit(
            alliance,
            "unsaac",
            "Instalar dos parcelas demostrativas y capacitar a 120 promotores en manejo "
            "integrado de la roya",
            CommitmentKind.TECHNICAL,
            "90000",
            -20,
        )
        tasting = self.commit(
            alliance,
            "aecid",
            "Financiar la asistencia técnica en poscosecha y catación",
            CommitmentKind.FINANCIAL,
            "450000",
            -45,
        )
        self.phase(
            alliance,
            "start_implementation",
            "Convenio firmado por los cuatro socios en la mesa técnica del café.",
        )
        self.progress(renewal, "rep.gorecusco", 35, "140 hectáreas renovadas en Echarati.")
        self.progress(plots, "coord.mamani", 60, "Parcela de Quellouno instalada; falta Maranura.")
        self.progress(tasting, "coord.mamani", 100, "Desembolso completo; 6 talleres de catación.")
        self.done(alliance)

    def forests_in_cotabambas(self) -> None:
        """Monitoring, cycle 1: first measurements reported."""
        alliance = self.new_alliance(
            name="Bosques nativos para las cabeceras de cuenca de Cotabambas",
            problem="La pérdida de bosques de queñua y de pastos naturales en las cabeceras de "
            "cuenca de Cotabambas reduce la recarga de los manantiales de los que dependen la "
            "agricultura y el consumo humano.",
            origin=Origin.EXTENSION,
            regions=["03"],
            goals=[15, 13, 6],
            coordinators=["coord.flores"],
            months_ago=20,
        )
        if alliance is None:
            return
        self.member(alliance, "minera", Role.LEADER)
        self.member(alliance, "cc_tambobamba", Role.IMPLEMENTING_PARTNER)
        self.member(alliance, "minam", Role.TECHNICAL_ALLY)
        self.member(alliance, "giz", Role.FUNDER)
        forest = self.objective(
            alliance, 1, "Restaurar 600 hectáreas de bosque nativo y pastos altoandinos"
        )
        hectares = self.indicator(
            forest,
            "Hectáreas reforestadas con queñua y otras especies nativas",
            "ha",
            "0",
            "600",
            responsible="cc_tambobamba",
        )
        water = self.objective(alliance, 2, "Recuperar el caudal de los manantiales")
        springs = self.indicator(
            water,
            "Manantiales con caudal recuperado en época seca",
            "manantiales",
            "4",
            "25",
            frequency=Frequency.SEMIANNUAL,
            responsible="minam",
        )
        nurseries = self.commit(
            alliance,
            "minera",
            "Financiar viveros comunales y la producción de 500 000 plantones de queñua",
            CommitmentKind.FINANCIAL,
            "900000",
            -60,
        )
        work = self.commit(
            alliance,
            "cc_tambobamba",
            "Aportar faenas comunales para la plantación y el cercado de las áreas restauradas",
            CommitmentKind.IN_KIND,
            "180000",
            90,
        )
        self.commit(
            alliance,
            "minam",
            "Brindar asistencia técnica para la zonificación y el monitoreo hídrico",
            CommitmentKind.TECHNICAL,
            None,
            -15,
        )
        monitoring = self.commit(
            alliance,
            "giz",
            "Financiar el sistema de monitoreo participativo del agua",
            CommitmentKind.FINANCIAL,
            "250000",
            150,
        )
        self.phase(alliance, "start_implementation", "Acta de asamblea comunal aprobada.")
        self.progress(nurseries, "rep.minera", 100, "Tres viveros comunales en producción.")
        self.progress(work, "coord.flores", 55, "Faenas de julio y agosto: 310 ha plantadas.")
        self.progress(monitoring, "coord.flores", 20, "Aforadores instalados en 6 manantiales.")
        self.phase(alliance, "start_monitoring", "Primera campaña de plantación concluida.")
        for periods_ago, value in ((2, "80"), (1, "190"), (0, "310")):
            self.measure(hectares, periods_ago, value, "coord.flores")
        self.measure(springs, 0, "7", "rep.minam", "Aforo de setiembre.")
        self.done(alliance)

    def anaemia_in_ayacucho(self) -> None:
        """Evaluation, cycle 1: every indicator measured, the evaluation still to be written."""
        alliance = self.new_alliance(
            name="Anemia cero en la primera infancia de Ayacucho",
            problem="Cuatro de cada diez niñas y niños de 6 a 35 meses de Ayacucho tienen "
            "anemia, con efectos irreversibles en su desarrollo y en sus oportunidades.",
            origin=Origin.FROM_THE_BASE,
            regions=["05"],
            goals=[2, 3, 10],
            coordinators=["coord.quispe"],
            months_ago=26,
        )
        if alliance is None:
            return
        self.member(alliance, "mp_huamanga", Role.LEADER)
        self.member(alliance, "care", Role.IMPLEMENTING_PARTNER)
        self.member(alliance, "pnud", Role.FUNDER)
        self.member(alliance, "cc_quispillaccta", Role.IMPLEMENTING_PARTNER)
        anaemia = self.objective(alliance, 1, "Reducir la anemia en niñas y niños de 6 a 35 meses")
        prevalence = self.indicator(
            anaemia,
            "Prevalencia de anemia en niñas y niños de 6 a 35 meses",
            "%",
            "41.5",
            "25",
            frequency=Frequency.SEMIANNUAL,
            responsible="mp_huamanga",
            direction=Direction.DECREASE,
        )
        food = self.objective(alliance, 2, "Mejorar las prácticas de alimentación de las familias")
        families = self.indicator(
            food,
            "Familias que preparan alimentos ricos en hierro tres veces por semana",
            "familias",
            "350",
            "1500",
            responsible="care",
        )
        centres = self.commit(
            alliance,
            "mp_huamanga",
            "Implementar 20 centros de vigilancia comunal del crecimiento infantil",
            CommitmentKind.HUMAN_RESOURCES,
            "240000",
            -200,
        )
        training = self.commit(
            alliance,
            "care",
            "Capacitar a 1 500 familias en la preparación de alimentos ricos en hierro",
            CommitmentKind.TECHNICAL,
            "310000",
            -90,
        )
        screening = self.commit(
            alliance,
            "pnud",
            "Financiar el tamizaje de hemoglobina y el padrón nominal de niñas y niños",
            CommitmentKind.FINANCIAL,
            "400000",
            -30,
        )
        visits = self.commit(
            alliance,
            "cc_quispillaccta",
            "Organizar a las promotoras comunales de salud para las visitas domiciliarias",
            CommitmentKind.HUMAN_RESOURCES,
            None,
            -120,
        )
        self.phase(alliance, "start_implementation", "Plan de trabajo aprobado por los socios.")
        self.progress(centres, "coord.quispe", 100, "Los 20 centros funcionan.")
        self.progress(training, "rep.care", 100, "1 520 familias capacitadas.")
        self.progress(screening, "coord.quispe", 80, "Falta el tamizaje de Socos y Vinchos.")
        self.progress(visits, "coord.quispe", 100, "42 promotoras en actividad.")
        self.phase(alliance, "start_monitoring", "Línea de base y padrón nominal listos.")
        for periods_ago, value in ((2, "40.2"), (1, "35.8"), (0, "31.4")):
            self.measure(prevalence, periods_ago, value, "coord.quispe")
        for periods_ago, value in ((3, "520"), (2, "780"), (1, "1020"), (0, "1240")):
            self.measure(families, periods_ago, value, "rep.care")
        self.phase(alliance, "start_evaluation", "Cierre del primer ciclo de dos años.")
        self.done(alliance)

    def recycling_in_lima(self) -> None:
        """Closed after its evaluation decided to close it."""
        alliance = self.new_alliance(
            name="Reciclaje inclusivo en Lima y Callao",
            problem="Menos del 2 % de los residuos sólidos municipales de Lima y Callao se "
            "valoriza, y las recicladoras y los recicladores de base trabajan en la "
            "informalidad, sin seguridad social ni equipos de protección.",
            origin=Origin.ARTICULATION,
            regions=["15", "07"],
            goals=[11, 12, 8],
            coordinators=["coord.flores"],
            months_ago=38,
        )
        if alliance is None:
            return
        self.member(alliance, "minam", Role.LEADER)
        self.member(alliance, "asociacion", Role.IMPLEMENTING_PARTNER)
        self.member(alliance, "pucp", Role.TECHNICAL_ALLY)
        self.member(alliance, "aecid", Role.FUNDER)
        formal = self.objective(alliance, 1, "Formalizar a las recicladoras y los recicladores")
        recyclers = self.indicator(
            formal,
            "Recicladoras y recicladores formalizados",
            "personas",
            "150",
            "900",
            responsible="asociacion",
        )
        recovery = self.objective(alliance, 2, "Aumentar la valorización de residuos")
        tonnes = self.indicator(
            recovery,
            "Residuos inorgánicos valorizados al mes",
            "t",
            "320",
            "1200",
            responsible="pucp",
        )
        commitments = [
            self.commit(
                alliance,
                "minam",
                "Aprobar lineamientos para incorporar a los recicladores formalizados a los "
                "programas municipales de segregación",
                CommitmentKind.TECHNICAL,
                None,
                -400,
            ),
            self.commit(
                alliance,
                "asociacion",
                "Empadronar y capacitar a 900 recicladoras y recicladores",
                CommitmentKind.HUMAN_RESOURCES,
                "120000",
                -350,
            ),
            self.commit(
                alliance,
                "pucp",
                "Diseñar y aplicar la metodología de caracterización de residuos",
                CommitmentKind.INFORMATION,
                "60000",
                -500,
            ),
            self.commit(
                alliance,
                "aecid",
                "Financiar equipos de protección personal y 150 triciclos",
                CommitmentKind.FINANCIAL,
                "520000",
                -300,
            ),
        ]
        self.phase(alliance, "start_implementation", "Convenio marco suscrito.")
        for commitment in commitments:
            self.progress(commitment, "coord.flores", 100, "Cumplido y verificado.")
        self.phase(alliance, "start_monitoring", "Empadronamiento concluido.")
        for periods_ago, value in ((7, "310"), (6, "520"), (5, "760"), (4, "940")):
            self.measure(recyclers, periods_ago, value, "coord.flores")
        for periods_ago, value in ((7, "410"), (6, "650"), (5, "900"), (4, "1180")):
            self.measure(tonnes, periods_ago, value, "coord.flores")
        self.phase(alliance, "start_evaluation", "Fin del periodo del convenio.")
        self.evaluate(
            alliance,
            Evaluation.Decision.CLOSE,
            "Se formalizó a 940 recicladoras y recicladores y la valorización casi se "
            "cuadruplicó. Los municipios asumen el programa con presupuesto propio, por lo que "
            "la alianza cumplió su propósito.",
            lessons="Involucrar desde el inicio a los municipios facilitó la transferencia.",
            scores={"effectiveness": 5, "sustainability": 5, "fair_returns": 3},
        )
        self.phase(alliance, "close", "Transferencia del programa a los municipios.")
        self.done(alliance)

    def connected_schools_in_cusco(self) -> None:
        """Went round the cycle once: evaluated, continued, now in cycle 2."""
        alliance = self.new_alliance(
            name="Escuelas rurales conectadas en las provincias altas del Cusco",
            problem="Las escuelas rurales multigrado de las provincias altas del Cusco no tienen "
            "conectividad ni docentes formados en el uso pedagógico de las tecnologías, lo que "
            "amplía la brecha de aprendizajes con las escuelas urbanas.",
            origin=Origin.EXTENSION,
            regions=["08"],
            goals=[4, 9, 10],
            coordinators=["coord.mamani", "coord.quispe"],
            months_ago=30,
        )
        if alliance is None:
            return
        self.member(alliance, "unsaac", Role.LEADER)
        self.member(alliance, "gore_cusco", Role.IMPLEMENTING_PARTNER)
        self.member(alliance, "giz", Role.FUNDER)
        self.member(alliance, "pucp", Role.TECHNICAL_ALLY)
        connect = self.objective(alliance, 1, "Conectar escuelas rurales multigrado")
        schools = self.indicator(
            connect,
            "Escuelas rurales con conectividad y equipamiento",
            "escuelas",
            "5",
            "120",
            responsible="gore_cusco",
        )
        teach = self.objective(alliance, 2, "Formar a docentes en competencias digitales")
        teachers = self.indicator(
            teach,
            "Docentes certificados en competencias digitales",
            "docentes",
            "0",
            "600",
            responsible="unsaac",
        )
        first_cycle = [
            self.commit(
                alliance,
                "unsaac",
                "Diseñar el programa de formación docente en quechua y castellano",
                CommitmentKind.TECHNICAL,
                "150000",
                -420,
            ),
            self.commit(
                alliance,
                "gore_cusco",
                "Financiar la conectividad satelital de 40 escuelas",
                CommitmentKind.FINANCIAL,
                "800000",
                -300,
            ),
            self.commit(
                alliance,
                "giz",
                "Financiar equipos y tabletas para 40 escuelas",
                CommitmentKind.FINANCIAL,
                "600000",
                -330,
            ),
            self.commit(
                alliance,
                "pucp",
                "Evaluar los aprendizajes de la primera cohorte de estudiantes",
                CommitmentKind.INFORMATION,
                "70000",
                -200,
            ),
        ]
        self.phase(alliance, "start_implementation", "Convenio firmado en Sicuani.")
        for commitment in first_cycle:
            self.progress(commitment, "coord.mamani", 100, "Cumplido.")
        self.phase(alliance, "start_monitoring", "Primeras 40 escuelas conectadas.")
        for periods_ago, value in ((6, "18"), (5, "31"), (4, "45")):
            self.measure(schools, periods_ago, value, "rep.gorecusco")
        for periods_ago, value in ((6, "60"), (5, "140"), (4, "210")):
            self.measure(teachers, periods_ago, value, "coord.mamani")
        self.phase(alliance, "start_evaluation", "Fin del primer ciclo.")
        self.evaluate(
            alliance,
            Evaluation.Decision.CONTINUE,
            "Se conectó a 45 escuelas y se certificó a 210 docentes. La estrategia funciona; "
            "el segundo ciclo amplía la cobertura a 80 escuelas más.",
            lessons="La conectividad sin docentes formados no cambia los aprendizajes.",
            scores={"efficiency": 3, "trust": 5, "conflict_management": 3},
        )
        self.phase(alliance, "continue_cycle", "Los socios renuevan sus aportes.")
        # Cycle 2: new commitments, one already late.
        certify = self.commit(
            alliance,
            "unsaac",
            "Certificar a 400 docentes adicionales",
            CommitmentKind.TECHNICAL,
            "200000",
            200,
        )
        self.commit(
            alliance,
            "gore_cusco",
            "Ampliar la conectividad a 80 escuelas más",
            CommitmentKind.FINANCIAL,
            "1500000",
            300,
        )
        self.commit(
            alliance,
            "giz",
            "Financiar el soporte técnico y el mantenimiento de los equipos",
            CommitmentKind.FINANCIAL,
            "180000",
            -10,
        )
        self.commit(
            alliance,
            "pucp",
            "Acompañar la evaluación de impacto del segundo ciclo",
            CommitmentKind.INFORMATION,
            "90000",
            365,
        )
        self.progress(certify, "coord.mamani", 30, "Primera cohorte del segundo ciclo inscrita.")
        self.measure(schools, 0, "52", "rep.gorecusco")
        self.done(alliance)


# --- Synthetic data ---------------------------------------------------------------

# Each theme: a problem, its SDGs and two objectives, each with one indicator:
# (objective, indicator, unit, direction, baseline, target).
THEMES = [
    (
        "Acceso insuficiente a agua segura y saneamiento en comunidades rurales.",
        [6, 3],
        [
            (
                "Ampliar el acceso a agua segura",
                "Hogares con agua clorada",
                "hogares",
                "+",
                200,
                800,
            ),
            ("Fortalecer la gestión comunal del agua", "JASS operativas", "JASS", "+", 5, 30),
        ],
    ),
    (
        "Alta prevalencia de anemia y desnutrición crónica infantil.",
        [2, 3],
        [
            (
                "Reducir la anemia infantil",
                "Prevalencia de anemia en menores de 3 años",
                "%",
                "-",
                45,
                25,
            ),
            (
                "Mejorar la alimentación familiar",
                "Familias con huertos familiares",
                "familias",
                "+",
                100,
                900,
            ),
        ],
    ),
    (
        "Deforestación y degradación de bosques en cabeceras de cuenca.",
        [15, 13],
        [
            ("Restaurar bosques nativos", "Hectáreas reforestadas", "ha", "+", 0, 500),
            (
                "Conservar ecosistemas",
                "Hectáreas bajo acuerdos de conservación",
                "ha",
                "+",
                100,
                2000,
            ),
        ],
    ),
    (
        "Baja valorización de residuos sólidos y reciclaje informal.",
        [11, 12],
        [
            (
                "Aumentar la valorización de residuos",
                "Toneladas valorizadas al mes",
                "t",
                "+",
                50,
                400,
            ),
            (
                "Formalizar a los recicladores",
                "Recicladores formalizados",
                "personas",
                "+",
                20,
                300,
            ),
        ],
    ),
    (
        "Brecha de aprendizajes y de conectividad en escuelas rurales.",
        [4, 9],
        [
            ("Conectar escuelas rurales", "Escuelas con conectividad", "escuelas", "+", 3, 60),
            ("Formar a docentes", "Docentes certificados", "docentes", "+", 0, 300),
        ],
    ),
    (
        "Bajos ingresos de pequeños productores agrarios por falta de acceso a mercados.",
        [8, 2, 1],
        [
            (
                "Acceder a mercados diferenciados",
                "Productores con certificación",
                "productores",
                "+",
                30,
                400,
            ),
            ("Mejorar la productividad", "Rendimiento promedio", "t/ha", "+", 2, 5),
        ],
    ),
    (
        "Violencia contra las mujeres y limitado acceso a servicios de atención.",
        [5, 16],
        [
            (
                "Ampliar la atención a víctimas",
                "Mujeres atendidas por los servicios",
                "mujeres",
                "+",
                200,
                1500,
            ),
            (
                "Prevenir la violencia",
                "Casos de violencia reportados por cada mil hogares",
                "casos",
                "-",
                30,
                12,
            ),
        ],
    ),
    (
        "Viviendas rurales sin energía eléctrica ni cocinas mejoradas.",
        [7, 3],
        [
            (
                "Electrificar viviendas aisladas",
                "Viviendas con sistemas fotovoltaicos",
                "viviendas",
                "+",
                0,
                700,
            ),
            (
                "Reducir el humo intradomiciliario",
                "Viviendas con cocinas mejoradas",
                "viviendas",
                "+",
                50,
                900,
            ),
        ],
    ),
    (
        "Pesca artesanal informal y sobreexplotación de recursos marinos.",
        [14, 8],
        [
            (
                "Formalizar la pesca artesanal",
                "Pescadores artesanales formalizados",
                "pescadores",
                "+",
                40,
                600,
            ),
            ("Reducir la pesca de juveniles", "Desembarque de juveniles", "%", "-", 35, 10),
        ],
    ),
    (
        "Desempleo juvenil y falta de formación técnica pertinente.",
        [8, 4, 10],
        [
            (
                "Insertar laboralmente a jóvenes",
                "Jóvenes con empleo formal",
                "jóvenes",
                "+",
                50,
                800,
            ),
            (
                "Formar en oficios técnicos",
                "Jóvenes certificados en oficios",
                "jóvenes",
                "+",
                0,
                1000,
            ),
        ],
    ),
]

COMMITMENT_TEXTS = {
    CommitmentKind.FINANCIAL: [
        "Financiar la adquisición de equipos y materiales",
        "Cofinanciar las obras del proyecto",
        "Financiar los talleres de capacitación",
    ],
    CommitmentKind.IN_KIND: [
        "Aportar locales para las reuniones y talleres",
        "Aportar faenas comunales y materiales de la zona",
        "Aportar vehículos para el trabajo de campo",
    ],
    CommitmentKind.TECHNICAL: [
        "Brindar asistencia técnica a las familias participantes",
        "Elaborar el expediente técnico",
        "Diseñar la metodología de intervención",
    ],
    CommitmentKind.HUMAN_RESOURCES: [
        "Asignar un equipo de promotores de campo",
        "Designar a un responsable de seguimiento",
        "Asignar especialistas para el acompañamiento",
    ],
    CommitmentKind.INFORMATION: [
        "Compartir la información estadística de la zona",
        "Elaborar la línea de base",
        "Sistematizar y difundir los aprendizajes",
    ],
}

FINDINGS = {
    Evaluation.Decision.CONTINUE: "Se alcanzó la mayor parte de las metas; los socios deciden "
    "continuar y ampliar la cobertura.",
    Evaluation.Decision.REFORMULATE: "Las metas no se alcanzaron; la alianza rediseña sus "
    "objetivos y su estrategia.",
    Evaluation.Decision.CLOSE: "La alianza cumplió su propósito y transfiere sus resultados.",
}

EARLY_CLOSING_REASONS = [
    "Los socios no lograron asegurar el financiamiento.",
    "El socio líder se retiró y no se designó a otro.",
    "El problema pasó a ser atendido por un programa nacional.",
]

ACTIVE_ORDER = [Phase.IDENTIFICATION, Phase.IMPLEMENTATION, Phase.MONITORING, Phase.EVALUATION]
FORWARD = {
    Phase.IDENTIFICATION: ("start_implementation", Phase.IMPLEMENTATION),
    Phase.IMPLEMENTATION: ("start_monitoring", Phase.MONITORING),
    Phase.MONITORING: ("start_evaluation", Phase.EVALUATION),
}
NON_LEADER_ROLES = [Role.IMPLEMENTING_PARTNER, Role.FUNDER, Role.TECHNICAL_ALLY, Role.OBSERVER]
FREQUENCIES = [Frequency.MONTHLY, Frequency.QUARTERLY, Frequency.SEMIANNUAL, Frequency.ANNUAL]
FREQUENCY_WEIGHTS = [30, 45, 15, 10]


def plan_phases(rng: random.Random):
    """A plausible history: the final phase and cycle, the transitions leading there
    as (transition, source, target, cycle after, comment), and the evaluations
    as (cycle, decision)."""
    cycles = rng.choices([1, 2, 3], weights=[75, 20, 5])[0]
    final = rng.choices([*ACTIVE_ORDER, Phase.CLOSED], weights=[20, 25, 20, 15, 20])[0]
    steps, evaluations = [], []
    phase, cycle = Phase.IDENTIFICATION, 1

    def walk_to(target):
        nonlocal phase
        while ACTIVE_ORDER.index(phase) < ACTIVE_ORDER.index(target):
            name, following = FORWARD[phase]
            steps.append((name, phase, following, cycle, ""))
            phase = following

    for number in range(1, cycles):
        walk_to(Phase.EVALUATION)
        if number < cycles - 1:
            decision = rng.choice(["continue", "continue", "reformulate"])
        else:
            decision = "reformulate" if final == Phase.IDENTIFICATION else "continue"
        evaluations.append((cycle, decision))
        cycle += 1
        following = Phase.IMPLEMENTATION if decision == "continue" else Phase.IDENTIFICATION
        name = "continue_cycle" if decision == "continue" else "reformulate"
        steps.append((name, Phase.EVALUATION, following, cycle, ""))
        phase = following

    if final == Phase.CLOSED:
        if rng.random() < 0.75:
            walk_to(Phase.EVALUATION)
            evaluations.append((cycle, "close"))
            steps.append(("close", Phase.EVALUATION, Phase.CLOSED, cycle, ""))
        else:
            walk_to(rng.choice(ACTIVE_ORDER[ACTIVE_ORDER.index(phase) :]))
            reason = rng.choice(EARLY_CLOSING_REASONS)
            steps.append(("close_early", phase, Phase.CLOSED, cycle, reason))
        phase = Phase.CLOSED
    else:
        walk_to(max(final, phase, key=ACTIVE_ORDER.index))
    return phase, cycle, steps, evaluations


class SyntheticData:
    """Bulk-creates the synthetic rows still missing to reach the totals asked for."""

    def __init__(self, command: "Command", admin: User, batch_size: int, today: datetime.date):
        self.command = command
        self.admin = admin
        self.batch_size = batch_size
        self.today = today
        self.tz = timezone.get_current_timezone()

    @staticmethod
    def check(sizes: dict[str, int]) -> None:
        """Refuse, before anything is written, what the existing data cannot support."""
        if sizes["alliances"] > synthetic_alliances().count():
            actors = max(sizes["actors"], synthetic_actors().count())
            if actors < MIN_SYNTHETIC_ACTORS:
                raise CommandError(
                    _(
                        "Synthetic alliances need at least %(minimum)s synthetic actors: "
                        "add --actors %(minimum)s or more."
                    )
                    % {"minimum": MIN_SYNTHETIC_ACTORS}
                )
        alliances = max(sizes["alliances"], synthetic_alliances().count())
        for option in ("commitments", "measurements"):
            if sizes[option] and not alliances:
                raise CommandError(
                    _("--%(option)s needs synthetic alliances: add --alliances.")
                    % {"option": option}
                )

    def write(self, message: str) -> None:
        self.command.say(message)

    def run(self, *, actors: int, alliances: int, commitments: int, measurements: int) -> None:
        self.write(self.command.style.MIGRATE_HEADING(_("Synthetic data (totals to reach)")))
        self.actors(actors)
        self.alliances(alliances)
        self.commitments(commitments)
        self.measurements(measurements)
        if connection.vendor == "postgresql":
            # Fresh statistics after a bulk load: without them the planner takes the
            # tables for nearly empty and picks plans that are slower by an order.
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")

    def insert(self, model, objects, label=None) -> None:
        """Bulk-insert ``objects`` and say how long it took."""
        started = time.monotonic()
        model.objects.bulk_create(objects, batch_size=self.batch_size)
        self.write(
            "  "
            + _("%(model)s: %(count)s created in %(seconds).1f s.")
            % {
                "model": label or model._meta.verbose_name_plural,
                "count": len(objects),
                "seconds": time.monotonic() - started,
            }
        )

    def nothing_to_do(self, label: str, existing: int) -> None:
        self.write(
            "  "
            + _("%(label)s: %(existing)s already there, nothing to add.")
            % {"label": label, "existing": existing}
        )

    def at(self, day: datetime.date, hour: int = 10) -> datetime.datetime:
        return datetime.datetime(day.year, day.month, day.day, hour, tzinfo=self.tz)

    @staticmethod
    def next_numbers(names, prefix: str, count: int) -> range:
        numbers = [int(name[len(prefix) :]) for name in names if name[len(prefix) :].isdigit()]
        first = max(numbers, default=0) + 1
        return range(first, first + count)

    # --- Actors ---

    def actors(self, target: int) -> None:
        names = list(synthetic_actors().values_list("name", flat=True))
        missing = target - len(names)
        if missing <= 0:
            if target:
                self.nothing_to_do(Actor._meta.verbose_name_plural, len(names))
            return
        regions = list(Region.objects.order_by("code").values_list("pk", flat=True))
        sectors = list(Sector.values)
        actors = []
        for number in self.next_numbers(names, SYNTHETIC_ACTOR_PREFIX, missing):
            sector = sectors[number % len(sectors)]
            actors.append(
                Actor(
                    name=f"{SYNTHETIC_ACTOR_PREFIX}{number:05d}",
                    acronym=f"AS-{number:05d}",
                    sector=sector,
                    # "209" + seven digits: never one of the curated actors' RUCs.
                    ruc=ruc(f"209{number:07d}") if number < 10_000_000 else "",
                    region_id=regions[number % len(regions)],
                    description="Organización generada para pruebas de rendimiento.",
                    email=f"actor{number:05d}@sintetico.demo.example",
                    phone=f"+51 1 555 {number % 10_000:04d}",
                )
            )
        self.insert(Actor, actors)

    # --- Alliances, with their members, objectives, indicators and history ---

    def alliances(self, target: int) -> None:
        names = list(synthetic_alliances().values_list("name", flat=True))
        missing = target - len(names)
        if missing <= 0:
            if target:
                self.nothing_to_do(Alliance._meta.verbose_name_plural, len(names))
            return
        numbers = self.next_numbers(names, SYNTHETIC_ALLIANCE_PREFIX, missing)
        rng = random.Random(f"alianzas-{numbers.start}")
        pool = list(synthetic_actors().order_by("pk").values_list("pk", "sector"))
        by_sector = defaultdict(list)
        for pk, sector in pool:
            by_sector[sector].append(pk)
        region_ids = list(Region.objects.order_by("code").values_list("pk", flat=True))
        origins = list(Origin.values)

        alliances, memberships, objectives, indicators = [], [], [], []
        plans = []  # (alliance, region ids, goal numbers, steps, evaluations)
        for number in numbers:
            phase, cycle, steps, evaluations = plan_phases(rng)
            problem, goals, theme_objectives = THEMES[number % len(THEMES)]
            days_back = (
                rng.randint(90, 420)
                + 540 * (cycle - 1)
                + 120 * ACTIVE_ORDER.index(phase if phase != Phase.CLOSED else Phase.EVALUATION)
            )
            start = self.today - datetime.timedelta(days=days_back)
            alliance = Alliance(
                name=f"{SYNTHETIC_ALLIANCE_PREFIX}{number:06d}",
                problem=problem,
                origin=origins[number % len(origins)],
                start_date=start,
                end_date=start + datetime.timedelta(days=3 * 365),
                phase=phase,
                cycle=cycle,
            )
            alliances.append(alliance)
            members = self.pick_members(rng, pool, by_sector)
            for position, actor_id in enumerate(members):
                memberships.append(
                    Membership(
                        alliance=alliance,
                        actor_id=actor_id,
                        role=Role.LEADER if position == 0 else rng.choice(NON_LEADER_ROLES),
                        joined_on=start,
                    )
                )
            designing = phase == Phase.IDENTIFICATION and cycle == 1
            for position, spec in enumerate(theme_objectives[: rng.randint(1, 2)], start=1):
                title, indicator_name, unit, sign, baseline, target_value = spec
                objective = Objective(alliance=alliance, position=position, title=title)
                objectives.append(objective)
                scale = rng.choice([1, 1, 2, 3])
                complete = not (designing and rng.random() < 0.5)
                indicators.append(
                    Indicator(
                        objective=objective,
                        name=indicator_name,
                        unit=unit,
                        baseline_value=Decimal(baseline * (1 if unit == "%" else scale)),
                        baseline_date=start - datetime.timedelta(days=1),
                        target_value=(
                            Decimal(target_value * (1 if unit == "%" else scale))
                            if complete
                            else None
                        ),
                        target_date=alliance.end_date if complete else None,
                        direction=Direction.INCREASE if sign == "+" else Direction.DECREASE,
                        frequency=(
                            rng.choices(FREQUENCIES, weights=FREQUENCY_WEIGHTS)[0]
                            if complete
                            else ""
                        ),
                        responsible_actor_id=rng.choice(members) if complete else None,
                    )
                )
            regions = rng.sample(region_ids, rng.choice([1, 1, 1, 2, 3]))
            plans.append(
                (alliance, regions, goals[: rng.randint(1, len(goals))], steps, evaluations)
            )

        self.insert(Alliance, alliances)
        self.insert(Membership, memberships)
        self.insert(Objective, objectives)
        self.insert(Indicator, indicators)
        self.insert(
            Alliance.regions.through,
            [
                Alliance.regions.through(alliance_id=alliance.pk, region_id=region_id)
                for alliance, regions, *_rest in plans
                for region_id in regions
            ],
            label=_("alliance regions"),
        )
        self.insert(
            Alliance.goals.through,
            [
                Alliance.goals.through(alliance_id=alliance.pk, sustainabledevelopmentgoal_id=goal)
                for alliance, _regions, goals, *_rest in plans
                for goal in goals
            ],
            label=_("alliance SDGs"),
        )
        changes, evaluations = [], []
        for alliance, _regions, _goals, steps, decisions in plans:
            span = (self.today - alliance.start_date).days
            for index, (name, source, target_phase, cycle, comment) in enumerate(steps):
                day = alliance.start_date + datetime.timedelta(
                    days=span * (index + 1) // (len(steps) + 1)
                )
                changes.append(
                    PhaseChange(
                        alliance_id=alliance.pk,
                        transition=name,
                        source_phase=source,
                        target_phase=target_phase,
                        cycle=cycle,
                        user_id=self.admin.pk,
                        comment=comment,
                        created_at=self.at(day, 9 + index % 8),
                    )
                )
            for cycle, decision in decisions:
                evaluations.append(
                    Evaluation(
                        alliance_id=alliance.pk,
                        cycle=cycle,
                        decision=decision,
                        findings=FINDINGS[decision],
                        author_id=self.admin.pk,
                    )
                )
        self.insert(PhaseChange, changes)
        self.insert(Evaluation, evaluations)

    @staticmethod
    def pick_members(rng: random.Random, pool, by_sector) -> list[int]:
        """2 to 5 distinct actors from at least two sectors; the first one leads."""
        chosen = rng.sample(pool, rng.randint(2, min(5, len(pool))))
        sectors = {sector for _pk, sector in chosen}
        if len(sectors) < 2:
            others = [s for s in by_sector if s not in sectors]
            if others:
                sector = rng.choice(others)
                chosen[-1] = (rng.choice(by_sector[sector]), sector)
        return [pk for pk, _sector in chosen]

    # --- Commitments ---

    def commitment_state(self, rng, phase, previous_cycle, start):
        """Status, progress and due date, realistic for the alliance's phase."""
        elapsed = max((self.today - start).days, 61)
        if previous_cycle or phase == Phase.CLOSED:
            status = rng.choices(
                [
                    CommitmentStatus.FULFILLED,
                    CommitmentStatus.CANCELLED,
                    CommitmentStatus.IN_PROGRESS,
                ],
                weights=[75, 15, 10],
            )[0]
            due = start + datetime.timedelta(days=rng.randint(30, elapsed - 30))
        elif phase == Phase.IDENTIFICATION:
            status = rng.choices(
                [CommitmentStatus.PENDING, CommitmentStatus.IN_PROGRESS], weights=[90, 10]
            )[0]
            due = self.today + datetime.timedelta(days=rng.randint(30, 400))
        else:
            weights = {
                Phase.IMPLEMENTATION: [35, 40, 20, 5],
                Phase.MONITORING: [20, 40, 35, 5],
                Phase.EVALUATION: [10, 30, 55, 5],
            }[phase]
            status = rng.choices(
                [
                    CommitmentStatus.PENDING,
                    CommitmentStatus.IN_PROGRESS,
                    CommitmentStatus.FULFILLED,
                    CommitmentStatus.CANCELLED,
                ],
                weights=weights,
            )[0]
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
                        description=rng.choice(COMMITMENT_TEXTS[kind]),
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
        measured_phases = {Phase.MONITORING, Phase.EVALUATION, Phase.CLOSED}
        # Indicators are measured once the alliance is monitoring them (or was, in an
        # earlier cycle); only if there are none do the others get values.
        pool = [i for i in indicators if i[4] in measured_phases or i[5] > 1] or indicators
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


# --- The command --------------------------------------------------------------------


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
        self.say(_("Done in %(seconds).1f s.") % {"seconds": time.monotonic() - started})

    def print_logins(self, demo: CuratedDemo) -> None:
        actor_names = {data["key"]: data["name"] for data in ACTORS}
        self.say("")
        self.say(self.style.MIGRATE_HEADING(_("Demo logins")))
        self.say(
            _(
                "Every demo user has the password below. It is for the demo only: never use "
                "these accounts outside a local demo."
            )
        )
        for username, _first, _last, role, actor_key in USERS:
            if role == "administrator":
                label = _("Administrator (staff and superuser)")
            elif role == "coordinator":
                label = _("Coordinator")
            else:
                label = _("Representative of %(actor)s") % {"actor": actor_names[actor_key]}
            marker = "" if username in demo.created_users else " *"
            self.say(f"  {username:<20} {DEMO_PASSWORD}  {label}{marker}")
        if len(demo.created_users) < len(USERS):
            self.say(_("* Already existed before this run: its password was not reset."))
