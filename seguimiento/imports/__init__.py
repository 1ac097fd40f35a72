"""Spreadsheet imports (XLSX or CSV): actors, members, objectives with indicators,
commitments and indicator values.

Every row goes through the same services as the forms (``alianzas.services``,
``seguimiento.services``): there is no second set of rules. ``running.process`` checks a
file by doing the whole import inside a transaction, each row in its own savepoint, and
rolling all of it back; it imports by doing the same and committing only when no row failed,
so an import is all the rows or none. Rows that are already there (the same RUC, the same
name within the alliance, the same indicator and period) are counted and left alone, so
importing the same file twice adds nothing the second time.

- ``reading``: the upload's checks (size, type) and its rows
- ``kinds``: each kind's columns and how one row is imported
- ``running``: checking and importing a whole file, with progress
- ``templates``: the template of each kind, to download
- ``tasks``: the worker's side
"""
