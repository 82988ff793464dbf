from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import UserChangeForm
from django.contrib.auth.models import Group

from accounts import services
from accounts.models import User, UserSettings
from lair.admin_access import RoleAccess
from lair.errors import ValidationError

# Site roles decide who may do what (lair/admin_access.py); Django's groups and
# permission tables play no part, so their page would be a door that opens nothing.
if admin.site.is_registered(Group):
    admin.site.unregister(Group)


class ProfileCheckedUserChangeForm(UserChangeForm):
    """The admin's user form refuses the profile values the API refuses (the services' rules)."""

    def clean(self):
        cleaned = super().clean()
        profile = {name: cleaned[name] for name in services.PROFILE_FIELDS if name in cleaned}
        try:
            services.check_profile(**profile)
        except ValidationError as exc:
            for field, messages in exc.details.items():
                self.add_error(field, messages)
        return cleaned


class UserSettingsInline(RoleAccess, admin.StackedInline):
    model = UserSettings
    can_delete = False
    moderators_may_view = True


@admin.register(User)
class UserAdmin(RoleAccess, DjangoUserAdmin):
    form = ProfileCheckedUserChangeForm
    moderators_may_view = True
    list_display = (
        "username",
        "email",
        "display_name",
        "role",
        "is_suspended",
        "is_active",
        "date_joined",
        "last_seen",
    )
    list_filter = ("role", "is_suspended", "is_active", "is_superuser")
    search_fields = ("username", "email", "display_name")
    date_hierarchy = "date_joined"
    ordering = ("username",)
    inlines = [UserSettingsInline]
    # The site role decides what a user may do: Django's staff flag, groups and
    # permission tables are not used, so they are not offered. Superuser status
    # makes a site admin and is set by createsuperuser only.
    filter_horizontal = ()
    # is_active too: deactivation is for good and goes through its action (the service).
    readonly_fields = ("is_active", "is_superuser", "last_login", "date_joined", "last_seen")
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("Personal info", {"fields": ("first_name", "last_name", "email")}),
        ("Account", {"fields": ("is_active", "is_superuser", "last_login", "date_joined")}),
        (
            "Lair Chat",
            {
                "fields": (
                    "role",
                    "is_suspended",
                    "display_name",
                    "bio",
                    "avatar",
                    "status_text",
                    "timezone",
                    "last_seen",
                )
            },
        ),
    )
