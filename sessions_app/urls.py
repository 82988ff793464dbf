from lair.urlpaths import slash_optional
from sessions_app import views

urlpatterns = [
    *slash_optional("auth/register", views.RegisterView.as_view(), name="auth-register"),
    *slash_optional("auth/login", views.LoginView.as_view(), name="auth-login"),
    *slash_optional("auth/refresh", views.RefreshView.as_view(), name="auth-refresh"),
    *slash_optional("auth/logout", views.LogoutView.as_view(), name="auth-logout"),
    *slash_optional("auth/password", views.PasswordView.as_view(), name="auth-password"),
    *slash_optional("sessions", views.SessionListView.as_view(), name="session-list"),
    *slash_optional("sessions/current", views.CurrentSessionView.as_view(), name="session-current"),
    *slash_optional("sessions/cleanup", views.SessionCleanupView.as_view(), name="session-cleanup"),
    *slash_optional(
        "sessions/<id:session_id>", views.SessionDetailView.as_view(), name="session-detail"
    ),
]
