from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "boendeinventering.web"
    label = "web"
    verbose_name = "Webbgränssnitt"

    def ready(self):
        import warnings

        # WhiteNoise warns when STATIC_ROOT has not been collected yet; `boinv serve` serves the
        # apps' static files directly (WHITENOISE_USE_FINDERS), so that is normal here.
        warnings.filterwarnings("ignore", message="No directory at", module="whitenoise.base")
        from boendeinventering import checks  # noqa: F401 - registers the settings checks (boinv.E001 …)
        from boendeinventering.web import signals

        signals.connect()
