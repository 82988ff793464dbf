import functools

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.template.response import TemplateResponse

from accounts.admin import UserAdmin
from accounts.models import User
from lair.admin_access import RoleAccess
from lair.client_ip import client_ip
from sessions_app import services
from sessions_app.authentication import current_session_id
from sessions_app.models import DeviceSession


@admin.register(DeviceSession)
class DeviceSessionAdmin(RoleAccess, admin.ModelAdmin):
    moderators_may_view = True
    list_display = (
        "id",
        "user",
        "device_name",
        "ip",
        "created_at",
        "last_seen_at",
        "expires_at",
        "revoked_at",
        "revoke_reason",
    )
    list_filter = ("revoke_reason", "created_at")
    search_fields = ("user__username", "device_name", "ip")
    list_select_related = ("user",)
    date_hierarchy = "created_at"
    ordering = ("-last_seen_at", "-id")
    # Opened by sign-ins and ended by the revoke action (which closes the
    # sockets): an edited or deleted row would leave its tokens and sockets alive.
    fields = (
        "user",
        "device_name",
        "ip",
        "user_agent",
        "created_at",
        "last_seen_at",
        "expires_at",
        "revoked_at",
        "revoke_reason",
    )
    readonly_fields = fields
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="Revoke the selected sessions", permissions=["operate"])
    def revoke(self, request, queryset):
        revoked = sum(
            services.revoke_session(
                session=session,
                reason=DeviceSession.RevokeReason.ADMIN,
                actor=request.user,
                ip=client_ip(request),
            )
            for session in queryset.select_related("user")
        )
        self.message_user(request, f"Revoked {revoked} session(s).", messages.SUCCESS)


def _end_sessions_if_password_changed(request, user, old_hash: str | None) -> None:
    """After an admin password form: a changed password ends the user's other sessions.

    The operator's own browser stays signed in when it was their own password.
    """
    if user is None or request.method != "POST":
        return
    own = request.user.is_authenticated and request.user.pk == user.pk
    services.end_sessions_if_password_changed(
        user=user,
        old_hash=old_hash,
        except_session_id=current_session_id(request) if own else None,
        actor=request.user if request.user.is_authenticated else None,
        ip=client_ip(request),
    )


def ending_other_sessions(password_change):
    """Wrap the admin site's own password change (lair/urls.py) like the API's."""

    @functools.wraps(password_change)
    def view(request, extra_context=None):
        user = request.user if request.user.is_authenticated else None
        old_hash = user.password if user is not None else None
        response = password_change(request, extra_context)
        _end_sessions_if_password_changed(request, user, old_hash)
        return response

    return view


# The user admin, with suspension that ends every session. It lives here, not
# in accounts/admin.py, because sessions sit above accounts: accounts may not
# reach the sessions services.
admin.site.unregister(User)


class SiteRoleForm(forms.Form):
    # Shape only: change_site_role refuses an unknown role and one's own account.
    role = forms.ChoiceField(choices=User.Role.choices)


@admin.register(User)
class SessionAwareUserAdmin(UserAdmin):
    actions = [
        "suspend_users",
        "unsuspend_users",
        "change_role",
        "revoke_sessions",
        "deactivate_users",
    ]

    # Deleting the row would take the user's name off their messages and free
    # the username for an impostor: "Deactivate" is the way to remove someone.
    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(
        description="Suspend the selected users (signs them out everywhere)",
        permissions=["operate"],
    )
    def suspend_users(self, request, queryset):
        ip = client_ip(request)
        self.for_each(
            request,
            queryset,
            lambda user: services.suspend_user(actor=request.user, user=user, ip=ip),
            done="Suspended",
            refused="suspend",
        )

    @admin.action(description="Lift the suspension of the selected users", permissions=["operate"])
    def unsuspend_users(self, request, queryset):
        ip = client_ip(request)
        self.for_each(
            request,
            queryset,
            lambda user: services.unsuspend_user(actor=request.user, user=user, ip=ip),
            done="Unsuspended",
            refused="unsuspend",
        )

    @admin.action(description="Change the site role of the selected users", permissions=["operate"])
    def change_role(self, request, queryset):
        """An intermediate page chooses the role; its POST (``apply``) changes it."""
        form = SiteRoleForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            ip = client_ip(request)
            role = form.cleaned_data["role"]
            self.for_each(
                request,
                queryset,
                lambda user: services.change_site_role(
                    actor=request.user, user=user, role=role, ip=ip
                ),
                done=f"Made {User.Role(role).label.lower()}:",
                refused="change the role of",
            )
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": "Change site role",
            "opts": self.model._meta,
            "users": list(queryset),
            "form": form,
        }
        return TemplateResponse(request, "admin/change_role.html", context)

    @admin.action(description="Revoke every session of the selected users", permissions=["operate"])
    def revoke_sessions(self, request, queryset):
        ip = client_ip(request)
        self.for_each(
            request,
            queryset,
            lambda user: services.revoke_user_sessions(
                user=user, reason=DeviceSession.RevokeReason.ADMIN, actor=request.user, ip=ip
            ),
            done="Signed out everywhere:",
            refused="revoke the sessions of",
        )

    @admin.action(
        description="Deactivate the selected users for good (their messages stay)",
        permissions=["operate"],
    )
    def deactivate_users(self, request, queryset):
        ip = client_ip(request)
        self.for_each(
            request,
            queryset,
            lambda user: services.deactivate_user(actor=request.user, user=user, ip=ip),
            done="Deactivated",
            refused="deactivate",
        )

    def user_change_password(self, request, id, form_url=""):
        user = self.get_object(request, unquote(id))
        old_hash = user.password if user is not None else None
        response = super().user_change_password(request, id, form_url)
        _end_sessions_if_password_changed(request, user, old_hash)
        return response

    # The role and the suspension change through their services (audit,
    # revocations, closed sockets), never by the form's own save.
    THROUGH_SERVICES = ("role", "is_suspended")

    def save_model(self, request, obj, form, change):
        wanted = {}
        if change:
            for name in self.THROUGH_SERVICES:
                if name in form.changed_data:
                    wanted[name] = getattr(obj, name)
                    setattr(obj, name, form.initial[name])
        super().save_model(request, obj, form, change)
        ip = client_ip(request)
        if "role" in wanted:
            services.change_site_role(actor=request.user, user=obj, role=wanted["role"], ip=ip)
        if "is_suspended" in wanted:
            if wanted["is_suspended"]:
                services.suspend_user(actor=request.user, user=obj, ip=ip)
            else:
                services.unsuspend_user(actor=request.user, user=obj, ip=ip)
