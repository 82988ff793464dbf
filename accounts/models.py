from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower

USERNAME_PATTERN = r"^[A-Za-z0-9_.-]{3,32}$"
username_validator = RegexValidator(
    USERNAME_PATTERN,
    "Usernames are 3-32 characters: letters, digits, '_', '.' and '-'.",
    code="invalid_username",
)


class UserManager(DjangoUserManager):
    def by_login(self, identifier: str):
        """Users whose username or email equals ``identifier``, ignoring case.

        Compares LOWER(column) so that the case-insensitive unique indexes serve
        the lookup.
        """
        value = identifier.strip().lower()
        return self.alias(username_lower=Lower("username"), email_lower=Lower("email")).filter(
            Q(username_lower=value) | Q(email_lower=value)
        )

    def by_username(self, username: str):
        """Users whose username equals ``username``, ignoring case."""
        return self.alias(username_lower=Lower("username")).filter(
            username_lower=username.strip().lower()
        )

    def username_taken(self, username: str) -> bool:
        return (
            self.alias(username_lower=Lower("username"))
            .filter(username_lower=username.strip().lower())
            .exists()
        )

    def email_taken(self, email: str) -> bool:
        return (
            self.alias(email_lower=Lower("email"))
            .filter(email_lower=email.strip().lower())
            .exists()
        )

    def create_superuser(self, username, email=None, password=None, **extra_fields):
        extra_fields.setdefault("role", User.Role.ADMIN)
        return super().create_superuser(username, email, password, **extra_fields)


class User(AbstractUser):
    class Role(models.TextChoices):
        ADMIN = "admin", "Admin"
        MODERATOR = "moderator", "Moderator"
        USER = "user", "User"
        GUEST = "guest", "Guest"

    username = models.CharField(
        max_length=32,
        unique=True,
        validators=[username_validator],
        help_text="3-32 characters: letters, digits, '_', '.' and '-'. Unique ignoring case.",
        error_messages={"unique": "A user with that username already exists."},
    )
    email = models.EmailField(blank=True)
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.USER)
    display_name = models.CharField(max_length=64, blank=True)
    bio = models.TextField(max_length=500, blank=True)
    avatar = models.ImageField(upload_to="avatars/", blank=True)
    status_text = models.CharField(max_length=140, blank=True)
    timezone = models.CharField(max_length=64, default="UTC")
    is_suspended = models.BooleanField(
        default=False, help_text="Suspended users cannot sign in; their sessions are revoked."
    )
    last_seen = models.DateTimeField(null=True, blank=True)

    objects = UserManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("username"), name="accounts_user_username_ci_unique"),
            models.UniqueConstraint(
                Lower("email"), condition=~Q(email=""), name="accounts_user_email_ci_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.username

    # Site roles belong to the user: rooms, messaging and the operator console
    # all ask the user, so no app's permissions module is needed to read one.
    @property
    def is_site_admin(self) -> bool:
        return self.is_authenticated and (self.role == User.Role.ADMIN or self.is_superuser)

    @property
    def is_site_moderator(self) -> bool:
        return self.is_authenticated and self.role == User.Role.MODERATOR

    @property
    def is_guest(self) -> bool:
        return self.role == User.Role.GUEST

    @property
    def can_sign_in(self) -> bool:
        return self.is_active and not self.is_suspended

    @property
    def avatar_url(self) -> str | None:
        return self.avatar.url if self.avatar else None


class UserSettings(models.Model):
    class Theme(models.TextChoices):
        SYSTEM = "system", "System"
        LIGHT = "light", "Light"
        DARK = "dark", "Dark"

    class Notify(models.TextChoices):
        ALL = "all", "All messages"
        MENTIONS = "mentions", "Mentions and direct messages"
        NONE = "none", "Nothing"

    user = models.OneToOneField(
        User, on_delete=models.CASCADE, primary_key=True, related_name="settings"
    )
    theme = models.CharField(max_length=8, choices=Theme.choices, default=Theme.SYSTEM)
    notify = models.CharField(max_length=8, choices=Notify.choices, default=Notify.ALL)
    language = models.CharField(max_length=16, default="en")
    show_presence = models.BooleanField(default=True)
    enter_to_send = models.BooleanField(default=True)

    class Meta:
        verbose_name_plural = "user settings"

    def __str__(self) -> str:
        return f"settings of {self.user_id}"
