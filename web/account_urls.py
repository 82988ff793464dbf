"""Sign up, sign in, sign out and the settings pages."""

from django.contrib.auth import views as auth_views
from django.urls import path
from django.views.generic import TemplateView

urlpatterns = [
    path(
        "login/", auth_views.LoginView.as_view(template_name="web/account/login.html"), name="login"
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("signup/", TemplateView.as_view(template_name="web/account/login.html"), name="signup"),
    path(
        "settings/", TemplateView.as_view(template_name="web/account/login.html"), name="settings"
    ),
]
