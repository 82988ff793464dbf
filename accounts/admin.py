from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from accounts.models import User, UserSettings


class UserSettingsInline(admin.StackedInline):
    model = UserSettings
    can_delete = False


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
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
