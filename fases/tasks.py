"""Background work of the national view. Discovered by the worker (``config.celery``)."""

from celery import shared_task

from fases import network


@shared_task(name="fases.refresh_actor_network")
def refresh_actor_network() -> bool:
    """Compute the national actor network again if its memberships changed (beat runs it
    every ``NETWORK_REFRESH_SECONDS``); whether it did."""
    return network.refresh_national()
