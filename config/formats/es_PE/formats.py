"""Peru's number format (es-PE): S/ 250,000.00, as Peruvian documents write amounts.

Django's generic Spanish writes «250 000,00»; in Peru the thousands are separated by commas
and the decimals by a point (SUNAT, the MEF and the banks write it so). Everything else
(dates, the first day of the week) is Spanish as Django has it.
"""

from django.conf.locale.es.formats import *  # noqa: F403

DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
