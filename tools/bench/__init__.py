"""The pieces of ``make bench`` (``tools/management/commands/benchmark.py``).

- ``data``: the national data (``seed_demo``), the people each page is seen as, the small
  alliances the writes go to, and the simulated people of the mixed run;
- ``http``: the gunicorn server, signing in, wrk, and the sessions of the writes (each
  request on a connection of its own, as the proxy sends them);
- ``pages``: the pages measured, their query counts and their load;
- ``writes``: each write as POST and the GET of its redirect;
- ``mixed``: people reading and writing at once, in ``load_test``'s proportions;
- ``sweeps``: the reminder sweep at growing sizes (``bench_reminders``);
- ``report``: the tables and the targets, written to ``docs/benchmarks.md``.
"""
