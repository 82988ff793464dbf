from django.apps import AppConfig


class WebConfig(AppConfig):
    """Browser pages: thin views over the same services and selectors as the API."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "web"
    verbose_name = "Browser pages"
