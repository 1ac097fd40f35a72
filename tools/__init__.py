"""Tools that are not the product: the benchmark, the load test, the reminder benchmark and
the reliability report.

They sit above every app (they may import from ``alianzas``, ``seguimiento`` and ``fases``;
no app imports from them), are installed only outside production (``config/settings.py``)
and are left out of the production image (``.dockerignore``), so neither
``manage.py help`` nor the image of a production server carries them.
"""
