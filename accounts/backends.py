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

    def user_can_authenticate(self, user) -> bool:
        # Checked after the password, so a suspended account answers exactly as
        # a wrong password does (no oracle for a guessed password). It also
        # turns away suspended users from Django's cookie sessions.
        return super().user_can_authenticate(user) and not getattr(user, "is_suspended", False)
