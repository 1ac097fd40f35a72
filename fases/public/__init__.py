"""The public site: published alliances, their map, and the open data (no sign-in).

What is public is decided by ``alianzas.publishing`` (a coordinator's recorded choice) and
what is shown of it here, in ``fases.public.selectors``: organisations, never people.
"""
