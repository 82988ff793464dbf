from lair.urlpaths import SlashOptionalRouter, slash_optional
from sessions_app import views

# The auth endpoints are actions that open or end sessions, not a resource:
# each is its own APIView (own authentication, limits and schema).
router = SlashOptionalRouter()
router.register("sessions", views.SessionViewSet, basename="session")

urlpatterns = [
    *slash_optional("auth/register", views.RegisterView.as_view(), name="auth-register"),
    *slash_optional("auth/login", views.LoginView.as_view(), name="auth-login"),
    *slash_optional("auth/refresh", views.RefreshView.as_view(), name="auth-refresh"),
    *slash_optional("auth/logout", views.LogoutView.as_view(), name="auth-logout"),
    *slash_optional("auth/password", views.PasswordView.as_view(), name="auth-password"),
    *router.urls,
]
