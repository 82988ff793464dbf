"""Writes to messages: posting, editing, deleting, reactions and mentions."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.db.models.functions import Lower
from django.utils import timezone

from accounts.models import User
from accounts.selectors import shows_presence_of
from accounts.services import record_last_seen
from lair import audit, config, metrics, ratelimit, text
from lair.errors import Conflict, NotFound, PermissionDenied, ValidationError
from messaging import frames, selectors
from messaging.models import Mention, Message, Reaction
from messaging.rendering import MENTION_PATTERN, render_content
from realtime import log, presence, publish
from rooms import permissions
from rooms.models import Membership
from rooms.permissions import RoomAccess, require, room_access

CLIENT_ID_MAX_LENGTH = 64  # the column's length


def validate_content(content: str) -> str:
    """Messages are 1..max_message_length (runtime config) characters and not only whitespace.

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
    limit = config.get("max_message_length")
    if len(content) > limit:
        raise ValidationError(
            f"A message is at most {limit} characters.",
            details={"content": [f"Ensure this field has no more than {limit} characters."]},
        )
    return content


def validate_client_id(client_id) -> str | None:
    """A ``client_id`` is a one-line name of 1..CLIENT_ID_MAX_LENGTH characters, or None.

    It is the author's retry key: refused characters (lair.text) would reach
    logs, and a blank key is no key anyone meant.
    """
    if client_id is None:
        return None
    if not isinstance(client_id, str):
        raise ValidationError(
            "A client_id is a string.", details={"client_id": ["Not a valid string."]}
        )
    if not client_id.strip():
        raise ValidationError(
            "A client_id cannot be blank.", details={"client_id": ["A client_id cannot be blank."]}
        )
    if len(client_id) > CLIENT_ID_MAX_LENGTH:
        raise ValidationError(
            f"A client_id is at most {CLIENT_ID_MAX_LENGTH} characters.",
            details={
                "client_id": [
                    f"Ensure this field has no more than {CLIENT_ID_MAX_LENGTH} characters."
                ]
            },
        )
    return text.check_name(client_id, field="client_id", label="A client_id")


def validate_parent_id(parent_id) -> int | None:
    """A thread root is named by a positive message id (or None: not a reply)."""
    if parent_id is None:
        return None
    if isinstance(parent_id, bool) or not isinstance(parent_id, int) or parent_id < 1:
        raise ValidationError(
            "The thread root is not a message of this room.",
            details={"parent_id": ["Not a message of this room."]},
        )
    return parent_id


def mentioned_usernames(content: str) -> set[str]:
    """``@username`` tokens in ``content``, lowercased (a trailing '.' ends a sentence)."""
    names = set()
    for raw in MENTION_PATTERN.findall(content):
        names.add(raw.lower())
        names.add(raw.rstrip(".").lower())
    return {name for name in names if len(name) >= 3}


def _mentioned_members(content: str, room_id: int, author_id: int) -> dict[str, int]:
    """The members ``content`` mentions (not its author): lower-cased username -> id.

    Text without ``@name`` costs no query; the same map renders the mention
    elements of the message's html.
    """
    names = mentioned_usernames(content)
    if not names:
        return {}
    rows = (
        Membership.objects.filter(room_id=room_id)
        .alias(username_lower=Lower("user__username"))
        .filter(username_lower__in=names)
        .exclude(user_id=author_id)
        .values_list("user__username", "user_id")
    )
    return {username.lower(): user_id for username, user_id in rows}


def _store_mentions(message: Message, members: dict[str, int], *, new: bool = False) -> list[int]:
    """Store ``members`` (from _mentioned_members) as the mentions of ``message``; their ids.

    A ``new`` message has no mention rows yet: nothing to delete. An edited
    one drops the mentions its new text no longer has.
    """
    user_ids = list(members.values())
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


@dataclass(frozen=True)
class PostedMessage:
    """What posting answers: the message as its author sees it, and whether this call stored it."""

    message: dict
    created: bool


