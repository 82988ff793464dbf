from accounts import views
from lair.routes import both

urlpatterns = [
    *both("users/profile", views.ProfileView.as_view(), name="user-profile"),
    *both("users/settings", views.SettingsView.as_view(), name="user-settings"),
    *both("users/avatar", views.AvatarView.as_view(), name="user-avatar"),
    *both("users", views.UserListView.as_view(), name="user-list"),
    *both("users/<id:user_id>", views.UserDetailView.as_view(), name="user-detail"),
]
