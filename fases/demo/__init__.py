"""The demo that ``manage.py seed_demo`` loads.

- ``stories.yaml`` and ``curated.py``: the curated demo, written as data (actors, people and
  the story of each alliance) and performed through the application's services.
- ``synthetic.py``: bulk synthetic data for benchmarks, with the words it uses in
  ``synthetic.yaml``.
- ``phases.py``: the one bulk path for phase changes, which walks the lifecycle graph of
  ``alianzas.lifecycle`` and writes the rows ``fases.services.change_phase`` and
  ``record_evaluation`` would have written.

It lives on the top floor because it uses all three apps.
"""
