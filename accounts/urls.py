from accounts import views
from lair.urlpaths import slash_optional

urlpatterns = [
    *slash_optional("users/profile", views.ProfileView.as_view(), name="user-profile"),
    *slash_optional("users/settings", views.SettingsView.as_view(), name="user-settings"),
    *slash_optional("users/avatar", views.AvatarView.as_view(), name="user-avatar"),
    *slash_optional("users", views.UserListView.as_view(), name="user-list"),
    *slash_optional("users/<id:user_id>", views.UserDetailView.as_view(), name="user-detail"),
]
