"""Auth and sessions API: thin adapters over sessions_app.services."""

from __future__ import annotations

from django.contrib.auth import logout as django_logout
from django.contrib.auth import update_session_auth_hash
from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from lair import ratelimit
from lair.api import validated
from lair.client_ip import client_ip
from lair.errors import NotFound
from lair.pagination import LimitOffsetPagination
from lair.schema import CONFLICT_RESPONSES, ERROR_RESPONSES
from sessions_app import selectors, services
from sessions_app.authentication import current_session_id, signed_in_by_token
from sessions_app.models import DeviceSession
from sessions_app.serializers import (
    CleanupResultSerializer,
    DeviceSessionSerializer,
    LoginSerializer,
    PasswordChangeSerializer,
    RefreshSerializer,
    RegisterSerializer,
    SignInSerializer,
    TokenPairSerializer,
)


def _user_agent(request) -> str:
    return request.META.get("HTTP_USER_AGENT", "")


class RegisterView(APIView):
    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(
        tags=["auth"],
        request=RegisterSerializer,
        responses={201: SignInSerializer, **CONFLICT_RESPONSES},
        summary="Create an account and sign in",
    )
    def post(self, request):
        services.count_registration(request=request)
        fields = validated(RegisterSerializer, request.data)
        sign_in = services.register(
            **fields, ip=client_ip(request), user_agent=_user_agent(request)
        )
        return Response(SignInSerializer.render(sign_in), status=status.HTTP_201_CREATED)


class LoginView(APIView):
    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(
        tags=["auth"],
        request=LoginSerializer,
        responses={200: SignInSerializer, **ERROR_RESPONSES},
        summary="Sign in with a username or email",
    )
    def post(self, request):
        fields = validated(LoginSerializer, request.data)
        sign_in = services.login(
            identifier=fields["username"],
            password=fields["password"],
            device_name=fields.get("device_name", ""),
            user_agent=_user_agent(request),
            request=request._request,
        )
        return Response(SignInSerializer.render(sign_in))


class RefreshView(APIView):
    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(
        tags=["auth"],
        request=RefreshSerializer,
        responses={200: TokenPairSerializer, **ERROR_RESPONSES},
        summary="Rotate the refresh token",
        description="The presented refresh token stops working. Presenting a rotated "
        "token again revokes the whole session.",
    )
    def post(self, request):
        ratelimit.enforce_ip(request, "refresh_ip")
        fields = validated(RefreshSerializer, request.data)
        pair = services.rotate_refresh_token(raw_refresh=fields["refresh"], ip=client_ip(request))
        return Response({"access": pair.access, "refresh": pair.refresh})


class LogoutView(APIView):
    @extend_schema(
        tags=["auth"],
        request=None,
        responses={204: None, **ERROR_RESPONSES},
        summary="Sign out: revoke the current session",
    )
    def post(self, request):
        if signed_in_by_token(request):
            services.revoke_session(
                session=request.device_session, reason=DeviceSession.RevokeReason.LOGOUT
            )
        else:
            # Django's logout ends the cookie's device session (sessions_app.signals).
            django_logout(request._request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PasswordView(APIView):
    @extend_schema(
        tags=["auth"],
        request=PasswordChangeSerializer,
        responses={204: None, **ERROR_RESPONSES},
        summary="Change the password; every other session is revoked",
    )
    def post(self, request):
        fields = validated(PasswordChangeSerializer, request.data)
        services.change_password(
            user=request.user,
            old_password=fields["old_password"],
            new_password=fields["new_password"],
            current_session_id=current_session_id(request),
            ip=client_ip(request),
        )
        if not signed_in_by_token(request):
            # Signed in by cookie: keep this browser signed in.
            update_session_auth_hash(request._request, request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class SessionViewSet(viewsets.GenericViewSet):
    # My device sessions: a resource (list, revoke one), with the current one and
    # the cleanup as actions on the collection. (No docstring: it would become
    # every operation's description in the schema.)

    # Also for the schema: lists answer {results, next, previous}.
    pagination_class = LimitOffsetPagination
    permission_classes = [IsAuthenticated]
    lookup_url_kwarg = "session_id"
    lookup_value_converter = "id"

    @extend_schema(
        tags=["sessions"],
        responses={200: DeviceSessionSerializer(many=True), **ERROR_RESPONSES},
        summary="My active sessions",
    )
    def list(self, request):
        page = self.paginate_queryset(selectors.active_sessions_of(request.user))
        context = {"current_session_id": current_session_id(request)}
        return self.get_paginated_response(
            DeviceSessionSerializer(page, many=True, context=context).data
        )

    @extend_schema(
        tags=["sessions"],
        responses={200: DeviceSessionSerializer, **ERROR_RESPONSES},
        summary="The session of this request",
    )
    @action(detail=False, methods=["get"], pagination_class=None)
    def current(self, request):
        session = getattr(request, "device_session", None)
        if session is None:
            raise NotFound("This request is not signed in with a device session token.")
        return Response(
            DeviceSessionSerializer(session, context={"current_session_id": session.pk}).data
        )

    @extend_schema(
        tags=["sessions"],
        request=None,
        responses={200: CleanupResultSerializer, **ERROR_RESPONSES},
        summary="Revoke all my sessions except the current one",
    )
    @action(detail=False, methods=["post"], pagination_class=None)
    def cleanup(self, request):
        revoked = services.revoke_user_sessions(
            user=request.user,
            reason=DeviceSession.RevokeReason.REVOKED,
            except_session_id=current_session_id(request),
            actor=request.user,
            ip=client_ip(request),
        )
        return Response({"revoked": revoked})

    @extend_schema(
        tags=["sessions"],
        responses={204: None, **ERROR_RESPONSES},
        summary="Revoke one of my sessions",
    )
    def destroy(self, request, session_id: int):
        services.revoke_own_session(user=request.user, session_id=session_id, ip=client_ip(request))
        return Response(status=status.HTTP_204_NO_CONTENT)
