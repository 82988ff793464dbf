from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class OperatorsConfig(AppConfig):
    """The operator side: admin API, admin console (actions, dashboard), metrics.

    The top layer: it calls the other apps' services and selectors and owns no rule.
    """

    default_auto_field = "django.db.models.BigAutoField"
    name = "operators"
    # The module holds the admin's config too: say which one "operators" means.
    default = True
    verbose_name = "Operators"


class ConsoleAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin with the operator console as its default site.

    Named in INSTALLED_APPS in place of "django.contrib.admin": Django's way to
    replace ``admin.site`` so every app's registrations use the console's rules.
    """

    default_site = "operators.admin.ConsoleSite"
    # Not the "operators" app itself: OperatorsConfig is.
    default = False
