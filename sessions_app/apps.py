from django.apps import AppConfig


class SessionsAppConfig(AppConfig):
    name = "sessions_app"
    label = "sessions_app"
    verbose_name = "Device sessions"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in, user_logged_out

        from sessions_app import signals

        user_logged_in.connect(signals.open_device_session_on_login, dispatch_uid="lair.login")
        user_logged_out.connect(signals.end_device_session_on_logout, dispatch_uid="lair.logout")
