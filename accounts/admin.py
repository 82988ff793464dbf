from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import UserChangeForm

from accounts import services
from accounts.models import User, UserSettings
from lair.errors import ValidationError


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


class UserSettingsInline(admin.StackedInline):
    model = UserSettings
    can_delete = False


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = ProfileCheckedUserChangeForm
    list_display = ("username", "email", "display_name", "role", "is_suspended", "date_joined")
    list_filter = ("role", "is_suspended", "is_staff", "is_active")
    search_fields = ("username", "email", "display_name")
    inlines = [UserSettingsInline]
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
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
