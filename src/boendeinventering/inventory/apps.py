from django.apps import AppConfig


class InventoryConfig(AppConfig):
    name = "boendeinventering.inventory"
    label = "inventory"
    verbose_name = "Inventering"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Every import records the fingerprint of the key it was made with (services/history.py).
        from django.db.models.signals import pre_save

        pre_save.connect(_stamp_key_fingerprint, sender=self.get_model("ImportBatch"),
                         dispatch_uid="boinv-key-fingerprint")


def _stamp_key_fingerprint(sender, instance, **kwargs) -> None:
    # Imported when an import is saved, not at startup: services.history loads Polars and the
    # measures, which every `boinv` command and web process would otherwise pay for at start.
    from boendeinventering.services.history import stamp_key_fingerprint

    stamp_key_fingerprint(sender, instance, **kwargs)
