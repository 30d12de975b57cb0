"""Headers Django 5.2 does not set itself: Content-Security-Policy (no inline scripts or styles:
every script and stylesheet is a static file) and a Permissions-Policy that turns off what
the application never uses."""

from __future__ import annotations

from django.conf import settings


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", settings.BOINV_CSP)
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if request.user.is_authenticated if hasattr(request, "user") else False:
            # Pages with figures or names must not linger in shared caches or the back button.
            response.headers.setdefault("Cache-Control", "no-store")
        return response
