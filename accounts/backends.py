from django.contrib.auth.backends import ModelBackend

from accounts.models import User


class UsernameOrEmailBackend(ModelBackend):
    """Sign in with a username or an email address, ignoring case.

    An unknown login costs one password hash too, so that response time does
    not tell which usernames exist.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None or password is None:
            return None
        user = User.objects.by_login(username).first()
        if user is None:
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None

    def has_perm(self, user_obj, perm, obj=None) -> bool:
        # The site role decides what an operator may do (lair/admin_access.py):
        # a site admin holds every permission, as a superuser does, so pages of
        # other apps that ask Django's permissions (the runtime config's) agree.
        if user_obj.is_active and getattr(user_obj, "is_site_admin", False):
            return True
        return super().has_perm(user_obj, perm, obj)

    def user_can_authenticate(self, user) -> bool:
        # Checked after the password, so a suspended account answers exactly as
        # a wrong password does (no oracle for a guessed password). It also
        # turns away suspended users from Django's cookie sessions.
        return super().user_can_authenticate(user) and not getattr(user, "is_suspended", False)
