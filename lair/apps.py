from django.apps import AppConfig


class LairConfig(AppConfig):
    name = "lair"
    verbose_name = "Lair Chat"
