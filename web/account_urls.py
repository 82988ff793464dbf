"""Sign up, sign in, sign out, the settings page and device sessions (API.md "Pages")."""

from django.urls import path

from web.views import account

urlpatterns = [
    path("signup/", account.signup, name="signup"),
    path("login/", account.login, name="login"),
    path("logout/", account.logout, name="logout"),
    path("settings/", account.settings_page, name="settings"),
    path("settings/sessions/", account.sessions_page, name="settings-sessions"),
    path(
        "settings/sessions/<int:session_id>/revoke/",
        account.revoke_session,
        name="settings-session-revoke",
    ),
    path(
        "settings/sessions/others/revoke/",
        account.revoke_other_sessions,
        name="settings-sessions-revoke-others",
    ),
]
