"""Background work of the national view. Discovered by the worker (``config.celery``)."""

from celery import shared_task

from fases import network, territory_map


@shared_task(name="fases.refresh_actor_network")
def refresh_actor_network() -> bool:
    """Compute the national actor network again if its memberships changed (beat runs it
    every ``NETWORK_REFRESH_SECONDS``); whether it did."""
    return network.refresh_national()


@shared_task(name="fases.refresh_territory_map")
def refresh_territory_map() -> None:
    """Count the maps of the whole country again and keep the counts (beat runs it every
    ``FIGURES_REFRESH_SECONDS``): hundreds of milliseconds at the national scale."""
    territory_map.refresh()
