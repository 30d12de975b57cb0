from django.apps import AppConfig


class InventoryConfig(AppConfig):
    name = "boendeinventering.inventory"
    label = "inventory"
    verbose_name = "Inventering"
    default_auto_field = "django.db.models.BigAutoField"