def post_message(
    *,
    actor: User,
    room_id: int,
    content: str,
    parent_id: int | None = None,
    client_id: str | None = None,
) -> PostedMessage:
    """Post a message (or a thread reply).

    A ``client_id`` the same author used before answers that message
    (``created`` false) instead of a duplicate; concurrent retries are decided
    by the unique index. The content, client_id and parent_id rules are
    checked here, whoever calls. The html is rendered here, once, with the
    mentioned members the mention rows are made of.
    """
    content = validate_content(content)
    client_id = validate_client_id(client_id)
    parent_id = validate_parent_id(parent_id)
    if client_id:
        existing = _by_client_id(actor, client_id, room_id)
        if existing is not None:
            return PostedMessage(selectors.message_dict(existing, actor.pk), created=False)
    # A retry of a stored message is not a new write: counted after that check.
    ratelimit.enforce_user(actor, "message_user")
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
    # Before the transaction: on SQLite it holds the write lock from BEGIN,
    # and a long message takes a millisecond to render.
    members = _mentioned_members(content, room_id, actor.pk)
    html = render_content(content, mentions=members)
    try:
        with transaction.atomic():
            message = Message.objects.create(
                room_id=room_id,
                author=actor,
                content=content,
                html=html,
                parent=parent,
                client_id=client_id or None,
            )
            if parent is not None:
                Message.objects.filter(pk=parent.pk).update(reply_count=F("reply_count") + 1)
            mention_ids = _store_mentions(message, members, new=True)
            # The API shape as broadcast: the author's answer too, no re-read.
            payload = selectors.new_message_dict(message, actor, mention_ids)
            direct = _direct_recipients(actor, access)
            log.record("message.created", room_id, message=payload)
            _notify(access, payload, mention_ids, direct)
    except IntegrityError:
        existing = _by_client_id(actor, client_id, room_id) if client_id else None
        if existing is None:
            raise
        return PostedMessage(selectors.message_dict(existing, actor.pk), created=False)
    metrics.MESSAGES_POSTED.inc()
    return PostedMessage(payload, created=True)


def _direct_recipients(actor: User, access: RoomAccess) -> list[int]:
    """Who is notified of every message of a direct room: the other member."""
    if not access.room.is_direct:
        return []
    others = Membership.objects.filter(room=access.room).exclude(user=actor)
    return list(others.values_list("user_id", flat=True))


