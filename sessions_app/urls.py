from lair.routes import both
from sessions_app import views

urlpatterns = [
    *both("auth/register", views.RegisterView.as_view(), name="auth-register"),
    *both("auth/login", views.LoginView.as_view(), name="auth-login"),
    *both("auth/refresh", views.RefreshView.as_view(), name="auth-refresh"),
    *both("auth/logout", views.LogoutView.as_view(), name="auth-logout"),
    *both("auth/password", views.PasswordView.as_view(), name="auth-password"),
    *both("sessions", views.SessionListView.as_view(), name="session-list"),
    *both("sessions/current", views.CurrentSessionView.as_view(), name="session-current"),
    *both("sessions/cleanup", views.SessionCleanupView.as_view(), name="session-cleanup"),
    *both("sessions/<id:session_id>", views.SessionDetailView.as_view(), name="session-detail"),
]
