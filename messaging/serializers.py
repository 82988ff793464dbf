"""Message shapes. Output is built by messaging.selectors as plain dicts; these
serializers validate input and describe the output in the OpenAPI schema."""

from __future__ import annotations

from rest_framework import serializers


class AuthorSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    display_name = serializers.CharField()
    avatar_url = serializers.CharField(allow_null=True)


class ReactionCountSerializer(serializers.Serializer):
    emoji = serializers.CharField()
    count = serializers.IntegerField()
    me = serializers.BooleanField(help_text="Whether I reacted with this emoji.")


class MessageSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    room_id = serializers.IntegerField()
    author = AuthorSerializer(allow_null=True, help_text="null once the author is deleted")
    content = serializers.CharField(help_text="Empty once deleted.")
    created_at = serializers.DateTimeField()
    edited_at = serializers.DateTimeField(allow_null=True)
    deleted = serializers.BooleanField()
    parent_id = serializers.IntegerField(allow_null=True)
    reply_count = serializers.IntegerField()
    reactions = ReactionCountSerializer(many=True)
    mentions = serializers.ListField(child=serializers.IntegerField())


class MessagePostSerializer(serializers.Serializer):
    content = serializers.CharField(trim_whitespace=False, allow_blank=True)
    parent_id = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    client_id = serializers.CharField(required=False, allow_null=True, max_length=64)


class MessageEditSerializer(serializers.Serializer):
    content = serializers.CharField(trim_whitespace=False, allow_blank=True)


class ReactionSerializer(serializers.Serializer):
    emoji = serializers.CharField(max_length=64)


class ReactionAnswerSerializer(serializers.Serializer):
    message_id = serializers.IntegerField()
    emoji = serializers.CharField()
    user_id = serializers.IntegerField()


class SearchResultSerializer(serializers.Serializer):
    message = MessageSerializer()
    snippet = serializers.CharField(help_text="HTML-escaped text with matches in <mark>.")


class MessagePageSerializer(serializers.Serializer):
    results = MessageSerializer(many=True)
    next = serializers.CharField(allow_null=True)
    previous = serializers.CharField(allow_null=True)


class SearchPageSerializer(serializers.Serializer):
    results = SearchResultSerializer(many=True)
    next = serializers.CharField(allow_null=True)
    previous = serializers.CharField(allow_null=True)


class SearchQuerySerializer(serializers.Serializer):
    q = serializers.CharField(max_length=200)
    room = serializers.IntegerField(required=False, min_value=1)
    # "from" is a Python keyword: the view maps it.
    author = serializers.CharField(required=False, max_length=32)
    before = serializers.CharField(required=False, max_length=40)
    after = serializers.CharField(required=False, max_length=40)


class ReadMarkerSerializer(serializers.Serializer):
    message_id = serializers.IntegerField(min_value=1)


class ReadStateSerializer(serializers.Serializer):
    room_id = serializers.IntegerField()
    last_read_message_id = serializers.IntegerField()
    unread_count = serializers.IntegerField()
    mention_count = serializers.IntegerField()
