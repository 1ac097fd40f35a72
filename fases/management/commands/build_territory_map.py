from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from fases import territory_map


class Command(BaseCommand):
    help = _(
        "Project and simplify Peru's departments and provinces (alianzas/data/peru-geojson) "
        "into fases/data/peru_map.json, which the maps read."
    )

    def handle(self, *args, **options):
        size = territory_map.write_map_file()
        self.stdout.write(
            _("%(path)s written: %(bytes)s bytes.")
            % {"path": territory_map.MAP_FILE, "bytes": size}
        )
