"""API token creation, locked and throttled like the log-in page; mounted under /api/v1/."""

from __future__ import annotations

from django.contrib.auth import authenticate
from django.urls import path
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from accounts.lockout import cool_off_minutes


class TokenRequestSerializer(serializers.Serializer):
    # Django's own limits: a longer value cannot be a user, and is not worth storing as an attempt.
    username = serializers.CharField(max_length=150, trim_whitespace=False)
    password = serializers.CharField(max_length=4096, trim_whitespace=False, style={"input_type": "password"})


TokenSerializer = inline_serializer("Token", {"token": serializers.CharField()})
ErrorSerializer = inline_serializer("TokenError", {"detail": serializers.CharField()})


class ObtainToken(APIView):
    """POST a username and password, get the API token (the same one each time).

    Wrong passwords count toward the same lockout as the log-in page: after the limit the
    username and the address get 429 until the cool-off ends or the password is reset.
    """

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "token"

    @extend_schema(
        operation_id="auth_token_create", request=TokenRequestSerializer,
        responses={200: TokenSerializer, 400: OpenApiResponse(description="Missing or malformed fields"),
                   401: ErrorSerializer, 429: ErrorSerializer},
    )
    def post(self, request: Request) -> Response:
        incoming = TokenRequestSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        user = authenticate(request=request, **incoming.validated_data)
        if getattr(request, "axes_locked_out", False):
            return Response({"detail": (
                f"Too many failed log-ins for this username or address. Try again in {cool_off_minutes()} minutes, "
                "or reset your password."
            )}, status=status.HTTP_429_TOO_MANY_REQUESTS)
        if user is None or not user.is_active:
            return Response({"detail": "Wrong username or password."}, status=status.HTTP_401_UNAUTHORIZED,
                            headers={"WWW-Authenticate": "Token"})
        token, _ = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})


urlpatterns = [
    path("auth/token/", ObtainToken.as_view(), name="api_token"),
]
