"""Writes to messages: posting, editing, deleting, reactions and mentions."""

from __future__ import annotations

import re
import unicodedata

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.db.models.functions import Lower
from django.utils import timezone

from accounts.models import User
from lair import text
from lair.errors import Conflict, NotFound, PermissionDenied, ValidationError
from messaging import events, selectors
from messaging.models import Mention, Message, Reaction
from rooms import permissions
from rooms.models import Membership
from rooms.permissions import RoomAccess, require, room_access

MENTION_PATTERN = re.compile(r"(?<![\w@.-])@([A-Za-z0-9_.-]{3,32})")


def validate_content(content: str) -> str:
    """Messages are 1..MAX_MESSAGE_LENGTH characters and not only whitespace.

    Any printable text is kept as written; control characters other than tab
    and newlines are refused (lair.text): dropping them silently changed what
    people wrote, and they have no meaning in a chat.
    """
    if isinstance(content, str) and content.strip():
        text.check_message(content)
    if not isinstance(content, str) or not content.strip():
        raise ValidationError(
            "A message cannot be empty.", details={"content": ["This field may not be blank."]}
        )
    limit = settings.MAX_MESSAGE_LENGTH
    if len(content) > limit:
        raise ValidationError(
            f"A message is at most {limit} characters.",
            details={"content": [f"Ensure this field has no more than {limit} characters."]},
        )
    return content


def mentioned_usernames(content: str) -> set[str]:
    """``@username`` tokens in ``content``, lowercased (a trailing '.' ends a sentence)."""
    names = set()
    for raw in MENTION_PATTERN.findall(content):
        names.add(raw.lower())
        names.add(raw.rstrip(".").lower())
    return {name for name in names if len(name) >= 3}


def _mentioned_members(message: Message) -> list[int]:
    names = mentioned_usernames(message.content)
    if not names:
        return []
    return list(
        Membership.objects.filter(room_id=message.room_id)
        .alias(username_lower=Lower("user__username"))
        .filter(username_lower__in=names)
        .exclude(user_id=message.author_id)
        .values_list("user_id", flat=True)
    )


def _store_mentions(message: Message, *, new: bool = False) -> list[int]:
    """Store the mentions of ``message``'s text; returns the mentioned members' ids.

    A ``new`` message has no mention rows yet: nothing to delete, and text
    without ``@name`` costs no query at all. An edited one drops the mentions
    its new text no longer has.
    """
    user_ids = _mentioned_members(message)
    if not new:
        Mention.objects.filter(message=message).exclude(user_id__in=user_ids).delete()
    if not user_ids:
        return []
    Mention.objects.bulk_create(
        [Mention(message=message, user_id=uid, room_id=message.room_id) for uid in user_ids],
        ignore_conflicts=True,
    )
    return user_ids


def readable_message(user: User, message_id: int) -> tuple[Message, RoomAccess]:
    """A message whose room ``user`` may read, with that access; otherwise 404."""
    message = Message.objects.select_related("room").filter(pk=message_id).first()
    if message is None:
        raise NotFound("Message not found.")
    access = room_access(user, message.room)
    if not access.can_see:
        raise NotFound("Message not found.")
    return message, access


def post_message(
    *,
    actor: User,
    room_id: int,
    content: str,
    parent_id: int | None = None,
    client_id: str | None = None,
) -> tuple[Message, bool]:
    """Post a message (or a thread reply). Returns ``(message, created)``.

    A ``client_id`` the same author used before returns that message instead
    of a duplicate; concurrent retries are decided by the unique index.
    """
    content = validate_content(content)
    if client_id:
        existing = _by_client_id(actor, client_id, room_id)
        if existing is not None:
            return existing, False
    access = permissions.visible_room(actor, room_id)
    permissions.require_can_post(access)
    parent = None
    if parent_id is not None:
        parent = Message.objects.filter(pk=parent_id, room_id=room_id).first()
        if parent is None:
            raise ValidationError(
                "The thread root is not a message of this room.",
                details={"parent_id": ["Not a message of this room."]},
            )
        if parent.parent_id is not None:  # replies to a reply join the root's thread
            parent = Message.objects.get(pk=parent.parent_id)
    try:
        with transaction.atomic():
            message = Message.objects.create(
                room_id=room_id,
                author=actor,
                content=content,
                parent=parent,
                client_id=client_id or None,
            )
            if parent is not None:
                Message.objects.filter(pk=parent.pk).update(reply_count=F("reply_count") + 1)
            mention_ids = _store_mentions(message, new=True)
            payload = selectors.new_message_dict(message, actor, mention_ids)
            # The API shape as broadcast: the view answers with it, no re-read.
            message.payload = payload
            # Queries before the event: record() takes the event log's lock,
            # held until COMMIT.
            direct = _direct_recipients(actor, access)
            events.record("message.created", room_id, message=payload)
            _notify(access, payload, mention_ids, direct)
    except IntegrityError:
        existing = _by_client_id(actor, client_id, room_id) if client_id else None
        if existing is None:
            raise
        return existing, False
    return message, True


def _direct_recipients(actor: User, access: RoomAccess) -> list[int]:
    """Who is notified of every message of a direct room: the other member."""
    if not access.room.is_direct:
        return []
    others = Membership.objects.filter(room=access.room).exclude(user=actor)
    return list(others.values_list("user_id", flat=True))


