"""The REST API, ``/api/v1/``: the top floor's consumer of every floor below.

It reads by the same rules as the pages (``alianzas.access``: what a person may not see
answers 404) and writes through the same services (``seguimiento.services``), so it holds
no business rule of its own: serializers check the shape of a request, the services decide.
"""
