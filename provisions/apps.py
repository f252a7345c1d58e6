from django.apps import AppConfig
from django.db.models.signals import m2m_changed, post_delete, post_save


class ProvisionsConfig(AppConfig):
    name = "provisions"
    verbose_name = "Peace plan provisions"

    def ready(self):
        import tracker.checks  # noqa: F401 (registers the deployment checks)
        from provisions.caching import on_data_change, on_position_recovered
        from provisions.witnesses import on_readings_change
        from tracker import replicas

        # any write to a tracker model moves the dataset stamp on (see provisions.caching)
        for signal in (post_save, post_delete, m2m_changed):
            signal.connect(on_data_change, dispatch_uid=f"dataset-stamp-{signal!r}")
        # and again once the replicas can be told where a write whose position was lost is
        replicas.position_recovered.connect(on_position_recovered, dispatch_uid="recovered")
        # and a changed reading has its disagreements worked out once, when it is written
        for signal in (post_save, post_delete):
            signal.connect(on_readings_change, dispatch_uid=f"variant-memo-{signal!r}")
