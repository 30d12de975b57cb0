"""URLs of the web application (Swedish paths). Every view is role-checked; see
tests/test_web_access.py for the table of who gets what."""

from django.urls import path

from boendeinventering.web.views import admin, auditlog, extracts, home, mapping, reports, years

app_name = "web"

urlpatterns = [
    path("", home.home, name="home"),
    path("logga-in/", home.LoginView.as_view(), name="login"),
    path("logga-ut/", home.LogoutView.as_view(), name="logout"),
    path("ar/", years.year_list, name="years"),
    path("ar/<int:year>/", years.year_detail, name="year"),
    path("ar/<int:year>/deltagare/<int:participation_id>/ta-bort/", years.participation_remove,
         name="participation_remove"),
    path("ar/<int:year>/publicera/", years.publish, name="publish"),
    path("ar/<int:year>/referensdatum/", years.reference_date, name="reference_date"),
    path("ar/<int:year>/rojandekontroll/", years.run_audit, name="run_audit"),
    path("ar/<int:year>/rapport/", reports.report, name="report"),
    path("ar/<int:year>/rapport/<str:fmt>/", reports.download, name="report_download"),
    path("ar/<int:year>/internt/", reports.report_unprotected, name="report_unprotected"),
    path("ar/<int:year>/internt/<str:fmt>/", reports.download_unprotected, name="report_unprotected_download"),
    path("ar/<int:year>/datakvalitet/", reports.quality, name="quality"),
    path("uttag/", extracts.extracts, name="extracts"),
    path("uttag/jobb/<uuid:job_id>/", extracts.import_job, name="import_job"),
    path("uttag/jobb/<uuid:job_id>/status/", extracts.import_job_status, name="import_job_status"),
    path("uttag/import/<int:batch_id>/", extracts.import_batch, name="import_batch"),
    path("uttag/import/<int:batch_id>/aterkalla/", extracts.import_withdraw, name="import_withdraw"),
    path("uttag/import/<int:batch_id>/ateraktivera/", extracts.import_reactivate, name="import_reactivate"),
    path("mappning/", mapping.mapping_editor, name="mapping"),
    path("logg/", auditlog.audit_log, name="audit_log"),
    path("anvandare/", admin.user_list, name="users"),
    path("anvandare/<int:user_id>/", admin.user_edit, name="user_edit"),
    path("enheter/", admin.unit_list, name="units"),
    path("enheter/<int:unit_id>/", admin.unit_edit, name="unit_edit"),
    path("installningar/", admin.installation_settings, name="settings"),
]
