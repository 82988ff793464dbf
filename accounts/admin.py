from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from accounts.models import User, UserSettings
from lair.realtime import close_user_sockets


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

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # Tokens of a suspended or deactivated user fail on their next request;
        # their open sockets are closed now.
        if (
            change
            and not obj.can_sign_in
            and {"is_suspended", "is_active"} & set(form.changed_data)
        ):
            close_user_sockets(obj.pk, reason="account disabled")
