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


class SwedishByDefaultLocaleMiddleware:
    """Swedish unless the user chose another language with the switch (the language cookie).

    Django's LocaleMiddleware would follow the browser's Accept-Language, and many municipal
    PCs run an English browser; the service is Swedish first, as the issue asks."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.conf import settings
        from django.utils import translation
        from django.utils.cache import patch_vary_headers

        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        patch_vary_headers(response, ("Cookie",))
        return response


def max_request_bytes() -> int:
    """The largest request body accepted: the largest upload plus room for the form's other fields
    and the multipart framing (also waitress's own limit in web.serve)."""
    return (settings.BOINV_MAX_UPLOAD_MB + 10) * 1_048_576


class RequestBodyLimitMiddleware:
    """Refuse request bodies before anything reads them.

    Django writes an uploaded file to DATA_DIR/tmp while parsing the request, and the CSRF check
    parses it: an anonymous POST with a forged csrftoken cookie and a 1.5 GB body used to reach the
    disk before its 403. Here, before any view or CSRF check runs: a body over the upload limit gets
    413, and a body large enough to be written to disk (over FILE_UPLOAD_MAX_MEMORY_SIZE; smaller
    ones stay in memory) is accepted only from the roles that upload extracts; everyone else,
    anonymous or signed in, gets 403."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.core.exceptions import PermissionDenied
        from django.shortcuts import render

        from boendeinventering.organisation.models import Role
        from boendeinventering.web.access import role_of

        raw_length = request.META.get("CONTENT_LENGTH") or ""
        try:
            length = int(raw_length) if raw_length else 0
        except ValueError:
            length = -1
        multipart = request.META.get("CONTENT_TYPE", "").lower().startswith("multipart/")
        if length < 0:
            return render(request, "boinv/413.html", {"max_mb": settings.BOINV_MAX_UPLOAD_MB}, status=400)
        if length > max_request_bytes():
            return render(request, "boinv/413.html", {"max_mb": settings.BOINV_MAX_UPLOAD_MB}, status=413)
        if length > settings.FILE_UPLOAD_MAX_MEMORY_SIZE:
            # Above this size Django streams an uploaded file to DATA_DIR/tmp: only extract
            # uploaders may send one. Large plain form posts (the mapping editor's thousands of
            # fields) are staff work; Django keeps them in memory up to DATA_UPLOAD_MAX_MEMORY_SIZE.
            allowed = (Role.COORDINATOR,) if multipart else (Role.COORDINATOR, Role.ADMIN)
            if role_of(request.user) not in allowed:
                raise PermissionDenied("large request bodies are for coordinators")  # rendered by handler403
        elif multipart and not raw_length and "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower():
            # No length to check in advance: refused rather than streamed to disk unchecked.
            return render(request, "boinv/413.html", {"max_mb": settings.BOINV_MAX_UPLOAD_MB}, status=411)
        return self.get_response(request)
