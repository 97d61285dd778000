"""At most one unread new-matches notification per seeker (a partial unique index the matcher
folds into with INSERT ... ON CONFLICT). The notifications written before carry their count in
their title only: it is read back into match_count, and a seeker's several unread ones are folded
into the newest (the sum, "for your saved searches") before the index is made. Their cached bell
counts are forgotten."""

import re

from django.conf import settings
from django.db import migrations, models

COUNT = re.compile(r"^(\d+) new job")
ONE_SEARCH = re.compile(r"^/searches/(\d+)/$")


def fold_unread_matches(apps, schema_editor):
    from django.core.cache import cache

    Notification = apps.get_model("notifications", "Notification")
    unread = (Notification.objects.filter(kind="matches", read_at__isnull=True)
              .order_by("user_id", "-created_at", "-id").values_list("id", "user_id", "title", "url"))
    kept, folded, drop = {}, [], []
    for pk, user_id, title, url in unread.iterator(chunk_size=5000):
        count = int(m.group(1)) if (m := COUNT.match(title)) else 0
        if user_id not in kept:
            one = ONE_SEARCH.match(url)
            kept[user_id] = Notification(pk=pk, user_id=user_id, title=title, url=url, match_count=count,
                                         search_ids=[int(one.group(1))] if one else [])
            continue
        newest = kept[user_id]
        newest.match_count += count
        newest.title = f"{newest.match_count} new jobs for your saved searches"
        newest.url, newest.search_ids = "/searches/", []
        folded.append(user_id)
        drop.append(pk)
    Notification.objects.bulk_update(list(kept.values()), ["match_count", "search_ids", "title", "url"], batch_size=2000)
    for start in range(0, len(drop), 5000):
        Notification.objects.filter(pk__in=drop[start : start + 5000]).delete()
    keys = [f"notifications:unread:{user_id}" for user_id in set(folded)]
    for start in range(0, len(keys), 1000):
        cache.delete_many(keys[start : start + 1000])


class Migration(migrations.Migration):

    dependencies = [
        ('notifications', '0003_savedsearch_fillfactor'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='notification',
            name='match_count',
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name='notification',
            name='search_ids',
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.RunPython(fold_unread_matches, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name='notification',
            constraint=models.UniqueConstraint(condition=models.Q(('kind', 'matches'), ('read_at__isnull', True)), fields=('user',), name='notification_one_unread_matches'),
        ),
    ]