def _notify(access: RoomAccess, payload: dict, mention_ids: list[int], direct: list[int]) -> None:
    """Personal notifications, after commit: mentions, and every message of a direct room."""
    for user_id in mention_ids:
        events.to_user(
            user_id,
            {
                "type": "notification",
                "kind": "mention",
                "room_id": access.room.pk,
                "message": payload,
            },
        )
    for user_id in direct:
        if user_id not in mention_ids:
            events.to_user(
                user_id,
                {
                    "type": "notification",
                    "kind": "direct_message",
                    "room_id": access.room.pk,
                    "message": payload,
                },
            )


def _by_client_id(actor: User, client_id: str, room_id: int) -> Message | None:
    existing = Message.objects.filter(author=actor, client_id=client_id).first()
    if existing is not None and existing.room_id != room_id:
        raise Conflict(
            "This client_id was already used for a message in another room.",
            details={"client_id": ["Already used in another room."]},
        )
    return existing


@transaction.atomic
def edit_message(*, actor: User, message_id: int, content: str) -> Message:
    """Change the text of one's own message; ``edited_at`` records when."""
    content = validate_content(content)
    message, access = readable_message(actor, message_id)
    require(message.author_id == actor.pk, "You can only edit your own messages.")
    permissions.require_writable(access)
    if message.is_deleted:
        raise Conflict("A deleted message cannot be edited.")
    if content == message.content:
        return message
    message.content = content
    message.edited_at = timezone.now()
    message.save(update_fields=["content", "edited_at"])
    _store_mentions(message)
    events.record(
        "message.updated", message.room_id, message=selectors.message_dict(message, viewer_id=0)
    )
    return message


@transaction.atomic
def delete_message(*, actor: User, message_id: int) -> Message:
    """Soft-delete a message: its text, reactions and mentions go, a placeholder stays.

    Authors delete their own; room moderators and above delete any.
    """
    message, access = readable_message(actor, message_id)
    require(
        message.author_id == actor.pk or access.can_moderate,
        "You can only delete your own messages.",
    )
    permissions.require_writable(access)
    if message.is_deleted:
        return message
    message.content = ""
    message.deleted_at = timezone.now()
    message.save(update_fields=["content", "deleted_at"])
    Reaction.objects.filter(message=message).delete()
    Mention.objects.filter(message=message).delete()
    if message.parent_id is not None:
        Message.objects.filter(pk=message.parent_id, reply_count__gt=0).update(
            reply_count=F("reply_count") - 1
        )
    events.record(
        "message.deleted", message.room_id, message=selectors.message_dict(message, viewer_id=0)
    )
    return message


def _require_can_react(message: Message, access: RoomAccess) -> None:
    permissions.require_writable(access)
    require(not permissions.is_guest(access.user), "Guests cannot react.")
    require(access.is_member, "Join the room to react.")
    if message.is_deleted:
        raise Conflict("A deleted message cannot get reactions.")


def validate_emoji(emoji: str) -> str:
    emoji = (emoji or "").strip()
    invalid = any(ch.isspace() or unicodedata.category(ch) == "Cc" for ch in emoji)
    if not emoji or len(emoji) > 64 or invalid:
        raise ValidationError(
            "An emoji is 1-64 characters without spaces.",
            details={"emoji": ["1-64 characters without spaces."]},
        )
    return emoji


def add_reaction(*, actor: User, message_id: int, emoji: str) -> tuple[Reaction, bool]:
    """React to a message; the same emoji twice is one reaction. Returns ``(reaction, created)``."""
    emoji = validate_emoji(emoji)
    message, access = readable_message(actor, message_id)
    _require_can_react(message, access)
    try:
        with transaction.atomic():
            reaction = Reaction.objects.create(message=message, user=actor, emoji=emoji)
            events.record(
                "reaction.added",
                message.room_id,
                message_id=message.pk,
                emoji=emoji,
                user_id=actor.pk,
            )
            return reaction, True
    except IntegrityError:
        return Reaction.objects.get(message=message, user=actor, emoji=emoji), False


def remove_reaction(*, actor: User, message_id: int, emoji: str) -> bool:
    """Take back one's reaction; returns whether there was one."""
    emoji = validate_emoji(emoji)
    message, access = readable_message(actor, message_id)
    permissions.require_writable(access)
    if not access.is_member:
        raise PermissionDenied("Join the room to react.")
    with transaction.atomic():
        deleted, _ = Reaction.objects.filter(message=message, user=actor, emoji=emoji).delete()
        if deleted:
            events.record(
                "reaction.removed",
                message.room_id,
                message_id=message.pk,
                emoji=emoji,
                user_id=actor.pk,
            )
    return deleted > 0


def broadcast_system_message(*, actor: User, content: str) -> dict:
    """Send an operator announcement to every connected socket (a ``system`` event).

    Only site admins may; the announcement is not stored in any room.
    """
    require(permissions.is_site_admin(actor), "Only site admins can broadcast.")
    content = validate_content(content)
    frame = {
        "type": "system",
        "content": content,
        "sent_by": {"id": actor.pk, "username": actor.username},
        "sent_at": selectors.iso(timezone.now()),
    }
    events.to_everyone(frame)
    return frame
