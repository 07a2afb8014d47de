from django.apps import AppConfig
from django.db import transaction
from django.db.models.signals import post_delete, post_save


class PagesConfig(AppConfig):
    name = "pages"
    verbose_name = "Pages"

    def ready(self):
        from directory import stats

        from .data_caches import forget_regions, forget_taxonomy

        def taxonomy_changed(**_kwargs):
            forget_taxonomy()
            transaction.on_commit(forget_taxonomy)

        category = self.apps.get_model("directory", "Category")
        post_save.connect(taxonomy_changed, sender=category, weak=False, dispatch_uid="taxonomy")
        post_delete.connect(taxonomy_changed, sender=category, weak=False, dispatch_uid="taxonomy")
        stats.refreshed.connect(forget_regions, weak=False, dispatch_uid="board-regions")