def _notify(access: RoomAccess, payload: dict, mention_ids: list[int], direct: list[int]) -> None:
    """Personal notifications, after commit: mentions, and every message of a direct room."""
    for user_id in mention_ids:
        publish.to_user(
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
            publish.to_user(
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


@ratelimit.limited_per_user("edit_user")
@transaction.atomic
def edit_message(*, actor: User, message_id: int, content: str) -> Message:
    """Change the text of one's own message; ``edited_at`` records when.

    Limited per user (``edit_user``): each edit rewrites every logged frame of
    the message, so the number of edits bounds that work. Past the runtime
    config's ``edit_window_seconds`` after posting (0: no limit) a message
    stays as it is.
    """
    content = validate_content(content)
    message, access = readable_message(actor, message_id)
    require(message.author_id == actor.pk, "You can only edit your own messages.")
    permissions.require_can_edit(access)
    window = config.get("edit_window_seconds")
    if window and timezone.now() - message.created_at > timedelta(seconds=window):
        raise PermissionDenied(
            f"Messages can only be edited in the {window} seconds after they are posted."
        )
    if message.is_deleted:
        raise Conflict("A deleted message cannot be edited.")
    if content == message.content:
        return message
    members = _mentioned_members(content, message.room_id, message.author_id)
    message.content = content
    message.html = render_content(content, mentions=members)
    message.edited_at = timezone.now()
    message.save(update_fields=["content", "html", "edited_at"])
    _store_mentions(message, members)
    payload = selectors.message_dict(message, viewer_id=0)
    # The text before the edit leaves the log too.
    log.redact_message(payload)
    log.record("message.updated", message.room_id, message=payload)
    return message


@transaction.atomic
def delete_message(*, actor: User, message_id: int, ip: str | None = None) -> Message:
    """Soft-delete a message: its text, reactions and mentions go, a placeholder stays.

    Authors delete their own; room moderators and above delete any, and that
    is recorded (``message.deleted_by_moderator``, with the author but not the text).
    """
    message, access = readable_message(actor, message_id)
    require(
        message.author_id == actor.pk or access.can_moderate,
        "You can only delete your own messages.",
    )
    permissions.require_writable(access)
    if message.is_deleted:
        return message
    if message.author_id != actor.pk:
        audit.record(
            "message.deleted_by_moderator",
            actor=actor,
            target=message,
            ip=ip,
            room_id=message.room_id,
            author_id=message.author_id,
        )
    message.content = ""
    message.html = ""
    message.deleted_at = timezone.now()
    message.save(update_fields=["content", "html", "deleted_at"])
    Reaction.objects.filter(message=message).delete()
    Mention.objects.filter(message=message).delete()
    if message.parent_id is not None:
        Message.objects.filter(pk=message.parent_id, reply_count__gt=0).update(
            reply_count=F("reply_count") - 1
        )
    payload = selectors.message_dict(message, viewer_id=0)
    # No logged frame keeps the deleted text (resume would replay it).
    log.redact_message(payload)
    log.record("message.deleted", message.room_id, message=payload)
    return message


def _require_can_react(message: Message, access: RoomAccess) -> None:
    permissions.require_can_react(access)
    if message.is_deleted:
        raise Conflict("A deleted message cannot get reactions.")


# A reaction is one emoji: a short sequence of emoji code points, never text.
EMOJI_MAX_CODE_POINTS = 10  # the longest RGI sequences (kiss, couple with skin tones)
EMOJI_MAX_STORED = 64  # the column's length: legacy reactions are at most this
ZWJ = "\u200d"
KEYCAP = "\u20e3"
VARIATION_SELECTORS = {"\ufe0e", "\ufe0f"}
KEYCAP_BASES = set("0123456789#*")
BLACK_FLAG = "\U0001f3f4"  # the base of subdivision flags, spelled with tag characters
EMOJI_ERROR = "A reaction is one emoji."


def _is_skin_tone(ch: str) -> bool:
    return "\U0001f3fb" <= ch <= "\U0001f3ff"


REGIONAL_INDICATORS = "".join(chr(c) for c in range(0x1F1E6, 0x1F200))


def _is_regional_indicator(ch: str) -> bool:
    return "\U0001f1e6" <= ch <= "\U0001f1ff"


def _is_tag(ch: str) -> bool:
    return "\U000e0020" <= ch <= "\U000e007f"


# Emoji that Unicode files outside "So" (punctuation, math arrows and squares,
# the information source letter).
EMOJI_OUTSIDE_SO = frozenset(
    "\u203c\u2049\u2139\u2194\u25fb\u25fc\u25fd\u25fe\u2934\u2935\u3030\u303d"
)


def _is_emoji_symbol(ch: str) -> bool:
    # So covers pictographs, dingbats and regional indicators; ASCII has no
    # emoji but the keycap bases, handled apart.
    if len(ch) != 1 or ord(ch) <= 0x7F:
        return False
    return unicodedata.category(ch) == "So" or ch in EMOJI_OUTSIDE_SO


def _is_emoji_sequence(emoji: str) -> bool:
    """Emoji code points only, each modifier after something it can modify."""
    previous = ""
    for index, ch in enumerate(emoji):
        if _is_regional_indicator(ch):
            # Flags are pairs of regional indicators: one pair is one emoji.
            run = len(emoji[:index]) - len(emoji[:index].rstrip(REGIONAL_INDICATORS))
            ok = previous in ("", ZWJ) or (run % 2 == 1)
        elif _is_emoji_symbol(ch):
            # A second pictograph joins the first only through a ZWJ: one emoji.
            ok = previous in ("", ZWJ)
        elif ch in KEYCAP_BASES:
            # Only as a keycap: the base, an optional VS16, then U+20E3.
            rest = emoji[index + 1 : index + 3]
            ok = previous in ("", ZWJ) and (rest[:1] == KEYCAP or rest == "\ufe0f" + KEYCAP)
        elif ch == KEYCAP:
            ok = previous in KEYCAP_BASES or (
                previous == "\ufe0f" and index >= 2 and emoji[index - 2] in KEYCAP_BASES
            )
        elif ch in VARIATION_SELECTORS:
            ok = _is_emoji_symbol(previous) or previous in KEYCAP_BASES
        elif _is_skin_tone(ch):
            ok = _is_emoji_symbol(previous) and not _is_skin_tone(previous)
        elif ch == ZWJ:
            ok = previous != "" and previous != ZWJ and index < len(emoji) - 1
        elif _is_tag(ch):
            ok = BLACK_FLAG in emoji[:index] and (previous == BLACK_FLAG or _is_tag(previous))
        else:
            return False
        if not ok:
            return False
        previous = ch
    return previous not in ("", ZWJ)


def validate_emoji(emoji) -> str:
    """A reaction is one emoji: no letters, ``/``, spaces or control characters.

    One pictograph (Unicode category So) with its modifiers (skin tone,
    variation selector), more joined by ZWJ, a flag of two regional
    indicators, a keycap or a tag-sequence flag; at most
    EMOJI_MAX_CODE_POINTS code points.
    """
    if isinstance(emoji, str) and emoji.strip() != emoji:
        emoji = emoji.strip()
    valid = (
        isinstance(emoji, str)
        and 0 < len(emoji) <= EMOJI_MAX_CODE_POINTS
        and _is_emoji_sequence(emoji)
    )
    if not valid:
        raise ValidationError(
            EMOJI_ERROR,
            details={"emoji": [f"One emoji (at most {EMOJI_MAX_CODE_POINTS} code points)."]},
        )
    return emoji


def _require_room_for_new_emoji(message: Message, emoji: str) -> None:
    """A message holds at most REACTION_MAX_DISTINCT_EMOJI different emoji; given ones stay open."""
    cap = settings.REACTION_MAX_DISTINCT_EMOJI
    given = set(
        Reaction.objects.filter(message=message)
        .values_list("emoji", flat=True)
        .distinct()
        .order_by()[: cap + 1]
    )
    if emoji not in given and len(given) >= cap:
        raise ValidationError(
            f"A message has at most {cap} different reactions.",
            details={"emoji": [f"This message already has {cap} different emoji."]},
        )


def add_reaction(*, actor: User, message_id: int, emoji: str) -> tuple[Reaction, bool]:
    """React to a message; the same emoji twice is one reaction. Returns ``(reaction, created)``."""
    emoji = validate_emoji(emoji)
    ratelimit.enforce_user(actor, "reaction_user")
    message, access = readable_message(actor, message_id)
    _require_can_react(message, access)
    try:
        with transaction.atomic():
            # The message row's lock makes the distinct-emoji count exact
            # under concurrent reactions; the event lock comes with COMMIT.
            Message.objects.select_for_update().filter(pk=message.pk).first()
            _require_room_for_new_emoji(message, emoji)
            reaction = Reaction.objects.create(message=message, user=actor, emoji=emoji)
            log.record(
                "reaction.added",
                message.room_id,
                message_id=message.pk,
                emoji=emoji,
                user_id=actor.pk,
            )
            return reaction, True
    except IntegrityError:
        return Reaction.objects.get(message=message, user=actor, emoji=emoji), False


def _stored_emoji(emoji) -> str:
    """What a DELETE may name: anything a reaction row can hold (older rules stored more).

    Refuses only what no row can hold (NUL, control characters, over the
    column's length), so the database never sees it.
    """
    ok = (
        isinstance(emoji, str)
        and 0 < len(emoji) <= EMOJI_MAX_STORED
        and not any(unicodedata.category(ch) == "Cc" for ch in emoji)
    )
    if not ok:
        raise ValidationError(EMOJI_ERROR, details={"emoji": ["Not an emoji."]})
    return emoji


def remove_reaction(*, actor: User, message_id: int, emoji: str) -> bool:
    """Take back one's reaction; returns whether there was one.

    Any reaction the user has can be taken back, also one stored under older,
    looser rules (with ``/`` or letters); a name that matches none of theirs
    must be a valid emoji.
    """
    emoji = _stored_emoji(emoji)
    message, access = readable_message(actor, message_id)
    permissions.require_can_react(access, taking_back=True)
    with transaction.atomic():
        deleted, _ = Reaction.objects.filter(message=message, user=actor, emoji=emoji).delete()
        if deleted:
            log.record(
                "reaction.removed",
                message.room_id,
                message_id=message.pk,
                emoji=emoji,
                user_id=actor.pk,
            )
    if not deleted:
        validate_emoji(emoji)
    return deleted > 0


def newest_message_id(room_id: int) -> int:
    """The id of the room's newest message (0 for none): a new member's read marker.

    Rooms asks for it through rooms.services.provide_newest_message_id
    (installed in messaging/apps.py): rooms sits below messaging and never
    reads its tables.
    """
    newest = Message.objects.filter(room_id=room_id).aggregate(newest=Max("id"))["newest"]
    return newest or 0


@transaction.atomic
def mark_read(*, actor: User, room_id: int, message_id: int) -> Membership:
    """Move the actor's read marker forward to ``message_id`` (never backwards).

    The marker is a field of rooms.Membership; messaging writes it, since
    only messaging knows which messages a room has.
    """
    access = permissions.visible_room(actor, room_id)
    require(access.is_member, "Join the room to keep a read marker.")
    if not Message.objects.filter(room_id=access.room.pk, pk=message_id).exists():
        raise NotFound("Message not found in this room.")
    moved = Membership.objects.filter(
        pk=access.membership.pk, last_read_message_id__lt=message_id
    ).update(last_read_message_id=message_id)
    access.membership.refresh_from_db(fields=["last_read_message_id"])
    if moved:
        log.record("read", access.room.pk, user_id=actor.pk, message_id=message_id)
    return access.membership


@transaction.atomic
def broadcast_system_message(*, actor: User | None, content: str, ip: str | None = None) -> dict:
    """Send an operator announcement to every connected socket (a ``system`` event).

    Only site admins may (``actor`` None: a command); the announcement is
    not stored in any room, and it is recorded (``broadcast.sent``).
    """
    require(actor is None or actor.is_site_admin, "Only site admins can broadcast.")
    content = validate_content(content)
    audit.record("broadcast.sent", actor=actor, ip=ip, content=content)
    frame = {
        "type": "system",
        "content": content,
        "sent_by": {"id": actor.pk, "username": actor.username} if actor else None,
        "sent_at": selectors.iso(timezone.now()),
    }
    publish.to_everyone(frame)
    return frame


def announce_presence(*, user_id: int, room_ids, status: str, shown: bool | None = None) -> bool:
    """Tell the user's rooms (each socket once) that their presence changed.

    Never about a user who hides their presence (``show_presence`` off):
    others neither see them come nor go. ``shown`` is that setting when the
    caller read it already. Returns whether the rooms were told.
    """
    if shown is None:
        shown = shows_presence_of(user_id)
    if shown:
        publish.publish(frames.presence(room_ids, user_id, status))
    return shown


def record_gone_offline(*, user_id: int, room_ids, when) -> bool:
    """The user's last socket closed and the grace period ran out: store and tell it.

    Returns whether the rooms were told (not when the user hides their presence).
    """
    shown = record_last_seen(user_id=user_id, when=when)
    if shown:
        publish.publish(frames.presence(room_ids, user_id, presence.OFFLINE, when))
    return shown
