"""Auth and sessions API: thin adapters over sessions_app.services."""

from __future__ import annotations

from django.contrib.auth import logout as django_logout
from django.contrib.auth import update_session_auth_hash
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.serializers import LoginSerializer, PasswordChangeSerializer, RegisterSerializer
from lair import ratelimit
from lair.client_ip import client_ip
from lair.errors import NotFound
from lair.pagination import LimitOffsetPagination
from lair.schema import CONFLICT_RESPONSES, ERROR_RESPONSES
from sessions_app import services
from sessions_app.authentication import current_session_id, signed_in_by_token
from sessions_app.models import DeviceSession
from sessions_app.serializers import (
    CleanupResultSerializer,
    DeviceSessionSerializer,
    RefreshSerializer,
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
        ratelimit.enforce_ip(request, "register_ip")
        data = RegisterSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        sign_in = services.register(
            **data.validated_data, ip=client_ip(request), user_agent=_user_agent(request)
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
        data = LoginSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = data.validated_data
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
        data = RefreshSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        pair = services.rotate_refresh_token(
            raw_refresh=data.validated_data["refresh"], ip=client_ip(request)
        )
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
        ratelimit.enforce(request, "password_user", str(request.user.pk))
        data = PasswordChangeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.change_password(
            user=request.user,
            old_password=data.validated_data["old_password"],
            new_password=data.validated_data["new_password"],
            current_session_id=current_session_id(request),
        )
        if not signed_in_by_token(request):
            # Signed in by cookie: keep this browser signed in.
            update_session_auth_hash(request._request, request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class SessionListView(APIView):
    # Only for the schema: lists answer {results, next, previous}.
    pagination_class = LimitOffsetPagination

    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=["sessions"],
        responses={200: DeviceSessionSerializer(many=True), **ERROR_RESPONSES},
        summary="My active sessions",
    )
    def get(self, request):
        paginator = LimitOffsetPagination()
        sessions = (
            DeviceSession.objects.active()
            .filter(user=request.user)
            .order_by("-last_seen_at", "-id")
        )
        page = paginator.paginate_queryset(sessions, request, view=self)
        context = {"current_session_id": current_session_id(request)}
        return paginator.get_paginated_response(
            DeviceSessionSerializer(page, many=True, context=context).data
        )


class CurrentSessionView(APIView):
    @extend_schema(
        tags=["sessions"],
        responses={200: DeviceSessionSerializer, **ERROR_RESPONSES},
        summary="The session of this request",
    )
    def get(self, request):
        session = getattr(request, "device_session", None)
        if session is None:
            raise NotFound("This request is not signed in with a device session token.")
        return Response(
            DeviceSessionSerializer(session, context={"current_session_id": session.pk}).data
        )


class SessionDetailView(APIView):
    @extend_schema(
        tags=["sessions"],
        responses={204: None, **ERROR_RESPONSES},
        summary="Revoke one of my sessions",
    )
    def delete(self, request, session_id: int):
        services.revoke_own_session(user=request.user, session_id=session_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class SessionCleanupView(APIView):
    @extend_schema(
        tags=["sessions"],
        request=None,
        responses={200: CleanupResultSerializer, **ERROR_RESPONSES},
        summary="Revoke all my sessions except the current one",
    )
    def post(self, request):
        revoked = services.revoke_user_sessions(
            user=request.user,
            reason=DeviceSession.RevokeReason.REVOKED,
            except_session_id=current_session_id(request),
        )
        return Response({"revoked": revoked})
