"""Who may use the admin API (/api/v1/admin/…): site roles, nothing else.

Site admins may do everything there. Site moderators may read the stats,
users, rooms and the audit log, never change anything. Everyone else signed
in is refused (403); nobody signed in, 401. The services check again (a
suspension by a non-admin is refused whoever calls it); these classes make
the refusal the same for every endpoint, before any body is read.
"""

from __future__ import annotations

from rest_framework.permissions import SAFE_METHODS, BasePermission


class IsSiteAdmin(BasePermission):
    """Site admins only, whatever the method."""

    message = "Only site admins can do this."

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.is_site_admin)


class IsSiteOperator(BasePermission):
    """Site admins for everything; site moderators for reads only."""

    message = "Only site admins and moderators can see this; only site admins can change it."

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        if user.is_site_admin:
            return True
        return user.is_site_moderator and request.method in SAFE_METHODS
