from django.apps import AppConfig


class InventoryConfig(AppConfig):
    name = "boendeinventering.inventory"
    label = "inventory"
    verbose_name = "Inventering"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Every import records the fingerprint of the key it was made with (services/history.py).
        from django.db.models.signals import pre_save

        from boendeinventering.services.history import stamp_key_fingerprint

        pre_save.connect(stamp_key_fingerprint, sender=self.get_model("ImportBatch"),
                         dispatch_uid="boinv-key-fingerprint")
