from django.apps import AppConfig


class OrganisationConfig(AppConfig):
    name = "boendeinventering.organisation"
    label = "organisation"
    verbose_name = "Organisation och roller"
    default_auto_field = "django.db.models.BigAutoField"
