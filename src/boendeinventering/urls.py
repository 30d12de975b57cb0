from django.contrib import admin
from django.urls import include, path

# settings.py installs the admin as SimpleAdminConfig, which does not discover admin modules at
# setup; the web application discovers them here, when it loads its URLs (Django's documented pair).
admin.autodiscover()

urlpatterns: list = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("boendeinventering.web.urls")),
    path("", include("boendeinventering.reporting.urls")),
]

handler403 = "boendeinventering.web.views.errors.permission_denied"
handler404 = "boendeinventering.web.views.errors.page_not_found"
