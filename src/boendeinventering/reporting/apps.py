from django.apps import AppConfig


class ReportingConfig(AppConfig):
    name = "boendeinventering.reporting"
    label = "reporting"
    verbose_name = "Kompletterande underlag från enheter"
    default_auto_field = "django.db.models.BigAutoField"
