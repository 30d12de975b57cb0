from django.urls import path

from . import answer_views, views

app_name = "reporting"

urlpatterns = [
    path("underlag/", views.index, name="index"),
    path("ar/<int:year>/underlag/", views.summary, name="summary"),
    path("ar/<int:year>/svar/", answer_views.answers, name="answers"),
    path("ar/<int:year>/kronofogden/", views.kronofogden, name="kronofogden"),
    path("ar/<int:year>/underlag/enhet/<int:unit_id>/", views.unit_forms, name="unit_forms"),
    path("ar/<int:year>/underlag/enhet/<int:unit_id>/<slug:kind>/", views.report_form, name="form"),
    path("ar/<int:year>/underlag/enhet/<int:unit_id>/<slug:kind>/ateroppna/", views.reopen, name="reopen"),
]
