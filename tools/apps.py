from django.apps import AppConfig


class ToolsConfig(AppConfig):
    """Development-only management commands: ``benchmark``, ``load_test``, ``bench_reminders``."""

    name = "tools"
    verbose_name = "Tools (development only)"
