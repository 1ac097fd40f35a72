"""How the synthetic rows of ``seed_demo`` are named and worded, and how to find them:
synthetic actors and alliances by their names' prefixes, their commitments and measurements
by their alliance; their words come from ``synthetic.yaml``."""

from functools import cache
from pathlib import Path

import yaml

from alianzas.models import Actor, Alliance
from seguimiento.models import Commitment, Measurement

SYNTHETIC_ACTOR_PREFIX = "Actor sintético "
SYNTHETIC_ALLIANCE_PREFIX = "Alianza sintética "
WORDS_FILE = Path(__file__).with_name("synthetic.yaml")


@cache
def words() -> dict:
    """Themes, commitment texts, findings and early closing reasons (``synthetic.yaml``)."""
    return yaml.safe_load(WORDS_FILE.read_text(encoding="utf-8"))


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
