from accounts import views
from lair.routes import both

urlpatterns = [
    *both("users/profile", views.ProfileView.as_view(), name="user-profile"),
    *both("users/settings", views.SettingsView.as_view(), name="user-settings"),
]
