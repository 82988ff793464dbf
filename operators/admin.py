"""The Django admin as the operator console: who enters, the dashboard, the broadcast page.

``ConsoleSite`` is the project's default admin site (operators.apps.ConsoleAdminConfig
in INSTALLED_APPS), so every app's ``admin.register`` lands on it. It must not
touch ``admin.site`` while it is imported: that import is how the lazy default
site is built.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from lair.admin_access import is_console_admin, may_enter_console
from lair.client_ip import client_ip
from lair.errors import DomainError
from messaging import services as messaging_services
from operators import charts, selectors


class BroadcastForm(forms.Form):
    # Shape only: the length and character rules are the service's.
    content = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4, "cols": 80}),
        strip=False,
        help_text="Sent at once to every connected user as a system announcement.",
    )


class ConsoleSite(admin.AdminSite):
    """The admin site whose doors follow the site role (lair.admin_access)."""

    site_header = "Lair Chat console"
    site_title = "Lair Chat console"
    index_title = "Dashboard"
    index_template = "admin/dashboard.html"

    def has_permission(self, request) -> bool:
        return may_enter_console(request.user)

    def get_urls(self):
        return [
            path("broadcast/", self.admin_view(self.broadcast_view), name="broadcast"),
            *super().get_urls(),
        ]

    def index(self, request, extra_context=None):
        activity = selectors.daily_activity(days=30)
        context = {
            "stats": selectors.site_stats(),
            "messages_chart": charts.bar_chart(
                [(row["day"], row["messages"]) for row in activity],
                title="Messages per day, last 30 days",
                chart_id="messages-per-day",
                unit="messages",
            ),
            "active_users_chart": charts.bar_chart(
                [(row["day"], row["active_users"]) for row in activity],
                title="Active users per day (users who posted), last 30 days",
                chart_id="active-users-per-day",
                unit="active users",
            ),
            "may_broadcast": is_console_admin(request.user),
            **(extra_context or {}),
        }
        return super().index(request, context)

    def broadcast_view(self, request):
        """Send a system announcement to every connected user (site admins only)."""
        if not is_console_admin(request.user):
            raise DjangoPermissionDenied
        form = BroadcastForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                messaging_services.broadcast_system_message(
                    actor=request.user, content=form.cleaned_data["content"], ip=client_ip(request)
                )
            except DomainError as exc:
                form.add_error("content", exc.message)
            else:
                messages.success(request, "The announcement was sent to every connected user.")
                return HttpResponseRedirect(reverse(f"{self.name}:index"))
        context = {
            **self.each_context(request),
            "title": "Send a broadcast",
            "form": form,
        }
        return TemplateResponse(request, "admin/broadcast.html", context)
