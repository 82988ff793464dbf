from django.apps import AppConfig


class OperatorsConfig(AppConfig):
    """The operator side: admin API, admin console (actions, dashboard), metrics.

    The top layer: it calls the other apps' services and selectors and owns no rule.
    """

    default_auto_field = "django.db.models.BigAutoField"
    name = "operators"
    verbose_name = "Operators"
