from django.urls import include, path

urlpatterns: list = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("boendeinventering.web.urls")),
    path("", include("boendeinventering.reporting.urls")),
]

handler403 = "boendeinventering.web.views.errors.permission_denied"
handler404 = "boendeinventering.web.views.errors.page_not_found"
