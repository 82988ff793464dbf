"""Message shapes. Output is built by messaging.selectors as plain dicts; these
serializers validate input and describe the output in the OpenAPI schema."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxLengthValidator
from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from lair import config, fields, text
from messaging.services import CLIENT_ID_MAX_LENGTH


class AuthorSerializer(serializers.Serializer):
    id = fields.IntegerField()
    username = fields.CharField()
    display_name = fields.CharField()
    avatar_url = fields.CharField(allow_null=True)


class ReactionCountSerializer(serializers.Serializer):
    emoji = fields.CharField()
    count = fields.IntegerField()
    me = fields.BooleanField(help_text="Whether I reacted with this emoji.")


class MessageSerializer(serializers.Serializer):
    id = fields.IntegerField()
    room_id = fields.IntegerField()
    author = AuthorSerializer(allow_null=True, help_text="null once the author is deleted")
    content = fields.CharField(help_text="Empty once deleted.")
    html = fields.CharField(
        read_only=True,
        help_text=(
            "content rendered on the server (a Markdown subset, sanitised by an allow-list; "
            'links carry rel="noopener noreferrer nofollow", a mentioned member is a '
            '<span class="mention" data-user-id>); safe to insert as HTML. Empty once deleted.'
        ),
    )
    created_at = serializers.DateTimeField()
    edited_at = serializers.DateTimeField(allow_null=True)
    deleted = fields.BooleanField()
    parent_id = fields.IntegerField(allow_null=True)
    reply_count = fields.IntegerField()
    reactions = ReactionCountSerializer(many=True)
    mentions = serializers.ListField(child=fields.IntegerField())


class _ContentField(fields.CharField):
    """Message text: checked up to the cap an operator may raise max_message_length to;
    documented (maxLength) with the default a client can count on."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.validators += [
            _DefaultLengthInTheSchema(settings.MAX_MESSAGE_LENGTH),
            _at_most_the_cap,
        ]


class _DefaultLengthInTheSchema(MaxLengthValidator):
    """The schema's maxLength (drf-spectacular reads it from this validator): the default.

    It checks nothing: the length in force is the runtime config's, checked by the service.
    """

    def __call__(self, value) -> None:
        return None


def _at_most_the_cap(value: str) -> None:
    cap = config.MAX_MESSAGE_LENGTH_CAP
    if len(value) > cap:
        raise serializers.ValidationError(f"Ensure this field has no more than {cap} characters.")


def _content():
    # The service enforces these (messaging.services, lair.text); here they
    # show in the schema as maxLength and pattern. Operators change the length
    # at runtime (max_message_length): the service holds the value in force.
    return _ContentField(
        trim_whitespace=False,
        validators=[text.message_rule()],
        help_text=f"Any printable text, not only whitespace, of at most the runtime "
        f"config's max_message_length characters ({settings.MAX_MESSAGE_LENGTH} unless an "
        "operator changed it). Control characters other than newline, carriage return "
        "and tab (NUL included) are refused.",
    )


class MessagePostSerializer(serializers.Serializer):
    content = _content()
    parent_id = fields.IntegerField(required=False, allow_null=True, min_value=1)
    client_id = fields.CharField(
        required=False,
        allow_null=True,
        max_length=CLIENT_ID_MAX_LENGTH,
        validators=[text.name_rule("A client_id", required=True)],
    )


class MessageEditSerializer(serializers.Serializer):
    content = _content()


class ReactionSerializer(serializers.Serializer):
    emoji = fields.CharField(max_length=64)


class ReactionAnswerSerializer(serializers.Serializer):
    message_id = fields.IntegerField()
    emoji = fields.CharField()
    user_id = fields.IntegerField()


class SearchResultSerializer(serializers.Serializer):
    message = MessageSerializer()
    snippet = fields.CharField(help_text="HTML-escaped text with matches in <mark>.")


# One page object: the history is a viewset's "list" action, which
# drf-spectacular would otherwise document as an array of pages.
@extend_schema_serializer(many=False)
class MessagePageSerializer(serializers.Serializer):
    results = MessageSerializer(many=True)
    next = fields.CharField(allow_null=True)
    previous = fields.CharField(allow_null=True)


class SearchPageSerializer(serializers.Serializer):
    results = SearchResultSerializer(many=True)
    next = fields.CharField(allow_null=True)
    previous = fields.CharField(allow_null=True)


class ReadMarkerSerializer(serializers.Serializer):
    message_id = fields.IntegerField(min_value=1)


class ReadStateSerializer(serializers.Serializer):
    room_id = fields.IntegerField()
    last_read_message_id = fields.IntegerField()
    unread_count = fields.IntegerField()
    mention_count = fields.IntegerField()
